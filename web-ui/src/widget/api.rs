//! The widget's REST calls. The frame is served by the gateway, so these are same-origin
//! requests; the user's token is passed explicitly (never the desk's saved agent token, which
//! may sit in the same origin's storage).

use crate::http::{ApiError, error_of, percent_encode};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use switchboard_protocol::Attachment;
use switchboard_protocol::api::{
    WidgetConfig, WidgetConversation, WidgetSession, WidgetSessionRequest,
};

fn bearer(builder: RequestBuilder, token: &str) -> RequestBuilder {
    builder.header("Authorization", &format!("Bearer {token}"))
}

async fn answer<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if !response.ok() {
        return Err(error_of(response).await);
    }
    response.json::<T>().await.map_err(ApiError::network)
}

pub async fn config(app_key: &str) -> Result<WidgetConfig, ApiError> {
    let path = format!("/v1/widget/config?app_key={}", percent_encode(app_key));
    let response = Request::get(&path)
        .send()
        .await
        .map_err(ApiError::network)?;
    answer(response).await
}

pub async fn create_session(
    app_key: &str,
    identity: Option<String>,
) -> Result<WidgetSession, ApiError> {
    let body = WidgetSessionRequest {
        app_key: app_key.to_owned(),
        identity,
    };
    let response = Request::post("/v1/widget/sessions")
        .json(&body)
        .map_err(ApiError::network)?
        .send()
        .await
        .map_err(ApiError::network)?;
    answer(response).await
}

/// The user's current conversation, with its place in the queue while it waits.
pub async fn latest_conversation(token: &str) -> Result<WidgetConversation, ApiError> {
    let response = bearer(Request::get("/v1/widget/conversation"), token)
        .send()
        .await
        .map_err(ApiError::network)?;
    answer::<WidgetConversation>(response).await
}

/// Uploads a file as the raw body with its type, its name in `?file_name=`.
pub async fn upload(token: &str, file: &web_sys::File) -> Result<Attachment, ApiError> {
    let path = format!("/v1/attachments?file_name={}", percent_encode(&file.name()));
    let content_type = match file.type_() {
        t if t.is_empty() => "application/octet-stream".to_owned(),
        t => t,
    };
    let blob: &web_sys::Blob = file.as_ref();
    let response = bearer(Request::post(&path), token)
        .header("Content-Type", &content_type)
        .body(blob.clone())
        .map_err(ApiError::network)?
        .send()
        .await
        .map_err(ApiError::network)?;
    answer(response).await
}
