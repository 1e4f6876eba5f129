//! The embedded default store: one SQLite file through sqlx.
//!
//! Writes go through a single-connection pool, so write transactions never contend (SQLite
//! allows one writer at a time anyway) and read-decide-write is serial; reads use a separate
//! pool and run concurrently thanks to WAL. `synchronous = FULL`: an acked message survives a
//! power cut, not only a crash. Reads that must see the latest commit at once go through the
//! writer. The queries are the shared ones, expanded here (see `mod.rs`).

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
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, QueryBuilder, Row, Sqlite, SqlitePool};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;
use switchboard_protocol::{
    AgentId, AgentStatus, Assignee, Attachment, AttachmentId, Author, AuthorKind, BotId,
    ConversationId, ConversationStatus, ConversationUser, GroupId, HolderKind, Message, MessageId,
    Presence, Role, Settings, TenantId, Timestamp, UserId,
};

pub struct SqliteStore {
    reader: SqlitePool,
    writer: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://PATH`) and migrates it.
    pub async fn open(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&writer)
            .await
            .map_err(|err| Error::internal(format!("migrating the database: {err}")))?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        Ok(SqliteStore { reader, writer })
    }

    /// The pool for reads that may lag a commit by a moment.
    fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    /// The single-connection pool every write (and every read that must see the latest
    /// commit) goes through.
    fn writer(&self) -> &SqlitePool {
        &self.writer
    }
}

impl Dialect for SqliteStore {
    type Db = Sqlite;
    const STRING_AGG: &'static str = "group_concat";
    const TAG_IS: &'static str = " AND EXISTS (SELECT 1 FROM json_each(c.tags) t WHERE t.value = ";
    const LIKE: &'static str = "LIKE";
    // The single writer connection serializes every change: no locks to take.
    const LOCK_CONVERSATION: &'static str = "";
    const LOCK_NEXT_QUEUED: &'static str = "";
    const LOCK_DUE_TIMERS: &'static str = "";
    const LOCK_GROUP: &'static str = "";
    const SHARE_AGENTS: &'static str = "";
    const TENANT_LOCK: Option<&'static str> = None;

    fn db_error(err: sqlx::Error) -> Error {
        Error::Database(err)
    }

    fn push_one_of(sql: &mut QueryBuilder<Sqlite>, values: Vec<String>) {
        // An empty list is valid SQLite (`IN ()` matches nothing).
        sql.push(" IN (");
        let mut list = sql.separated(", ");
        for value in values {
            list.push_bind(value);
        }
        sql.push(")");
    }
}

// The row decoders, the shared transaction steps and the queries, expanded for SQLite.
super::rows::decoders!(SqliteRow);
steps!(SqliteStore);
tenant_store!(SqliteStore);
agent_store!(SqliteStore);
group_store!(SqliteStore);
bot_store!(SqliteStore);
user_store!(SqliteStore);
conversation_store!(SqliteStore);
desk_store!(SqliteStore);
attachment_store!(SqliteStore);
timer_store!(SqliteStore);
