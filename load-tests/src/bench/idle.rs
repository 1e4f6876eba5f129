//! Idle authenticated connections: what N end users who are connected but silent cost the
//! servers in memory and CPU.

use super::client::{self, Ws};
use super::cluster::{Cluster, sample_sum};
use super::error::Result;
use super::report::IdleResult;
use super::setup::Tenant;
use futures_util::StreamExt;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Sockets being opened at once (the rest wait): the servers' accept queues stay short.
pub const CONNECT_CONCURRENCY: usize = 200;

#[derive(Clone, Debug)]
pub struct IdleOptions {
    pub connections: usize,
    /// How long the connections sit idle while CPU is measured.
    pub idle_window: Duration,
}

/// Opens one socket per `(ws_url, token)`, `CONNECT_CONCURRENCY` at a time, spread over the
/// client addresses; the sockets come back in the order of `targets`.
pub async fn connect_many(targets: &[(String, String)]) -> Result<Vec<Ws>> {
    let sockets: Vec<Result<Ws>> = futures_util::stream::iter(targets.iter().enumerate())
        .map(|(i, (url, token))| client::connect_authed(url, client::local_ip(i), token))
        .buffered(CONNECT_CONCURRENCY)
        .collect()
        .await;
    sockets.into_iter().collect()
}

/// Keeps a socket open, reading (and so answering the server's pings) until `stop` flips.
pub fn hold(mut ws: Ws, mut stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stop.changed() => break,
                frame = ws.next() => if !matches!(frame, Some(Ok(_))) { return },
            }
        }
        let _ = ws.close(None).await;
    })
}

pub async fn run(cluster: &Cluster, tenant: &Tenant, options: &IdleOptions) -> Result<IdleResult> {
    let tokens = tenant.user_tokens(cluster, options.connections).await?;
    let targets: Vec<(String, String)> = tokens
        .into_iter()
        .enumerate()
        .map(|(i, token)| (cluster.nodes[i % cluster.nodes.len()].ws_url(), token))
        .collect();
    // Let the setup's allocations settle before the baseline.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = cluster.sample()?;
    let sockets = connect_many(&targets).await?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let holders: Vec<_> = sockets
        .into_iter()
        .map(|ws| hold(ws, stop_rx.clone()))
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = cluster.sample()?;
    let started = Instant::now();
    tokio::time::sleep(options.idle_window).await;
    let end = sample_sum(&cluster.gateway_pids())?;
    let elapsed_us = started.elapsed().as_micros().max(1) as f64;
    let _ = stop_tx.send(true);
    for holder in holders {
        let _ = holder.await;
    }
    let connections = targets.len() as u64;
    let grown = after.rss_bytes.saturating_sub(before.rss_bytes);
    Ok(IdleResult {
        connections,
        nodes: cluster.nodes.len(),
        rss_before_bytes: before.rss_bytes,
        rss_after_bytes: after.rss_bytes,
        bytes_per_connection: grown / connections.max(1),
        idle_cpu_percent: end.cpu_us.saturating_sub(after.cpu_us) as f64 / elapsed_us * 100.0,
    })
}
