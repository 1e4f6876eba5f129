//! The Socket.IO peer side of the load tests: the same workloads as against Switchboard, run
//! against Socket.IO 4 with `@socket.io/redis-adapter` (`load-tests/peers/socketio`), speaking
//! Socket.IO's own protocol (socket.io v5 over engine.io v4, WebSocket transport) from Rust,
//! and returning the same result types (`bench::report`) so a report can put the two side by
//! side.
//!
//! Use:
//!
//! ```no_run
//! # async fn run(redis_url: &str) -> Result<(), switchboard_load_tests::sio::SioError> {
//! use std::time::Duration;
//! use switchboard_load_tests::sio::{self, LatencyParams, SioCluster};
//! // `load-tests/peers/install` has been run; Redis is running at `redis_url`.
//! let cluster = SioCluster::start(redis_url, 2).await?;
//! let params = LatencyParams {
//!     rate_per_sec: 1_000,
//!     duration: Duration::from_secs(10),
//!     conversations: 100,
//!     local_ips: vec![],
//! };
//! let result = sio::latency(&cluster, &params).await?;
//! assert!(result.correctness.is_clean());
//! # Ok(()) }
//! ```
//!
//! - [`SioCluster::start`]`(redis_url, nodes)`: `node server.js` processes on free ports,
//!   killed on drop; [`SioCluster::pids`], [`SioCluster::urls`], [`SioCluster::sample`].
//! - [`idle`]`(&cluster, &IdleParams)` → `IdleResult`: RSS per idle connection, idle CPU.
//! - [`latency`]`(&cluster, &LatencyParams)` → `LatencyResult`: rooms of two, sender on node
//!   0, receiver on node 1, open-loop schedule, latency from the scheduled send time.
//! - [`fanout`]`(&cluster, &FanoutParams)` → `FanoutResult`: rooms of N spread over the
//!   nodes, delivered frames/s and server CPU µs per delivered frame.
//!
//! The server acks a message once it has handed it to the adapter; nothing is stored. Our
//! gateway stores every message durably before acking: a report must say so next to the
//! numbers.
//!
//! Map: [`packet`] (engine.io / socket.io text encodings), [`client`] ([`SioClient`], one
//! connection), [`cluster`] ([`SioCluster`]), [`member`] (one task per simulated client),
//! [`workload`] (the coordinators), [`error`] ([`SioError`]).

pub mod client;
pub mod cluster;
pub mod error;
pub mod member;
pub mod packet;
pub mod workload;

pub use client::{Incoming, SioClient};
pub use cluster::SioCluster;
pub use error::SioError;
pub use workload::{FanoutParams, IdleParams, LatencyParams, fanout, idle, latency};
