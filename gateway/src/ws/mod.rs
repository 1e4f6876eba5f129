//! The WebSocket endpoint `/v1/ws` (contract section 3).
//!
//! - `session`: one task per socket: the auth handshake, then one `select!` loop over the
//!   socket, the hub's outbox, close requests, the heartbeat and shutdown.
//! - `commands`: what each client frame does (thin calls into the domain).
//! - `limits`: frame parsing and the per-connection rate limit.
//! - `continuity`: per-conversation `seq` tracking of what a socket was sent.
//!
//! Sessions take [`crate::edge::AppState`] and never name `http`; the route to [`upgrade`] is
//! a row of [`crate::router`].

mod commands;
mod continuity;
mod limits;
mod session;

use crate::edge::{AppState, Caller};
use crate::hub::OUTBOX_BYTES;
use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response;
use switchboard_protocol::MAX_FRAME_BYTES;

/// tungstenite's defaults (128 KiB read buffer, 64 MiB messages, unbounded write buffer) cost
/// ~137 KB per idle socket and accept abuse; these keep an idle socket small and enforce the
/// contract's 64 KiB frame limit. The read buffer is allocated up front and lives as long as
/// the socket: 1 KiB holds any usual client frame (a larger one is read in several steps), and
/// measured 3 KB less per idle connection than 4 KiB (docs/benchmarks.md).
const READ_BUFFER_BYTES: usize = 1024;
const WRITE_BUFFER_BYTES: usize = 8 * 1024;

pub async fn upgrade(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ws: WebSocketUpgrade,
) -> Response {
    ws.read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(OUTBOX_BYTES + WRITE_BUFFER_BYTES)
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| session::run(socket, state, caller))
}
