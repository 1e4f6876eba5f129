//! What HTTP handlers and WebSocket sessions share, below both: the state every request is
//! handed ([`AppState`]), the caller's origin ([`Caller`]) and the built desk's files
//! ([`WebDesk`]).
//!
//! Why a module of its own: `http` and `ws` are siblings that must not name each other, and
//! neither may name the assembly above them (`app`, `router`), or no file of the three could be
//! read or changed alone. What both need therefore stands here, one layer down; it depends on
//! the domain and nothing above it.

mod caller;
pub mod web_desk;

pub use caller::Caller;
pub use web_desk::WebDesk;

use crate::domain::Desk;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// What every handler and session shares.
#[derive(Clone)]
pub struct AppState {
    pub desk: Arc<Desk>,
    /// Cancelled when the node shuts down: sessions close with 1001 so clients reconnect
    /// elsewhere.
    pub shutdown: CancellationToken,
    /// The agent desk's static files; `None`: the gateway serves the API only.
    pub web: Option<WebDesk>,
}
