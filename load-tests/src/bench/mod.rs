//! The load generator's building blocks, shared by the workloads against Switchboard and
//! against the Socket.IO peer.
//!
//! Map:
//! - [`measure`], [`procstat`], [`report`]: what every workload measures and reports, for
//!   both systems.
//! - [`services`], [`cluster`]: redis-server, PostgreSQL and gateway nodes for one run.
//! - [`client`]: the lean socket opened by the thousand; [`setup`]: tenants and tokens over
//!   HTTP.
//! - [`engine`]: open-loop probe senders and subscribed receivers; [`idle`], [`latency`],
//!   [`fanout`], [`handover`]: the workloads against Switchboard.
//! - [`run`]: one pass of the workloads against Switchboard; [`summary`]: every pass, the
//!   ratios ours / theirs and the Markdown tables; [`plot`]: the SVG plots.
//! - [`error`]: the one error type, `BenchError`.

pub mod client;
pub mod cluster;
pub mod engine;
pub mod error;
pub mod fanout;
pub mod handover;
pub mod idle;
pub mod latency;
pub mod measure;
pub mod peer;
pub mod plot;
pub mod procstat;
pub mod report;
pub mod run;
pub mod services;
pub mod setup;
pub mod summary;
