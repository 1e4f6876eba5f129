//! What the desk holds: [`DeskState`] and the small types in it, and the changes the desk
//! makes by itself (opening a conversation, marking it read, clearing a typing indication,
//! draining notices, the agent's own details), with the highest `seq` held, which marking
//! read and every part above need. What the gateway sends changes it in [`super::lists`]
//! (REST lists) and [`super::reducer`] (socket frames); what the UI reads from it is in
//! [`super::derived`].

use super::views::ListFilter;
use std::collections::{BTreeMap, HashMap};
use switchboard_protocol::desk::QuickResponse;
use switchboard_protocol::{
    Agent, AgentId, AuthorKind, Conversation, ConversationId, ConversationView, Message, Presence,
};

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
    pub(super) typing_serial: u64,
    /// Presence of the tenant's agents, from `presence` events.
    pub presence: HashMap<AgentId, (Presence, bool)>,
    pub connection: Connection,
    /// Counts conversation changes heard live; `touched` records the count at each one's
    /// latest change, so a list fetched meanwhile does not drop what changed during the fetch.
    pub(super) event_serial: u64,
    pub(super) touched: HashMap<ConversationId, u64>,
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

impl DeskState {
    pub fn new(me: Agent) -> Self {
        DeskState {
            me: Some(me),
            ..DeskState::default()
        }
    }
    /// The highest `seq` held for a conversation (0: none).
    pub fn top_seq(&self, id: &ConversationId) -> u64 {
        self.messages
            .get(id)
            .and_then(|m| m.keys().next_back().copied())
            .unwrap_or(0)
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::*;

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
}
