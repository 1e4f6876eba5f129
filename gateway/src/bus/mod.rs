//! The bus carries events between gateway nodes; the local [`crate::hub::Hub`] hands them to
//! sockets.
//!
//! A node subscribes to a topic on the bus only while at least one of its sockets wants it
//! (the hub keeps the reference count). [`MemoryBus`] serves the single-process default; a
//! Redis bus for clusters implements the same trait.

mod memory;

pub use memory::MemoryBus;

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
    pub payload: Payload,
}

#[derive(Clone, Debug)]
pub enum Payload {
    /// A serialized `ServerFrame`, ready for the wire.
    Frame(Utf8Bytes),
    /// An instruction to the sessions of the topic's principal.
    Control(Control),
}

/// Instructions to sessions, published like events so they reach every node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// The principal's role or groups changed: reload it and resubscribe.
    Reload,
    /// The principal was removed or revoked: close with 4001.
    Disconnect,
}

/// Where a bus delivers what arrives on the topics this node subscribed to.
pub trait BusSink: Send + Sync {
    fn deliver(&self, topic: &Topic, envelope: &Arc<Envelope>);
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
