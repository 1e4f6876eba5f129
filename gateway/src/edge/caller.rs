//! The caller's `Origin` and the `Host` it addressed, as an extractor: the widget's HTTP calls
//! and user sockets both check it against the tenant's allowed origins.

use crate::domain::widget::CallerOrigin;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};

/// The caller's `Origin` and the `Host` it addressed.
fn caller_origin(headers: &HeaderMap) -> CallerOrigin {
    let text = |name| {
        headers
            .get(name)
            .and_then(|value: &HeaderValue| value.to_str().ok())
            .map(str::to_owned)
    };
    CallerOrigin {
        origin: text(header::ORIGIN),
        host: text(header::HOST),
    }
}

/// The caller's origin as an extractor.
pub struct Caller(pub CallerOrigin);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Caller(caller_origin(&parts.headers)))
    }
}
