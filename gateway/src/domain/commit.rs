//! Commit → publish → route: what happens to every conversation change once its store
//! transaction has committed, and which of it the sender's answer waits for.
//!
//! A conversation change is one store transaction (read, decide with `transitions`, write). Its
//! [`Outcome`] then goes through [`Desk::settle`], the one place where a committed change
//! becomes events:
//!
//! 1. **Publish** the outcome (`events`): `conversation.updated` if the state changed, then each
//!    appended message (`message.created`, `conversation.activity`), in `seq` order.
//! 2. **Route the changed conversation itself** (`routing`): if it entered an auto group's
//!    queue, the drain that may give it to an agent; if a bot holds it and the user wrote, the
//!    bot watch (an absent bot hands it over now, else the answer timer starts).
//! 3. The caller answers: the `ack` of `message.send` and of the conversation commands, or the
//!    HTTP response.
//! 4. **Follow-ups about other conversations** run after that, in the tenant's lane (`lanes`):
//!    the queue positions of the users waiting in the queues it left or entered, and, when it
//!    freed an agent's capacity, the drain of that agent's groups.
//!
//! Why the answer waits for 1 and 2 and not for 4 (also in `docs/decisions.md`):
//! - The `ack` means "stored and published": the change's events are on the bus before the
//!   answer leaves, so a client that got the ack and reads history or lists finds the change.
//! - The sender's next command, sent after the ack, must find its conversation where routing
//!   puts it: a user's second message reaches the agent the first one was just given to (that
//!   agent is then a participant), a handover's ack follows the assignment it caused. In the
//!   steady state this drain gives out at most the sender's own conversation: anything older
//!   still waiting is waiting because no eligible member can take it. When one can, it goes
//!   first: first come, first served is what routing the sender's conversation means.
//! - Queue positions are news for the other waiting users, and a freed agent's drain assigns
//!   other conversations (up to a whole queue). The sender's answer does not wait for them:
//!   an agent's `conversation.resolve` is acknowledged once it is stored and published, then
//!   the next waiting conversation comes to them as its own `conversation.updated`.
//! - The lane keeps the order these follow-ups had when they ran before the answer: per
//!   tenant, one change's follow-ups finish before the next change's start, and each starts
//!   after its own change was published.

use super::Desk;
use super::routing::FollowUps;
use crate::error::Result;
use crate::store::{ConversationState, Decision, Outcome};
use switchboard_protocol::{ConversationId, TenantId};

impl Desk {
    /// Runs one decision on a conversation (one store transaction) and settles its outcome.
    pub(crate) async fn change(
        &self,
        tenant: &TenantId,
        id: &ConversationId,
        decide: &(dyn Fn(&ConversationState) -> Result<Decision> + Send + Sync),
    ) -> Result<ConversationState> {
        let outcome = self.store.modify_conversation(tenant, id, decide).await?;
        self.settle(tenant, &outcome).await;
        Ok(outcome.after)
    }

    /// A committed change: publishes it and routes its conversation (awaited), then queues the
    /// follow-ups about other conversations in the tenant's lane. Routing failures are logged:
    /// the change stands.
    pub(crate) async fn settle(&self, tenant: &TenantId, outcome: &Outcome) {
        self.publish_outcome(tenant, outcome).await;
        let mut later = FollowUps::of(outcome);
        if let Err(err) = self.route_own(tenant, outcome, &mut later).await {
            tracing::error!(error = %err, "routing after a change");
        }
        if later.is_empty() {
            return;
        }
        let Some(desk) = self.me.upgrade() else {
            return; // the gateway is going away
        };
        let lane_tenant = tenant.clone();
        self.lanes.push(
            tenant,
            Box::pin(async move { desk.follow_up(&lane_tenant, later).await }),
        );
    }
}
