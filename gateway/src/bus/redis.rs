//! The cluster bus: Redis pub/sub.
//!
//! Publishing goes through one multiplexed connection, so concurrent publishes pipeline on the
//! wire; an event on several topics is one pipeline of `PUBLISH`es carrying the same bytes.
//! Subscribing runs in one task with its own connection: the hub tells it which topics the node
//! wants (on the first and last local interest only), and the task keeps Redis in step.
//!
//! Redis pub/sub is at-most-once. The subscription link is pinged; when it drops (or stops
//! answering), the task reconnects with backoff, subscribes to every wanted topic again, and
//! asks the hub to resync: every session refills what it may have missed from the store.
//!
//! The other half of a loss is a publish that fails (the publishing connection broke, or this
//! node's link was down) while the subscribers' links stayed up: they would never notice. So a
//! failed publish wakes a healer task, which, as soon as publishing works again, broadcasts one
//! resync request on a cluster-wide channel that every node subscribes to; each node (this one
//! included) then resyncs its sessions from the store, where the event's message already is
//! (the ack never waits for the bus).

use super::{Bus, BusSink, Envelope, codec};
use crate::error::{Error, Result};
use crate::topics::Topic;
use async_trait::async_trait;
use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::mpsc;

/// How often the subscription link is pinged, and how long an answer may take.
const LINK_PING_EVERY: Duration = Duration::from_secs(2);
const LINK_PING_TIMEOUT: Duration = Duration::from_secs(2);
/// A publish that takes longer than this is given up (the subscribers will resync).
const PUBLISH_TIMEOUT: Duration = Duration::from_millis(500);
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// The cluster-wide channel (after the prefix) on which a node that failed to publish asks
/// every node to resync. Not a tenant topic: the hub never sees it.
const RESYNC_CHANNEL: &str = "cluster:resync";
/// The shortest time between two resync requests from one node. A resync makes every session
/// of every node read the store again, so while publishes keep failing (Redis overloaded, a
/// flapping network) the failures of each interval share one request instead of each
/// causing its own wave of store reads.
const RESYNC_MIN_INTERVAL: Duration = Duration::from_secs(2);

enum Interest {
    Subscribe(String),
    Unsubscribe(String),
}

/// Shared between the bus handle and its subscriber task.
struct Link {
    prefix: String,
    /// The channels this node wants; the truth the task restores after a reconnect.
    wanted: Mutex<HashSet<String>>,
    connected: AtomicBool,
    /// The prefixed cluster-wide resync channel, built once: every arriving message is
    /// compared with it.
    resync_channel: String,
    /// Wakes the healer after a failed publish (one token is enough: it covers every failure
    /// before it runs). Dropped with the link, which ends the healer.
    heal: mpsc::Sender<()>,
}

impl Link {
    fn wanted(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.wanted
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn channel(&self, topic: &Topic) -> String {
        format!("{}{}", self.prefix, topic.as_str())
    }

    /// Records a failed publish: some node may have missed an event.
    fn publish_failed(&self) {
        crate::metrics::metrics().bus_publish_failures.inc();
        // Full means a resync request is already due.
        let _ = self.heal.try_send(());
    }
}

pub struct RedisBus {
    publisher: ConnectionManager,
    link: Arc<Link>,
    interests: mpsc::UnboundedSender<Interest>,
}

impl RedisBus {
    /// Connects the publishing side; fails if Redis cannot be reached at start.
    pub async fn connect(url: &str) -> Result<(redis::Client, ConnectionManager)> {
        let client = redis::Client::open(url)
            .map_err(|err| Error::Unavailable(format!("redis url: {err}")))?;
        let publisher = ConnectionManager::new(client.clone())
            .await
            .map_err(|err| Error::Unavailable(format!("connecting to redis: {err}")))?;
        Ok((client, publisher))
    }

    /// Starts the subscriber task delivering into `sink`. Channel names are `prefix` + topic.
    pub fn start(
        client: redis::Client,
        publisher: ConnectionManager,
        prefix: String,
        sink: Weak<dyn BusSink>,
    ) -> Arc<Self> {
        let (heal, heal_requests) = mpsc::channel(1);
        let link = Arc::new(Link {
            resync_channel: format!("{prefix}{RESYNC_CHANNEL}"),
            prefix,
            wanted: Mutex::new(HashSet::new()),
            connected: AtomicBool::new(false),
            heal,
        });
        link.wanted().insert(link.resync_channel.clone());
        let (interests, receiver) = mpsc::unbounded_channel();
        tokio::spawn(subscriber(client, link.clone(), receiver, sink));
        tokio::spawn(healer(
            publisher.clone(),
            Arc::downgrade(&link),
            heal_requests,
        ));
        Arc::new(RedisBus {
            publisher,
            link,
            interests,
        })
    }
}

#[async_trait]
impl Bus for RedisBus {
    async fn publish(&self, envelope: Arc<Envelope>) -> Result<()> {
        // With the link down, nobody would receive it anyway, and every node resyncs from the
        // store when its link returns: fail at once rather than hold up the sender's ack.
        if !self.link.connected.load(Ordering::Relaxed) {
            self.link.publish_failed();
            return Err(Error::Unavailable("the redis link is down".into()));
        }
        let bytes = codec::encode(&envelope);
        let mut pipe = redis::pipe();
        for topic in &envelope.topics {
            pipe.cmd("PUBLISH")
                .arg(self.link.channel(topic))
                .arg(&bytes)
                .ignore();
        }
        let mut connection = self.publisher.clone();
        let result =
            match tokio::time::timeout(PUBLISH_TIMEOUT, pipe.query_async::<()>(&mut connection))
                .await
            {
                Ok(Ok(())) => Ok(()),
                Ok(Err(err)) => Err(Error::Unavailable(format!("publishing to redis: {err}"))),
                Err(_) => Err(Error::Unavailable("publishing to redis timed out".into())),
            };
        if result.is_err() {
            self.link.publish_failed();
        }
        result
    }

    fn subscribe(&self, topic: &Topic) {
        let channel = self.link.channel(topic);
        self.link.wanted().insert(channel.clone());
        let _ = self.interests.send(Interest::Subscribe(channel));
    }

    fn unsubscribe(&self, topic: &Topic) {
        let channel = self.link.channel(topic);
        self.link.wanted().remove(&channel);
        let _ = self.interests.send(Interest::Unsubscribe(channel));
    }

    async fn is_healthy(&self) -> bool {
        if !self.link.connected.load(Ordering::Relaxed) {
            return false;
        }
        let mut connection = self.publisher.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
            .is_ok()
    }
}

/// Sends one resync request after failed publishes, once this node can publish again (its own
/// link is up and a `PUBLISH` goes through). Ends when the bus is dropped.
async fn healer(publisher: ConnectionManager, link: Weak<Link>, mut requests: mpsc::Receiver<()>) {
    // A failure while a request is being sent queues another token: nothing slips between.
    while requests.recv().await.is_some() {
        let mut backoff = BACKOFF_FIRST;
        loop {
            let Some(link) = link.upgrade() else { return };
            if link.connected.load(Ordering::Relaxed) {
                let mut connection = publisher.clone();
                let mut command = redis::cmd("PUBLISH");
                command.arg(&link.resync_channel).arg("resync");
                let request = command.query_async::<()>(&mut connection);
                if let Ok(Ok(())) = tokio::time::timeout(PUBLISH_TIMEOUT, request).await {
                    crate::metrics::metrics().bus_resync_requests.inc();
                    tracing::warn!("publishes failed: asked every node to resync from the store");
                    drop(link);
                    tokio::time::sleep(RESYNC_MIN_INTERVAL).await;
                    break;
                }
            }
            drop(link);
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    }
}

/// The subscription link's life: connect, subscribe to what is wanted, deliver, and start over
/// when the link is lost. Ends when the bus is dropped.
async fn subscriber(
    client: redis::Client,
    link: Arc<Link>,
    mut interests: mpsc::UnboundedReceiver<Interest>,
    sink: Weak<dyn BusSink>,
) {
    let mut backoff = BACKOFF_FIRST;
    let mut first_connection = true;
    loop {
        let pubsub = match client.get_async_pubsub().await {
            Ok(pubsub) => pubsub,
            Err(err) => {
                tracing::warn!(error = %err, retry_in = ?backoff, "redis subscription link down");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
                continue;
            }
        };
        let (mut control, mut messages) = pubsub.split();
        // Queued interests are already reflected in `wanted`: that set is what to restore.
        while interests.try_recv().is_ok() {}
        let wanted: Vec<String> = link.wanted().iter().cloned().collect();
        if !wanted.is_empty() && control.subscribe(&wanted).await.is_err() {
            tokio::time::sleep(backoff).await;
            continue;
        }
        link.connected.store(true, Ordering::Relaxed);
        backoff = BACKOFF_FIRST;
        if first_connection {
            first_connection = false;
        } else {
            crate::metrics::metrics().bus_reconnects.inc();
            tracing::warn!(channels = wanted.len(), "redis subscription link restored");
            match sink.upgrade() {
                Some(sink) => sink.resync(),
                None => return,
            }
        }
        // In subscribe mode Redis answers PING with an array: any answer will do.
        let mut ping = tokio::time::interval_at(
            tokio::time::Instant::now() + LINK_PING_EVERY,
            LINK_PING_EVERY,
        );
        loop {
            tokio::select! {
                message = messages.next() => {
                    let Some(message) = message else { break };
                    let Some(sink) = sink.upgrade() else { return };
                    if message.get_channel_name() == link.resync_channel {
                        sink.resync();
                        continue;
                    }
                    let topic = message.get_channel_name().strip_prefix(link.prefix.as_str()).map(|t| Topic::from_wire(t.to_owned()));
                    match (topic, codec::decode(message.get_payload_bytes())) {
                        (Some(topic), Ok(envelope)) => sink.deliver(&topic, &Arc::new(envelope)),
                        (_, Err(err)) => tracing::error!(error = %err, channel = message.get_channel_name(), "undecodable bus message"),
                        (None, _) => {}
                    }
                }
                interest = interests.recv() => {
                    let result = match interest {
                        None => return,
                        Some(Interest::Subscribe(channel)) => control.subscribe(channel).await,
                        Some(Interest::Unsubscribe(channel)) => control.unsubscribe(channel).await,
                    };
                    if result.is_err() {
                        break;
                    }
                }
                _ = ping.tick() => {
                    let answered = tokio::time::timeout(LINK_PING_TIMEOUT, control.ping::<redis::Value>()).await;
                    if !matches!(answered, Ok(Ok(_))) {
                        break;
                    }
                }
            }
        }
        link.connected.store(false, Ordering::Relaxed);
        tracing::warn!("redis subscription link lost; reconnecting");
    }
}
