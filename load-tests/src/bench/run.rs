//! One pass of every selected workload against Switchboard, on a cluster started for that
//! pass and stopped after it. The peer's pass (`peer.rs`) takes the same [`Workloads`], so
//! the two columns of a report describe the same load.

use super::cluster::Cluster;
use super::engine::Outcome;
use super::error::{BenchError, Result};
use super::fanout::{self, FanoutOptions};
use super::handover::{self, HandoverOptions};
use super::idle::{self, IdleOptions};
use super::latency::{self, LatencyOptions};
use super::report::{System, SystemReport};
use super::setup::Tenant;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// What to run, for both systems.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Workloads {
    pub nodes: usize,
    /// Idle connections; 0 skips the idle workload.
    pub idle_connections: usize,
    pub idle_window_secs: f64,
    /// Offered rates of the latency workload (messages/s); empty skips it.
    pub latency_rates: Vec<u64>,
    pub latency_secs: f64,
    /// Fan-out group sizes; empty skips it.
    pub group_sizes: Vec<usize>,
    /// Delivered frames per second the fan-out aims at, for every group size.
    pub fanout_frames_per_sec: u64,
    pub fanout_secs: f64,
    /// Handovers per second; 0 skips the handover workload (Switchboard only).
    pub handover_rate: u64,
    pub handover_secs: f64,
    /// Messages per second one simulated user sends (the contract allows 20 frames/s).
    pub per_user_rate: f64,
    pub drain_secs: f64,
}

impl Workloads {
    pub fn latency_options(&self, rate: u64) -> LatencyOptions {
        LatencyOptions {
            rate,
            duration: Duration::from_secs_f64(self.latency_secs),
            per_user_rate: self.per_user_rate,
            drain: Duration::from_secs_f64(self.drain_secs),
        }
    }

    pub fn fanout_options(&self, group_size: usize) -> FanoutOptions {
        FanoutOptions {
            group_size,
            frames_per_sec: self.fanout_frames_per_sec,
            duration: Duration::from_secs_f64(self.fanout_secs),
            per_user_rate: self.per_user_rate,
            drain: Duration::from_secs_f64(self.drain_secs),
        }
    }
}

/// What a run has to say besides its tables: workloads that failed, sends that were refused
/// or never answered.
#[derive(Debug, Default)]
pub struct Notes {
    pub lines: Vec<String>,
    /// Workloads that failed outright.
    pub failed: usize,
    /// Sends refused or unanswered, over every workload.
    pub unserved: u64,
}

impl Notes {
    /// What a flow's outcome says besides its result: frames written per delivered message
    /// (the gateway's real output), closed receivers, overload.
    fn observe(&mut self, what: &str, outcome: &Outcome) {
        let delivered = outcome.correctness.delivered.max(1);
        self.lines.push(format!(
            "{what}: the clients received {} frames of any kind for {} delivered messages \
             ({:.1} per delivered message: acks, own copies, conversation.activity, ...)",
            outcome.frames,
            outcome.correctness.delivered,
            outcome.frames as f64 / delivered as f64
        ));
        if !outcome.receivers_closed.is_empty() {
            self.lines.push(format!(
                "{what}: the server closed {} receiving sockets during the run (close codes \
                 {:?}); their missing deliveries count as lost",
                outcome.receivers_closed.len(),
                outcome.receivers_closed
            ));
        }
        let unserved = outcome.refused + outcome.unanswered;
        if unserved > 0 {
            self.unserved += unserved;
            self.lines.push(format!(
                "Overload: {what}: of {} sends, {} were acked, {} refused and {} still \
                 unanswered when the drain ended",
                outcome.sent, outcome.acked, outcome.refused, outcome.unanswered
            ));
        }
    }
}

/// Every selected workload against a fresh Switchboard cluster of `gateway_bin`, reported as
/// `system` (`Switchboard`, or `Baseline` for the build a change is compared with). A
/// workload that fails is left out of the report and said in `notes`; the others still run.
pub async fn switchboard(
    gateway_bin: &Path,
    system: System,
    workloads: &Workloads,
    notes: &mut Notes,
) -> Result<SystemReport> {
    let cluster = Cluster::start(gateway_bin, workloads.nodes).await?;
    let mut report = SystemReport {
        system,
        idle: None,
        latency: Vec::new(),
        fanout: Vec::new(),
        handover: None,
    };
    let note = |notes: &mut Notes, what: String, err: BenchError| {
        eprintln!("switchboard: {what} failed: {err}");
        notes.failed += 1;
        notes
            .lines
            .push(format!("**Failed:** {}, {what}: {err}", system.label()));
    };
    // A tenant per workload: owners see every conversation of their tenant, so one
    // workload's conversations would otherwise be noise on another's agent sockets.
    if workloads.idle_connections > 0 {
        let what = format!("idle, {} connections", workloads.idle_connections);
        eprintln!("switchboard: {what}");
        let options = IdleOptions {
            connections: workloads.idle_connections,
            idle_window: Duration::from_secs_f64(workloads.idle_window_secs),
        };
        let run = async {
            let tenant = Tenant::create(&cluster, "bench idle").await?;
            idle::run(&cluster, &tenant, &options).await
        };
        match run.await {
            Ok(result) => report.idle = Some(result),
            Err(err) => note(notes, what, err),
        }
    }
    for &rate in &workloads.latency_rates {
        let what = format!("latency at {rate} msg/s");
        eprintln!("switchboard: {what}");
        let run = async {
            let options = workloads.latency_options(rate);
            let count = latency::plan(&options, workloads.nodes).tenants();
            let tenants = Tenant::create_many(&cluster, &format!("latency {rate}"), count).await?;
            latency::run(&cluster, &tenants, &options).await
        };
        match run.await {
            Ok((result, outcome)) => {
                notes.observe(&format!("{}, {what}", system.label()), &outcome);
                report.latency.push(result);
            }
            Err(err) => note(notes, what, err),
        }
    }
    for &size in &workloads.group_sizes {
        let what = format!("fan-out, groups of {size}");
        eprintln!("switchboard: {what}");
        let run = async {
            let options = workloads.fanout_options(size);
            let count = fanout::plan(&options, workloads.nodes).tenants();
            let tenants = Tenant::create_many(&cluster, &format!("fanout {size}"), count).await?;
            fanout::run(&cluster, &tenants, &options).await
        };
        match run.await {
            Ok((result, outcome)) => {
                notes.observe(&format!("{}, {what}", system.label()), &outcome);
                report.fanout.push(result);
            }
            Err(err) => note(notes, what, err),
        }
    }
    if workloads.handover_rate > 0 {
        let what = format!("handover at {}/s", workloads.handover_rate);
        eprintln!("switchboard: {what}");
        let options = HandoverOptions {
            rate: workloads.handover_rate,
            duration: Duration::from_secs_f64(workloads.handover_secs),
            per_socket_rate: workloads.per_user_rate,
            drain: Duration::from_secs_f64(workloads.drain_secs),
        };
        let run = async {
            let tenant = Tenant::create(&cluster, "bench handover").await?;
            handover::run(&cluster, &tenant, &options).await
        };
        match run.await {
            Ok(result) => report.handover = Some(result),
            Err(err) => note(notes, what, err),
        }
    }
    Ok(report)
}
