//! The desk's extras (docs/desk-api.md): agents' notes about end users and the tenant's quick
//! responses.

use super::{NewUserNote, QuickResponse, UserNote};
use crate::error::Result;
use async_trait::async_trait;
use switchboard_protocol::{TenantId, UserId};

#[async_trait]
pub trait DeskStore: Send + Sync {
    /// Notes about a user, oldest first.
    async fn user_notes(&self, tenant: &TenantId, user: &UserId) -> Result<Vec<UserNote>>;
    /// `not_found` if the user is not the tenant's.
    async fn insert_user_note(&self, tenant: &TenantId, note: NewUserNote) -> Result<UserNote>;
    /// The tenant's quick responses, by shortcut.
    async fn quick_responses(&self, tenant: &TenantId) -> Result<Vec<QuickResponse>>;
    async fn quick_response(&self, tenant: &TenantId, id: &str) -> Result<Option<QuickResponse>>;
    /// `conflict` if the shortcut is taken in the tenant.
    async fn insert_quick_response(
        &self,
        tenant: &TenantId,
        shortcut: &str,
        text: &str,
    ) -> Result<QuickResponse>;
    /// Writes shortcut and text; `not_found` if absent, `conflict` if the shortcut is taken.
    async fn update_quick_response(&self, tenant: &TenantId, quick: &QuickResponse) -> Result<()>;
    /// `not_found` if absent.
    async fn delete_quick_response(&self, tenant: &TenantId, id: &str) -> Result<()>;
}

/// [`DeskStore`] for the store type `$store`, expanded in its backend module.
macro_rules! desk_store {
    ($store:ty) => {
        #[async_trait]
        impl DeskStore for $store {
            async fn user_notes(&self, tenant: &TenantId, user: &UserId) -> Result<Vec<UserNote>> {
                let rows = sqlx::query(
                    "SELECT id, user_id, author_id, author_name, text, created_at FROM user_notes \
                     WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at, id",
                )
                .bind(tenant.as_str())
                .bind(user.as_str())
                .fetch_all(self.reader())
                .await
                .map_err(db)?;
                rows.iter().map(note_from_row).collect()
            }

            async fn insert_user_note(
                &self,
                tenant: &TenantId,
                note: NewUserNote,
            ) -> Result<UserNote> {
                let stored = UserNote {
                    id: clock::new_id(),
                    user_id: note.user_id,
                    text: note.text,
                    author: Author {
                        kind: AuthorKind::Agent,
                        id: note.author_id.0,
                        name: note.author_name,
                    },
                    created_at: clock::now(),
                };
                // Only for a user of the tenant: the foreign key alone would accept another
                // tenant's.
                let done = sqlx::query(
                    "INSERT INTO user_notes (id, tenant_id, user_id, author_id, author_name, text, \
                     created_at) SELECT $1, $2, $3, $4, $5, $6, $7 \
                     WHERE EXISTS (SELECT 1 FROM users WHERE tenant_id = $2 AND id = $3)",
                )
                .bind(&stored.id)
                .bind(tenant.as_str())
                .bind(stored.user_id.as_str())
                .bind(&stored.author.id)
                .bind(&stored.author.name)
                .bind(&stored.text)
                .bind(&stored.created_at.0)
                .execute(self.writer())
                .await
                .map_err(db)?;
                if done.rows_affected() == 0 {
                    return Err(Error::NotFound("user"));
                }
                Ok(stored)
            }

            async fn quick_responses(&self, tenant: &TenantId) -> Result<Vec<QuickResponse>> {
                let rows = sqlx::query(
                    "SELECT id, shortcut, text FROM quick_responses WHERE tenant_id = $1 \
                     ORDER BY shortcut, id",
                )
                .bind(tenant.as_str())
                .fetch_all(self.reader())
                .await
                .map_err(db)?;
                rows.iter().map(quick_from_row).collect()
            }

            async fn quick_response(
                &self,
                tenant: &TenantId,
                id: &str,
            ) -> Result<Option<QuickResponse>> {
                let row = sqlx::query(
                    "SELECT id, shortcut, text FROM quick_responses WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.as_str())
                .bind(id)
                .fetch_optional(self.reader())
                .await
                .map_err(db)?;
                row.as_ref().map(quick_from_row).transpose()
            }

            async fn insert_quick_response(
                &self,
                tenant: &TenantId,
                shortcut: &str,
                text: &str,
            ) -> Result<QuickResponse> {
                let quick = QuickResponse {
                    id: clock::new_id(),
                    shortcut: shortcut.to_owned(),
                    text: text.to_owned(),
                };
                sqlx::query(
                    "INSERT INTO quick_responses (id, tenant_id, shortcut, text, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&quick.id)
                .bind(tenant.as_str())
                .bind(&quick.shortcut)
                .bind(&quick.text)
                .bind(&clock::now().0)
                .execute(self.writer())
                .await
                .map_err(|err| conflict(err, "this shortcut is taken"))?;
                Ok(quick)
            }

            async fn update_quick_response(
                &self,
                tenant: &TenantId,
                quick: &QuickResponse,
            ) -> Result<()> {
                let done = sqlx::query(
                    "UPDATE quick_responses SET shortcut = $1, text = $2 \
                     WHERE tenant_id = $3 AND id = $4",
                )
                .bind(&quick.shortcut)
                .bind(&quick.text)
                .bind(tenant.as_str())
                .bind(&quick.id)
                .execute(self.writer())
                .await
                .map_err(|err| conflict(err, "this shortcut is taken"))?;
                if done.rows_affected() == 0 {
                    return Err(Error::NotFound("quick response"));
                }
                Ok(())
            }

            async fn delete_quick_response(&self, tenant: &TenantId, id: &str) -> Result<()> {
                let done =
                    sqlx::query("DELETE FROM quick_responses WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_str())
                        .bind(id)
                        .execute(self.writer())
                        .await
                        .map_err(db)?;
                if done.rows_affected() == 0 {
                    return Err(Error::NotFound("quick response"));
                }
                Ok(())
            }
        }
    };
}

pub(super) use desk_store;
