//! The workloads against the Socket.IO peer: [`idle`], [`latency`] and [`fanout`], each
//! returning the result type the Switchboard side returns too (`bench::report`).
//!
//! Latency and fan-out are one shape: rooms whose member 0 sends on a fixed schedule and whose
//! other members receive. The coordinator here spawns one task per member
//! ([`super::member`]), waits until all are connected and joined, announces a common start
//! time, waits until the senders are done and every expected delivery has arrived (or a drain
//! timeout passes: then the misses are counted as lost, not hidden), samples the server
//! processes' CPU over exactly that window, then stops everyone and merges their reports.

use super::cluster::SioCluster;
use super::error::SioError;
use super::member::{self, Report, Schedule, Seat, Signals};
use crate::bench::measure::{Correctness, LatencyRecorder, now_ns};
use crate::bench::report::{FanoutResult, IdleResult, LatencyResult};
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

/// Connections being set up at once (TCP + WebSocket + socket.io connect + join).
const SETUP_CONCURRENCY: usize = 128;
/// How long after the last send the coordinator waits for deliveries still in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// Lead time between announcing the start and the first scheduled send, so every sender
/// task has woken up before its first message is due.
const START_LEAD: Duration = Duration::from_millis(50);
/// After everything is in, how long receivers keep listening so late duplicates are counted.
const LINGER: Duration = Duration::from_millis(100);

/// [`idle`]: `connections` sockets, connected and each joined to a room (rooms of two), spread
/// round-robin over the nodes.
#[derive(Clone, Debug)]
pub struct IdleParams {
    pub connections: usize,
    /// Client source addresses, used round-robin (e.g. 127.0.0.2–127.0.0.9); empty: the
    /// system picks (fine for a few thousand connections).
    pub local_ips: Vec<IpAddr>,
    /// Wait after the last connection before reading RSS, so the servers settle.
    pub settle: Duration,
    /// How long idle CPU is measured.
    pub cpu_window: Duration,
}

/// [`latency`]: `conversations` rooms of two, the sender on node 0 and the receiver on node
/// 1 (on node 0 too with a one-node cluster), `rate_per_sec` messages per second in total.
#[derive(Clone, Debug)]
pub struct LatencyParams {
    pub rate_per_sec: u64,
    pub duration: Duration,
    pub conversations: usize,
    pub local_ips: Vec<IpAddr>,
}

/// [`fanout`]: `groups` rooms of `group_size` members (2, 5, 50, ...) spread round-robin
/// over the nodes, one sender per room, `rate_per_sec` messages per second in total (each
/// delivered to `group_size - 1` members).
#[derive(Clone, Debug)]
pub struct FanoutParams {
    pub group_size: usize,
    pub groups: usize,
    pub rate_per_sec: u64,
    pub duration: Duration,
    pub local_ips: Vec<IpAddr>,
}

/// Idle connections: server RSS before and after (summed over the nodes), bytes per
/// connection, and the servers' CPU while the connections sit idle.
pub async fn idle(cluster: &SioCluster, params: &IdleParams) -> Result<IdleResult, SioError> {
    if params.connections == 0 || cluster.is_empty() || params.cpu_window.is_zero() {
        return Err(SioError::Params(format!(
            "idle needs connections, nodes and a CPU window: {params:?}"
        )));
    }
    let before = cluster.sample()?;
    let mut crew = Crew::new(params.connections);
    let addrs = cluster.addrs();
    let mut tasks = JoinSet::new();
    for i in 0..params.connections {
        let seat = Seat {
            id: format!("idle-{i}"),
            room: format!("idle-room-{}", i / 2),
            server: addrs[i % addrs.len()],
            local_ip: pick(&params.local_ips, i),
        };
        tasks.spawn(member::idle(seat, crew.signals()));
    }
    crew.all_ready(params.connections, &mut tasks).await?;
    tokio::time::sleep(params.settle).await;
    let after = cluster.sample()?;
    tokio::time::sleep(params.cpu_window).await;
    let cpu_after = cluster.sample()?.cpu_us;
    crew.finish(tasks).await?;

    let connections = params.connections as u64;
    let cpu_us = cpu_after.saturating_sub(after.cpu_us) as f64;
    Ok(IdleResult {
        connections,
        nodes: cluster.len(),
        rss_before_bytes: before.rss_bytes,
        rss_after_bytes: after.rss_bytes,
        bytes_per_connection: after.rss_bytes.saturating_sub(before.rss_bytes) / connections,
        idle_cpu_percent: cpu_us / params.cpu_window.as_micros() as f64 * 100.0,
    })
}

/// Open-loop latency across nodes: from each message's scheduled send time on node 0 to its
/// arrival at the receiver on node 1.
pub async fn latency(
    cluster: &SioCluster,
    params: &LatencyParams,
) -> Result<LatencyResult, SioError> {
    let plan = Plan {
        group_size: 2,
        groups: params.conversations,
        rate_per_sec: params.rate_per_sec,
        duration: params.duration,
        local_ips: &params.local_ips,
        placement: Placement::SenderOnFirstNode,
        room_prefix: "lat",
    };
    let run = run_rooms(cluster, &plan).await?;
    Ok(LatencyResult {
        offered_per_sec: params.rate_per_sec,
        achieved_per_sec: run.sent as f64 / run.send_secs.max(params.duration.as_secs_f64()),
        duration_secs: params.duration.as_secs_f64(),
        conversations: params.conversations,
        latency: run.latency.stats(),
        correctness: run.correctness,
        cpu_us_per_frame: per_frame(run.server_cpu_us, run.frames),
    })
}

/// Fan-out: delivered frames per second and server CPU per delivered frame for rooms of
/// `group_size` members.
pub async fn fanout(cluster: &SioCluster, params: &FanoutParams) -> Result<FanoutResult, SioError> {
    let plan = Plan {
        group_size: params.group_size,
        groups: params.groups,
        rate_per_sec: params.rate_per_sec,
        duration: params.duration,
        local_ips: &params.local_ips,
        placement: Placement::Balanced,
        room_prefix: "fan",
    };
    let run = run_rooms(cluster, &plan).await?;
    Ok(FanoutResult {
        group_size: params.group_size,
        groups: params.groups,
        messages_sent: run.sent,
        delivered_frames: run.frames,
        delivered_per_sec: run.frames as f64 / run.window_secs.max(f64::MIN_POSITIVE),
        server_cpu_us: run.server_cpu_us,
        cpu_us_per_frame: per_frame(run.server_cpu_us, run.frames),
        latency: run.latency.stats(),
        correctness: run.correctness,
    })
}

/// Room `g`'s sender schedule. Senders interleave evenly: with R messages/s over G rooms,
/// each sends every G/R s and room g starts g/R s after the start, so the rooms together send
/// one message every 1/R s, R × duration in all.
fn schedule(g: usize, groups: usize, rate_per_sec: u64, duration: Duration) -> Schedule {
    let interval_ns = groups as f64 * 1e9 / rate_per_sec as f64;
    let offset_ns = g as f64 * 1e9 / rate_per_sec as f64;
    let duration_ns = duration.as_nanos() as f64;
    let count = if offset_ns >= duration_ns {
        0
    } else {
        ((duration_ns - offset_ns) / interval_ns).ceil() as u64
    };
    Schedule {
        stream: g as u64,
        count,
        offset_ns,
        interval_ns,
    }
}

fn per_frame(cpu_us: u64, frames: u64) -> f64 {
    if frames == 0 {
        0.0
    } else {
        cpu_us as f64 / frames as f64
    }
}

fn pick(ips: &[IpAddr], i: usize) -> Option<IpAddr> {
    if ips.is_empty() {
        None
    } else {
        Some(ips[i % ips.len()])
    }
}

/// Which node each member of a room connects to; every room spans the nodes either way.
#[derive(Clone, Copy)]
enum Placement {
    /// Member `m` on node `m % nodes`: all senders on node 0 ("node A").
    SenderOnFirstNode,
    /// Member `m` of room `g` on node `(g + m) % nodes`: senders spread over the nodes too.
    Balanced,
}

struct Plan<'a> {
    group_size: usize,
    groups: usize,
    rate_per_sec: u64,
    duration: Duration,
    local_ips: &'a [IpAddr],
    placement: Placement,
    room_prefix: &'static str,
}

/// What a rooms run measured.
struct RoomsRun {
    sent: u64,
    /// From the start to the last message actually sent.
    send_secs: f64,
    /// From the start until every delivery was in (or the drain timed out).
    window_secs: f64,
    frames: u64,
    server_cpu_us: u64,
    latency: LatencyRecorder,
    correctness: Correctness,
}

async fn run_rooms(cluster: &SioCluster, plan: &Plan<'_>) -> Result<RoomsRun, SioError> {
    if plan.group_size < 2 || plan.groups == 0 || plan.rate_per_sec == 0 {
        return Err(SioError::Params(format!(
            "rooms need at least 2 members, 1 room and a rate: {} rooms of {} at {}/s",
            plan.groups, plan.group_size, plan.rate_per_sec
        )));
    }
    if plan.duration.is_zero() || cluster.is_empty() {
        return Err(SioError::Params("a run needs a duration and nodes".into()));
    }
    let addrs = cluster.addrs();
    let members = plan.groups * plan.group_size;
    let mut crew = Crew::new(members);
    let delivered = Arc::new(AtomicU64::new(0));
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();

    let mut expected_total = 0u64;
    let mut tasks = JoinSet::new();
    for g in 0..plan.groups {
        let schedule = schedule(g, plan.groups, plan.rate_per_sec, plan.duration);
        let count = schedule.count;
        for m in 0..plan.group_size {
            let node = match plan.placement {
                Placement::SenderOnFirstNode => m % addrs.len(),
                Placement::Balanced => (g + m) % addrs.len(),
            };
            let seat = Seat {
                id: format!("{}-{g}-{m}", plan.room_prefix),
                room: format!("{}-{g}", plan.room_prefix),
                server: addrs[node],
                local_ip: pick(plan.local_ips, g * plan.group_size + m),
            };
            if m == 0 {
                tasks.spawn(member::sender(
                    seat,
                    crew.signals(),
                    schedule,
                    done_tx.clone(),
                ));
            } else {
                expected_total += count;
                tasks.spawn(member::receiver(
                    seat,
                    crew.signals(),
                    count,
                    Arc::clone(&delivered),
                ));
            }
        }
    }
    drop(done_tx);
    crew.all_ready(members, &mut tasks).await?;

    let cpu_before = cluster.sample()?.cpu_us;
    let start_ns = now_ns() + START_LEAD.as_nanos() as u64;
    crew.start(start_ns);

    // Every sender reports once it has sent and been acked; a failed one ends the run.
    for _ in 0..plan.groups {
        match done_rx.recv().await {
            Some(true) => {}
            Some(false) | None => return Err(crew.fail(tasks).await),
        }
    }
    let drain_until = now_ns() + DRAIN_TIMEOUT.as_nanos() as u64;
    while delivered.load(Ordering::Relaxed) < expected_total && now_ns() < drain_until {
        // Only a failure ends a member before the stop (receivers end at the stop, senders
        // linger until it).
        if let Some(joined) = tasks.try_join_next() {
            let early = match joined {
                Ok(Err(e)) => e,
                Ok(Ok(_)) => SioError::Task("a member ended before the stop".into()),
                Err(e) => SioError::Task(e.to_string()),
            };
            let _ = crew.fail(tasks).await;
            return Err(early);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let end_ns = now_ns();
    let cpu_after = cluster.sample()?.cpu_us;
    tokio::time::sleep(LINGER).await;

    let mut run = RoomsRun {
        sent: 0,
        send_secs: 0.0,
        window_secs: end_ns.saturating_sub(start_ns) as f64 / 1e9,
        frames: 0,
        server_cpu_us: cpu_after.saturating_sub(cpu_before),
        latency: LatencyRecorder::new(),
        correctness: Correctness::default(),
    };
    let mut last_send_ns = start_ns;
    for report in crew.finish(tasks).await? {
        match report {
            Report::Sender {
                sent,
                last_send_ns: last,
            } => {
                run.sent += sent;
                last_send_ns = last_send_ns.max(last);
            }
            Report::Receiver {
                correctness,
                latency,
                frames,
            } => {
                run.correctness.add(&correctness);
                run.latency.merge(&latency);
                run.frames += frames;
            }
            Report::Idle => {}
        }
    }
    run.send_secs = last_send_ns.saturating_sub(start_ns) as f64 / 1e9;
    Ok(run)
}

/// The coordinator's side of the member signals.
struct Crew {
    signals: Signals,
    ready_rx: mpsc::UnboundedReceiver<Result<(), String>>,
    start_tx: watch::Sender<Option<u64>>,
    stop_tx: watch::Sender<bool>,
}

impl Crew {
    fn new(members: usize) -> Crew {
        let (ready_tx, ready_rx) = mpsc::unbounded_channel();
        let (start_tx, start_rx) = watch::channel(None);
        let (stop_tx, stop_rx) = watch::channel(false);
        let signals = Signals {
            setup: Arc::new(Semaphore::new(SETUP_CONCURRENCY.min(members.max(1)))),
            ready: ready_tx,
            start: start_rx,
            stop: stop_rx,
        };
        Crew {
            signals,
            ready_rx,
            start_tx,
            stop_tx,
        }
    }

    fn signals(&self) -> Signals {
        self.signals.clone()
    }

    /// Waits until `members` members are connected and joined; the first failure ends the run
    /// with that member's error.
    async fn all_ready(
        &mut self,
        members: usize,
        tasks: &mut JoinSet<Result<Report, SioError>>,
    ) -> Result<(), SioError> {
        for _ in 0..members {
            match self.ready_rx.recv().await {
                Some(Ok(())) => {}
                Some(Err(_)) | None => return Err(self.fail_in_place(tasks).await),
            }
        }
        Ok(())
    }

    fn start(&self, start_ns: u64) {
        let _ = self.start_tx.send(Some(start_ns));
    }

    /// Stops every member and collects the reports; the first member error is the run's.
    async fn finish(
        self,
        mut tasks: JoinSet<Result<Report, SioError>>,
    ) -> Result<Vec<Report>, SioError> {
        let _ = self.stop_tx.send(true);
        let mut reports = Vec::with_capacity(tasks.len());
        let mut first_error = None;
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(Ok(report)) => reports.push(report),
                Ok(Err(e)) => keep_most_telling(&mut first_error, e),
                Err(e) => keep_most_telling(&mut first_error, SioError::Task(e.to_string())),
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(reports),
        }
    }

    /// A run is broken: stop everyone and return the most telling error.
    async fn fail(self, tasks: JoinSet<Result<Report, SioError>>) -> SioError {
        match self.finish(tasks).await {
            Err(e) => e,
            Ok(_) => SioError::Task("a member failed without an error".into()),
        }
    }

    async fn fail_in_place(&mut self, tasks: &mut JoinSet<Result<Report, SioError>>) -> SioError {
        let _ = self.stop_tx.send(true);
        // Members still setting up finish their setup first; abort them instead of waiting.
        let mut first_error = None;
        while let Some(joined) = with_deadline(tasks.join_next()).await {
            match joined {
                Some(Ok(Err(e))) => {
                    keep_most_telling(&mut first_error, e);
                    tasks.abort_all();
                }
                Some(Err(e)) if !e.is_cancelled() => {
                    keep_most_telling(&mut first_error, SioError::Task(e.to_string()));
                }
                Some(_) => {}
                None => break,
            }
        }
        tasks.abort_all();
        first_error.unwrap_or_else(|| SioError::Task("a member failed during setup".into()))
    }
}

/// Keeps the first error of a run, except that a member's own failure (a socket that closed,
/// an I/O error) beats a task-level one such as "called off before it started": members that
/// see the stop end at once, often before the member whose failure caused it is joined.
fn keep_most_telling(kept: &mut Option<SioError>, error: SioError) {
    match kept {
        None => *kept = Some(error),
        Some(SioError::Task(_)) if !matches!(error, SioError::Task(_)) => *kept = Some(error),
        Some(_) => {}
    }
}

/// `Some(output)` unless `fut` takes longer than the setup timeout (then `None`).
async fn with_deadline<F: Future>(fut: F) -> Option<F::Output> {
    tokio::time::timeout(super::client::SETUP_TIMEOUT, fut)
        .await
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(groups: usize, rate: u64, duration: Duration) -> u64 {
        (0..groups)
            .map(|g| schedule(g, groups, rate, duration).count)
            .sum()
    }

    #[test]
    fn the_rooms_together_send_rate_times_duration() {
        assert_eq!(total(8, 400, Duration::from_secs(1)), 400);
        assert_eq!(total(500, 20_000, Duration::from_secs(5)), 100_000);
        assert_eq!(total(3, 150, Duration::from_secs(1)), 150);
        // More rooms than messages: the late rooms send nothing rather than past the end.
        assert_eq!(total(10, 5, Duration::from_secs(1)), 5);
        assert_eq!(schedule(9, 10, 5, Duration::from_secs(1)).count, 0);
    }

    #[test]
    fn senders_interleave_one_message_every_one_over_rate() {
        let a = schedule(0, 4, 100, Duration::from_secs(1));
        let b = schedule(1, 4, 100, Duration::from_secs(1));
        assert_eq!(a.interval_ns, 40_000_000.0);
        assert_eq!(b.offset_ns - a.offset_ns, 10_000_000.0);
        assert_eq!((a.count, b.count), (25, 25));
    }
}
