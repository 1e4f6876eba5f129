//! The requests outside the API: the built desk for page loads, the API's JSON 404 for the
//! rest. The desk's files themselves are served by [`crate::edge::WebDesk`], which sits below
//! HTTP because the state every handler shares holds it.

use crate::edge::AppState;
use crate::error::Error;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use switchboard_protocol::{ErrorBody, ErrorCode, ErrorDetail};

/// The answer to a page request when the gateway serves no web app.
pub fn no_web_dir() -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: ErrorCode::NotFound,
            message: "this gateway serves no desk: build it with scripts/build-web \
                      (web-ui/dist) or pass --web-dir DIR; the API is under /v1"
                .to_owned(),
        },
    };
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

/// The router's fallback: the desk for GET and HEAD outside the API, else the API's 404.
pub async fn fallback(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    let api = ["/v1", "/healthz"]
        .iter()
        .any(|prefix| path == *prefix || path.starts_with(&format!("{prefix}/")));
    if api || !matches!(*request.method(), Method::GET | Method::HEAD) {
        return Error::NotFound("route").into_response();
    }
    match &state.web {
        Some(web) => web.serve(request).await,
        None => no_web_dir(),
    }
}
