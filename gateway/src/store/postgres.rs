//! The cluster store: PostgreSQL through sqlx, shared by every gateway node.
//!
//! The schema and the stored text are those of [`super::SqliteStore`] (times are the gateway's
//! RFC 3339 text, enums their wire names), so both stores return identical records and answer
//! with the same errors; the conformance suite runs on both.
//!
//! Unlike SQLite, writers here run concurrently, on this node and on others. What makes
//! read-decide-write safe is the row lock: [`Store::modify_conversation`] reads the conversation
//! `FOR UPDATE` inside its transaction, so writers of one conversation queue up behind each
//! other, each sees the previous one's commit, `seq` stays gap-free and exactly one holder wins.
//! Idempotency needs no lock: the unique index on `client_msg_id` makes the loser of a race
//! fail with `conflict`, and the domain answers it with the winner's message.

use super::rows::{CONVERSATION_SELECT, MESSAGE_COLUMNS, UsersConversation};
use super::*;
use crate::clock;
use crate::error::Error;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Postgres, QueryBuilder, Row};
use std::str::FromStr;
use std::time::Duration;
use switchboard_protocol::{
    AgentStatus, Assignee, Attachment, Author, ConversationStatus, ConversationUser, HolderKind,
    MessageId, Presence, Role, Timestamp,
};

/// Connections per node. Every write transaction is short (no network calls inside), so a few
/// connections carry a node; PostgreSQL's default limit (100) leaves room for several nodes.
const POOL_SIZE: u32 = 10;

pub struct PostgresStore {
    pool: PgPool,
}

const AGENT_SELECT: &str = "SELECT a.id, a.tenant_id, a.full_name, a.login, a.email, a.role, a.status, \
     a.presence, a.capacity, a.password_hash, a.invite_token_hash, \
     (SELECT string_agg(gm.group_id, ',') FROM group_members gm WHERE gm.agent_id = a.id) AS group_ids \
     FROM agents a";

const GROUP_SELECT: &str = "SELECT g.id, g.name, g.assignment, g.business_hours, \
     (SELECT string_agg(gm.agent_id, ',') FROM group_members gm WHERE gm.group_id = g.id) AS member_ids \
     FROM support_groups g";

const TENANT_SELECT: &str = "SELECT id, name, app_key, identity_secret, human_chat_enabled, routing, \
     reply_policy, entry_bot_id, default_group_id, reopen_fallback, bot_timeout_secs, \
     offline_grace_secs, widget_origins, widget_identity_required FROM tenants";

impl PostgresStore {
    /// One of a user's conversations, as `which` picks it.
    async fn users_conversation(
        &self,
        tenant: &TenantId,
        user: &UserId,
        which: UsersConversation,
    ) -> Result<Option<ConversationState>> {
        let row = sqlx::query(AssertSqlSafe(which.sql()))
            .bind(tenant.as_str())
            .bind(user.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(conversation_from_row).transpose()
    }

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
}

fn bot_from_row(row: &PgRow) -> Result<BotRecord> {
    Ok(BotRecord {
        id: row.try_get::<String, _>("id")?.into(),
        name: row.try_get("name")?,
    })
}

/// PostgreSQL's text type cannot hold U+0000 (SQLite's can): a string carrying one is input
/// this store cannot take, not an outage, so it answers `invalid` rather than `unavailable`.
fn db(err: sqlx::Error) -> Error {
    const CHARACTER_NOT_IN_REPERTOIRE: &str = "22021";
    match err.as_database_error().and_then(|db| db.code()) {
        Some(code) if code == CHARACTER_NOT_IN_REPERTOIRE => {
            Error::invalid("text must not contain NUL characters")
        }
        _ => Error::Database(err),
    }
}

// The row decoders both stores share (see `rows.rs`).
super::rows::decoders!(PgRow);

/// Unique-index violations become `conflict` with a message that names what collided.
fn unique_as_conflict(err: sqlx::Error, what: &str) -> Error {
    match err.as_database_error() {
        Some(db) if db.is_unique_violation() => Error::conflict(what.to_owned()),
        _ => db(err),
    }
}

/// Reads a conversation; with `lock`, takes its row lock until the transaction ends, so the
/// caller's read-decide-write cannot interleave with another writer's on any node.
async fn load_conversation(
    conn: &mut PgConnection,
    tenant: &TenantId,
    id: &ConversationId,
    lock: bool,
) -> Result<Option<ConversationState>> {
    let sql = format!(
        "{CONVERSATION_SELECT} WHERE c.tenant_id = $1 AND c.id = $2{}",
        if lock { " FOR UPDATE OF c" } else { "" }
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(tenant.as_str())
        .bind(id.as_str())
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    row.as_ref().map(conversation_from_row).transpose()
}

/// Appends `messages` after `state.last_seq` and writes the conversation row. The caller holds
/// the row lock, so `last_seq` is current and nobody else appends meanwhile.
async fn append_and_write(
    conn: &mut PgConnection,
    tenant: &TenantId,
    state: &mut ConversationState,
    messages: Vec<NewMessage>,
) -> Result<Vec<Message>> {
    let now = clock::now();
    let mut stored = Vec::with_capacity(messages.len());
    for new in messages {
        let message = Message {
            id: MessageId(clock::new_id()),
            conversation_id: state.conversation.id.clone(),
            seq: state.conversation.last_seq + 1,
            author: new.author,
            text: new.text,
            attachments: new.attachments,
            private: new.private,
            client_msg_id: new.client_msg_id,
            created_at: now.clone(),
        };
        sqlx::query(
            "INSERT INTO messages (id, tenant_id, conversation_id, seq, author_kind, author_id, \
             author_name, text, attachments, private, client_msg_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(message.id.as_str())
        .bind(tenant.as_str())
        .bind(message.conversation_id.as_str())
        .bind(message.seq as i64)
        .bind(enum_to_text(&message.author.kind)?)
        .bind(&message.author.id)
        .bind(&message.author.name)
        .bind(&message.text)
        .bind(attachments_json(&message.attachments)?)
        .bind(message.private)
        .bind(&message.client_msg_id)
        .bind(&message.created_at.0)
        .execute(&mut *conn)
        .await
        .map_err(|err| unique_as_conflict(err, "a message with this client_msg_id exists"))?;
        for attachment in &message.attachments {
            sqlx::query(
                "INSERT INTO attachment_links (tenant_id, attachment_id, conversation_id, \
                 message_id, private) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(tenant.as_str())
            .bind(attachment.id.as_str())
            .bind(message.conversation_id.as_str())
            .bind(message.id.as_str())
            .bind(message.private)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        }
        state.conversation.last_seq = message.seq;
        stored.push(message);
    }
    state.conversation.updated_at = now;
    let c = &state.conversation;
    sqlx::query(
        "UPDATE conversations SET status = $1, group_id = $2, assignee_kind = $3, assignee_id = $4, \
         assignee_name = $5, last_agent_id = $6, tags = $7, last_seq = $8, updated_at = $9, \
         queued_at = $10, resolved_at = $11 WHERE tenant_id = $12 AND id = $13",
    )
    .bind(enum_to_text(&c.status)?)
    .bind(c.group_id.as_str())
    .bind(c.assignee.as_ref().map(|a| enum_to_text(&a.kind)).transpose()?)
    .bind(c.assignee.as_ref().map(|a| a.id.clone()))
    .bind(c.assignee.as_ref().map(|a| a.name.clone()))
    .bind(state.last_agent_id.as_ref().map(|a| a.0.clone()))
    .bind(serde_json::to_string(&c.tags).map_err(|err| Error::internal(err.to_string()))?)
    .bind(c.last_seq as i64)
    .bind(&c.updated_at.0)
    .bind(c.queued_at.as_ref().map(|t| t.0.clone()))
    .bind(c.resolved_at.as_ref().map(|t| t.0.clone()))
    .bind(tenant.as_str())
    .bind(c.id.as_str())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(stored)
}

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn create_tenant(
        &self,
        tenant: NewTenant,
        owner: NewAgent,
    ) -> Result<(TenantRecord, AgentRecord)> {
        let tenant_id = TenantId(clock::new_id());
        let group_id = GroupId(clock::new_id());
        let now = clock::now();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO tenants (id, name, app_key, identity_secret, default_group_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant_id.as_str())
        .bind(&tenant.name)
        .bind(&tenant.app_key)
        .bind(&tenant.identity_secret)
        .bind(group_id.as_str())
        .bind(&now.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "INSERT INTO support_groups (id, tenant_id, name, assignment, created_at) \
             VALUES ($1, $2, $3, 'manual', $4)",
        )
        .bind(group_id.as_str())
        .bind(tenant_id.as_str())
        .bind(&tenant.default_group_name)
        .bind(&now.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let owner_id = insert_agent_row(&mut tx, &tenant_id, &owner).await?;
        tx.commit().await?;
        let record = self.tenant(&tenant_id).await?;
        let owner = self
            .agent(&tenant_id, &owner_id)
            .await?
            .ok_or_else(|| Error::internal("owner vanished after insert"))?;
        Ok((record, owner))
    }

    async fn tenant(&self, tenant: &TenantId) -> Result<TenantRecord> {
        let sql = format!("{TENANT_SELECT} WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(tenant.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or(Error::NotFound("tenant"))?;
        tenant_from_row(&row)
    }

    async fn tenant_by_app_key(&self, app_key: &str) -> Result<Option<TenantRecord>> {
        let sql = format!("{TENANT_SELECT} WHERE app_key = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(app_key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(tenant_from_row).transpose()
    }

    async fn update_settings(&self, tenant: &TenantId, settings: &Settings) -> Result<()> {
        sqlx::query(
            "UPDATE tenants SET human_chat_enabled = $1, routing = $2, reply_policy = $3, \
             entry_bot_id = $4, default_group_id = $5, reopen_fallback = $6, bot_timeout_secs = $7, \
             offline_grace_secs = $8, widget_origins = $9, widget_identity_required = $10 \
             WHERE id = $11",
        )
        .bind(settings.human_chat_enabled)
        .bind(enum_to_text(&settings.routing)?)
        .bind(enum_to_text(&settings.reply_policy)?)
        .bind(settings.entry_bot_id.as_ref().map(|b| b.0.clone()))
        .bind(settings.default_group_id.as_str())
        .bind(enum_to_text(&settings.reopen_fallback)?)
        .bind(i64::from(settings.bot_timeout_secs))
        .bind(i64::from(settings.offline_grace_secs))
        .bind(settings.widget_origins.join(" "))
        .bind(settings.widget_identity_required)
        .bind(tenant.as_str())
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn set_identity_secret(&self, tenant: &TenantId, secret: &str) -> Result<()> {
        sqlx::query("UPDATE tenants SET identity_secret = $1 WHERE id = $2")
            .bind(secret)
            .bind(tenant.as_str())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn agent_by_login(&self, login: &str) -> Result<Option<AgentRecord>> {
        let sql = format!("{AGENT_SELECT} WHERE a.login = $1 AND a.deleted_at IS NULL");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(login)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(agent_from_row).transpose()
    }

    async fn agent_by_invite(&self, invite_token_hash: &str) -> Result<Option<AgentRecord>> {
        let sql = format!("{AGENT_SELECT} WHERE a.invite_token_hash = $1 AND a.deleted_at IS NULL");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(invite_token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(agent_from_row).transpose()
    }

    async fn agent(&self, tenant: &TenantId, id: &AgentId) -> Result<Option<AgentRecord>> {
        let sql =
            format!("{AGENT_SELECT} WHERE a.tenant_id = $1 AND a.id = $2 AND a.deleted_at IS NULL");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(tenant.as_str())
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(agent_from_row).transpose()
    }

    async fn agents(&self, tenant: &TenantId) -> Result<Vec<AgentRecord>> {
        let sql = format!(
            "{AGENT_SELECT} WHERE a.tenant_id = $1 AND a.deleted_at IS NULL ORDER BY a.created_at, a.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(tenant.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(agent_from_row).collect()
    }

    async fn insert_agent(&self, tenant: &TenantId, agent: NewAgent) -> Result<AgentRecord> {
        let mut conn = self.pool.acquire().await?;
        let id = insert_agent_row(&mut conn, tenant, &agent).await?;
        drop(conn);
        self.agent(tenant, &id)
            .await?
            .ok_or_else(|| Error::internal("agent vanished after insert"))
    }

    async fn update_agent(&self, tenant: &TenantId, agent: &AgentRecord) -> Result<()> {
        sqlx::query(
            "UPDATE agents SET full_name = $1, login = $2, email = $3, role = $4, status = $5, \
             presence = $6, capacity = $7, password_hash = $8, invite_token_hash = $9 \
             WHERE tenant_id = $10 AND id = $11 AND deleted_at IS NULL",
        )
        .bind(&agent.full_name)
        .bind(&agent.login)
        .bind(&agent.email)
        .bind(enum_to_text(&agent.role)?)
        .bind(enum_to_text(&agent.status)?)
        .bind(enum_to_text(&agent.presence)?)
        .bind(agent.capacity.map(i64::from))
        .bind(&agent.password_hash)
        .bind(&agent.invite_token_hash)
        .bind(tenant.as_str())
        .bind(agent.id.as_str())
        .execute(&self.pool)
        .await
        .map_err(|err| unique_as_conflict(err, "this login is taken"))?;
        Ok(())
    }

    async fn delete_agent(&self, tenant: &TenantId, id: &AgentId) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // The agent's row first: its lock makes a concurrent `set_group_members` (which reads
        // the agent `FOR SHARE`) either finish before this or see the agent deleted, and the
        // membership delete below, a fresh statement, then sees every committed membership.
        sqlx::query(
            "UPDATE agents SET deleted_at = $1, invite_token_hash = NULL, password_hash = NULL \
             WHERE tenant_id = $2 AND id = $3",
        )
        .bind(&clock::now().0)
        .bind(tenant.as_str())
        .bind(id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query("DELETE FROM group_members WHERE tenant_id = $1 AND agent_id = $2")
            .bind(tenant.as_str())
            .bind(id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await?;
        Ok(())
    }

    async fn groups(&self, tenant: &TenantId) -> Result<Vec<GroupRecord>> {
        let sql = format!("{GROUP_SELECT} WHERE g.tenant_id = $1 ORDER BY g.created_at, g.id");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(tenant.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(group_from_row).collect()
    }

    async fn group(&self, tenant: &TenantId, id: &GroupId) -> Result<Option<GroupRecord>> {
        let sql = format!("{GROUP_SELECT} WHERE g.tenant_id = $1 AND g.id = $2");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(tenant.as_str())
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(group_from_row).transpose()
    }

    async fn insert_group(&self, tenant: &TenantId, group: NewGroup) -> Result<GroupRecord> {
        let id = GroupId(clock::new_id());
        sqlx::query(
            "INSERT INTO support_groups (id, tenant_id, name, assignment, business_hours, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.as_str())
        .bind(tenant.as_str())
        .bind(&group.name)
        .bind(enum_to_text(&group.assignment)?)
        .bind(hours_json(&group.business_hours)?)
        .bind(&clock::now().0)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(GroupRecord {
            id,
            name: group.name,
            assignment: group.assignment,
            member_ids: Vec::new(),
            business_hours: group.business_hours,
        })
    }

    async fn update_group(&self, tenant: &TenantId, group: &GroupRecord) -> Result<()> {
        sqlx::query(
            "UPDATE support_groups SET name = $1, assignment = $2, business_hours = $3 \
             WHERE tenant_id = $4 AND id = $5",
        )
        .bind(&group.name)
        .bind(enum_to_text(&group.assignment)?)
        .bind(hours_json(&group.business_hours)?)
        .bind(tenant.as_str())
        .bind(group.id.as_str())
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn set_group_members(
        &self,
        tenant: &TenantId,
        id: &GroupId,
        agent_ids: &[AgentId],
    ) -> Result<()> {
        let mut wanted: Vec<String> = agent_ids.iter().map(|a| a.0.clone()).collect();
        wanted.sort();
        wanted.dedup();
        let mut tx = self.pool.begin().await?;
        // The group's row lock makes concurrent replacements of one group's members take turns
        // (last one wins), and checks that the group is this tenant's.
        let group: Option<String> = sqlx::query_scalar(
            "SELECT id FROM support_groups WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE",
        )
        .bind(tenant.as_str())
        .bind(id.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if group.is_none() {
            return Err(Error::NotFound("group"));
        }
        // `FOR SHARE`: an agent being deleted meanwhile is either gone here or waits for us.
        let found: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM agents WHERE tenant_id = $1 AND id = ANY($2) AND deleted_at IS NULL \
             FOR SHARE",
        )
        .bind(tenant.as_str())
        .bind(&wanted)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        if found.len() != wanted.len() {
            return Err(Error::NotFound("agent"));
        }
        sqlx::query("DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2")
            .bind(tenant.as_str())
            .bind(id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO group_members (tenant_id, group_id, agent_id) \
             SELECT $1, $2, agent_id FROM UNNEST($3::text[]) AS m(agent_id) \
             ON CONFLICT DO NOTHING",
        )
        .bind(tenant.as_str())
        .bind(id.as_str())
        .bind(&wanted)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await?;
        Ok(())
    }

    async fn insert_bot(&self, tenant: &TenantId, name: &str) -> Result<BotRecord> {
        let id = BotId(clock::new_id());
        sqlx::query("INSERT INTO bots (id, tenant_id, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id.as_str())
            .bind(tenant.as_str())
            .bind(name)
            .bind(&clock::now().0)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(BotRecord {
            id,
            name: name.to_owned(),
        })
    }

    async fn bot(&self, tenant: &TenantId, id: &BotId) -> Result<Option<BotRecord>> {
        let row = sqlx::query(
            "SELECT id, name FROM bots WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
        )
        .bind(tenant.as_str())
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(bot_from_row).transpose()
    }

    async fn bots(&self, tenant: &TenantId) -> Result<Vec<BotRecord>> {
        let rows = sqlx::query(
            "SELECT id, name FROM bots WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY created_at, id",
        )
        .bind(tenant.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(bot_from_row).collect()
    }

    async fn delete_bot(&self, tenant: &TenantId, id: &BotId) -> Result<()> {
        sqlx::query("UPDATE bots SET deleted_at = $1 WHERE tenant_id = $2 AND id = $3")
            .bind(&clock::now().0)
            .bind(tenant.as_str())
            .bind(id.as_str())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn insert_user(&self, tenant: &TenantId, user: NewUser) -> Result<UserRecord> {
        let row = sqlx::query(
            "INSERT INTO users (id, tenant_id, external_id, name, email, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, name, email, phone, address",
        )
        .bind(clock::new_id())
        .bind(tenant.as_str())
        .bind(&user.external_id)
        .bind(&user.name)
        .bind(&user.email)
        .bind(&clock::now().0)
        .fetch_one(&self.pool)
        .await
        .map_err(|err| unique_as_conflict(err, "this user exists"))?;
        user_from_row(&row)
    }

    async fn upsert_user_by_external_id(
        &self,
        tenant: &TenantId,
        user: NewUser,
    ) -> Result<UserRecord> {
        let external_id = user
            .external_id
            .clone()
            .ok_or_else(|| Error::internal("upsert without external id"))?;
        // One statement: PostgreSQL's upsert is atomic under concurrent first visits.
        let row = sqlx::query(
            "INSERT INTO users (id, tenant_id, external_id, name, email, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (tenant_id, external_id) WHERE external_id IS NOT NULL DO UPDATE SET \
             name = COALESCE(excluded.name, users.name), email = COALESCE(excluded.email, users.email) \
             RETURNING id, name, email, phone, address",
        )
        .bind(clock::new_id())
        .bind(tenant.as_str())
        .bind(&external_id)
        .bind(&user.name)
        .bind(&user.email)
        .bind(&clock::now().0)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        user_from_row(&row)
    }

    async fn user_is_identified(&self, tenant: &TenantId, id: &UserId) -> Result<bool> {
        let row = sqlx::query(
            "SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2 AND external_id IS NOT NULL",
        )
        .bind(tenant.as_str())
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.is_some())
    }

    async fn user(&self, tenant: &TenantId, id: &UserId) -> Result<Option<UserRecord>> {
        let row = sqlx::query(
            "SELECT id, name, email, phone, address FROM users WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.as_str())
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn conversation(
        &self,
        tenant: &TenantId,
        id: &ConversationId,
    ) -> Result<Option<ConversationState>> {
        let mut conn = self.pool.acquire().await?;
        load_conversation(&mut conn, tenant, id, false).await
    }

    async fn latest_open_conversation(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Option<ConversationState>> {
        self.users_conversation(tenant, user, UsersConversation::LatestOpen)
            .await
    }

    async fn current_conversation(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Option<ConversationState>> {
        self.users_conversation(tenant, user, UsersConversation::Current)
            .await
    }

    async fn conversations(
        &self,
        tenant: &TenantId,
        query: &ConversationQuery,
    ) -> Result<Vec<ConversationState>> {
        let statuses: Vec<&str> = query.statuses.iter().map(|s| s.as_str()).collect();
        let mut sql = QueryBuilder::<Postgres>::new(CONVERSATION_SELECT);
        sql.push(" WHERE c.tenant_id = ").push_bind(tenant.as_str());
        sql.push(" AND c.status = ANY(")
            .push_bind(statuses)
            .push(")");
        if let Visibility::Groups {
            group_ids,
            agent_id,
        } = &query.visibility
        {
            let groups: Vec<&str> = group_ids.iter().map(|g| g.as_str()).collect();
            sql.push(" AND (c.assignee_id = ")
                .push_bind(agent_id.as_str())
                .push(" OR c.group_id = ANY(")
                .push_bind(groups)
                .push("))");
        }
        if let Some(agent) = &query.held_by {
            sql.push(" AND c.assignee_kind = 'agent' AND c.assignee_id = ")
                .push_bind(agent.as_str());
        }
        if let Some(user) = &query.filter.user_id {
            sql.push(" AND c.user_id = ").push_bind(user.as_str());
        }
        if let Some(tag) = &query.filter.tag {
            sql.push(" AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(c.tags::jsonb) t(v) WHERE t.v = ")
                .push_bind(tag.clone())
                .push(")");
        }
        if let Some(text) = &query.filter.text {
            let pattern = contains_pattern(text);
            sql.push(" AND (u.name ILIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR u.email ILIKE ")
                .push_bind(pattern.clone())
                .push(
                    " ESCAPE '\\' OR EXISTS (SELECT 1 FROM messages m WHERE m.tenant_id = c.tenant_id \
                     AND m.conversation_id = c.id AND m.text ILIKE ",
                )
                .push_bind(pattern)
                .push(" ESCAPE '\\'))");
        }
        // NULLS FIRST: where SQLite puts them, so both stores list in the same order.
        sql.push(match query.order {
            ConversationOrder::OldestQueuedFirst => {
                " ORDER BY c.queued_at ASC NULLS FIRST, c.id ASC"
            }
            ConversationOrder::RecentlyUpdatedFirst => " ORDER BY c.updated_at DESC, c.id DESC",
        });
        sql.push(" LIMIT ").push_bind(i64::from(query.limit));
        let rows = sql.build().fetch_all(&self.pool).await.map_err(db)?;
        rows.iter().map(conversation_from_row).collect()
    }

    async fn open_conversation(
        &self,
        tenant: &TenantId,
        new: NewConversation,
        messages: Vec<NewMessage>,
    ) -> Result<Outcome> {
        let id = ConversationId(clock::new_id());
        let now = clock::now();
        let mut tx = self.pool.begin().await?;
        // The user and group must be this tenant's: the foreign key alone would accept another
        // tenant's user, whose details the conversation would then show.
        let row = sqlx::query(
            "SELECT EXISTS (SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2) AS user_ok, \
             EXISTS (SELECT 1 FROM support_groups WHERE tenant_id = $1 AND id = $3) AS group_ok",
        )
        .bind(tenant.as_str())
        .bind(new.user_id.as_str())
        .bind(new.group_id.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        if !row.try_get::<bool, _>("user_ok")? {
            return Err(Error::NotFound("user"));
        }
        if !row.try_get::<bool, _>("group_ok")? {
            return Err(Error::NotFound("group"));
        }
        sqlx::query(
            "INSERT INTO conversations (id, tenant_id, user_id, status, group_id, assignee_kind, \
             assignee_id, assignee_name, created_at, updated_at, queued_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)",
        )
        .bind(id.as_str())
        .bind(tenant.as_str())
        .bind(new.user_id.as_str())
        .bind(enum_to_text(&new.status)?)
        .bind(new.group_id.as_str())
        .bind(
            new.assignee
                .as_ref()
                .map(|a| enum_to_text(&a.kind))
                .transpose()?,
        )
        .bind(new.assignee.as_ref().map(|a| a.id.clone()))
        .bind(new.assignee.as_ref().map(|a| a.name.clone()))
        .bind(&now.0)
        .bind(new.queued.then(|| now.0.clone()))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let mut state = load_conversation(&mut tx, tenant, &id, false)
            .await?
            .ok_or_else(|| Error::internal("conversation vanished after insert"))?;
        let messages = append_and_write(&mut tx, tenant, &mut state, messages).await?;
        tx.commit().await?;
        Ok(Outcome {
            before: None,
            after: state,
            messages,
            state_changed: true,
        })
    }

    async fn modify_conversation(
        &self,
        tenant: &TenantId,
        id: &ConversationId,
        decide: Decide<'_>,
    ) -> Result<Outcome> {
        let mut tx = self.pool.begin().await?;
        let before = load_conversation(&mut tx, tenant, id, true)
            .await?
            .ok_or(Error::NotFound("conversation"))?;
        let decision = decide(&before)?;
        let outcome = write_decision(&mut tx, tenant, before, decision).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn modify_conversation_with_loads(
        &self,
        tenant: &TenantId,
        id: &ConversationId,
        agents: &[AgentId],
        decide: LoadedDecide<'_>,
    ) -> Result<Outcome> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(tenant.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let before = load_conversation(&mut tx, tenant, id, true)
            .await?
            .ok_or(Error::NotFound("conversation"))?;
        let loads = candidate_loads(&mut tx, tenant, agents).await?;
        let decision = decide(&before, &loads)?;
        let outcome = write_decision(&mut tx, tenant, before, decision).await?;
        tx.commit().await.map_err(db)?;
        Ok(outcome)
    }

    async fn message_by_client_id(
        &self,
        tenant: &TenantId,
        author_kind: AuthorKind,
        author_id: &str,
        client_msg_id: &str,
    ) -> Result<Option<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE tenant_id = $1 AND author_kind = $2 \
             AND author_id = $3 AND client_msg_id = $4"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(tenant.as_str())
            .bind(enum_to_text(&author_kind)?)
            .bind(author_id)
            .bind(client_msg_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(message_from_row).transpose()
    }

    async fn messages(
        &self,
        tenant: &TenantId,
        id: &ConversationId,
        query: &MessageQuery,
    ) -> Result<MessagePage> {
        let mut sql = QueryBuilder::<Postgres>::new(format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE tenant_id = "
        ));
        sql.push_bind(tenant.as_str());
        sql.push(" AND conversation_id = ").push_bind(id.as_str());
        if let Some(after) = query.after_seq {
            sql.push(" AND seq > ").push_bind(after as i64);
        }
        if let Some(before) = query.before_seq {
            sql.push(" AND seq < ").push_bind(before as i64);
        }
        if !query.include_private {
            sql.push(" AND NOT private");
        }
        // Reading forward from `after_seq`; otherwise the newest page before `before_seq`.
        let forward = query.after_seq.is_some();
        sql.push(if forward {
            " ORDER BY seq ASC"
        } else {
            " ORDER BY seq DESC"
        });
        sql.push(" LIMIT ").push_bind(i64::from(query.limit) + 1);
        let rows = sql.build().fetch_all(&self.pool).await.map_err(db)?;
        let mut messages = rows
            .iter()
            .map(message_from_row)
            .collect::<Result<Vec<_>>>()?;
        let has_more = messages.len() > query.limit as usize;
        messages.truncate(query.limit as usize);
        if !forward {
            messages.reverse();
        }
        Ok(MessagePage { messages, has_more })
    }

    async fn queue_stats(&self, tenant: &TenantId) -> Result<Vec<QueueStats>> {
        let rows = sqlx::query(
            "SELECT group_id, COUNT(*) AS length, MIN(queued_at) AS oldest FROM conversations \
             WHERE tenant_id = $1 AND status = 'queued' GROUP BY group_id",
        )
        .bind(tenant.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(QueueStats {
                    group_id: row.try_get::<String, _>("group_id")?.into(),
                    length: row.try_get::<i64, _>("length")? as u32,
                    oldest_queued_at: row.try_get::<Option<String>, _>("oldest")?.map(Timestamp),
                })
            })
            .collect()
    }

    async fn queue(
        &self,
        tenant: &TenantId,
        group: &GroupId,
    ) -> Result<Vec<(ConversationId, UserId)>> {
        let rows = sqlx::query(
            "SELECT id, user_id FROM conversations WHERE tenant_id = $1 AND group_id = $2 \
             AND status = 'queued' ORDER BY queued_at, id",
        )
        .bind(tenant.as_str())
        .bind(group.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get::<String, _>("id")?.into(),
                    row.try_get::<String, _>("user_id")?.into(),
                ))
            })
            .collect()
    }

    async fn open_counts(
        &self,
        tenant: &TenantId,
        agents: &[AgentId],
    ) -> Result<HashMap<AgentId, u32>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let loads = candidate_loads(&mut conn, tenant, agents).await?;
        Ok(loads.into_iter().map(|l| (l.id, l.open)).collect())
    }

    async fn assign_next(
        &self,
        tenant: &TenantId,
        group: &GroupId,
        candidates: &[AgentId],
        route: Route<'_>,
    ) -> Result<Option<Outcome>> {
        if candidates.is_empty() {
            return Ok(None);
        }
        let mut tx = self.pool.begin().await.map_err(db)?;
        // Auto-assignments of one tenant take turns across nodes: the loads read below stay
        // true until this transaction commits, so nobody goes above capacity.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(tenant.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let sql = format!(
            "{CONVERSATION_SELECT} WHERE c.tenant_id = $1 AND c.group_id = $2 AND c.status = 'queued' \
             ORDER BY c.queued_at, c.id LIMIT 1 FOR UPDATE OF c SKIP LOCKED"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(tenant.as_str())
            .bind(group.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        let Some(before) = row.as_ref().map(conversation_from_row).transpose()? else {
            return Ok(None);
        };
        let loads = candidate_loads(&mut tx, tenant, candidates).await?;
        let Some(decision) = route(&before, &loads)? else {
            return Ok(None);
        };
        let outcome = write_decision(&mut tx, tenant, before, decision).await?;
        tx.commit().await.map_err(db)?;
        Ok(Some(outcome))
    }

    async fn update_user(&self, tenant: &TenantId, user: &UserRecord) -> Result<()> {
        let done = sqlx::query(
            "UPDATE users SET name = $1, email = $2, phone = $3, address = $4 \
             WHERE tenant_id = $5 AND id = $6",
        )
        .bind(&user.name)
        .bind(&user.email)
        .bind(&user.phone)
        .bind(&user.address)
        .bind(tenant.as_str())
        .bind(user.id.as_str())
        .execute(&self.pool)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("user"));
        }
        Ok(())
    }

    async fn user_notes(&self, tenant: &TenantId, user: &UserId) -> Result<Vec<UserNote>> {
        let rows = sqlx::query(
            "SELECT id, user_id, author_id, author_name, text, created_at FROM user_notes \
             WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at, id",
        )
        .bind(tenant.as_str())
        .bind(user.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(note_from_row).collect()
    }

    async fn insert_user_note(&self, tenant: &TenantId, note: NewUserNote) -> Result<UserNote> {
        let stored = UserNote {
            id: clock::new_id(),
            user_id: note.user_id,
            text: note.text,
            author: Author {
                kind: AuthorKind::Agent,
                id: note.author_id.0,
                name: note.author_name,
            },
            created_at: clock::now(),
        };
        // Only for a user of the tenant: the foreign key alone would accept another tenant's.
        let done = sqlx::query(
            "INSERT INTO user_notes (id, tenant_id, user_id, author_id, author_name, text, \
             created_at) SELECT $1, $2, $3, $4, $5, $6, $7 \
             WHERE EXISTS (SELECT 1 FROM users WHERE tenant_id = $2 AND id = $3)",
        )
        .bind(&stored.id)
        .bind(tenant.as_str())
        .bind(stored.user_id.as_str())
        .bind(&stored.author.id)
        .bind(&stored.author.name)
        .bind(&stored.text)
        .bind(&stored.created_at.0)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("user"));
        }
        Ok(stored)
    }

    async fn quick_responses(&self, tenant: &TenantId) -> Result<Vec<QuickResponse>> {
        let rows = sqlx::query(
            "SELECT id, shortcut, text FROM quick_responses WHERE tenant_id = $1 \
             ORDER BY shortcut, id",
        )
        .bind(tenant.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(quick_from_row).collect()
    }

    async fn quick_response(&self, tenant: &TenantId, id: &str) -> Result<Option<QuickResponse>> {
        let row = sqlx::query(
            "SELECT id, shortcut, text FROM quick_responses WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.as_str())
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(quick_from_row).transpose()
    }

    async fn insert_quick_response(
        &self,
        tenant: &TenantId,
        shortcut: &str,
        text: &str,
    ) -> Result<QuickResponse> {
        let quick = QuickResponse {
            id: clock::new_id(),
            shortcut: shortcut.to_owned(),
            text: text.to_owned(),
        };
        sqlx::query(
            "INSERT INTO quick_responses (id, tenant_id, shortcut, text, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&quick.id)
        .bind(tenant.as_str())
        .bind(&quick.shortcut)
        .bind(&quick.text)
        .bind(&clock::now().0)
        .execute(&self.pool)
        .await
        .map_err(|err| unique_as_conflict(err, "this shortcut is taken"))?;
        Ok(quick)
    }

    async fn update_quick_response(&self, tenant: &TenantId, quick: &QuickResponse) -> Result<()> {
        let done = sqlx::query(
            "UPDATE quick_responses SET shortcut = $1, text = $2 WHERE tenant_id = $3 AND id = $4",
        )
        .bind(&quick.shortcut)
        .bind(&quick.text)
        .bind(tenant.as_str())
        .bind(&quick.id)
        .execute(&self.pool)
        .await
        .map_err(|err| unique_as_conflict(err, "this shortcut is taken"))?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("quick response"));
        }
        Ok(())
    }

    async fn delete_quick_response(&self, tenant: &TenantId, id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM quick_responses WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.as_str())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("quick response"));
        }
        Ok(())
    }

    async fn insert_attachment(
        &self,
        tenant: &TenantId,
        attachment: NewAttachment,
    ) -> Result<AttachmentRecord> {
        let record = AttachmentRecord {
            id: AttachmentId(uuid::Uuid::new_v4().to_string()),
            file_name: attachment.file_name,
            content_type: attachment.content_type,
            size: attachment.data.len() as u64,
            uploader_kind: attachment.uploader_kind,
            uploader_id: attachment.uploader_id,
            created_at: clock::now(),
        };
        sqlx::query(
            "INSERT INTO attachments (id, tenant_id, uploader_kind, uploader_id, file_name, \
             content_type, size, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(record.id.as_str())
        .bind(tenant.as_str())
        .bind(enum_to_text(&record.uploader_kind)?)
        .bind(&record.uploader_id)
        .bind(&record.file_name)
        .bind(&record.content_type)
        .bind(record.size as i64)
        .bind(&attachment.data)
        .bind(&record.created_at.0)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(record)
    }

    async fn attachment(
        &self,
        tenant: &TenantId,
        id: &AttachmentId,
    ) -> Result<Option<AttachmentRecord>> {
        let row = sqlx::query(
            "SELECT id, uploader_kind, uploader_id, file_name, content_type, size, created_at \
             FROM attachments WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.as_str())
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(attachment_from_row).transpose()
    }

    async fn attachment_data(
        &self,
        tenant: &TenantId,
        id: &AttachmentId,
    ) -> Result<Option<Vec<u8>>> {
        let data: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT data FROM attachments WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.as_str())
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        Ok(data)
    }

    async fn attachment_links(
        &self,
        tenant: &TenantId,
        id: &AttachmentId,
    ) -> Result<Vec<AttachmentLink>> {
        let rows = sqlx::query(
            "SELECT conversation_id, private FROM attachment_links \
             WHERE tenant_id = $1 AND attachment_id = $2 ORDER BY conversation_id",
        )
        .bind(tenant.as_str())
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(AttachmentLink {
                    conversation_id: row.try_get::<String, _>("conversation_id")?.into(),
                    private: row.try_get("private")?,
                })
            })
            .collect()
    }
}

fn attachments_json(attachments: &[Attachment]) -> Result<String> {
    serde_json::to_string(attachments).map_err(|err| Error::internal(err.to_string()))
}

/// Open conversations and last assignment of each candidate.
async fn candidate_loads(
    conn: &mut PgConnection,
    tenant: &TenantId,
    agents: &[AgentId],
) -> Result<Vec<CandidateLoad>> {
    if agents.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = agents.iter().map(|a| a.0.clone()).collect();
    let rows = sqlx::query(
        "SELECT a.id, a.last_assigned_at, (SELECT COUNT(*) FROM conversations c WHERE \
         c.tenant_id = a.tenant_id AND c.status = 'assigned' AND c.assignee_kind = 'agent' \
         AND c.assignee_id = a.id) AS open FROM agents a WHERE a.tenant_id = $1 AND a.id = ANY($2)",
    )
    .bind(tenant.as_str())
    .bind(&ids)
    .fetch_all(conn)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|row| {
            Ok(CandidateLoad {
                id: row.try_get::<String, _>("id")?.into(),
                open: row.try_get::<i64, _>("open")? as u32,
                last_assigned_at: row
                    .try_get::<Option<String>, _>("last_assigned_at")?
                    .map(Timestamp),
            })
        })
        .collect()
}

/// Writes a decision taken on `before`: its messages get the next `seq`s, the conversation row
/// its new state, and a newly assigned agent its assignment time. Nothing is written when the
/// decision changes nothing.
async fn write_decision(
    conn: &mut PgConnection,
    tenant: &TenantId,
    before: ConversationState,
    decision: Decision,
) -> Result<Outcome> {
    let state_changed = decision.next.as_ref().is_some_and(|next| next != &before);
    if !state_changed && decision.messages.is_empty() {
        return Ok(Outcome {
            after: before.clone(),
            before: Some(before),
            messages: Vec::new(),
            state_changed: false,
        });
    }
    let mut after = decision.next.unwrap_or_else(|| before.clone());
    after.conversation.last_seq = before.conversation.last_seq;
    let messages = append_and_write(conn, tenant, &mut after, decision.messages).await?;
    record_assignment(conn, tenant, Some(&before), &after).await?;
    Ok(Outcome {
        before: Some(before),
        after,
        messages,
        state_changed,
    })
}

/// An agent who just got a conversation is no longer the one idle longest.
async fn record_assignment(
    conn: &mut PgConnection,
    tenant: &TenantId,
    before: Option<&ConversationState>,
    after: &ConversationState,
) -> Result<()> {
    let Some(agent) = after.holder(HolderKind::Agent) else {
        return Ok(());
    };
    if before.and_then(|b| b.holder(HolderKind::Agent)) == Some(agent) {
        return Ok(());
    }
    sqlx::query("UPDATE agents SET last_assigned_at = $1 WHERE tenant_id = $2 AND id = $3")
        .bind(&after.conversation.updated_at.0)
        .bind(tenant.as_str())
        .bind(agent)
        .execute(conn)
        .await
        .map_err(db)?;
    Ok(())
}

fn hours_json(hours: &Option<switchboard_protocol::BusinessHours>) -> Result<Option<String>> {
    hours
        .as_ref()
        .map(|h| serde_json::to_string(h).map_err(|err| Error::internal(err.to_string())))
        .transpose()
}

async fn insert_agent_row(
    conn: &mut PgConnection,
    tenant: &TenantId,
    agent: &NewAgent,
) -> Result<AgentId> {
    let id = AgentId(clock::new_id());
    sqlx::query(
        "INSERT INTO agents (id, tenant_id, full_name, login, email, role, status, password_hash, \
         invite_token_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.as_str())
    .bind(tenant.as_str())
    .bind(&agent.full_name)
    .bind(&agent.login)
    .bind(&agent.email)
    .bind(enum_to_text(&agent.role)?)
    .bind(enum_to_text(&agent.status)?)
    .bind(&agent.password_hash)
    .bind(&agent.invite_token_hash)
    .bind(&clock::now().0)
    .execute(conn)
    .await
    .map_err(|err| unique_as_conflict(err, "this login is taken"))?;
    Ok(id)
}
