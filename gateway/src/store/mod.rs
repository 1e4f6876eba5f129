//! The system of record: one set of queries, two databases, a trait per aggregate.
//!
//! Every method takes the tenant explicitly and every query filters by it, so nothing of one
//! tenant can reach another through the store. Conversation changes are atomic
//! read-decide-write operations ([`ConversationStore::modify_conversation`]): the domain
//! supplies a pure decision function, the store runs it on the current row inside the write
//! transaction. That is what makes "exactly one holder" and gap-free `seq` hold, on one node or
//! many.
//!
//! # Map
//!
//! - The traits, one per aggregate, each in its own file with the implementation of its
//!   queries: [`TenantStore`] (`tenants.rs`: tenants, settings, `ping`), [`AgentStore`]
//!   (`agents.rs`), [`GroupStore`] (`groups.rs`), [`BotStore`] (`bots.rs`), [`UserStore`]
//!   (`users.rs`: end users and their contact fields), [`ConversationStore`]
//!   (`conversations.rs`: conversations, messages, queues and auto-assignment), [`DeskStore`]
//!   (`extras.rs`: notes and quick responses), [`AttachmentStore`] (`attachments.rs`),
//!   [`TimerStore`] (`timers.rs`: durable routing timers, the queue sweep's query).
//!   [`Store`] is all of them together, implemented for every type that implements them all,
//!   so the rest of the gateway holds an `Arc<dyn Store>`. Calling its methods needs the
//!   traits in scope: `use crate::store::prelude::*` (or `use crate::store::*`).
//! - `steps.rs`: the transaction steps several queries share (reading a conversation for a
//!   change, candidates' loads, appending messages, writing a decision).
//! - `rows.rs`: row decoders and the SQL fragments several queries select.
//! - `dialect.rs`: `Dialect`, everything that differs between SQLite and
//!   PostgreSQL: `group_concat` / `string_agg`, the JSON tag filter, `LIKE` / `ILIKE`, row
//!   locks (`FOR UPDATE OF c`, `SKIP LOCKED`, `FOR SHARE`), the per-tenant advisory lock, and
//!   how an `IN` list and a driver error are spelled.
//! - `sqlite.rs`, `postgres.rs`: the two store types, their pools (SQLite: a reader pool and a
//!   single-connection writer; PostgreSQL: one pool), their dialect, and the expansion of the
//!   queries for their database.
//! - `records.rs`, `desk.rs`: the records the store reads and writes.
//!
//! # Why macros
//!
//! The queries are written once as `macro_rules!` bodies (one per aggregate, and `steps!`,
//! `decoders!`) expanded in each backend module over its concrete sqlx types, instead of one
//! implementation generic over `sqlx::Database`: the generic version needs an `Encode + Type`
//! bound per bound type, `Decode` bounds per column type and higher-ranked `Executor` bounds
//! on connections, which `async_trait`'s `Send` futures make brittle. `sqlx::Any` is ruled out
//! because it converts every row. See `docs/decisions.md` ("The store").
//!
//! [`SqliteStore`] is the embedded default; [`PostgresStore`] is the cluster's system of
//! record. Both run the same conformance suite (`tests/store_conformance/`).

mod agents;
mod attachments;
mod bots;
mod conversations;
mod desk;
mod dialect;
mod extras;
mod groups;
mod postgres;
mod records;
mod rows;
mod sqlite;
mod steps;
mod tenants;
mod timers;
mod users;

pub use agents::AgentStore;
pub use attachments::AttachmentStore;
pub use bots::BotStore;
pub use conversations::{ConversationStore, Decide, LoadedDecide, Route};
pub use desk::*;
pub use extras::DeskStore;
pub use groups::GroupStore;
pub use postgres::PostgresStore;
pub use records::*;
pub use sqlite::SqliteStore;
pub use tenants::TenantStore;
pub use timers::{Armed, BotTimer, TimerStore};
pub use users::UserStore;

/// The whole store: every aggregate's trait. Implemented for every type that implements them
/// all; callers hold an `Arc<dyn Store>` and bring the traits into scope with [`prelude`].
pub trait Store:
    TenantStore
    + AgentStore
    + GroupStore
    + BotStore
    + UserStore
    + ConversationStore
    + DeskStore
    + AttachmentStore
    + TimerStore
{
}

impl<T> Store for T where
    T: TenantStore
        + AgentStore
        + GroupStore
        + BotStore
        + UserStore
        + ConversationStore
        + DeskStore
        + AttachmentStore
        + TimerStore
        + ?Sized
{
}

/// The store's traits, for calling its methods: `use crate::store::prelude::*`.
pub mod prelude {
    pub use super::{
        AgentStore, AttachmentStore, BotStore, ConversationStore, DeskStore, GroupStore, Store,
        TenantStore, TimerStore, UserStore,
    };
}
