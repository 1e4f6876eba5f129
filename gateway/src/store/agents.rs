//! Agents: the people (and their logins) who answer a tenant's conversations.

use super::{AgentRecord, NewAgent};
use crate::error::Result;
use async_trait::async_trait;
use switchboard_protocol::{AgentId, TenantId};

#[async_trait]
pub trait AgentStore: Send + Sync {
    /// Logins are unique across the gateway, so this is the one lookup without a tenant.
    async fn agent_by_login(&self, login: &str) -> Result<Option<AgentRecord>>;
    async fn agent_by_invite(&self, invite_token_hash: &str) -> Result<Option<AgentRecord>>;
    async fn agent(&self, tenant: &TenantId, id: &AgentId) -> Result<Option<AgentRecord>>;
    async fn agents(&self, tenant: &TenantId) -> Result<Vec<AgentRecord>>;
    async fn insert_agent(&self, tenant: &TenantId, agent: NewAgent) -> Result<AgentRecord>;
    /// Writes every editable field of `agent` (not its groups).
    async fn update_agent(&self, tenant: &TenantId, agent: &AgentRecord) -> Result<()>;
    /// Removes the agent from the directory and its groups; its messages keep its name.
    async fn delete_agent(&self, tenant: &TenantId, id: &AgentId) -> Result<()>;
}

/// [`AgentStore`] for the store type `$store`, expanded in its backend module.
macro_rules! agent_store {
    ($store:ty) => {
        impl $store {
            /// The one agent, not deleted, that `condition` (on `a`, binding `$1`…) selects.
            async fn agent_where(
                &self,
                condition: &str,
                binds: &[&str],
            ) -> Result<Option<AgentRecord>> {
                let sql = format!(
                    "{} WHERE {condition} AND a.deleted_at IS NULL",
                    agent_select::<$store>()
                );
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for bind in binds {
                    query = query.bind(*bind);
                }
                let row = query.fetch_optional(self.reader()).await.map_err(db)?;
                row.as_ref().map(agent_from_row).transpose()
            }
        }

        #[async_trait]
        impl AgentStore for $store {
            async fn agent_by_login(&self, login: &str) -> Result<Option<AgentRecord>> {
                self.agent_where("a.login = $1", &[login]).await
            }

            async fn agent_by_invite(&self, invite_token_hash: &str) -> Result<Option<AgentRecord>> {
                self.agent_where("a.invite_token_hash = $1", &[invite_token_hash])
                    .await
            }

            async fn agent(&self, tenant: &TenantId, id: &AgentId) -> Result<Option<AgentRecord>> {
                self.agent_where("a.tenant_id = $1 AND a.id = $2", &[tenant.as_str(), id.as_str()])
                    .await
            }

            async fn agents(&self, tenant: &TenantId) -> Result<Vec<AgentRecord>> {
                let sql = format!(
                    "{} WHERE a.tenant_id = $1 AND a.deleted_at IS NULL ORDER BY a.created_at, a.id",
                    agent_select::<$store>()
                );
                let rows = sqlx::query(AssertSqlSafe(sql))
                    .bind(tenant.as_str())
                    .fetch_all(self.reader())
                    .await
                    .map_err(db)?;
                rows.iter().map(agent_from_row).collect()
            }

            async fn insert_agent(&self, tenant: &TenantId, agent: NewAgent) -> Result<AgentRecord> {
                let mut tx = self.writer().begin().await.map_err(db)?;
                let id = insert_agent_row(&mut tx, tenant, &agent).await?;
                tx.commit().await.map_err(db)?;
                self.agent(tenant, &id)
                    .await?
                    .ok_or_else(|| Error::internal("agent vanished after insert"))
            }

            async fn update_agent(&self, tenant: &TenantId, agent: &AgentRecord) -> Result<()> {
                sqlx::query(
                    "UPDATE agents SET full_name = $1, login = $2, email = $3, role = $4, \
                     status = $5, presence = $6, capacity = $7, password_hash = $8, \
                     invite_token_hash = $9 WHERE tenant_id = $10 AND id = $11 \
                     AND deleted_at IS NULL",
                )
                .bind(&agent.full_name)
                .bind(&agent.login)
                .bind(&agent.email)
                .bind(enum_to_text(&agent.role)?)
                .bind(enum_to_text(&agent.status)?)
                .bind(enum_to_text(&agent.presence)?)
                .bind(agent.capacity.map(i64::from))
                .bind(&agent.password_hash)
                .bind(&agent.invite_token_hash)
                .bind(tenant.as_str())
                .bind(agent.id.as_str())
                .execute(self.writer())
                .await
                .map_err(|err| conflict(err, "this login is taken"))?;
                Ok(())
            }

            async fn delete_agent(&self, tenant: &TenantId, id: &AgentId) -> Result<()> {
                let mut tx = self.writer().begin().await.map_err(db)?;
                // The agent's row first: on PostgreSQL its lock makes a concurrent
                // `set_group_members` (which reads the agent `Dialect::SHARE_AGENTS`) either
                // finish before this or see the agent deleted, and the membership delete
                // below, a fresh statement, then sees every committed membership.
                sqlx::query(
                    "UPDATE agents SET deleted_at = $1, invite_token_hash = NULL, \
                     password_hash = NULL WHERE tenant_id = $2 AND id = $3",
                )
                .bind(&clock::now().0)
                .bind(tenant.as_str())
                .bind(id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                sqlx::query("DELETE FROM group_members WHERE tenant_id = $1 AND agent_id = $2")
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                tx.commit().await.map_err(db)?;
                Ok(())
            }
        }
    };
}

pub(super) use agent_store;
