//! Who is connected: the count of open sockets per agent and bot, node-local or cluster-wide.
//!
//! `connected` in the contract (an agent's, a group's `online`) is true while the principal has a
//! socket on *any* node. [`LocalConnections`] serves a single process; [`RedisConnections`]
//! mirrors each node's counts into Redis, refreshed by a heartbeat, so a node that dies
//! without saying goodbye stops counting once its entries lapse.

mod local;
mod redis;

pub use local::LocalConnections;
pub use redis::RedisConnections;

use crate::principal::PrincipalKey;
use async_trait::async_trait;
use std::time::Duration;
use switchboard_protocol::TenantId;

#[async_trait]
pub trait ConnectionRegistry: Send + Sync {
    /// A socket opened; true if it is the principal's first on this node.
    async fn opened(&self, tenant: &TenantId, key: &PrincipalKey) -> bool;
    /// A socket closed; true if it was the principal's last on this node.
    async fn closed(&self, tenant: &TenantId, key: &PrincipalKey) -> bool;
    /// Whether each principal has a socket anywhere in the cluster.
    async fn connected(&self, tenant: &TenantId, keys: &[PrincipalKey]) -> Vec<bool>;
    /// Whether each principal has a socket anywhere, or had one within `grace`.
    async fn connected_within(
        &self,
        tenant: &TenantId,
        keys: &[PrincipalKey],
        grace: Duration,
    ) -> Vec<bool>;
}
