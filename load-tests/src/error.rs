//! The two error types of the client: [`ClientError`] for the socket, [`ApiError`] for HTTP.

use std::fmt;
use std::time::Duration;
use switchboard_protocol::{ErrorCode, ErrorFrame, ServerFrame};

/// Everything that can go wrong on a [`crate::WsClient`].
///
/// A refusal by the gateway ([`ClientError::Refused`]) is kept apart from transport trouble so
/// that tests can assert on the error code (`err.code() == Some(ErrorCode::Conflict)`) while a
/// timeout or a dropped socket still reads as what it is.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The gateway answered the request with an `error` frame.
    #[error("{label}: the gateway refused {what}: {} ({})", .error.code.as_str(), .error.message)]
    Refused {
        label: String,
        what: String,
        error: ErrorFrame,
    },
    /// Nothing matching arrived in time. `what` names what was awaited.
    #[error("{label}: timed out after {timeout:?} waiting for {what}")]
    Timeout {
        label: String,
        what: String,
        timeout: Duration,
    },
    /// The connection ended (close frame, reset or end of stream) while something was awaited.
    #[error("{label}: connection closed (close code {code:?}{}) while waiting for {what}",
        if .detail.is_empty() { String::new() } else { format!(", {}", .detail) })]
    Closed {
        label: String,
        what: String,
        code: Option<u16>,
        detail: String,
    },
    /// The gateway sent a frame that is not a valid [`ServerFrame`]: a contract violation.
    #[error(
        "{label}: the gateway sent a frame that is not a valid server frame ({reason}): {text}"
    )]
    BadFrame {
        label: String,
        reason: String,
        text: String,
    },
    /// An answer arrived but lacked a field the contract promises for it.
    #[error("{label}: the answer to {what} lacks `{field}`: {frame:?}")]
    MissingField {
        label: String,
        what: String,
        field: &'static str,
        frame: Box<ServerFrame>,
    },
    /// A request was answered with an `ack` where the caller expected an `error`, or the
    /// other way round, or a frame arrived that an assertion said must not.
    #[error("{label}: {message}")]
    Unexpected { label: String, message: String },
    /// `request` was given a frame that carries no `req`, so no answer could be matched.
    #[error("{label}: a `{frame_type}` frame carries no `req`; use `send` for it")]
    NoReq {
        label: String,
        frame_type: &'static str,
    },
    /// The WebSocket handshake or a send failed.
    #[error("{label}: websocket: {source}")]
    Ws {
        label: String,
        #[source]
        source: Box<tokio_tungstenite::tungstenite::Error>,
    },
    /// A frame could not be encoded (should not happen with the typed frames).
    #[error("{label}: could not encode a frame: {source}")]
    Encode {
        label: String,
        #[source]
        source: serde_json::Error,
    },
}

impl ClientError {
    /// The `error` frame the gateway answered with, if this is a refusal.
    pub fn refusal(&self) -> Option<&ErrorFrame> {
        match self {
            ClientError::Refused { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The error code of a refusal; `None` for transport errors and timeouts.
    pub fn code(&self) -> Option<ErrorCode> {
        self.refusal().map(|error| error.code)
    }
}

/// What an HTTP call of [`crate::Api`] fails with.
///
/// `status` is the HTTP status; `0` means no HTTP answer arrived at all (connection refused,
/// reset, timeout), and `body` then describes the transport error. `code` is read from the
/// contract's error body `{"error": {"code": ...}}` when there is one. A 2xx answer whose body
/// does not decode into the expected type keeps its status, has no code, and its `body` says
/// why decoding failed, followed by the body itself.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ApiError {
    pub status: u16,
    pub code: Option<ErrorCode>,
    pub body: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.status, self.code) {
            (0, _) => write!(f, "no HTTP answer: {}", self.body),
            (status, Some(code)) => write!(f, "HTTP {status} {}: {}", code.as_str(), self.body),
            (status, None) => write!(f, "HTTP {status}: {}", self.body),
        }
    }
}
