//! Routing: queues and auto-assignment under capacity, from two nodes (`ConversationStore`).

use super::*;

/// Twelve conversations queued, two agents of capacity 2, and twelve auto-assignments racing
/// from both stores (two nodes): exactly four are assigned, two each, the oldest first.
pub(super) async fn concurrent_auto_assignments_never_exceed_capacity(b: Backend) {
    const QUEUED: usize = 12;
    const CAPACITY: u32 = 2;
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let group = tenant.settings.default_group_id.clone();
    let agents = [add_agent(s, &tenant).await, add_agent(s, &tenant).await];
    let mut queued = Vec::new();
    for i in 0..QUEUED {
        let user = add_user(s, &tenant, &format!("User {i}")).await;
        queued.push(open_queued(s, &tenant, &user, &group).await.id().clone());
    }
    let candidates: Vec<AgentId> = agents.iter().map(|a| a.id.clone()).collect();
    let names: Vec<(AgentId, String)> = agents
        .iter()
        .map(|a| (a.id.clone(), a.full_name.clone()))
        .collect();
    let mut tasks = Vec::new();
    for i in 0..QUEUED {
        let store = if i % 2 == 0 { &b.store } else { &b.other }.clone();
        let (tenant, group, candidates, names) = (
            tenant.id.clone(),
            group.clone(),
            candidates.clone(),
            names.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let route = move |st: &ConversationState, loads: &[CandidateLoad]| {
                std::thread::sleep(Duration::from_millis(5));
                let Some(chosen) = switchboard::domain::routing::pick(loads, |_| Some(CAPACITY))
                else {
                    return Ok(None);
                };
                let name = names
                    .iter()
                    .find(|(id, _)| id == &chosen.id)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default();
                Ok(transitions::auto_assign(st, chosen.id.as_str(), &name))
            };
            store
                .assign_next(&tenant, &group, &candidates, &route)
                .await
        }));
    }
    let mut assigned = Vec::new();
    for task in tasks {
        if let Some(outcome) = task.await.expect("task").expect("assign_next") {
            assigned.push(outcome.after.id().clone());
        }
    }
    assert_eq!(
        assigned.len(),
        2 * CAPACITY as usize,
        "exactly the capacity is used: {assigned:?}"
    );
    let mut expected: Vec<ConversationId> = queued[..assigned.len()].to_vec();
    expected.sort();
    assigned.sort();
    assert_eq!(assigned, expected, "the oldest are assigned first");
    let counts = s.open_counts(&tenant.id, &candidates).await.unwrap();
    for agent in &candidates {
        assert_eq!(counts.get(agent).copied(), Some(CAPACITY), "{counts:?}");
    }
}

pub(super) async fn queue_stats_and_order(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let group = tenant.settings.default_group_id.clone();
    assert!(s.queue_stats(&tenant.id).await.unwrap().is_empty());
    let ann = add_user(s, &tenant, "Ann").await;
    let bob = add_user(s, &tenant, "Bob").await;
    let first = open_queued(s, &tenant, &ann, &group).await;
    let second = open_queued(s, &tenant, &bob, &group).await;
    let queue = s.queue(&tenant.id, &group).await.unwrap();
    assert_eq!(
        queue,
        vec![
            (first.id().clone(), ann.id.clone()),
            (second.id().clone(), bob.id.clone())
        ]
    );
    let stats = s.queue_stats(&tenant.id).await.unwrap();
    assert_eq!(stats.len(), 1);
    assert_eq!(stats[0].group_id, group);
    assert_eq!(stats[0].length, 2);
    assert_eq!(stats[0].oldest_queued_at, first.conversation.queued_at);
    let (other, _) = new_tenant(s).await;
    assert!(
        s.queue(&other.id, &group).await.unwrap().is_empty(),
        "another tenant sees no queue"
    );
}
