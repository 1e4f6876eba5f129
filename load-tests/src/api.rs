//! [`Api`]: the HTTP API of the contract (section 2), one typed method per row.
//!
//! Every method answers `Result<T, ApiError>`, so a test can assert on the status and the
//! error code of a refusal as easily as on a success. [`Api::request`] sends anything at all,
//! for the calls a typed method cannot express (bad bodies, unknown views, missing tokens).

use crate::error::ApiError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;
use switchboard_protocol::api::*;
use switchboard_protocol::*;

pub use reqwest::Method;

/// How long one HTTP call may take before it fails with status 0.
const HTTP_TIMEOUT: Duration = Duration::from_secs(15);

/// An HTTP client bound to one gateway and, optionally, one bearer token.
#[derive(Clone, Debug)]
pub struct Api {
    http: reqwest::Client,
    base_url: String,
    token: Option<String>,
}

/// The raw answer of [`Api::request`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawResponse {
    pub status: u16,
    pub body: String,
}

impl RawResponse {
    /// The body as JSON (`Null` when it is empty or not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The contract's error code, when the body is an error body.
    pub fn error_code(&self) -> Option<ErrorCode> {
        serde_json::from_str::<ErrorBody>(&self.body)
            .ok()
            .map(|body| body.error.code)
    }
}

impl Api {
    /// A client without a token, e.g. for login, widget sessions and `/healthz`.
    pub fn new(base_url: &str) -> Api {
        Api {
            http: reqwest::Client::new(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: None,
        }
    }

    /// The same gateway, calling with `token` as `Authorization: Bearer`.
    pub fn with_token(&self, token: &str) -> Api {
        Api {
            http: self.http.clone(),
            base_url: self.base_url.clone(),
            token: Some(token.to_owned()),
        }
    }

    /// The same gateway without a token.
    pub fn anonymous(&self) -> Api {
        Api {
            token: None,
            ..self.clone()
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    // ---- the rows of the HTTP table -----------------------------------------------------

    /// `GET /healthz`.
    pub async fn healthz(&self) -> Result<Health, ApiError> {
        self.call(Method::GET, "/healthz", None::<&()>).await
    }

    /// `POST /v1/auth/login`.
    pub async fn login(&self, login: &str, password: &str) -> Result<AgentSession, ApiError> {
        let body = LoginRequest {
            login: login.to_owned(),
            password: password.to_owned(),
        };
        self.call(Method::POST, "/v1/auth/login", Some(&body)).await
    }

    /// `GET /v1/me`.
    pub async fn me(&self) -> Result<Agent, ApiError> {
        self.call(Method::GET, "/v1/me", None::<&()>).await
    }

    /// `GET /v1/agents`.
    pub async fn agents(&self) -> Result<Vec<Agent>, ApiError> {
        let list: AgentList = self.call(Method::GET, "/v1/agents", None::<&()>).await?;
        Ok(list.agents)
    }

    /// `POST /v1/agents` (owner, admin).
    pub async fn create_agent(&self, body: &CreateAgent) -> Result<CreatedAgent, ApiError> {
        self.call(Method::POST, "/v1/agents", Some(body)).await
    }

    /// `PATCH /v1/agents/{id}`.
    pub async fn patch_agent(&self, id: &AgentId, body: &PatchAgent) -> Result<Agent, ApiError> {
        let path = format!("/v1/agents/{}", segment(id.as_str()));
        self.call(Method::PATCH, &path, Some(body)).await
    }

    /// `DELETE /v1/agents/{id}` (owner, admin); answers 204.
    pub async fn delete_agent(&self, id: &AgentId) -> Result<(), ApiError> {
        let path = format!("/v1/agents/{}", segment(id.as_str()));
        let raw = self.send(Method::DELETE, &path, None::<&()>).await?;
        expect_success(raw).map(|_| ())
    }

    /// `POST /v1/invites/{token}/accept`.
    pub async fn accept_invite(
        &self,
        invite_token: &str,
        password: &str,
    ) -> Result<AgentSession, ApiError> {
        let path = format!("/v1/invites/{}/accept", segment(invite_token));
        let body = AcceptInvite {
            password: password.to_owned(),
        };
        self.call(Method::POST, &path, Some(&body)).await
    }

    /// `GET /v1/groups`.
    pub async fn groups(&self) -> Result<Vec<Group>, ApiError> {
        let list: GroupList = self.call(Method::GET, "/v1/groups", None::<&()>).await?;
        Ok(list.groups)
    }

    /// `POST /v1/groups` (owner, admin).
    pub async fn create_group(&self, body: &CreateGroup) -> Result<Group, ApiError> {
        self.call(Method::POST, "/v1/groups", Some(body)).await
    }

    /// `PATCH /v1/groups/{id}` (owner, admin).
    pub async fn patch_group(&self, id: &GroupId, body: &PatchGroup) -> Result<Group, ApiError> {
        let path = format!("/v1/groups/{}", segment(id.as_str()));
        self.call(Method::PATCH, &path, Some(body)).await
    }

    /// `PUT /v1/groups/{id}/members` (owner, admin): the group's members become `agent_ids`.
    pub async fn set_group_members(
        &self,
        id: &GroupId,
        agent_ids: &[AgentId],
    ) -> Result<Group, ApiError> {
        let path = format!("/v1/groups/{}/members", segment(id.as_str()));
        let body = GroupMembers {
            agent_ids: agent_ids.to_vec(),
        };
        self.call(Method::PUT, &path, Some(&body)).await
    }

    /// `POST /v1/bots` (owner, admin); the answer is the only place the token appears.
    pub async fn create_bot(&self, name: &str) -> Result<CreatedBot, ApiError> {
        let body = CreateBot {
            name: name.to_owned(),
        };
        self.call(Method::POST, "/v1/bots", Some(&body)).await
    }

    /// `GET /v1/bots` (an addition to the contract).
    pub async fn bots(&self) -> Result<Vec<BotInfo>, ApiError> {
        let list: BotList = self.call(Method::GET, "/v1/bots", None::<&()>).await?;
        Ok(list.bots)
    }

    /// `GET /v1/settings`.
    pub async fn settings(&self) -> Result<Settings, ApiError> {
        self.call(Method::GET, "/v1/settings", None::<&()>).await
    }

    /// `PATCH /v1/settings` (owner, admin).
    pub async fn patch_settings(&self, body: &PatchSettings) -> Result<Settings, ApiError> {
        self.call(Method::PATCH, "/v1/settings", Some(body)).await
    }

    /// `POST /v1/widget/sessions`: an end-user token, anonymous unless `identity` is given.
    pub async fn widget_session(
        &self,
        app_key: &str,
        identity: Option<&str>,
    ) -> Result<WidgetSession, ApiError> {
        let body = WidgetSessionRequest {
            app_key: app_key.to_owned(),
            identity: identity.map(str::to_owned),
        };
        self.call(Method::POST, "/v1/widget/sessions", Some(&body))
            .await
    }

    /// `GET /v1/widget/config?app_key=K` (an addition): what the widget loader reads first.
    pub async fn widget_config(&self, app_key: &str) -> Result<WidgetConfig, ApiError> {
        let path = format!("/v1/widget/config?app_key={}", segment(app_key));
        self.call(Method::GET, &path, None::<&()>).await
    }

    /// `GET /v1/widget/conversation` (an addition, user token): the user's current
    /// conversation.
    pub async fn widget_conversation(&self) -> Result<WidgetConversation, ApiError> {
        self.call(Method::GET, "/v1/widget/conversation", None::<&()>)
            .await
    }

    /// `GET /v1/settings/identity-secret` (an addition, owner and admins).
    pub async fn identity_secret(&self) -> Result<IdentitySecret, ApiError> {
        self.call(Method::GET, "/v1/settings/identity-secret", None::<&()>)
            .await
    }

    /// `POST /v1/settings/identity-secret` (an addition, owner and admins): a new secret.
    pub async fn rotate_identity_secret(&self) -> Result<IdentitySecret, ApiError> {
        self.call(Method::POST, "/v1/settings/identity-secret", None::<&()>)
            .await
    }

    /// `GET /v1/conversations?view=V`.
    pub async fn conversations(
        &self,
        view: ConversationView,
    ) -> Result<Vec<Conversation>, ApiError> {
        let view = match view {
            ConversationView::Mine => "mine",
            ConversationView::Unassigned => "unassigned",
            ConversationView::Open => "open",
            ConversationView::Bot => "bot",
            ConversationView::Closed => "closed",
        };
        let path = format!("/v1/conversations?view={view}");
        let list: ConversationList = self.call(Method::GET, &path, None::<&()>).await?;
        Ok(list.conversations)
    }

    /// `GET /v1/conversations/{id}/messages?after_seq=N&limit=M`.
    pub async fn messages(
        &self,
        id: &ConversationId,
        after_seq: Option<u64>,
        limit: Option<u32>,
    ) -> Result<MessagePage, ApiError> {
        let mut path = format!("/v1/conversations/{}/messages", segment(id.as_str()));
        let mut query = Vec::new();
        if let Some(after_seq) = after_seq {
            query.push(format!("after_seq={after_seq}"));
        }
        if let Some(limit) = limit {
            query.push(format!("limit={limit}"));
        }
        if !query.is_empty() {
            path.push('?');
            path.push_str(&query.join("&"));
        }
        self.call(Method::GET, &path, None::<&()>).await
    }

    // ---- raw access -------------------------------------------------------------------

    /// Sends anything: `path` is appended to the base url as is (query included). Only a
    /// missing HTTP answer is an error; any status comes back in the [`RawResponse`].
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<RawResponse, ApiError> {
        self.send(method, path, body.as_ref()).await
    }

    /// Sends a body that is not JSON (or not valid JSON), with a JSON content type.
    pub async fn request_text(
        &self,
        method: Method,
        path: &str,
        body: &str,
    ) -> Result<RawResponse, ApiError> {
        let mut builder = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .timeout(HTTP_TIMEOUT)
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(token) = &self.token {
            builder = builder.bearer_auth(token);
        }
        finish(builder).await
    }

    async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ApiError> {
        let raw = expect_success(self.send(method, path, body).await?)?;
        serde_json::from_str(&raw.body).map_err(|error| ApiError {
            status: raw.status,
            code: None,
            body: format!("could not decode the answer ({error}): {}", raw.body),
        })
    }

    async fn send<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<RawResponse, ApiError> {
        let mut builder = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .timeout(HTTP_TIMEOUT);
        if let Some(token) = &self.token {
            builder = builder.bearer_auth(token);
        }
        if let Some(body) = body {
            builder = builder.json(body);
        }
        finish(builder).await
    }
}

async fn finish(builder: reqwest::RequestBuilder) -> Result<RawResponse, ApiError> {
    let response = builder.send().await.map_err(transport)?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(transport)?;
    Ok(RawResponse { status, body })
}

fn transport(error: reqwest::Error) -> ApiError {
    ApiError {
        status: 0,
        code: None,
        body: error.to_string(),
    }
}

/// A 2xx answer passes; anything else becomes an [`ApiError`] with the contract's code.
fn expect_success(raw: RawResponse) -> Result<RawResponse, ApiError> {
    if (200..300).contains(&raw.status) {
        Ok(raw)
    } else {
        Err(ApiError {
            status: raw.status,
            code: raw.error_code(),
            body: raw.body,
        })
    }
}

/// Percent-encodes one path segment, so that opaque ids (and hostile test input) cannot
/// change the route.
pub fn segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The invite token inside an `invite_url`: the value of a `token=` query parameter when
/// there is one, else the last path segment. The contract does not fix the url's shape.
pub fn invite_token_from_url(url: &str) -> Option<String> {
    if let Some((_, query)) = url.split_once('?') {
        for pair in query.split('&') {
            if let Some(value) = pair.strip_prefix("token=") {
                return Some(value.to_owned());
            }
        }
    }
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let last = path.trim_end_matches('/').rsplit('/').next()?;
    (!last.is_empty()).then(|| last.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_tokens_are_found_in_query_or_path() {
        let q = invite_token_from_url("http://h/invite?token=abc&x=1");
        assert_eq!(q.as_deref(), Some("abc"));
        let p = invite_token_from_url("http://h/invites/abc/");
        assert_eq!(p.as_deref(), Some("abc"));
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
        assert_eq!(segment("id-1_2.3~"), "id-1_2.3~");
    }
}
