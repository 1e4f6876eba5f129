//! Conversations and their messages, with routing's queue reads and auto-assignment.
//!
//! Changes are atomic read-decide-write operations: the domain supplies a pure decision
//! function ([`Decide`], [`LoadedDecide`], [`Route`]), the store runs it on the current row
//! inside the write transaction (`steps.rs` writes the decision). That is what makes "exactly
//! one holder" and gap-free `seq` hold, on one node or many.

use super::{
    CandidateLoad, ConversationQuery, ConversationState, Decision, MessagePage, MessageQuery,
    NewConversation, NewMessage, Outcome, QueueStats,
};
use crate::error::Result;
use async_trait::async_trait;
use std::collections::HashMap;
use switchboard_protocol::{
    AgentId, AuthorKind, ConversationId, GroupId, Message, TenantId, UserId,
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
pub trait ConversationStore: Send + Sync {
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
    /// Like [`ConversationStore::modify_conversation`], with the loads of `agents` read in the
    /// same transaction and serialized with auto-assignment (per tenant), so capacity checks
    /// hold when several changes race.
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
}

/// [`ConversationStore`] for the store type `$store`, expanded in its backend module.
macro_rules! conversation_store {
    ($store:ty) => {
        impl $store {
            /// One of a user's conversations, as `which` picks it.
            async fn users_conversation(
                &self,
                tenant: &TenantId,
                user: &UserId,
                which: UsersConversation,
            ) -> Result<Option<ConversationState>> {
                // Through the writer, which sees the latest commit at once.
                let row = sqlx::query(AssertSqlSafe(which.sql()))
                    .bind(tenant.as_str())
                    .bind(user.as_str())
                    .fetch_optional(self.writer())
                    .await
                    .map_err(db)?;
                row.as_ref().map(conversation_from_row).transpose()
            }
        }

        #[async_trait]
        impl ConversationStore for $store {
            async fn conversation(
                &self,
                tenant: &TenantId,
                id: &ConversationId,
            ) -> Result<Option<ConversationState>> {
                let mut conn = self.reader().acquire().await.map_err(db)?;
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
                let mut sql = QueryBuilder::new(CONVERSATION_SELECT);
                sql.push(" WHERE c.tenant_id = ").push_bind(tenant.as_str());
                sql.push(" AND c.status");
                <$store as Dialect>::push_one_of(
                    &mut sql,
                    query.statuses.iter().map(|s| s.as_str().to_owned()).collect(),
                );
                if let Visibility::Groups {
                    group_ids,
                    agent_id,
                } = &query.visibility
                {
                    sql.push(" AND (c.assignee_id = ")
                        .push_bind(agent_id.as_str());
                    sql.push(" OR c.group_id");
                    <$store as Dialect>::push_one_of(
                        &mut sql,
                        group_ids.iter().map(|g| g.0.clone()).collect(),
                    );
                    sql.push(")");
                }
                if let Some(agent) = &query.held_by {
                    sql.push(" AND c.assignee_kind = 'agent' AND c.assignee_id = ")
                        .push_bind(agent.as_str());
                }
                if let Some(user) = &query.filter.user_id {
                    sql.push(" AND c.user_id = ").push_bind(user.as_str());
                }
                if let Some(bot) = &query.filter.bot_id {
                    sql.push(" AND ((c.assignee_kind = 'bot' AND c.assignee_id = ")
                        .push_bind(bot.as_str())
                        .push(
                            ") OR EXISTS (SELECT 1 FROM messages m \
                             WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id \
                             AND m.author_kind = 'bot' AND m.author_id = ",
                        )
                        .push_bind(bot.as_str())
                        .push("))");
                }
                if let Some(tag) = &query.filter.tag {
                    sql.push(<$store as Dialect>::TAG_IS)
                        .push_bind(tag.clone())
                        .push(")");
                }
                if let Some(text) = &query.filter.text {
                    let like = <$store as Dialect>::LIKE;
                    let pattern = contains_pattern(text);
                    sql.push(format!(" AND (u.name {like} "))
                        .push_bind(pattern.clone())
                        .push(format!(" ESCAPE '\\' OR u.email {like} "))
                        .push_bind(pattern.clone())
                        .push(format!(
                            " ESCAPE '\\' OR EXISTS (SELECT 1 FROM messages m \
                             WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id \
                             AND m.text {like} "
                        ))
                        .push_bind(pattern)
                        .push(" ESCAPE '\\'))");
                }
                // NULLS FIRST: SQLite's default for ascending order, spelled out for PostgreSQL
                // so both stores list in the same order.
                sql.push(match query.order {
                    ConversationOrder::OldestQueuedFirst => {
                        " ORDER BY c.queued_at ASC NULLS FIRST, c.id ASC"
                    }
                    ConversationOrder::RecentlyUpdatedFirst => {
                        " ORDER BY c.updated_at DESC, c.id DESC"
                    }
                    ConversationOrder::NewestFirst => " ORDER BY c.created_at DESC, c.id DESC",
                });
                sql.push(" LIMIT ").push_bind(i64::from(query.limit));
                let rows = sql.build().fetch_all(self.reader()).await.map_err(db)?;
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
                let mut tx = self.writer().begin().await.map_err(db)?;
                // The user and group must be this tenant's: the foreign key alone would accept
                // another tenant's user, whose details the conversation would then show.
                if !row_exists(&mut tx, "users", tenant, new.user_id.as_str()).await? {
                    return Err(Error::NotFound("user"));
                }
                if !row_exists(&mut tx, "support_groups", tenant, new.group_id.as_str()).await? {
                    return Err(Error::NotFound("group"));
                }
                sqlx::query(
                    "INSERT INTO conversations (id, tenant_id, user_id, status, group_id, \
                     assignee_kind, assignee_id, assignee_name, created_at, updated_at, queued_at) \
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
                tx.commit().await.map_err(db)?;
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
                let mut tx = self.writer().begin().await.map_err(db)?;
                let before = load_conversation(&mut tx, tenant, id, true)
                    .await?
                    .ok_or(Error::NotFound("conversation"))?;
                let decision = decide(&before)?;
                let outcome = write_decision(&mut tx, tenant, before, decision).await?;
                tx.commit().await.map_err(db)?;
                Ok(outcome)
            }

            async fn modify_conversation_with_loads(
                &self,
                tenant: &TenantId,
                id: &ConversationId,
                agents: &[AgentId],
                decide: LoadedDecide<'_>,
            ) -> Result<Outcome> {
                let mut tx = self.writer().begin().await.map_err(db)?;
                lock_tenant(&mut tx, tenant).await?;
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
                    "SELECT {MESSAGE_COLUMNS} FROM messages WHERE tenant_id = $1 \
                     AND author_kind = $2 AND author_id = $3 AND client_msg_id = $4"
                );
                // Through the writer: a retry must see the first try's commit at once.
                let row = sqlx::query(AssertSqlSafe(sql))
                    .bind(tenant.as_str())
                    .bind(enum_to_text(&author_kind)?)
                    .bind(author_id)
                    .bind(client_msg_id)
                    .fetch_optional(self.writer())
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
                let mut sql = QueryBuilder::new(format!(
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
                // Reading forward from `after_seq`; otherwise the newest page before
                // `before_seq`.
                let forward = query.after_seq.is_some();
                sql.push(if forward {
                    " ORDER BY seq ASC"
                } else {
                    " ORDER BY seq DESC"
                });
                sql.push(" LIMIT ").push_bind(i64::from(query.limit) + 1);
                let rows = sql.build().fetch_all(self.reader()).await.map_err(db)?;
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
                    "SELECT group_id, COUNT(*) AS length, MIN(queued_at) AS oldest \
                     FROM conversations WHERE tenant_id = $1 AND status = 'queued' \
                     GROUP BY group_id",
                )
                .bind(tenant.as_str())
                .fetch_all(self.reader())
                .await
                .map_err(db)?;
                rows.iter()
                    .map(|row| {
                        Ok(QueueStats {
                            group_id: row.try_get::<String, _>("group_id")?.into(),
                            length: row.try_get::<i64, _>("length")? as u32,
                            oldest_queued_at: row
                                .try_get::<Option<String>, _>("oldest")?
                                .map(Timestamp),
                        })
                    })
                    .collect()
            }

            async fn queue(
                &self,
                tenant: &TenantId,
                group: &GroupId,
            ) -> Result<Vec<(ConversationId, UserId)>> {
                // Through the writer, which sees the latest commit at once.
                let rows = sqlx::query(
                    "SELECT id, user_id FROM conversations WHERE tenant_id = $1 AND group_id = $2 \
                     AND status = 'queued' ORDER BY queued_at, id",
                )
                .bind(tenant.as_str())
                .bind(group.as_str())
                .fetch_all(self.writer())
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
                let mut conn = self.reader().acquire().await.map_err(db)?;
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
                let mut tx = self.writer().begin().await.map_err(db)?;
                // Auto-assignments of one tenant take turns (SQLite's single writer connection,
                // PostgreSQL's advisory lock across nodes): the loads read below stay true until
                // this transaction commits, so nobody goes above capacity.
                lock_tenant(&mut tx, tenant).await?;
                let sql = format!(
                    "{CONVERSATION_SELECT} WHERE c.tenant_id = $1 AND c.group_id = $2 \
                     AND c.status = 'queued' ORDER BY c.queued_at, c.id LIMIT 1{}",
                    <$store as Dialect>::LOCK_NEXT_QUEUED
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
        }
    };
}

pub(super) use conversation_store;
