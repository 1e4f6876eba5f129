//! The cluster store: PostgreSQL through sqlx, shared by every gateway node.
//!
//! The schema and the stored text are those of [`super::SqliteStore`] (times are the gateway's
//! RFC 3339 text, enums their wire names), and the queries are the same code (see `mod.rs`), so
//! both stores return identical records and answer with the same errors; the conformance suite
//! runs on both.
//!
//! Unlike SQLite, writers here run concurrently, on this node and on others. What makes
//! read-decide-write safe is the row lock: a change reads the conversation `FOR UPDATE` inside
//! its transaction, so writers of one conversation queue up behind each other, each sees the
//! previous one's commit, `seq` stays gap-free and exactly one holder wins. Auto-assignment and
//! capacity checks take a per-tenant advisory lock. Idempotency needs no lock: the unique index
//! on `client_msg_id` makes the loser of a race fail with `conflict`, and the domain answers it
//! with the winner's message.

use super::agents::agent_store;
use super::attachments::attachment_store;
use super::bots::bot_store;
use super::conversations::conversation_store;
use super::dialect::Dialect;
use super::extras::desk_store;
use super::groups::group_store;
use super::rows::{
    CONVERSATION_SELECT, MESSAGE_COLUMNS, TENANT_SELECT, UsersConversation, agent_select,
    attachments_json, bot_select, group_select, hours_json,
};
use super::steps::{Conn, steps};
use super::tenants::tenant_store;
use super::timers::{BOT_ANSWER, timer_store};
use super::users::user_store;
use super::*;
use crate::clock;
use crate::error::{Error, Result};
use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, PgPool, Postgres, QueryBuilder, Row};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;
use switchboard_protocol::{
    AgentId, AgentStatus, Assignee, Attachment, AttachmentId, Author, AuthorKind, BotId,
    ConversationId, ConversationStatus, ConversationUser, GroupId, HolderKind, Message, MessageId,
    Presence, Role, Settings, TenantId, Timestamp, UserId,
};

/// Connections per node. Every write transaction is short (no network calls inside), so a few
/// connections carry a node; PostgreSQL's default limit (100) leaves room for several nodes.
const POOL_SIZE: u32 = 10;

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://…` or `postgresql://…`) and migrates the database.
    /// Nodes starting together are safe: sqlx serializes migrations with an advisory lock.
    pub async fn open(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("switchboard");
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|err| Error::internal(format!("migrating the database: {err}")))?;
        Ok(PostgresStore { pool })
    }

    /// Closes every connection of the pool (a node shutting down, a test finishing).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Reads and writes share one pool: every connection sees every commit.
    fn reader(&self) -> &PgPool {
        &self.pool
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }
}

impl Dialect for PostgresStore {
    type Db = Postgres;
    const STRING_AGG: &'static str = "string_agg";
    const TAG_IS: &'static str =
        " AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(c.tags::jsonb) t(v) WHERE t.v = ";
    const LIKE: &'static str = "ILIKE";
    const LOCK_CONVERSATION: &'static str = " FOR UPDATE OF c";
    const LOCK_NEXT_QUEUED: &'static str = " FOR UPDATE OF c SKIP LOCKED";
    const LOCK_DUE_TIMERS: &'static str = " FOR UPDATE SKIP LOCKED";
    const LOCK_GROUP: &'static str = " FOR NO KEY UPDATE";
    const SHARE_AGENTS: &'static str = " FOR SHARE";
    const TENANT_LOCK: Option<&'static str> = Some("SELECT pg_advisory_xact_lock(hashtext($1))");

    /// PostgreSQL's text type cannot hold U+0000 (SQLite's can): a string carrying one is input
    /// this store cannot take, not an outage, so it answers `invalid` rather than `unavailable`.
    fn db_error(err: sqlx::Error) -> Error {
        const CHARACTER_NOT_IN_REPERTOIRE: &str = "22021";
        match err.as_database_error().and_then(|db| db.code()) {
            Some(code) if code == CHARACTER_NOT_IN_REPERTOIRE => {
                Error::invalid("text must not contain NUL characters")
            }
            _ => Error::Database(err),
        }
    }

    fn push_one_of(sql: &mut QueryBuilder<Postgres>, values: Vec<String>) {
        sql.push(" = ANY(").push_bind(values).push(")");
    }
}

// The row decoders, the shared transaction steps and the queries, expanded for PostgreSQL.
super::rows::decoders!(PgRow);
steps!(PostgresStore);
tenant_store!(PostgresStore);
agent_store!(PostgresStore);
group_store!(PostgresStore);
bot_store!(PostgresStore);
user_store!(PostgresStore);
conversation_store!(PostgresStore);
desk_store!(PostgresStore);
attachment_store!(PostgresStore);
timer_store!(PostgresStore);
