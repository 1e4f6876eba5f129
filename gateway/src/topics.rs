//! Bus topic names, built here and nowhere else.
//!
//! An event is published on every topic whose subscribers make up its audience (see
//! `domain::events`). Sockets subscribe to the topics of what they are: a user to its user
//! topic, a bot to its bot topic, an agent to its agent topic, its groups (or the admins topic)
//! and the tenant's agents topic, plus any conversation it explicitly subscribed to.

use std::fmt;
use std::sync::Arc;
use switchboard_protocol::{AgentId, BotId, ConversationId, GroupId, TenantId, UserId};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Topic(Arc<str>);

impl Topic {
    /// Agents who explicitly subscribed to one conversation.
    pub fn conversation(tenant: &TenantId, id: &ConversationId) -> Self {
        Self::build("conv", tenant, id.as_str())
    }

    /// Every socket of one end user.
    pub fn user(tenant: &TenantId, id: &UserId) -> Self {
        Self::build("user", tenant, id.as_str())
    }

    /// Every socket of one agent.
    pub fn agent(tenant: &TenantId, id: &AgentId) -> Self {
        Self::build("agent", tenant, id.as_str())
    }

    /// Every socket of one bot.
    pub fn bot(tenant: &TenantId, id: &BotId) -> Self {
        Self::build("bot", tenant, id.as_str())
    }

    /// Agents (not owners or admins) who are members of a group: its conversation list.
    pub fn group(tenant: &TenantId, id: &GroupId) -> Self {
        Self::build("group", tenant, id.as_str())
    }

    /// Owners and admins, who see every conversation of the tenant.
    pub fn admins(tenant: &TenantId) -> Self {
        Self::build("admins", tenant, "")
    }

    /// Every agent of the tenant: presence.
    pub fn agents(tenant: &TenantId) -> Self {
        Self::build("agents", tenant, "")
    }

    fn build(kind: &str, tenant: &TenantId, id: &str) -> Self {
        Topic(Arc::from(format!("{kind}:{tenant}:{id}")))
    }

    /// A topic name read back from the bus.
    pub fn from_wire(name: String) -> Self {
        Topic(Arc::from(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
