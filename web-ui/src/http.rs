//! What the desk's and the widget's REST calls share: the error a call ends with (carrying the
//! contract's error code when the gateway sent its error body), sending a JSON body, reading
//! the answer, the attachment upload, and percent-encoding for paths and queries.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
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

/// `builder` with the `Authorization: Bearer` header for `token`.
pub fn bearer(builder: RequestBuilder, token: &str) -> RequestBuilder {
    builder.header("Authorization", &format!("Bearer {token}"))
}

/// Sends `builder` with `body` as JSON.
pub async fn send_json<B: Serialize>(
    builder: RequestBuilder,
    body: &B,
) -> Result<Response, ApiError> {
    builder
        .json(body)
        .map_err(ApiError::network)?
        .send()
        .await
        .map_err(ApiError::network)
}

/// The body of a 2xx `response` as `T`; else the error it stands for.
pub async fn answer<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if !response.ok() {
        return Err(error_of(response).await);
    }
    response.json::<T>().await.map_err(ApiError::network)
}

/// Sends `file` to `POST /v1/attachments` as the raw body with its type, its name in
/// `?file_name=`; `authorize` adds the caller's token (the desk's or the widget user's).
pub async fn upload(
    file: &web_sys::File,
    authorize: impl FnOnce(RequestBuilder) -> RequestBuilder,
) -> Result<Response, ApiError> {
    let path = format!("/v1/attachments?file_name={}", percent_encode(&file.name()));
    let content_type = match file.type_() {
        t if t.is_empty() => "application/octet-stream".to_owned(),
        t => t,
    };
    let blob: &web_sys::Blob = file.as_ref();
    authorize(Request::post(&path))
        .header("Content-Type", &content_type)
        .body(blob.clone())
        .map_err(ApiError::network)?
        .send()
        .await
        .map_err(ApiError::network)
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
