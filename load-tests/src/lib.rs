//! A typed Switchboard client, WebSocket and HTTP, for black-box tests and (later) the load
//! generator.
//!
//! It speaks the wire contract (`shared/protocol.md`) through the types of
//! `switchboard-protocol`, so a test reads like the protocol: send a `ClientFrame`, wait for a
//! `ServerFrame`. It knows nothing of the gateway's internals; everything goes over real
//! sockets.
//!
//! Map:
//! - [`ws`]: [`WsClient`], one socket to `/v1/ws`: auth, requests matched to their answer by
//!   `req`, a buffer that keeps every event read on the way, and receives that all time out
//!   with a message saying what was awaited.
//! - [`frame`]: builders for every client frame, each with a fresh `req`.
//! - [`api`]: [`Api`], one typed method per row of the HTTP table, plus raw requests for
//!   negative tests.
//! - [`desk`]: the desk additions (contact fields, notes, tags, search, quick responses,
//!   attachments) as more [`Api`] methods.
//! - [`error`]: [`ClientError`] (socket) and [`ApiError`] (HTTP).

pub mod api;
pub mod bench;
pub mod desk;
pub mod error;
pub mod frame;
pub mod sio;
pub mod ws;

pub use api::{Api, RawResponse};
pub use error::{ApiError, ClientError};
pub use ws::{Closed, DEFAULT_TIMEOUT, Subscribed, WsClient};
