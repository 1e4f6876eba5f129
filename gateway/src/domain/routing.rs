//! Routing: which human gets which conversation, event-driven (a periodic sweep in `timers`
//! catches what a missed event left waiting).
//!
//! - A conversation entering an auto group's queue, an agent going online (or connecting), and
//!   an agent freeing capacity each drain the affected queues: oldest first, to the eligible
//!   member with the fewest open conversations, ties to the one idle longest, never above
//!   capacity. The choice and the assignment are one store transaction, serialized per tenant,
//!   so nodes never over-assign or assign a conversation twice.
//! - Users hear their queue position whenever it changes (`queue.position`).
//! - A reopened conversation goes back to its previous agent when that agent can take it.
//! - A bot that is not connected, or leaves a user's message unanswered too long, loses the
//!   conversation to the human queue (unless human chat is off). The bot's time is a durable
//!   timer (`timers`), claimed by whichever node is alive when it is due.

use super::Desk;
use super::conversations::MAX_PAGE;
use super::events::Audience;
use super::timers;
use super::transitions::{self, Reopen};
use crate::clock;
use crate::error::{Error, Result};
use crate::principal::PrincipalKey;
use crate::store::{AgentRecord, CandidateLoad, ConversationState, MessageQuery, Outcome};
use crate::topics::Topic;
use std::collections::HashSet;
use std::time::Duration;
use switchboard_protocol::{
    AgentId, Assignment, AuthorKind, BotId, ClientRole, ConversationId,
    ConversationStatus as Status, GroupId, HolderKind, Message, Presence, QueuePosition,
    ReopenFallback, Routing, ServerFrame, TenantId,
};

/// Where a reopened conversation goes: back to `agent` while below capacity, else `fallback`.
pub struct ReopenPlan {
    pub agent: Option<AgentRecord>,
    pub fallback: Reopen,
}

impl ReopenPlan {
    /// Decided with the agent's load as read in the reopening transaction.
    pub fn choose(&self, loads: &[CandidateLoad]) -> Reopen {
        match &self.agent {
            Some(agent) => {
                let open = loads
                    .iter()
                    .find(|l| l.id == agent.id)
                    .map_or(0, |l| l.open);
                if agent.capacity.is_none_or(|cap| open < cap) {
                    Reopen::ToAgent {
                        id: agent.id.0.clone(),
                        name: agent.full_name.clone(),
                    }
                } else {
                    self.fallback.clone()
                }
            }
            None => self.fallback.clone(),
        }
    }
}

/// The most conversations one drain assigns before yielding (it runs again on the next event).
const MAX_DRAIN: usize = 500;

/// The members who may get conversations automatically: online (presence online and connected
/// within the grace); with `online_then_offline`, everyone when nobody is online.
pub fn eligible(
    members: &[AgentRecord],
    reachable: &HashSet<AgentId>,
    routing: Routing,
) -> Vec<AgentId> {
    let online: Vec<AgentId> = members
        .iter()
        .filter(|m| m.presence == Presence::Online && reachable.contains(&m.id))
        .map(|m| m.id.clone())
        .collect();
    match routing {
        _ if !online.is_empty() => online,
        Routing::OnlineThenOffline => members.iter().map(|m| m.id.clone()).collect(),
        Routing::OnlineOnly => Vec::new(),
    }
}

/// Below capacity, fewest open conversations, then idle longest (never assigned first), then id
/// (so the choice is deterministic).
pub fn pick(
    loads: &[CandidateLoad],
    capacity: impl Fn(&AgentId) -> Option<u32>,
) -> Option<&CandidateLoad> {
    loads
        .iter()
        .filter(|load| capacity(&load.id).is_none_or(|cap| load.open < cap))
        .min_by(|a, b| {
            a.open
                .cmp(&b.open)
                .then_with(|| {
                    a.last_assigned_at
                        .is_some()
                        .cmp(&b.last_assigned_at.is_some())
                })
                .then_with(|| a.last_assigned_at.cmp(&b.last_assigned_at))
                .then_with(|| a.id.cmp(&b.id))
        })
}

fn agent_key(id: &AgentId) -> PrincipalKey {
    PrincipalKey {
        role: ClientRole::Agent,
        id: id.as_str().into(),
    }
}

/// The routing a committed change leaves for after its answer (see `commit`): everything that
/// concerns other conversations than the one changed.
#[derive(Debug, Default)]
pub(crate) struct FollowUps {
    /// Groups whose waiting users are told their (new) positions.
    positions: Vec<GroupId>,
    /// An agent who freed capacity: its groups' queues may now be drained.
    freed: Option<AgentId>,
}

impl FollowUps {
    /// Read off the change: the queue it left, the queue it entered, the agent it freed.
    pub(crate) fn of(outcome: &Outcome) -> Self {
        let after = &outcome.after;
        let before = outcome.before.as_ref();
        let mut follow = FollowUps::default();
        let was_in = before.and_then(queued_in);
        let now_in = queued_in(after);
        if let Some(left) = was_in.as_ref().filter(|g| now_in.as_ref() != Some(*g)) {
            follow.positions.push(left.clone());
        }
        if let Some(entered) = entered_queue(outcome) {
            follow.positions.push(entered);
        }
        follow.freed = before
            .and_then(|b| b.holder(HolderKind::Agent))
            .filter(|held| after.holder(HolderKind::Agent) != Some(*held))
            .map(AgentId::from);
        follow
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.positions.is_empty() && self.freed.is_none()
    }
}

/// The group whose queue the conversation waits in, if it waits.
fn queued_in(state: &ConversationState) -> Option<GroupId> {
    (state.status() == Status::Queued).then(|| state.conversation.group_id.clone())
}

/// The group whose queue the change put the conversation in (not one it already waited in).
fn entered_queue(outcome: &Outcome) -> Option<GroupId> {
    let was_in = outcome.before.as_ref().and_then(queued_in);
    queued_in(&outcome.after).filter(|g| was_in.as_ref() != Some(g))
}

impl Desk {
    /// The routing of the changed conversation itself, which its sender's answer waits for: if
    /// it entered an auto group's queue, the drain that may give it to an agent (oldest first,
    /// so any older conversation an agent can take goes before it); if a bot holds it and the
    /// user wrote, the bot watch (an absent bot hands it over now). A handover found here adds
    /// its queue to `later`'s positions.
    pub(crate) async fn route_own(
        &self,
        tenant: &TenantId,
        outcome: &Outcome,
        later: &mut FollowUps,
    ) -> Result<()> {
        if let Some(entered) = entered_queue(outcome) {
            self.assign_queued(tenant, &entered).await?;
        }
        if let Some(queue) = self.watch_bot(tenant, outcome).await? {
            later.positions.push(queue);
        }
        Ok(())
    }

    /// The follow-ups of one change, run in the tenant's lane after the answer: queue positions
    /// first, then what the freed agent can take. Failures are logged: the change stands.
    pub(crate) async fn follow_up(&self, tenant: &TenantId, later: FollowUps) {
        for group in &later.positions {
            self.routing_event(self.publish_queue_positions(tenant, group).await);
        }
        if let Some(agent) = &later.freed {
            self.routing_event(self.drain_for_agent(tenant, agent).await);
        }
    }

    /// Logs a routing failure that must not fail the request that caused it.
    pub(crate) fn routing_event(&self, result: Result<()>) {
        if let Err(err) = result {
            tracing::error!(error = %err, "routing");
        }
    }

    /// Gives the group's queued conversations to its eligible members while any can take one,
    /// then tells those still waiting their new places.
    pub(crate) async fn drain_queue(&self, tenant: &TenantId, group_id: &GroupId) -> Result<()> {
        if self.assign_queued(tenant, group_id).await? > 0 {
            self.publish_queue_positions(tenant, group_id).await?;
        }
        Ok(())
    }

    /// The assigning part of [`Desk::drain_queue`]: how many it gave out. Each assignment is
    /// published as it commits; the waiting users' positions are left to the caller.
    async fn assign_queued(&self, tenant: &TenantId, group_id: &GroupId) -> Result<usize> {
        let Some(group) = self.store.group(tenant, group_id).await? else {
            return Ok(0);
        };
        if group.assignment != Assignment::Auto {
            return Ok(0);
        }
        let settings = self.settings(tenant).await?;
        let members: Vec<AgentRecord> = self
            .store
            .agents(tenant)
            .await?
            .into_iter()
            .filter(|a| group.member_ids.contains(&a.id))
            .collect();
        let keys: Vec<PrincipalKey> = members.iter().map(|m| agent_key(&m.id)).collect();
        let grace = Duration::from_secs(u64::from(settings.offline_grace_secs));
        let reachable: HashSet<AgentId> = members
            .iter()
            .zip(
                self.connections
                    .connected_within(tenant, &keys, grace)
                    .await,
            )
            .filter(|(_, reachable)| *reachable)
            .map(|(m, _)| m.id.clone())
            .collect();
        let candidates = eligible(&members, &reachable, settings.routing);
        if candidates.is_empty() {
            return Ok(0);
        }
        let route = |state: &ConversationState, loads: &[CandidateLoad]| {
            let capacity = |id: &AgentId| {
                members
                    .iter()
                    .find(|m| &m.id == id)
                    .and_then(|m| m.capacity)
            };
            let Some(chosen) = pick(loads, capacity) else {
                return Ok(None);
            };
            let name = members
                .iter()
                .find(|m| m.id == chosen.id)
                .map(|m| m.full_name.clone())
                .unwrap_or_default();
            Ok(transitions::auto_assign(state, chosen.id.as_str(), &name))
        };
        let mut assigned = 0;
        while assigned < MAX_DRAIN {
            let Some(outcome) = self
                .store
                .assign_next(tenant, group_id, &candidates, &route)
                .await?
            else {
                break;
            };
            tracing::debug!(conversation = %outcome.after.id(), group = %group_id, "auto-assigned");
            self.publish_outcome(tenant, &outcome).await;
            assigned += 1;
            crate::metrics::metrics().auto_assignments.inc();
        }
        Ok(assigned)
    }

    /// An agent came online or freed capacity: drain every auto group it belongs to.
    pub(crate) async fn drain_for_agent(&self, tenant: &TenantId, agent: &AgentId) -> Result<()> {
        let Some(record) = self.store.agent(tenant, agent).await? else {
            return Ok(());
        };
        for group in &record.group_ids {
            self.drain_queue(tenant, group).await?;
        }
        Ok(())
    }

    /// Tells each user waiting in the group where their conversation stands.
    pub(crate) async fn publish_queue_positions(
        &self,
        tenant: &TenantId,
        group: &GroupId,
    ) -> Result<()> {
        let queue = self.store.queue(tenant, group).await?;
        let length = queue.len() as u32;
        for (index, (conversation_id, user)) in queue.into_iter().enumerate() {
            let frame = ServerFrame::QueuePosition(QueuePosition {
                conversation_id,
                position: index as u32 + 1,
                queue_length: length,
            });
            self.publish_frame(Audience::to(vec![Topic::user(tenant, &user)]), &frame)
                .await;
        }
        Ok(())
    }

    /// Where a resolved conversation may go when its user writes again: its previous agent if
    /// online (the capacity is checked in the change's transaction), else the fallback.
    pub(crate) async fn reopen_plan(
        &self,
        tenant: &TenantId,
        state: &ConversationState,
    ) -> Result<ReopenPlan> {
        let mut plan = ReopenPlan {
            agent: None,
            fallback: Reopen::ToQueue,
        };
        if state.status() != Status::Resolved {
            return Ok(plan);
        }
        if let Some(previous) = &state.last_agent_id
            && let Some(agent) = self.store.agent(tenant, previous).await?
            && agent.presence == Presence::Online
            && self.agent_connected(tenant, &agent.id).await
        {
            plan.agent = Some(agent);
        }
        let settings = self.settings(tenant).await?;
        if !settings.human_chat_enabled {
            // §6.1: with human chat off nothing enters a queue and no human takes a chat: the
            // conversation reopens to the entry bot, whatever `reopen_fallback` says, or the
            // message is refused (and nothing is stored).
            plan.agent = None;
            let bot = match &settings.entry_bot_id {
                Some(bot_id) => self.store.bot(tenant, bot_id).await?,
                None => None,
            };
            plan.fallback = Reopen::ToBot(bot.ok_or(Error::HumanChatDisabled)?);
            return Ok(plan);
        }
        if settings.reopen_fallback == ReopenFallback::EntryBot
            && let Some(bot_id) = &settings.entry_bot_id
            && let Some(bot) = self.store.bot(tenant, bot_id).await?
        {
            plan.fallback = Reopen::ToBot(bot);
        }
        Ok(plan)
    }

    pub(crate) async fn bot_connected(&self, tenant: &TenantId, bot: &BotId) -> bool {
        let key = PrincipalKey {
            role: ClientRole::Bot,
            id: bot.as_str().into(),
        };
        self.connections
            .connected(tenant, &[key])
            .await
            .first()
            .copied()
            .unwrap_or(false)
    }

    /// A user wrote to a bot: if the bot is not there, hand over now (answering the queue the
    /// conversation entered, whose users then hear their places); else give the bot
    /// `bot_timeout_secs` to answer (a stored timer, see `timers`).
    async fn watch_bot(&self, tenant: &TenantId, outcome: &Outcome) -> Result<Option<GroupId>> {
        let Some(bot) = outcome.after.holder(HolderKind::Bot).map(BotId::from) else {
            return Ok(None);
        };
        let Some(user_message) = outcome
            .messages
            .iter()
            .rev()
            .find(|m| m.author.kind == AuthorKind::User)
        else {
            return Ok(None);
        };
        let settings = self.settings(tenant).await?;
        if !settings.human_chat_enabled {
            return Ok(None);
        }
        let conversation = outcome.after.id().clone();
        if !self.bot_connected(tenant, &bot).await {
            let why = "The assistant is not available right now";
            return self
                .bot_failed(tenant, &conversation, &bot, None, why)
                .await;
        }
        if settings.bot_timeout_secs == 0 {
            return Ok(None);
        }
        let wait = Duration::from_secs(u64::from(settings.bot_timeout_secs));
        let due = timers::due_after(chrono::Utc::now(), wait);
        self.arm_bot_timer(tenant, &conversation, &bot, user_message.seq, due)
            .await?;
        Ok(None)
    }

    /// The bot had `bot_timeout_secs` to answer the user's message `unanswered` (its timer is
    /// due): if it has not written since (other messages, the user's or agents' notes, are no
    /// answer), hand over; if it has, time the first user message after its last answer.
    pub(crate) async fn bot_timed_out(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        bot: &BotId,
        unanswered: u64,
    ) -> Result<()> {
        if !self.settings(tenant).await?.human_chat_enabled {
            return Ok(());
        }
        // A few rounds: a message written between the check and the change means checking again.
        for _ in 0..3 {
            let query = MessageQuery {
                after_seq: Some(unanswered),
                before_seq: None,
                limit: MAX_PAGE,
                include_private: true,
            };
            let page = self.store.messages(tenant, conversation, &query).await?;
            let by_bot =
                |m: &&Message| m.author.kind == AuthorKind::Bot && m.author.id == bot.as_str();
            if let Some(answer) = page.messages.iter().rev().find(by_bot) {
                return self
                    .rewatch_bot(tenant, conversation, bot, answer.seq, &page.messages)
                    .await;
            }
            let checked_up_to = page.messages.last().map_or(unanswered, |m| m.seq);
            let why = "The assistant did not answer in time";
            if let Some(queue) = self
                .bot_failed(tenant, conversation, bot, Some(checked_up_to), why)
                .await?
            {
                // A timer's own task: no answer waits, the positions go out right away.
                return self.publish_queue_positions(tenant, &queue).await;
            }
            match self.store.conversation(tenant, conversation).await? {
                Some(state)
                    if state.holder(HolderKind::Bot) == Some(bot.as_str())
                        && state.conversation.last_seq > checked_up_to =>
                {
                    continue;
                }
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    /// The bot answered the user's message it was timed for, and its last answer is `answered`:
    /// a user message written after that answer (which got no timer of its own while the
    /// earlier one was pending) gets the bot's time counted from when it was written.
    async fn rewatch_bot(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        bot: &BotId,
        answered: u64,
        messages: &[Message],
    ) -> Result<()> {
        let Some(waiting) = messages
            .iter()
            .find(|m| m.seq > answered && m.author.kind == AuthorKind::User)
        else {
            return Ok(());
        };
        let settings = self.settings(tenant).await?;
        if settings.bot_timeout_secs == 0 {
            return Ok(());
        }
        match self.store.conversation(tenant, conversation).await? {
            Some(state) if state.holder(HolderKind::Bot) == Some(bot.as_str()) => {}
            _ => return Ok(()),
        }
        let written = timers::parse_time(&waiting.created_at).unwrap_or_else(chrono::Utc::now);
        let wait = Duration::from_secs(u64::from(settings.bot_timeout_secs));
        let due = timers::due_after(written, wait);
        self.arm_bot_timer(tenant, conversation, bot, waiting.seq, due)
            .await
    }

    /// Hands the conversation over from a failed bot and drains the queue it entered; answers
    /// that queue if it did (the bot still held it and, with `unanswered`, nothing was written
    /// after that seq). Telling the queue's users their places is the caller's.
    async fn bot_failed(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        bot: &BotId,
        unanswered: Option<u64>,
        why: &str,
    ) -> Result<Option<GroupId>> {
        let now = clock::now();
        let bot_id = bot.0.clone();
        let why = why.to_owned();
        let decide = move |s: &ConversationState| {
            Ok(transitions::bot_failed(s, &bot_id, unanswered, &why, &now))
        };
        let outcome = self
            .store
            .modify_conversation(tenant, conversation, &decide)
            .await?;
        if !outcome.state_changed {
            return Ok(None);
        }
        tracing::info!(%conversation, "bot failed the user; handed over");
        // The bot's pending timer, if any, has nothing left to time.
        if let Err(err) = self.store.cancel_bot_timer(tenant, conversation).await {
            tracing::warn!(error = %err, %conversation, "dropping a handed-over bot timer");
        }
        // It entered its group's queue and nothing else changed: no bot to watch.
        self.publish_outcome(tenant, &outcome).await;
        let group = outcome.after.conversation.group_id.clone();
        self.assign_queued(tenant, &group).await?;
        Ok(Some(group))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::{AgentStatus, Role, Timestamp};

    fn agent(id: &str, presence: Presence) -> AgentRecord {
        AgentRecord {
            id: id.into(),
            tenant_id: "t".into(),
            full_name: id.into(),
            login: id.into(),
            email: String::new(),
            role: Role::Agent,
            status: AgentStatus::Verified,
            presence,
            capacity: None,
            group_ids: vec![],
            password_hash: None,
            invite_token_hash: None,
        }
    }

    fn load(id: &str, open: u32, last: Option<&str>) -> CandidateLoad {
        CandidateLoad {
            id: id.into(),
            open,
            last_assigned_at: last.map(|t| Timestamp(t.into())),
        }
    }

    #[test]
    fn only_online_reachable_members_are_eligible_unless_nobody_is() {
        let members = vec![
            agent("a", Presence::Online),
            agent("b", Presence::Offline),
            agent("c", Presence::Online),
        ];
        let reachable: HashSet<AgentId> = ["a".into(), "b".into()].into_iter().collect();
        assert_eq!(
            eligible(&members, &reachable, Routing::OnlineOnly),
            vec![AgentId::from("a")]
        );
        assert_eq!(
            eligible(&members, &reachable, Routing::OnlineThenOffline),
            vec![AgentId::from("a")]
        );
        let nobody = HashSet::new();
        assert!(eligible(&members, &nobody, Routing::OnlineOnly).is_empty());
        assert_eq!(
            eligible(&members, &nobody, Routing::OnlineThenOffline).len(),
            3
        );
    }

    #[test]
    fn the_least_busy_then_the_longest_idle_below_capacity_wins() {
        let loads = vec![
            load("a", 2, None),
            load("b", 1, Some("2026-11-21T10:00:00.000Z")),
            load("c", 1, Some("2026-11-21T09:00:00.000Z")),
            load("d", 1, None),
        ];
        let no_cap = |_: &AgentId| None;
        assert_eq!(
            pick(&loads, no_cap).map(|l| l.id.as_str()),
            Some("d"),
            "never assigned is idle longest"
        );
        let d_full = |id: &AgentId| (id.as_str() == "d").then_some(1);
        assert_eq!(pick(&loads, d_full).map(|l| l.id.as_str()), Some("c"));
        let all_full = |_: &AgentId| Some(1);
        assert_eq!(pick(&loads[1..], all_full), None);
    }
}
