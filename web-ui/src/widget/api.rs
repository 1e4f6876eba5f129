//! The widget's REST calls. The frame is served by the gateway, so these are same-origin
//! requests; the user's token is passed explicitly (never the desk's saved agent token, which
//! may sit in the same origin's storage).

use crate::http::{self, ApiError, answer, bearer, percent_encode};
use gloo_net::http::Request;
use switchboard_protocol::Attachment;
use switchboard_protocol::api::{
    WidgetConfig, WidgetConversation, WidgetSession, WidgetSessionRequest,
};

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
    answer(http::send_json(Request::post("/v1/widget/sessions"), &body).await?).await
}

/// The user's current conversation, with its place in the queue while it waits.
pub async fn latest_conversation(token: &str) -> Result<WidgetConversation, ApiError> {
    let response = bearer(Request::get("/v1/widget/conversation"), token)
        .send()
        .await
        .map_err(ApiError::network)?;
    answer::<WidgetConversation>(response).await
}

/// Uploads a file as the user.
pub async fn upload(token: &str, file: &web_sys::File) -> Result<Attachment, ApiError> {
    answer(http::upload(file, |builder| bearer(builder, token)).await?).await
}
