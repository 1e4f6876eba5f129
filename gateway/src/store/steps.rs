//! The steps several store operations share inside one transaction: reading a conversation
//! (locked where the backend needs it), the candidates' loads, appending messages, writing a
//! decision, recording an assignment, inserting an agent.
//!
//! Like the row decoders (`rows.rs`), they are written once here and expanded in each backend
//! module by `steps!`, over that backend's connection type: sqlx offers no concise bound for
//! "a connection of either database that runs these statements".

/// The connection type of a backend.
pub(super) type Conn<D> = <<D as super::dialect::Dialect>::Db as sqlx::Database>::Connection;

/// Defines the shared steps for the store type `$store` (which implements `Dialect`) in the
/// calling module, where the row decoders (`rows::decoders!`) are already expanded.
macro_rules! steps {
    ($store:ty) => {
        /// The store's error for a failed statement (see `Dialect::db_error`).
        fn db(err: sqlx::Error) -> Error {
            <$store as Dialect>::db_error(err)
        }

        /// A unique-index violation as `conflict` naming `what` collided; any other error as
        /// [`db`] maps it.
        fn conflict(err: sqlx::Error, what: &str) -> Error {
            super::dialect::unique_as_conflict::<$store>(err, what)
        }

        /// Serializes the transaction with auto-assignments and capacity checks of the tenant,
        /// across nodes, until it ends (nothing to do where one writer does everything).
        async fn lock_tenant(conn: &mut Conn<$store>, tenant: &TenantId) -> Result<()> {
            if let Some(lock) = <$store as Dialect>::TENANT_LOCK {
                sqlx::query(lock)
                    .bind(tenant.as_str())
                    .execute(conn)
                    .await
                    .map_err(db)?;
            }
            Ok(())
        }

        /// Whether `table` has the row `id` in `tenant`. `table` is always one of ours, never
        /// input.
        async fn row_exists(
            conn: &mut Conn<$store>,
            table: &'static str,
            tenant: &TenantId,
            id: &str,
        ) -> Result<bool> {
            let sql = format!("SELECT 1 FROM {table} WHERE tenant_id = $1 AND id = $2");
            let found = sqlx::query(AssertSqlSafe(sql))
                .bind(tenant.as_str())
                .bind(id)
                .fetch_optional(conn)
                .await
                .map_err(db)?;
            Ok(found.is_some())
        }

        /// Reads a conversation; with `lock`, takes what the backend needs so that the
        /// caller's read-decide-write cannot interleave with another writer's
        /// (`Dialect::LOCK_CONVERSATION`).
        async fn load_conversation(
            conn: &mut Conn<$store>,
            tenant: &TenantId,
            id: &ConversationId,
            lock: bool,
        ) -> Result<Option<ConversationState>> {
            let sql = format!(
                "{CONVERSATION_SELECT} WHERE c.tenant_id = $1 AND c.id = $2{}",
                if lock {
                    <$store as Dialect>::LOCK_CONVERSATION
                } else {
                    ""
                }
            );
            let row = sqlx::query(AssertSqlSafe(sql))
                .bind(tenant.as_str())
                .bind(id.as_str())
                .fetch_optional(conn)
                .await
                .map_err(db)?;
            row.as_ref().map(conversation_from_row).transpose()
        }

        /// Open conversations and last assignment of each candidate.
        async fn candidate_loads(
            conn: &mut Conn<$store>,
            tenant: &TenantId,
            agents: &[AgentId],
        ) -> Result<Vec<CandidateLoad>> {
            if agents.is_empty() {
                return Ok(Vec::new());
            }
            let mut sql = QueryBuilder::new(
                "SELECT a.id, a.last_assigned_at, (SELECT COUNT(*) FROM conversations c WHERE \
                 c.tenant_id = a.tenant_id AND c.status = 'assigned' AND c.assignee_kind = 'agent' \
                 AND c.assignee_id = a.id) AS open FROM agents a WHERE a.tenant_id = ",
            );
            sql.push_bind(tenant.as_str());
            sql.push(" AND a.id");
            <$store as Dialect>::push_one_of(&mut sql, agents.iter().map(|a| a.0.clone()).collect());
            let rows = sql.build().fetch_all(conn).await.map_err(db)?;
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

        /// Writes a decision taken on `before`: its messages get the next `seq`s, the
        /// conversation row its new state, and a newly assigned agent its assignment time.
        /// Nothing is written when the decision changes nothing.
        async fn write_decision(
            conn: &mut Conn<$store>,
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
            conn: &mut Conn<$store>,
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

        /// Appends `messages` after `state.last_seq` and writes the conversation row. The
        /// caller serializes writers of the conversation (SQLite's single writer, PostgreSQL's
        /// row lock), so `last_seq` is current and nobody else appends meanwhile.
        async fn append_and_write(
            conn: &mut Conn<$store>,
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
                    "INSERT INTO messages (id, tenant_id, conversation_id, seq, author_kind, \
                     author_id, author_name, text, attachments, private, client_msg_id, created_at) \
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
                .map_err(|err| conflict(err, "a message with this client_msg_id exists"))?;
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
                "UPDATE conversations SET status = $1, group_id = $2, assignee_kind = $3, \
                 assignee_id = $4, assignee_name = $5, last_agent_id = $6, tags = $7, \
                 last_seq = $8, updated_at = $9, queued_at = $10, resolved_at = $11 \
                 WHERE tenant_id = $12 AND id = $13",
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

        /// Inserts an agent row (no groups); `conflict` when the login is taken.
        async fn insert_agent_row(
            conn: &mut Conn<$store>,
            tenant: &TenantId,
            agent: &NewAgent,
        ) -> Result<AgentId> {
            let id = AgentId(clock::new_id());
            sqlx::query(
                "INSERT INTO agents (id, tenant_id, full_name, login, email, role, status, \
                 password_hash, invite_token_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
            .execute(&mut *conn)
            .await
            .map_err(|err| conflict(err, "this login is taken"))?;
            let mut wanted: Vec<String> = agent.group_ids.iter().map(|g| g.0.clone()).collect();
            wanted.sort();
            wanted.dedup();
            if !wanted.is_empty() {
                let mut sql = QueryBuilder::new("SELECT id FROM support_groups WHERE tenant_id = ");
                sql.push_bind(tenant.as_str());
                sql.push(" AND id");
                <$store as Dialect>::push_one_of(&mut sql, wanted.clone());
                let found = sql.build().fetch_all(&mut *conn).await.map_err(db)?;
                if found.len() != wanted.len() {
                    return Err(Error::NotFound("group"));
                }
                let mut sql =
                    QueryBuilder::new("INSERT INTO group_members (tenant_id, group_id, agent_id) ");
                sql.push_values(&wanted, |mut member, group_id| {
                    member
                        .push_bind(tenant.as_str())
                        .push_bind(group_id.as_str())
                        .push_bind(id.as_str());
                });
                sql.build().execute(&mut *conn).await.map_err(db)?;
            }
            Ok(id)
        }
    };
}

pub(super) use steps;
