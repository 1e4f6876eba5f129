//! The local hub: which sockets of this node want which topic.
//!
//! It keeps one bus subscription per topic per node, reference-counted by local sockets, and
//! hands each arriving envelope to the sockets that want it, as the same bytes, through a
//! bounded per-socket queue. A socket whose queue is full is closed with 4008 (it reconnects and
//! recovers with `after_seq`); it never slows anyone else down.

use crate::bus::{Bus, BusSink, Control, ConversationMark, Envelope, Payload};
use crate::principal::PrincipalKey;
use crate::topics::Topic;
use dashmap::DashMap;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use switchboard_protocol::{ClientRole, close_code};
use tokio::sync::{Notify, mpsc};

/// Frames a socket may have queued but not yet written. Bounded by count and by bytes.
pub const OUTBOX_FRAMES: usize = 1024;
/// The bound on a socket's unsent bytes (contract section 5: "bounded (e.g. 1 MiB)").
pub const OUTBOX_BYTES: usize = 1024 * 1024;

pub struct Hub {
    bus: Arc<dyn Bus>,
    topics: DashMap<Topic, Vec<Arc<SocketHandle>>>,
    /// Every live socket of this node, for instructions to all (resync after a bus outage).
    sockets: DashMap<u64, Arc<SocketHandle>>,
    next_socket_id: AtomicU64,
    slow_consumer_closes: AtomicU64,
}

impl Hub {
    /// A hub whose bus is built with a weak reference back to it (the bus delivers into it).
    pub fn new(make_bus: impl FnOnce(Weak<dyn BusSink>) -> Arc<dyn Bus>) -> Arc<Hub> {
        Arc::new_cyclic(|hub: &Weak<Hub>| {
            let sink: Weak<dyn BusSink> = hub.clone();
            Hub {
                bus: make_bus(sink),
                topics: DashMap::new(),
                sockets: DashMap::new(),
                next_socket_id: AtomicU64::new(1),
                slow_consumer_closes: AtomicU64::new(0),
            }
        })
    }

    pub fn bus(&self) -> &Arc<dyn Bus> {
        &self.bus
    }

    /// Register a socket; frames for it arrive on the returned receiver.
    pub fn register(&self, owner: PrincipalKey) -> (Arc<SocketHandle>, mpsc::Receiver<Outbound>) {
        let (outbox, receiver) = mpsc::channel(OUTBOX_FRAMES);
        let handle = Arc::new(SocketHandle {
            id: self.next_socket_id.fetch_add(1, Ordering::Relaxed),
            owner,
            subscriptions: Mutex::new(HashSet::new()),
            outbox,
            queued_bytes: AtomicUsize::new(0),
            close_code: AtomicU16::new(0),
            close_signal: Notify::new(),
            resync_pending: std::sync::atomic::AtomicBool::new(false),
        });
        self.sockets.insert(handle.id, handle.clone());
        (handle, receiver)
    }

    /// Make `socket` receive `topic`. The first local interest subscribes the node on the bus.
    pub fn subscribe(&self, socket: &Arc<SocketHandle>, topic: &Topic) {
        {
            let mut entry = self.topics.entry(topic.clone()).or_default();
            if entry.iter().any(|s| s.id == socket.id) {
                return;
            }
            if entry.is_empty() {
                self.bus.subscribe(topic);
            }
            entry.push(socket.clone());
        }
        socket.lock_subscriptions().insert(topic.clone());
    }

    /// Stop `socket` receiving `topic`. The last local interest unsubscribes the node.
    pub fn unsubscribe(&self, socket: &SocketHandle, topic: &Topic) {
        socket.lock_subscriptions().remove(topic);
        self.remove_from_topic(socket.id, topic);
    }

    /// Drop every subscription of a closing socket.
    pub fn remove(&self, socket: &SocketHandle) {
        self.sockets.remove(&socket.id);
        let topics: Vec<Topic> = socket.lock_subscriptions().drain().collect();
        for topic in &topics {
            self.remove_from_topic(socket.id, topic);
        }
    }

    fn remove_from_topic(&self, socket_id: u64, topic: &Topic) {
        let now_empty = match self.topics.get_mut(topic) {
            Some(mut sockets) => {
                sockets.retain(|s| s.id != socket_id);
                sockets.is_empty()
            }
            None => false,
        };
        if now_empty {
            // Re-check under the entry lock: someone may have subscribed in between.
            self.topics.remove_if(topic, |_, sockets| {
                let empty = sockets.is_empty();
                if empty {
                    self.bus.unsubscribe(topic);
                }
                empty
            });
        }
    }

    /// Number of topics with local interest: the node's bus subscriptions, besides the
    /// bus's own cluster-wide resync channel.
    pub fn topic_count(&self) -> usize {
        self.topics.len()
    }

    /// Sockets closed because they could not keep up.
    pub fn slow_consumer_closes(&self) -> u64 {
        self.slow_consumer_closes.load(Ordering::Relaxed)
    }
}

impl BusSink for Hub {
    fn deliver(&self, topic: &Topic, envelope: &Arc<Envelope>) {
        let Some(sockets) = self.topics.get(topic) else {
            return;
        };
        let position = envelope.topics.iter().position(|t| t == topic).unwrap_or(0);
        let earlier = &envelope.topics[..position];
        let mark = envelope.mark.clone().map(Arc::new);
        for socket in sockets.iter() {
            if envelope.exclude.as_ref() == Some(&socket.owner) {
                continue;
            }
            if envelope.hidden_from_users && socket.owner.role == ClientRole::User {
                continue;
            }
            if !earlier.is_empty() && socket.is_subscribed_to_any(earlier) {
                continue;
            }
            if !socket.push(&envelope.payload, mark.as_ref()) {
                self.slow_consumer_closes.fetch_add(1, Ordering::Relaxed);
                crate::metrics::metrics().slow_consumer_closes.inc();
                tracing::warn!(socket = socket.id, owner = ?socket.owner, "slow consumer: backlog full, closing with 4008");
            }
        }
    }

    fn resync(&self) {
        tracing::warn!(
            sockets = self.sockets.len(),
            "bus link restored: every session refills from the store"
        );
        for socket in self.sockets.iter() {
            // One pending resync per socket is enough, however often the link flaps.
            if !socket.resync_pending.swap(true, Ordering::Relaxed) {
                socket.push(&Payload::Control(Control::Resync), None);
            }
        }
    }
}

/// What the hub hands a session to write or act on.
#[derive(Debug)]
pub enum Outbound {
    Frame {
        bytes: axum::extract::ws::Utf8Bytes,
        /// Shared by every recipient of the event: one allocation per event, not per
        /// recipient, and a small `Outbound` (each socket's channel allocates room for 32).
        mark: Option<Arc<ConversationMark>>,
    },
    Control(Control),
}

/// The hub's view of one socket. The session task owns the socket itself.
pub struct SocketHandle {
    pub id: u64,
    pub owner: PrincipalKey,
    subscriptions: Mutex<HashSet<Topic>>,
    outbox: mpsc::Sender<Outbound>,
    queued_bytes: AtomicUsize,
    close_code: AtomicU16,
    close_signal: Notify,
    /// A resync is queued and not yet started.
    resync_pending: std::sync::atomic::AtomicBool,
}

impl SocketHandle {
    fn lock_subscriptions(&self) -> std::sync::MutexGuard<'_, HashSet<Topic>> {
        // A poisoned set is still a valid set: a panic elsewhere must not stop delivery.
        self.subscriptions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn is_subscribed_to_any(&self, topics: &[Topic]) -> bool {
        let subscriptions = self.lock_subscriptions();
        topics.iter().any(|t| subscriptions.contains(t))
    }

    pub fn is_subscribed(&self, topic: &Topic) -> bool {
        self.lock_subscriptions().contains(topic)
    }

    /// Queue a payload; false (and the socket is told to close with 4008) when the backlog is full.
    fn push(&self, payload: &Payload, mark: Option<&Arc<ConversationMark>>) -> bool {
        if self.close_code.load(Ordering::Relaxed) != 0 {
            return true;
        }
        let outbound = match payload {
            Payload::Frame(bytes) => {
                let size = bytes.len();
                if self.queued_bytes.fetch_add(size, Ordering::Relaxed) + size > OUTBOX_BYTES {
                    self.close(close_code::BACKLOG_FULL);
                    return false;
                }
                Outbound::Frame {
                    bytes: bytes.clone(),
                    mark: mark.cloned(),
                }
            }
            Payload::Control(control) => Outbound::Control(*control),
        };
        if self.outbox.try_send(outbound).is_err() {
            self.close(close_code::BACKLOG_FULL);
            return false;
        }
        true
    }

    /// The session starts a resync: a later outage must queue another.
    pub fn resync_started(&self) {
        self.resync_pending.store(false, Ordering::Relaxed);
    }

    /// The session wrote a frame of `size` bytes: it no longer counts against the backlog.
    pub fn written(&self, size: usize) {
        self.queued_bytes.fetch_sub(size, Ordering::Relaxed);
    }

    /// Ask the session to close with `code` (the first code asked for wins).
    pub fn close(&self, code: u16) {
        if self
            .close_code
            .compare_exchange(0, code, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            self.close_signal.notify_one();
        }
    }

    /// Resolves when someone asked this socket to close; yields the close code.
    pub async fn closed(&self) -> u16 {
        loop {
            let code = self.close_code.load(Ordering::Relaxed);
            if code != 0 {
                return code;
            }
            self.close_signal.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::MemoryBus;
    use switchboard_protocol::TenantId;

    fn hub() -> (Arc<Hub>, Arc<MemoryBus>) {
        let mut bus_slot = None;
        let hub = Hub::new(|sink| {
            let bus = Arc::new(MemoryBus::new(sink));
            bus_slot = Some(bus.clone());
            bus
        });
        (hub, bus_slot.expect("bus built"))
    }

    fn key(role: ClientRole, id: &str) -> PrincipalKey {
        PrincipalKey {
            role,
            id: Arc::from(id),
        }
    }

    fn envelope(topics: Vec<Topic>, text: &str) -> Arc<Envelope> {
        Arc::new(Envelope {
            topics,
            exclude: None,
            hidden_from_users: false,
            mark: None,
            payload: Payload::Frame(text.into()),
        })
    }

    fn tenant() -> TenantId {
        TenantId::from("t1")
    }

    #[tokio::test]
    async fn one_bus_subscription_per_topic_however_many_sockets() {
        let (hub, bus) = hub();
        let topic = Topic::admins(&tenant());
        let (a, _ra) = hub.register(key(ClientRole::Agent, "a"));
        let (b, _rb) = hub.register(key(ClientRole::Agent, "b"));
        hub.subscribe(&a, &topic);
        hub.subscribe(&b, &topic);
        hub.subscribe(&b, &topic);
        assert_eq!(bus.subscribed_count(), 1);
        hub.unsubscribe(&a, &topic);
        assert_eq!(bus.subscribed_count(), 1);
        hub.remove(&b);
        assert_eq!(bus.subscribed_count(), 0);
        assert_eq!(hub.topic_count(), 0);
    }

    #[tokio::test]
    async fn a_socket_on_several_topics_of_one_event_receives_it_once() {
        let (hub, bus) = hub();
        let first = Topic::admins(&tenant());
        let second = Topic::agents(&tenant());
        let (a, mut ra) = hub.register(key(ClientRole::Agent, "a"));
        let (b, mut rb) = hub.register(key(ClientRole::Agent, "b"));
        hub.subscribe(&a, &first);
        hub.subscribe(&a, &second);
        hub.subscribe(&b, &second);
        bus.publish(envelope(vec![first, second], "x"))
            .await
            .expect("publish");
        assert!(matches!(ra.try_recv(), Ok(Outbound::Frame { .. })));
        assert!(ra.try_recv().is_err(), "a must receive the event once");
        assert!(matches!(rb.try_recv(), Ok(Outbound::Frame { .. })));
    }

    #[tokio::test]
    async fn excluded_and_hidden_recipients_are_skipped() {
        let (hub, bus) = hub();
        let topic = Topic::agents(&tenant());
        let (user, mut ru) = hub.register(key(ClientRole::User, "u"));
        let (agent, mut ra) = hub.register(key(ClientRole::Agent, "a"));
        hub.subscribe(&user, &topic);
        hub.subscribe(&agent, &topic);
        let private = Arc::new(Envelope {
            topics: vec![topic.clone()],
            exclude: Some(key(ClientRole::Agent, "a")),
            hidden_from_users: true,
            mark: None,
            payload: Payload::Frame("x".into()),
        });
        bus.publish(private).await.expect("publish");
        assert!(ru.try_recv().is_err());
        assert!(ra.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_full_backlog_closes_that_socket_only() {
        let (hub, bus) = hub();
        let topic = Topic::agents(&tenant());
        let (slow, _slow_rx) = hub.register(key(ClientRole::Agent, "slow"));
        let (fast, mut fast_rx) = hub.register(key(ClientRole::Agent, "fast"));
        hub.subscribe(&slow, &topic);
        hub.subscribe(&fast, &topic);
        let big = "y".repeat(64 * 1024);
        for _ in 0..(OUTBOX_BYTES / big.len() + 2) {
            bus.publish(envelope(vec![topic.clone()], &big))
                .await
                .expect("publish");
            while let Ok(Outbound::Frame { bytes, .. }) = fast_rx.try_recv() {
                fast.written(bytes.len());
            }
        }
        assert_eq!(slow.closed().await, close_code::BACKLOG_FULL);
        assert_eq!(fast.close_code.load(Ordering::Relaxed), 0);
        assert_eq!(hub.slow_consumer_closes(), 1);
    }
}
