//! Tenants and their settings: the customers of the gateway, each with a default group and
//! an owner from the start.

use super::{AgentRecord, NewAgent, NewTenant, TenantRecord};
use crate::error::Result;
use async_trait::async_trait;
use switchboard_protocol::{Settings, TenantId};

#[async_trait]
pub trait TenantStore: Send + Sync {
    /// Whether the store answers (for `/healthz`).
    async fn ping(&self) -> Result<()>;
    /// Creates the tenant with its default group and its owner (a member of that group, whatever
    /// `owner.group_ids` says), in one transaction.
    async fn create_tenant(
        &self,
        tenant: NewTenant,
        owner: NewAgent,
    ) -> Result<(TenantRecord, AgentRecord)>;
    async fn tenant(&self, tenant: &TenantId) -> Result<TenantRecord>;
    async fn tenant_by_app_key(&self, app_key: &str) -> Result<Option<TenantRecord>>;
    async fn update_settings(&self, tenant: &TenantId, settings: &Settings) -> Result<()>;
    /// Replaces the secret that signs widget identities (the old one stops working).
    async fn set_identity_secret(&self, tenant: &TenantId, secret: &str) -> Result<()>;
}

/// [`TenantStore`] for the store type `$store`, expanded in its backend module (see
/// `steps.rs` for why the store is written as macros).
macro_rules! tenant_store {
    ($store:ty) => {
        #[async_trait]
        impl TenantStore for $store {
            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1")
                    .execute(self.reader())
                    .await
                    .map_err(db)?;
                Ok(())
            }

            async fn create_tenant(
                &self,
                tenant: NewTenant,
                owner: NewAgent,
            ) -> Result<(TenantRecord, AgentRecord)> {
                let tenant_id = TenantId(clock::new_id());
                let group_id = GroupId(clock::new_id());
                let now = clock::now();
                let mut tx = self.writer().begin().await.map_err(db)?;
                sqlx::query(
                    "INSERT INTO tenants (id, name, app_key, identity_secret, default_group_id, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(tenant_id.as_str())
                .bind(&tenant.name)
                .bind(&tenant.app_key)
                .bind(&tenant.identity_secret)
                .bind(group_id.as_str())
                .bind(&now.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                sqlx::query(
                    "INSERT INTO support_groups (id, tenant_id, name, assignment, created_at) \
                     VALUES ($1, $2, $3, 'manual', $4)",
                )
                .bind(group_id.as_str())
                .bind(tenant_id.as_str())
                .bind(&tenant.default_group_name)
                .bind(&now.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                // The owner starts in the default group, so the default queue has a member.
                let mut owner = owner;
                owner.group_ids = vec![group_id.clone()];
                let owner_id = insert_agent_row(&mut tx, &tenant_id, &owner).await?;
                tx.commit().await.map_err(db)?;
                let record = self.tenant(&tenant_id).await?;
                let owner = self
                    .agent(&tenant_id, &owner_id)
                    .await?
                    .ok_or_else(|| Error::internal("owner vanished after insert"))?;
                Ok((record, owner))
            }

            async fn tenant(&self, tenant: &TenantId) -> Result<TenantRecord> {
                let sql = format!("{TENANT_SELECT} WHERE id = $1");
                let row = sqlx::query(AssertSqlSafe(sql))
                    .bind(tenant.as_str())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(db)?
                    .ok_or(Error::NotFound("tenant"))?;
                tenant_from_row(&row)
            }

            async fn tenant_by_app_key(&self, app_key: &str) -> Result<Option<TenantRecord>> {
                let sql = format!("{TENANT_SELECT} WHERE app_key = $1");
                let row = sqlx::query(AssertSqlSafe(sql))
                    .bind(app_key)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(db)?;
                row.as_ref().map(tenant_from_row).transpose()
            }

            async fn update_settings(&self, tenant: &TenantId, settings: &Settings) -> Result<()> {
                sqlx::query(
                    "UPDATE tenants SET human_chat_enabled = $1, routing = $2, reply_policy = $3, \
                     entry_bot_id = $4, default_group_id = $5, reopen_fallback = $6, \
                     bot_timeout_secs = $7, offline_grace_secs = $8, widget_origins = $9, \
                     widget_identity_required = $10, after_resolve = $11 WHERE id = $12",
                )
                .bind(settings.human_chat_enabled)
                .bind(enum_to_text(&settings.routing)?)
                .bind(enum_to_text(&settings.reply_policy)?)
                .bind(settings.entry_bot_id.as_ref().map(|b| b.0.clone()))
                .bind(settings.default_group_id.as_str())
                .bind(enum_to_text(&settings.reopen_fallback)?)
                .bind(i64::from(settings.bot_timeout_secs))
                .bind(i64::from(settings.offline_grace_secs))
                .bind(settings.widget_origins.join(" "))
                .bind(settings.widget_identity_required)
                .bind(enum_to_text(&settings.after_resolve)?)
                .bind(tenant.as_str())
                .execute(self.writer())
                .await
                .map_err(db)?;
                Ok(())
            }

            async fn set_identity_secret(&self, tenant: &TenantId, secret: &str) -> Result<()> {
                sqlx::query("UPDATE tenants SET identity_secret = $1 WHERE id = $2")
                    .bind(secret)
                    .bind(tenant.as_str())
                    .execute(self.writer())
                    .await
                    .map_err(db)?;
                Ok(())
            }
        }
    };
}

pub(super) use tenant_store;
