//! What the desk's and the widget's REST calls share: the error a call ends with (carrying the
//! contract's error code when the gateway sent its error body) and percent-encoding for paths
//! and queries.

use gloo_net::http::Response;
use std::fmt;
use switchboard_protocol::{ErrorBody, ErrorCode};

#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// 0 when the request never got an answer.
    pub status: u16,
    pub code: Option<ErrorCode>,
    pub message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    pub(crate) fn network(err: impl fmt::Display) -> Self {
        ApiError {
            status: 0,
            code: None,
            message: format!("The gateway cannot be reached ({err})."),
        }
    }

    pub fn is_unauthorized(&self) -> bool {
        self.status == 401 || self.code == Some(ErrorCode::Unauthorized)
    }
}

/// The error a non-2xx `response` stands for: the gateway's error body when it sent one.
pub async fn error_of(response: Response) -> ApiError {
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => ApiError {
            status,
            code: Some(body.error.code),
            message: body.error.message,
        },
        Err(_) => ApiError {
            status,
            code: None,
            message: format!("The gateway answered {status} {}.", response.status_text()),
        },
    }
}

/// Percent-encodes a query component or path segment (everything but `A-Z a-z 0-9 - _ . ~`).
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::percent_encode;

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("ré sumé.pdf"), "r%C3%A9%20sum%C3%A9.pdf");
        assert_eq!(percent_encode("a-b_c.d~e/f?g"), "a-b_c.d~e%2Ff%3Fg");
    }
}
