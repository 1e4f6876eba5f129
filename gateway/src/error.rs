//! The gateway's one error type, mapped once to the contract's wire codes for HTTP and
//! WebSocket alike. Internal failures are logged once where they are mapped and reach clients
//! as `unavailable` with no internals.

use switchboard_protocol::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Invalid(String),
    #[error("authentication required or token refused")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("only the agent holding this conversation may reply")]
    NotAssignee,
    #[error("human chat is turned off for this tenant")]
    HumanChatDisabled,
    #[error("{0}")]
    TooLarge(String),
    #[error("too many frames: slow down")]
    RateLimited,
    #[error("{0}")]
    Unavailable(String),
    /// The store failed (connection lost, disk full, ...). Never shown to clients.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A bug or an unexpected state. Never shown to clients.
    #[error("internal: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Invalid(message.into())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::Forbidden(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Error::Conflict(message.into())
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal(message.into())
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Invalid(_) => ErrorCode::Invalid,
            Error::Unauthorized => ErrorCode::Unauthorized,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::NotAssignee => ErrorCode::NotAssignee,
            Error::HumanChatDisabled => ErrorCode::HumanChatDisabled,
            Error::TooLarge(_) => ErrorCode::TooLarge,
            Error::RateLimited => ErrorCode::RateLimited,
            Error::Unavailable(_) | Error::Database(_) | Error::Internal(_) => {
                ErrorCode::Unavailable
            }
        }
    }

    /// The message a client sees. Internal errors are logged here, once, and hidden.
    pub fn public_message(&self) -> String {
        match self {
            Error::Database(err) => {
                tracing::error!(error = %err, "store error");
                "the service is temporarily unavailable".to_owned()
            }
            Error::Internal(err) => {
                tracing::error!(error = %err, "internal error");
                "the service is temporarily unavailable".to_owned()
            }
            other => other.to_string(),
        }
    }
}
