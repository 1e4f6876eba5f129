//! The desk domain: every rule about agents, groups, bots, settings and conversations.
//!
//! REST handlers and WebSocket sessions are thin and call [`Desk`]; rules live here once.
//! - `transitions`: the conversation state machine (pure).
//! - `conversations`: conversation operations (send, handover, accept, ...).
//! - `directory`: agents, groups, bots, settings, invites, widget sessions, login.
//! - `commit`: what follows every committed conversation change (publish, route) and what its
//!   sender's answer waits for; `lanes`: the per-tenant queue of follow-ups run after it.
//! - `events`: who receives what (topics) and publishing.
//! - `routing`: queues, auto-assignment, reopen plans, bot watch.
//! - `timers`: the durable timer loop (a bot's time to answer) and the periodic queue sweep.
//! - `presence`: which agents and bots are connected; group `online`.
//! - `hours`: business hours.
//! - `validate`: checks of client values that several of these share (names, origins, admin).
//! - `contacts`, `quick_responses`, `attachments`: the desk additions (`docs/desk-api.md`).

pub mod attachments;
mod commit;
mod contacts;
mod conversations;
mod directory;
mod events;
pub mod hours;
mod lanes;
mod presence;
mod quick_responses;
pub mod routing;
pub mod timers;
pub mod transitions;
mod validate;
pub mod widget;

pub use contacts::list_filter;
pub use conversations::{MAX_LIST, MAX_PAGE};
pub(crate) use directory::agent_principal;

use crate::auth::TokenKeys;
use crate::connections::ConnectionRegistry;
use crate::error::{Error, Result};
use crate::hub::Hub;
use crate::principal::Principal;
use crate::store::{ConversationState, Store};
use std::sync::Arc;
use switchboard_protocol::{ConversationId, HolderKind};

pub struct Desk {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) hub: Arc<Hub>,
    pub(crate) tokens: TokenKeys,
    pub(crate) connections: Arc<dyn ConnectionRegistry>,
    /// Itself, for work that outlives a request (a bot's answer timer, follow-ups).
    pub(crate) me: std::sync::Weak<Desk>,
    /// Follow-ups of committed changes, run after their answers, in order per tenant.
    pub(crate) lanes: Arc<lanes::Lanes>,
    /// Wakes this node's timer loop when it arms a timer (`timers`).
    pub(crate) timer_wake: Arc<tokio::sync::Notify>,
}

impl Desk {
    pub fn new(
        store: Arc<dyn Store>,
        hub: Arc<Hub>,
        tokens: TokenKeys,
        connections: Arc<dyn ConnectionRegistry>,
    ) -> Arc<Self> {
        Arc::new_cyclic(|me| Desk {
            store,
            hub,
            tokens,
            connections,
            me: me.clone(),
            lanes: Arc::default(),
            timer_wake: Arc::default(),
        })
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// The conversation's current state, if `principal` may see it.
    pub async fn visible_state(
        &self,
        principal: &Principal,
        id: &ConversationId,
    ) -> Result<ConversationState> {
        self.visible_conversation(principal, id).await
    }

    /// The conversation, if `principal` may see it; otherwise `not_found`, exactly as if it did
    /// not exist (so ids of other tenants and foreign conversations look the same).
    pub(crate) async fn visible_conversation(
        &self,
        principal: &Principal,
        id: &ConversationId,
    ) -> Result<ConversationState> {
        let state = self
            .store
            .conversation(principal.tenant(), id)
            .await?
            .ok_or(Error::NotFound("conversation"))?;
        if can_see(principal, &state) {
            Ok(state)
        } else {
            Err(Error::NotFound("conversation"))
        }
    }
}

/// Owners and admins see everything; agents their groups' conversations and those they hold;
/// a user their own; a bot those it holds.
pub(crate) fn can_see(principal: &Principal, state: &ConversationState) -> bool {
    match principal {
        Principal::Agent(agent) => {
            agent.is_admin()
                || agent.group_ids.contains(&state.conversation.group_id)
                || state.holder(HolderKind::Agent) == Some(agent.id.as_str())
        }
        Principal::User(user) => state.conversation.user.id == user.id,
        Principal::Bot(bot) => state.holder(HolderKind::Bot) == Some(bot.id.as_str()),
    }
}
