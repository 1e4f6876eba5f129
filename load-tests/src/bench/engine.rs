//! The measured message flow both the latency and the fan-out workloads are made of: end users
//! each in a conversation of their own, each sending probes at a fixed open-loop schedule, and
//! agent sockets subscribed to those conversations receiving them.
//!
//! Open loop: probe `j` of a user is due at `start + offset + j × interval` and is stamped
//! with that time; a sender that falls behind sends late but keeps the stamp, so a stall
//! shows up as latency instead of silently lowering the offered rate.
//!
//! Correctness: a probe is expected at every subscriber once its `message.send` is acked (an
//! ack means it is stored, so it must arrive). Sends refused or still unanswered when the
//! drain ends (an overloaded server) are counted apart, in [`Outcome`], and reported as notes:
//! overload is not loss. The senders pace themselves within the contract's rate limit, so a
//! refusal is unexpected. Receivers count lost, duplicated and out-of-order probes, and
//! messages whose `seq` does not grow within a conversation.

use super::client::{self, Incoming, WsSink, WsStream};
use super::cluster::Cluster;
use super::error::{BenchError, Result};
use super::idle::connect_many;
use super::measure::{Correctness, DeliveryTracker, LatencyRecorder, LatencyStats, Probe, now_ns};
use super::setup::Tenant;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// Conversations opened at once during setup: opening thousands at the same instant would
/// measure a thundering herd the workloads are not about.
const SETUP_CONCURRENCY: usize = 64;

/// After the last send: how long without a single new delivery before what is missing counts
/// as lost, and the longest the wait may take overall.
const STALL: Duration = Duration::from_secs(3);
const DRAIN_CAP: Duration = Duration::from_secs(120);

/// Subscriptions one agent socket asks for at once: within the per-connection burst of 40.
pub const SUBSCRIBE_BURST: usize = 20;

/// Who sends where and who listens.
#[derive(Clone, Debug)]
pub struct Plan {
    /// One entry per user (and conversation): the node it connects to.
    pub user_nodes: Vec<usize>,
    /// One entry per user: the index of its tenant. Receivers are their tenant's owner, and
    /// owners get a `conversation.activity` for every message of their tenant: a tenant per
    /// receiving group keeps that to the conversations the socket actually watches, as for an
    /// agent of a group.
    pub user_tenants: Vec<usize>,
    /// One entry per agent socket: its node and the conversations (user indices) it
    /// subscribes to.
    pub receivers: Vec<(usize, Vec<usize>)>,
    /// Whether users' own copies of their messages count as deliveries (fan-out: yes).
    pub count_echo: bool,
    /// Messages per second over all users.
    pub rate: f64,
    pub duration: Duration,
    /// How long a sender waits after its last send for the answers to arrive.
    pub drain: Duration,
}

/// What one flow measured.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub sent: u64,
    pub acked: u64,
    /// Sends answered with an error.
    pub refused: u64,
    /// Sends neither acked nor refused when the drain ended.
    pub unanswered: u64,
    /// Close codes of receiving sockets the server closed during the run (e.g. 4008, backlog
    /// full: a real client would reconnect and recover; this one counts what it missed).
    pub receivers_closed: Vec<u16>,
    /// Frames of any kind the clients received during the measured window.
    pub frames: u64,
    /// Gateway CPU (all nodes) during the measured window.
    pub cpu_us: u64,
    /// From the first scheduled send to the last delivery (or the drain's end).
    pub elapsed: Duration,
    pub latency: LatencyStats,
    pub correctness: Correctness,
}

struct UserDone {
    sent: u64,
    acked: u64,
    refused: u64,
    frames: u64,
    echo: Option<Receiver>,
}

/// One receiving socket's view.
#[derive(Default)]
struct Receiver {
    recorder: LatencyRecorder,
    tracker: DeliveryTracker,
    last_seq: HashMap<String, u64>,
    seq_out_of_order: u64,
    frames: u64,
    /// The close code, when the server closed this socket during the run.
    closed: Option<u16>,
}

impl Receiver {
    /// Notes one frame; counts a newly delivered probe in `delivered`.
    fn observe(&mut self, incoming: &Incoming, arrived_ns: u64, delivered: &AtomicU64) {
        self.frames += 1;
        if incoming.kind != "message.created" {
            return;
        }
        let Some(message) = incoming.chat_message() else {
            return;
        };
        let last = self
            .last_seq
            .entry(message.conversation_id.clone())
            .or_insert(0);
        if message.seq <= *last {
            self.seq_out_of_order += 1;
        } else {
            *last = message.seq;
        }
        if let Some(probe) = Probe::decode(&message.text)
            && self.tracker.observe(&probe)
        {
            self.recorder.record_probe(&probe, arrived_ns);
            delivered.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Plan {
    /// How many tenants the plan needs.
    pub fn tenants(&self) -> usize {
        self.user_tenants.iter().max().map_or(1, |t| t + 1)
    }
}

/// Runs `plan` on `cluster` with `tenants` (at least [`Plan::tenants`] of them).
pub async fn run(cluster: &Cluster, tenants: &[Tenant], plan: &Plan) -> Result<Outcome> {
    let users = plan.user_nodes.len();
    if users == 0 {
        return Err(BenchError::Workload(
            "a flow needs at least one user".into(),
        ));
    }
    if tenants.len() < plan.tenants() {
        return Err(BenchError::Workload(format!(
            "the plan needs {} tenants, got {}",
            plan.tenants(),
            tenants.len()
        )));
    }
    let mut tokens = vec![String::new(); users];
    for (t, tenant) in tenants.iter().enumerate().take(plan.tenants()) {
        let mine: Vec<usize> = (0..users).filter(|u| plan.user_tenants[*u] == t).collect();
        let created = tenant.user_tokens(cluster, mine.len()).await?;
        for (user, token) in mine.into_iter().zip(created) {
            tokens[user] = token;
        }
    }
    let targets: Vec<(String, String)> = tokens
        .into_iter()
        .zip(&plan.user_nodes)
        .map(|(token, node)| (cluster.nodes[*node].ws_url(), token))
        .collect();
    let mut user_sockets = connect_many(&targets).await?;
    let conversations = open_conversations(&mut user_sockets).await?;

    let agent_targets: Vec<(String, String)> = plan
        .receivers
        .iter()
        .map(|(node, members)| {
            let tenant = members.first().map_or(0, |m| plan.user_tenants[*m]);
            (
                cluster.nodes[*node].ws_url(),
                tenants[tenant].owner_token.clone(),
            )
        })
        .collect();
    let mut agent_sockets = connect_many(&agent_targets).await?;
    let mut expected_per_user = vec![u64::from(plan.count_echo); users];
    let subscribing = agent_sockets
        .iter_mut()
        .zip(&plan.receivers)
        .map(|(ws, (_, members))| {
            for member in members {
                expected_per_user[*member] += 1;
            }
            let ids: Vec<&str> = members.iter().map(|m| conversations[*m].as_str()).collect();
            subscribe_all(ws, ids)
        });
    for result in futures_util::future::join_all(subscribing).await {
        result?;
    }
    // Setup traffic (subscription acks, queue notices) must not count in the window.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let delivered = Arc::new(AtomicU64::new(0));
    let (stop_tx, stop_rx) = watch::channel(false);
    let start_ns = now_ns() + 200_000_000;
    let start = tokio::time::Instant::now() + Duration::from_millis(200);
    let cpu_before = cluster.sample()?.cpu_us;

    let receivers: Vec<JoinHandle<Receiver>> = agent_sockets
        .into_iter()
        .map(|ws| {
            let (sink, stream) = ws.split();
            spawn_receiver(stream, stop_rx.clone(), delivered.clone(), sink)
        })
        .collect();
    let per_user_interval = Duration::from_secs_f64(users as f64 / plan.rate);
    let per_user = (plan.duration.as_secs_f64() / per_user_interval.as_secs_f64()).floor() as u64;
    let senders: Vec<JoinHandle<Result<UserDone>>> = user_sockets
        .into_iter()
        .zip(conversations)
        .enumerate()
        .map(|(i, (ws, conversation))| {
            let offset = Duration::from_secs_f64(i as f64 / plan.rate);
            let schedule = Schedule {
                stream: i as u64,
                first_id: i as u64 * per_user,
                count: per_user,
                start: start + offset,
                start_ns: start_ns + offset.as_nanos() as u64,
                interval: per_user_interval,
            };
            tokio::spawn(send_probes(
                ws,
                conversation,
                schedule,
                plan.count_echo,
                plan.drain,
                stop_rx.clone(),
                delivered.clone(),
            ))
        })
        .collect();

    let mut outcome = Outcome::default();
    let mut expected = 0;
    let mut echoes = Vec::new();
    for (i, sender) in senders.into_iter().enumerate() {
        let done = sender
            .await
            .map_err(|err| BenchError::Workload(format!("a sender failed: {err}")))??;
        outcome.sent += done.sent;
        outcome.acked += done.acked;
        outcome.refused += done.refused;
        outcome.frames += done.frames;
        outcome.unanswered += done.sent.saturating_sub(done.acked + done.refused);
        expected += done.acked * expected_per_user[i];
        echoes.extend(done.echo);
    }
    // Wait for the deliveries still in flight for as long as they keep coming (a backlog
    // being worked off is late, not lost); what has not come when nothing arrived for
    // `STALL` is lost.
    let mut seen = delivered.load(Ordering::Relaxed);
    let mut progressed = tokio::time::Instant::now();
    let cap = progressed + DRAIN_CAP;
    while seen < expected && progressed.elapsed() < STALL && tokio::time::Instant::now() < cap {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = delivered.load(Ordering::Relaxed);
        if now > seen {
            seen = now;
            progressed = tokio::time::Instant::now();
        }
    }
    outcome.elapsed = start.elapsed();
    outcome.cpu_us = cluster.sample()?.cpu_us.saturating_sub(cpu_before);
    let _ = stop_tx.send(true);

    let mut all = LatencyRecorder::new();
    let mut correctness = Correctness::default();
    let mut seq_out_of_order = 0;
    let mut receivers_done = Vec::new();
    for receiver in receivers {
        receivers_done.push(
            receiver
                .await
                .map_err(|err| BenchError::Workload(format!("a receiver failed: {err}")))?,
        );
    }
    for receiver in &receivers_done {
        outcome.frames += receiver.frames;
        outcome.receivers_closed.extend(receiver.closed);
    }
    // (An echo's frames are already in its user's count.)
    for receiver in receivers_done.iter().chain(echoes.iter()) {
        all.merge(&receiver.recorder);
        correctness.add(&receiver.tracker.finish(0));
        seq_out_of_order += receiver.seq_out_of_order;
    }
    correctness.expected = expected;
    correctness.lost = expected.saturating_sub(correctness.delivered);
    correctness.out_of_order += seq_out_of_order;
    outcome.latency = all.stats();
    outcome.correctness = correctness;
    Ok(outcome)
}

/// Each user opens its conversation with a first message, `SETUP_CONCURRENCY` at a time;
/// answers the conversation ids in user order.
pub async fn open_conversations(sockets: &mut [client::Ws]) -> Result<Vec<String>> {
    let opening = sockets.iter_mut().enumerate().map(|(i, ws)| async move {
        let req = format!("open-{i}");
        let frame = json!({"type": "message.send", "req": req, "client_msg_id": req,
            "text": "hello, I need help"});
        client::send_json_ws(ws, &frame).await?;
        let answer = client::await_answer(ws, &req, drop).await?;
        match (answer.kind.as_str(), answer.conversation_id) {
            ("ack", Some(id)) => Ok(id),
            _ => Err(BenchError::Workload(format!(
                "opening a conversation was refused: {:?}",
                answer.code
            ))),
        }
    });
    futures_util::stream::iter(opening)
        .buffered(SETUP_CONCURRENCY)
        .collect::<Vec<Result<String>>>()
        .await
        .into_iter()
        .collect()
}

/// Subscribes one agent socket to `ids`, `SUBSCRIBE_BURST` at a time.
async fn subscribe_all(ws: &mut client::Ws, ids: Vec<&str>) -> Result<()> {
    for chunk in ids.chunks(SUBSCRIBE_BURST) {
        for (k, id) in chunk.iter().enumerate() {
            let frame = json!({"type": "conversation.subscribe", "req": format!("sub-{k}"),
                "conversation_id": id});
            client::send_json_ws(ws, &frame).await?;
        }
        for k in 0..chunk.len() {
            let answer = client::await_answer(ws, &format!("sub-{k}"), drop).await?;
            if answer.kind != "ack" {
                return Err(BenchError::Workload(format!(
                    "conversation.subscribe was refused: {:?}",
                    answer.code
                )));
            }
        }
        if ids.len() > SUBSCRIBE_BURST {
            // Let the rate limiter's bucket refill before the next burst.
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
    }
    Ok(())
}

fn spawn_receiver(
    mut stream: WsStream,
    mut stop: watch::Receiver<bool>,
    delivered: Arc<AtomicU64>,
    sink: WsSink,
) -> JoinHandle<Receiver> {
    tokio::spawn(async move {
        let mut receiver = Receiver::default();
        loop {
            tokio::select! {
                biased;
                _ = stop.changed() => break,
                frame = stream.next() => match frame {
                    Some(Ok(Message::Close(frame))) => {
                        receiver.closed = Some(frame.map_or(1005, |f| u16::from(f.code)));
                        break;
                    }
                    Some(Ok(frame)) => {
                        let arrived = now_ns();
                        if let Some(incoming) = client::decode(&frame) {
                            receiver.observe(&incoming, arrived, &delivered);
                        }
                    }
                    _ => {
                        receiver.closed = Some(1006);
                        break;
                    }
                },
            }
        }
        if let Ok(mut ws) = sink.reunite(stream) {
            let _ = ws.close(None).await;
        }
        receiver
    })
}

/// A well-behaved client's own limit, within the contract's 20 frames/s (bursts of 40): a
/// sender that fell behind catches up at this pace instead of being refused; its probes keep
/// their scheduled stamps, so the delay still shows as latency.
struct Pacer {
    tokens: f64,
    last: tokio::time::Instant,
}

impl Pacer {
    const PER_SEC: f64 = 18.0;
    const BURST: f64 = 30.0;

    fn new() -> Pacer {
        Pacer {
            tokens: Self::BURST,
            last: tokio::time::Instant::now(),
        }
    }

    fn refill(&mut self) {
        let now = tokio::time::Instant::now();
        let earned = (now - self.last).as_secs_f64() * Self::PER_SEC;
        self.tokens = (self.tokens + earned).min(Self::BURST);
        self.last = now;
    }

    /// When the next send may go.
    fn next_allowed(&mut self) -> tokio::time::Instant {
        self.refill();
        let missing = (1.0 - self.tokens).max(0.0);
        self.last + Duration::from_secs_f64(missing / Self::PER_SEC)
    }

    fn take(&mut self) {
        self.refill();
        self.tokens -= 1.0;
    }
}

/// One user's probes: ids `first_id..first_id + count`, due every `interval` from `start`.
struct Schedule {
    stream: u64,
    first_id: u64,
    count: u64,
    start: tokio::time::Instant,
    start_ns: u64,
    interval: Duration,
}

async fn send_probes(
    ws: client::Ws,
    conversation: String,
    schedule: Schedule,
    count_echo: bool,
    drain: Duration,
    mut stop: watch::Receiver<bool>,
    delivered: Arc<AtomicU64>,
) -> Result<UserDone> {
    let (mut sink, mut stream) = ws.split();
    let mut echo = count_echo.then(Receiver::default);
    let mut done = UserDone {
        sent: 0,
        acked: 0,
        refused: 0,
        frames: 0,
        echo: None,
    };
    let handle =
        |incoming: Incoming, arrived: u64, done: &mut UserDone, echo: &mut Option<Receiver>| {
            match incoming.kind.as_str() {
                "ack" if incoming.req.is_some() => done.acked += 1,
                "error" if incoming.req.is_some() => done.refused += 1,
                _ => {}
            }
            match echo.as_mut() {
                Some(echo) => echo.observe(&incoming, arrived, &delivered),
                None => done.frames += 1,
            }
        };
    let mut pos = 0;
    let mut pacer = Pacer::new();
    let mut closed = false;
    while pos < schedule.count {
        let due = schedule.start + schedule.interval * pos as u32;
        tokio::select! {
            biased;
            frame = stream.next() => match frame {
                Some(Ok(frame)) => {
                    let arrived = now_ns();
                    if let Some(incoming) = client::decode(&frame) {
                        handle(incoming, arrived, &mut done, &mut echo);
                    }
                }
                _ => {
                    // Counted, not fatal: the probes sent so far stay expected, so what the
                    // close lost shows in the report.
                    eprintln!("warning: a sender's socket closed after {pos} probes");
                    closed = true;
                    break;
                }
            },
            _ = tokio::time::sleep_until(due.max(pacer.next_allowed())) => {
                pacer.take();
                let probe = Probe {
                    id: schedule.first_id + pos,
                    stream: schedule.stream,
                    pos,
                    scheduled_ns: schedule.start_ns + (schedule.interval * pos as u32).as_nanos() as u64,
                };
                let frame = json!({"type": "message.send", "req": pos.to_string(),
                    "conversation_id": conversation, "client_msg_id": format!("p{}", probe.id),
                    "text": probe.encode()});
                sink.send(Message::text(frame.to_string()))
                    .await
                    .map_err(|err| BenchError::socket("sending a probe", err))?;
                done.sent += 1;
                pos += 1;
            }
        }
    }
    // Every send answered, and (with echoes) the user's own copies in, or the drain is over.
    let until = tokio::time::Instant::now() + drain;
    loop {
        if closed {
            break;
        }
        let answered = done.acked + done.refused >= done.sent;
        let echoed = echo
            .as_ref()
            .is_none_or(|e| e.tracker.finish(0).delivered >= done.acked);
        if answered && echoed {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep_until(until) => break,
            _ = stop.changed() => break,
            frame = stream.next() => match frame {
                Some(Ok(frame)) => {
                    let arrived = now_ns();
                    if let Some(incoming) = client::decode(&frame) {
                        handle(incoming, arrived, &mut done, &mut echo);
                    }
                }
                _ => break,
            },
        }
    }
    if let Some(echo) = echo.as_ref() {
        done.frames += echo.frames;
    }
    done.echo = echo;
    if let Ok(mut ws) = sink.reunite(stream) {
        let _ = ws.close(None).await;
    }
    Ok(done)
}
