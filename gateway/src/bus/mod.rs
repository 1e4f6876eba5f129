//! The bus carries events between gateway nodes; the local [`crate::hub::Hub`] hands them to
//! sockets.
//!
//! A node subscribes to a topic on the bus only while at least one of its sockets wants it
//! (the hub keeps the reference count). [`MemoryBus`] serves the single-process default; a
//! Redis bus for clusters implements the same trait.

mod codec;
mod memory;
mod redis;

pub use memory::MemoryBus;
pub use redis::RedisBus;

use crate::error::Result;
use crate::principal::PrincipalKey;
use crate::topics::Topic;
use async_trait::async_trait;
use axum::extract::ws::Utf8Bytes;
use std::sync::Arc;

/// One event as it travels: serialized once, delivered as the same bytes to every recipient.
#[derive(Debug)]
pub struct Envelope {
    /// Every topic the event is published on, in priority order. A socket subscribed to several
    /// of them takes it from the first only, so nobody receives an event twice.
    pub topics: Vec<Topic>,
    /// The party whose own sockets must not receive it (the author of `typing` and `read`).
    pub exclude: Option<PrincipalKey>,
    /// Never delivered to end users (private notes), whatever topic carries it.
    pub hidden_from_users: bool,
    /// The conversation the event is about, and the message's `seq` for `message.created`:
    /// sessions use it to drop duplicates and to refill gaps from the store.
    pub mark: Option<ConversationMark>,
    pub payload: Payload,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConversationMark {
    pub conversation_id: switchboard_protocol::ConversationId,
    pub seq: Option<u64>,
}

#[derive(Clone, Debug)]
pub enum Payload {
    /// A serialized `ServerFrame`, ready for the wire.
    Frame(Utf8Bytes),
    /// An instruction to the sessions of the topic's principal.
    Control(Control),
}

/// Instructions to sessions, published like events so they reach every node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    /// The principal's role or groups changed: reload it and resubscribe.
    Reload,
    /// The principal was removed or revoked: close with 4001.
    Disconnect,
    /// This node's bus link dropped and came back: events may have been lost, so refill
    /// from the store. Raised locally by the bus, never published.
    Resync,
}

/// Where a bus delivers what arrives on the topics this node subscribed to.
pub trait BusSink: Send + Sync {
    fn deliver(&self, topic: &Topic, envelope: &Arc<Envelope>);
    /// The link was down for a while: whatever was published meanwhile never arrived.
    fn resync(&self);
}

#[async_trait]
pub trait Bus: Send + Sync {
    /// Publish on every topic of the envelope. Returns once the bus has taken it.
    async fn publish(&self, envelope: Arc<Envelope>) -> Result<()>;
    /// Start receiving a topic. Called by the hub on the first local interest only.
    fn subscribe(&self, topic: &Topic);
    /// Stop receiving a topic. Called by the hub when the last local interest goes.
    fn unsubscribe(&self, topic: &Topic);
    /// Whether the bus can carry events right now (for `/healthz`).
    async fn is_healthy(&self) -> bool;
}
