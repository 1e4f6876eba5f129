//! Timers: routing work that is due at a time, stored so that it outlives the node that armed
//! it, and the cross-tenant query of the queue sweep.
//!
//! Why stored: a timer held in one node's memory died with that node (a bot's silence then
//! went unpunished). A row here is claimed by whichever node looks first once it is due, and a
//! node that dies before the due time holds nothing: the row waits for any node alive.
//!
//! One timer per (tenant, conversation, kind), so pending timers are bounded by conversations;
//! arming also respects a per-tenant cap chosen by the caller. Claiming deletes the rows it
//! returns in one statement (PostgreSQL skips rows another claimer has locked; SQLite's single
//! writer serializes claimers), so each due timer is returned exactly once across nodes.

use crate::error::Result;
use async_trait::async_trait;
use switchboard_protocol::{BotId, ConversationId, GroupId, TenantId, Timestamp};

/// The kind of the bot's answer timer, as stored.
pub(super) const BOT_ANSWER: &str = "bot_answer";

/// A bot's time to answer a user's message: when it is due and the bot has not written after
/// `unanswered_seq`, the conversation is handed over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BotTimer {
    pub tenant_id: TenantId,
    pub conversation_id: ConversationId,
    pub bot_id: BotId,
    /// The user's message the bot must answer (any message of the bot after it answers).
    pub unanswered_seq: u64,
    pub due_at: Timestamp,
}

/// What arming a bot timer did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Armed {
    /// Stored: the conversation had no bot timer, or one for another bot, or one due later.
    Armed,
    /// The conversation's pending timer for the same bot is due no later: it stays (a user
    /// writing more does not give the bot more time).
    Kept,
    /// The tenant already has `cap` pending bot timers for other conversations: not stored.
    AtCap,
}

#[async_trait]
pub trait TimerStore: Send + Sync {
    /// Arms the conversation's bot timer (one per conversation): replaces a pending one for
    /// another bot or one due later; keeps one for the same bot due no later. Not stored when
    /// the tenant has `cap` pending bot timers for other conversations (a soft cap on
    /// PostgreSQL: arms racing at the cap may pass it by their number).
    async fn arm_bot_timer(&self, timer: &BotTimer, cap: u64) -> Result<Armed>;
    /// Drops the conversation's pending bot timer, if any.
    async fn cancel_bot_timer(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
    ) -> Result<()>;
    /// The conversation's pending bot timer.
    async fn bot_timer(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
    ) -> Result<Option<BotTimer>>;
    /// Takes up to `limit` bot timers due at `now` or before, earliest first, of every tenant:
    /// they are deleted as they are returned, so concurrent claimers (on any node) never get
    /// the same timer.
    async fn claim_due_bot_timers(&self, now: &Timestamp, limit: u32) -> Result<Vec<BotTimer>>;
    /// When the earliest pending timer of any tenant is due.
    async fn next_timer_due(&self) -> Result<Option<Timestamp>>;
    /// The (tenant, group) pairs of every tenant whose group assigns automatically and has
    /// conversations waiting in its queue: what the queue sweep drains.
    async fn auto_queues(&self) -> Result<Vec<(TenantId, GroupId)>>;
}

/// [`TimerStore`] for the store type `$store`, expanded in its backend module.
macro_rules! timer_store {
    ($store:ty) => {
        #[async_trait]
        impl TimerStore for $store {
            async fn arm_bot_timer(&self, timer: &BotTimer, cap: u64) -> Result<Armed> {
                // The row is inserted only below the cap (the conversation's own row does not
                // count: replacing it adds nothing); on conflict it is replaced only for another
                // bot or an earlier due time.
                let done = sqlx::query(
                    "INSERT INTO timers (id, tenant_id, conversation_id, kind, due_at, bot_id, \
                     unanswered_seq, armed_at) \
                     SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
                     WHERE (SELECT COUNT(*) FROM timers WHERE tenant_id = $2 AND kind = $4 \
                            AND conversation_id <> $3) < $9 \
                     ON CONFLICT (tenant_id, conversation_id, kind) DO UPDATE SET \
                     due_at = excluded.due_at, bot_id = excluded.bot_id, \
                     unanswered_seq = excluded.unanswered_seq, armed_at = excluded.armed_at \
                     WHERE timers.bot_id <> excluded.bot_id OR excluded.due_at < timers.due_at",
                )
                .bind(clock::new_id())
                .bind(timer.tenant_id.as_str())
                .bind(timer.conversation_id.as_str())
                .bind(BOT_ANSWER)
                .bind(&timer.due_at.0)
                .bind(timer.bot_id.as_str())
                .bind(timer.unanswered_seq as i64)
                .bind(&clock::now().0)
                .bind(i64::try_from(cap).unwrap_or(i64::MAX))
                .execute(self.writer())
                .await
                .map_err(db)?;
                if done.rows_affected() > 0 {
                    return Ok(Armed::Armed);
                }
                let pending = self
                    .bot_timer(&timer.tenant_id, &timer.conversation_id)
                    .await?;
                Ok(if pending.is_some() {
                    Armed::Kept
                } else {
                    Armed::AtCap
                })
            }

            async fn cancel_bot_timer(
                &self,
                tenant: &TenantId,
                conversation: &ConversationId,
            ) -> Result<()> {
                sqlx::query(
                    "DELETE FROM timers WHERE tenant_id = $1 AND conversation_id = $2 \
                     AND kind = $3",
                )
                .bind(tenant.as_str())
                .bind(conversation.as_str())
                .bind(BOT_ANSWER)
                .execute(self.writer())
                .await
                .map_err(db)?;
                Ok(())
            }

            async fn bot_timer(
                &self,
                tenant: &TenantId,
                conversation: &ConversationId,
            ) -> Result<Option<BotTimer>> {
                // Through the writer: a timer armed a moment ago must be seen.
                let row = sqlx::query(
                    "SELECT tenant_id, conversation_id, bot_id, unanswered_seq, due_at \
                     FROM timers WHERE tenant_id = $1 AND conversation_id = $2 AND kind = $3",
                )
                .bind(tenant.as_str())
                .bind(conversation.as_str())
                .bind(BOT_ANSWER)
                .fetch_optional(self.writer())
                .await
                .map_err(db)?;
                row.as_ref().map(bot_timer_from_row).transpose()
            }

            async fn claim_due_bot_timers(
                &self,
                now: &Timestamp,
                limit: u32,
            ) -> Result<Vec<BotTimer>> {
                let sql = format!(
                    "DELETE FROM timers WHERE id IN (SELECT id FROM timers \
                     WHERE kind = $1 AND due_at <= $2 ORDER BY due_at LIMIT $3{}) \
                     RETURNING tenant_id, conversation_id, bot_id, unanswered_seq, due_at",
                    <$store as Dialect>::LOCK_DUE_TIMERS
                );
                let rows = sqlx::query(AssertSqlSafe(sql))
                    .bind(BOT_ANSWER)
                    .bind(&now.0)
                    .bind(i64::from(limit))
                    .fetch_all(self.writer())
                    .await
                    .map_err(db)?;
                let mut timers = rows
                    .iter()
                    .map(bot_timer_from_row)
                    .collect::<Result<Vec<_>>>()?;
                // RETURNING promises no order.
                timers.sort_by(|a, b| a.due_at.0.cmp(&b.due_at.0));
                Ok(timers)
            }

            async fn next_timer_due(&self) -> Result<Option<Timestamp>> {
                let due: Option<String> = sqlx::query_scalar("SELECT MIN(due_at) FROM timers")
                    .fetch_one(self.reader())
                    .await
                    .map_err(db)?;
                Ok(due.map(Timestamp))
            }

            async fn auto_queues(&self) -> Result<Vec<(TenantId, GroupId)>> {
                let rows = sqlx::query(
                    "SELECT DISTINCT c.tenant_id, c.group_id FROM conversations c \
                     JOIN support_groups g ON g.id = c.group_id AND g.tenant_id = c.tenant_id \
                     WHERE c.status = 'queued' AND g.assignment = 'auto' \
                     ORDER BY c.tenant_id, c.group_id",
                )
                .fetch_all(self.reader())
                .await
                .map_err(db)?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            row.try_get::<String, _>("tenant_id")?.into(),
                            row.try_get::<String, _>("group_id")?.into(),
                        ))
                    })
                    .collect()
            }
        }

        fn bot_timer_from_row(row: &<<$store as Dialect>::Db as sqlx::Database>::Row) -> Result<BotTimer> {
            Ok(BotTimer {
                tenant_id: row.try_get::<String, _>("tenant_id")?.into(),
                conversation_id: row.try_get::<String, _>("conversation_id")?.into(),
                bot_id: row.try_get::<String, _>("bot_id")?.into(),
                unanswered_seq: row.try_get::<i64, _>("unanswered_seq")?.max(0) as u64,
                due_at: Timestamp(row.try_get("due_at")?),
            })
        }
    };
}

pub(super) use timer_store;
