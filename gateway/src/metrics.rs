//! Prometheus metrics, served at `GET /metrics` (OpenMetrics text).
//!
//! One process-wide set: every part that has something to count reaches it through
//! [`metrics()`], so nothing needs threading through constructors. Nothing dropped silently:
//! bus reconnects, refills from the store and slow-consumer closes are counted here as well as
//! logged where they happen.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::LazyLock;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RoleLabel {
    pub role: &'static str,
}

pub struct Metrics {
    registry: Registry,
    /// Authenticated sockets open on this node, by role.
    pub connections: Family<RoleLabel, Gauge>,
    /// Messages stored through `message.send` (retries not counted).
    pub messages: Counter,
    /// Times this node's bus subscription link was lost and restored.
    pub bus_reconnects: Counter,
    /// Publishes to the bus that failed (the event is stored; subscribers resync).
    pub bus_publish_failures: Counter,
    /// Resync requests this node broadcast after failed publishes.
    pub bus_resync_requests: Counter,
    /// Gap refills from the store (a seq gap on a socket, or a resync after a bus outage).
    pub refills: Counter,
    /// Sockets closed with 4008 because they could not keep up.
    pub slow_consumer_closes: Counter,
    /// Conversations given to agents by auto-assignment.
    pub auto_assignments: Counter,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("switchboard");
    let connections = Family::<RoleLabel, Gauge>::default();
    registry.register(
        "connections",
        "Authenticated sockets open on this node",
        connections.clone(),
    );
    let messages = Counter::default();
    registry.register(
        "messages",
        "Messages stored through message.send",
        messages.clone(),
    );
    let bus_reconnects = Counter::default();
    registry.register(
        "bus_reconnects",
        "Bus subscription link restorations",
        bus_reconnects.clone(),
    );
    let bus_publish_failures = Counter::default();
    registry.register(
        "bus_publish_failures",
        "Publishes to the bus that failed",
        bus_publish_failures.clone(),
    );
    let bus_resync_requests = Counter::default();
    registry.register(
        "bus_resync_requests",
        "Cluster-wide resync requests sent after failed publishes",
        bus_resync_requests.clone(),
    );
    let refills = Counter::default();
    registry.register("refills", "Gap refills from the store", refills.clone());
    let slow_consumer_closes = Counter::default();
    registry.register(
        "slow_consumer_closes",
        "Sockets closed because their backlog was full",
        slow_consumer_closes.clone(),
    );
    let auto_assignments = Counter::default();
    registry.register(
        "auto_assignments",
        "Conversations auto-assigned to agents",
        auto_assignments.clone(),
    );
    Metrics {
        registry,
        connections,
        messages,
        bus_reconnects,
        bus_publish_failures,
        bus_resync_requests,
        refills,
        slow_consumer_closes,
        auto_assignments,
    }
});

pub fn metrics() -> &'static Metrics {
    &METRICS
}

/// The OpenMetrics text of every metric.
pub fn render() -> String {
    let mut text = String::new();
    if let Err(err) = prometheus_client::encoding::text::encode(&mut text, &metrics().registry) {
        tracing::error!(error = %err, "encoding metrics");
    }
    text
}
