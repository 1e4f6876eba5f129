//! Handover: conversations held by the entry bot (its sockets on the first node) are handed
//! over at a fixed open-loop rate; agent sockets on the second node accept each as soon as its
//! `conversation.updated` with status `queued` arrives. Measured: from the handover's
//! scheduled time to the accept's `ack`. Switchboard only (Socket.IO has no such notion).

use super::client::{self, Ws};
use super::cluster::Cluster;
use super::engine::open_conversations;
use super::error::{BenchError, Result};
use super::idle::connect_many;
use super::measure::{LatencyRecorder, now_ns};
use super::report::HandoverResult;
use super::setup::Tenant;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

#[derive(Clone, Debug)]
pub struct HandoverOptions {
    /// Handovers per second.
    pub rate: u64,
    pub duration: Duration,
    /// Frames per second one bot or agent socket sends (below the 20/s limit).
    pub per_socket_rate: f64,
    pub drain: Duration,
}

/// What the agents share: which conversation is whose and when its handover was due.
struct Board {
    index: HashMap<String, usize>,
    scheduled_ns: Vec<AtomicU64>,
    finished: AtomicU64,
}

pub async fn run(
    cluster: &Cluster,
    tenant: &Tenant,
    options: &HandoverOptions,
) -> Result<HandoverResult> {
    let conversations = ((options.rate as f64 * options.duration.as_secs_f64()) as usize).max(1);
    let sockets = ((options.rate as f64 / options.per_socket_rate).ceil() as usize).max(1);
    let bot_node = &cluster.nodes[0];
    let agent_node = &cluster.nodes[1 % cluster.nodes.len()];

    let (bot_id, bot_token) = tenant.create_bot("bench bot").await?;
    tenant
        .patch_settings(json!({"entry_bot_id": bot_id, "bot_timeout_secs": 0}))
        .await?;
    let bot_targets = vec![(bot_node.ws_url(), bot_token); sockets];
    let bots = connect_many(&bot_targets).await?;

    // Users open their conversations: each goes to the (connected) entry bot.
    let tokens = tenant.user_tokens(cluster, conversations).await?;
    let user_targets: Vec<(String, String)> =
        tokens.into_iter().map(|t| (bot_node.ws_url(), t)).collect();
    let mut users = connect_many(&user_targets).await?;
    let ids = open_conversations(&mut users).await?;
    let board = Arc::new(Board {
        index: ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i))
            .collect(),
        scheduled_ns: (0..ids.len()).map(|_| AtomicU64::new(0)).collect(),
        finished: AtomicU64::new(0),
    });

    let agent_targets = vec![(agent_node.ws_url(), tenant.owner_token.clone()); sockets];
    let mut agents = connect_many(&agent_targets).await?;
    // Agents take conversations only while online.
    if let Some(first) = agents.first_mut() {
        let frame = json!({"type": "presence.set", "req": "online", "status": "online"});
        client::send_json_ws(first, &frame).await?;
        let answer = client::await_answer(first, "online", drop).await?;
        if answer.kind != "ack" {
            return Err(BenchError::Workload(format!(
                "presence.set was refused: {:?}",
                answer.code
            )));
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let (stop_tx, stop_rx) = watch::channel(false);
    let agent_tasks: Vec<_> = agents
        .into_iter()
        .enumerate()
        .map(|(k, ws)| tokio::spawn(accept_loop(ws, k, sockets, board.clone(), stop_rx.clone())))
        .collect();
    let start = tokio::time::Instant::now() + Duration::from_millis(200);
    let start_ns = now_ns() + 200_000_000;
    let bot_tasks: Vec<_> = bots
        .into_iter()
        .enumerate()
        .map(|(b, ws)| {
            let mine: Vec<(usize, String)> = ids
                .iter()
                .enumerate()
                .filter(|(i, _)| i % sockets == b)
                .map(|(i, id)| (i, id.clone()))
                .collect();
            let timing = (start, start_ns, options.rate as f64);
            tokio::spawn(hand_over(ws, mine, timing, board.clone(), stop_rx.clone()))
        })
        .collect();

    let mut failures = 0;
    for task in bot_tasks {
        failures += task
            .await
            .map_err(|err| BenchError::Workload(format!("a bot task failed: {err}")))??;
    }
    let until = tokio::time::Instant::now() + options.drain;
    while (board.finished.load(Ordering::Relaxed) as usize) < conversations
        && tokio::time::Instant::now() < until
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let _ = stop_tx.send(true);
    let mut latency = LatencyRecorder::new();
    let mut accepted = 0;
    for task in agent_tasks {
        let (recorder, ok, refused) = task
            .await
            .map_err(|err| BenchError::Workload(format!("an agent task failed: {err}")))?;
        latency.merge(&recorder);
        accepted += ok;
        failures += refused;
    }
    failures += (conversations as u64).saturating_sub(accepted + failures);
    for mut user in users {
        let _ = user.close(None).await;
    }
    Ok(HandoverResult {
        handovers: accepted,
        per_sec: accepted as f64 / elapsed.max(1e-3),
        handover_to_ack: latency.stats(),
        failures,
    })
}

/// One bot socket hands over its share at the scheduled times; answers how many handovers
/// were refused.
async fn hand_over(
    ws: Ws,
    mine: Vec<(usize, String)>,
    (start, start_ns, rate): (tokio::time::Instant, u64, f64),
    board: Arc<Board>,
    mut stop: watch::Receiver<bool>,
) -> Result<u64> {
    let (mut sink, mut stream) = ws.split();
    let mut refused = 0;
    let mut answered = 0;
    let mut next = 0;
    while answered < mine.len() {
        let due = mine
            .get(next)
            .map(|(i, _)| start + Duration::from_secs_f64(*i as f64 / rate));
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            frame = stream.next() => match frame {
                Some(Ok(frame)) => if let Some(incoming) = client::decode(&frame)
                    && incoming.req.as_deref().is_some_and(|r| r.starts_with('h'))
                {
                    answered += 1;
                    if incoming.kind != "ack" {
                        refused += 1;
                    }
                },
                _ => return Err(BenchError::socket("handing over", "the bot socket closed")),
            },
            _ = sleep_until_or_never(due) => {
                let (i, id) = &mine[next];
                let scheduled = start_ns + (*i as f64 / rate * 1e9) as u64;
                board.scheduled_ns[*i].store(scheduled, Ordering::Relaxed);
                let frame = json!({"type": "conversation.handover", "req": format!("h{i}"),
                    "conversation_id": id});
                sink.send(Message::text(frame.to_string()))
                    .await
                    .map_err(|err| BenchError::socket("handing over", err))?;
                next += 1;
            }
        }
    }
    if let Ok(mut ws) = sink.reunite(stream) {
        let _ = ws.close(None).await;
    }
    Ok(refused)
}

async fn sleep_until_or_never(due: Option<tokio::time::Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}

/// Agent socket `k` of `of` accepts the queued conversations whose index is `k` modulo `of`
/// (so two agents never race for one); answers its latencies, accepts and refusals.
async fn accept_loop(
    ws: Ws,
    k: usize,
    of: usize,
    board: Arc<Board>,
    mut stop: watch::Receiver<bool>,
) -> (LatencyRecorder, u64, u64) {
    let (mut sink, mut stream) = ws.split();
    let mut recorder = LatencyRecorder::new();
    let mut asked = HashSet::new();
    let (mut accepted, mut refused) = (0, 0);
    loop {
        let frame = tokio::select! {
            biased;
            _ = stop.changed() => break,
            frame = stream.next() => frame,
        };
        let Some(Ok(frame)) = frame else { break };
        let arrived = now_ns();
        let Some(incoming) = client::decode(&frame) else {
            continue;
        };
        match incoming.kind.as_str() {
            "conversation.updated" => {
                let Some(conversation) = &incoming.conversation else {
                    continue;
                };
                let Some(&i) = board.index.get(&conversation.id) else {
                    continue;
                };
                if conversation.status != "queued" || i % of != k || !asked.insert(i) {
                    continue;
                }
                let frame = json!({"type": "conversation.accept", "req": format!("a{i}"),
                    "conversation_id": conversation.id});
                if sink.send(Message::text(frame.to_string())).await.is_err() {
                    break;
                }
            }
            "ack" | "error" => {
                let Some(i) = incoming
                    .req
                    .as_deref()
                    .and_then(|r| r.strip_prefix('a'))
                    .and_then(|r| r.parse::<usize>().ok())
                else {
                    continue;
                };
                if incoming.kind == "ack" {
                    let scheduled = board.scheduled_ns[i].load(Ordering::Relaxed);
                    recorder.record(Duration::from_nanos(arrived.saturating_sub(scheduled)));
                    accepted += 1;
                } else {
                    refused += 1;
                }
                board.finished.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
    if let Ok(mut ws) = sink.reunite(stream) {
        let _ = ws.close(None).await;
    }
    (recorder, accepted, refused)
}
