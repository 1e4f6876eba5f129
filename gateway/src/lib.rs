//! The Switchboard gateway.
//!
//! Layers, top to bottom. A module names only modules on its own line or below it, never one
//! above, and there are no circles (`scripts/import-cycles gateway/src` checks the files):
//!
//! 1. `main.rs`, the binary: the command line; it reports startup failures. Below it every
//!    error is typed (`thiserror`), so the untyped error crate stays in `main.rs`.
//! 2. [`app`]: builds a [`domain::Desk`] from its [`config`] (store, bus and hub, connection
//!    registry, token keys) and serves the [`router`].
//! 3. [`router`]: the URL table. It names the handlers of [`http`] and [`ws`], so that those
//!    two never name each other.
//! 4. [`http`]: the REST API; [`ws`]: WebSocket sessions. Both are thin: they parse, call the
//!    [`domain::Desk`], and answer.
//! 5. [`edge`]: what [`http`] and [`ws`] share: [`edge::AppState`], the
//!    [`edge::Caller`] extractor, the built desk's files ([`edge::WebDesk`]).
//! 6. [`domain`]: every rule (state machine, directory, routing, presence, who receives what).
//!    Inside it, `commit` (after a change: publish, route) stands on `routing`, which stands on
//!    `conversations`, `events`, `transitions` and `timers` (stored timers; `app` starts its
//!    timer loop and queue sweep on every node); `directory` and `widget` stand on `validate`.
//! 7. [`store`]: the system of record behind one trait (SQLite, PostgreSQL). [`hub`]: local
//!    sockets, fed by the [`bus`] (event fan-out between nodes: memory, Redis), which carries
//!    [`topics`]. [`connections`]: who is connected, cluster-wide. [`auth`]: tokens and
//!    passwords; [`principal`]: who is calling.
//! 8. Leaves, usable from anywhere: [`error`] (the one error type, mapped once to wire codes),
//!    [`clock`], [`metrics`].

pub mod app;
pub mod auth;
pub mod bus;
pub mod clock;
pub mod config;
pub mod connections;
pub mod domain;
pub mod edge;
pub mod error;
pub mod http;
pub mod hub;
pub mod metrics;
pub mod principal;
pub mod router;
pub mod store;
pub mod topics;
pub mod ws;

pub use config::Config;
pub use error::{Error, Result};
