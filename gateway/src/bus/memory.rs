//! The in-process bus of the embedded default: a publish is delivered synchronously to this
//! node's hub, on the topics it subscribed to.

use super::{Bus, BusSink, Envelope};
use crate::error::Result;
use crate::topics::Topic;
use async_trait::async_trait;
use dashmap::DashSet;
use std::sync::{Arc, Weak};

pub struct MemoryBus {
    sink: Weak<dyn BusSink>,
    subscribed: DashSet<Topic>,
}

impl MemoryBus {
    pub fn new(sink: Weak<dyn BusSink>) -> Self {
        MemoryBus {
            sink,
            subscribed: DashSet::new(),
        }
    }

    /// Topics currently subscribed (for tests of the hub's reference counting).
    pub fn subscribed_count(&self) -> usize {
        self.subscribed.len()
    }
}

#[async_trait]
impl Bus for MemoryBus {
    async fn publish(&self, envelope: Arc<Envelope>) -> Result<()> {
        let Some(sink) = self.sink.upgrade() else {
            return Ok(());
        };
        for topic in &envelope.topics {
            if self.subscribed.contains(topic) {
                sink.deliver(topic, &envelope);
            }
        }
        Ok(())
    }

    fn subscribe(&self, topic: &Topic) {
        self.subscribed.insert(topic.clone());
    }

    fn unsubscribe(&self, topic: &Topic) {
        self.subscribed.remove(topic);
    }

    async fn is_healthy(&self) -> bool {
        true
    }
}
