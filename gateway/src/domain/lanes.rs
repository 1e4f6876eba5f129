//! Work that runs after a request has been answered, one lane per tenant.
//!
//! Why: the routing follow-ups of a conversation change that concern other conversations
//! (queue positions, the drain of a freed agent's groups) must not hold the sender's `ack`
//! (`commit`'s module comment and `docs/decisions.md` say why), yet they must keep the order
//! they had when they ran before the answer: one change's follow-ups before those of the change
//! settled after it, so that a user never hears an older queue position after a newer one and
//! a freed slot is filled before the next change's follow-ups look at the queue. Spawning each
//! on its own task would lose that order; one lane per tenant keeps it without letting one
//! tenant's drain hold up another tenant's follow-ups.
//!
//! A lane exists only while it has work: the first job of an idle tenant starts a task that
//! runs the tenant's jobs one at a time, in the order they were pushed, and ends when none is
//! left. Nothing is kept per idle tenant.

use futures_util::FutureExt;
use std::collections::VecDeque;
use std::collections::hash_map::{Entry, HashMap};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use switchboard_protocol::TenantId;

/// One follow-up: owns what it needs (it outlives the request that queued it).
pub(crate) type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The tenants' lanes. A tenant has an entry exactly while a task runs its lane; the entry
/// holds the jobs queued behind the one running.
#[derive(Default)]
pub(crate) struct Lanes {
    waiting: Mutex<HashMap<TenantId, VecDeque<Job>>>,
}

impl Lanes {
    /// Queues `job` behind the tenant's earlier jobs, starting the tenant's lane if it is idle.
    pub(crate) fn push(self: &Arc<Self>, tenant: &TenantId, job: Job) {
        let mut waiting = self.waiting();
        match waiting.entry(tenant.clone()) {
            Entry::Occupied(mut lane) => lane.get_mut().push_back(job),
            Entry::Vacant(lane) => {
                lane.insert(VecDeque::new());
                tokio::spawn(Arc::clone(self).run(tenant.clone(), job));
            }
        }
    }

    /// Runs `job`, then the tenant's next ones, until none waits.
    async fn run(self: Arc<Self>, tenant: TenantId, mut job: Job) {
        loop {
            // A panicking follow-up must not stop the lane (later jobs would never run).
            if AssertUnwindSafe(job).catch_unwind().await.is_err() {
                tracing::error!(%tenant, "a follow-up panicked");
            }
            let next = {
                let mut waiting = self.waiting();
                let next = waiting.get_mut(&tenant).and_then(VecDeque::pop_front);
                if next.is_none() {
                    waiting.remove(&tenant);
                }
                next
            };
            match next {
                Some(next) => job = next,
                None => return,
            }
        }
    }

    /// The map, also after a panic elsewhere poisoned its lock (its state stays consistent:
    /// no code panics while holding it).
    fn waiting(&self) -> MutexGuard<'_, HashMap<TenantId, VecDeque<Job>>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::sync::mpsc;

    #[tokio::test]
    async fn a_tenants_jobs_run_in_order_and_an_idle_lane_goes_away() {
        let lanes = Arc::new(Lanes::default());
        let (done, mut finished) = mpsc::unbounded_channel();
        let tenant = TenantId("t".into());
        for i in 0..5u64 {
            let done = done.clone();
            lanes.push(
                &tenant,
                Box::pin(async move {
                    // Earlier jobs take longer: spawned separately they would finish last.
                    tokio::time::sleep(Duration::from_millis(25 - 5 * i)).await;
                    let _ = done.send(i);
                }),
            );
        }
        lanes.push(&tenant, Box::pin(async { panic!("a broken follow-up") }));
        let after = done.clone();
        lanes.push(
            &tenant,
            Box::pin(async move {
                let _ = after.send(5);
            }),
        );
        let mut order = Vec::new();
        for _ in 0..6 {
            order.push(finished.recv().await.expect("a job reports"));
        }
        assert_eq!(order, vec![0, 1, 2, 3, 4, 5], "in order, past a panic");
        for _ in 0..100 {
            if lanes.waiting().is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("the idle lane was not removed");
    }
}
