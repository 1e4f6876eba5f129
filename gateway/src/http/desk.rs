//! The desk additions to the HTTP API (`docs/desk-api.md`): contact fields, notes, tags,
//! quick responses and attachments. Thin handlers over [`crate::domain::Desk`].

use super::extract::{AgentAuth, AnyAuth, ApiJson};
use crate::auth::Audience;
use crate::domain::attachments::{content_disposition, served_content_type};
use crate::edge::AppState;
use crate::error::{Error, Result};
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use futures_util::StreamExt;
use serde::Deserialize;
use switchboard_protocol::desk::*;
use switchboard_protocol::{Attachment, AttachmentId, Conversation, ConversationId, UserId};

/// Beyond the limit, an upload is still read (and dropped) up to this many bytes, so the
/// client gets its `too_large` answer instead of a reset connection.
const DRAIN_LIMIT: usize = 4 * MAX_ATTACHMENT_BYTES;

/// The routes of this module, merged into `/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/conversations/{id}/user", patch(patch_contact))
        .route("/conversations/{id}/tags", put(set_tags))
        .route("/users/{user_id}/notes", get(list_notes).post(create_note))
        .route("/users/{user_id}/conversations", get(user_conversations))
        .route(
            "/quick-responses",
            get(list_quick_responses).post(create_quick_response),
        )
        .route(
            "/quick-responses/{id}",
            patch(patch_quick_response).delete(delete_quick_response),
        )
        .route("/attachments", post(upload_attachment))
        .route("/attachments/{id}", get(download_attachment))
}

fn query<T>(query: std::result::Result<Query<T>, QueryRejection>) -> Result<T> {
    query
        .map(|Query(q)| q)
        .map_err(|rejection| Error::invalid(rejection.body_text()))
}

async fn user_conversations(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(user_id): Path<String>,
) -> Result<Json<switchboard_protocol::api::ConversationList>> {
    let states = state
        .desk
        .user_conversations(&agent, &UserId(user_id))
        .await?;
    Ok(Json(switchboard_protocol::api::ConversationList {
        conversations: states.into_iter().map(|s| s.conversation).collect(),
    }))
}

async fn patch_contact(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchContact>,
) -> Result<Json<Conversation>> {
    let after = state
        .desk
        .patch_contact(&agent, &ConversationId(id), body)
        .await?;
    Ok(Json(after.conversation))
}

async fn set_tags(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SetTags>,
) -> Result<Json<Conversation>> {
    let after = state
        .desk
        .set_tags(&agent, &ConversationId(id), body)
        .await?;
    Ok(Json(after.conversation))
}

async fn list_notes(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(user_id): Path<String>,
) -> Result<Json<UserNoteList>> {
    Ok(Json(state.desk.user_notes(&agent, &UserId(user_id)).await?))
}

async fn create_note(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(user_id): Path<String>,
    ApiJson(body): ApiJson<CreateUserNote>,
) -> Result<(StatusCode, Json<UserNote>)> {
    let note = state
        .desk
        .add_user_note(&agent, &UserId(user_id), body)
        .await?;
    Ok((StatusCode::CREATED, Json(note)))
}

async fn list_quick_responses(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
) -> Result<Json<QuickResponseList>> {
    Ok(Json(state.desk.quick_responses(&agent).await?))
}

async fn create_quick_response(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    ApiJson(body): ApiJson<CreateQuickResponse>,
) -> Result<(StatusCode, Json<QuickResponse>)> {
    let quick = state.desk.create_quick_response(&agent, body).await?;
    Ok((StatusCode::CREATED, Json(quick)))
}

async fn patch_quick_response(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchQuickResponse>,
) -> Result<Json<QuickResponse>> {
    Ok(Json(
        state.desk.patch_quick_response(&agent, &id, body).await?,
    ))
}

async fn delete_quick_response(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    state.desk.delete_quick_response(&agent, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct UploadQuery {
    file_name: Option<String>,
}

/// Reads the body up to the limit; beyond it, drains (up to [`DRAIN_LIMIT`]) and refuses.
async fn read_upload(headers: &HeaderMap, body: Body) -> Result<Vec<u8>> {
    let too_large = || {
        Error::TooLarge(format!(
            "attachments are at most {MAX_ATTACHMENT_BYTES} bytes"
        ))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > DRAIN_LIMIT as u64) {
        return Err(too_large());
    }
    let mut data =
        Vec::with_capacity(declared.map_or(0, |len| len.min(MAX_ATTACHMENT_BYTES as u64) as usize));
    let mut total = 0usize;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|err| Error::invalid(format!("reading the upload: {err}")))?;
        total += chunk.len();
        if total > DRAIN_LIMIT {
            break;
        }
        if total <= MAX_ATTACHMENT_BYTES {
            data.extend_from_slice(&chunk);
        }
    }
    if total > MAX_ATTACHMENT_BYTES {
        return Err(too_large());
    }
    Ok(data)
}

async fn upload_attachment(
    State(state): State<AppState>,
    AnyAuth(principal): AnyAuth,
    upload: std::result::Result<Query<UploadQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Attachment>)> {
    let upload = query(upload)?;
    let header_name = headers
        .get("x-file-name")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let file_name = upload
        .file_name
        .or(header_name)
        .ok_or_else(|| Error::invalid("file_name is required (query or X-File-Name header)"))?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let data = read_upload(&headers, body).await?;
    let attachment = state
        .desk
        .upload_attachment(&principal, &file_name, content_type, data)
        .await?;
    Ok((StatusCode::CREATED, Json(attachment)))
}

#[derive(Deserialize)]
struct DownloadQuery {
    token: Option<String>,
}

async fn download_attachment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    download: std::result::Result<Query<DownloadQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response> {
    let download = query(download)?;
    // `<img>` cannot send headers: the token may also come as `?token=`.
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let token = bearer
        .map(str::to_owned)
        .or(download.token.filter(|t| !t.is_empty()))
        .ok_or(Error::Unauthorized)?;
    let principal = state
        .desk
        .authenticate(&token, &[Audience::Agent, Audience::User, Audience::Bot])
        .await?;
    let (record, data) = state
        .desk
        .download_attachment(&principal, &AttachmentId(id))
        .await?;
    let disposition = HeaderValue::from_str(&content_disposition(&record.file_name))
        .map_err(|err| Error::internal(format!("content disposition: {err}")))?;
    let content_type = HeaderValue::from_str(served_content_type(&record.content_type))
        .map_err(|err| Error::internal(format!("content type: {err}")))?;
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_DISPOSITION, disposition),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, max-age=3600"),
        ),
    ];
    Ok((headers, Body::from(data)).into_response())
}
