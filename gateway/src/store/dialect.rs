//! What differs between SQLite and PostgreSQL, named once.
//!
//! Every query of the store is written once (in the aggregate modules, expanded per backend);
//! where the two databases need different SQL or different locking, the query asks the
//! backend's [`Dialect`] instead of branching. Each store type implements it, so a reader
//! finds every difference between the backends in two short `impl` blocks.

use crate::error::Error;
use sqlx::QueryBuilder;

/// The SQL and locking a backend brings to the shared queries.
pub(super) trait Dialect {
    /// The sqlx database the store talks to.
    type Db: sqlx::Database;

    /// The aggregate that joins text with a separator (`group_concat` / `string_agg`).
    const STRING_AGG: &'static str;

    /// Opens the condition "the JSON array `c.tags` holds the value bound next"; the caller
    /// pushes the bind and the closing `)`.
    const TAG_IS: &'static str;

    /// The case-insensitive `LIKE`: SQLite's `LIKE` folds ASCII letters only (other
    /// characters match exactly), PostgreSQL's `ILIKE` folds every letter.
    const LIKE: &'static str;

    /// Appended to reading a conversation that is about to be changed: on PostgreSQL its row
    /// lock, held until the transaction ends, so read-decide-write cannot interleave with
    /// another writer's on any node. SQLite's single writer connection serializes already.
    const LOCK_CONVERSATION: &'static str;

    /// Appended to picking the oldest queued conversation for auto-assignment: the row lock,
    /// skipping rows another node is assigning right now.
    const LOCK_NEXT_QUEUED: &'static str;

    /// Appended to picking due timers to claim: the row lock, skipping rows another node is
    /// claiming right now (each due timer goes to one claimer).
    const LOCK_DUE_TIMERS: &'static str;

    /// Appended to reading a group whose members are replaced: concurrent replacements of
    /// one group's members take turns (last one wins).
    const LOCK_GROUP: &'static str;

    /// Appended to reading the agents about to become members: an agent being deleted
    /// meanwhile is either gone here or waits for this transaction.
    const SHARE_AGENTS: &'static str;

    /// A statement that serializes auto-assignment and capacity checks per tenant until the
    /// transaction ends (binds the tenant id as `$1`), where concurrent writers exist.
    const TENANT_LOCK: Option<&'static str>;

    /// The store's error for a failed statement.
    fn db_error(err: sqlx::Error) -> Error;

    /// Pushes "is one of `values`" after a column name: ` IN (…)` with a bind per value, or
    /// ` = ANY(…)` with one array bind (one statement text whatever the length).
    fn push_one_of(sql: &mut QueryBuilder<Self::Db>, values: Vec<String>);
}

/// Unique-index violations become `conflict` with a message that names what collided.
pub(super) fn unique_as_conflict<D: Dialect>(err: sqlx::Error, what: &str) -> Error {
    match err.as_database_error() {
        Some(db) if db.is_unique_violation() => Error::conflict(what.to_owned()),
        _ => D::db_error(err),
    }
}
