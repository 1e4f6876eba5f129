//! The desk's state, pure: no web APIs, so it is unit-tested natively.
//!
//! Everything the gateway tells the desk goes through [`apply`] (socket frames, acks included)
//! or [`DeskState::load_view`] (REST lists). Messages are held per conversation in a map keyed
//! by `seq`, which sorts and deduplicates them by construction; that is what makes a reconnect
//! (re-subscribe with `after_seq`, replays overlapping what is held) safe.

use crate::http::percent_encode;
use std::collections::{BTreeMap, HashMap};
use switchboard_protocol::desk::{PatchContact, QuickResponse};
use switchboard_protocol::{
    Agent, AgentId, AuthorKind, Conversation, ConversationActivity, ConversationId,
    ConversationStatus, ConversationUser, ConversationView, GroupId, HolderKind, Message, Patch,
    Presence, ServerFrame,
};

/// The five tabs, in the order the rail shows them.
pub const VIEWS: [ConversationView; 5] = [
    ConversationView::Mine,
    ConversationView::Unassigned,
    ConversationView::Open,
    ConversationView::Bot,
    ConversationView::Closed,
];

/// The wire name of a view (`?view=`, test ids).
pub fn view_name(view: ConversationView) -> &'static str {
    match view {
        ConversationView::Mine => "mine",
        ConversationView::Unassigned => "unassigned",
        ConversationView::Open => "open",
        ConversationView::Bot => "bot",
        ConversationView::Closed => "closed",
    }
}

pub fn view_label(view: ConversationView) -> &'static str {
    match view {
        ConversationView::Mine => "Me",
        ConversationView::Unassigned => "Unassigned",
        ConversationView::Open => "Open",
        ConversationView::Bot => "Bot",
        ConversationView::Closed => "Closed",
    }
}

/// The state of the one WebSocket.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Connection {
    /// Not started (logged out).
    #[default]
    Idle,
    /// Opening or authenticating, for the first time.
    Connecting,
    /// Authenticated (`welcome` received).
    Live,
    /// Dropped; the next try is number `attempt`, in `retry_in_ms`.
    Reconnecting { attempt: u32, retry_in_ms: u32 },
}

/// Something the agent should be told about (sound, browser notification).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// A conversation entered the queue of one of my groups.
    Queued(ConversationId, String),
    /// A conversation was given to me.
    AssignedToMe(ConversationId, String),
}

/// Someone typing in a conversation; `serial` lets the UI clear exactly this indication later.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypingNow {
    pub name: String,
    pub serial: u64,
}

#[derive(Clone, Debug, Default)]
pub struct DeskState {
    /// Who is logged in (from login or `GET /v1/me`, kept current by acks and presence).
    pub me: Option<Agent>,
    pub conversations: HashMap<ConversationId, Conversation>,
    /// The ids of each view, in the view's order.
    pub lists: HashMap<ConversationView, Vec<ConversationId>>,
    /// Messages held per conversation, by `seq`.
    pub messages: HashMap<ConversationId, BTreeMap<u64, Message>>,
    /// The highest `seq` the agent has seen per conversation; unread is what lies above it.
    pub read_seq: HashMap<ConversationId, u64>,
    /// The highest `seq` the conversation's user has read (from `read` frames by the user);
    /// only ever moves forward. Not stored by the gateway: known from when the desk listens.
    pub user_read_seq: HashMap<ConversationId, u64>,
    /// The conversation on screen (its messages count as read as they arrive).
    pub open: Option<ConversationId>,
    pub typing: HashMap<ConversationId, TypingNow>,
    typing_serial: u64,
    /// Presence of the tenant's agents, from `presence` events.
    pub presence: HashMap<AgentId, (Presence, bool)>,
    pub connection: Connection,
    /// Counts conversation changes heard live; `touched` records the count at each one's
    /// latest change, so a list fetched meanwhile does not drop what changed during the fetch.
    event_serial: u64,
    touched: HashMap<ConversationId, u64>,
    /// Notices not yet shown; the UI drains them.
    pub notices: Vec<Notice>,
    /// The filter narrowing one view's list (a tag, the closed view's search), if any.
    pub filter: Option<ListFilter>,
    /// The ids the filter lets through, in the view's order; `None` until its first answer.
    pub filtered: Option<Vec<ConversationId>>,
    /// Why the filtered list could not be fetched (shown instead of the list).
    pub filter_error: Option<String>,
    /// The tenant's quick responses by shortcut, fetched once (`None`: not yet).
    pub quick_responses: Option<Vec<QuickResponse>>,
    /// The latest message of each conversation as the list shows it (from
    /// `conversation.activity` and the messages held).
    pub previews: HashMap<ConversationId, Preview>,
}

/// A conversation's latest message, for its line in the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preview {
    pub seq: u64,
    /// The text's start (plain text: rendered as text).
    pub text: String,
    pub author_kind: AuthorKind,
    pub author_name: String,
    pub private: bool,
    /// When it was written (RFC 3339).
    pub at: String,
}

impl Preview {
    /// The line shown: who wrote it (agents and bots by name) and the text, one line.
    pub fn line(&self) -> String {
        let text: String = self.text.split_whitespace().collect::<Vec<_>>().join(" ");
        let text = if text.is_empty() {
            "(attachment)".to_owned()
        } else {
            text
        };
        let who = match self.author_kind {
            AuthorKind::User => String::new(),
            AuthorKind::System => String::new(),
            AuthorKind::Agent | AuthorKind::Bot => {
                let name = self.author_name.trim();
                if name.is_empty() {
                    String::new()
                } else {
                    format!("{name}: ")
                }
            }
        };
        if self.private {
            format!("Note · {who}{text}")
        } else {
            format!("{who}{text}")
        }
    }
}

/// How many characters of a message's text a preview keeps.
pub const PREVIEW_CHARS: usize = 140;

/// A narrowing of one view's list, fetched as `GET /v1/conversations?view=&tag=&q=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListFilter {
    pub view: ConversationView,
    /// Only conversations carrying this tag (exact, trimmed).
    pub tag: Option<String>,
    /// Only conversations whose user's name, e-mail or any message contains this (trimmed;
    /// empty: no text search).
    pub q: String,
}

impl ListFilter {
    /// The filter for `view` with an optional tag and search text; `None` when nothing filters.
    pub fn new(view: ConversationView, tag: Option<&str>, q: &str) -> Option<ListFilter> {
        let tag = tag
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        let q = q.trim().to_owned();
        (tag.is_some() || !q.is_empty()).then_some(ListFilter { view, tag, q })
    }

    /// The query string of the list request (without the `?`).
    pub fn query(&self, limit: u32) -> String {
        let mut query = format!("view={}&limit={limit}", view_name(self.view));
        if let Some(tag) = &self.tag {
            query.push_str("&tag=");
            query.push_str(&percent_encode(tag));
        }
        if !self.q.is_empty() {
            query.push_str("&q=");
            query.push_str(&percent_encode(&self.q));
        }
        query
    }

    /// What can be told locally (the gateway also matches message texts): the view, the tag,
    /// and for a conversation not yet among the results, the user's name or e-mail.
    fn admits(&self, c: &Conversation, me: Option<&Agent>, already_in: bool) -> bool {
        in_view(c, self.view, me)
            && self
                .tag
                .as_ref()
                .is_none_or(|tag| c.tags.iter().any(|t| t.trim() == tag))
            && (self.q.is_empty() || already_in || user_matches(&c.user, &self.q))
    }
}

/// Whether the user's name or e-mail contains `q`, ignoring case.
fn user_matches(user: &ConversationUser, q: &str) -> bool {
    let q = q.to_lowercase();
    [&user.name, &user.email]
        .into_iter()
        .flatten()
        .any(|v| v.to_lowercase().contains(&q))
}

/// Whether `conversation` belongs in `view` for `me` (mirrors the gateway's list queries;
/// visibility itself is the gateway's business: we only ever hear of what we may see).
pub fn in_view(conversation: &Conversation, view: ConversationView, me: Option<&Agent>) -> bool {
    if !visible(conversation, me) {
        return false;
    }
    let status = conversation.status;
    match view {
        ConversationView::Mine => {
            status == ConversationStatus::Assigned && held_by_me(conversation, me)
        }
        ConversationView::Unassigned => status == ConversationStatus::Queued,
        ConversationView::Open => status != ConversationStatus::Resolved,
        ConversationView::Bot => status == ConversationStatus::Bot,
        ConversationView::Closed => status == ConversationStatus::Resolved,
    }
}

/// Whether the agent may still see it (the gateway's rule): admins see all, an agent its
/// groups' conversations and those it holds. An update can take one out of sight, e.g. a
/// transfer to another group: it then leaves every list.
pub fn visible(conversation: &Conversation, me: Option<&Agent>) -> bool {
    match me {
        Some(me) => {
            me.role.is_admin()
                || me.group_ids.contains(&conversation.group_id)
                || held_by_me(conversation, Some(me))
        }
        None => true,
    }
}

pub fn held_by_me(conversation: &Conversation, me: Option<&Agent>) -> bool {
    match (&conversation.assignee, me) {
        (Some(assignee), Some(me)) => {
            assignee.kind == HolderKind::Agent && assignee.id == me.id.as_str()
        }
        _ => false,
    }
}

/// Whether a queue concerns me: my groups', or every group for an admin who is in none (an
/// owner who set up the tenant still hears of waiting users).
fn in_my_groups(group: &GroupId, me: Option<&Agent>) -> bool {
    me.is_some_and(|me| {
        me.group_ids.contains(group) || (me.group_ids.is_empty() && me.role.is_admin())
    })
}

/// Unassigned: oldest in the queue first. Everything else: most recently updated first.
fn sorts_before(a: &Conversation, b: &Conversation, view: ConversationView) -> bool {
    match view {
        ConversationView::Unassigned => {
            (&a.queued_at, &a.created_at, &a.id) < (&b.queued_at, &b.created_at, &b.id)
        }
        _ => (&a.updated_at, &a.id) > (&b.updated_at, &b.id),
    }
}

impl DeskState {
    pub fn new(me: Agent) -> Self {
        DeskState {
            me: Some(me),
            ..DeskState::default()
        }
    }

    pub fn count(&self, view: ConversationView) -> usize {
        self.lists.get(&view).map_or(0, Vec::len)
    }

    pub fn list(&self, view: ConversationView) -> &[ConversationId] {
        self.lists.get(&view).map_or(&[], Vec::as_slice)
    }

    /// Where live changes stand now: take it before fetching a list, pass it to `load_view`.
    pub fn event_mark(&self) -> u64 {
        self.event_serial
    }

    /// A fresh list from `GET /v1/conversations?view=` requested at `since` (see
    /// [`Self::event_mark`]): replaces that view, updates the conversations (never moving a newer
    /// one back in time), keeps what was read, and keeps what changed live during the fetch.
    pub fn load_view(
        &mut self,
        view: ConversationView,
        conversations: Vec<Conversation>,
        since: u64,
    ) {
        let mut ids = Vec::with_capacity(conversations.len());
        for conversation in conversations {
            ids.push(conversation.id.clone());
            self.read_seq
                .entry(conversation.id.clone())
                .or_insert(conversation.last_seq);
            self.store_conversation(conversation);
        }
        self.lists.insert(view, ids);
        // A conversation now in another view (changed while the list was in flight) follows
        // the state we hold.
        let mut held: Vec<ConversationId> = self.list(view).to_vec();
        held.extend(
            self.touched
                .iter()
                .filter(|(_, serial)| **serial > since)
                .map(|(id, _)| id.clone()),
        );
        for id in held {
            self.place(&id);
        }
    }

    /// Stores `conversation` unless what we hold is newer; returns whether it was stored.
    fn store_conversation(&mut self, conversation: Conversation) -> bool {
        if let Some(held) = self.conversations.get(&conversation.id)
            && held.updated_at > conversation.updated_at
        {
            return false;
        }
        let last_seq = self.top_seq(&conversation.id).max(conversation.last_seq);
        let mut conversation = conversation;
        conversation.last_seq = last_seq;
        self.conversations
            .insert(conversation.id.clone(), conversation);
        true
    }

    /// Puts `id` into exactly the views it belongs to, at its sorted place.
    fn place(&mut self, id: &ConversationId) {
        let Some(conversation) = self.conversations.get(id) else {
            return;
        };
        let me = self.me.as_ref();
        for view in VIEWS {
            let belongs = in_view(conversation, view, me);
            let list = self.lists.entry(view).or_default();
            list.retain(|other| other != id);
            if belongs {
                let at = list
                    .iter()
                    .position(|other| {
                        self.conversations
                            .get(other)
                            .is_none_or(|other| sorts_before(conversation, other, view))
                    })
                    .unwrap_or(list.len());
                list.insert(at, id.clone());
            }
        }
        if let (Some(filter), Some(list)) = (&self.filter, self.filtered.as_mut()) {
            let already_in = list.contains(id);
            list.retain(|other| other != id);
            if filter.admits(conversation, me, already_in) {
                let at = list
                    .iter()
                    .position(|other| {
                        self.conversations
                            .get(other)
                            .is_none_or(|other| sorts_before(conversation, other, filter.view))
                    })
                    .unwrap_or(list.len());
                list.insert(at, id.clone());
            }
        }
    }

    /// The ids shown for `view`: the filtered list when the filter is on this view.
    pub fn shown(&self, view: ConversationView) -> &[ConversationId] {
        match (&self.filter, &self.filtered) {
            (Some(filter), Some(list)) if filter.view == view => list,
            (Some(filter), None) if filter.view == view => &[],
            _ => self.list(view),
        }
    }

    /// Whether the filtered list of `view` is still being fetched.
    pub fn filter_pending(&self, view: ConversationView) -> bool {
        self.filter.as_ref().is_some_and(|f| f.view == view) && self.filtered.is_none()
    }

    /// Sets (or clears) the filter; a different one starts empty until its answer arrives.
    pub fn set_filter(&mut self, filter: Option<ListFilter>) {
        if self.filter != filter {
            self.filter = filter;
            self.filtered = None;
            self.filter_error = None;
        }
    }

    /// The filtered list request for `filter` failed: an empty list with the reason.
    pub fn fail_filtered(&mut self, filter: &ListFilter, reason: String) {
        if self.filter.as_ref() == Some(filter) && self.filtered.is_none() {
            self.filtered = Some(Vec::new());
            self.filter_error = Some(reason);
        }
    }

    /// The answer to the filtered list request for `filter`; ignored when the filter changed
    /// meanwhile (an older search answering late).
    pub fn load_filtered(&mut self, filter: &ListFilter, conversations: Vec<Conversation>) {
        if self.filter.as_ref() != Some(filter) {
            return;
        }
        let mut ids = Vec::with_capacity(conversations.len());
        for conversation in conversations {
            let id = conversation.id.clone();
            self.read_seq
                .entry(id.clone())
                .or_insert(conversation.last_seq);
            let listed = self.lists.values().any(|l| l.contains(&id));
            if self.store_conversation(conversation) && listed {
                self.place(&id);
            }
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        // What we hold may be newer than the answer (a tag removed meanwhile).
        let me = self.me.as_ref();
        ids.retain(|id| {
            self.conversations
                .get(id)
                .is_some_and(|c| filter.admits(c, me, true))
        });
        self.filtered = Some(ids);
        self.filter_error = None;
    }

    /// The quick responses, sorted by shortcut.
    pub fn set_quick_responses(&mut self, mut list: Vec<QuickResponse>) {
        list.sort_by(|a, b| a.shortcut.cmp(&b.shortcut));
        self.quick_responses = Some(list);
    }

    /// A created or edited quick response (settings page), when the list is held.
    pub fn upsert_quick_response(&mut self, response: QuickResponse) {
        if let Some(list) = self.quick_responses.as_mut() {
            list.retain(|r| r.id != response.id);
            list.push(response);
            list.sort_by(|a, b| a.shortcut.cmp(&b.shortcut));
        }
    }

    pub fn remove_quick_response(&mut self, id: &str) {
        if let Some(list) = self.quick_responses.as_mut() {
            list.retain(|r| r.id != id);
        }
    }

    /// A conversation's new state, from an event or an ack.
    pub fn upsert_conversation(&mut self, conversation: Conversation) {
        let id = conversation.id.clone();
        let before = self.conversations.get(&id).cloned();
        if !self.store_conversation(conversation) {
            return;
        }
        self.event_serial += 1;
        self.touched.insert(id.clone(), self.event_serial);
        // A conversation first heard of now: all of it is unread.
        self.read_seq.entry(id.clone()).or_insert(0);
        self.place(&id);
        self.notice_change(before.as_ref(), &id);
        if self.open.as_ref() == Some(&id) {
            self.mark_read(&id);
        }
    }

    fn notice_change(&mut self, before: Option<&Conversation>, id: &ConversationId) {
        let Some(after) = self.conversations.get(id) else {
            return;
        };
        let me = self.me.as_ref();
        let name = display_name(after);
        let was_mine =
            before.is_some_and(|b| b.status == ConversationStatus::Assigned && held_by_me(b, me));
        let now_mine = after.status == ConversationStatus::Assigned && held_by_me(after, me);
        let was_queued_here = before.is_some_and(|b| {
            b.status == ConversationStatus::Queued && in_my_groups(&b.group_id, me)
        });
        let now_queued_here =
            after.status == ConversationStatus::Queued && in_my_groups(&after.group_id, me);
        if now_mine && !was_mine {
            self.notices
                .push(Notice::AssignedToMe(id.clone(), name.clone()));
        }
        if now_queued_here && !was_queued_here {
            self.notices.push(Notice::Queued(id.clone(), name));
        }
    }

    /// Adds messages (from an event, an ack or a history page); duplicates by `seq` are
    /// ignored, order is by `seq`.
    pub fn add_messages<'a>(&mut self, messages: impl IntoIterator<Item = &'a Message>) {
        let mut touched = Vec::new();
        for message in messages {
            let id = message.conversation_id.clone();
            self.messages
                .entry(id.clone())
                .or_default()
                .entry(message.seq)
                .or_insert_with(|| message.clone());
            // Whoever was typing has most likely just sent this.
            if message.author.kind != AuthorKind::System
                && self.typing.contains_key(&id)
                && self
                    .me
                    .as_ref()
                    .is_none_or(|me| me.id.as_str() != message.author.id)
            {
                self.typing.remove(&id);
            }
            self.set_preview(
                &id,
                Preview {
                    seq: message.seq,
                    text: message.text.chars().take(PREVIEW_CHARS).collect(),
                    author_kind: message.author.kind,
                    author_name: message.author.name.clone(),
                    private: message.private,
                    at: message.created_at.0.clone(),
                },
            );
            if !touched.contains(&id) {
                touched.push(id);
            }
        }
        for id in touched {
            let top = self.top_seq(&id);
            if let Some(conversation) = self.conversations.get_mut(&id) {
                conversation.last_seq = conversation.last_seq.max(top);
            }
            self.read_seq.entry(id.clone()).or_insert(0);
            if self.open.as_ref() == Some(&id) {
                self.mark_read(&id);
            }
        }
    }

    /// Keeps `preview` unless a later message's is held. System messages ("Waiting for an
    /// agent") show only while there is nothing else: they would hide what people wrote.
    fn set_preview(&mut self, id: &ConversationId, preview: Preview) {
        let replaces = |held: &Preview| {
            held.seq <= preview.seq
                && (preview.author_kind != AuthorKind::System
                    || held.author_kind == AuthorKind::System)
        };
        if self.previews.get(id).is_none_or(replaces) {
            self.previews.insert(id.clone(), preview);
        }
    }

    /// A new message somewhere (`conversation.activity`): the preview, the conversation's
    /// `last_seq` (so its unread count rises unless it is on screen).
    pub fn activity(&mut self, event: &ConversationActivity) {
        let id = &event.conversation_id;
        self.set_preview(
            id,
            Preview {
                seq: event.last_seq,
                text: event.preview.chars().take(PREVIEW_CHARS).collect(),
                author_kind: event.author.kind,
                author_name: event.author.name.clone(),
                private: event.private,
                at: event.at.0.clone(),
            },
        );
        if let Some(conversation) = self.conversations.get_mut(id) {
            conversation.last_seq = conversation.last_seq.max(event.last_seq);
            // My own messages are read by definition.
            let mine = event.author.kind == AuthorKind::Agent
                && self
                    .me
                    .as_ref()
                    .is_some_and(|me| me.id.as_str() == event.author.id);
            let read = self.read_seq.entry(id.clone()).or_insert(0);
            if mine {
                *read = (*read).max(event.last_seq);
            }
            if self.open.as_ref() == Some(id) {
                self.mark_read(id);
            }
        }
    }

    /// The highest `seq` held for a conversation (0: none).
    pub fn top_seq(&self, id: &ConversationId) -> u64 {
        self.messages
            .get(id)
            .and_then(|m| m.keys().next_back().copied())
            .unwrap_or(0)
    }

    /// The lowest `seq` held (`None`: none).
    pub fn bottom_seq(&self, id: &ConversationId) -> Option<u64> {
        self.messages.get(id).and_then(|m| m.keys().next().copied())
    }

    /// Whether older messages than those held exist (seq starts at 1, agents see no gaps).
    pub fn has_older(&self, id: &ConversationId) -> bool {
        self.bottom_seq(id).is_some_and(|seq| seq > 1)
    }

    /// The `after_seq` to (re)subscribe with: the end of the unbroken run of messages that
    /// starts at the lowest one held, so a gap (missed while unsubscribed or disconnected) is
    /// refilled. With nothing held, the last `window` messages.
    pub fn resume_after(&self, id: &ConversationId, window: u64) -> u64 {
        match self.messages.get(id) {
            Some(held) if !held.is_empty() => {
                let mut keys = held.keys().copied();
                let mut top = keys.next().unwrap_or(0);
                for seq in keys {
                    if seq != top + 1 {
                        break;
                    }
                    top = seq;
                }
                top
            }
            _ => {
                let last = self.conversations.get(id).map_or(0, |c| c.last_seq);
                last.saturating_sub(window)
            }
        }
    }

    pub fn messages_of(&self, id: &ConversationId) -> Vec<Message> {
        self.messages
            .get(id)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Unread messages of a conversation: those above what the agent has seen.
    pub fn unread(&self, id: &ConversationId) -> u64 {
        let last = self
            .conversations
            .get(id)
            .map_or(0, |c| c.last_seq)
            .max(self.top_seq(id));
        last.saturating_sub(self.read_seq.get(id).copied().unwrap_or(last))
    }

    pub fn mark_read(&mut self, id: &ConversationId) {
        let last = self
            .conversations
            .get(id)
            .map_or(0, |c| c.last_seq)
            .max(self.top_seq(id));
        let read = self.read_seq.entry(id.clone()).or_insert(0);
        *read = (*read).max(last);
    }

    /// The user read up to `seq` (a `read` frame by the user); a late, lower one changes
    /// nothing.
    pub fn user_read(&mut self, id: &ConversationId, seq: u64) {
        let read = self.user_read_seq.entry(id.clone()).or_insert(0);
        *read = (*read).max(seq);
    }

    /// Where the "Seen" marker goes: the `seq` of the last agent or bot message (private notes
    /// excluded: the user never gets them) the user has read; `None` while there is none.
    pub fn seen_seq(&self, id: &ConversationId) -> Option<u64> {
        let read = self.user_read_seq.get(id).copied()?;
        self.messages
            .get(id)?
            .range(..=read)
            .rev()
            .find(|(_, m)| {
                !m.private && matches!(m.author.kind, AuthorKind::Agent | AuthorKind::Bot)
            })
            .map(|(seq, _)| *seq)
    }

    /// Opens a conversation on screen (its messages count as read).
    pub fn open(&mut self, id: Option<ConversationId>) {
        self.open = id.clone();
        if let Some(id) = id {
            self.mark_read(&id);
        }
    }

    /// The UI clears a typing indication after a while, unless a newer one replaced it.
    pub fn clear_typing(&mut self, id: &ConversationId, serial: u64) {
        if self.typing.get(id).is_some_and(|t| t.serial == serial) {
            self.typing.remove(id);
        }
    }

    pub fn take_notices(&mut self) -> Vec<Notice> {
        std::mem::take(&mut self.notices)
    }

    pub fn my_presence(&self) -> Presence {
        self.me.as_ref().map_or(Presence::Offline, |me| me.presence)
    }

    /// My own record changed (the profile page saved it): name, login, e-mail follow.
    pub fn set_my_details(&mut self, agent: &Agent) {
        if let Some(me) = self.me.as_mut()
            && me.id == agent.id
        {
            me.full_name = agent.full_name.clone();
            me.login = agent.login.clone();
            me.email = agent.email.clone();
        }
    }

    fn update_me(&mut self, agent: &Agent) {
        if self.me.as_ref().is_some_and(|me| me.id == agent.id) {
            self.me = Some(agent.clone());
            // Group membership may have changed what belongs where.
            let ids: Vec<ConversationId> = self.conversations.keys().cloned().collect();
            for id in ids {
                self.place(&id);
            }
        }
        self.presence
            .insert(agent.id.clone(), (agent.presence, agent.connected));
    }
}

/// The name to show for a conversation: the user's name, else e-mail, else a short id.
pub fn display_name(conversation: &Conversation) -> String {
    let user = &conversation.user;
    user.name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| user.email.clone().filter(|e| !e.trim().is_empty()))
        .unwrap_or_else(|| {
            let id = user.id.as_str();
            format!("Visitor {}", &id[id.len().saturating_sub(6)..])
        })
}

/// Applies one frame from the gateway. Frames that carry nothing for the desk (welcome, pong,
/// errors, `queue.position`) change nothing.
pub fn apply(state: &mut DeskState, frame: &ServerFrame) {
    match frame {
        ServerFrame::ConversationUpdated(event) => {
            state.upsert_conversation(event.conversation.clone());
        }
        ServerFrame::MessageCreated(event) => {
            state.add_messages([&event.message]);
        }
        ServerFrame::ConversationActivity(event) => state.activity(event),
        ServerFrame::Ack(ack) => {
            if let Some(conversation) = &ack.conversation {
                state.upsert_conversation(conversation.clone());
            }
            if let Some(message) = &ack.message {
                state.add_messages([message]);
            }
            if let Some(messages) = &ack.messages {
                state.add_messages(messages);
            }
            if let Some(agent) = &ack.agent {
                state.update_me(agent);
            }
        }
        ServerFrame::Typing(event) => {
            if state
                .me
                .as_ref()
                .is_some_and(|me| me.id.as_str() == event.author.id)
            {
                return;
            }
            state.typing_serial += 1;
            let serial = state.typing_serial;
            state.typing.insert(
                event.conversation_id.clone(),
                TypingNow {
                    name: if event.author.name.trim().is_empty() {
                        match event.author.kind {
                            AuthorKind::User => "The visitor".to_owned(),
                            AuthorKind::Bot => "The bot".to_owned(),
                            _ => "Someone".to_owned(),
                        }
                    } else {
                        event.author.name.clone()
                    },
                    serial,
                },
            );
        }
        ServerFrame::Presence(event) => {
            state
                .presence
                .insert(event.agent_id.clone(), (event.presence, event.connected));
            if let Some(me) = state.me.as_mut()
                && me.id == event.agent_id
            {
                me.presence = event.presence;
                me.connected = event.connected;
            }
        }
        // Only the user's reads show; agents' and bots' are theirs.
        ServerFrame::Read(event) if event.by.kind == AuthorKind::User => {
            state.user_read(&event.conversation_id, event.seq);
        }
        ServerFrame::Welcome(_)
        | ServerFrame::Error(_)
        | ServerFrame::Pong(_)
        | ServerFrame::Read(_)
        | ServerFrame::QueuePosition(_) => {}
        // Frames a newer protocol crate adds change nothing until the desk learns them.
        #[allow(unreachable_patterns)]
        _ => {}
    }
}

/// Why an action is not possible now (`None`: it is). Shown as the button's title.
pub mod rules {
    use super::*;

    pub const REOPEN_NOT_RESOLVED: &str = "only a resolved conversation can be reopened";
    pub const REOPEN_OFFLINE: &str = "go online to reopen conversations";

    fn online(me: &Agent) -> bool {
        me.presence == Presence::Online
    }

    pub fn accept(c: &Conversation, me: &Agent) -> Option<&'static str> {
        if c.status != ConversationStatus::Queued {
            Some("only a queued conversation can be accepted")
        } else if !online(me) {
            Some("go online to accept conversations")
        } else {
            None
        }
    }

    pub fn assign(c: &Conversation, _me: &Agent) -> Option<&'static str> {
        (c.status == ConversationStatus::Resolved).then_some("a resolved conversation is closed")
    }

    pub fn transfer(c: &Conversation, _me: &Agent) -> Option<&'static str> {
        (c.status == ConversationStatus::Resolved).then_some("a resolved conversation is closed")
    }

    pub fn unassign(c: &Conversation, me: &Agent) -> Option<&'static str> {
        if c.status != ConversationStatus::Assigned {
            Some("only a conversation an agent holds can be unassigned")
        } else if !held_by_me(c, Some(me)) && !me.role.is_admin() {
            Some("only its holder or an admin can unassign it")
        } else {
            None
        }
    }

    pub fn resolve(c: &Conversation, _me: &Agent) -> Option<&'static str> {
        (c.status == ConversationStatus::Resolved).then_some("already resolved")
    }

    /// Reopening gives the conversation to me, so I must be online.
    pub fn reopen(c: &Conversation, me: &Agent) -> Option<&'static str> {
        if c.status != ConversationStatus::Resolved {
            Some(REOPEN_NOT_RESOLVED)
        } else if !online(me) {
            Some(REOPEN_OFFLINE)
        } else {
            None
        }
    }

    /// Why the composer cannot send a public reply (private notes are always allowed on an
    /// unresolved conversation).
    pub fn reply(
        c: &Conversation,
        me: &Agent,
        private: bool,
        accept_first: bool,
    ) -> Option<&'static str> {
        if c.status == ConversationStatus::Resolved {
            Some("resolved: reopen it, or the user's next message will")
        } else if !private && accept_first && !held_by_me(c, Some(me)) {
            Some("accept the conversation to reply, or write a private note")
        } else {
            None
        }
    }
}

/// The contact form's drafts against the user held: absent for what is unchanged, `null` for
/// what was emptied, the trimmed value otherwise.
pub fn contact_patch(
    user: &ConversationUser,
    name: &str,
    email: &str,
    phone: &str,
    address: &str,
) -> PatchContact {
    fn field(current: &Option<String>, draft: &str) -> Patch<String> {
        let draft = draft.trim();
        let current = current.as_deref().map_or("", str::trim);
        if draft == current {
            Patch::Keep
        } else if draft.is_empty() {
            Patch::Clear
        } else {
            Patch::Set(draft.to_owned())
        }
    }
    PatchContact {
        name: field(&user.name, name),
        email: field(&user.email, email),
        phone: field(&user.phone, phone),
        address: field(&user.address, address),
    }
}

/// Whether a patch changes nothing.
pub fn patch_is_empty(patch: &PatchContact) -> bool {
    patch.name.is_keep()
        && patch.email.is_keep()
        && patch.phone.is_keep()
        && patch.address.is_keep()
}

/// The most tags a conversation carries, and the longest tag (the gateway's limits).
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;

/// The tags after adding `tag` (trimmed): `Err` with the reason when it cannot be added.
pub fn tags_with(tags: &[String], tag: &str) -> Result<Vec<String>, &'static str> {
    let tag = tag.trim();
    if tag.is_empty() {
        return Err("Type a tag first.");
    }
    if tag.chars().count() > MAX_TAG_CHARS {
        return Err("A tag has at most 50 characters.");
    }
    if tag.chars().any(char::is_control) {
        return Err("A tag cannot contain control characters.");
    }
    if tags.iter().any(|t| t == tag) {
        return Err("The conversation already has this tag.");
    }
    if tags.len() >= MAX_TAGS {
        return Err("A conversation has at most 20 tags.");
    }
    let mut out = tags.to_vec();
    out.push(tag.to_owned());
    Ok(out)
}

pub fn tags_without(tags: &[String], tag: &str) -> Vec<String> {
    tags.iter().filter(|t| *t != tag).cloned().collect()
}

/// The quick responses matching what follows the `/`: shortcuts starting with it first, then
/// shortcuts containing it, then texts containing it (ignoring case and a leading `/`).
pub fn quick_matches(list: &[QuickResponse], query: &str, limit: usize) -> Vec<QuickResponse> {
    let q = query.trim_start_matches('/').to_lowercase();
    let key = |r: &QuickResponse| r.shortcut.trim_start_matches('/').to_lowercase();
    let tiers: [&dyn Fn(&QuickResponse) -> bool; 3] = [
        &|r| key(r).starts_with(&q),
        &|r| key(r).contains(&q),
        &|r| r.text.to_lowercase().contains(&q),
    ];
    let mut out: Vec<QuickResponse> = Vec::new();
    for tier in tiers {
        for r in list {
            if out.len() < limit && tier(r) && !out.iter().any(|o| o.id == r.id) {
                out.push(r.clone());
            }
        }
    }
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::*;

    fn me() -> Agent {
        Agent {
            id: AgentId::from("a1"),
            full_name: "Alice".into(),
            login: "alice".into(),
            email: "alice@example.com".into(),
            role: Role::Agent,
            status: AgentStatus::Verified,
            presence: Presence::Online,
            connected: true,
            capacity: None,
            group_ids: vec![GroupId::from("g1")],
        }
    }

    fn conv(id: &str, status: ConversationStatus, updated: &str) -> Conversation {
        Conversation {
            id: ConversationId::from(id),
            status,
            group_id: GroupId::from("g1"),
            assignee: None,
            user: ConversationUser {
                id: UserId::from("u-123456789"),
                name: Some(format!("User {id}")),
                email: None,
                phone: None,
                address: None,
            },
            tags: vec![],
            last_seq: 0,
            created_at: Timestamp("2026-01-01T00:00:00.000Z".into()),
            updated_at: Timestamp(updated.into()),
            queued_at: None,
            resolved_at: None,
        }
    }

    fn mine(id: &str, updated: &str) -> Conversation {
        let mut c = conv(id, ConversationStatus::Assigned, updated);
        c.assignee = Some(Assignee {
            kind: HolderKind::Agent,
            id: "a1".into(),
            name: "Alice".into(),
        });
        c
    }

    fn queued(id: &str, queued_at: &str) -> Conversation {
        let mut c = conv(id, ConversationStatus::Queued, queued_at);
        c.queued_at = Some(Timestamp(queued_at.into()));
        c
    }

    fn msg(conversation: &str, seq: u64, kind: AuthorKind) -> Message {
        Message {
            id: MessageId(format!("m{seq}")),
            conversation_id: ConversationId::from(conversation),
            seq,
            author: Author {
                kind,
                id: "u".into(),
                name: "User".into(),
            },
            text: format!("text {seq}"),
            attachments: vec![],
            private: false,
            client_msg_id: None,
            created_at: Timestamp("2026-01-01T00:00:00.000Z".into()),
        }
    }

    fn created(m: Message) -> ServerFrame {
        ServerFrame::MessageCreated(MessageCreated { message: m })
    }

    fn updated(c: Conversation) -> ServerFrame {
        ServerFrame::ConversationUpdated(ConversationUpdated { conversation: c })
    }

    fn id(s: &str) -> ConversationId {
        ConversationId::from(s)
    }

    fn seqs(state: &DeskState, c: &str) -> Vec<u64> {
        state.messages_of(&id(c)).iter().map(|m| m.seq).collect()
    }

    const T1: &str = "2026-01-01T00:00:01.000Z";
    const T2: &str = "2026-01-01T00:00:02.000Z";
    const T3: &str = "2026-01-01T00:00:03.000Z";

    #[test]
    fn messages_are_sorted_and_deduplicated_by_seq() {
        let mut s = DeskState::new(me());
        for seq in [3, 1, 2, 3, 1] {
            apply(&mut s, &created(msg("c1", seq, AuthorKind::User)));
        }
        assert_eq!(seqs(&s, "c1"), vec![1, 2, 3]);
    }

    #[test]
    fn a_duplicate_keeps_the_first_copy() {
        let mut s = DeskState::new(me());
        apply(&mut s, &created(msg("c1", 1, AuthorKind::User)));
        let mut again = msg("c1", 1, AuthorKind::User);
        again.text = "other".into();
        apply(&mut s, &created(again));
        assert_eq!(s.messages_of(&id("c1"))[0].text, "text 1");
    }

    #[test]
    fn ack_messages_merge_with_live_ones() {
        let mut s = DeskState::new(me());
        apply(&mut s, &created(msg("c1", 4, AuthorKind::User)));
        let ack = Ack {
            messages: Some((1..=5).map(|n| msg("c1", n, AuthorKind::User)).collect()),
            ..Ack::new("r1")
        };
        apply(&mut s, &ServerFrame::Ack(ack));
        assert_eq!(seqs(&s, "c1"), vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn lists_load_and_count() {
        let mut s = DeskState::new(me());
        s.load_view(
            ConversationView::Mine,
            vec![mine("c1", T1), mine("c2", T2)],
            0,
        );
        assert_eq!(s.count(ConversationView::Mine), 2);
        // Sorted like the gateway sorts: most recently updated first.
        assert_eq!(s.list(ConversationView::Mine), &[id("c2"), id("c1")]);
    }

    #[test]
    fn accepted_conversation_moves_from_unassigned_to_mine() {
        let mut s = DeskState::new(me());
        s.load_view(ConversationView::Unassigned, vec![queued("c1", T1)], 0);
        s.load_view(ConversationView::Open, vec![queued("c1", T1)], 0);
        s.load_view(ConversationView::Mine, vec![], 0);
        apply(&mut s, &updated(mine("c1", T2)));
        assert_eq!(s.count(ConversationView::Unassigned), 0);
        assert_eq!(s.list(ConversationView::Mine), &[id("c1")]);
        assert_eq!(s.list(ConversationView::Open), &[id("c1")]);
    }

    #[test]
    fn a_change_heard_during_a_list_fetch_survives_the_fetched_list() {
        let mut s = DeskState::new(me());
        let mark = s.event_mark();
        // Accepted while the list of "mine" was in flight; the list predates it.
        apply(&mut s, &updated(mine("c9", T2)));
        s.load_view(ConversationView::Mine, vec![mine("c1", T1)], mark);
        assert_eq!(s.list(ConversationView::Mine), &[id("c9"), id("c1")]);
        // A later fetch that has seen it (and everything since) is taken as it is.
        let mark = s.event_mark();
        s.load_view(ConversationView::Mine, vec![mine("c1", T1)], mark);
        assert_eq!(s.list(ConversationView::Mine), &[id("c1")]);
    }

    #[test]
    fn resolved_conversation_moves_to_closed_and_leaves_open() {
        let mut s = DeskState::new(me());
        s.load_view(ConversationView::Mine, vec![mine("c1", T1)], 0);
        s.load_view(ConversationView::Open, vec![mine("c1", T1)], 0);
        apply(
            &mut s,
            &updated(conv("c1", ConversationStatus::Resolved, T2)),
        );
        assert_eq!(s.count(ConversationView::Mine), 0);
        assert_eq!(s.count(ConversationView::Open), 0);
        assert_eq!(s.list(ConversationView::Closed), &[id("c1")]);
    }

    #[test]
    fn handed_over_conversation_moves_from_bot_to_unassigned() {
        let mut s = DeskState::new(me());
        s.load_view(
            ConversationView::Bot,
            vec![conv("c1", ConversationStatus::Bot, T1)],
            0,
        );
        apply(&mut s, &updated(queued("c1", T2)));
        assert_eq!(s.count(ConversationView::Bot), 0);
        assert_eq!(s.list(ConversationView::Unassigned), &[id("c1")]);
    }

    #[test]
    fn someone_elses_conversation_is_not_mine() {
        let mut s = DeskState::new(me());
        let mut c = mine("c1", T1);
        c.assignee.as_mut().unwrap().id = "a2".into();
        apply(&mut s, &updated(c));
        assert_eq!(s.count(ConversationView::Mine), 0);
        assert_eq!(s.count(ConversationView::Open), 1);
    }

    #[test]
    fn a_transfer_out_of_my_groups_takes_it_out_of_my_lists() {
        let mut s = DeskState::new(me());
        apply(&mut s, &updated(queued("c1", T1)));
        assert_eq!(s.count(ConversationView::Open), 1);
        let mut moved = queued("c1", T2);
        moved.group_id = GroupId::from("g9");
        apply(&mut s, &updated(moved.clone()));
        assert_eq!(s.count(ConversationView::Open), 0);
        assert_eq!(s.count(ConversationView::Unassigned), 0);
        // An admin keeps seeing it.
        let mut admin = me();
        admin.role = Role::Admin;
        let mut s = DeskState::new(admin);
        apply(&mut s, &updated(moved));
        assert_eq!(s.count(ConversationView::Unassigned), 1);
    }

    #[test]
    fn unassigned_is_oldest_first_and_others_newest_first() {
        let mut s = DeskState::new(me());
        apply(&mut s, &updated(queued("late", T3)));
        apply(&mut s, &updated(queued("early", T1)));
        apply(&mut s, &updated(queued("middle", T2)));
        assert_eq!(
            s.list(ConversationView::Unassigned),
            &[id("early"), id("middle"), id("late")]
        );
        assert_eq!(
            s.list(ConversationView::Open),
            &[id("late"), id("middle"), id("early")]
        );
    }

    #[test]
    fn an_older_update_never_overwrites_a_newer_one() {
        let mut s = DeskState::new(me());
        apply(&mut s, &updated(mine("c1", T2)));
        apply(&mut s, &updated(queued("c1", T1)));
        assert_eq!(
            s.conversations[&id("c1")].status,
            ConversationStatus::Assigned
        );
        // Nor does a list fetched before the change.
        s.load_view(ConversationView::Unassigned, vec![queued("c1", T1)], 0);
        assert_eq!(s.count(ConversationView::Unassigned), 0);
        assert_eq!(s.count(ConversationView::Mine), 1);
    }

    #[test]
    fn unread_counts_messages_of_conversations_not_on_screen() {
        let mut s = DeskState::new(me());
        let mut c = mine("c1", T1);
        c.last_seq = 2;
        s.load_view(ConversationView::Mine, vec![c], 0);
        assert_eq!(
            s.unread(&id("c1")),
            0,
            "what was there on load counts as seen"
        );
        apply(&mut s, &created(msg("c1", 3, AuthorKind::User)));
        apply(&mut s, &created(msg("c1", 4, AuthorKind::User)));
        apply(&mut s, &created(msg("c1", 4, AuthorKind::User)));
        assert_eq!(s.unread(&id("c1")), 2, "a duplicate counts once");
        s.open(Some(id("c1")));
        assert_eq!(s.unread(&id("c1")), 0);
        apply(&mut s, &created(msg("c1", 5, AuthorKind::User)));
        assert_eq!(s.unread(&id("c1")), 0, "the open conversation stays read");
    }

    #[test]
    fn a_new_conversation_is_unread_and_its_update_raises_unread() {
        let mut s = DeskState::new(me());
        let mut c = queued("c1", T1);
        c.last_seq = 2;
        apply(&mut s, &updated(c.clone()));
        assert_eq!(s.unread(&id("c1")), 2);
        c.last_seq = 3;
        c.updated_at = Timestamp(T2.into());
        apply(&mut s, &updated(c));
        assert_eq!(s.unread(&id("c1")), 3);
    }

    #[test]
    fn notices_for_queued_in_my_groups_and_assigned_to_me() {
        let mut s = DeskState::new(me());
        apply(&mut s, &updated(queued("c1", T1)));
        let mut other_group = queued("c2", T1);
        other_group.group_id = GroupId::from("g9");
        apply(&mut s, &updated(other_group));
        apply(&mut s, &updated(mine("c1", T2)));
        apply(&mut s, &updated(mine("c1", T3)));
        assert_eq!(
            s.take_notices(),
            vec![
                Notice::Queued(id("c1"), "User c1".into()),
                Notice::AssignedToMe(id("c1"), "User c1".into()),
            ]
        );
        assert!(s.take_notices().is_empty());
    }

    #[test]
    fn an_admin_in_no_group_hears_of_every_queue() {
        let mut admin = me();
        admin.role = Role::Owner;
        admin.group_ids.clear();
        let mut s = DeskState::new(admin);
        let mut elsewhere = queued("c1", T1);
        elsewhere.group_id = GroupId::from("g9");
        apply(&mut s, &updated(elsewhere));
        assert_eq!(s.take_notices().len(), 1);
    }

    #[test]
    fn loading_lists_raises_no_notices() {
        let mut s = DeskState::new(me());
        s.load_view(ConversationView::Unassigned, vec![queued("c1", T1)], 0);
        s.load_view(ConversationView::Mine, vec![mine("c2", T1)], 0);
        assert!(s.take_notices().is_empty());
    }

    #[test]
    fn resume_after_is_the_end_of_the_unbroken_run() {
        let mut s = DeskState::new(me());
        let mut c = mine("c1", T1);
        c.last_seq = 120;
        apply(&mut s, &updated(c));
        assert_eq!(
            s.resume_after(&id("c1"), 50),
            70,
            "nothing held: the last window"
        );
        for seq in [71, 72, 73, 80] {
            apply(&mut s, &created(msg("c1", seq, AuthorKind::User)));
        }
        assert_eq!(
            s.resume_after(&id("c1"), 50),
            73,
            "the gap after 73 is refilled"
        );
        assert!(s.has_older(&id("c1")));
    }

    #[test]
    fn reconnect_merge_fills_the_gap_without_duplicates() {
        let mut s = DeskState::new(me());
        s.load_view(ConversationView::Mine, vec![mine("c1", T1)], 0);
        s.open(Some(id("c1")));
        for seq in 1..=3 {
            apply(&mut s, &created(msg("c1", seq, AuthorKind::User)));
        }
        // Disconnected: 4 and 5 were missed; 6 arrives live right after the re-subscribe.
        s.connection = Connection::Reconnecting {
            attempt: 1,
            retry_in_ms: 500,
        };
        let after = s.resume_after(&id("c1"), 50);
        assert_eq!(after, 3);
        apply(&mut s, &created(msg("c1", 6, AuthorKind::User)));
        let mut c = mine("c1", T2);
        c.last_seq = 6;
        let ack = Ack {
            conversation: Some(c.clone()),
            messages: Some(
                (after + 1..=6)
                    .map(|n| msg("c1", n, AuthorKind::User))
                    .collect(),
            ),
            has_more: Some(false),
            ..Ack::new("r")
        };
        apply(&mut s, &ServerFrame::Ack(ack));
        s.load_view(ConversationView::Mine, vec![c], 0);
        assert_eq!(seqs(&s, "c1"), vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(s.count(ConversationView::Mine), 1);
        assert_eq!(s.unread(&id("c1")), 0);
    }

    #[test]
    fn presence_ack_and_event_update_me() {
        let mut s = DeskState::new(me());
        let mut offline = me();
        offline.presence = Presence::Offline;
        apply(
            &mut s,
            &ServerFrame::Ack(Ack {
                agent: Some(offline),
                ..Ack::new("p")
            }),
        );
        assert_eq!(s.my_presence(), Presence::Offline);
        apply(
            &mut s,
            &ServerFrame::Presence(PresenceEvent {
                agent_id: AgentId::from("a1"),
                presence: Presence::Online,
                connected: true,
            }),
        );
        assert_eq!(s.my_presence(), Presence::Online);
    }

    #[test]
    fn typing_shows_then_clears_on_message_or_timeout() {
        let mut s = DeskState::new(me());
        let typing = |name: &str| {
            ServerFrame::Typing(TypingEvent {
                conversation_id: id("c1"),
                author: Author {
                    kind: AuthorKind::User,
                    id: "u".into(),
                    name: name.into(),
                },
            })
        };
        apply(&mut s, &typing("User"));
        let first = s.typing[&id("c1")].serial;
        apply(&mut s, &typing("User"));
        s.clear_typing(&id("c1"), first);
        assert!(s.typing.contains_key(&id("c1")), "a newer indication stays");
        apply(&mut s, &created(msg("c1", 1, AuthorKind::User)));
        assert!(!s.typing.contains_key(&id("c1")));
    }

    #[test]
    fn my_own_typing_is_ignored() {
        let mut s = DeskState::new(me());
        apply(
            &mut s,
            &ServerFrame::Typing(TypingEvent {
                conversation_id: id("c1"),
                author: Author {
                    kind: AuthorKind::Agent,
                    id: "a1".into(),
                    name: "Alice".into(),
                },
            }),
        );
        assert!(s.typing.is_empty());
    }

    #[test]
    fn frames_without_desk_state_change_nothing() {
        let mut s = DeskState::new(me());
        apply(
            &mut s,
            &ServerFrame::QueuePosition(QueuePosition {
                conversation_id: id("c1"),
                position: 1,
                queue_length: 1,
            }),
        );
        apply(&mut s, &ServerFrame::Pong(Ping::default()));
        assert!(s.conversations.is_empty() && s.messages.is_empty());
    }

    #[test]
    fn unknown_frames_do_not_parse_and_are_ignored_by_the_socket() {
        assert!(serde_json::from_str::<ServerFrame>(r#"{"type":"something.new","x":1}"#).is_err());
        assert!(
            serde_json::from_str::<ServerFrame>(
                r#"{"type":"queue.position","conversation_id":"c","position":2,"queue_length":5}"#
            )
            .is_ok()
        );
    }

    #[test]
    fn action_rules() {
        let mut me = me();
        let q = queued("c1", T1);
        assert_eq!(rules::accept(&q, &me), None);
        me.presence = Presence::Offline;
        assert!(rules::accept(&q, &me).is_some());
        assert!(rules::unassign(&q, &me).is_some());
        let m = mine("c2", T1);
        assert_eq!(rules::unassign(&m, &me), None);
        assert!(rules::accept(&m, &me).is_some());
        assert_eq!(rules::reopen(&m, &me), Some(rules::REOPEN_NOT_RESOLVED));
        let r = conv("c3", ConversationStatus::Resolved, T1);
        assert!(rules::resolve(&r, &me).is_some());
        assert_eq!(rules::reopen(&r, &me), Some(rules::REOPEN_OFFLINE));
        me.presence = Presence::Online;
        assert_eq!(rules::reopen(&r, &me), None);
        assert!(rules::reopen(&q, &me).is_some());
        me.presence = Presence::Offline;
        assert!(rules::reply(&q, &me, false, true).is_some());
        assert_eq!(rules::reply(&q, &me, true, true), None);
        assert_eq!(rules::reply(&q, &me, false, false), None);
    }

    fn activity(conversation: &str, seq: u64, kind: AuthorKind, author: &str) -> ServerFrame {
        ServerFrame::ConversationActivity(ConversationActivity {
            conversation_id: id(conversation),
            group_id: GroupId::from("g1"),
            last_seq: seq,
            preview: format!("activity {seq}"),
            author: Author {
                kind,
                id: author.into(),
                name: if kind == AuthorKind::User {
                    "User".into()
                } else {
                    "Alice".into()
                },
            },
            private: false,
            at: Timestamp(format!("2026-01-01T00:00:0{seq}.000Z")),
        })
    }

    #[test]
    fn activity_updates_preview_last_seq_and_unread_of_closed_conversations() {
        let mut s = DeskState::new(me());
        let mut c1 = mine("c1", T1);
        c1.last_seq = 2;
        s.load_view(ConversationView::Mine, vec![c1, mine("c2", T1)], 0);
        assert_eq!(s.unread(&id("c1")), 0);
        apply(&mut s, &activity("c1", 3, AuthorKind::User, "u"));
        apply(&mut s, &activity("c1", 4, AuthorKind::User, "u"));
        assert_eq!(s.conversations[&id("c1")].last_seq, 4);
        assert_eq!(s.unread(&id("c1")), 2);
        let preview = &s.previews[&id("c1")];
        assert_eq!((preview.seq, preview.text.as_str()), (4, "activity 4"));
        assert_eq!(preview.at, "2026-01-01T00:00:04.000Z");
        assert_eq!(preview.line(), "activity 4");
        // A late, older one changes neither the preview nor last_seq.
        apply(&mut s, &activity("c1", 3, AuthorKind::User, "u"));
        assert_eq!(s.previews[&id("c1")].seq, 4);
        assert_eq!(s.conversations[&id("c1")].last_seq, 4);
        // Nothing else moved.
        assert_eq!(s.unread(&id("c2")), 0);
        assert!(!s.previews.contains_key(&id("c2")));
    }

    #[test]
    fn activity_on_the_open_conversation_or_by_me_is_read() {
        let mut s = DeskState::new(me());
        s.load_view(
            ConversationView::Mine,
            vec![mine("c1", T1), mine("c2", T1)],
            0,
        );
        s.open(Some(id("c1")));
        apply(&mut s, &activity("c1", 1, AuthorKind::User, "u"));
        assert_eq!(s.unread(&id("c1")), 0);
        assert_eq!(s.previews[&id("c1")].seq, 1);
        // My own message elsewhere (another tab of mine) is not unread either.
        apply(&mut s, &activity("c2", 1, AuthorKind::Agent, "a1"));
        assert_eq!(s.unread(&id("c2")), 0);
        assert_eq!(s.previews[&id("c2")].line(), "Alice: activity 1");
        // A colleague's is.
        apply(&mut s, &activity("c2", 2, AuthorKind::Agent, "a2"));
        assert_eq!(s.unread(&id("c2")), 1);
    }

    #[test]
    fn activity_for_an_unknown_conversation_keeps_only_the_preview() {
        let mut s = DeskState::new(me());
        apply(&mut s, &activity("c9", 5, AuthorKind::User, "u"));
        assert!(s.conversations.is_empty());
        assert_eq!(s.previews[&id("c9")].seq, 5);
        assert!(s.lists.values().all(Vec::is_empty));
    }

    #[test]
    fn held_messages_feed_the_preview_and_private_notes_say_so() {
        let mut s = DeskState::new(me());
        s.load_view(ConversationView::Mine, vec![mine("c1", T1)], 0);
        apply(&mut s, &created(msg("c1", 1, AuthorKind::User)));
        assert_eq!(s.previews[&id("c1")].line(), "text 1");
        let mut note = msg("c1", 2, AuthorKind::Agent);
        note.private = true;
        note.author.name = "Alice".into();
        note.text = "  two\n lines  ".into();
        apply(&mut s, &created(note));
        assert_eq!(s.previews[&id("c1")].line(), "Note · Alice: two lines");
        // The activity for the same message changes nothing; an older message neither.
        apply(&mut s, &activity("c1", 2, AuthorKind::Agent, "a1"));
        apply(&mut s, &created(msg("c1", 1, AuthorKind::User)));
        assert_eq!(s.previews[&id("c1")].seq, 2);
    }

    #[test]
    fn system_messages_do_not_hide_what_people_wrote() {
        let mut s = DeskState::new(me());
        s.load_view(ConversationView::Unassigned, vec![queued("c1", T1)], 0);
        apply(&mut s, &activity("c1", 1, AuthorKind::User, "u"));
        apply(&mut s, &activity("c1", 2, AuthorKind::System, ""));
        assert_eq!(s.previews[&id("c1")].seq, 1);
        assert_eq!(s.conversations[&id("c1")].last_seq, 2);
        apply(&mut s, &activity("c1", 3, AuthorKind::User, "u"));
        assert_eq!(s.previews[&id("c1")].seq, 3);
        // With nothing else held, a system message is better than nothing.
        apply(&mut s, &activity("c2", 1, AuthorKind::System, ""));
        assert_eq!(s.previews[&id("c2")].seq, 1);
    }

    #[test]
    fn the_activity_frame_parses() {
        let frame: ServerFrame = serde_json::from_str(
            r#"{"type":"conversation.activity","conversation_id":"c1","group_id":"g1","last_seq":7,"preview":"<b>hi</b>","author":{"kind":"user","id":"u1","name":"Ann"},"private":false,"at":"2026-01-01T00:00:00.000Z"}"#,
        )
        .unwrap();
        let mut s = DeskState::new(me());
        s.load_view(ConversationView::Mine, vec![mine("c1", T1)], 0);
        apply(&mut s, &frame);
        assert_eq!(s.unread(&id("c1")), 7);
        assert_eq!(s.previews[&id("c1")].line(), "<b>hi</b>");
    }

    #[test]
    fn my_details_follow_the_profile() {
        let mut s = DeskState::new(me());
        let mut changed = me();
        changed.full_name = "Alice Smith".into();
        changed.presence = Presence::Offline;
        s.set_my_details(&changed);
        let held = s.me.as_ref().unwrap();
        assert_eq!(held.full_name, "Alice Smith");
        assert_eq!(
            held.presence,
            Presence::Online,
            "presence comes from the socket"
        );
    }

    #[test]
    fn display_name_falls_back() {
        let mut c = queued("c1", T1);
        c.user.name = None;
        assert_eq!(display_name(&c), "Visitor 456789");
        c.user.email = Some("x@y.z".into());
        assert_eq!(display_name(&c), "x@y.z");
    }

    fn tagged(id: &str, updated: &str, tags: &[&str]) -> Conversation {
        let mut c = mine(id, updated);
        c.tags = tags.iter().map(|t| t.to_string()).collect();
        c
    }

    #[test]
    fn a_filter_needs_a_tag_or_text_and_builds_its_query() {
        assert_eq!(ListFilter::new(ConversationView::Open, None, "  "), None);
        assert_eq!(ListFilter::new(ConversationView::Open, Some(" "), ""), None);
        let f = ListFilter::new(ConversationView::Closed, Some(" vip "), " a&b ü").unwrap();
        assert_eq!(f.tag.as_deref(), Some("vip"));
        assert_eq!(
            f.query(200),
            "view=closed&limit=200&tag=vip&q=a%26b%20%C3%BC"
        );
    }

    #[test]
    fn the_filtered_list_replaces_its_view_only() {
        let mut s = DeskState::new(me());
        s.load_view(
            ConversationView::Mine,
            vec![tagged("c1", T1, &["vip"]), tagged("c2", T2, &[])],
            0,
        );
        let f = ListFilter::new(ConversationView::Mine, Some("vip"), "").unwrap();
        s.set_filter(Some(f.clone()));
        assert!(s.filter_pending(ConversationView::Mine));
        assert!(s.shown(ConversationView::Mine).is_empty());
        s.load_filtered(&f, vec![tagged("c1", T1, &["vip"])]);
        assert_eq!(s.shown(ConversationView::Mine), &[id("c1")]);
        assert_eq!(
            s.shown(ConversationView::Open).len(),
            2,
            "other views unfiltered"
        );
        assert_eq!(s.count(ConversationView::Mine), 2, "counts stay unfiltered");
        s.set_filter(None);
        assert_eq!(s.shown(ConversationView::Mine).len(), 2);
    }

    #[test]
    fn a_late_answer_for_an_older_filter_is_ignored() {
        let mut s = DeskState::new(me());
        let old = ListFilter::new(ConversationView::Closed, None, "inv").unwrap();
        let new = ListFilter::new(ConversationView::Closed, None, "invoice").unwrap();
        s.set_filter(Some(old.clone()));
        s.set_filter(Some(new.clone()));
        s.load_filtered(&old, vec![conv("c1", ConversationStatus::Resolved, T1)]);
        assert!(s.filtered.is_none());
        s.fail_filtered(&old, "late".into());
        assert!(s.filtered.is_none() && s.filter_error.is_none());
        s.fail_filtered(&new, "gateway down".into());
        assert_eq!(s.filter_error.as_deref(), Some("gateway down"));
        assert!(!s.filter_pending(ConversationView::Closed));
        s.load_filtered(&new, vec![]);
        assert_eq!(s.filtered.as_deref(), Some(&[][..]));
        assert!(s.filter_error.is_none());
    }

    #[test]
    fn live_changes_keep_the_filtered_list_current() {
        let mut s = DeskState::new(me());
        let f = ListFilter::new(ConversationView::Mine, Some("vip"), "").unwrap();
        s.set_filter(Some(f.clone()));
        s.load_filtered(&f, vec![tagged("c1", T1, &["vip"])]);
        // Tagged live: joins, newest first.
        apply(&mut s, &updated(tagged("c2", T2, &["vip", "x"])));
        assert_eq!(s.shown(ConversationView::Mine), &[id("c2"), id("c1")]);
        // Untagged live: leaves.
        apply(&mut s, &updated(tagged("c1", T3, &[])));
        assert_eq!(s.shown(ConversationView::Mine), &[id("c2")]);
        // Resolved: leaves "mine".
        let mut r = tagged("c2", "2026-01-01T00:00:04.000Z", &["vip"]);
        r.status = ConversationStatus::Resolved;
        apply(&mut s, &updated(r));
        assert!(s.shown(ConversationView::Mine).is_empty());
    }

    #[test]
    fn a_search_admits_new_conversations_by_name_and_keeps_its_results() {
        let mut s = DeskState::new(me());
        let f = ListFilter::new(ConversationView::Closed, None, "ANN").unwrap();
        s.set_filter(Some(f.clone()));
        // c1 matched on a message text, which the desk cannot check: it stays.
        s.load_filtered(&f, vec![conv("c1", ConversationStatus::Resolved, T1)]);
        let mut ann = conv("c2", ConversationStatus::Resolved, T2);
        ann.user.name = Some("Ann Lee".into());
        apply(&mut s, &updated(ann));
        apply(
            &mut s,
            &updated(conv("c3", ConversationStatus::Resolved, T3)),
        );
        apply(
            &mut s,
            &updated(conv("c1", ConversationStatus::Resolved, T3)),
        );
        assert_eq!(s.shown(ConversationView::Closed), &[id("c1"), id("c2")]);
    }

    #[test]
    fn quick_responses_are_sorted_and_kept_current() {
        let qr = |id: &str, shortcut: &str, text: &str| QuickResponse {
            id: id.into(),
            shortcut: shortcut.into(),
            text: text.into(),
        };
        let mut s = DeskState::new(me());
        s.upsert_quick_response(qr("x", "/x", "ignored while nothing is held"));
        assert!(s.quick_responses.is_none());
        s.set_quick_responses(vec![
            qr("2", "/thanks", "Thank you!"),
            qr("1", "/hello", "Hi"),
        ]);
        s.upsert_quick_response(qr("3", "/bye", "Goodbye, thanks"));
        s.upsert_quick_response(qr("1", "/hi", "Hi there"));
        let list = s.quick_responses.clone().unwrap();
        let shortcuts: Vec<&str> = list.iter().map(|r| r.shortcut.as_str()).collect();
        assert_eq!(shortcuts, ["/bye", "/hi", "/thanks"]);
        let found: Vec<String> = quick_matches(&list, "th", 8)
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(found, ["2", "3", "1"], "prefix, then shortcut, then text");
        assert_eq!(quick_matches(&list, "", 2).len(), 2);
        assert_eq!(quick_matches(&list, "/HI", 8)[0].id, "1");
        s.remove_quick_response("3");
        assert_eq!(s.quick_responses.as_ref().unwrap().len(), 2);
    }

    #[test]
    fn the_contact_patch_holds_only_changes() {
        let user = ConversationUser {
            id: UserId::from("u1"),
            name: Some("Ann".into()),
            email: Some("ann@example.com".into()),
            phone: None,
            address: Some("Street 1".into()),
        };
        let patch = contact_patch(&user, " Ann ", "ann@example.com", "", "Street 1");
        assert!(patch_is_empty(&patch));
        let patch = contact_patch(&user, "Ann Lee ", "", " +49 1 ", "Street 1\nBerlin");
        assert_eq!(patch.name, Patch::Set("Ann Lee".into()));
        assert_eq!(patch.email, Patch::Clear);
        assert_eq!(patch.phone, Patch::Set("+49 1".into()));
        assert_eq!(patch.address, Patch::Set("Street 1\nBerlin".into()));
        let json = serde_json::to_value(contact_patch(&user, "Ann", "", "", "Street 1")).unwrap();
        assert_eq!(json, serde_json::json!({"email": null}));
    }

    #[test]
    fn tags_are_added_trimmed_once_and_removed() {
        let tags = vec!["vip".to_owned()];
        assert_eq!(tags_with(&tags, " billing ").unwrap(), ["vip", "billing"]);
        assert!(tags_with(&tags, "vip").is_err());
        assert!(tags_with(&tags, "  ").is_err());
        assert!(tags_with(&tags, &"x".repeat(51)).is_err());
        let full: Vec<String> = (0..MAX_TAGS).map(|n| n.to_string()).collect();
        assert!(tags_with(&full, "more").is_err());
        assert_eq!(tags_without(&["a".into(), "b".into()], "a"), ["b"]);
    }

    fn read_by(conversation: &str, seq: u64, kind: AuthorKind) -> ServerFrame {
        ServerFrame::Read(ReadEvent {
            conversation_id: id(conversation),
            seq,
            by: Author {
                kind,
                id: "x".into(),
                name: "X".into(),
            },
        })
    }

    #[test]
    fn the_users_read_seq_only_moves_forward_per_conversation() {
        let mut s = DeskState::new(me());
        assert_eq!(s.user_read_seq.get(&id("c1")), None);
        apply(&mut s, &read_by("c1", 3, AuthorKind::User));
        assert_eq!(s.user_read_seq[&id("c1")], 3);
        // A late, older read changes nothing.
        apply(&mut s, &read_by("c1", 2, AuthorKind::User));
        assert_eq!(s.user_read_seq[&id("c1")], 3);
        apply(&mut s, &read_by("c1", 5, AuthorKind::User));
        assert_eq!(s.user_read_seq[&id("c1")], 5);
        // Another conversation has its own.
        apply(&mut s, &read_by("c2", 1, AuthorKind::User));
        assert_eq!(s.user_read_seq[&id("c2")], 1);
        assert_eq!(s.user_read_seq[&id("c1")], 5);
        assert_eq!(
            s.read_seq.get(&id("c1")),
            None,
            "the agent's read state is apart"
        );
    }

    #[test]
    fn reads_by_agents_and_bots_are_ignored() {
        let mut s = DeskState::new(me());
        for kind in [AuthorKind::Agent, AuthorKind::Bot, AuthorKind::System] {
            apply(&mut s, &read_by("c1", 4, kind));
        }
        assert!(s.user_read_seq.is_empty());
        apply(&mut s, &read_by("c1", 1, AuthorKind::User));
        apply(&mut s, &read_by("c1", 9, AuthorKind::Agent));
        assert_eq!(s.user_read_seq[&id("c1")], 1);
    }

    #[test]
    fn seen_marks_the_last_agent_or_bot_message_the_user_read() {
        let mut s = DeskState::new(me());
        apply(&mut s, &created(msg("c1", 1, AuthorKind::User)));
        apply(&mut s, &created(msg("c1", 2, AuthorKind::Bot)));
        apply(&mut s, &created(msg("c1", 3, AuthorKind::Agent)));
        let mut note = msg("c1", 4, AuthorKind::Agent);
        note.private = true;
        apply(&mut s, &created(note));
        apply(&mut s, &created(msg("c1", 5, AuthorKind::User)));
        apply(&mut s, &created(msg("c1", 6, AuthorKind::Agent)));
        assert_eq!(s.seen_seq(&id("c1")), None, "nothing read yet");
        apply(&mut s, &read_by("c1", 1, AuthorKind::User));
        assert_eq!(
            s.seen_seq(&id("c1")),
            None,
            "only the user's own message read"
        );
        apply(&mut s, &read_by("c1", 2, AuthorKind::User));
        assert_eq!(s.seen_seq(&id("c1")), Some(2));
        // Private notes never reach the user: the marker stays on the reply before.
        apply(&mut s, &read_by("c1", 5, AuthorKind::User));
        assert_eq!(s.seen_seq(&id("c1")), Some(3));
        apply(&mut s, &read_by("c1", 6, AuthorKind::User));
        assert_eq!(s.seen_seq(&id("c1")), Some(6));
        // Other conversations know nothing of it.
        apply(&mut s, &created(msg("c2", 1, AuthorKind::Agent)));
        assert_eq!(s.seen_seq(&id("c2")), None);
    }
}
