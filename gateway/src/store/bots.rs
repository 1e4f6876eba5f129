//! Bots: a tenant's automated participants (each answers through its own token).

use super::BotRecord;
use crate::error::Result;
use async_trait::async_trait;
use switchboard_protocol::{BotId, GroupId, TenantId};

#[async_trait]
pub trait BotStore: Send + Sync {
    async fn insert_bot(&self, tenant: &TenantId, name: &str) -> Result<BotRecord>;
    async fn bot(&self, tenant: &TenantId, id: &BotId) -> Result<Option<BotRecord>>;
    async fn bots(&self, tenant: &TenantId) -> Result<Vec<BotRecord>>;
    async fn delete_bot(&self, tenant: &TenantId, id: &BotId) -> Result<()>;
    /// Renames the bot and, when `group_ids` is given, replaces the groups that serve it; every
    /// id must be a group of the tenant (`not_found`, nothing changed). `None` when the bot is
    /// not the tenant's.
    async fn update_bot(
        &self,
        tenant: &TenantId,
        id: &BotId,
        name: &str,
        group_ids: Option<&[GroupId]>,
    ) -> Result<Option<BotRecord>>;
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
                    group_ids: Vec::new(),
                })
            }

            async fn bot(&self, tenant: &TenantId, id: &BotId) -> Result<Option<BotRecord>> {
                let sql = format!(
                    "{} WHERE b.tenant_id = $1 AND b.id = $2 AND b.deleted_at IS NULL",
                    bot_select::<$store>()
                );
                let row = sqlx::query(AssertSqlSafe(sql))
                .bind(tenant.as_str())
                .bind(id.as_str())
                .fetch_optional(self.reader())
                .await
                .map_err(db)?;
                row.as_ref().map(bot_from_row).transpose()
            }

            async fn bots(&self, tenant: &TenantId) -> Result<Vec<BotRecord>> {
                let sql = format!(
                    "{} WHERE b.tenant_id = $1 AND b.deleted_at IS NULL ORDER BY b.created_at, b.id",
                    bot_select::<$store>()
                );
                let rows = sqlx::query(AssertSqlSafe(sql))
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

            async fn update_bot(
                &self,
                tenant: &TenantId,
                id: &BotId,
                name: &str,
                group_ids: Option<&[GroupId]>,
            ) -> Result<Option<BotRecord>> {
                let mut tx = self.writer().begin().await.map_err(db)?;
                let updated = sqlx::query(
                    "UPDATE bots SET name = $1 WHERE tenant_id = $2 AND id = $3 \
                     AND deleted_at IS NULL",
                )
                .bind(name)
                .bind(tenant.as_str())
                .bind(id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                if updated.rows_affected() == 0 {
                    return Ok(None);
                }
                if let Some(group_ids) = group_ids {
                    let mut wanted: Vec<String> = group_ids.iter().map(|g| g.0.clone()).collect();
                    wanted.sort();
                    wanted.dedup();
                    if !wanted.is_empty() {
                        let mut sql =
                            QueryBuilder::new("SELECT id FROM support_groups WHERE tenant_id = ");
                        sql.push_bind(tenant.as_str());
                        sql.push(" AND id");
                        <$store as Dialect>::push_one_of(&mut sql, wanted.clone());
                        let found = sql.build().fetch_all(&mut *tx).await.map_err(db)?;
                        if found.len() != wanted.len() {
                            return Err(Error::NotFound("group"));
                        }
                    }
                    sqlx::query("DELETE FROM bot_groups WHERE tenant_id = $1 AND bot_id = $2")
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                    if !wanted.is_empty() {
                        let mut sql =
                            QueryBuilder::new("INSERT INTO bot_groups (tenant_id, bot_id, group_id) ");
                        sql.push_values(&wanted, |mut row, group_id| {
                            row.push_bind(tenant.as_str())
                                .push_bind(id.as_str())
                                .push_bind(group_id.as_str());
                        });
                        sql.build().execute(&mut *tx).await.map_err(db)?;
                    }
                }
                tx.commit().await.map_err(db)?;
                self.bot(tenant, id).await
            }
        }
    };
}

pub(super) use bot_store;
