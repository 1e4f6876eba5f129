//! [`SioError`]: everything that can go wrong driving the Socket.IO peer, each variant saying
//! which connection or node and what was being done, so a failed run explains itself.

use super::packet::PacketError;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SioError {
    /// The peer is not installed (`load-tests/peers/install` was not run).
    #[error(
        "the Socket.IO peer is not installed: {missing} is missing (run load-tests/peers/install)"
    )]
    NotInstalled { missing: String },
    /// A `node server.js` process could not be started or ended before it was ready.
    #[error("Socket.IO node {node}: {detail}")]
    Node { node: usize, detail: String },
    /// A socket-level failure (connect, bind, read, write).
    #[error("{label}: {what}: {source}")]
    Io {
        label: String,
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// The WebSocket layer failed (handshake, read, write).
    #[error("{label}: WebSocket error while {what}: {source}")]
    Ws {
        label: String,
        what: String,
        #[source]
        source: Box<tokio_tungstenite::tungstenite::Error>,
    },
    /// The server sent something that is not valid engine.io / socket.io.
    #[error("{label}: bad packet: {source}")]
    Packet {
        label: String,
        #[source]
        source: PacketError,
    },
    /// The server refused the socket.io connect (`44{"message":...}`).
    #[error("{label}: the server refused the connect: {message}")]
    Refused { label: String, message: String },
    /// The server answered an event with `{ok: false, ...}`, or sent an event or ack that does
    /// not fit what was going on.
    #[error("{label}: {message}")]
    Unexpected { label: String, message: String },
    /// The connection ended while something was awaited.
    #[error("{label}: connection closed while {what}")]
    Closed { label: String, what: String },
    /// Nothing arrived in time.
    #[error("{label}: timed out after {timeout:?} while {what}")]
    Timeout {
        label: String,
        what: String,
        timeout: Duration,
    },
    /// A workload's parameters cannot be run (no nodes, zero members, ...).
    #[error("invalid workload parameters: {0}")]
    Params(String),
    /// Reading a server process's `/proc` entry failed.
    #[error("sampling Socket.IO node pid {pid}: {source}")]
    ProcStat {
        pid: u32,
        #[source]
        source: std::io::Error,
    },
    /// A client task panicked or was cancelled.
    #[error("a client task failed: {0}")]
    Task(String),
}
