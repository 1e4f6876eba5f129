//! End users and their contact fields: who writes in through the widget, anonymous or with a
//! verified identity from the customer's system.

use super::{NewUser, UserRecord};
use crate::error::Result;
use async_trait::async_trait;
use switchboard_protocol::{TenantId, UserId};

#[async_trait]
pub trait UserStore: Send + Sync {
    async fn insert_user(&self, tenant: &TenantId, user: NewUser) -> Result<UserRecord>;
    /// The user with this id in the customer's system, created or refreshed.
    async fn upsert_user_by_external_id(
        &self,
        tenant: &TenantId,
        user: NewUser,
    ) -> Result<UserRecord>;
    async fn user(&self, tenant: &TenantId, id: &UserId) -> Result<Option<UserRecord>>;
    /// Whether the user came with a verified identity (has an external id).
    async fn user_is_identified(&self, tenant: &TenantId, id: &UserId) -> Result<bool>;
    /// Writes the user's contact fields (name, e-mail, phone, address); `not_found` if the
    /// user is not the tenant's.
    async fn update_user(&self, tenant: &TenantId, user: &UserRecord) -> Result<()>;
}

/// [`UserStore`] for the store type `$store`, expanded in its backend module.
macro_rules! user_store {
    ($store:ty) => {
        #[async_trait]
        impl UserStore for $store {
            async fn insert_user(&self, tenant: &TenantId, user: NewUser) -> Result<UserRecord> {
                let row = sqlx::query(
                    "INSERT INTO users (id, tenant_id, external_id, name, email, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, name, email, phone, address",
                )
                .bind(clock::new_id())
                .bind(tenant.as_str())
                .bind(&user.external_id)
                .bind(&user.name)
                .bind(&user.email)
                .bind(&clock::now().0)
                .fetch_one(self.writer())
                .await
                .map_err(|err| conflict(err, "this user exists"))?;
                user_from_row(&row)
            }

            async fn upsert_user_by_external_id(
                &self,
                tenant: &TenantId,
                user: NewUser,
            ) -> Result<UserRecord> {
                let external_id = user
                    .external_id
                    .clone()
                    .ok_or_else(|| Error::internal("upsert without external id"))?;
                // One statement: the upsert is atomic under concurrent first visits.
                let row = sqlx::query(
                    "INSERT INTO users (id, tenant_id, external_id, name, email, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (tenant_id, external_id) WHERE external_id IS NOT NULL DO UPDATE \
                     SET name = COALESCE(excluded.name, users.name), \
                     email = COALESCE(excluded.email, users.email) \
                     RETURNING id, name, email, phone, address",
                )
                .bind(clock::new_id())
                .bind(tenant.as_str())
                .bind(&external_id)
                .bind(&user.name)
                .bind(&user.email)
                .bind(&clock::now().0)
                .fetch_one(self.writer())
                .await
                .map_err(db)?;
                user_from_row(&row)
            }

            async fn user(&self, tenant: &TenantId, id: &UserId) -> Result<Option<UserRecord>> {
                let row = sqlx::query(
                    "SELECT id, name, email, phone, address FROM users \
                     WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.as_str())
                .bind(id.as_str())
                .fetch_optional(self.reader())
                .await
                .map_err(db)?;
                row.as_ref().map(user_from_row).transpose()
            }

            async fn user_is_identified(&self, tenant: &TenantId, id: &UserId) -> Result<bool> {
                let row = sqlx::query(
                    "SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2 \
                     AND external_id IS NOT NULL",
                )
                .bind(tenant.as_str())
                .bind(id.as_str())
                .fetch_optional(self.reader())
                .await
                .map_err(db)?;
                Ok(row.is_some())
            }

            async fn update_user(&self, tenant: &TenantId, user: &UserRecord) -> Result<()> {
                let done = sqlx::query(
                    "UPDATE users SET name = $1, email = $2, phone = $3, address = $4 \
                     WHERE tenant_id = $5 AND id = $6",
                )
                .bind(&user.name)
                .bind(&user.email)
                .bind(&user.phone)
                .bind(&user.address)
                .bind(tenant.as_str())
                .bind(user.id.as_str())
                .execute(self.writer())
                .await
                .map_err(db)?;
                if done.rows_affected() == 0 {
                    return Err(Error::NotFound("user"));
                }
                Ok(())
            }
        }
    };
}

pub(super) use user_store;
