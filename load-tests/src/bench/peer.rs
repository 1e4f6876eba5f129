//! The peer's pass: every workload Socket.IO has an equivalent for (not handover), against a
//! fresh Socket.IO cluster (`load-tests/peers/socketio`, built by `crate::sio`) on a Redis of
//! its own, sized from the same plans as Switchboard's pass.

use super::engine::Plan;
use super::error::{BenchError, Result};
use super::fanout;
use super::latency;
use super::report::{System, SystemReport};
use super::run::{Notes, Workloads};
use super::services::Redis;
use crate::sio;
use std::net::IpAddr;
use std::time::Duration;

/// Whether the peer is installed (`load-tests/peers/install` has run).
pub fn installed() -> bool {
    sio::cluster::peer_dir().join("node_modules").is_dir()
}

/// The client addresses both systems' workloads spread their sockets over.
pub fn local_ips() -> Vec<IpAddr> {
    (0..8)
        .map(|i| IpAddr::V4(super::client::local_ip(i)))
        .collect()
}

/// Every selected workload the peer has (no handover) against a fresh Socket.IO cluster on
/// a Redis of its own, with the same sizes as Switchboard's pass. A workload that fails is
/// left out and said in `notes`.
pub async fn socketio(workloads: &Workloads, notes: &mut Notes) -> Result<SystemReport> {
    let redis = tokio::task::spawn_blocking(Redis::start)
        .await
        .map_err(|err| BenchError::Workload(format!("starting redis: {err}")))??;
    let cluster = sio::SioCluster::start(&redis.url(), workloads.nodes)
        .await
        .map_err(|err| BenchError::Workload(format!("starting the socket.io nodes: {err}")))?;
    let mut report = SystemReport {
        system: System::Socketio,
        idle: None,
        latency: Vec::new(),
        fanout: Vec::new(),
        handover: None,
    };
    let mut note = |what: String, err: sio::SioError| {
        eprintln!("socket.io: {what} failed: {err}");
        notes.failed += 1;
        notes
            .lines
            .push(format!("Socket.IO, {what}: failed: {err}"));
    };
    if workloads.idle_connections > 0 {
        let what = format!("idle, {} connections", workloads.idle_connections);
        eprintln!("socket.io: {what}");
        let params = sio::IdleParams {
            connections: workloads.idle_connections,
            local_ips: local_ips(),
            settle: Duration::from_secs(2),
            cpu_window: Duration::from_secs_f64(workloads.idle_window_secs),
        };
        match sio::idle(&cluster, &params).await {
            Ok(result) => report.idle = Some(result),
            Err(err) => note(what, err),
        }
    }
    for &rate in &workloads.latency_rates {
        let what = format!("latency at {rate} msg/s");
        eprintln!("socket.io: {what}");
        let plan = latency::plan(&workloads.latency_options(rate), workloads.nodes);
        let params = sio::LatencyParams {
            rate_per_sec: rate,
            duration: Duration::from_secs_f64(workloads.latency_secs),
            conversations: plan.user_nodes.len(),
            local_ips: local_ips(),
        };
        match sio::latency(&cluster, &params).await {
            Ok(result) => report.latency.push(result),
            Err(err) => note(what, err),
        }
    }
    for &size in &workloads.group_sizes {
        let what = format!("fan-out, groups of {size}");
        eprintln!("socket.io: {what}");
        let plan: Plan = fanout::plan(&workloads.fanout_options(size), workloads.nodes);
        let params = sio::FanoutParams {
            group_size: size,
            groups: plan.user_nodes.len(),
            rate_per_sec: plan.rate.round() as u64,
            duration: Duration::from_secs_f64(workloads.fanout_secs),
            local_ips: local_ips(),
        };
        match sio::fanout(&cluster, &params).await {
            Ok(result) => report.fanout.push(result),
            Err(err) => note(what, err),
        }
    }
    drop(cluster);
    drop(redis);
    Ok(report)
}
