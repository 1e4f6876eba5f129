//! What one simulated client does in a workload, as one task per connection: connect and join
//! its room, then either send on a fixed schedule (a sender), count and time what arrives (a
//! receiver), or sit idle. Every state keeps serving the socket (pongs to the server's pings),
//! and nothing is buffered per frame: a receiver folds each arrival into its tracker and
//! histogram as it comes.

use super::client::{Incoming, SioClient};
use super::error::SioError;
use crate::bench::measure::{Correctness, DeliveryTracker, LatencyRecorder, Probe, now_ns};
use serde_json::{Value, json};
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc, watch};

/// How long a sender waits for the acks of its last messages after sending them.
const ACK_TIMEOUT: Duration = Duration::from_secs(30);

/// Who a member is and where it connects.
pub struct Seat {
    pub id: String,
    pub room: String,
    pub server: SocketAddr,
    pub local_ip: Option<IpAddr>,
}

/// The signals every member task shares with the coordinator.
#[derive(Clone)]
pub struct Signals {
    /// Bounds how many connections are being set up at once.
    pub setup: Arc<Semaphore>,
    /// One message per member once it is connected and joined (or failed to be).
    pub ready: mpsc::UnboundedSender<Result<(), String>>,
    /// The run's start time ([`now_ns`]) once every member is ready.
    pub start: watch::Receiver<Option<u64>>,
    /// Set when the coordinator is done: every task closes its socket and reports.
    pub stop: watch::Receiver<bool>,
}

/// A sender's schedule: message `k` is due at `start + offset_ns + k * interval_ns`.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    pub stream: u64,
    pub count: u64,
    pub offset_ns: f64,
    pub interval_ns: f64,
}

impl Schedule {
    fn due(&self, start_ns: u64, k: u64) -> u64 {
        start_ns + (self.offset_ns + k as f64 * self.interval_ns) as u64
    }
}

/// What a member task reports when it ends.
pub enum Report {
    Idle,
    Sender {
        sent: u64,
        /// When the last message actually left ([`now_ns`]).
        last_send_ns: u64,
    },
    Receiver {
        correctness: Correctness,
        latency: LatencyRecorder,
        /// Every probe frame that arrived, duplicates included.
        frames: u64,
    },
}

/// Connects, joins the seat's room and tells the coordinator; the permit bounds concurrent
/// setups so 10,000 connections do not all handshake at once.
async fn set_up(seat: &Seat, signals: &Signals) -> Result<SioClient, SioError> {
    let setting_up = async {
        let _permit = signals
            .setup
            .acquire()
            .await
            .map_err(|_| SioError::Task("the setup semaphore was closed".into()))?;
        let mut client = SioClient::connect(seat.server, seat.local_ip, &seat.id).await?;
        client.call("join", &json!({ "room": seat.room })).await?;
        Ok(client)
    };
    let result = setting_up.await;
    let _ = signals
        .ready
        .send(result.as_ref().map(|_| ()).map_err(ToString::to_string));
    result
}

/// Serves the socket (pongs) until `until` completes; any event or ack meanwhile is an error.
async fn idle_until<F: Future>(client: &mut SioClient, until: F) -> Result<F::Output, SioError> {
    tokio::pin!(until);
    loop {
        tokio::select! {
            output = &mut until => return Ok(output),
            read = client.read() => {
                if let Some(incoming) = client.handle(read).await? {
                    return Err(SioError::Unexpected {
                        label: client.label().to_owned(),
                        message: format!("received {incoming:?} while idle"),
                    });
                }
            }
        }
    }
}

/// The start time, or `None` when the run is stopped (or dropped) before it starts.
async fn wait_start(
    mut start: watch::Receiver<Option<u64>>,
    stop: watch::Receiver<bool>,
) -> Option<u64> {
    let started = async { start.wait_for(Option::is_some).await.ok().and_then(|s| *s) };
    tokio::select! {
        start_ns = started => start_ns,
        () = wait_stop(stop) => None,
    }
}

async fn wait_stop(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Ends a member: serve the socket until told to stop, then leave politely. A failing close
/// is not the workload's concern (the server may already be gone).
async fn linger_and_close(
    mut client: SioClient,
    stop: watch::Receiver<bool>,
) -> Result<(), SioError> {
    idle_until(&mut client, wait_stop(stop)).await?;
    let _ = client.close().await;
    Ok(())
}

/// A connection that only connects, joins and waits (the idle workload).
pub async fn idle(seat: Seat, signals: Signals) -> Result<Report, SioError> {
    let client = set_up(&seat, &signals).await?;
    linger_and_close(client, signals.stop).await?;
    Ok(Report::Idle)
}

/// Sends `schedule.count` probes into its room at their due times (open loop: a late sender
/// sends at once and keeps the schedule, it never shifts it), collects the acks, then reports
/// on `done` and waits for the stop.
pub async fn sender(
    seat: Seat,
    signals: Signals,
    schedule: Schedule,
    done: mpsc::UnboundedSender<bool>,
) -> Result<Report, SioError> {
    let result = send_schedule(&seat, &signals, schedule).await;
    let _ = done.send(result.is_ok());
    let (client, last_send_ns) = result?;
    linger_and_close(client, signals.stop).await?;
    Ok(Report::Sender {
        sent: schedule.count,
        last_send_ns,
    })
}

async fn send_schedule(
    seat: &Seat,
    signals: &Signals,
    schedule: Schedule,
) -> Result<(SioClient, u64), SioError> {
    let mut client = set_up(seat, signals).await?;
    let start_ns = idle_until(
        &mut client,
        wait_start(signals.start.clone(), signals.stop.clone()),
    )
    .await?
    .ok_or_else(|| SioError::Task("the run was called off before it started".into()))?;
    let mut acked = 0u64;
    let mut last_send_ns = start_ns;
    for k in 0..schedule.count {
        let due = schedule.due(start_ns, k);
        loop {
            let now = now_ns();
            if now >= due {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_nanos(due - now)) => break,
                read = client.read() => {
                    if let Some(incoming) = client.handle(read).await? {
                        acked += note_ack(&client, incoming)?;
                    }
                }
            }
        }
        let probe = Probe {
            id: (schedule.stream << 32) | k,
            stream: schedule.stream,
            pos: k,
            scheduled_ns: due,
        };
        client
            .emit_with_ack("msg", &json!({ "room": seat.room, "text": probe.encode() }))
            .await?;
        last_send_ns = now_ns();
    }
    let collecting = async {
        while acked < schedule.count {
            let incoming = client.recv().await?;
            acked += note_ack(&client, incoming)?;
        }
        Ok::<_, SioError>(())
    };
    tokio::time::timeout(ACK_TIMEOUT, collecting)
        .await
        .map_err(|_| SioError::Timeout {
            label: seat.id.clone(),
            what: format!("waiting for the acks of {} messages", schedule.count),
            timeout: ACK_TIMEOUT,
        })??;
    Ok((client, last_send_ns))
}

/// A sender only ever receives the acks of its `msg`s (Socket.IO's `to(room)` skips the
/// sender): 1 per good ack, an error for a refusal or anything else.
fn note_ack(client: &SioClient, incoming: Incoming) -> Result<u64, SioError> {
    match incoming {
        Incoming::Ack { args, .. } => client.check_ok("msg", &args).map(|()| 1),
        other => Err(SioError::Unexpected {
            label: client.label().to_owned(),
            message: format!("a sender received {other:?}"),
        }),
    }
}

/// Receives until stopped, tracking each probe's delivery (lost, duplicated, out of order)
/// and its latency from its scheduled send time; `delivered` counts distinct arrivals across
/// all receivers so the coordinator knows when everything is in.
pub async fn receiver(
    seat: Seat,
    signals: Signals,
    expected: u64,
    delivered: Arc<AtomicU64>,
) -> Result<Report, SioError> {
    let mut client = set_up(&seat, &signals).await?;
    let mut tracker = DeliveryTracker::new();
    let mut latency = LatencyRecorder::new();
    let mut frames = 0u64;
    let stopped = wait_stop(signals.stop.clone());
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            () = &mut stopped => break,
            read = client.read() => {
                let Some(incoming) = client.handle(read).await? else { continue };
                let arrived_ns = now_ns();
                let probe = probe_of(&client, &incoming)?;
                frames += 1;
                if tracker.observe(&probe) {
                    latency.record_probe(&probe, arrived_ns);
                    delivered.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
    let _ = client.close().await;
    Ok(Report::Receiver {
        correctness: tracker.finish(expected),
        latency,
        frames,
    })
}

/// The probe inside a `msg` event `{room, from, text}`.
fn probe_of(client: &SioClient, incoming: &Incoming) -> Result<Probe, SioError> {
    let probe = match incoming {
        Incoming::Event { name, args, .. } if name == "msg" => args
            .first()
            .and_then(|data| data.get("text"))
            .and_then(Value::as_str)
            .and_then(Probe::decode),
        _ => None,
    };
    probe.ok_or_else(|| SioError::Unexpected {
        label: client.label().to_owned(),
        message: format!("a receiver expected a `msg` carrying a probe, got {incoming:?}"),
    })
}
