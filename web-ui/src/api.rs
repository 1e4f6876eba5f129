//! The desk's REST calls of the contract (section 2), typed with the protocol crate, the token
//! from the session. Errors ([`ApiError`]) carry the contract's error code when the gateway sent
//! its error body.

use crate::http::{self, ApiError, bearer, error_of, percent_encode};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use switchboard_protocol::api::*;
use switchboard_protocol::desk::{
    CreateQuickResponse, CreateUserNote, PatchContact, PatchQuickResponse, QuickResponse,
    QuickResponseList, SetTags, UserNote, UserNoteList,
};
use switchboard_protocol::{
    Agent, AgentId, Attachment, Conversation, ConversationId, ConversationView, GroupId, Settings,
    UserId,
};

const TOKEN_KEY: &str = "switchboard.token";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The saved session token, so a reload keeps the agent logged in.
pub fn saved_token() -> Option<String> {
    storage()?
        .get_item(TOKEN_KEY)
        .ok()?
        .filter(|t| !t.is_empty())
}

pub fn save_token(token: Option<&str>) {
    if let Some(storage) = storage() {
        let _ = match token {
            Some(token) => storage.set_item(TOKEN_KEY, token),
            None => storage.remove_item(TOKEN_KEY),
        };
    }
}

fn authed(builder: RequestBuilder) -> RequestBuilder {
    match saved_token() {
        Some(token) => bearer(builder, &token),
        None => builder,
    }
}

async fn answer<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let answer = http::answer(response).await;
    if let Err(err) = &answer
        && err.is_unauthorized()
    {
        on_unauthorized();
    }
    answer
}

async fn no_content(response: Response) -> Result<(), ApiError> {
    if !response.ok() {
        let err = error_of(response).await;
        if err.is_unauthorized() {
            on_unauthorized();
        }
        return Err(err);
    }
    Ok(())
}

/// A request answered 401: the token expired or the agent was removed. Back to the login page.
fn on_unauthorized() {
    if saved_token().is_some() {
        save_token(None);
        if let Some(window) = web_sys::window() {
            let _ = window.location().assign("/login");
        }
    }
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = authed(Request::get(path))
        .send()
        .await
        .map_err(ApiError::network)?;
    answer(response).await
}

async fn with_body<B: Serialize, T: DeserializeOwned>(
    builder: RequestBuilder,
    body: &B,
) -> Result<T, ApiError> {
    answer(http::send_json(authed(builder), body).await?).await
}

pub async fn login(login: String, password: String) -> Result<AgentSession, ApiError> {
    let body = LoginRequest { login, password };
    http::answer(http::send_json(Request::post("/v1/auth/login"), &body).await?).await
}

pub async fn accept_invite(token: &str, password: String) -> Result<AgentSession, ApiError> {
    let path = format!("/v1/invites/{token}/accept");
    http::answer(http::send_json(Request::post(&path), &AcceptInvite { password }).await?).await
}

pub async fn me() -> Result<Agent, ApiError> {
    get("/v1/me").await
}

pub async fn conversations(
    view: ConversationView,
) -> Result<Vec<switchboard_protocol::Conversation>, ApiError> {
    let path = format!(
        "/v1/conversations?view={}&limit=200",
        crate::store::view_name(view)
    );
    get::<ConversationList>(&path)
        .await
        .map(|list| list.conversations)
}

/// One view's list narrowed by a tag, a search or a bot (`docs/desk-api.md`, "Filtering and
/// search"; `bot_id`: `protocol.md` v1.1).
pub async fn conversations_filtered(
    filter: &crate::store::ListFilter,
) -> Result<Vec<Conversation>, ApiError> {
    get::<ConversationList>(&format!("/v1/conversations?{}", filter.query(200)))
        .await
        .map(|list| list.conversations)
}

/// `GET /v1/users/{id}/conversations`: the user's conversations the agent may see, newest
/// first (the contact panel's earlier conversations).
pub async fn user_conversations(user: &UserId) -> Result<Vec<Conversation>, ApiError> {
    get::<ConversationList>(&format!(
        "/v1/users/{}/conversations",
        percent_encode(user.as_str())
    ))
    .await
    .map(|list| list.conversations)
}

pub async fn patch_contact(
    id: &ConversationId,
    body: &PatchContact,
) -> Result<Conversation, ApiError> {
    with_body(
        Request::patch(&format!("/v1/conversations/{id}/user")),
        body,
    )
    .await
}

pub async fn set_tags(id: &ConversationId, tags: Vec<String>) -> Result<Conversation, ApiError> {
    with_body(
        Request::put(&format!("/v1/conversations/{id}/tags")),
        &SetTags { tags },
    )
    .await
}

pub async fn notes(user: &UserId) -> Result<Vec<UserNote>, ApiError> {
    get::<UserNoteList>(&format!("/v1/users/{user}/notes"))
        .await
        .map(|l| l.notes)
}

pub async fn add_note(user: &UserId, text: String) -> Result<UserNote, ApiError> {
    with_body(
        Request::post(&format!("/v1/users/{user}/notes")),
        &CreateUserNote { text },
    )
    .await
}

pub async fn quick_responses() -> Result<Vec<QuickResponse>, ApiError> {
    get::<QuickResponseList>("/v1/quick-responses")
        .await
        .map(|l| l.quick_responses)
}

pub async fn create_quick_response(body: &CreateQuickResponse) -> Result<QuickResponse, ApiError> {
    with_body(Request::post("/v1/quick-responses"), body).await
}

pub async fn patch_quick_response(
    id: &str,
    body: &PatchQuickResponse,
) -> Result<QuickResponse, ApiError> {
    with_body(
        Request::patch(&format!("/v1/quick-responses/{}", percent_encode(id))),
        body,
    )
    .await
}

pub async fn delete_quick_response(id: &str) -> Result<(), ApiError> {
    let path = format!("/v1/quick-responses/{}", percent_encode(id));
    let response = authed(Request::delete(&path))
        .send()
        .await
        .map_err(ApiError::network)?;
    no_content(response).await
}

/// Uploads a file as the agent.
pub async fn upload(file: &web_sys::File) -> Result<Attachment, ApiError> {
    answer(http::upload(file, authed).await?).await
}

pub async fn agents() -> Result<Vec<Agent>, ApiError> {
    get::<AgentList>("/v1/agents").await.map(|l| l.agents)
}

pub async fn create_agent(body: &CreateAgent) -> Result<CreatedAgent, ApiError> {
    with_body(Request::post("/v1/agents"), body).await
}

pub async fn patch_agent(id: &AgentId, body: &PatchAgent) -> Result<Agent, ApiError> {
    with_body(Request::patch(&format!("/v1/agents/{id}")), body).await
}

pub async fn delete_agent(id: &AgentId) -> Result<(), ApiError> {
    let response = authed(Request::delete(&format!("/v1/agents/{id}")))
        .send()
        .await
        .map_err(ApiError::network)?;
    no_content(response).await
}

pub async fn groups() -> Result<Vec<switchboard_protocol::Group>, ApiError> {
    get::<GroupList>("/v1/groups").await.map(|l| l.groups)
}

pub async fn create_group(body: &CreateGroup) -> Result<switchboard_protocol::Group, ApiError> {
    with_body(Request::post("/v1/groups"), body).await
}

pub async fn patch_group(
    id: &GroupId,
    body: &PatchGroup,
) -> Result<switchboard_protocol::Group, ApiError> {
    with_body(Request::patch(&format!("/v1/groups/{id}")), body).await
}

pub async fn set_members(
    id: &GroupId,
    agent_ids: Vec<AgentId>,
) -> Result<switchboard_protocol::Group, ApiError> {
    with_body(
        Request::put(&format!("/v1/groups/{id}/members")),
        &GroupMembers { agent_ids },
    )
    .await
}

pub async fn bots() -> Result<Vec<BotInfo>, ApiError> {
    get::<BotList>("/v1/bots").await.map(|l| l.bots)
}

pub async fn create_bot(name: String) -> Result<CreatedBot, ApiError> {
    with_body(Request::post("/v1/bots"), &CreateBot { name }).await
}

/// `PATCH /v1/bots/{id}`: a bot's name and the groups that serve it.
pub async fn patch_bot(
    id: &switchboard_protocol::BotId,
    body: &PatchBot,
) -> Result<BotInfo, ApiError> {
    with_body(Request::patch(&format!("/v1/bots/{id}")), body).await
}

pub async fn delete_bot(id: &switchboard_protocol::BotId) -> Result<(), ApiError> {
    let response = authed(Request::delete(&format!("/v1/bots/{id}")))
        .send()
        .await
        .map_err(ApiError::network)?;
    no_content(response).await
}

pub async fn settings() -> Result<Settings, ApiError> {
    get("/v1/settings").await
}

pub async fn patch_settings(body: &PatchSettings) -> Result<Settings, ApiError> {
    with_body(Request::patch("/v1/settings"), body).await
}

/// `GET /v1/settings/identity-secret` (owners and admins): the secret customers sign widget
/// identities with.
pub async fn identity_secret() -> Result<IdentitySecret, ApiError> {
    get("/v1/settings/identity-secret").await
}

/// `POST /v1/settings/identity-secret`: a new secret; identities signed with the old one are
/// refused from now on.
pub async fn rotate_identity_secret() -> Result<IdentitySecret, ApiError> {
    let response = authed(Request::post("/v1/settings/identity-secret"))
        .send()
        .await
        .map_err(ApiError::network)?;
    answer(response).await
}
