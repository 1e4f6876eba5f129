//! WebSocket frames (contract section 3): one enum per direction, tagged by `type`.
//!
//! Every client frame that expects an answer carries `req`; the server answers it exactly once,
//! with [`ServerFrame::Ack`] or [`ServerFrame::Error`] carrying the same `req`.

use crate::error::ErrorCode;
use crate::ids::*;
use crate::model::*;
use serde::{Deserialize, Serialize};

/// Frames a client sends to the gateway.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type")]
pub enum ClientFrame {
    #[serde(rename = "auth")]
    Auth(Auth),
    #[serde(rename = "message.send")]
    MessageSend(MessageSend),
    #[serde(rename = "conversation.handover")]
    Handover(Handover),
    #[serde(rename = "conversation.accept")]
    Accept(ConversationRef),
    #[serde(rename = "conversation.assign")]
    Assign(Assign),
    #[serde(rename = "conversation.transfer")]
    Transfer(Transfer),
    #[serde(rename = "conversation.unassign")]
    Unassign(ConversationRef),
    #[serde(rename = "conversation.resolve")]
    Resolve(ConversationRef),
    #[serde(rename = "conversation.subscribe")]
    Subscribe(Subscribe),
    #[serde(rename = "conversation.unsubscribe")]
    Unsubscribe(ConversationRef),
    #[serde(rename = "history")]
    History(History),
    #[serde(rename = "presence.set")]
    PresenceSet(PresenceSet),
    #[serde(rename = "typing")]
    Typing(Typing),
    #[serde(rename = "read")]
    Read(Read),
    #[serde(rename = "ping")]
    Ping(Ping),
    /// An addition: an agent reopens a resolved conversation and takes it.
    #[serde(rename = "conversation.reopen")]
    Reopen(ConversationRef),
}

impl ClientFrame {
    /// The frame's `type` as written on the wire.
    pub fn type_name(&self) -> &'static str {
        match self {
            ClientFrame::Auth(_) => "auth",
            ClientFrame::MessageSend(_) => "message.send",
            ClientFrame::Handover(_) => "conversation.handover",
            ClientFrame::Accept(_) => "conversation.accept",
            ClientFrame::Assign(_) => "conversation.assign",
            ClientFrame::Transfer(_) => "conversation.transfer",
            ClientFrame::Unassign(_) => "conversation.unassign",
            ClientFrame::Resolve(_) => "conversation.resolve",
            ClientFrame::Subscribe(_) => "conversation.subscribe",
            ClientFrame::Unsubscribe(_) => "conversation.unsubscribe",
            ClientFrame::History(_) => "history",
            ClientFrame::PresenceSet(_) => "presence.set",
            ClientFrame::Typing(_) => "typing",
            ClientFrame::Read(_) => "read",
            ClientFrame::Ping(_) => "ping",
            ClientFrame::Reopen(_) => "conversation.reopen",
        }
    }

    /// The request id this frame must be answered with, if it expects an answer.
    pub fn req(&self) -> Option<&str> {
        match self {
            ClientFrame::Auth(_) | ClientFrame::Typing(_) | ClientFrame::Read(_) => None,
            ClientFrame::Ping(f) => f.req.as_deref(),
            ClientFrame::MessageSend(f) => Some(&f.req),
            ClientFrame::Handover(f) => Some(&f.req),
            ClientFrame::Accept(f)
            | ClientFrame::Unassign(f)
            | ClientFrame::Resolve(f)
            | ClientFrame::Reopen(f) => Some(&f.req),
            ClientFrame::Unsubscribe(f) => Some(&f.req),
            ClientFrame::Assign(f) => Some(&f.req),
            ClientFrame::Transfer(f) => Some(&f.req),
            ClientFrame::Subscribe(f) => Some(&f.req),
            ClientFrame::History(f) => Some(&f.req),
            ClientFrame::PresenceSet(f) => Some(&f.req),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Auth {
    pub token: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MessageSend {
    pub req: String,
    /// A user may leave it out: the latest unresolved conversation continues, or a new one opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<ConversationId>,
    /// The sender's idempotency key: a retry with the same key stores nothing new.
    pub client_msg_id: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachment_ids: Vec<AttachmentId>,
    /// An agent note, never shown to the user.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub private: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Handover {
    pub req: String,
    pub conversation_id: ConversationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<GroupId>,
}

/// The body of frames that name one conversation and nothing else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConversationRef {
    pub req: String,
    pub conversation_id: ConversationId,
}

/// The target of `conversation.assign`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AssignTarget {
    pub kind: HolderKind,
    pub id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Assign {
    pub req: String,
    pub conversation_id: ConversationId,
    pub to: AssignTarget,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Transfer {
    pub req: String,
    pub conversation_id: ConversationId,
    pub group_id: GroupId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Subscribe {
    pub req: String,
    pub conversation_id: ConversationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_seq: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct History {
    pub req: String,
    pub conversation_id: ConversationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PresenceSet {
    pub req: String,
    pub status: Presence,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Typing {
    pub conversation_id: ConversationId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Read {
    pub conversation_id: ConversationId,
    pub seq: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Ping {
    /// Optional: when present, the `pong` carries it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub req: Option<String>,
}

/// Who a socket authenticated as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClientRole {
    User,
    Bot,
    Agent,
}

/// Frames the gateway sends to a client.
///
/// `Ack` is much larger than the other variants; a frame lives only while it is serialized or
/// parsed, so boxing it would cost an allocation for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type")]
pub enum ServerFrame {
    #[serde(rename = "welcome")]
    Welcome(Welcome),
    #[serde(rename = "ack")]
    Ack(Ack),
    #[serde(rename = "error")]
    Error(ErrorFrame),
    #[serde(rename = "pong")]
    Pong(Ping),
    #[serde(rename = "message.created")]
    MessageCreated(MessageCreated),
    #[serde(rename = "conversation.updated")]
    ConversationUpdated(ConversationUpdated),
    #[serde(rename = "typing")]
    Typing(TypingEvent),
    #[serde(rename = "read")]
    Read(ReadEvent),
    #[serde(rename = "presence")]
    Presence(PresenceEvent),
    /// An addition: where the user's conversation stands in its queue.
    #[serde(rename = "queue.position")]
    QueuePosition(QueuePosition),
    /// An addition: a new message in a conversation, for desks' list previews and unread
    /// counts (sent to agents who may see the conversation, never to users or bots).
    #[serde(rename = "conversation.activity")]
    ConversationActivity(ConversationActivity),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Welcome {
    pub role: ClientRole,
    pub id: String,
    pub tenant_id: TenantId,
}

/// The answer to a request. Which fields are present depends on the request (section 3 table).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Ack {
    pub req: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<ConversationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<Conversation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<Message>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_more: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Agent>,
}

impl Ack {
    pub fn new(req: impl Into<String>) -> Self {
        Ack {
            req: req.into(),
            ..Ack::default()
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorFrame {
    /// The `req` of the frame this answers, when one could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub req: Option<String>,
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MessageCreated {
    pub message: Message,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConversationUpdated {
    pub conversation: Conversation,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TypingEvent {
    pub conversation_id: ConversationId,
    pub author: Author,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReadEvent {
    pub conversation_id: ConversationId,
    pub seq: u64,
    pub by: Author,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PresenceEvent {
    pub agent_id: AgentId,
    pub presence: Presence,
    pub connected: bool,
}

/// Sent to a conversation's user when it enters a queue or its place in it changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueuePosition {
    pub conversation_id: ConversationId,
    /// 1 is next.
    pub position: u32,
    pub queue_length: u32,
}

/// Sent to the agents who may see a conversation (its group's members, the owners and admins,
/// its holding agent) for every new message, whether or not they subscribed to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConversationActivity {
    pub conversation_id: ConversationId,
    pub group_id: GroupId,
    /// The new message's `seq`, the conversation's last one when it was written.
    pub last_seq: u64,
    /// The message's first [`ACTIVITY_PREVIEW_CHARS`] characters.
    pub preview: String,
    pub author: Author,
    /// A private note (agents only).
    pub private: bool,
    /// When the message was written.
    pub at: Timestamp,
}

/// How many characters of a message's text `conversation.activity` carries.
pub const ACTIVITY_PREVIEW_CHARS: usize = 140;
