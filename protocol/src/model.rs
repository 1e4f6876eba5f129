//! The objects of the contract (section 2 and 3) and their enumerations.

use crate::ids::*;
use serde::{Deserialize, Serialize};

/// An RFC 3339 UTC time, e.g. `2026-11-21T09:49:00.000Z`. Kept as text so this crate needs no
/// date library; the gateway always writes millisecond precision with `Z`, so values sort
/// lexicographically.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct Timestamp(pub String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Agent,
}

impl Role {
    /// Owners and admins manage the tenant and see every conversation.
    pub fn is_admin(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    /// Invited, has not chosen a password yet.
    Pending,
    Verified,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Online,
    Offline,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Agent {
    pub id: AgentId,
    pub full_name: String,
    pub login: String,
    pub email: String,
    pub role: Role,
    pub status: AgentStatus,
    pub presence: Presence,
    /// True while the agent has at least one open socket.
    pub connected: bool,
    /// Cap on open conversations for auto-assignment and transfers; `None` is no cap.
    pub capacity: Option<u32>,
    pub group_ids: Vec<GroupId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Assignment {
    Manual,
    Auto,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

/// One weekly opening window, local to the group's time zone. `open` and `close` are `HH:MM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OpeningWindow {
    pub day: Weekday,
    pub open: String,
    pub close: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BusinessHours {
    /// An IANA time zone name, e.g. `Europe/Berlin`.
    pub timezone: String,
    pub weekly: Vec<OpeningWindow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Group {
    pub id: GroupId,
    pub name: String,
    pub assignment: Assignment,
    pub member_ids: Vec<AgentId>,
    /// `None`: always open.
    pub business_hours: Option<BusinessHours>,
    /// Within its hours and at least one member connected.
    pub online: bool,
    /// Conversations waiting in its queue (an addition to the contract).
    #[serde(default)]
    pub queue_length: u32,
    /// When the longest-waiting of them entered the queue (an addition).
    #[serde(default)]
    pub oldest_queued_at: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Routing {
    OnlineOnly,
    OnlineThenOffline,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReplyPolicy {
    AcceptFirst,
    ReplyAssigns,
}

/// Where a reopened conversation goes when its previous agent cannot take it back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReopenFallback {
    /// Its group's queue.
    #[default]
    Queue,
    /// The entry bot, when one is set (else the queue).
    EntryBot,
}

/// What a user's message after `resolve` does (v1.1, §6.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AfterResolve {
    /// It reopens the resolved conversation (v1's behaviour).
    #[default]
    Reopen,
    /// It opens a new conversation, routed like any new one; the resolved one stays closed.
    NewConversation,
}

fn default_bot_timeout_secs() -> u32 {
    30
}

fn default_offline_grace_secs() -> u32 {
    60
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Settings {
    pub human_chat_enabled: bool,
    pub routing: Routing,
    pub reply_policy: ReplyPolicy,
    pub entry_bot_id: Option<BotId>,
    pub default_group_id: GroupId,
    /// An addition: where a reopened conversation goes if its previous agent cannot take it.
    #[serde(default)]
    pub reopen_fallback: ReopenFallback,
    /// An addition: a bot that leaves a user's message unanswered this long loses the
    /// conversation to the human queue; 0 waits forever.
    #[serde(default = "default_bot_timeout_secs")]
    pub bot_timeout_secs: u32,
    /// An addition: an agent with no socket for this long no longer gets conversations
    /// automatically (it keeps those it holds).
    #[serde(default = "default_offline_grace_secs")]
    pub offline_grace_secs: u32,
    /// An addition: the web origins (`https://shop.example`) allowed to embed the widget and
    /// open widget sessions; empty allows every origin.
    #[serde(default)]
    pub widget_origins: Vec<String>,
    /// An addition: refuse widget sessions without a signed identity.
    #[serde(default)]
    pub widget_identity_required: bool,
    /// An addition, read-only: the tenant's app key, for the widget tag (`data-app-key`). Not
    /// a secret: every page with the widget shows it.
    #[serde(default)]
    pub app_key: String,
    /// v1.1 (§6.1): whether a user's message after resolve reopens or starts anew.
    #[serde(default)]
    pub after_resolve: AfterResolve,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// A bot holds it.
    Bot,
    /// Waiting in its group's first-come-first-served queue.
    Queued,
    /// An agent holds it.
    Assigned,
    Resolved,
}

impl ConversationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Bot => "bot",
            ConversationStatus::Queued => "queued",
            ConversationStatus::Assigned => "assigned",
            ConversationStatus::Resolved => "resolved",
        }
    }
}

/// Who may hold a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum HolderKind {
    Agent,
    Bot,
}

/// The current holder of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Assignee {
    pub kind: HolderKind,
    pub id: String,
    pub name: String,
}

/// The end user of a conversation, with the contact fields agents see.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConversationUser {
    pub id: UserId,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Conversation {
    pub id: ConversationId,
    pub status: ConversationStatus,
    pub group_id: GroupId,
    pub assignee: Option<Assignee>,
    pub user: ConversationUser,
    pub tags: Vec<String>,
    /// The `seq` of its latest message, private ones included.
    pub last_seq: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When it last entered a queue; `None` if it never waited for a human.
    pub queued_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    User,
    Bot,
    Agent,
    System,
}

/// Who wrote a message, typed, or read up to a point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Author {
    pub kind: AuthorKind,
    /// Empty for `system`.
    pub id: String,
    pub name: String,
}

/// A file attached to a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Attachment {
    pub id: AttachmentId,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    /// Where to download it (`GET`, with the caller's token).
    pub url: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub seq: u64,
    pub author: Author,
    pub text: String,
    pub attachments: Vec<Attachment>,
    /// An agent-only note or event; never delivered to the user.
    pub private: bool,
    pub client_msg_id: Option<String>,
    pub created_at: Timestamp,
}

/// The conversation lists of `GET /v1/conversations?view=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConversationView {
    /// Open conversations held by the caller.
    Mine,
    /// Queued in the caller's groups, oldest first.
    Unassigned,
    /// Every unresolved conversation the caller may see.
    Open,
    /// Held by bots.
    Bot,
    /// Resolved.
    Closed,
}
