//! Conversation operations, shared by WebSocket sessions and REST handlers.
//!
//! Each change is one store transaction (read, decide with `transitions`, write), then settled
//! once (`commit`: published, routed). A send is idempotent on the author's `client_msg_id`.

use super::events::{Audience, participant_topics};
use super::transitions::Reopen;
use super::{Desk, transitions};
use crate::clock;
use crate::error::{Error, Result};
use crate::principal::{AgentPrincipal, Principal};
use crate::store::{
    CandidateLoad, ConversationFilter, ConversationOrder, ConversationQuery, ConversationState,
    Decision, MessagePage, MessageQuery, NewConversation, NewMessage, Outcome, Visibility,
};
use std::sync::atomic::{AtomicBool, Ordering};
use switchboard_protocol::{
    Agent, AgentId, AssignTarget, Assignee, ConversationId, ConversationStatus as Status,
    ConversationView, GroupId, HolderKind, MAX_TEXT_CHARS, Message, MessageSend, Presence,
    ReadEvent, ServerFrame, TenantId, TypingEvent,
};

/// Longest `client_msg_id` accepted.
const MAX_CLIENT_MSG_ID_CHARS: usize = 200;
/// Default and largest page of `history` and `GET .../messages`.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;
/// The most messages a `conversation.subscribe` ack carries; the rest come through `history`.
pub const MAX_SUBSCRIBE_REPLAY: u32 = 500;
/// Longest conversation list.
pub const MAX_LIST: u32 = 500;

fn validate_send(request: &MessageSend) -> Result<()> {
    let chars = request.text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(Error::TooLarge(format!(
            "text is longer than {MAX_TEXT_CHARS} characters"
        )));
    }
    if request.text.contains('\0') || request.client_msg_id.contains('\0') {
        // PostgreSQL cannot store NUL; refusing it everywhere keeps both stores alike.
        return Err(Error::invalid("text must not contain NUL characters"));
    }
    if request.text.trim().is_empty() && request.attachment_ids.is_empty() {
        return Err(Error::invalid("text must not be empty"));
    }
    if request.client_msg_id.is_empty()
        || request.client_msg_id.chars().count() > MAX_CLIENT_MSG_ID_CHARS
    {
        return Err(Error::invalid(format!(
            "client_msg_id must have 1 to {MAX_CLIENT_MSG_ID_CHARS} characters"
        )));
    }
    Ok(())
}

impl Desk {
    /// `message.send`. Answers the stored message; a retry answers the original.
    pub async fn send_message(
        &self,
        principal: &Principal,
        request: &MessageSend,
    ) -> Result<Message> {
        validate_send(request)?;
        if request.private && !matches!(principal, Principal::Agent(_)) {
            return Err(Error::forbidden("only agents write private notes"));
        }
        let tenant = principal.tenant();
        // No idempotency read up front: the message's insert hits the unique index on the
        // author's `client_msg_id` when this is a retry, the transaction rolls back, and only
        // then is the original looked up. A fresh message (nearly all) costs one transaction.
        let outcome = match self.store_new_message(principal, request).await {
            Ok(outcome) => outcome,
            // The store is unreachable: asking it again would only double the wait.
            Err(err @ (Error::Database(_) | Error::Unavailable(_))) => return Err(err),
            Err(err) => {
                return match self.stored_retry(principal, request).await? {
                    Some(original) => Ok(original),
                    None => Err(err),
                };
            }
        };
        crate::metrics::metrics().messages.inc();
        self.settle(tenant, &outcome).await;
        outcome
            .messages
            .into_iter()
            .find(|m| m.client_msg_id.as_deref() == Some(request.client_msg_id.as_str()))
            .ok_or_else(|| Error::internal("the sent message is missing from its outcome"))
    }

    async fn stored_retry(
        &self,
        principal: &Principal,
        request: &MessageSend,
    ) -> Result<Option<Message>> {
        let author = principal.author();
        self.store
            .message_by_client_id(
                principal.tenant(),
                author.kind,
                &author.id,
                &request.client_msg_id,
            )
            .await
    }

    async fn store_new_message(
        &self,
        principal: &Principal,
        request: &MessageSend,
    ) -> Result<Outcome> {
        let attachments = self
            .message_attachments(principal, &request.attachment_ids)
            .await?;
        let message = NewMessage {
            author: principal.author(),
            text: request.text.clone(),
            private: request.private,
            client_msg_id: Some(request.client_msg_id.clone()),
            attachments,
        };
        self.store_message(principal, request.conversation_id.as_ref(), message)
            .await
    }

    async fn store_message(
        &self,
        principal: &Principal,
        conversation_id: Option<&ConversationId>,
        message: NewMessage,
    ) -> Result<Outcome> {
        let tenant = principal.tenant();
        let now = clock::now();
        match principal {
            Principal::User(user) => {
                if let Some(id) = conversation_id {
                    // The common case in one transaction: visibility is checked on the state
                    // it reads. A resolved conversation needs the reopen plan (the previous
                    // agent's load), so it takes the longer way below.
                    let resolved = AtomicBool::new(false);
                    let first_try = message.clone();
                    let decide = |s: &ConversationState| {
                        if !super::can_see(principal, s) {
                            return Err(Error::NotFound("conversation"));
                        }
                        if s.status() == Status::Resolved {
                            resolved.store(true, Ordering::Relaxed);
                            return Err(Error::Conflict("resolved: reopen".to_owned()));
                        }
                        Ok(transitions::user_message(
                            s,
                            first_try.clone(),
                            &Reopen::ToQueue,
                            &now,
                        ))
                    };
                    let result = self.store.modify_conversation(tenant, id, &decide).await;
                    if !resolved.load(Ordering::Relaxed) {
                        return result;
                    }
                }
                let existing = match conversation_id {
                    Some(id) => Some(self.visible_conversation(principal, id).await?),
                    None => {
                        self.store
                            .latest_open_conversation(tenant, &user.id)
                            .await?
                    }
                };
                match existing {
                    Some(state) => {
                        if state.status() != Status::Resolved {
                            let decide = move |s: &ConversationState| {
                                Ok(transitions::user_message(
                                    s,
                                    message.clone(),
                                    &Reopen::ToQueue,
                                    &now,
                                ))
                            };
                            return self
                                .store
                                .modify_conversation(tenant, state.id(), &decide)
                                .await;
                        }
                        // Whether the previous agent can take it back is decided with their load
                        // read in the reopening transaction: reopens cannot race past a capacity.
                        let plan = self.reopen_plan(tenant, &state).await?;
                        let agents: Vec<AgentId> =
                            plan.agent.iter().map(|a| a.id.clone()).collect();
                        let decide = move |s: &ConversationState, loads: &[CandidateLoad]| {
                            Ok(transitions::user_message(
                                s,
                                message.clone(),
                                &plan.choose(loads),
                                &now,
                            ))
                        };
                        self.store
                            .modify_conversation_with_loads(tenant, state.id(), &agents, &decide)
                            .await
                    }
                    None => self.open_conversation(tenant, &user.id, message).await,
                }
            }
            Principal::Bot(bot) => {
                let id =
                    conversation_id.ok_or_else(|| Error::invalid("conversation_id is required"))?;
                let bot_id = bot.id.clone();
                let decide = move |s: &ConversationState| {
                    if !super::can_see(principal, s) {
                        return Err(Error::NotFound("conversation"));
                    }
                    transitions::bot_message(s, bot_id.as_str(), message.clone())
                };
                self.store.modify_conversation(tenant, id, &decide).await
            }
            Principal::Agent(agent) => {
                let id =
                    conversation_id.ok_or_else(|| Error::invalid("conversation_id is required"))?;
                let policy = self.settings(tenant).await?.reply_policy;
                let agent = agent.clone();
                let decide = move |s: &ConversationState| {
                    if !super::can_see(principal, s) {
                        return Err(Error::NotFound("conversation"));
                    }
                    transitions::agent_message(s, &agent, message.clone(), policy)
                };
                self.store.modify_conversation(tenant, id, &decide).await
            }
        }
    }

    /// A new conversation goes to the entry bot when one is set, else to the default group's
    /// queue.
    async fn open_conversation(
        &self,
        tenant: &TenantId,
        user: &switchboard_protocol::UserId,
        first: NewMessage,
    ) -> Result<Outcome> {
        let settings = self.settings(tenant).await?;
        let entry_bot = match &settings.entry_bot_id {
            Some(id) => self.store.bot(tenant, id).await?,
            None => None,
        };
        let (conversation, messages) = match entry_bot {
            Some(bot) => (
                NewConversation {
                    user_id: user.clone(),
                    status: Status::Bot,
                    group_id: settings.default_group_id.clone(),
                    assignee: Some(Assignee {
                        kind: HolderKind::Bot,
                        id: bot.id.0.clone(),
                        name: bot.name.clone(),
                    }),
                    queued: false,
                },
                vec![first],
            ),
            None => (
                NewConversation {
                    user_id: user.clone(),
                    status: Status::Queued,
                    group_id: settings.default_group_id.clone(),
                    assignee: None,
                    queued: true,
                },
                vec![first, transitions::system("Waiting for an agent", false)],
            ),
        };
        self.store
            .open_conversation(tenant, conversation, messages)
            .await
    }

    /// `conversation.handover`, by the conversation's user or the bot holding it.
    pub async fn handover(
        &self,
        principal: &Principal,
        id: &ConversationId,
        reason: Option<&str>,
        group_id: Option<&GroupId>,
    ) -> Result<ConversationState> {
        if matches!(principal, Principal::Agent(_)) {
            return Err(Error::forbidden("agents transfer or unassign instead"));
        }
        let tenant = principal.tenant();
        let state = self.visible_conversation(principal, id).await?;
        let settings = self.settings(tenant).await?;
        if !settings.human_chat_enabled {
            return Err(Error::HumanChatDisabled);
        }
        let group_id = group_id
            .cloned()
            .unwrap_or_else(|| state.conversation.group_id.clone());
        let group = self
            .store
            .group(tenant, &group_id)
            .await?
            .ok_or(Error::NotFound("group"))?;
        let now = clock::now();
        let reason = reason.map(str::to_owned);
        self.change(tenant, id, &move |s| {
            transitions::handover(s, &group, reason.as_deref(), &now)
        })
        .await
    }

    pub async fn accept(
        &self,
        agent: &AgentPrincipal,
        id: &ConversationId,
    ) -> Result<ConversationState> {
        let principal = Principal::Agent(agent.clone());
        self.visible_conversation(&principal, id).await?;
        let record = self
            .store
            .agent(&agent.tenant, &agent.id)
            .await?
            .ok_or(Error::Unauthorized)?;
        if record.presence != Presence::Online {
            return Err(Error::forbidden("go online to take conversations"));
        }
        let agent = agent.clone();
        let tenant = agent.tenant.clone();
        self.change(&tenant, id, &move |s| transitions::accept(s, &agent))
            .await
    }

    pub async fn assign(
        &self,
        agent: &AgentPrincipal,
        id: &ConversationId,
        to: &AssignTarget,
    ) -> Result<ConversationState> {
        let principal = Principal::Agent(agent.clone());
        self.visible_conversation(&principal, id).await?;
        let tenant = &agent.tenant;
        match to.kind {
            HolderKind::Agent => {
                let target = self
                    .store
                    .agent(tenant, &AgentId(to.id.clone()))
                    .await?
                    .ok_or(Error::NotFound("agent"))?;
                // Owners and admins may go beyond an agent's capacity; others may not. The load
                // is read in the change's own transaction, so assignments cannot race past it.
                let by = agent.clone();
                let decide = move |s: &ConversationState, loads: &[CandidateLoad]| {
                    let open = loads
                        .iter()
                        .find(|l| l.id == target.id)
                        .map_or(0, |l| l.open);
                    let holds = s.holder(HolderKind::Agent) == Some(target.id.as_str());
                    if !by.is_admin() && !holds && target.capacity.is_some_and(|cap| open >= cap) {
                        return Err(Error::Unavailable(format!(
                            "{} is at capacity",
                            target.full_name
                        )));
                    }
                    transitions::assign_to_agent(s, &target, &by)
                };
                let target_id = [AgentId(to.id.clone())];
                let outcome = self
                    .store
                    .modify_conversation_with_loads(tenant, id, &target_id, &decide)
                    .await?;
                self.settle(tenant, &outcome).await;
                Ok(outcome.after)
            }
            HolderKind::Bot => {
                let bot = self
                    .store
                    .bot(tenant, &to.id.as_str().into())
                    .await?
                    .ok_or(Error::NotFound("bot"))?;
                if !self.bot_connected(tenant, &bot.id).await {
                    return Err(Error::Unavailable(format!("{} is not connected", bot.name)));
                }
                self.change(tenant, id, &move |s| transitions::assign_to_bot(s, &bot))
                    .await
            }
        }
    }

    /// To another group's queue, only while that group is online.
    pub async fn transfer(
        &self,
        agent: &AgentPrincipal,
        id: &ConversationId,
        group_id: &GroupId,
    ) -> Result<ConversationState> {
        let principal = Principal::Agent(agent.clone());
        self.visible_conversation(&principal, id).await?;
        let group = self
            .store
            .group(&agent.tenant, group_id)
            .await?
            .ok_or(Error::NotFound("group"))?;
        if !self.group_online(&agent.tenant, &group).await {
            return Err(Error::Unavailable(format!("{} is not online", group.name)));
        }
        let now = clock::now();
        self.change(&agent.tenant, id, &move |s| {
            transitions::transfer(s, &group, &now)
        })
        .await
    }

    /// Back to the queue, by its holder or an admin.
    pub async fn unassign(
        &self,
        agent: &AgentPrincipal,
        id: &ConversationId,
    ) -> Result<ConversationState> {
        let principal = Principal::Agent(agent.clone());
        let state = self.visible_conversation(&principal, id).await?;
        let holds = state.holder(HolderKind::Agent) == Some(agent.id.as_str());
        if state.status() == Status::Assigned && !holds && !agent.is_admin() {
            return Err(Error::forbidden(
                "only its holder or an admin may unassign a conversation",
            ));
        }
        let now = clock::now();
        self.change(&agent.tenant, id, &move |s| transitions::unassign(s, &now))
            .await
    }

    pub async fn resolve(
        &self,
        agent: &AgentPrincipal,
        id: &ConversationId,
    ) -> Result<ConversationState> {
        let principal = Principal::Agent(agent.clone());
        self.visible_conversation(&principal, id).await?;
        let now = clock::now();
        self.change(&agent.tenant, id, &move |s| transitions::resolve(s, &now))
            .await
    }

    /// `conversation.reopen` (an addition): an agent who is online reopens a resolved
    /// conversation it may see and takes it. Capacity is not checked: reopening for oneself is
    /// the agent's explicit choice (see `docs/decisions.md`).
    pub async fn reopen(
        &self,
        agent: &AgentPrincipal,
        id: &ConversationId,
    ) -> Result<ConversationState> {
        let principal = Principal::Agent(agent.clone());
        self.visible_conversation(&principal, id).await?;
        let record = self
            .store
            .agent(&agent.tenant, &agent.id)
            .await?
            .ok_or(Error::Unauthorized)?;
        if record.presence != Presence::Online {
            return Err(Error::forbidden("go online to take conversations"));
        }
        let (agent_id, name) = (agent.id.clone(), agent.name.clone());
        self.change(&agent.tenant, id, &move |s| {
            transitions::reopen_by_agent(s, agent_id.as_str(), &name)
        })
        .await
    }

    /// A removed agent's conversation goes back to its queue.
    pub(crate) async fn requeue_from(
        &self,
        tenant: &TenantId,
        id: &ConversationId,
        agent: &AgentId,
    ) -> Result<()> {
        let now = clock::now();
        let agent = agent.clone();
        let decide = move |s: &ConversationState| {
            if s.holder(HolderKind::Agent) != Some(agent.as_str()) {
                return Ok(Decision::unchanged());
            }
            transitions::unassign(s, &now)
        };
        self.change(tenant, id, &decide).await.map(|_| ())
    }

    /// Messages of a conversation the principal may see; users never get private ones.
    pub async fn history(
        &self,
        principal: &Principal,
        id: &ConversationId,
        after_seq: Option<u64>,
        before_seq: Option<u64>,
        limit: Option<u32>,
    ) -> Result<MessagePage> {
        self.visible_conversation(principal, id).await?;
        let limit = limit.unwrap_or(DEFAULT_PAGE);
        if limit == 0 || limit > MAX_PAGE {
            return Err(Error::invalid(format!("limit must be 1 to {MAX_PAGE}")));
        }
        let query = MessageQuery {
            after_seq,
            before_seq,
            limit,
            include_private: !matches!(principal, Principal::User(_)),
        };
        self.store.messages(principal.tenant(), id, &query).await
    }

    /// The conversation and what the subscriber missed after `after_seq`. The caller subscribes
    /// to the conversation's topic *before* calling, so nothing falls between the two; a
    /// message may then arrive twice (clients deduplicate by `seq`).
    pub async fn subscription_snapshot(
        &self,
        agent: &AgentPrincipal,
        id: &ConversationId,
        after_seq: Option<u64>,
    ) -> Result<(ConversationState, MessagePage)> {
        let principal = Principal::Agent(agent.clone());
        let state = self.visible_conversation(&principal, id).await?;
        let query = MessageQuery {
            after_seq: Some(after_seq.unwrap_or(0)),
            before_seq: None,
            limit: MAX_SUBSCRIBE_REPLAY,
            include_private: true,
        };
        let page = self.store.messages(&agent.tenant, id, &query).await?;
        Ok((state, page))
    }

    /// `GET /v1/conversations?view=`.
    pub async fn list_conversations(
        &self,
        agent: &AgentPrincipal,
        view: ConversationView,
        limit: Option<u32>,
    ) -> Result<Vec<ConversationState>> {
        self.list_conversations_filtered(agent, view, limit, ConversationFilter::default())
            .await
    }

    /// What an agent's lists show: everything for owners and admins; for agents, their groups'
    /// conversations and those they hold.
    pub(crate) fn visibility(&self, agent: &AgentPrincipal) -> Visibility {
        if agent.is_admin() {
            Visibility::All
        } else {
            Visibility::Groups {
                group_ids: agent.group_ids.clone(),
                agent_id: agent.id.clone(),
            }
        }
    }

    /// `GET /v1/conversations?view=&tag=&q=&bot_id=`: a list narrowed by tag, text search and
    /// bot (an unknown bot is `not_found`).
    pub async fn list_conversations_filtered(
        &self,
        agent: &AgentPrincipal,
        view: ConversationView,
        limit: Option<u32>,
        filter: ConversationFilter,
    ) -> Result<Vec<ConversationState>> {
        let limit = limit.unwrap_or(100);
        if limit == 0 || limit > MAX_LIST {
            return Err(Error::invalid(format!("limit must be 1 to {MAX_LIST}")));
        }
        if let Some(bot) = &filter.bot_id {
            self.store
                .bot(&agent.tenant, bot)
                .await?
                .ok_or(Error::NotFound("bot"))?;
        }
        let visibility = self.visibility(agent);
        let (statuses, held_by, order) = match view {
            ConversationView::Mine => (
                vec![Status::Assigned],
                Some(agent.id.clone()),
                ConversationOrder::RecentlyUpdatedFirst,
            ),
            ConversationView::Unassigned => (
                vec![Status::Queued],
                None,
                ConversationOrder::OldestQueuedFirst,
            ),
            ConversationView::Open => (
                vec![Status::Bot, Status::Queued, Status::Assigned],
                None,
                ConversationOrder::RecentlyUpdatedFirst,
            ),
            ConversationView::Bot => (
                vec![Status::Bot],
                None,
                ConversationOrder::RecentlyUpdatedFirst,
            ),
            ConversationView::Closed => (
                vec![Status::Resolved],
                None,
                ConversationOrder::RecentlyUpdatedFirst,
            ),
        };
        let query = ConversationQuery {
            statuses,
            visibility,
            held_by,
            order,
            limit,
            filter,
        };
        self.store.conversations(&agent.tenant, &query).await
    }

    /// `presence.set`: stored, and told to the tenant's agents.
    pub async fn set_presence(&self, agent: &AgentPrincipal, presence: Presence) -> Result<Agent> {
        let mut record = self
            .store
            .agent(&agent.tenant, &agent.id)
            .await?
            .ok_or(Error::Unauthorized)?;
        record.presence = presence;
        self.store.update_agent(&agent.tenant, &record).await?;
        self.publish_presence(&agent.tenant, &agent.id).await;
        if presence == Presence::Online {
            self.routing_event(self.drain_for_agent(&agent.tenant, &agent.id).await);
        }
        Ok(self.agent_view(&record).await)
    }

    /// `typing`: to the other participants; nothing is stored.
    pub async fn typing(&self, principal: &Principal, id: &ConversationId) -> Result<()> {
        let state = self.visible_conversation(principal, id).await?;
        let frame = ServerFrame::Typing(TypingEvent {
            conversation_id: id.clone(),
            author: principal.author(),
        });
        let mut audience = Audience::to(participant_topics(principal.tenant(), &state, true));
        audience.exclude = Some(principal.key());
        self.publish_frame(audience, &frame).await;
        Ok(())
    }

    /// `read`: to the other participants; nothing is stored.
    pub async fn read(&self, principal: &Principal, id: &ConversationId, seq: u64) -> Result<()> {
        let state = self.visible_conversation(principal, id).await?;
        if seq > state.conversation.last_seq {
            return Err(Error::invalid(
                "seq is beyond the conversation's last message",
            ));
        }
        let frame = ServerFrame::Read(ReadEvent {
            conversation_id: id.clone(),
            seq,
            by: principal.author(),
        });
        let mut audience = Audience::to(participant_topics(principal.tenant(), &state, true));
        audience.exclude = Some(principal.key());
        self.publish_frame(audience, &frame).await;
        Ok(())
    }
}
