//! What every workload measures, for both systems under test (Switchboard and the Socket.IO
//! peer), so the two columns of a report are computed the same way.
//!
//! - [`Probe`]: the payload every measured message carries: a run-unique id, the sender's
//!   stream and position in it, and the *scheduled* send time (open loop: latency counts from
//!   when the message should have left, so a stalled sender cannot hide a stall).
//! - [`LatencyRecorder`]: an HDR histogram of microseconds.
//! - [`DeliveryTracker`]: per receiver and stream, counts lost, duplicated and out-of-order
//!   deliveries.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Nanoseconds since the first call in this process: one monotonic clock for every task, so a
/// probe's scheduled time and its arrival are comparable without wall-clock jumps.
pub fn now_ns() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// The measured content of one message, carried as its text (Switchboard) or its event
/// payload (Socket.IO). Compact on purpose: `p:ID:STREAM:POS:SCHEDULED_NS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    /// Unique within a run.
    pub id: u64,
    /// The sending member's stream (one per sender).
    pub stream: u64,
    /// Position within the stream, from 0, by one per message.
    pub pos: u64,
    /// When the message was scheduled to be sent ([`now_ns`]).
    pub scheduled_ns: u64,
}

impl Probe {
    pub fn encode(&self) -> String {
        format!(
            "p:{}:{}:{}:{}",
            self.id, self.stream, self.pos, self.scheduled_ns
        )
    }

    /// `None` for any text that is not a probe (system messages, greetings, ...).
    pub fn decode(text: &str) -> Option<Probe> {
        let mut parts = text.strip_prefix("p:")?.split(':');
        let mut next = || parts.next()?.parse::<u64>().ok();
        let probe = Probe {
            id: next()?,
            stream: next()?,
            pos: next()?,
            scheduled_ns: next()?,
        };
        Some(probe)
    }
}

/// Latency percentiles in microseconds.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LatencyStats {
    pub count: u64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
}

/// Microsecond latencies, 1 µs to 60 s at 3 significant digits.
pub struct LatencyRecorder {
    histogram: Histogram<u64>,
}

impl Default for LatencyRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyRecorder {
    pub fn new() -> Self {
        // The bounds are constants that hdrhistogram accepts (low >= 1, high >= 2 * low,
        // sigfig <= 5); a failure here is a programming error caught by the unit tests.
        let histogram = Histogram::new_with_bounds(1, 60_000_000, 3)
            .expect("constant histogram bounds are valid");
        LatencyRecorder { histogram }
    }

    /// Records one latency; values beyond the range are clamped to it (never dropped).
    pub fn record(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.histogram.saturating_record(micros.max(1));
    }

    /// Records the latency of a probe received at `arrived_ns`.
    pub fn record_probe(&mut self, probe: &Probe, arrived_ns: u64) {
        self.record(Duration::from_nanos(
            arrived_ns.saturating_sub(probe.scheduled_ns),
        ));
    }

    pub fn merge(&mut self, other: &LatencyRecorder) {
        // Same bounds on both sides, so adding cannot fail.
        let _ = self.histogram.add(&other.histogram);
    }

    pub fn stats(&self) -> LatencyStats {
        let h = &self.histogram;
        if h.is_empty() {
            return LatencyStats::default();
        }
        LatencyStats {
            count: h.len(),
            p50_us: h.value_at_quantile(0.50),
            p99_us: h.value_at_quantile(0.99),
            p999_us: h.value_at_quantile(0.999),
            max_us: h.max(),
        }
    }
}

/// Lost, duplicated and out-of-order counts; all must be 0.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Correctness {
    /// Deliveries expected (messages sent × receivers that should get each).
    pub expected: u64,
    /// Distinct deliveries seen.
    pub delivered: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub out_of_order: u64,
}

impl Correctness {
    pub fn is_clean(&self) -> bool {
        self.lost == 0 && self.duplicated == 0 && self.out_of_order == 0
    }

    pub fn add(&mut self, other: &Correctness) {
        self.expected += other.expected;
        self.delivered += other.delivered;
        self.lost += other.lost;
        self.duplicated += other.duplicated;
        self.out_of_order += other.out_of_order;
    }
}

/// One receiver's view: which probes of which streams arrived, in what order.
#[derive(Default)]
pub struct DeliveryTracker {
    seen: HashSet<u64>,
    /// Highest position seen per stream.
    last_pos: HashMap<u64, u64>,
    duplicated: u64,
    out_of_order: u64,
}

impl DeliveryTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes one arrival; returns false for a duplicate (which should then not be timed).
    pub fn observe(&mut self, probe: &Probe) -> bool {
        if !self.seen.insert(probe.id) {
            self.duplicated += 1;
            return false;
        }
        match self.last_pos.get_mut(&probe.stream) {
            Some(last) if probe.pos < *last => self.out_of_order += 1,
            Some(last) => *last = probe.pos,
            None => {
                self.last_pos.insert(probe.stream, probe.pos);
            }
        }
        true
    }

    /// The final counts, given how many distinct probes this receiver should have had.
    pub fn finish(&self, expected: u64) -> Correctness {
        let delivered = self.seen.len() as u64;
        Correctness {
            expected,
            delivered,
            lost: expected.saturating_sub(delivered),
            duplicated: self.duplicated,
            out_of_order: self.out_of_order,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(id: u64, stream: u64, pos: u64) -> Probe {
        Probe {
            id,
            stream,
            pos,
            scheduled_ns: 7,
        }
    }

    #[test]
    fn a_probe_survives_its_text_form_and_other_texts_are_not_probes() {
        let p = probe(42, 3, 9);
        assert_eq!(Probe::decode(&p.encode()), Some(p));
        assert_eq!(Probe::decode("You are being transferred to an agent"), None);
        assert_eq!(Probe::decode("p:1:2:x:4"), None);
    }

    #[test]
    fn the_tracker_counts_duplicates_reordering_and_losses() {
        let mut tracker = DeliveryTracker::new();
        assert!(tracker.observe(&probe(1, 1, 0)));
        assert!(tracker.observe(&probe(3, 1, 2)));
        assert!(tracker.observe(&probe(2, 1, 1)), "late but new");
        assert!(!tracker.observe(&probe(3, 1, 2)), "duplicate");
        assert!(tracker.observe(&probe(10, 2, 0)), "another stream");
        let counts = tracker.finish(6);
        assert_eq!(counts.delivered, 4);
        assert_eq!(counts.lost, 2);
        assert_eq!(counts.duplicated, 1);
        assert_eq!(counts.out_of_order, 1);
        assert!(!counts.is_clean());
    }

    #[test]
    fn percentiles_come_from_the_recorded_latencies() {
        let mut recorder = LatencyRecorder::new();
        for micros in 1..=1000 {
            recorder.record(Duration::from_micros(micros));
        }
        let stats = recorder.stats();
        assert_eq!(stats.count, 1000);
        assert!((495..=505).contains(&stats.p50_us), "{stats:?}");
        assert!((985..=995).contains(&stats.p99_us), "{stats:?}");
        assert!(stats.max_us >= 999, "{stats:?}");
        assert_eq!(LatencyRecorder::new().stats(), LatencyStats::default());
    }
}
