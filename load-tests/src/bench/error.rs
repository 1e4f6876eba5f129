//! The load generator's one error type: every failure says which step of which workload it
//! happened in, so a failed run is diagnosable from its last line.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum BenchError {
    /// A server process (redis-server, PostgreSQL, a gateway node) did not start or answer.
    #[error("starting {what}: {detail}")]
    Start { what: String, detail: String },
    /// An HTTP call of the setup failed.
    #[error("{step}: {source}")]
    Api {
        step: String,
        #[source]
        source: crate::ApiError,
    },
    /// A WebSocket connection failed or closed where it should not have.
    #[error("{step}: {detail}")]
    Socket { step: String, detail: String },
    /// A workload could not proceed (a refused frame, a timeout during setup, ...).
    #[error("{0}")]
    Workload(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl BenchError {
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BenchError {
        let what = what.into();
        move |source| BenchError::Io { what, source }
    }

    pub fn api(step: impl Into<String>) -> impl FnOnce(crate::ApiError) -> BenchError {
        let step = step.into();
        move |source| BenchError::Api { step, source }
    }

    pub fn socket(step: impl Into<String>, detail: impl std::fmt::Display) -> BenchError {
        BenchError::Socket {
            step: step.into(),
            detail: detail.to_string(),
        }
    }
}

pub type Result<T, E = BenchError> = std::result::Result<T, E>;
