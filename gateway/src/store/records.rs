//! What the store reads and writes: the contract's objects plus what only the server knows
//! (password hashes, secrets, the previous agent of a conversation).

use crate::error::Result;
use switchboard_protocol::{
    Agent, AgentId, AgentStatus, Assignment, Author, BotId, BusinessHours, Conversation,
    ConversationId, ConversationStatus, ConversationUser, Group, GroupId, HolderKind, Message,
    Presence, Role, Settings, TenantId, Timestamp, UserId,
};

#[derive(Clone, Debug)]
pub struct NewTenant {
    pub name: String,
    pub app_key: String,
    pub identity_secret: String,
    /// The name of the default group created with the tenant.
    pub default_group_name: String,
}

#[derive(Clone, Debug)]
pub struct TenantRecord {
    pub id: TenantId,
    pub name: String,
    pub app_key: String,
    pub identity_secret: String,
    pub settings: Settings,
}

#[derive(Clone, Debug)]
pub struct NewAgent {
    pub full_name: String,
    pub login: String,
    pub email: String,
    pub role: Role,
    pub status: AgentStatus,
    pub password_hash: Option<String>,
    pub invite_token_hash: Option<String>,
    /// The groups the agent joins at creation; each must be a group of the tenant, or nothing
    /// is created (`not_found`).
    pub group_ids: Vec<GroupId>,
}

#[derive(Clone, Debug)]
pub struct AgentRecord {
    pub id: AgentId,
    pub tenant_id: TenantId,
    pub full_name: String,
    pub login: String,
    pub email: String,
    pub role: Role,
    pub status: AgentStatus,
    pub presence: Presence,
    pub capacity: Option<u32>,
    pub group_ids: Vec<GroupId>,
    pub password_hash: Option<String>,
    pub invite_token_hash: Option<String>,
}

impl AgentRecord {
    /// The contract's `agent`; `connected` is live state the store does not hold.
    pub fn to_agent(&self, connected: bool) -> Agent {
        Agent {
            id: self.id.clone(),
            full_name: self.full_name.clone(),
            login: self.login.clone(),
            email: self.email.clone(),
            role: self.role,
            status: self.status,
            presence: self.presence,
            connected,
            capacity: self.capacity,
            group_ids: self.group_ids.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct NewGroup {
    pub name: String,
    pub assignment: Assignment,
    pub business_hours: Option<BusinessHours>,
}

#[derive(Clone, Debug)]
pub struct GroupRecord {
    pub id: GroupId,
    pub name: String,
    pub assignment: Assignment,
    pub member_ids: Vec<AgentId>,
    pub business_hours: Option<BusinessHours>,
}

impl GroupRecord {
    /// The contract's `group`; `online` is live state, and the queue is counted apart.
    pub fn to_group(&self, online: bool, queue: Option<&QueueStats>) -> Group {
        Group {
            id: self.id.clone(),
            name: self.name.clone(),
            assignment: self.assignment,
            member_ids: self.member_ids.clone(),
            business_hours: self.business_hours.clone(),
            online,
            queue_length: queue.map_or(0, |q| q.length),
            oldest_queued_at: queue.and_then(|q| q.oldest_queued_at.clone()),
        }
    }
}

#[derive(Clone, Debug)]
pub struct BotRecord {
    pub id: BotId,
    pub name: String,
    /// The groups that serve the bot (its handovers' agents), sorted.
    pub group_ids: Vec<GroupId>,
}

#[derive(Clone, Debug, Default)]
pub struct NewUser {
    /// The user's id in the customer's system (verified identities only).
    pub external_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
}

pub type UserRecord = ConversationUser;

/// A conversation as stored: the contract's object plus the agent who last held it (for
/// reopening).
#[derive(Clone, Debug, PartialEq)]
pub struct ConversationState {
    pub conversation: Conversation,
    pub last_agent_id: Option<AgentId>,
}

impl ConversationState {
    pub fn id(&self) -> &ConversationId {
        &self.conversation.id
    }

    pub fn status(&self) -> ConversationStatus {
        self.conversation.status
    }

    /// The holder's id if it is of `kind`.
    pub fn holder(&self, kind: HolderKind) -> Option<&str> {
        self.conversation
            .assignee
            .as_ref()
            .filter(|a| a.kind == kind)
            .map(|a| a.id.as_str())
    }
}

#[derive(Clone, Debug)]
pub struct NewConversation {
    pub user_id: UserId,
    pub status: ConversationStatus,
    pub group_id: GroupId,
    pub assignee: Option<switchboard_protocol::Assignee>,
    pub queued: bool,
}

#[derive(Clone, Debug)]
pub struct NewMessage {
    pub author: Author,
    pub text: String,
    pub private: bool,
    pub client_msg_id: Option<String>,
    /// Files the message carries (already checked to be the author's uploads).
    pub attachments: Vec<switchboard_protocol::Attachment>,
}

/// What a change does: an optional new state (status, holder, group, times, tags) and the
/// messages to append, in order. `seq`, `last_seq` and `updated_at` are the store's to set.
#[derive(Clone, Debug, Default)]
pub struct Decision {
    pub next: Option<ConversationState>,
    pub messages: Vec<NewMessage>,
}

impl Decision {
    pub fn unchanged() -> Self {
        Decision::default()
    }
}

/// The result of a conversation change.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The state before the change (`None` when the conversation was just opened).
    pub before: Option<ConversationState>,
    pub after: ConversationState,
    /// The messages appended, with their `seq`.
    pub messages: Vec<Message>,
    /// Whether status, holder, group or tags changed (agents' lists need a `conversation.updated`).
    pub state_changed: bool,
}

/// Which conversations a list shows.
#[derive(Clone, Debug)]
pub struct ConversationQuery {
    pub statuses: Vec<ConversationStatus>,
    pub visibility: Visibility,
    /// Only those held by this agent.
    pub held_by: Option<AgentId>,
    pub order: ConversationOrder,
    pub limit: u32,
    /// Tag, text search and user (desk additions); the default filters nothing.
    pub filter: super::ConversationFilter,
}

#[derive(Clone, Debug)]
pub enum Visibility {
    /// Owners and admins.
    All,
    /// Agents: conversations of their groups, and those they hold.
    Groups {
        group_ids: Vec<GroupId>,
        agent_id: AgentId,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConversationOrder {
    /// Queue order: first come, first served.
    OldestQueuedFirst,
    RecentlyUpdatedFirst,
    /// Most recently created first (a user's earlier conversations).
    NewestFirst,
}

#[derive(Clone, Debug, Default)]
pub struct MessageQuery {
    pub after_seq: Option<u64>,
    pub before_seq: Option<u64>,
    pub limit: u32,
    /// False for end users: private messages are never theirs to see.
    pub include_private: bool,
}

#[derive(Clone, Debug)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    /// More messages exist beyond this page in the reading direction: newer with `after_seq`,
    /// older otherwise.
    pub has_more: bool,
}

/// Enum values are stored as their wire names.
pub(crate) fn enum_to_text<T: serde::Serialize>(value: &T) -> Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => Ok(text),
        other => Err(crate::error::Error::internal(format!(
            "not a text enum: {other:?}"
        ))),
    }
}

pub(crate) fn enum_from_text<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|err| crate::error::Error::internal(format!("bad stored enum {text:?}: {err}")))
}

/// How busy a candidate for auto-assignment is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CandidateLoad {
    pub id: AgentId,
    /// Open (assigned) conversations it holds.
    pub open: u32,
    /// When it last got a conversation; `None`: never (idle longest).
    pub last_assigned_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueStats {
    pub group_id: GroupId,
    pub length: u32,
    pub oldest_queued_at: Option<Timestamp>,
}
