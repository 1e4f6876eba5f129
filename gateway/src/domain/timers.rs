//! Routing work no request starts: durable timers and the queue sweep, run by every node.
//!
//! - **Timers.** A bot's time to answer a user's message is a row in the store (`TimerStore`),
//!   not a task in the memory of the node that stored the message: the node's timer loop
//!   claims due rows (each goes to exactly one node) and runs the bot's timeout. A node that
//!   dies before a timer is due loses nothing: any node alive claims it when it is due.
//! - **Sweep.** Routing is event-driven (`routing`), so a routing error, an event lost with a
//!   node, or an eligibility change that no event reports (an agent's offline grace ending,
//!   which may make offline members eligible under `online_then_offline`) could leave a
//!   conversation waiting while an agent could take it. Every `queue_sweep` each node drains
//!   the queues of the auto groups that have conversations waiting; several nodes sweeping at
//!   once is harmless, since every assignment is its own serialized transaction.
//!
//! Both loops hold the desk weakly: they end when it is dropped, and with the process.

use super::Desk;
use crate::clock;
use crate::error::{Error, Result};
use crate::store::{Armed, BotTimer};
use chrono::{DateTime, Utc};
use std::sync::{Arc, Weak};
use std::time::Duration;
use switchboard_protocol::{BotId, ConversationId, TenantId, Timestamp};
use tokio::sync::Notify;

/// The most bot timers one tenant may have pending. One per conversation held by a bot with a
/// user message waiting; a tenant above this many is flooding the store, not serving users. At
/// the cap a new timer is not armed (a warning is logged): that message gets no timeout, and
/// the bot's next answer followed by a user message, or a timer freeing up, arms one again.
pub const MAX_PENDING_BOT_TIMERS: u64 = 10_000;

/// The most due timers claimed at once (the loop claims again at once when it got this many).
const CLAIM_BATCH: u32 = 100;

/// How long the timer loop sleeps at most: timers armed by other nodes are picked up within
/// this, those armed here at once (`timer_armed`).
const TIMER_POLL: Duration = Duration::from_secs(1);

/// The shortest sleep of the timer loop: a due timer another node is claiming right now is
/// still the earliest, and must not make this loop spin.
const TIMER_MIN_WAIT: Duration = Duration::from_millis(50);

/// How often each node sweeps the queues by default (`--queue-sweep-secs` overrides it).
pub const DEFAULT_QUEUE_SWEEP: Duration = Duration::from_secs(15);

/// When a timer of `after` from `start` is due.
pub(crate) fn due_after(start: DateTime<Utc>, after: Duration) -> Timestamp {
    let after = chrono::Duration::from_std(after).unwrap_or(chrono::Duration::MAX);
    clock::format(
        start
            .checked_add_signed(after)
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
    )
}

/// The stored time as a point in time (`None` for text that is not RFC 3339).
pub(crate) fn parse_time(at: &Timestamp) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(&at.0)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// Starts this node's timer loop and queue sweep.
pub fn spawn_upkeep(desk: &Arc<Desk>, queue_sweep: Duration) {
    tokio::spawn(run_timers(Arc::downgrade(desk), desk.timer_wake.clone()));
    tokio::spawn(run_sweep(Arc::downgrade(desk), queue_sweep));
}

/// Fires due timers, then sleeps until the earliest pending one is due (at most `TIMER_POLL`)
/// or this node arms one.
async fn run_timers(desk: Weak<Desk>, wake: Arc<Notify>) {
    loop {
        let wait = {
            let Some(desk) = desk.upgrade() else { return };
            match desk.fire_due_timers().await {
                Ok(wait) => wait,
                Err(err) => {
                    tracing::error!(error = %err, "claiming due timers");
                    TIMER_POLL
                }
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = wake.notified() => {}
        }
    }
}

/// Drains every auto queue with conversations waiting, every `every`.
async fn run_sweep(desk: Weak<Desk>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is immediate: a node that starts sweeps what waited while none ran.
    loop {
        ticks.tick().await;
        let Some(desk) = desk.upgrade() else { return };
        if let Err(err) = desk.sweep_queues().await {
            tracing::error!(error = %err, "sweeping the queues");
        }
    }
}

impl Desk {
    /// Gives `bot` until `due_at` to answer the user's message `unanswered` (a pending timer of
    /// the same bot due earlier stays: writing more gives the bot no more time).
    pub(crate) async fn arm_bot_timer(
        &self,
        tenant: &TenantId,
        conversation: &ConversationId,
        bot: &BotId,
        unanswered: u64,
        due_at: Timestamp,
    ) -> Result<()> {
        let timer = BotTimer {
            tenant_id: tenant.clone(),
            conversation_id: conversation.clone(),
            bot_id: bot.clone(),
            unanswered_seq: unanswered,
            due_at,
        };
        match self
            .store
            .arm_bot_timer(&timer, MAX_PENDING_BOT_TIMERS)
            .await?
        {
            Armed::Armed => self.timer_wake.notify_one(),
            Armed::Kept => {}
            Armed::AtCap => tracing::warn!(
                %tenant,
                %conversation,
                cap = MAX_PENDING_BOT_TIMERS,
                "too many pending bot timers: this message gets no bot timeout"
            ),
        }
        Ok(())
    }

    /// Claims and runs the timers due now; answers how long to sleep before looking again.
    /// Claiming is a write: it is tried only when the earliest pending timer is due.
    async fn fire_due_timers(&self) -> Result<Duration> {
        loop {
            let Some(next) = self.store.next_timer_due().await? else {
                return Ok(TIMER_POLL);
            };
            let until = parse_time(&next)
                .and_then(|next| (next - Utc::now()).to_std().ok())
                .unwrap_or(Duration::ZERO);
            if !until.is_zero() {
                return Ok(until.clamp(TIMER_MIN_WAIT, TIMER_POLL));
            }
            let due = self
                .store
                .claim_due_bot_timers(&clock::now(), CLAIM_BATCH)
                .await?;
            if due.is_empty() {
                // Due, but another node is claiming it (or the clocks disagree by a moment).
                return Ok(TIMER_MIN_WAIT);
            }
            for timer in due {
                self.fire_bot_timer(timer).await;
            }
        }
    }

    /// Runs one claimed bot timer. It is no longer stored: when running it fails on the
    /// database, it is armed again a moment later, so a passing store error does not cost the
    /// user the timeout (other errors would fail again: logged, dropped).
    async fn fire_bot_timer(&self, timer: BotTimer) {
        let result = self
            .bot_timed_out(
                &timer.tenant_id,
                &timer.conversation_id,
                &timer.bot_id,
                timer.unanswered_seq,
            )
            .await;
        let Err(err) = result else { return };
        tracing::error!(error = %err, conversation = %timer.conversation_id, "handing over from a silent bot");
        if !matches!(err, Error::Database(_)) {
            return;
        }
        let again = due_after(Utc::now(), TIMER_POLL);
        if let Err(err) = self
            .arm_bot_timer(
                &timer.tenant_id,
                &timer.conversation_id,
                &timer.bot_id,
                timer.unanswered_seq,
                again,
            )
            .await
        {
            tracing::error!(error = %err, conversation = %timer.conversation_id, "re-arming a bot timer");
        }
    }

    /// Drains the queue of every auto group that has conversations waiting (of any tenant).
    async fn sweep_queues(&self) -> Result<()> {
        for (tenant, group) in self.store.auto_queues().await? {
            self.routing_event(self.drain_queue(&tenant, &group).await);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_times_are_the_stored_text_and_read_back() {
        let start = parse_time(&Timestamp("2026-12-04T10:00:00.250Z".into())).unwrap();
        let due = due_after(start, Duration::from_secs(30));
        assert_eq!(due.0, "2026-12-04T10:00:30.250Z");
        assert_eq!(
            parse_time(&due),
            Some(start + chrono::Duration::seconds(30))
        );
        assert_eq!(parse_time(&Timestamp("soon".into())), None);
    }
}
