//! Records of the desk additions: list filters (tag, text search, user), notes about end
//! users, quick responses and attachments.

use switchboard_protocol::{
    AgentId, Attachment, AttachmentId, AuthorKind, BotId, ConversationId, Timestamp, UserId,
};

pub use switchboard_protocol::desk::{QuickResponse, UserNote};

/// Narrows a conversation list; every field is optional and they combine with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConversationFilter {
    /// Only conversations carrying this tag (exact match).
    pub tag: Option<String>,
    /// Case-insensitive substring of the user's name or e-mail, or of any message text.
    pub text: Option<String>,
    /// Only this user's conversations.
    pub user_id: Option<UserId>,
    /// Only conversations this bot took part in: it holds it now, or wrote a message in it.
    pub bot_id: Option<BotId>,
}

#[derive(Clone, Debug)]
pub struct NewUserNote {
    pub user_id: UserId,
    pub author_id: AgentId,
    pub author_name: String,
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct NewAttachment {
    pub uploader_kind: AuthorKind,
    pub uploader_id: String,
    pub file_name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// An attachment's details, without its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentRecord {
    pub id: AttachmentId,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    pub uploader_kind: AuthorKind,
    pub uploader_id: String,
    pub created_at: Timestamp,
}

impl AttachmentRecord {
    /// The contract's `attachment`; `url` is relative to the gateway.
    pub fn to_attachment(&self) -> Attachment {
        Attachment {
            id: self.id.clone(),
            file_name: self.file_name.clone(),
            content_type: self.content_type.clone(),
            size: self.size,
            url: format!("/v1/attachments/{}", self.id.as_str()),
        }
    }
}

/// A message that carries an attachment: who may download it follows from its conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentLink {
    pub conversation_id: ConversationId,
    pub private: bool,
}

/// `text` as a `LIKE` pattern matching it anywhere, with `\` escaping the wildcards.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_escaped() {
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
