//! The Switchboard gateway.
//!
//! Map:
//! - [`config`], [`app`]: configuration, assembly, serving.
//! - [`http`]: the REST API; [`ws`]: WebSocket sessions. Both are thin.
//! - [`domain`]: every rule (state machine, directory, presence, who receives what).
//! - [`store`]: the system of record behind one trait (SQLite, PostgreSQL).
//! - [`bus`], [`hub`], [`topics`]: event fan-out between nodes (memory, Redis) and to local
//!   sockets; [`connections`]: who is connected, cluster-wide.
//! - [`auth`], [`principal`]: tokens, passwords, who is calling.
//! - [`error`]: the one error type, mapped once to wire codes.

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
