//! Groups: the teams conversations are queued in and routed to, and their members.

use super::{GroupRecord, NewGroup};
use crate::error::Result;
use async_trait::async_trait;
use switchboard_protocol::{AgentId, GroupId, TenantId};

#[async_trait]
pub trait GroupStore: Send + Sync {
    async fn groups(&self, tenant: &TenantId) -> Result<Vec<GroupRecord>>;
    async fn group(&self, tenant: &TenantId, id: &GroupId) -> Result<Option<GroupRecord>>;
    async fn insert_group(&self, tenant: &TenantId, group: NewGroup) -> Result<GroupRecord>;
    /// Writes name, assignment and business hours.
    async fn update_group(&self, tenant: &TenantId, group: &GroupRecord) -> Result<()>;
    /// Replaces the members; every id must be an agent of the tenant.
    async fn set_group_members(
        &self,
        tenant: &TenantId,
        id: &GroupId,
        agent_ids: &[AgentId],
    ) -> Result<()>;
}

/// [`GroupStore`] for the store type `$store`, expanded in its backend module.
macro_rules! group_store {
    ($store:ty) => {
        #[async_trait]
        impl GroupStore for $store {
            async fn groups(&self, tenant: &TenantId) -> Result<Vec<GroupRecord>> {
                let sql = format!(
                    "{} WHERE g.tenant_id = $1 ORDER BY g.created_at, g.id",
                    group_select::<$store>()
                );
                let rows = sqlx::query(AssertSqlSafe(sql))
                    .bind(tenant.as_str())
                    .fetch_all(self.reader())
                    .await
                    .map_err(db)?;
                rows.iter().map(group_from_row).collect()
            }

            async fn group(&self, tenant: &TenantId, id: &GroupId) -> Result<Option<GroupRecord>> {
                let sql = format!(
                    "{} WHERE g.tenant_id = $1 AND g.id = $2",
                    group_select::<$store>()
                );
                let row = sqlx::query(AssertSqlSafe(sql))
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(db)?;
                row.as_ref().map(group_from_row).transpose()
            }

            async fn insert_group(
                &self,
                tenant: &TenantId,
                group: NewGroup,
            ) -> Result<GroupRecord> {
                let id = GroupId(clock::new_id());
                sqlx::query(
                    "INSERT INTO support_groups (id, tenant_id, name, assignment, business_hours, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id.as_str())
                .bind(tenant.as_str())
                .bind(&group.name)
                .bind(enum_to_text(&group.assignment)?)
                .bind(hours_json(&group.business_hours)?)
                .bind(&clock::now().0)
                .execute(self.writer())
                .await
                .map_err(db)?;
                Ok(GroupRecord {
                    id,
                    name: group.name,
                    assignment: group.assignment,
                    member_ids: Vec::new(),
                    business_hours: group.business_hours,
                })
            }

            async fn update_group(&self, tenant: &TenantId, group: &GroupRecord) -> Result<()> {
                sqlx::query(
                    "UPDATE support_groups SET name = $1, assignment = $2, business_hours = $3 \
                     WHERE tenant_id = $4 AND id = $5",
                )
                .bind(&group.name)
                .bind(enum_to_text(&group.assignment)?)
                .bind(hours_json(&group.business_hours)?)
                .bind(tenant.as_str())
                .bind(group.id.as_str())
                .execute(self.writer())
                .await
                .map_err(db)?;
                Ok(())
            }

            async fn set_group_members(
                &self,
                tenant: &TenantId,
                id: &GroupId,
                agent_ids: &[AgentId],
            ) -> Result<()> {
                let mut wanted: Vec<String> = agent_ids.iter().map(|a| a.0.clone()).collect();
                wanted.sort();
                wanted.dedup();
                let mut tx = self.writer().begin().await.map_err(db)?;
                // Checks that the group is this tenant's; with `Dialect::LOCK_GROUP`, concurrent
                // replacements of one group's members take turns (last one wins).
                let sql = format!(
                    "SELECT id FROM support_groups WHERE tenant_id = $1 AND id = $2{}",
                    <$store as Dialect>::LOCK_GROUP
                );
                let group = sqlx::query(AssertSqlSafe(sql))
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
                if group.is_none() {
                    return Err(Error::NotFound("group"));
                }
                let mut sql = QueryBuilder::new("SELECT id FROM agents WHERE tenant_id = ");
                sql.push_bind(tenant.as_str());
                sql.push(" AND id");
                <$store as Dialect>::push_one_of(&mut sql, wanted.clone());
                sql.push(" AND deleted_at IS NULL");
                sql.push(<$store as Dialect>::SHARE_AGENTS);
                let found = sql.build().fetch_all(&mut *tx).await.map_err(db)?;
                if found.len() != wanted.len() {
                    return Err(Error::NotFound("agent"));
                }
                sqlx::query("DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2")
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                if !wanted.is_empty() {
                    let mut sql = QueryBuilder::new(
                        "INSERT INTO group_members (tenant_id, group_id, agent_id) ",
                    );
                    sql.push_values(&wanted, |mut member, agent_id| {
                        member
                            .push_bind(tenant.as_str())
                            .push_bind(id.as_str())
                            .push_bind(agent_id.as_str());
                    });
                    sql.push(" ON CONFLICT DO NOTHING");
                    sql.build().execute(&mut *tx).await.map_err(db)?;
                }
                tx.commit().await.map_err(db)?;
                Ok(())
            }
        }
    };
}

pub(super) use group_store;
