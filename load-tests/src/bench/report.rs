//! The results of one run, the same shape for both systems under test so the report can put
//! them side by side and compute ratios. Serialized as JSON under `load-tests/results/`.

use super::measure::{Correctness, LatencyStats};
use serde::{Deserialize, Serialize};

/// Which system a result is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum System {
    Switchboard,
    /// Socket.IO 4 with @socket.io/redis-adapter (load-tests/peers/socketio).
    Socketio,
    /// Another Switchboard build (`loadgen --baseline-bin`): the gateway before a change,
    /// run A/B against the one after it on the same workloads.
    Baseline,
}

impl System {
    /// The name the tables and notes use.
    pub fn label(self) -> &'static str {
        match self {
            System::Switchboard => "Switchboard",
            System::Socketio => "Socket.IO",
            System::Baseline => "Switchboard (baseline)",
        }
    }
}

/// Idle authenticated connections: memory and CPU they cost the server.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct IdleResult {
    pub connections: u64,
    pub nodes: usize,
    /// Sum over the server processes.
    pub rss_before_bytes: u64,
    pub rss_after_bytes: u64,
    /// (after - before) / connections.
    pub bytes_per_connection: u64,
    /// Server CPU while the connections sit idle, in percent of one core, summed over nodes.
    pub idle_cpu_percent: f64,
}

/// Open-loop end-to-end latency: senders on one node, receivers on the other.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LatencyResult {
    /// Messages per second the schedule asked for.
    pub offered_per_sec: u64,
    /// Messages per second actually sent.
    pub achieved_per_sec: f64,
    pub duration_secs: f64,
    pub conversations: usize,
    /// From each message's scheduled send time to its arrival at the other node's client.
    pub latency: LatencyStats,
    pub correctness: Correctness,
    /// Server CPU (all nodes) per delivered frame, in µs.
    pub cpu_us_per_frame: f64,
}

/// Fan-out: conversations (rooms) of `group_size` members spread over the nodes.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct FanoutResult {
    pub group_size: usize,
    pub groups: usize,
    pub messages_sent: u64,
    pub delivered_frames: u64,
    pub delivered_per_sec: f64,
    /// User + system CPU of the server processes during the measured window.
    pub server_cpu_us: u64,
    pub cpu_us_per_frame: f64,
    pub latency: LatencyStats,
    pub correctness: Correctness,
}

/// Bots hand conversations over; agents on another node accept them (Switchboard only:
/// Socket.IO has no equivalent).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct HandoverResult {
    pub handovers: u64,
    pub per_sec: f64,
    /// From the bot's `conversation.handover` to the accepting agent's `ack`.
    pub handover_to_ack: LatencyStats,
    /// Accepts that failed (conflict, timeout, ...).
    pub failures: u64,
}

/// Everything measured for one system in one run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SystemReport {
    pub system: System,
    pub idle: Option<IdleResult>,
    pub latency: Vec<LatencyResult>,
    pub fanout: Vec<FanoutResult>,
    pub handover: Option<HandoverResult>,
}
