//! The desk additions to the HTTP API (`docs/desk-api.md`) as typed [`Api`] methods: contact
//! fields, notes, tags, search, quick responses and attachments.

use crate::api::{Api, Method, RawResponse, segment};
use crate::error::ApiError;
use std::time::Duration;
use switchboard_protocol::desk::*;
use switchboard_protocol::*;

const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// A download: status, the headers that matter, and the bytes.
#[derive(Clone, Debug)]
pub struct Download {
    pub status: u16,
    pub content_type: Option<String>,
    pub content_disposition: Option<String>,
    pub nosniff: Option<String>,
    pub body: Vec<u8>,
}

fn decode<T: serde::de::DeserializeOwned>(raw: RawResponse) -> Result<T, ApiError> {
    if !(200..300).contains(&raw.status) {
        return Err(ApiError {
            status: raw.status,
            code: raw.error_code(),
            body: raw.body,
        });
    }
    serde_json::from_str(&raw.body).map_err(|error| ApiError {
        status: raw.status,
        code: None,
        body: format!("could not decode the answer ({error}): {}", raw.body),
    })
}

fn transport(error: reqwest::Error) -> ApiError {
    ApiError {
        status: 0,
        code: None,
        body: error.to_string(),
    }
}

impl Api {
    async fn json_call<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T, ApiError> {
        decode(self.request(method, path, body).await?)
    }

    /// `PATCH /v1/conversations/{id}/user`: the user's contact fields.
    pub async fn patch_contact(
        &self,
        id: &ConversationId,
        body: &PatchContact,
    ) -> Result<Conversation, ApiError> {
        let path = format!("/v1/conversations/{}/user", segment(id.as_str()));
        self.json_call(Method::PATCH, &path, Some(json(body))).await
    }

    /// `PUT /v1/conversations/{id}/tags`.
    pub async fn set_tags(
        &self,
        id: &ConversationId,
        tags: &[&str],
    ) -> Result<Conversation, ApiError> {
        let path = format!("/v1/conversations/{}/tags", segment(id.as_str()));
        let body = SetTags {
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        };
        self.json_call(Method::PUT, &path, Some(json(&body))).await
    }

    /// `GET /v1/conversations?view=V&tag=T&q=Q`.
    pub async fn search_conversations(
        &self,
        view: ConversationView,
        tag: Option<&str>,
        q: Option<&str>,
    ) -> Result<Vec<Conversation>, ApiError> {
        let view = serde_json::to_value(view)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let mut path = format!("/v1/conversations?view={view}");
        if let Some(tag) = tag {
            path.push_str(&format!("&tag={}", segment(tag)));
        }
        if let Some(q) = q {
            path.push_str(&format!("&q={}", segment(q)));
        }
        let list: api::ConversationList = self.json_call(Method::GET, &path, None).await?;
        Ok(list.conversations)
    }

    /// `GET /v1/users/{user_id}/notes`.
    pub async fn user_notes(&self, user: &UserId) -> Result<Vec<UserNote>, ApiError> {
        let path = format!("/v1/users/{}/notes", segment(user.as_str()));
        let list: UserNoteList = self.json_call(Method::GET, &path, None).await?;
        Ok(list.notes)
    }

    /// `POST /v1/users/{user_id}/notes`.
    pub async fn add_user_note(&self, user: &UserId, text: &str) -> Result<UserNote, ApiError> {
        let path = format!("/v1/users/{}/notes", segment(user.as_str()));
        let body = CreateUserNote {
            text: text.to_owned(),
        };
        self.json_call(Method::POST, &path, Some(json(&body))).await
    }

    /// `GET /v1/quick-responses`.
    pub async fn quick_responses(&self) -> Result<Vec<QuickResponse>, ApiError> {
        let list: QuickResponseList = self
            .json_call(Method::GET, "/v1/quick-responses", None)
            .await?;
        Ok(list.quick_responses)
    }

    /// `POST /v1/quick-responses` (owner, admin).
    pub async fn create_quick_response(
        &self,
        shortcut: &str,
        text: &str,
    ) -> Result<QuickResponse, ApiError> {
        let body = CreateQuickResponse {
            shortcut: shortcut.to_owned(),
            text: text.to_owned(),
        };
        self.json_call(Method::POST, "/v1/quick-responses", Some(json(&body)))
            .await
    }

    /// `PATCH /v1/quick-responses/{id}` (owner, admin).
    pub async fn patch_quick_response(
        &self,
        id: &str,
        body: &PatchQuickResponse,
    ) -> Result<QuickResponse, ApiError> {
        let path = format!("/v1/quick-responses/{}", segment(id));
        self.json_call(Method::PATCH, &path, Some(json(body))).await
    }

    /// `DELETE /v1/quick-responses/{id}` (owner, admin); answers 204.
    pub async fn delete_quick_response(&self, id: &str) -> Result<(), ApiError> {
        let path = format!("/v1/quick-responses/{}", segment(id));
        let raw = self.request(Method::DELETE, &path, None).await?;
        if (200..300).contains(&raw.status) {
            Ok(())
        } else {
            Err(ApiError {
                status: raw.status,
                code: raw.error_code(),
                body: raw.body,
            })
        }
    }

    /// `POST /v1/attachments?file_name=…` with the raw file as the body.
    pub async fn upload_attachment(
        &self,
        file_name: &str,
        content_type: &str,
        data: Vec<u8>,
    ) -> Result<Attachment, ApiError> {
        let url = format!(
            "{}/v1/attachments?file_name={}",
            self.base_url(),
            segment(file_name)
        );
        let mut builder = reqwest::Client::new()
            .post(url)
            .timeout(HTTP_TIMEOUT)
            .header("content-type", content_type)
            .body(data);
        if let Some(token) = self.token() {
            builder = builder.bearer_auth(token);
        }
        let response = builder.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(transport)?;
        decode(RawResponse { status, body })
    }

    /// `GET` of an attachment's `url` (relative to the gateway, as the gateway gives it), with
    /// the token as `Authorization` or, with `token_in_query`, as `?token=`.
    pub async fn download(&self, url: &str, token_in_query: bool) -> Result<Download, ApiError> {
        let mut url = format!("{}{url}", self.base_url());
        let client = reqwest::Client::new();
        if token_in_query && let Some(token) = self.token() {
            url.push_str(&format!("?token={}", segment(token)));
        }
        let mut request = client.get(url).timeout(HTTP_TIMEOUT);
        if !token_in_query && let Some(token) = self.token() {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(transport)?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let download = Download {
            status: response.status().as_u16(),
            content_type: header("content-type"),
            content_disposition: header("content-disposition"),
            nosniff: header("x-content-type-options"),
            body: Vec::new(),
        };
        let body = response.bytes().await.map_err(transport)?;
        Ok(Download {
            body: body.to_vec(),
            ..download
        })
    }
}

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}
