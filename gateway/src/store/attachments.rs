//! Attachments: uploaded files, and the messages that carry them (who may download a file
//! follows from those messages' conversations).

use super::{AttachmentLink, AttachmentRecord, NewAttachment};
use crate::error::Result;
use async_trait::async_trait;
use switchboard_protocol::{AttachmentId, TenantId};

#[async_trait]
pub trait AttachmentStore: Send + Sync {
    /// Stores the file under a new random id (UUID v4).
    async fn insert_attachment(
        &self,
        tenant: &TenantId,
        attachment: NewAttachment,
    ) -> Result<AttachmentRecord>;
    async fn attachment(
        &self,
        tenant: &TenantId,
        id: &AttachmentId,
    ) -> Result<Option<AttachmentRecord>>;
    /// The attachment's bytes.
    async fn attachment_data(
        &self,
        tenant: &TenantId,
        id: &AttachmentId,
    ) -> Result<Option<Vec<u8>>>;
    /// The messages (their conversations) that carry the attachment.
    async fn attachment_links(
        &self,
        tenant: &TenantId,
        id: &AttachmentId,
    ) -> Result<Vec<AttachmentLink>>;
}

/// [`AttachmentStore`] for the store type `$store`, expanded in its backend module.
macro_rules! attachment_store {
    ($store:ty) => {
        #[async_trait]
        impl AttachmentStore for $store {
            async fn insert_attachment(
                &self,
                tenant: &TenantId,
                attachment: NewAttachment,
            ) -> Result<AttachmentRecord> {
                let record = AttachmentRecord {
                    id: AttachmentId(uuid::Uuid::new_v4().to_string()),
                    file_name: attachment.file_name,
                    content_type: attachment.content_type,
                    size: attachment.data.len() as u64,
                    uploader_kind: attachment.uploader_kind,
                    uploader_id: attachment.uploader_id,
                    created_at: clock::now(),
                };
                sqlx::query(
                    "INSERT INTO attachments (id, tenant_id, uploader_kind, uploader_id, file_name, \
                     content_type, size, data, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(record.id.as_str())
                .bind(tenant.as_str())
                .bind(enum_to_text(&record.uploader_kind)?)
                .bind(&record.uploader_id)
                .bind(&record.file_name)
                .bind(&record.content_type)
                .bind(record.size as i64)
                .bind(&attachment.data)
                .bind(&record.created_at.0)
                .execute(self.writer())
                .await
                .map_err(db)?;
                Ok(record)
            }

            async fn attachment(
                &self,
                tenant: &TenantId,
                id: &AttachmentId,
            ) -> Result<Option<AttachmentRecord>> {
                // Through the writer: a message may name an upload committed a moment ago.
                let row = sqlx::query(
                    "SELECT id, uploader_kind, uploader_id, file_name, content_type, size, \
                     created_at FROM attachments WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.as_str())
                .bind(id.as_str())
                .fetch_optional(self.writer())
                .await
                .map_err(db)?;
                row.as_ref().map(attachment_from_row).transpose()
            }

            async fn attachment_data(
                &self,
                tenant: &TenantId,
                id: &AttachmentId,
            ) -> Result<Option<Vec<u8>>> {
                let data: Option<Vec<u8>> = sqlx::query_scalar(
                    "SELECT data FROM attachments WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.as_str())
                .bind(id.as_str())
                .fetch_optional(self.reader())
                .await
                .map_err(db)?;
                Ok(data)
            }

            async fn attachment_links(
                &self,
                tenant: &TenantId,
                id: &AttachmentId,
            ) -> Result<Vec<AttachmentLink>> {
                let rows = sqlx::query(
                    "SELECT conversation_id, private FROM attachment_links \
                     WHERE tenant_id = $1 AND attachment_id = $2 ORDER BY conversation_id",
                )
                .bind(tenant.as_str())
                .bind(id.as_str())
                .fetch_all(self.reader())
                .await
                .map_err(db)?;
                rows.iter()
                    .map(|row| {
                        Ok(AttachmentLink {
                            conversation_id: row.try_get::<String, _>("conversation_id")?.into(),
                            private: row.try_get("private")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

pub(super) use attachment_store;
