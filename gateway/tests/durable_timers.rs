//! Routing work that outlives a process: the bot's answer timer is stored (a restart before it
//! fires still hands over), and the periodic queue sweep assigns a conversation that no event
//! routed. The cluster side (a timer armed on a node that is killed fires on another, once)
//! is in `cluster.rs`.

mod support;

use std::ffi::OsStr;
use std::time::Duration;
use support::*;
use switchboard_protocol::api::PatchSettings;
use switchboard_protocol::*;
use tokio::time::Instant;

const DID_NOT_ANSWER: &str = "The assistant did not answer in time";

/// The messages of `conv` the owner reads, oldest first.
async fn history(tenant: &Tenant, conv: &ConversationId) -> Vec<Message> {
    let page = tenant
        .owner
        .messages(conv, Some(0), Some(100))
        .await
        .expect("the owner reads the history");
    assert!(!page.has_more);
    page.messages
}

#[tokio::test]
async fn a_bot_timeout_armed_before_a_restart_fires_after_it() {
    const TIMEOUT: Duration = Duration::from_secs(3);
    let mut gw = TestGateway::start().await;
    let tenant = gw.create_tenant("botrestart").await;
    let (_, mut bot_ws) = entry_bot_ahead_of_alice(&gw, &tenant, Some(3)).await;
    let user = tenant.user().await;
    let mut user_ws = gw.connect(&user.token, "user").await;
    let sent_at = Instant::now();
    let conv = user_ws
        .send_message(None, "u-1", "Hello, anyone?")
        .await
        .expect("the user writes to the bot")
        .conversation_id;
    expect_the_bot_holds(&mut bot_ws, &conv).await;

    // The process dies before the bot's time is up (the timer's task died with it before the
    // timer was stored), and comes back on the same data.
    gw.restart().await;
    assert!(
        sent_at.elapsed() < TIMEOUT,
        "the restart took longer than the timeout: nothing would be shown"
    );
    let mut user_ws = gw.connect(&user.token, "user again").await;
    user_ws
        .wait_conversation(
            |c| c.id == conv && c.status == ConversationStatus::Queued,
            TIMEOUT + T,
            "handed over by the restarted gateway",
        )
        .await
        .expect("the timeout survives the restart");
    let waited = sent_at.elapsed();
    assert!(
        waited >= TIMEOUT - Duration::from_millis(100),
        "handed over after only {waited:?}"
    );
    let told: Vec<Message> = history(&tenant, &conv)
        .await
        .into_iter()
        .filter(|m| m.author.kind == AuthorKind::System && m.text.contains(DID_NOT_ANSWER))
        .collect();
    assert_eq!(told.len(), 1, "one handover: {told:?}");
    assert!(!told[0].private);
}

#[tokio::test]
async fn the_sweep_assigns_what_the_end_of_a_grace_made_assignable() {
    // Sweeping every second, so the test need not wait the default 15 s.
    let gw = TestGateway::start_with(&[OsStr::new("--queue-sweep-secs"), OsStr::new("1")]).await;
    let tenant = gw.create_tenant("sweep").await;
    patch_settings(
        &tenant,
        PatchSettings {
            routing: Some(Routing::OnlineThenOffline),
            offline_grace_secs: Some(1),
            ..PatchSettings::default()
        },
    )
    .await;
    let [alice, bob] = auto_group_agents(&tenant, ["Alice", "Bob"]).await;
    set_capacity(&tenant, &alice, Some(1)).await;
    let alice_ws = gw.connect(&alice.token, "agent alice").await;

    // Alice (online) takes the first; the second waits: she is full, and Bob (offline) is not
    // eligible while a member is online.
    let (mut first, c1) = customer_with_conversation(&gw, &tenant, "user 1").await;
    first
        .expect_status(&c1, ConversationStatus::Assigned, "alice takes the first")
        .await;
    let (mut second, c2) = customer_with_conversation(&gw, &tenant, "user 2").await;
    expect_stays_queued(&mut second.ws, &tenant, &c2, "alice is full, bob offline").await;

    // Alice's socket closes. Her grace ends a second later, and nobody is online any more:
    // Bob is eligible under `online_then_offline`. No event says so; the sweep finds it.
    drop(alice_ws);
    let waiting_since = Instant::now();
    let assigned = second
        .ws
        .wait_conversation(
            |c| c.id == c2 && c.status == ConversationStatus::Assigned,
            Duration::from_secs(10),
            "the sweep gives the second to bob",
        )
        .await
        .expect("the sweep assigns the waiting conversation");
    assert_eq!(assignee_id(&assigned), Some(bob.id().as_str()));
    assert!(
        waiting_since.elapsed() >= Duration::from_millis(900),
        "assigned before alice's grace ended ({:?})",
        waiting_since.elapsed()
    );
    assert_eq!(
        assignee_id(&conversation(&tenant, &c1).await),
        Some(alice.id().as_str()),
        "alice keeps what she holds"
    );
}

#[tokio::test]
async fn a_message_after_the_bots_answer_gets_its_own_time_while_an_earlier_timer_is_pending() {
    const TIMEOUT: Duration = Duration::from_secs(2);
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("botagain").await;
    let (_, mut bot_ws) = entry_bot_ahead_of_alice(&gw, &tenant, Some(2)).await;
    let (mut user, conv) = conversation_with_the_bot(&gw, &tenant, &mut bot_ws).await;
    bot_ws
        .send_message(&conv, "b-1", "Hi! How can I help?")
        .await
        .expect("the bot answers the first message");
    // A second passes quietly (the bot answered in time) ...
    user.ws
        .assert_nothing(
            status_update_of(&conv, ConversationStatus::Queued),
            Duration::from_secs(1),
        )
        .await
        .expect("the bot answered: no handover");
    // ... then the user writes while the first message's timer is still pending (due a second
    // from now): this message adds no row of its own, and must still get its full time when
    // that timer finds the first message answered.
    let again = user.write(&conv, "Are you there?").await;
    let asked_at = Instant::now();
    user.expect_status(&conv, ConversationStatus::Queued, "handed over")
        .await;
    let waited = asked_at.elapsed();
    assert!(
        waited >= TIMEOUT - Duration::from_millis(100),
        "handed over {waited:?} after the unanswered message, before its time"
    );
    let told: Vec<Message> = history(&tenant, &conv)
        .await
        .into_iter()
        .filter(|m| m.text.contains(DID_NOT_ANSWER))
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].seq > again.seq);
}
