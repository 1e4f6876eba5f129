//! Request plumbing: the error response, JSON bodies with contract errors, and the
//! authenticated principal.

use crate::auth::Audience;
use crate::edge::AppState;
use crate::error::Error;
use crate::principal::{AgentPrincipal, Principal};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use switchboard_protocol::{ErrorBody, ErrorDetail};

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let code = self.code();
        let status =
            StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message: self.public_message(),
            },
        };
        (status, axum::Json(body)).into_response()
    }
}

/// A JSON body whose rejections (bad JSON, missing or mistyped fields) answer `invalid`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::BytesRejection(_)) => {
                Err(Error::TooLarge("the request body is too large".into()))
            }
            Err(rejection) => Err(Error::invalid(rejection.body_text())),
        }
    }
}

fn bearer(parts: &Parts) -> Result<&str, Error> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or(Error::Unauthorized)
}

/// An agent (any role), from an agent token.
pub struct AgentAuth(pub AgentPrincipal);

impl FromRequestParts<AppState> for AgentAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        match state
            .desk
            .authenticate(bearer(parts)?, &[Audience::Agent])
            .await?
        {
            Principal::Agent(agent) => Ok(AgentAuth(agent)),
            _ => Err(Error::Unauthorized),
        }
    }
}

/// Any principal: agent, user or bot.
pub struct AnyAuth(pub Principal);

impl FromRequestParts<AppState> for AnyAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let principal = state
            .desk
            .authenticate(
                bearer(parts)?,
                &[Audience::Agent, Audience::User, Audience::Bot],
            )
            .await?;
        Ok(AnyAuth(principal))
    }
}

/// Where clients reach this gateway, for links such as the invite URL.
pub fn public_base(parts_headers: &axum::http::HeaderMap) -> String {
    let host = parts_headers
        .get("x-forwarded-host")
        .or_else(|| parts_headers.get(axum::http::header::HOST))
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = parts_headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("http");
    format!("{scheme}://{host}")
}
