//! One handler per row of the contract's HTTP table.

use super::extract::{AgentAuth, AnyAuth, ApiJson, public_base};
use crate::edge::AppState;
use crate::error::{Error, Result};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use switchboard_protocol::api::*;
use switchboard_protocol::{
    Agent, AgentId, BotId, ConversationId, ConversationView, Group, GroupId, Settings,
};

pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let store_ok = state.desk.store().ping().await.is_ok();
    let bus_ok = state.desk.hub().bus().is_healthy().await;
    if store_ok && bus_ok {
        (
            StatusCode::OK,
            Json(Health {
                status: "ok".into(),
            }),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "unavailable".into(),
            }),
        )
    }
}

pub async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Json<AgentSession>> {
    Ok(Json(state.desk.login(&body).await?))
}

pub async fn me(State(state): State<AppState>, AgentAuth(agent): AgentAuth) -> Result<Json<Agent>> {
    Ok(Json(state.desk.me(&agent).await?))
}

pub async fn list_agents(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
) -> Result<Json<AgentList>> {
    Ok(Json(state.desk.list_agents(&agent).await?))
}

pub async fn create_agent(
    State(state): State<AppState>,
    headers: HeaderMap,
    AgentAuth(agent): AgentAuth,
    ApiJson(body): ApiJson<CreateAgent>,
) -> Result<(StatusCode, Json<CreatedAgent>)> {
    let created = state
        .desk
        .create_agent(&agent, body, &public_base(&headers))
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn patch_agent(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchAgent>,
) -> Result<Json<Agent>> {
    Ok(Json(
        state.desk.patch_agent(&agent, &AgentId(id), body).await?,
    ))
}

pub async fn delete_agent(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    state.desk.delete_agent(&agent, &AgentId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn accept_invite(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ApiJson(body): ApiJson<AcceptInvite>,
) -> Result<Json<AgentSession>> {
    Ok(Json(state.desk.accept_invite(&token, &body).await?))
}

pub async fn list_groups(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
) -> Result<Json<GroupList>> {
    Ok(Json(state.desk.list_groups(&agent).await?))
}

pub async fn create_group(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    ApiJson(body): ApiJson<CreateGroup>,
) -> Result<(StatusCode, Json<Group>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.desk.create_group(&agent, body).await?),
    ))
}

pub async fn patch_group(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchGroup>,
) -> Result<Json<Group>> {
    Ok(Json(
        state.desk.patch_group(&agent, &GroupId(id), body).await?,
    ))
}

pub async fn set_group_members(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<GroupMembers>,
) -> Result<Json<Group>> {
    Ok(Json(
        state
            .desk
            .set_group_members(&agent, &GroupId(id), body)
            .await?,
    ))
}

pub async fn list_bots(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
) -> Result<Json<BotList>> {
    Ok(Json(state.desk.list_bots(&agent).await?))
}

pub async fn patch_bot(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchBot>,
) -> Result<Json<BotInfo>> {
    Ok(Json(state.desk.patch_bot(&agent, &BotId(id), body).await?))
}

pub async fn create_bot(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    ApiJson(body): ApiJson<CreateBot>,
) -> Result<(StatusCode, Json<CreatedBot>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.desk.create_bot(&agent, &body).await?),
    ))
}

pub async fn delete_bot(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    state.desk.delete_bot(&agent, &BotId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn get_settings(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
) -> Result<Json<Settings>> {
    Ok(Json(state.desk.settings(&agent.tenant).await?))
}

pub async fn patch_settings(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    ApiJson(body): ApiJson<PatchSettings>,
) -> Result<Json<Settings>> {
    Ok(Json(state.desk.patch_settings(&agent, body).await?))
}

#[derive(Deserialize)]
pub struct ListQuery {
    view: ConversationView,
    limit: Option<u32>,
    /// Desk additions: only conversations with this tag, or matching this text.
    tag: Option<String>,
    q: Option<String>,
    /// Only conversations this bot took part in (v1.1).
    bot_id: Option<String>,
}

pub async fn list_conversations(
    State(state): State<AppState>,
    AgentAuth(agent): AgentAuth,
    query: std::result::Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ConversationList>> {
    let Query(query) = query.map_err(|rejection| Error::invalid(rejection.body_text()))?;
    let mut filter = crate::domain::list_filter(query.tag, query.q)?;
    filter.bot_id = query.bot_id.map(BotId);
    let states = state
        .desk
        .list_conversations_filtered(&agent, query.view, query.limit, filter)
        .await?;
    Ok(Json(ConversationList {
        conversations: states.into_iter().map(|s| s.conversation).collect(),
    }))
}

#[derive(Deserialize)]
pub struct PageQuery {
    after_seq: Option<u64>,
    before_seq: Option<u64>,
    limit: Option<u32>,
}

pub async fn messages(
    State(state): State<AppState>,
    AnyAuth(principal): AnyAuth,
    Path(id): Path<String>,
    query: std::result::Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<MessagePage>> {
    let Query(query) = query.map_err(|rejection| Error::invalid(rejection.body_text()))?;
    let page = state
        .desk
        .history(
            &principal,
            &ConversationId(id),
            query.after_seq,
            query.before_seq,
            query.limit,
        )
        .await?;
    Ok(Json(MessagePage {
        messages: page.messages,
        has_more: page.has_more,
    }))
}

/// Prometheus scrape endpoint. Unauthenticated, like `/healthz`: keep it on the private network.
pub async fn metrics() -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        crate::metrics::render(),
    )
}
