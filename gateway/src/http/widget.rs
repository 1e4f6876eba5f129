//! The widget's HTTP side: its public config, sessions, the user's current conversation, the
//! iframe page, and the identity secret for admins.
//!
//! CORS: the widget's calls come from its iframe, which the gateway serves (same origin), but
//! a customer's own script may call `config` and `sessions` from their site. Those answers
//! carry `Access-Control-Allow-Origin` for the caller's origin. A refused origin gets
//! `403 forbidden`: from `sessions` without the header, so the page cannot read anything; from
//! `config` with it, because that refusal holds nothing of the tenant and the loader can then
//! tell the site's owner "this origin is not allowed" instead of "refused or unreachable".
//! A preflight has no body and so no app key: it is answered for any origin, which grants
//! nothing by itself; the request that follows is checked.

use super::extract::{AgentAuth, AnyAuth, ApiJson};
use crate::domain::widget::CallerOrigin;
use crate::edge::{AppState, Caller};
use crate::error::{Error, Result};
use crate::principal::Principal;
use axum::Json;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use switchboard_protocol::api::{IdentitySecret, WidgetConversation, WidgetSessionRequest};

/// Whether a page refused for its origin may still read the refusal.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// The error body holds nothing of the tenant: let the page read why it was refused.
    Readable,
    /// Hide the answer from the page altogether.
    Hidden,
}

/// Lets the calling page read the answer; a refusal for its origin only when `refusal` says so.
fn with_cors<T: IntoResponse>(
    caller: &CallerOrigin,
    result: Result<T>,
    refusal: Refusal,
) -> Response {
    let hidden = refusal == Refusal::Hidden && matches!(&result, Err(Error::Forbidden(_)));
    let mut response = result.into_response();
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = caller.origin.as_deref().filter(|_| !hidden)
        && let Ok(value) = HeaderValue::from_str(origin)
    {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    response
}

#[derive(Deserialize)]
pub struct AppKeyQuery {
    app_key: String,
}

fn app_key(
    query: std::result::Result<Query<AppKeyQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<String> {
    query
        .map(|Query(q)| q.app_key)
        .map_err(|_| Error::invalid("app_key is required: ?app_key=APP_KEY"))
}

/// `GET /v1/widget/config?app_key=K`
pub async fn config(
    State(state): State<AppState>,
    Caller(caller): Caller,
    query: std::result::Result<Query<AppKeyQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let result = match app_key(query) {
        Ok(key) => state.desk.widget_config(&key, &caller).await.map(Json),
        Err(err) => Err(err),
    };
    with_cors(&caller, result, Refusal::Readable)
}

/// `POST /v1/widget/sessions`
pub async fn session(
    State(state): State<AppState>,
    Caller(caller): Caller,
    body: std::result::Result<ApiJson<WidgetSessionRequest>, Error>,
) -> Response {
    let result = match body {
        Ok(ApiJson(body)) => state.desk.widget_session(&body, &caller).await.map(Json),
        Err(err) => Err(err),
    };
    with_cors(&caller, result, Refusal::Hidden)
}

/// The CORS preflight of `POST /v1/widget/sessions` (a JSON body needs one).
pub async fn preflight(Caller(caller): Caller) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(value) = caller
        .origin
        .as_deref()
        .and_then(|origin| HeaderValue::from_str(origin).ok())
    {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("POST"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
    }
    response
}

/// `GET /v1/widget/conversation`: the user's current conversation.
pub async fn conversation(
    State(state): State<AppState>,
    AnyAuth(principal): AnyAuth,
) -> Result<Json<WidgetConversation>> {
    match principal {
        Principal::User(user) => Ok(Json(state.desk.widget_conversation(&user).await?)),
        _ => Err(Error::forbidden(
            "only a widget user has a current conversation",
        )),
    }
}

/// `GET /v1/settings/identity-secret`
pub async fn identity_secret(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
) -> Result<Json<IdentitySecret>> {
    Ok(Json(state.desk.identity_secret(&agent).await?))
}

/// `POST /v1/settings/identity-secret`: rotates it.
pub async fn rotate_identity_secret(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
) -> Result<Json<IdentitySecret>> {
    Ok(Json(state.desk.rotate_identity_secret(&agent).await?))
}

/// `GET /widget/frame?app_key=K`: the widget's page, which only the tenant's allowed origins
/// may embed (`frame-ancestors`).
pub async fn frame(
    State(state): State<AppState>,
    query: std::result::Result<Query<AppKeyQuery>, axum::extract::rejection::QueryRejection>,
    request: Request,
) -> Response {
    let ancestors = match app_key(query) {
        Ok(key) => state.desk.frame_ancestors(&key).await,
        Err(err) => Err(err),
    };
    let ancestors = match ancestors {
        Ok(ancestors) => ancestors,
        Err(err) => return err.into_response(),
    };
    match &state.web {
        Some(web) => web.widget_frame(request, &ancestors).await,
        None => super::web::no_web_dir(),
    }
}
