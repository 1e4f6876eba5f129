//! Presence: which agents are connected (cluster-wide, through the connection registry), what
//! that makes of groups' `online`, and the presence events that follow.

use super::Desk;
use super::events::Audience;
use crate::error::Result;
use crate::principal::{Principal, PrincipalKey};
use crate::store::{AgentRecord, GroupRecord};
use crate::topics::Topic;
use std::collections::HashSet;
use switchboard_protocol::{
    Agent, AgentId, ClientRole, Group, PresenceEvent, ServerFrame, TenantId,
};

fn agent_key(id: &AgentId) -> PrincipalKey {
    PrincipalKey {
        role: ClientRole::Agent,
        id: id.as_str().into(),
    }
}

impl Desk {
    /// The agents among `ids` that have a socket anywhere in the cluster.
    pub(crate) async fn connected_agents<'a>(
        &self,
        tenant: &TenantId,
        ids: impl IntoIterator<Item = &'a AgentId>,
    ) -> HashSet<AgentId> {
        let ids: Vec<&AgentId> = ids.into_iter().collect();
        let keys: Vec<PrincipalKey> = ids.iter().map(|id| agent_key(id)).collect();
        let connected = self.connections.connected(tenant, &keys).await;
        ids.into_iter()
            .zip(connected)
            .filter(|(_, c)| *c)
            .map(|(id, _)| id.clone())
            .collect()
    }

    pub(crate) async fn agent_connected(&self, tenant: &TenantId, id: &AgentId) -> bool {
        !self.connected_agents(tenant, [id]).await.is_empty()
    }

    pub(crate) async fn agent_view(&self, record: &AgentRecord) -> Agent {
        record.to_agent(self.agent_connected(&record.tenant_id, &record.id).await)
    }

    pub(crate) async fn agent_views(
        &self,
        tenant: &TenantId,
        records: &[AgentRecord],
    ) -> Vec<Agent> {
        let connected = self
            .connected_agents(tenant, records.iter().map(|r| &r.id))
            .await;
        records
            .iter()
            .map(|r| r.to_agent(connected.contains(&r.id)))
            .collect()
    }

    /// Within its hours and at least one member connected.
    pub(crate) async fn group_online(&self, tenant: &TenantId, group: &GroupRecord) -> bool {
        super::hours::is_open(group.business_hours.as_ref(), chrono::Utc::now())
            && !self
                .connected_agents(tenant, &group.member_ids)
                .await
                .is_empty()
    }

    /// Groups as the contract shows them: `online` from the cluster's connections, and their
    /// queues counted.
    pub(crate) async fn group_views(
        &self,
        tenant: &TenantId,
        groups: &[GroupRecord],
    ) -> Result<Vec<Group>> {
        let connected = self
            .connected_agents(tenant, groups.iter().flat_map(|g| &g.member_ids))
            .await;
        let queues = self.store.queue_stats(tenant).await?;
        let now = chrono::Utc::now();
        Ok(groups
            .iter()
            .map(|g| {
                let online = super::hours::is_open(g.business_hours.as_ref(), now)
                    && g.member_ids.iter().any(|id| connected.contains(id));
                g.to_group(online, queues.iter().find(|q| q.group_id == g.id))
            })
            .collect())
    }

    pub(crate) async fn group_view(&self, tenant: &TenantId, group: &GroupRecord) -> Result<Group> {
        let mut views = self
            .group_views(tenant, std::slice::from_ref(group))
            .await?;
        views
            .pop()
            .ok_or_else(|| crate::error::Error::internal("a group view went missing"))
    }

    /// A socket of `principal` opened. The first one of an agent on this node tells the
    /// tenant's agents.
    ///
    /// Only agents' and bots' sockets are counted: nothing asks whether an end user is
    /// connected (agents' presence and bots' availability are what routing and the desk read),
    /// and counting users cost a Redis write per widget socket plus its renewal every
    /// heartbeat, for the many idle visitors a gateway holds.
    pub async fn socket_opened(&self, principal: &Principal) {
        if !is_counted(principal) {
            return;
        }
        if self
            .connections
            .opened(principal.tenant(), &principal.key())
            .await
            && let Principal::Agent(agent) = principal
        {
            self.publish_presence(&agent.tenant, &agent.id).await;
            // An online agent who (re)connects can take what waits in its groups.
            self.routing_event(self.drain_for_agent(&agent.tenant, &agent.id).await);
        }
    }

    /// A socket of `principal` closed. The last one of an agent on this node tells the tenant's
    /// agents whether it is still connected elsewhere.
    pub async fn socket_closed(&self, principal: &Principal) {
        if !is_counted(principal) {
            return;
        }
        if self
            .connections
            .closed(principal.tenant(), &principal.key())
            .await
            && let Principal::Agent(agent) = principal
        {
            self.publish_presence(&agent.tenant, &agent.id).await;
        }
    }

    pub async fn publish_presence(&self, tenant: &TenantId, id: &AgentId) {
        let presence = match self.store.agent(tenant, id).await {
            Ok(Some(agent)) => agent.presence,
            Ok(None) => return,
            Err(err) => {
                tracing::error!(error = %err, "reading an agent for a presence event");
                return;
            }
        };
        let frame = ServerFrame::Presence(PresenceEvent {
            agent_id: id.clone(),
            presence,
            connected: self.agent_connected(tenant, id).await,
        });
        self.publish_frame(Audience::to(vec![Topic::agents(tenant)]), &frame)
            .await;
    }
}

/// Whether the cluster keeps count of this principal's sockets (see `socket_opened`).
fn is_counted(principal: &Principal) -> bool {
    !matches!(principal, Principal::User(_))
}
