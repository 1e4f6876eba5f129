//! Which agents and bots have a socket open on this node, and the presence events that follow.
//!
//! `connected` is live state, counted per principal; `presence` (online/offline) is the agent's
//! choice and is stored. In a cluster the count must be cluster-wide; this registry is the seam
//! where that happens.

use super::Desk;
use crate::principal::{Principal, PrincipalKey};
use crate::store::{AgentRecord, GroupRecord};
use crate::topics::Topic;
use dashmap::DashMap;
use switchboard_protocol::{AgentId, ClientRole, PresenceEvent, ServerFrame, TenantId};

#[derive(Default)]
pub struct ConnectionRegistry {
    counts: DashMap<(TenantId, PrincipalKey), usize>,
}

impl ConnectionRegistry {
    /// Counts a new socket; true if it is the principal's first.
    fn connect(&self, tenant: &TenantId, key: PrincipalKey) -> bool {
        let mut count = self.counts.entry((tenant.clone(), key)).or_insert(0);
        *count += 1;
        *count == 1
    }

    /// Counts a closed socket; true if it was the principal's last.
    fn disconnect(&self, tenant: &TenantId, key: PrincipalKey) -> bool {
        let entry = (tenant.clone(), key);
        let mut last = false;
        self.counts.remove_if_mut(&entry, |_, count| {
            *count = count.saturating_sub(1);
            last = *count == 0;
            last
        });
        last
    }

    pub fn is_connected(&self, tenant: &TenantId, role: ClientRole, id: &str) -> bool {
        self.counts.contains_key(&(
            tenant.clone(),
            PrincipalKey {
                role,
                id: id.into(),
            },
        ))
    }
}

impl Desk {
    pub fn agent_connected(&self, tenant: &TenantId, id: &AgentId) -> bool {
        self.connections
            .is_connected(tenant, ClientRole::Agent, id.as_str())
    }

    pub(crate) fn agent_view(&self, record: &AgentRecord) -> switchboard_protocol::Agent {
        record.to_agent(self.agent_connected(&record.tenant_id, &record.id))
    }

    /// Within its hours and at least one member connected.
    pub(crate) fn group_online(&self, tenant: &TenantId, group: &GroupRecord) -> bool {
        super::hours::is_open(group.business_hours.as_ref(), chrono::Utc::now())
            && group
                .member_ids
                .iter()
                .any(|id| self.agent_connected(tenant, id))
    }

    /// A socket of `principal` opened. The first one of an agent tells the tenant's agents.
    pub async fn socket_opened(&self, principal: &Principal) {
        if self
            .connections
            .connect(principal.tenant(), principal.key())
            && let Principal::Agent(agent) = principal
        {
            self.publish_presence(&agent.tenant, &agent.id).await;
        }
    }

    /// A socket of `principal` closed. The last one of an agent tells the tenant's agents.
    pub async fn socket_closed(&self, principal: &Principal) {
        if self
            .connections
            .disconnect(principal.tenant(), principal.key())
            && let Principal::Agent(agent) = principal
        {
            self.publish_presence(&agent.tenant, &agent.id).await;
        }
    }

    pub(crate) async fn publish_presence(&self, tenant: &TenantId, id: &AgentId) {
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
            connected: self.agent_connected(tenant, id),
        });
        self.publish_frame(super::events::Audience::to(vec![Topic::agents(tenant)]), &frame).await;
    }
}
