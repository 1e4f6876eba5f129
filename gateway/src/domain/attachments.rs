//! Attachments: files uploaded by any principal, stored in the database under a random id,
//! sent with `message.send` (`attachment_ids`) by their uploader only, and downloadable by
//! those who may see a conversation that carries them (users: only through public messages).

use super::Desk;
use crate::error::{Error, Result};
use crate::principal::Principal;
use crate::store::{AttachmentRecord, NewAttachment};
use switchboard_protocol::desk::{MAX_ATTACHMENT_BYTES, MAX_MESSAGE_ATTACHMENTS};
use switchboard_protocol::{Attachment, AttachmentId};

/// Longest file name, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 255;
/// What an unknown or malformed content type is stored as.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// Image types served as themselves (so `<img>` shows them); anything else is served as
/// `application/octet-stream`. SVG is not among them: it can carry script.
const INLINE_IMAGE_TYPES: [&str; 6] = [
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/avif",
    "image/bmp",
];

/// The file name without any path, trimmed and checked.
pub fn clean_file_name(raw: &str) -> Result<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw).trim();
    let chars = base.chars().count();
    if chars == 0 || chars > MAX_FILE_NAME_CHARS || base == "." || base == ".." {
        return Err(Error::invalid(format!(
            "file_name must have 1 to {MAX_FILE_NAME_CHARS} characters"
        )));
    }
    if base.chars().any(char::is_control) {
        return Err(Error::invalid(
            "file_name must not contain control characters",
        ));
    }
    Ok(base.to_owned())
}

/// `type/subtype` from a `Content-Type` header, lower-cased and without parameters; anything
/// else becomes `application/octet-stream`.
pub fn clean_content_type(raw: Option<&str>) -> String {
    let Some(raw) = raw else {
        return OCTET_STREAM.to_owned();
    };
    let essence = raw.split(';').next().unwrap_or_default().trim();
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    match essence.split_once('/') {
        Some((kind, sub)) if essence.len() <= 127 && token(kind) && token(sub) => {
            essence.to_ascii_lowercase()
        }
        _ => OCTET_STREAM.to_owned(),
    }
}

/// The `Content-Type` a download is served with.
pub fn served_content_type(stored: &str) -> &str {
    if INLINE_IMAGE_TYPES.contains(&stored) {
        stored
    } else {
        OCTET_STREAM
    }
}

/// `attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded` (RFC 6266, RFC
/// 5987).
pub fn content_disposition(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(file_name.len() * 3);
    for byte in file_name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

impl Desk {
    /// `POST /v1/attachments`: stores the file under a new random id.
    pub async fn upload_attachment(
        &self,
        principal: &Principal,
        file_name: &str,
        content_type: Option<&str>,
        data: Vec<u8>,
    ) -> Result<Attachment> {
        let file_name = clean_file_name(file_name)?;
        if data.is_empty() {
            return Err(Error::invalid("the file is empty"));
        }
        if data.len() > MAX_ATTACHMENT_BYTES {
            return Err(Error::TooLarge(format!(
                "attachments are at most {MAX_ATTACHMENT_BYTES} bytes"
            )));
        }
        let author = principal.author();
        let record = self
            .store
            .insert_attachment(
                principal.tenant(),
                NewAttachment {
                    uploader_kind: author.kind,
                    uploader_id: author.id,
                    file_name,
                    content_type: clean_content_type(content_type),
                    data,
                },
            )
            .await?;
        Ok(record.to_attachment())
    }

    /// The attachments of a `message.send`: each must be the sender's own upload, else
    /// `not_found` (another's upload looks exactly like an unknown id).
    pub(crate) async fn message_attachments(
        &self,
        principal: &Principal,
        ids: &[AttachmentId],
    ) -> Result<Vec<Attachment>> {
        if ids.len() > MAX_MESSAGE_ATTACHMENTS {
            return Err(Error::invalid(format!(
                "a message carries at most {MAX_MESSAGE_ATTACHMENTS} attachments"
            )));
        }
        let author = principal.author();
        let mut attachments: Vec<Attachment> = Vec::with_capacity(ids.len());
        for id in ids {
            if attachments.iter().any(|a| &a.id == id) {
                continue;
            }
            let record = self
                .store
                .attachment(principal.tenant(), id)
                .await?
                .filter(|r| r.uploader_kind == author.kind && r.uploader_id == author.id)
                .ok_or(Error::NotFound("attachment"))?;
            attachments.push(record.to_attachment());
        }
        Ok(attachments)
    }

    /// `GET /v1/attachments/{id}`: the file, for its uploader and for whoever may see a
    /// conversation that carries it (users: through a public message). Else `not_found`.
    pub async fn download_attachment(
        &self,
        principal: &Principal,
        id: &AttachmentId,
    ) -> Result<(AttachmentRecord, Vec<u8>)> {
        let tenant = principal.tenant();
        let record = self
            .store
            .attachment(tenant, id)
            .await?
            .ok_or(Error::NotFound("attachment"))?;
        let author = principal.author();
        let mut allowed = record.uploader_kind == author.kind && record.uploader_id == author.id;
        if !allowed {
            let user = matches!(principal, Principal::User(_));
            for link in self.store.attachment_links(tenant, id).await? {
                if user && link.private {
                    continue;
                }
                match self
                    .visible_conversation(principal, &link.conversation_id)
                    .await
                {
                    Ok(_) => {
                        allowed = true;
                        break;
                    }
                    Err(Error::NotFound(_)) => {}
                    Err(err) => return Err(err),
                }
            }
        }
        if !allowed {
            return Err(Error::NotFound("attachment"));
        }
        let data = self
            .store
            .attachment_data(tenant, id)
            .await?
            .ok_or(Error::NotFound("attachment"))?;
        Ok((record, data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_their_path() {
        assert_eq!(clean_file_name("C:\\x\\a.txt").unwrap(), "a.txt");
        assert_eq!(clean_file_name("../../etc/passwd").unwrap(), "passwd");
        assert!(clean_file_name("dir/").is_err());
        assert!(clean_file_name("a\nb").is_err());
    }

    #[test]
    fn content_types_are_reduced_to_their_essence() {
        assert_eq!(clean_content_type(Some("Image/PNG; x=1")), "image/png");
        assert_eq!(clean_content_type(Some("text/html<script>")), OCTET_STREAM);
        assert_eq!(clean_content_type(None), OCTET_STREAM);
        assert_eq!(served_content_type("image/png"), "image/png");
        assert_eq!(served_content_type("image/svg+xml"), OCTET_STREAM);
        assert_eq!(served_content_type("text/html"), OCTET_STREAM);
    }

    #[test]
    fn dispositions_are_rfc_5987_encoded() {
        assert_eq!(
            content_disposition("résumé \"1\".pdf"),
            "attachment; filename=\"r_sum_ _1_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22.pdf"
        );
    }
}
