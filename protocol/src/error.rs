//! Error codes (contract section 5) and WebSocket close codes.

use serde::{Deserialize, Serialize};

/// The error codes a client can receive, over HTTP and WebSocket alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    Invalid,
    NotAssignee,
    HumanChatDisabled,
    TooLarge,
    RateLimited,
    Unavailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Invalid => "invalid",
            ErrorCode::NotAssignee => "not_assignee",
            ErrorCode::HumanChatDisabled => "human_chat_disabled",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unavailable => "unavailable",
        }
    }

    /// The HTTP status that carries this code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden | ErrorCode::NotAssignee | ErrorCode::HumanChatDisabled => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::Invalid => 400,
            ErrorCode::TooLarge => 413,
            ErrorCode::RateLimited => 429,
            ErrorCode::Unavailable => 503,
        }
    }
}

/// The body of every HTTP error: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
}

/// WebSocket close codes the gateway uses.
pub mod close_code {
    /// The node is shutting down; reconnect (to another node).
    pub const GOING_AWAY: u16 = 1001;
    /// A frame was larger than [`crate::MAX_FRAME_BYTES`].
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// No valid `auth` frame in time, a bad token, or the principal was removed.
    pub const UNAUTHORIZED: u16 = 4001;
    /// The connection's unsent backlog passed its bound; reconnect and recover with `after_seq`.
    pub const BACKLOG_FULL: u16 = 4008;
    /// An addition: a widget user's socket from a web origin the tenant does not allow.
    pub const FORBIDDEN_ORIGIN: u16 = 4003;
    /// The client kept sending over the rate limit.
    pub const RATE_LIMITED: u16 = 4029;
}
