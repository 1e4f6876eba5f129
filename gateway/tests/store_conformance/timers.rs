//! Durable routing timers and the queue sweep's query (`TimerStore`), from two nodes.

use super::*;
use std::collections::HashSet;

const PAST: &str = "2001-01-01T00:00:00.000Z";
const LATER_PAST: &str = "2001-01-01T00:00:05.000Z";
const FUTURE: &str = "2999-01-01T00:00:00.000Z";

fn bot_timer(
    tenant: &TenantRecord,
    conversation: &str,
    bot: &str,
    seq: u64,
    due: &str,
) -> BotTimer {
    BotTimer {
        tenant_id: tenant.id.clone(),
        conversation_id: conversation.into(),
        bot_id: bot.into(),
        unanswered_seq: seq,
        due_at: Timestamp(due.to_owned()),
    }
}

async fn pending(
    s: &Arc<dyn Store>,
    tenant: &TenantRecord,
    conversation: &str,
) -> Option<BotTimer> {
    s.bot_timer(&tenant.id, &conversation.into())
        .await
        .expect("read a bot timer")
}

/// One timer per conversation: a later one of the same bot is not armed (writing more gives
/// the bot no more time), an earlier one or another bot's replaces it; cancel drops it; other
/// tenants neither see nor cancel it.
pub(super) async fn bot_timers_arm_replace_and_cancel(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let (other, _) = new_tenant(s).await;
    let first = bot_timer(&tenant, "c-1", "bot-a", 3, LATER_PAST);
    assert_eq!(s.arm_bot_timer(&first, 10).await.unwrap(), Armed::Armed);
    assert_eq!(pending(s, &tenant, "c-1").await, Some(first.clone()));

    let later = bot_timer(&tenant, "c-1", "bot-a", 5, FUTURE);
    assert_eq!(s.arm_bot_timer(&later, 10).await.unwrap(), Armed::Kept);
    assert_eq!(
        pending(s, &tenant, "c-1").await,
        Some(first.clone()),
        "kept"
    );

    let earlier = bot_timer(&tenant, "c-1", "bot-a", 4, PAST);
    assert_eq!(s.arm_bot_timer(&earlier, 10).await.unwrap(), Armed::Armed);
    assert_eq!(pending(s, &tenant, "c-1").await, Some(earlier.clone()));

    let another_bot = bot_timer(&tenant, "c-1", "bot-b", 6, FUTURE);
    assert_eq!(
        s.arm_bot_timer(&another_bot, 10).await.unwrap(),
        Armed::Armed
    );
    assert_eq!(pending(s, &tenant, "c-1").await, Some(another_bot.clone()));

    // The same conversation id under another tenant is another timer.
    assert_eq!(pending(s, &other, "c-1").await, None);
    let theirs = bot_timer(&other, "c-1", "bot-z", 1, PAST);
    assert_eq!(s.arm_bot_timer(&theirs, 10).await.unwrap(), Armed::Armed);
    assert_eq!(pending(s, &tenant, "c-1").await, Some(another_bot.clone()));

    s.cancel_bot_timer(&other.id, &"c-1".into()).await.unwrap();
    assert_eq!(pending(s, &other, "c-1").await, None);
    assert_eq!(
        pending(s, &tenant, "c-1").await,
        Some(another_bot),
        "another tenant's cancel leaves it"
    );
    s.cancel_bot_timer(&tenant.id, &"c-1".into()).await.unwrap();
    assert_eq!(pending(s, &tenant, "c-1").await, None);
    s.cancel_bot_timer(&tenant.id, &"c-1".into())
        .await
        .expect("cancelling nothing is fine");
    assert_eq!(s.next_timer_due().await.unwrap(), None);
}

/// A tenant at its cap arms no timer for another conversation, but may still replace one of
/// its own; other tenants have caps of their own.
pub(super) async fn bot_timers_are_capped_per_tenant(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let (other, _) = new_tenant(s).await;
    for conversation in ["c-1", "c-2"] {
        let timer = bot_timer(&tenant, conversation, "bot", 1, FUTURE);
        assert_eq!(s.arm_bot_timer(&timer, 2).await.unwrap(), Armed::Armed);
    }
    let third = bot_timer(&tenant, "c-3", "bot", 1, PAST);
    assert_eq!(s.arm_bot_timer(&third, 2).await.unwrap(), Armed::AtCap);
    assert_eq!(pending(s, &tenant, "c-3").await, None);
    let sooner = bot_timer(&tenant, "c-1", "bot", 2, PAST);
    assert_eq!(s.arm_bot_timer(&sooner, 2).await.unwrap(), Armed::Armed);
    assert_eq!(pending(s, &tenant, "c-1").await, Some(sooner));
    let theirs = bot_timer(&other, "c-3", "bot", 1, PAST);
    assert_eq!(s.arm_bot_timer(&theirs, 2).await.unwrap(), Armed::Armed);
    // Once one fires, the tenant is below its cap again.
    let now = clock::now();
    let claimed = s.claim_due_bot_timers(&now, 100).await.unwrap();
    assert_eq!(claimed.len(), 2, "{claimed:?}");
    assert_eq!(s.arm_bot_timer(&third, 2).await.unwrap(), Armed::Armed);
}

/// Due timers of every tenant are claimed earliest first, each once, also when two nodes
/// claim at the same time; timers not yet due stay.
pub(super) async fn due_timers_are_claimed_once(b: Backend) {
    const DUE: usize = 40;
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let (other, _) = new_tenant(s).await;
    let mut armed = HashSet::new();
    for i in 0..DUE {
        let owner = if i % 2 == 0 { &tenant } else { &other };
        let due = format!("2001-01-01T00:00:{:02}.000Z", i);
        let conversation = format!("c-{i}");
        let timer = bot_timer(owner, &conversation, "bot", i as u64, &due);
        assert_eq!(s.arm_bot_timer(&timer, 1000).await.unwrap(), Armed::Armed);
        armed.insert((owner.id.clone(), timer.conversation_id.clone()));
    }
    let not_yet = bot_timer(&tenant, "c-later", "bot", 1, FUTURE);
    s.arm_bot_timer(&not_yet, 1000).await.unwrap();

    // The earliest first.
    let now = clock::now();
    let first = s.claim_due_bot_timers(&now, 2).await.unwrap();
    let dues: Vec<&str> = first.iter().map(|t| t.due_at.0.as_str()).collect();
    assert_eq!(
        dues,
        ["2001-01-01T00:00:00.000Z", "2001-01-01T00:00:01.000Z"]
    );
    assert_eq!(first[0].unanswered_seq, 0);
    assert_eq!(first[0].tenant_id, tenant.id);
    assert_eq!(first[1].tenant_id, other.id);

    let mut tasks = Vec::new();
    for node in [&b.store, &b.other, &b.store, &b.other] {
        let node = node.clone();
        let now = now.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = node.claim_due_bot_timers(&now, 3).await.expect("claim");
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch);
            }
        }));
    }
    let mut claimed: Vec<BotTimer> = first;
    for task in tasks {
        claimed.extend(task.await.expect("a claimer"));
    }
    let keys: Vec<(TenantId, ConversationId)> = claimed
        .iter()
        .map(|t| (t.tenant_id.clone(), t.conversation_id.clone()))
        .collect();
    let unique: HashSet<_> = keys.iter().cloned().collect();
    assert_eq!(
        keys.len(),
        unique.len(),
        "a timer was claimed twice: {keys:?}"
    );
    assert_eq!(unique, armed, "every due timer is claimed");

    assert!(s.claim_due_bot_timers(&now, 10).await.unwrap().is_empty());
    assert_eq!(pending(s, &tenant, "c-later").await, Some(not_yet));
    assert_eq!(
        s.next_timer_due().await.unwrap(),
        Some(Timestamp(FUTURE.to_owned()))
    );
}

/// The sweep's query: the auto groups of every tenant with conversations queued, and no
/// others (manual groups, empty queues).
pub(super) async fn auto_queues_are_the_auto_groups_with_waiting_conversations(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let (other, _) = new_tenant(s).await;
    let auto = |name: &str| NewGroup {
        name: name.to_owned(),
        assignment: Assignment::Auto,
        business_hours: None,
    };
    let empty_auto = s.insert_group(&tenant.id, auto("Empty")).await.unwrap();
    let busy_auto = s.insert_group(&tenant.id, auto("Busy")).await.unwrap();
    let theirs = s.insert_group(&other.id, auto("Theirs")).await.unwrap();
    let manual = tenant.settings.default_group_id.clone();
    assert!(s.auto_queues().await.unwrap().is_empty());

    let ann = add_user(s, &tenant, "Ann").await;
    let bob = add_user(s, &tenant, "Bob").await;
    let zoe = add_user(s, &other, "Zoe").await;
    open_queued(s, &tenant, &ann, &manual).await;
    open_queued(s, &tenant, &bob, &busy_auto.id).await;
    open_queued(s, &tenant, &ann, &busy_auto.id).await;
    let theirs_waiting = open_queued(s, &other, &zoe, &theirs.id).await;
    let mut expected = vec![
        (tenant.id.clone(), busy_auto.id.clone()),
        (other.id.clone(), theirs.id.clone()),
    ];
    expected.sort();
    assert_eq!(
        s.auto_queues().await.unwrap(),
        expected,
        "one row per group"
    );

    // A manual group that turns auto is swept; a conversation no longer queued is not.
    let mut default = s.group(&tenant.id, &manual).await.unwrap().unwrap();
    default.assignment = Assignment::Auto;
    s.update_group(&tenant.id, &default).await.unwrap();
    let agent = add_agent(s, &other).await;
    let take = |st: &ConversationState| {
        Ok(
            transitions::auto_assign(st, agent.id.as_str(), &agent.full_name)
                .unwrap_or_else(Decision::unchanged),
        )
    };
    let taken = modify(s, &other, theirs_waiting.id(), take).await.unwrap();
    assert_eq!(taken.after.status(), ConversationStatus::Assigned);
    let mut expected = vec![
        (tenant.id.clone(), busy_auto.id.clone()),
        (tenant.id.clone(), manual.clone()),
    ];
    expected.sort();
    assert_eq!(s.auto_queues().await.unwrap(), expected);
    assert!(!expected.iter().any(|(_, g)| g == &empty_auto.id));
}
