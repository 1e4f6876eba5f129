//! The Switchboard wire contract, v1, as Rust types.
//!
//! `shared/protocol.md` is the source of truth; these types are its executable form and are
//! shared by every Rust party (gateway, desk, widget, load generator, example bots). The crate
//! has no runtime dependencies so that it also builds for `wasm32-unknown-unknown`.
//!
//! Map:
//! - [`ids`]: newtype ids, so a conversation id cannot be passed where an agent id belongs.
//! - [`model`]: the objects of the contract (`agent`, `group`, `settings`, `conversation`,
//!   `message`) and their enums.
//! - [`frames`]: WebSocket frames, one enum per direction ([`ClientFrame`], [`ServerFrame`]).
//! - [`api`]: request and response bodies of the HTTP API.
//! - [`desk`]: bodies of the desk additions (contact fields, notes, tags, quick responses).
//! - [`error`]: the error codes of section 5 and the WebSocket close codes.
//! - `schema` (with the `schema` feature): JSON Schemas of the frames, published in
//!   `docs/schema/`. The feature pulls in `schemars`; without it the crate stays dependency-free.

pub mod api;
pub mod desk;
pub mod error;
pub mod frames;
pub mod ids;
pub mod model;
mod nullable;
#[cfg(feature = "schema")]
pub mod schema;

pub use error::{ErrorBody, ErrorCode, ErrorDetail, close_code};
pub use frames::*;
pub use ids::*;
pub use model::*;
pub use nullable::Patch;

/// The largest text frame a client may send, in bytes (contract section 5).
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// The longest message `text`, in characters (Unicode scalar values).
pub const MAX_TEXT_CHARS: usize = 16_000;
/// Sustained client frames per second on one connection.
pub const RATE_PER_SECOND: u32 = 20;
/// Burst of client frames allowed above the sustained rate.
pub const RATE_BURST: u32 = 40;
/// Seconds a client has after the upgrade to send its `auth` frame.
pub const AUTH_TIMEOUT_SECS: u64 = 10;
