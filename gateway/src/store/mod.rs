//! The system of record, behind one trait.
//!
//! Every method takes the tenant explicitly and every query filters by it, so nothing of one
//! tenant can reach another through the store. Conversation changes are atomic
//! read-decide-write operations ([`Store::modify_conversation`]): the domain supplies a pure
//! decision function, the store runs it on the current row inside the write transaction. That
//! is what makes "exactly one holder" and gap-free `seq` hold, on one node or many.
//!
//! [`SqliteStore`] is the embedded default; [`PostgresStore`] is the cluster's system of
//! record. Both run the same conformance suite (`tests/store_conformance.rs`).

mod desk;
mod postgres;
mod records;
mod rows;
mod sqlite;

pub use desk::*;
pub use postgres::PostgresStore;
pub use records::*;
pub use sqlite::SqliteStore;

use crate::error::Result;
use async_trait::async_trait;
use std::collections::HashMap;
use switchboard_protocol::{
    AgentId, AttachmentId, AuthorKind, BotId, ConversationId, GroupId, Message, Settings, TenantId,
    UserId,
};

/// The decision a conversation change is made of; runs inside the write transaction.
pub type Decide<'a> = &'a (dyn Fn(&ConversationState) -> Result<Decision> + Send + Sync);

/// A change that depends on agents' loads (capacity checks); runs inside the write transaction.
pub type LoadedDecide<'a> =
    &'a (dyn Fn(&ConversationState, &[CandidateLoad]) -> Result<Decision> + Send + Sync);

/// Auto-assignment's decision: given the oldest queued conversation and the candidates' loads,
/// the assignment to make (`None`: nobody can take it). Runs inside the write transaction.
pub type Route<'a> =
    &'a (dyn Fn(&ConversationState, &[CandidateLoad]) -> Result<Option<Decision>> + Send + Sync);

#[async_trait]
pub trait Store: Send + Sync {
    /// Whether the store answers (for `/healthz`).
    async fn ping(&self) -> Result<()>;

    // Tenants and settings.
    async fn create_tenant(
        &self,
        tenant: NewTenant,
        owner: NewAgent,
    ) -> Result<(TenantRecord, AgentRecord)>;
    async fn tenant(&self, tenant: &TenantId) -> Result<TenantRecord>;
    async fn tenant_by_app_key(&self, app_key: &str) -> Result<Option<TenantRecord>>;
    async fn update_settings(&self, tenant: &TenantId, settings: &Settings) -> Result<()>;
    /// Replaces the secret that signs widget identities (the old one stops working).
    async fn set_identity_secret(&self, tenant: &TenantId, secret: &str) -> Result<()>;

    // Agents.
    /// Logins are unique across the gateway, so this is the one lookup without a tenant.
    async fn agent_by_login(&self, login: &str) -> Result<Option<AgentRecord>>;
    async fn agent_by_invite(&self, invite_token_hash: &str) -> Result<Option<AgentRecord>>;
    async fn agent(&self, tenant: &TenantId, id: &AgentId) -> Result<Option<AgentRecord>>;
    async fn agents(&self, tenant: &TenantId) -> Result<Vec<AgentRecord>>;
    async fn insert_agent(&self, tenant: &TenantId, agent: NewAgent) -> Result<AgentRecord>;
    /// Writes every editable field of `agent` (not its groups).
    async fn update_agent(&self, tenant: &TenantId, agent: &AgentRecord) -> Result<()>;
    /// Removes the agent from the directory and its groups; its messages keep its name.
    async fn delete_agent(&self, tenant: &TenantId, id: &AgentId) -> Result<()>;

    // Groups.
    async fn groups(&self, tenant: &TenantId) -> Result<Vec<GroupRecord>>;
    async fn group(&self, tenant: &TenantId, id: &GroupId) -> Result<Option<GroupRecord>>;
    async fn insert_group(&self, tenant: &TenantId, group: NewGroup) -> Result<GroupRecord>;
    /// Writes name, assignment and business hours.
    async fn update_group(&self, tenant: &TenantId, group: &GroupRecord) -> Result<()>;
    /// Replaces the members; every id must be an agent of the tenant.
    async fn set_group_members(
        &self,
        tenant: &TenantId,
        id: &GroupId,
        agent_ids: &[AgentId],
    ) -> Result<()>;

    // Bots.
    async fn insert_bot(&self, tenant: &TenantId, name: &str) -> Result<BotRecord>;
    async fn bot(&self, tenant: &TenantId, id: &BotId) -> Result<Option<BotRecord>>;
    async fn bots(&self, tenant: &TenantId) -> Result<Vec<BotRecord>>;
    async fn delete_bot(&self, tenant: &TenantId, id: &BotId) -> Result<()>;

    // End users.
    async fn insert_user(&self, tenant: &TenantId, user: NewUser) -> Result<UserRecord>;
    /// The user with this id in the customer's system, created or refreshed.
    async fn upsert_user_by_external_id(
        &self,
        tenant: &TenantId,
        user: NewUser,
    ) -> Result<UserRecord>;
    async fn user(&self, tenant: &TenantId, id: &UserId) -> Result<Option<UserRecord>>;
    /// Whether the user came with a verified identity (has an external id).
    async fn user_is_identified(&self, tenant: &TenantId, id: &UserId) -> Result<bool>;

    // Conversations and messages.
    async fn conversation(
        &self,
        tenant: &TenantId,
        id: &ConversationId,
    ) -> Result<Option<ConversationState>>;
    /// The user's most recently updated conversation that is not resolved.
    async fn latest_open_conversation(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Option<ConversationState>>;
    /// The conversation a user returns to: the most recently updated open one, else the most
    /// recently updated of all (what a widget shows after a reload).
    async fn current_conversation(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Option<ConversationState>>;
    async fn conversations(
        &self,
        tenant: &TenantId,
        query: &ConversationQuery,
    ) -> Result<Vec<ConversationState>>;
    /// Creates a conversation with its first messages, in one transaction.
    async fn open_conversation(
        &self,
        tenant: &TenantId,
        conversation: NewConversation,
        messages: Vec<NewMessage>,
    ) -> Result<Outcome>;
    /// Reads the conversation, asks `decide`, writes its decision: one transaction.
    async fn modify_conversation(
        &self,
        tenant: &TenantId,
        id: &ConversationId,
        decide: Decide<'_>,
    ) -> Result<Outcome>;
    /// Like [`Store::modify_conversation`], with the loads of `agents` read in the same
    /// transaction and serialized with auto-assignment (per tenant), so capacity checks hold
    /// when several changes race.
    async fn modify_conversation_with_loads(
        &self,
        tenant: &TenantId,
        id: &ConversationId,
        agents: &[AgentId],
        decide: LoadedDecide<'_>,
    ) -> Result<Outcome>;
    /// The message an author already stored under this idempotency key, if any.
    async fn message_by_client_id(
        &self,
        tenant: &TenantId,
        author_kind: AuthorKind,
        author_id: &str,
        client_msg_id: &str,
    ) -> Result<Option<Message>>;
    async fn messages(
        &self,
        tenant: &TenantId,
        id: &ConversationId,
        query: &MessageQuery,
    ) -> Result<MessagePage>;

    // Routing.
    /// Per group with a queue: how many conversations wait, and since when the oldest does.
    async fn queue_stats(&self, tenant: &TenantId) -> Result<Vec<QueueStats>>;
    /// A group's queue in order (first come, first served): each conversation and its user.
    async fn queue(
        &self,
        tenant: &TenantId,
        group: &GroupId,
    ) -> Result<Vec<(ConversationId, UserId)>>;
    /// How many open (assigned) conversations each of `agents` holds.
    async fn open_counts(
        &self,
        tenant: &TenantId,
        agents: &[AgentId],
    ) -> Result<HashMap<AgentId, u32>>;
    /// In one transaction, serialized per tenant across nodes: reads the oldest conversation
    /// queued in `group` and the loads of `candidates`, asks `route`, writes its decision, and
    /// records when the chosen agent got it. `None` when the queue is empty or nobody can take
    /// the conversation.
    async fn assign_next(
        &self,
        tenant: &TenantId,
        group: &GroupId,
        candidates: &[AgentId],
        route: Route<'_>,
    ) -> Result<Option<Outcome>>;

    // Desk additions (docs/desk-api.md).
    /// Writes the user's contact fields (name, e-mail, phone, address); `not_found` if the
    /// user is not the tenant's.
    async fn update_user(&self, tenant: &TenantId, user: &UserRecord) -> Result<()>;
    /// Notes about a user, oldest first.
    async fn user_notes(&self, tenant: &TenantId, user: &UserId) -> Result<Vec<UserNote>>;
    /// `not_found` if the user is not the tenant's.
    async fn insert_user_note(&self, tenant: &TenantId, note: NewUserNote) -> Result<UserNote>;
    /// The tenant's quick responses, by shortcut.
    async fn quick_responses(&self, tenant: &TenantId) -> Result<Vec<QuickResponse>>;
    async fn quick_response(&self, tenant: &TenantId, id: &str) -> Result<Option<QuickResponse>>;
    /// `conflict` if the shortcut is taken in the tenant.
    async fn insert_quick_response(
        &self,
        tenant: &TenantId,
        shortcut: &str,
        text: &str,
    ) -> Result<QuickResponse>;
    /// Writes shortcut and text; `not_found` if absent, `conflict` if the shortcut is taken.
    async fn update_quick_response(&self, tenant: &TenantId, quick: &QuickResponse) -> Result<()>;
    /// `not_found` if absent.
    async fn delete_quick_response(&self, tenant: &TenantId, id: &str) -> Result<()>;
    /// Stores the file under a new random id (UUID v4).
    async fn insert_attachment(
        &self,
        tenant: &TenantId,
        attachment: NewAttachment,
    ) -> Result<AttachmentRecord>;
    async fn attachment(
        &self,
        tenant: &TenantId,
        id: &AttachmentId,
    ) -> Result<Option<AttachmentRecord>>;
    /// The attachment's bytes.
    async fn attachment_data(
        &self,
        tenant: &TenantId,
        id: &AttachmentId,
    ) -> Result<Option<Vec<u8>>>;
    /// The messages (their conversations) that carry the attachment.
    async fn attachment_links(
        &self,
        tenant: &TenantId,
        id: &AttachmentId,
    ) -> Result<Vec<AttachmentLink>>;
}
