//! Request and response bodies of the HTTP API (contract section 2).

use crate::ids::*;
use crate::model::*;
use crate::nullable::Patch;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
}

/// Answer of login and of accepting an invite.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentSession {
    pub token: String,
    pub agent: Agent,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentList {
    pub agents: Vec<Agent>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreateAgent {
    pub full_name: String,
    pub login: String,
    pub email: String,
    /// Without one, the agent is `pending` and the answer carries an `invite_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// An addition: the groups the new agent joins (each must be the tenant's; absent: none,
    /// as in v1). The desk's form offers the default group checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_ids: Option<Vec<GroupId>>,
}

/// Answer of `POST /v1/agents`: the agent, plus the invite link when no password was given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreatedAgent {
    #[serde(flatten)]
    pub agent: Agent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_url: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PatchAgent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// `null` removes the cap.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub capacity: Patch<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AcceptInvite {
    pub password: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GroupList {
    pub groups: Vec<Group>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreateGroup {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment: Option<Assignment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<BusinessHours>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PatchGroup {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment: Option<Assignment>,
    /// `null` makes the group always open.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub business_hours: Patch<BusinessHours>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GroupMembers {
    pub agent_ids: Vec<AgentId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreateBot {
    pub name: String,
}

/// Answer of `POST /v1/bots`; the token is shown only here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreatedBot {
    pub id: BotId,
    pub name: String,
    pub token: String,
}

/// A bot as listed by `GET /v1/bots` (an addition to the contract); never carries the token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BotInfo {
    pub id: BotId,
    pub name: String,
    pub connected: bool,
    /// An addition: the groups whose agents serve this bot's handovers ("agents associated
    /// with a bot"); set with `PATCH /v1/bots/{id}`.
    #[serde(default)]
    pub group_ids: Vec<GroupId>,
}

/// `PATCH /v1/bots/{id}` (an addition): owners and admins rename a bot or set the groups that
/// serve it. Absent fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PatchBot {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Replaces the whole list; each id must be a group of the tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_ids: Option<Vec<GroupId>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BotList {
    pub bots: Vec<BotInfo>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PatchSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub human_chat_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<Routing>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_policy: Option<ReplyPolicy>,
    /// `null` removes the entry bot: new conversations go straight to the default group.
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub entry_bot_id: Patch<BotId>,
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub default_group_id: Patch<GroupId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopen_fallback: Option<ReopenFallback>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_timeout_secs: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offline_grace_secs: Option<u32>,
    /// Replaces the whole list; `[]` allows every origin again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widget_origins: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widget_identity_required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_resolve: Option<AfterResolve>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WidgetSessionRequest {
    pub app_key: String,
    /// A JWT (HS256) signed with the tenant's identity secret: claims `sub`, `name?`, `email?`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WidgetSession {
    pub token: String,
    pub user_id: UserId,
}

/// An addition: `GET /v1/widget/config?app_key=K`, what the widget loader needs before it
/// shows the launcher.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WidgetConfig {
    pub app_key: String,
    /// False: the widget hides "Talk to a person".
    pub human_chat_enabled: bool,
    /// True: sessions need a signed identity (`data-identity` or `Switchboard.identify`).
    pub identity_required: bool,
}

/// An addition: `GET /v1/widget/conversation`, the user's current conversation: the latest
/// unresolved one, else the latest resolved one, else none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WidgetConversation {
    pub conversation: Option<Conversation>,
    /// While it waits in its queue: where it stands (later changes come as `queue.position`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<crate::QueuePosition>,
}

/// An addition: `GET`/`POST /v1/settings/identity-secret` (owner, admin); `POST` rotates it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IdentitySecret {
    pub identity_secret: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConversationList {
    pub conversations: Vec<Conversation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MessagePage {
    pub messages: Vec<Message>,
    pub has_more: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Health {
    pub status: String,
}

/// What `switchboard tenant create` prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TenantCreated {
    pub tenant_id: TenantId,
    pub app_key: String,
    pub owner_id: AgentId,
    /// An addition: the secret the customer's backend signs widget identities with.
    pub identity_secret: String,
}
