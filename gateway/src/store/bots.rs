//! Bots: a tenant's automated participants (each answers through its own token).

use super::BotRecord;
use crate::error::Result;
use async_trait::async_trait;
use switchboard_protocol::{BotId, TenantId};

#[async_trait]
pub trait BotStore: Send + Sync {
    async fn insert_bot(&self, tenant: &TenantId, name: &str) -> Result<BotRecord>;
    async fn bot(&self, tenant: &TenantId, id: &BotId) -> Result<Option<BotRecord>>;
    async fn bots(&self, tenant: &TenantId) -> Result<Vec<BotRecord>>;
    async fn delete_bot(&self, tenant: &TenantId, id: &BotId) -> Result<()>;
}

/// [`BotStore`] for the store type `$store`, expanded in its backend module.
macro_rules! bot_store {
    ($store:ty) => {
        #[async_trait]
        impl BotStore for $store {
            async fn insert_bot(&self, tenant: &TenantId, name: &str) -> Result<BotRecord> {
                let id = BotId(clock::new_id());
                sqlx::query(
                    "INSERT INTO bots (id, tenant_id, name, created_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(id.as_str())
                .bind(tenant.as_str())
                .bind(name)
                .bind(&clock::now().0)
                .execute(self.writer())
                .await
                .map_err(db)?;
                Ok(BotRecord {
                    id,
                    name: name.to_owned(),
                })
            }

            async fn bot(&self, tenant: &TenantId, id: &BotId) -> Result<Option<BotRecord>> {
                let row = sqlx::query(
                    "SELECT id, name FROM bots WHERE tenant_id = $1 AND id = $2 \
                     AND deleted_at IS NULL",
                )
                .bind(tenant.as_str())
                .bind(id.as_str())
                .fetch_optional(self.reader())
                .await
                .map_err(db)?;
                row.as_ref().map(bot_from_row).transpose()
            }

            async fn bots(&self, tenant: &TenantId) -> Result<Vec<BotRecord>> {
                let rows = sqlx::query(
                    "SELECT id, name FROM bots WHERE tenant_id = $1 AND deleted_at IS NULL \
                     ORDER BY created_at, id",
                )
                .bind(tenant.as_str())
                .fetch_all(self.reader())
                .await
                .map_err(db)?;
                rows.iter().map(bot_from_row).collect()
            }

            async fn delete_bot(&self, tenant: &TenantId, id: &BotId) -> Result<()> {
                sqlx::query("UPDATE bots SET deleted_at = $1 WHERE tenant_id = $2 AND id = $3")
                    .bind(&clock::now().0)
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .execute(self.writer())
                    .await
                    .map_err(db)?;
                Ok(())
            }
        }
    };
}

pub(super) use bot_store;
