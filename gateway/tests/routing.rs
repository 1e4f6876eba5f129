//! Routing, black box: groups, queues, auto-assignment, manual accept, transfers, assign,
//! reopen, bot failure, the human chat switch, presence and grace, business hours.
//!
//! Each test starts its own gateway. Agents connected with `TestGateway::connect` are
//! presence `online`; `connect_as_is` leaves them `offline`. The default group is `manual`
//! unless a test makes it `auto`.

mod support;

use chrono::Datelike;
use futures_util::future::join_all;
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use support::*;
use switchboard_load_tests::{WsClient, frame};
use switchboard_protocol::api::{CreateGroup, PatchGroup, PatchSettings};
use switchboard_protocol::*;
use tokio::time::Instant;

// ---- routing observations (the shared set-ups and waits are in support/scenario.rs) -----

fn is_position_of(conv: &ConversationId) -> impl Fn(&ServerFrame) -> bool + use<> {
    let conv = conv.clone();
    move |f| matches!(f, ServerFrame::QueuePosition(p) if p.conversation_id == conv)
}

/// Reads the `queue.position` events of `conv` in order until one says `position`; returns
/// it. Earlier ones (other positions) are consumed and shown if the expected one never comes.
async fn expect_position(ws: &mut WsClient, conv: &ConversationId, position: u32) -> QueuePosition {
    let deadline = Instant::now() + T;
    let mut skipped = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match ws
            .wait_for_described(is_position_of(conv), left, "queue.position")
            .await
        {
            Ok(ServerFrame::QueuePosition(p)) if p.position == position => return p,
            Ok(other) => skipped.push(other),
            Err(e) => panic!(
                "{}: no queue.position {position} for {conv}; earlier ones: {skipped:?}; {e}",
                ws.label()
            ),
        }
    }
}

/// Tracks holders from a stream of `conversation.updated` and checks capacity at every step.
#[derive(Default)]
struct CapacityWatch {
    holder: HashMap<ConversationId, String>,
    /// Conversation → how many times it went from not-assigned to assigned.
    assignments: HashMap<ConversationId, u32>,
    peak: HashMap<String, usize>,
}

impl CapacityWatch {
    fn see(&mut self, frame: &ServerFrame, capacity: usize, ours: &HashSet<ConversationId>) {
        let ServerFrame::ConversationUpdated(u) = frame else {
            return;
        };
        let c = &u.conversation;
        if !ours.contains(&c.id) {
            return;
        }
        let now = match (&c.status, &c.assignee) {
            (ConversationStatus::Assigned, Some(a)) if a.kind == HolderKind::Agent => {
                Some(a.id.clone())
            }
            _ => None,
        };
        let before = self.holder.get(&c.id).cloned();
        if before.is_none() && now.is_some() {
            *self.assignments.entry(c.id.clone()).or_default() += 1;
        }
        match &now {
            Some(agent) => self.holder.insert(c.id.clone(), agent.clone()),
            None => self.holder.remove(&c.id),
        };
        let mut load: HashMap<&String, usize> = HashMap::new();
        for agent in self.holder.values() {
            *load.entry(agent).or_default() += 1;
        }
        for (agent, n) in load {
            assert!(
                n <= capacity,
                "agent {agent} holds {n} conversations (capacity {capacity}) after {c:?}"
            );
            let peak = self.peak.entry(agent.clone()).or_default();
            *peak = (*peak).max(n);
        }
    }

    fn assigned(&self) -> usize {
        self.holder.len()
    }

    fn assert_each_assigned_once(&self) {
        for (conv, n) in &self.assignments {
            assert_eq!(*n, 1, "{conv} was assigned {n} times");
        }
    }
}

/// Reads `ws` until `watch` has `want` assigned conversations, then listens a little longer
/// to see that no more are assigned.
async fn watch_until_assigned(
    ws: &mut WsClient,
    watch: &mut CapacityWatch,
    capacity: usize,
    ours: &HashSet<ConversationId>,
    want: usize,
) {
    for frame in ws.take_buffered() {
        watch.see(&frame, capacity, ours);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while watch.assigned() < want {
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = ws.next_event(left).await.unwrap_or_else(|e| {
            panic!(
                "only {} of {want} conversations were assigned: {e}",
                watch.assigned()
            )
        });
        watch.see(&frame, capacity, ours);
    }
    ws_pump_into(ws, watch, capacity, ours).await;
    assert_eq!(
        watch.assigned(),
        want,
        "exactly {want} conversations are assigned"
    );
    watch.assert_each_assigned_once();
}

fn mentions_assistant(m: &Message) -> bool {
    m.text.to_lowercase().contains("assistant")
}

/// Waits for the system message that tells the user why it was handed over (it names the
/// assistant) and asserts it is public.
async fn expect_told_why(user: &mut Customer, conv: &ConversationId) -> Message {
    let why = user
        .ws
        .wait_message(
            |m| {
                m.conversation_id == *conv
                    && m.author.kind == AuthorKind::System
                    && mentions_assistant(m)
            },
            T,
            "a system message about the assistant",
        )
        .await
        .expect("the user is told why");
    assert!(!why.private, "the reason is public: {why:?}");
    why
}

/// Asserts `ws` sees no `conversation.updated` putting `conv` in the queue within `within`.
async fn expect_not_queued_within(
    ws: &mut WsClient,
    conv: &ConversationId,
    within: Duration,
    what: &str,
) {
    ws.assert_nothing(status_update_of(conv, ConversationStatus::Queued), within)
        .await
        .expect(what);
}

// ---- 3. auto-assignment ------------------------------------------------------------------

#[tokio::test]
async fn auto_assignment_gives_the_conversation_to_the_member_with_the_fewest_open() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("fewest").await;
    let [alice, bob] = auto_group_agents(&tenant, ["Alice", "Bob"]).await;
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;

    // Only alice is online: she gets the first two.
    let (mut u1, c1) = customer_with_conversation(&gw, &tenant, "user 1").await;
    expect_assigned_to(&mut u1.ws, &c1, &alice, "c1 goes to alice").await;
    let (mut u2, c2) = customer_with_conversation(&gw, &tenant, "user 2").await;
    expect_assigned_to(&mut u2.ws, &c2, &alice, "c2 goes to alice").await;
    expect_assigned_to(&mut alice_ws, &c2, &alice, "alice learns she holds c2").await;

    // Bob comes online with none: he gets the next two (0 < 2, then 1 < 2).
    let _bob_ws = gw.connect(&bob.token, "agent bob").await;
    let (mut u3, c3) = customer_with_conversation(&gw, &tenant, "user 3").await;
    expect_assigned_to(&mut u3.ws, &c3, &bob, "c3 goes to bob (0 open vs 2)").await;
    let (mut u4, c4) = customer_with_conversation(&gw, &tenant, "user 4").await;
    expect_assigned_to(&mut u4.ws, &c4, &bob, "c4 goes to bob (1 open vs 2)").await;
    alice_ws
        .assert_nothing(
            |f| {
                matches!(f, ServerFrame::ConversationUpdated(u)
                    if (u.conversation.id == c3 || u.conversation.id == c4)
                        && assignee_id(&u.conversation) == Some(alice.id().as_str()))
            },
            QUIET,
        )
        .await
        .expect("alice never gets c3 or c4");

    let mine = alice
        .api
        .conversations(ConversationView::Mine)
        .await
        .expect("alice lists hers");
    let mut ids: Vec<_> = mine.iter().map(|c| c.id.clone()).collect();
    ids.sort();
    let mut want = vec![c1, c2];
    want.sort();
    assert_eq!(ids, want, "alice holds exactly c1 and c2");
}

#[tokio::test]
async fn auto_assignment_ties_go_to_the_member_idle_longest_never_assigned_first() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("ties").await;
    let [alice, bob] = auto_group_agents(&tenant, ["Alice", "Bob"]).await;
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;

    let (mut u1, c1) = customer_with_conversation(&gw, &tenant, "user 1").await;
    expect_assigned_to(
        &mut u1.ws,
        &c1,
        &alice,
        "c1 goes to alice, the only one online",
    )
    .await;
    alice_ws.resolve(&c1).await.expect("alice resolves c1");

    // Both hold none; bob was never assigned, so he has been idle longest.
    let mut bob_ws = gw.connect(&bob.token, "agent bob").await;
    let (mut u2, c2) = customer_with_conversation(&gw, &tenant, "user 2").await;
    expect_assigned_to(&mut u2.ws, &c2, &bob, "c2 goes to never-assigned bob").await;
    bob_ws.resolve(&c2).await.expect("bob resolves c2");

    // Both hold none again; alice was assigned before bob, so she is idle longest.
    let (mut u3, c3) = customer_with_conversation(&gw, &tenant, "user 3").await;
    expect_assigned_to(&mut u3.ws, &c3, &alice, "c3 goes to alice (idle since c1)").await;
    alice_ws.resolve(&c3).await.expect("alice resolves c3");

    // And now bob (assigned at c2) has waited longer than alice (assigned at c3).
    let (mut u4, c4) = customer_with_conversation(&gw, &tenant, "user 4").await;
    expect_assigned_to(&mut u4.ws, &c4, &bob, "c4 goes to bob (idle since c2)").await;
}

#[tokio::test]
async fn auto_assignment_respects_capacity_and_a_freed_slot_pulls_the_next_in_line() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("capacity").await;
    let alice = tenant.agent("Alice").await;
    let nora = tenant.agent("Nora").await;
    auto_default_group(&tenant, &[&alice]).await;
    let night = second_group(&tenant, "Night", &[&nora]).await;
    set_capacity(&tenant, &alice, Some(1)).await;
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;
    let _nora_ws = gw.connect(&nora.token, "agent nora").await;

    let (mut u1, c1) = customer_with_conversation(&gw, &tenant, "user 1").await;
    expect_assigned_to(&mut u1.ws, &c1, &alice, "c1 goes to alice").await;
    let (mut u2, c2) = customer_with_conversation(&gw, &tenant, "user 2").await;
    expect_stays_queued(&mut u2.ws, &tenant, &c2, "alice is at capacity 1: c2 waits").await;
    let (mut u3, c3) = customer_with_conversation(&gw, &tenant, "user 3").await;
    expect_stays_queued(&mut u3.ws, &tenant, &c3, "c3 waits too").await;

    // Resolving frees the slot: the oldest waiting (c2) comes, c3 still waits.
    alice_ws.resolve(&c1).await.expect("alice resolves c1");
    expect_assigned_to(&mut u2.ws, &c2, &alice, "the freed slot pulls c2").await;
    expect_stays_queued(&mut u3.ws, &tenant, &c3, "capacity 1 again: c3 waits").await;

    // Raising the capacity drains the queue.
    set_capacity(&tenant, &alice, Some(2)).await;
    expect_assigned_to(&mut u3.ws, &c3, &alice, "capacity 2 pulls c3").await;
    let (mut u4, c4) = customer_with_conversation(&gw, &tenant, "user 4").await;
    expect_stays_queued(&mut u4.ws, &tenant, &c4, "at capacity 2: c4 waits").await;

    // Transferring one away frees a slot too.
    let moved = alice_ws
        .request_conversation(&frame::transfer(&c2, &night.id))
        .await
        .expect("alice transfers c2 to Night");
    assert_eq!(
        (moved.status, moved.group_id.clone()),
        (ConversationStatus::Queued, night.id.clone())
    );
    expect_assigned_to(&mut u4.ws, &c4, &alice, "the transfer frees a slot for c4").await;

    // No cap at all: the next one is taken although she holds 2 already.
    let (mut u5, c5) = customer_with_conversation(&gw, &tenant, "user 5").await;
    expect_stays_queued(&mut u5.ws, &tenant, &c5, "at capacity 2: c5 waits").await;
    set_capacity(&tenant, &alice, None).await;
    expect_assigned_to(&mut u5.ws, &c5, &alice, "removing the cap pulls c5").await;
    alice_ws
        .assert_nothing(
            |f| {
                matches!(f, ServerFrame::ConversationUpdated(u)
                    if u.conversation.id == c2
                        && u.conversation.group_id == night.id
                        && u.conversation.status == ConversationStatus::Assigned)
            },
            QUIET,
        )
        .await
        .expect("Night is manual: c2 is not auto-assigned there");
}

#[tokio::test]
async fn an_agent_going_online_drains_the_queue_oldest_first() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("drain").await;
    let [alice, bob] = auto_group_agents(&tenant, ["Alice", "Bob"]).await;
    set_capacity(&tenant, &alice, Some(1)).await;
    // Connected but offline: not eligible.
    let mut alice_ws = gw.connect_as_is(&alice.token, "agent alice").await;

    let (mut u1, c1) = customer_with_conversation(&gw, &tenant, "user 1").await;
    let (mut u2, c2) = customer_with_conversation(&gw, &tenant, "user 2").await;
    expect_stays_queued(&mut u1.ws, &tenant, &c1, "nobody online: c1 waits").await;
    expect_stays_queued(&mut u2.ws, &tenant, &c2, "nobody online: c2 waits").await;

    let me = alice_ws
        .set_presence(Presence::Online)
        .await
        .expect("alice goes online");
    assert_eq!(me.presence, Presence::Online);
    expect_assigned_to(
        &mut u1.ws,
        &c1,
        &alice,
        "alice going online takes the oldest",
    )
    .await;
    expect_stays_queued(&mut u2.ws, &tenant, &c2, "alice has capacity 1: c2 waits").await;

    // Bob connecting (and so going online) takes the rest.
    let _bob_ws = gw.connect(&bob.token, "agent bob").await;
    expect_assigned_to(&mut u2.ws, &c2, &bob, "bob going online takes c2").await;
}

#[tokio::test]
async fn an_agent_in_two_groups_gets_work_from_both_within_one_capacity() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("twogroups").await;
    let [alice] = auto_group_agents(&tenant, ["Alice"]).await;
    let sales = tenant
        .owner
        .create_group(&CreateGroup {
            name: "Sales".into(),
            assignment: Some(Assignment::Auto),
            business_hours: None,
        })
        .await
        .expect("an auto group");
    let sales = set_members(&tenant, &sales.id, &[&alice]).await;
    assert_eq!(sales.assignment, Assignment::Auto);
    set_capacity(&tenant, &alice, Some(2)).await;
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner").await;
    let me = alice.api.me().await.expect("me");
    assert_eq!(me.group_ids.len(), 2, "alice is in both groups: {me:?}");

    // c1 arrives in the default group, moves to Sales: alice gets it there too.
    let (mut u1, c1) = customer_with_conversation(&gw, &tenant, "user 1").await;
    expect_assigned_to(&mut u1.ws, &c1, &alice, "c1 to alice").await;
    u1.ws.take_buffered();
    owner_ws
        .request_conversation(&frame::transfer(&c1, &sales.id))
        .await
        .expect("the owner transfers c1 to Sales");
    let again = expect_assigned_to(&mut u1.ws, &c1, &alice, "c1 to alice in Sales").await;
    assert_eq!(again.group_id, sales.id);

    // One capacity across groups: c2 fills it, c3 waits wherever it is.
    let (mut u2, c2) = customer_with_conversation(&gw, &tenant, "user 2").await;
    expect_assigned_to(&mut u2.ws, &c2, &alice, "c2 to alice").await;
    let (mut u3, c3) = customer_with_conversation(&gw, &tenant, "user 3").await;
    expect_stays_queued(&mut u3.ws, &tenant, &c3, "alice is full (2 across groups)").await;
    owner_ws
        .request_conversation(&frame::transfer(&c3, &sales.id))
        .await
        .expect("the owner transfers c3 to Sales");
    expect_stays_queued(&mut u3.ws, &tenant, &c3, "still full in Sales").await;

    // A slot freed in one group pulls from the other group's queue.
    alice_ws.resolve(&c2).await.expect("alice resolves c2");
    u2.expect_status(&c2, ConversationStatus::Resolved, "c2 resolved")
        .await;
    u2.ws.take_buffered();
    let pulled = expect_assigned_to(&mut u3.ws, &c3, &alice, "c3 to alice in Sales").await;
    assert_eq!(pulled.group_id, sales.id);
}

#[tokio::test]
async fn a_handover_into_an_auto_group_is_assigned_at_once() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("autohandover").await;
    let [alice] = auto_group_agents(&tenant, ["Alice"]).await;
    let (_, mut bot_ws) = connected_entry_bot(&gw, &tenant).await;
    let _alice_ws = gw.connect(&alice.token, "agent alice").await;
    let (mut user, conv) = conversation_with_the_bot(&gw, &tenant, &mut bot_ws).await;
    user.ws
        .assert_nothing(assigned_update_of(&conv), QUIET)
        .await
        .expect("a conversation with the bot is not auto-assigned");
    bot_ws.handover(&conv).await.expect("the bot hands over");
    expect_assigned_to(&mut user.ws, &conv, &alice, "the handover enters the queue").await;
}

#[tokio::test]
async fn online_only_never_assigns_to_offline_members() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("onlineonly").await;
    let [alice] = auto_group_agents(&tenant, ["Alice"]).await;
    let settings = tenant.owner.settings().await.expect("settings");
    assert_eq!(settings.routing, Routing::OnlineOnly, "the default routing");
    let _alice_ws = gw
        .connect_as_is(&alice.token, "agent alice (offline)")
        .await;

    let (mut u1, c1) = customer_with_conversation(&gw, &tenant, "user 1").await;
    expect_stays_queued(
        &mut u1.ws,
        &tenant,
        &c1,
        "online_only: offline alice gets nothing",
    )
    .await;
}

#[tokio::test]
async fn online_then_offline_uses_offline_members_only_when_no_member_is_online() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("thenoffline").await;
    let [alice, bob] = auto_group_agents(&tenant, ["Alice", "Bob"]).await;
    let settings = patch_settings(
        &tenant,
        PatchSettings {
            routing: Some(Routing::OnlineThenOffline),
            ..PatchSettings::default()
        },
    )
    .await;
    assert_eq!(settings.routing, Routing::OnlineThenOffline);
    let mut alice_ws = gw
        .connect_as_is(&alice.token, "agent alice (offline)")
        .await;
    let mut bob_ws = gw.connect_as_is(&bob.token, "agent bob (offline)").await;

    // Nobody online: an offline member gets it.
    let (mut u1, c1) = customer_with_conversation(&gw, &tenant, "user 1").await;
    let got = u1
        .expect_status(&c1, ConversationStatus::Assigned, "c1 assigned")
        .await;
    let first = assignee_id(&got).expect("an assignee").to_owned();
    assert!(
        first == alice.id().as_str() || first == bob.id().as_str(),
        "c1 went to a member: {got:?}"
    );
    let (holder, other, other_ws) = if first == alice.id().as_str() {
        (&alice, &bob, &mut bob_ws)
    } else {
        (&bob, &alice, &mut alice_ws)
    };

    // The other one goes online: from now on only it is eligible, although the offline
    // holder would tie on open conversations after the next one.
    other_ws
        .set_presence(Presence::Online)
        .await
        .expect("the other member goes online");
    let (mut u2, c2) = customer_with_conversation(&gw, &tenant, "user 2").await;
    expect_assigned_to(&mut u2.ws, &c2, other, "c2 goes to the online member").await;
    let (mut u3, c3) = customer_with_conversation(&gw, &tenant, "user 3").await;
    expect_assigned_to(
        &mut u3.ws,
        &c3,
        other,
        "c3 also goes to the online member (1 open each, but the holder is offline)",
    )
    .await;
    let held = conversation(&tenant, &c1).await;
    assert_eq!(assignee_id(&held), Some(holder.id().as_str()));
}

#[tokio::test]
async fn twenty_conversations_at_once_fill_three_agents_to_capacity_and_the_rest_wait_in_order() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("burst").await;
    let agents = auto_group_agents(&tenant, ["A1", "A2", "A3"]).await;
    for agent in &agents {
        set_capacity(&tenant, agent, Some(2)).await;
    }
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner").await;
    let mut agent_sockets = Vec::new();
    for a in &agents {
        agent_sockets.push(gw.connect(&a.token, &format!("agent {}", a.login)).await);
    }
    let mut customers = Vec::new();
    for i in 0..20 {
        customers.push(customer(&gw, &tenant, &format!("user {i}")).await);
    }

    // All twenty write at once.
    let opened = join_all(customers.iter_mut().map(|c| c.open("Help!"))).await;
    let ours: HashSet<ConversationId> = opened.iter().cloned().collect();
    assert_eq!(ours.len(), 20, "twenty conversations");

    let mut watch = CapacityWatch::default();
    watch_until_assigned(&mut owner_ws, &mut watch, 2, &ours, 6).await;
    for a in &agents {
        assert_eq!(
            watch
                .holder
                .values()
                .filter(|h| *h == a.id().as_str())
                .count(),
            2,
            "{} holds exactly 2",
            a.login
        );
    }

    // The rest wait, first come first served: nothing assigned is younger than anything
    // waiting, the queue lists them oldest first, and their users know their places.
    let waiting: Vec<Conversation> = tenant
        .owner
        .conversations(ConversationView::Unassigned)
        .await
        .expect("owner lists the queue")
        .into_iter()
        .filter(|c| ours.contains(&c.id))
        .collect();
    assert_eq!(waiting.len(), 14, "fourteen wait");
    let queued_at: Vec<Timestamp> = waiting
        .iter()
        .map(|c| {
            c.queued_at
                .clone()
                .expect("a queued conversation has queued_at")
        })
        .collect();
    let mut sorted = queued_at.clone();
    sorted.sort();
    assert_eq!(queued_at, sorted, "the queue view lists the oldest first");
    let open = tenant
        .owner
        .conversations(ConversationView::Open)
        .await
        .expect("owner lists open ones");
    let youngest_assigned = open
        .iter()
        .filter(|c| ours.contains(&c.id) && c.status == ConversationStatus::Assigned)
        .filter_map(|c| c.queued_at.clone())
        .max()
        .expect("assigned ones were queued first");
    assert!(
        youngest_assigned <= sorted[0],
        "FCFS: an assigned conversation (queued {youngest_assigned:?}) is younger than a waiting one ({:?})",
        sorted[0]
    );

    tokio::time::sleep(Duration::from_millis(500)).await;
    let by_conv: HashMap<ConversationId, usize> = opened
        .iter()
        .enumerate()
        .map(|(i, c)| (c.clone(), i))
        .collect();
    for (place, c) in waiting.iter().enumerate() {
        let customer = &mut customers[by_conv[&c.id]];
        customer
            .ws
            .pump(Duration::from_millis(50))
            .await
            .expect("read the user's socket");
        let last = customer
            .ws
            .buffered()
            .iter()
            .filter_map(|f| match f {
                ServerFrame::QueuePosition(p) if p.conversation_id == c.id => Some(p.clone()),
                _ => None,
            })
            .next_back()
            .unwrap_or_else(|| panic!("{} got no queue.position", customer.label));
        // Only the position must be current: the length may have grown behind it unsaid.
        assert_eq!(
            last.position,
            place as u32 + 1,
            "{}: its latest queue.position",
            customer.label
        );
    }

    // A freed slot pulls the oldest waiting one, and still nobody exceeds 2.
    let a1 = &agents[0];
    let a1_conv = watch
        .holder
        .iter()
        .find(|(_, h)| *h == a1.id().as_str())
        .map(|(c, _)| c.clone())
        .expect("a1 holds one");
    for frame in owner_ws.take_buffered() {
        watch.see(&frame, 2, &ours);
    }
    agent_sockets[0]
        .resolve(&a1_conv)
        .await
        .expect("a1 resolves one");
    let oldest = waiting[0].id.clone();
    let deadline = Instant::now() + T;
    while watch.holder.get(&oldest).map(String::as_str) != Some(a1.id().as_str()) {
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = owner_ws.next_event(left).await.unwrap_or_else(|e| {
            panic!("the freed slot of a1 does not pull the oldest waiting {oldest}: {e}")
        });
        watch.see(&frame, 2, &ours);
    }
    ws_pump_into(&mut owner_ws, &mut watch, 2, &ours).await;
    assert_eq!(watch.assigned(), 6, "one resolved, one pulled, no more");
    watch.assert_each_assigned_once();
}

/// Listens on `ws` for a second, feeding every frame to `watch`.
async fn ws_pump_into(
    ws: &mut WsClient,
    watch: &mut CapacityWatch,
    capacity: usize,
    ours: &HashSet<ConversationId>,
) {
    ws.pump(Duration::from_millis(1000))
        .await
        .expect("listen for more updates");
    for frame in ws.take_buffered() {
        watch.see(&frame, capacity, ours);
    }
}

#[tokio::test]
async fn agents_coming_online_at_once_never_exceed_capacity() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("rush").await;
    let agents = auto_group_agents(&tenant, ["B1", "B2", "B3"]).await;
    for agent in &agents {
        set_capacity(&tenant, agent, Some(2)).await;
    }
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner").await;
    let mut ours = HashSet::new();
    let mut customers = Vec::new();
    for i in 0..10 {
        let (c, conv) = customer_with_conversation(&gw, &tenant, &format!("user {i}")).await;
        ours.insert(conv);
        customers.push(c);
    }
    // Two offline sockets per agent, all six go online at the same moment.
    let mut sockets = Vec::new();
    for a in &agents {
        for n in 0..2 {
            sockets.push(
                gw.connect_as_is(&a.token, &format!("agent {} #{n}", a.login))
                    .await,
            );
        }
    }
    let mut watch = CapacityWatch::default();
    for frame in owner_ws.take_buffered() {
        watch.see(&frame, 2, &ours);
    }
    assert_eq!(
        watch.assigned(),
        0,
        "nothing assigned while all are offline"
    );
    let results = join_all(
        sockets
            .iter_mut()
            .map(|ws| ws.set_presence(Presence::Online)),
    )
    .await;
    for r in results {
        r.expect("presence.set online");
    }
    watch_until_assigned(&mut owner_ws, &mut watch, 2, &ours, 6).await;
    let queued = tenant
        .owner
        .conversations(ConversationView::Unassigned)
        .await
        .expect("queue")
        .into_iter()
        .filter(|c| ours.contains(&c.id))
        .count();
    assert_eq!(queued, 4, "four still wait");
}

#[tokio::test]
async fn a_deleted_agents_conversations_go_back_in_place_and_are_routed_again() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("deleted").await;
    let [alice, bob] = auto_group_agents(&tenant, ["Alice", "Bob"]).await;
    set_capacity(&tenant, &bob, Some(1)).await;
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;
    let mut bob_ws = gw.connect_as_is(&bob.token, "agent bob (offline)").await;
    let (mut u1, c1) = customer_with_conversation(&gw, &tenant, "user 1").await;
    expect_assigned_to(&mut u1.ws, &c1, &alice, "c1 to alice").await;
    let (mut u2, c2) = customer_with_conversation(&gw, &tenant, "user 2").await;
    expect_assigned_to(&mut u2.ws, &c2, &alice, "c2 to alice").await;
    let (mut u3, c3) = customer_with_conversation(&gw, &tenant, "user 3").await;
    expect_assigned_to(&mut u3.ws, &c3, &alice, "c3 to alice").await;
    // A resolved one stays resolved.
    alice_ws.resolve(&c2).await.expect("alice resolves c2");
    u2.expect_status(&c2, ConversationStatus::Resolved, "c2 resolved")
        .await;
    u2.ws.take_buffered();

    tenant
        .owner
        .delete_agent(alice.id())
        .await
        .expect("the owner deletes alice");
    u1.expect_status(&c1, ConversationStatus::Queued, "c1 back in the queue")
        .await;
    u3.expect_status(&c3, ConversationStatus::Queued, "c3 back in the queue")
        .await;
    let queue: Vec<ConversationId> = tenant
        .owner
        .conversations(ConversationView::Unassigned)
        .await
        .expect("queue")
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(
        queue,
        vec![c1.clone(), c3.clone()],
        "in their original order"
    );

    // Bob (capacity 1) goes online: the oldest comes to him, the other waits first in line.
    bob_ws
        .set_presence(Presence::Online)
        .await
        .expect("bob goes online");
    expect_assigned_to(&mut u1.ws, &c1, &bob, "c1 to bob").await;
    expect_position(&mut u3.ws, &c3, 1).await;
    expect_stays_queued(&mut u3.ws, &tenant, &c3, "bob is full").await;
    assert_eq!(
        conversation(&tenant, &c2).await.status,
        ConversationStatus::Resolved
    );
    u2.ws
        .assert_nothing(
            |f| matches!(f, ServerFrame::ConversationUpdated(u) if u.conversation.id == c2 && u.conversation.status != ConversationStatus::Resolved),
            QUIET,
        )
        .await
        .expect("the resolved one is not touched");
}

// ---- 4. manual groups ----------------------------------------------------------------------

#[tokio::test]
async fn a_manual_group_waits_for_accept_and_an_offline_agent_may_not_accept() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("manual").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let bob = tenant.agent_in_default_group("Bob").await;
    assert_eq!(
        group(&tenant, &tenant.default_group).await.assignment,
        Assignment::Manual,
        "the default group is manual"
    );
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;
    let mut bob_ws = gw.connect_as_is(&bob.token, "agent bob (offline)").await;

    let (mut u1, c1) = customer_with_conversation(&gw, &tenant, "user 1").await;
    expect_status(
        &mut alice_ws,
        &c1,
        ConversationStatus::Queued,
        "alice sees c1 waiting",
    )
    .await;
    expect_stays_queued(&mut u1.ws, &tenant, &c1, "manual: nobody is assigned").await;

    assert_refused(bob_ws.accept(&c1).await, ErrorCode::Forbidden);
    assert_eq!(
        conversation(&tenant, &c1).await.status,
        ConversationStatus::Queued,
        "the refused accept changed nothing"
    );
    let got = alice_ws.accept(&c1).await.expect("online alice accepts");
    assert_eq!(assignee_id(&got), Some(alice.id().as_str()));
    expect_assigned_to(&mut u1.ws, &c1, &alice, "the user sees alice take it").await;

    // Once bob is online he may accept too.
    bob_ws
        .set_presence(Presence::Online)
        .await
        .expect("bob goes online");
    let (_u2, c2) = customer_with_conversation(&gw, &tenant, "user 2").await;
    bob_ws.accept(&c2).await.expect("online bob accepts");
}

// ---- 5. transfer and assign ------------------------------------------------------------------

#[tokio::test]
async fn transfer_needs_an_online_group_and_tells_the_user() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("transfer").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let nora = tenant.agent("Nora").await;
    let night = second_group(&tenant, "Night", &[&nora]).await;
    assert!(!night.online, "nobody of Night is connected");
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;
    let (mut u1, c1) = customer_with_conversation(&gw, &tenant, "user 1").await;
    alice_ws.accept(&c1).await.expect("alice accepts");

    assert_refused(
        alice_ws
            .request_conversation(&frame::transfer(&c1, &night.id))
            .await,
        ErrorCode::Unavailable,
    );
    let still = conversation(&tenant, &c1).await;
    assert_eq!(
        (still.status, still.group_id.clone()),
        (ConversationStatus::Assigned, tenant.default_group.clone()),
        "a refused transfer changes nothing"
    );
    u1.ws
        .assert_nothing(
            |f| matches!(f, ServerFrame::MessageCreated(m) if m.message.text.contains("Night")),
            QUIET,
        )
        .await
        .expect("no transfer message for a refused transfer");

    // A connected member, even with presence offline, makes the group online.
    let _nora_ws = gw.connect_as_is(&nora.token, "agent nora").await;
    assert!(
        group(&tenant, &night.id).await.online,
        "Night is online now"
    );
    let moved = alice_ws
        .request_conversation(&frame::transfer(&c1, &night.id))
        .await
        .expect("transfer to an online group");
    assert_eq!(
        (moved.status, moved.group_id.clone(), moved.assignee.clone()),
        (ConversationStatus::Queued, night.id.clone(), None)
    );
    let note = u1
        .ws
        .wait_message(
            |m| {
                m.conversation_id == c1
                    && m.author.kind == AuthorKind::System
                    && m.text.contains("Night")
            },
            T,
            "the transfer message",
        )
        .await
        .expect("the user is told about the transfer");
    assert!(!note.private, "the transfer message is public");
    assert!(
        note.text.contains("You are being transferred to Night"),
        "{note:?}"
    );
}

#[tokio::test]
async fn assign_to_an_agent_needs_membership_and_free_capacity_unless_an_admin_assigns() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("assign").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let bob = tenant.agent_in_default_group("Bob").await;
    let carol = tenant.agent("Carol").await;
    let admin = tenant.agent_with_role("Ada", Role::Admin).await;
    set_capacity(&tenant, &bob, Some(1)).await;
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;
    let _bob_ws = gw.connect(&bob.token, "agent bob").await;
    let _carol_ws = gw.connect(&carol.token, "agent carol").await;
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner").await;
    let (_u1, c1) = customer_with_conversation(&gw, &tenant, "user 1").await;
    let (mut u2, c2) = customer_with_conversation(&gw, &tenant, "user 2").await;

    // Not a member of the group: forbidden, whoever asks.
    assert_refused(
        owner_ws
            .request_conversation(&frame::assign(&c1, HolderKind::Agent, carol.id().as_str()))
            .await,
        ErrorCode::Forbidden,
    );
    assert_refused(
        alice_ws
            .request_conversation(&frame::assign(&c1, HolderKind::Agent, carol.id().as_str()))
            .await,
        ErrorCode::Forbidden,
    );

    // Bob below capacity: fine.
    let to_bob = alice_ws
        .request_conversation(&frame::assign(&c1, HolderKind::Agent, bob.id().as_str()))
        .await
        .expect("alice assigns c1 to bob");
    assert_eq!(assignee_id(&to_bob), Some(bob.id().as_str()));

    // Bob at capacity: an agent's assign is unavailable.
    assert_refused(
        alice_ws
            .request_conversation(&frame::assign(&c2, HolderKind::Agent, bob.id().as_str()))
            .await,
        ErrorCode::Unavailable,
    );
    expect_stays_queued(
        &mut u2.ws,
        &tenant,
        &c2,
        "the refused assign changed nothing",
    )
    .await;

    // An owner (or admin) may exceed it.
    let over = owner_ws
        .request_conversation(&frame::assign(&c2, HolderKind::Agent, bob.id().as_str()))
        .await
        .expect("the owner assigns beyond capacity");
    assert_eq!(
        (over.status, assignee_id(&over)),
        (ConversationStatus::Assigned, Some(bob.id().as_str()))
    );
    let (_u3, c3) = customer_with_conversation(&gw, &tenant, "user 3").await;
    let mut admin_ws = gw.connect(&admin.token, "admin ada").await;
    let over_again = admin_ws
        .request_conversation(&frame::assign(&c3, HolderKind::Agent, bob.id().as_str()))
        .await
        .expect("an admin assigns beyond capacity");
    assert_eq!(assignee_id(&over_again), Some(bob.id().as_str()));

    // An admin who is in no group may be assigned.
    let (_u4, c4) = customer_with_conversation(&gw, &tenant, "user 4").await;
    let to_admin = alice_ws
        .request_conversation(&frame::assign(&c4, HolderKind::Agent, admin.id().as_str()))
        .await
        .expect("assign to an admin outside the group");
    assert_eq!(assignee_id(&to_admin), Some(admin.id().as_str()));
}

#[tokio::test]
async fn concurrent_assigns_by_agents_never_put_the_target_above_capacity() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("assignrace").await;
    let bob = tenant.agent_in_default_group("Bob").await;
    set_capacity(&tenant, &bob, Some(1)).await;
    let _bob_ws = gw.connect(&bob.token, "agent bob").await;
    let mut assigners = Vec::new();
    let mut convs = Vec::new();
    for i in 0..4 {
        let agent = tenant.agent_in_default_group(&format!("Assigner{i}")).await;
        assigners.push(gw.connect(&agent.token, &format!("assigner {i}")).await);
        convs.push(customer_with_conversation(&gw, &tenant, &format!("user {i}")).await);
    }
    // Four agents each give a different conversation to bob at the same moment.
    let frames: Vec<ClientFrame> = convs
        .iter()
        .map(|(_, conv)| frame::assign(conv, HolderKind::Agent, bob.id().as_str()))
        .collect();
    let results = join_all(
        assigners
            .iter_mut()
            .zip(&frames)
            .map(|(ws, f)| ws.request_conversation(f)),
    )
    .await;
    let granted = results.iter().filter(|r| r.is_ok()).count();
    for r in &results {
        if let Err(e) = r {
            assert_eq!(e.code(), Some(ErrorCode::Unavailable), "{e}");
        }
    }
    let held = bob
        .api
        .conversations(ConversationView::Mine)
        .await
        .expect("bob lists his")
        .len();
    assert_eq!(
        (granted, held),
        (1, 1),
        "capacity 1: one assign succeeds, the others are unavailable"
    );
}

// ---- 6. assign to a bot ------------------------------------------------------------------------

#[tokio::test]
async fn assign_to_a_bot_needs_it_connected_and_hands_it_the_conversation() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("tobot").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let bot = tenant.bot("Helper").await;
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;
    let (mut u1, c1) = customer_with_conversation(&gw, &tenant, "user 1").await;
    alice_ws.accept(&c1).await.expect("alice accepts");

    assert_refused(
        alice_ws
            .request_conversation(&frame::assign(&c1, HolderKind::Bot, bot.id.as_str()))
            .await,
        ErrorCode::Unavailable,
    );
    assert_eq!(
        assignee_id(&conversation(&tenant, &c1).await),
        Some(alice.id().as_str()),
        "the refused assign changed nothing"
    );

    let mut bot_ws = gw.connect(&bot.token, "bot").await;
    let held = alice_ws
        .request_conversation(&frame::assign(&c1, HolderKind::Bot, bot.id.as_str()))
        .await
        .expect("assign to the connected bot");
    assert_eq!(held.status, ConversationStatus::Bot);
    let holder = held.assignee.expect("held by the bot");
    assert_eq!(
        (holder.kind, holder.id.as_str()),
        (HolderKind::Bot, bot.id.as_str())
    );
    bot_ws
        .wait_conversation(
            |c| c.id == c1 && c.status == ConversationStatus::Bot,
            T,
            "the bot learns it holds c1",
        )
        .await
        .expect("the bot gets conversation.updated");
    let page = bot_ws
        .history(&c1, None)
        .await
        .expect("the bot reads history");
    assert!(
        page.messages
            .iter()
            .any(|m| m.author.kind == AuthorKind::User),
        "the bot sees the user's messages"
    );
    let next = u1.write(&c1, "Hello bot").await;
    bot_ws
        .wait_message(|m| m.id == next.id, T, "the user's message")
        .await
        .expect("the bot now gets the user's messages");
}

// ---- 7. reopen -------------------------------------------------------------------------------

/// A conversation alice accepted and resolved (manual default group), the user's socket
/// having seen the resolve.
async fn resolved_by(
    gw: &TestGateway,
    tenant: &Tenant,
    alice_ws: &mut WsClient,
    label: &str,
) -> (Customer, ConversationId) {
    let (mut user, conv) = customer_with_conversation(gw, tenant, label).await;
    alice_ws.accept(&conv).await.expect("alice accepts");
    alice_ws.resolve(&conv).await.expect("alice resolves");
    user.expect_status(&conv, ConversationStatus::Resolved, "resolved")
        .await;
    // What came before the resolve is history; the reopen is judged on what follows.
    user.ws.take_buffered();
    (user, conv)
}

#[tokio::test]
async fn reopen_goes_straight_back_to_the_previous_agent_when_she_is_online_and_free() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("reopenback").await;
    let (alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let (mut user, conv) = resolved_by(&gw, &tenant, &mut alice_ws, "user").await;

    user.write(&conv, "One more thing").await;
    let frames = frames_until(
        &mut user.ws,
        status_update_of(&conv, ConversationStatus::Assigned),
        "reopened to alice",
    )
    .await;
    let last = match frames.last() {
        Some(ServerFrame::ConversationUpdated(u)) => u.conversation.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(assignee_id(&last), Some(alice.id().as_str()));
    assert!(
        !frames
            .iter()
            .any(status_update_of(&conv, ConversationStatus::Queued)),
        "it went straight back, never queued: {frames:#?}"
    );
    expect_assigned_to(
        &mut alice_ws,
        &conv,
        &alice,
        "alice learns it is hers again",
    )
    .await;
}

#[tokio::test]
async fn reopen_goes_to_the_queue_when_the_previous_agent_is_offline_disconnected_or_full() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("reopenqueue").await;
    let (alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;

    // Presence offline (still connected).
    let (mut u1, c1) = resolved_by(&gw, &tenant, &mut alice_ws, "user 1").await;
    alice_ws
        .set_presence(Presence::Offline)
        .await
        .expect("alice goes offline");
    u1.write(&c1, "Back again").await;
    u1.expect_status(&c1, ConversationStatus::Queued, "offline alice: queued")
        .await;
    expect_position(&mut u1.ws, &c1, 1).await;
    u1.ws
        .assert_nothing(assigned_update_of(&c1), QUIET)
        .await
        .expect("not assigned to offline alice");

    // Presence online but not connected.
    alice_ws
        .set_presence(Presence::Online)
        .await
        .expect("alice online again");
    let (mut u2, c2) = resolved_by(&gw, &tenant, &mut alice_ws, "user 2").await;
    alice_ws.close().await.expect("alice closes her socket");
    wait_connected(&tenant, &alice, false).await;
    u2.write(&c2, "Back again").await;
    u2.expect_status(
        &c2,
        ConversationStatus::Queued,
        "disconnected alice: queued",
    )
    .await;

    // Online and connected but at capacity.
    let mut alice_ws = gw.connect(&alice.token, "agent alice, again").await;
    let (mut u3, c3) = resolved_by(&gw, &tenant, &mut alice_ws, "user 3").await;
    alice_ws.accept(&c1).await.expect("alice takes c1");
    set_capacity(&tenant, &alice, Some(1)).await;
    u3.write(&c3, "Back again").await;
    u3.expect_status(&c3, ConversationStatus::Queued, "full alice: queued")
        .await;
    u3.ws
        .assert_nothing(assigned_update_of(&c3), QUIET)
        .await
        .expect("not assigned to full alice");
}

#[tokio::test]
async fn reopen_with_fallback_entry_bot_goes_to_the_entry_bot() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("reopenbot").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let bot = tenant.entry_bot("Helper").await;
    let settings = tenant.owner.settings().await.expect("settings");
    assert_eq!(
        settings.reopen_fallback,
        ReopenFallback::Queue,
        "the default"
    );
    let settings = patch_settings(
        &tenant,
        PatchSettings {
            reopen_fallback: Some(ReopenFallback::EntryBot),
            ..PatchSettings::default()
        },
    )
    .await;
    assert_eq!(settings.reopen_fallback, ReopenFallback::EntryBot);
    let mut bot_ws = gw.connect(&bot.token, "bot").await;
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;

    let (mut user, conv) = customer_with_conversation(&gw, &tenant, "user").await;
    expect_status(
        &mut bot_ws,
        &conv,
        ConversationStatus::Bot,
        "the entry bot holds it",
    )
    .await;
    bot_ws.handover(&conv).await.expect("the bot hands over");
    alice_ws.accept(&conv).await.expect("alice accepts");
    alice_ws.resolve(&conv).await.expect("alice resolves");
    alice_ws
        .set_presence(Presence::Offline)
        .await
        .expect("alice goes offline");
    user.expect_status(&conv, ConversationStatus::Resolved, "resolved")
        .await;
    user.ws.take_buffered();

    let again = user.write(&conv, "Me again").await;
    let back = user
        .expect_status(&conv, ConversationStatus::Bot, "back to the bot")
        .await;
    let holder = back.assignee.expect("held by the bot");
    assert_eq!(
        (holder.kind, holder.id.as_str()),
        (HolderKind::Bot, bot.id.as_str())
    );
    bot_ws
        .wait_message(|m| m.id == again.id, T, "the reopening message")
        .await
        .expect("the entry bot gets the user's message");
    expect_not_queued_within(&mut user.ws, &conv, QUIET, "not queued").await;

    // With the previous agent online and free, she still comes first.
    alice_ws
        .set_presence(Presence::Online)
        .await
        .expect("alice online");
    bot_ws
        .handover(&conv)
        .await
        .expect("the bot hands over again");
    alice_ws.accept(&conv).await.expect("alice accepts again");
    alice_ws.resolve(&conv).await.expect("alice resolves again");
    user.expect_status(&conv, ConversationStatus::Resolved, "resolved again")
        .await;
    user.ws.take_buffered();
    user.write(&conv, "And again").await;
    expect_assigned_to(&mut user.ws, &conv, &alice, "online alice gets it back").await;
}

// ---- 8. bot failure ----------------------------------------------------------------------------

#[tokio::test]
async fn a_new_conversation_for_a_disconnected_entry_bot_is_handed_over_at_once() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("botgone").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let _bot = tenant.entry_bot("Helper").await;
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;

    let (mut user, conv) = customer_with_conversation(&gw, &tenant, "user").await;
    let queued = user
        .expect_status(&conv, ConversationStatus::Queued, "handed over")
        .await;
    assert_eq!(queued.group_id, tenant.default_group);
    assert_eq!(queued.assignee, None);
    expect_told_why(&mut user, &conv).await;
    expect_position(&mut user.ws, &conv, 1).await;
    expect_status(
        &mut alice_ws,
        &conv,
        ConversationStatus::Queued,
        "alice sees it waiting",
    )
    .await;
}

#[tokio::test]
async fn a_user_message_to_a_bot_that_went_away_is_handed_over_at_once() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("botleft").await;
    let (bot, mut bot_ws) = entry_bot_ahead_of_alice(&gw, &tenant, None).await;
    let (mut user, conv) = conversation_with_the_bot(&gw, &tenant, &mut bot_ws).await;
    bot_ws
        .send_message(&conv, "b-1", "Hi, I am the bot")
        .await
        .expect("the bot answers");
    bot_ws.close().await.expect("the bot disconnects");
    // Let the gateway notice.
    let deadline = Instant::now() + T;
    loop {
        let bots = tenant.owner.bots().await.expect("bots");
        if bots.iter().any(|b| b.id == bot.id && !b.connected) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the bot never shows disconnected"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    expect_not_queued_within(
        &mut user.ws,
        &conv,
        QUIET,
        "nothing happens before the user writes",
    )
    .await;

    user.write(&conv, "Hello?").await;
    user.expect_status(&conv, ConversationStatus::Queued, "handed over")
        .await;
    expect_told_why(&mut user, &conv).await;
}

#[tokio::test]
async fn a_bot_that_does_not_answer_within_bot_timeout_loses_the_conversation() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("bottimeout").await;
    let settings = tenant.owner.settings().await.expect("settings");
    assert_eq!(settings.bot_timeout_secs, 30, "the default");
    let (_, mut bot_ws) = entry_bot_ahead_of_alice(&gw, &tenant, Some(1)).await;
    let mut user = customer(&gw, &tenant, "user").await;
    let sent_at = Instant::now();
    let conv = user.open("Hello").await;
    expect_the_bot_holds(&mut bot_ws, &conv).await;

    expect_not_queued_within(
        &mut user.ws,
        &conv,
        Duration::from_millis(600),
        "not before the timeout",
    )
    .await;
    user.expect_status(&conv, ConversationStatus::Queued, "handed over after ~1 s")
        .await;
    let waited = sent_at.elapsed();
    assert!(
        waited >= Duration::from_millis(900),
        "handed over after only {waited:?}"
    );
    expect_told_why(&mut user, &conv).await;
    bot_ws
        .wait_conversation(
            |c| c.id == conv && c.status == ConversationStatus::Queued,
            T,
            "the bot learns it lost it",
        )
        .await
        .expect("the bot gets the update");
}

#[tokio::test]
async fn a_bot_that_answers_in_time_keeps_the_conversation() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("botintime").await;
    let (_, mut bot_ws) = entry_bot_ahead_of_alice(&gw, &tenant, Some(1)).await;
    let (mut user, conv) = customer_with_conversation(&gw, &tenant, "user").await;
    for i in 0..3 {
        let asked = if i == 0 {
            None
        } else {
            Some(user.write(&conv, &format!("question {i}")).await)
        };
        bot_ws
            .wait_message(
                |m| {
                    m.conversation_id == conv
                        && m.author.kind == AuthorKind::User
                        && asked.as_ref().is_none_or(|a| a.id == m.id)
                },
                T,
                "the user's message",
            )
            .await
            .expect("the bot gets it");
        bot_ws
            .send_message(&conv, &format!("b-{i}"), "Here you go")
            .await
            .expect("the bot answers at once");
    }
    user.ws
        .assert_nothing(
            |f| {
                status_update_of(&conv, ConversationStatus::Queued)(f)
                    || matches!(f, ServerFrame::MessageCreated(m) if m.message.author.kind == AuthorKind::System)
            },
            Duration::from_millis(2000),
        )
        .await
        .expect("a bot that answers keeps the conversation");
    assert_eq!(
        conversation(&tenant, &conv).await.status,
        ConversationStatus::Bot
    );

    // Then it stays silent once: handed over.
    user.write(&conv, "unanswered").await;
    user.expect_status(&conv, ConversationStatus::Queued, "handed over")
        .await;
}

#[tokio::test]
async fn a_user_who_keeps_writing_does_not_delay_the_bot_timeout() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("botbusy").await;
    let (_, mut bot_ws) = entry_bot_ahead_of_alice(&gw, &tenant, Some(1)).await;
    let mut user = customer(&gw, &tenant, "user").await;
    let first_at = Instant::now();
    let conv = user.open("first").await;
    expect_the_bot_holds(&mut bot_ws, &conv).await;

    // The user writes every 400 ms; the bot never answers. The first message has been
    // unanswered for 1 s at about 1 s, whatever came after it.
    let mut handed_over = None;
    for i in 0..8 {
        match user
            .ws
            .wait_for(
                status_update_of(&conv, ConversationStatus::Queued),
                Duration::from_millis(400),
            )
            .await
        {
            Ok(_) => {
                handed_over = Some(first_at.elapsed());
                break;
            }
            Err(_) => {
                user.write(&conv, &format!("still there? {i}")).await;
            }
        }
    }
    let waited = handed_over.expect("handed over while the user kept writing");
    assert!(
        waited < Duration::from_millis(2000),
        "the first unanswered message was {waited:?} old at the handover (bot_timeout_secs 1)"
    );
}

#[tokio::test]
async fn reopen_to_an_entry_bot_that_is_not_connected_hands_over_to_the_queue() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("reopenbotgone").await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let (mut user, conv) = resolved_by(&gw, &tenant, &mut alice_ws, "user").await;
    let _bot = tenant.entry_bot("Helper").await;
    patch_settings(
        &tenant,
        PatchSettings {
            reopen_fallback: Some(ReopenFallback::EntryBot),
            ..PatchSettings::default()
        },
    )
    .await;
    alice_ws
        .set_presence(Presence::Offline)
        .await
        .expect("alice goes offline");

    user.write(&conv, "Me again").await;
    user.expect_status(&conv, ConversationStatus::Queued, "handed over")
        .await;
    expect_told_why(&mut user, &conv).await;
}

#[tokio::test]
async fn an_agents_private_note_is_not_an_answer_from_the_bot() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("botnote").await;
    let (_, mut bot_ws) = entry_bot_ahead_of_alice(&gw, &tenant, Some(1)).await;
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner").await;
    let (mut user, conv) = conversation_with_the_bot(&gw, &tenant, &mut bot_ws).await;
    owner_ws
        .send_note(&conv, "note-1", "watching this one")
        .await
        .expect("the owner writes a private note while the bot holds it");
    user.expect_status(
        &conv,
        ConversationStatus::Queued,
        "the bot still did not answer: handed over",
    )
    .await;
}

#[tokio::test]
async fn turning_human_chat_off_stops_a_pending_bot_timeout() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("botswitch").await;
    let (_, mut bot_ws) = entry_bot_ahead_of_alice(&gw, &tenant, Some(1)).await;
    let (mut user, conv) = conversation_with_the_bot(&gw, &tenant, &mut bot_ws).await;
    // The bot stays silent; before its second is up, human chat goes off.
    patch_settings(
        &tenant,
        PatchSettings {
            human_chat_enabled: Some(false),
            ..PatchSettings::default()
        },
    )
    .await;
    expect_not_queued_within(
        &mut user.ws,
        &conv,
        Duration::from_millis(2000),
        "no automatic handover once human chat is off",
    )
    .await;
    assert_eq!(
        conversation(&tenant, &conv).await.status,
        ConversationStatus::Bot
    );
}

#[tokio::test]
async fn concurrent_reopens_never_put_the_previous_agent_above_capacity() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("reopenrace").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    set_capacity(&tenant, &alice, Some(1)).await;
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;
    let mut pairs = Vec::new();
    for i in 0..4 {
        pairs.push(resolved_by(&gw, &tenant, &mut alice_ws, &format!("user {i}")).await);
    }
    // All four users write back at the same moment; alice can take one.
    let writes = join_all(
        pairs
            .iter_mut()
            .map(|(user, conv)| async move { user.write(conv, "Me again").await }),
    )
    .await;
    assert_eq!(writes.len(), 4);
    for (user, conv) in &mut pairs {
        user.ws
            .wait_conversation(
                |c| c.id == *conv && c.status != ConversationStatus::Resolved,
                T,
                "reopened",
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", user.label));
    }
    tokio::time::sleep(QUIET).await;
    let mine = alice
        .api
        .conversations(ConversationView::Mine)
        .await
        .expect("alice lists hers");
    assert_eq!(
        mine.len(),
        1,
        "capacity 1: exactly one reopened conversation went back to alice, the rest queued: {:#?}",
        mine.iter().map(|c| (&c.id, c.status)).collect::<Vec<_>>()
    );
    let queued = tenant
        .owner
        .conversations(ConversationView::Unassigned)
        .await
        .expect("queue");
    assert_eq!(queued.len(), 3, "three wait in the queue");
}

#[tokio::test]
async fn bot_timeout_zero_never_hands_over() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("botzero").await;
    let (_, mut bot_ws) = entry_bot_ahead_of_alice(&gw, &tenant, Some(0)).await;
    let (mut user, conv) = conversation_with_the_bot(&gw, &tenant, &mut bot_ws).await;
    expect_not_queued_within(
        &mut user.ws,
        &conv,
        Duration::from_millis(2000),
        "0 means never",
    )
    .await;
}

// ---- 9. human chat switch ----------------------------------------------------------------------

#[tokio::test]
async fn with_human_chat_off_handover_is_refused_and_bot_failure_hands_nothing_over() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("nohumans").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let bot = tenant.entry_bot("Helper").await;
    let settings = patch_settings(
        &tenant,
        PatchSettings {
            human_chat_enabled: Some(false),
            bot_timeout_secs: Some(1),
            ..PatchSettings::default()
        },
    )
    .await;
    assert!(!settings.human_chat_enabled);
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;

    // The bot is not connected: the conversation stays with it anyway.
    let (mut u1, c1) = customer_with_conversation(&gw, &tenant, "user 1").await;
    expect_not_queued_within(
        &mut u1.ws,
        &c1,
        QUIET,
        "no automatic handover with human chat off",
    )
    .await;
    let now = conversation(&tenant, &c1).await;
    assert_eq!(now.status, ConversationStatus::Bot);
    assert_eq!(
        now.assignee.map(|a| (a.kind, a.id)),
        Some((HolderKind::Bot, bot.id.as_str().to_owned()))
    );

    // The user and the bot may not hand over.
    assert_refused(u1.ws.handover(&c1).await, ErrorCode::HumanChatDisabled);
    let mut bot_ws = gw.connect(&bot.token, "bot").await;
    assert_refused(bot_ws.handover(&c1).await, ErrorCode::HumanChatDisabled);

    // A connected bot that stays silent past the timeout keeps it too.
    u1.write(&c1, "Anyone?").await;
    expect_not_queued_within(
        &mut u1.ws,
        &c1,
        Duration::from_millis(2000),
        "no handover on bot timeout with human chat off",
    )
    .await;
    assert_eq!(
        conversation(&tenant, &c1).await.status,
        ConversationStatus::Bot
    );
    alice_ws
        .assert_nothing(status_update_of(&c1, ConversationStatus::Queued), QUIET)
        .await
        .expect("agents see nothing queued");
}

// ---- 10. presence and grace ----------------------------------------------------------------------

#[tokio::test]
async fn a_disconnected_agent_gets_assignments_within_the_grace_and_not_after() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("grace").await;
    let [alice] = auto_group_agents(&tenant, ["Alice"]).await;
    let settings = tenant.owner.settings().await.expect("settings");
    assert_eq!(settings.offline_grace_secs, 60, "the default");
    patch_settings(
        &tenant,
        PatchSettings {
            offline_grace_secs: Some(2),
            ..PatchSettings::default()
        },
    )
    .await;
    let mut u1 = customer(&gw, &tenant, "user 1").await;
    let mut u2 = customer(&gw, &tenant, "user 2").await;
    let alice_ws = gw.connect(&alice.token, "agent alice").await;
    alice_ws.close().await.expect("alice disconnects");
    wait_connected(&tenant, &alice, false).await;
    let gone_at = Instant::now();

    let c1 = u1.open("Within the grace").await;
    expect_assigned_to(
        &mut u1.ws,
        &c1,
        &alice,
        "within the grace alice is eligible",
    )
    .await;
    assert!(
        gone_at.elapsed() < Duration::from_secs(2),
        "the test was too slow to be within the grace"
    );

    tokio::time::sleep(Duration::from_millis(2500).saturating_sub(gone_at.elapsed())).await;
    let c2 = u2.open("After the grace").await;
    expect_stays_queued(
        &mut u2.ws,
        &tenant,
        &c2,
        "after the grace alice is not eligible",
    )
    .await;
    let held = conversation(&tenant, &c1).await;
    assert_eq!(
        (held.status, assignee_id(&held)),
        (ConversationStatus::Assigned, Some(alice.id().as_str())),
        "alice keeps what she holds"
    );

    // Coming back drains the queue: her presence is still online, so connecting again is
    // enough (no presence.set).
    let _alice_ws = gw.connect_as_is(&alice.token, "agent alice, back").await;
    expect_assigned_to(&mut u2.ws, &c2, &alice, "alice back online takes c2").await;
}

// ---- 2. queues ----------------------------------------------------------------------------------

#[tokio::test]
async fn users_learn_their_queue_position_as_it_changes() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("positions").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let nora = tenant.agent("Nora").await;
    let night = second_group(&tenant, "Night", &[&nora]).await;
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;
    let _nora_ws = gw.connect(&nora.token, "agent nora").await;

    let (mut u1, c1) = customer_with_conversation(&gw, &tenant, "user 1").await;
    let p = expect_position(&mut u1.ws, &c1, 1).await;
    assert_eq!(p.queue_length, 1);
    let (mut u2, c2) = customer_with_conversation(&gw, &tenant, "user 2").await;
    let p = expect_position(&mut u2.ws, &c2, 2).await;
    assert_eq!(p.queue_length, 2);
    let (mut u3, c3) = customer_with_conversation(&gw, &tenant, "user 3").await;
    let p = expect_position(&mut u3.ws, &c3, 3).await;
    assert_eq!(p.queue_length, 3);
    u1.ws
        .assert_nothing(
            |f| matches!(f, ServerFrame::QueuePosition(p) if p.conversation_id == c1 && p.position != 1),
            QUIET,
        )
        .await
        .expect("those behind do not move the first");

    // The middle one is accepted: the last moves up, the first stays.
    alice_ws.accept(&c2).await.expect("alice accepts c2");
    let p = expect_position(&mut u3.ws, &c3, 2).await;
    assert_eq!(p.queue_length, 2);
    u1.ws
        .assert_nothing(
            |f| matches!(f, ServerFrame::QueuePosition(p) if p.conversation_id == c1 && p.position != 1),
            QUIET,
        )
        .await
        .expect("the first keeps its place");
    // Frames sent before the accept may still be on their way: skip past the assignment.
    expect_assigned_to(&mut u2.ws, &c2, &alice, "the user sees alice take c2").await;
    u2.ws.take_buffered();
    u2.ws
        .assert_nothing(is_position_of(&c2), QUIET)
        .await
        .expect("an assigned conversation gets no queue.position");

    // Unassign puts it back at its original place (2nd), not at the end.
    alice_ws.unassign(&c2).await.expect("alice unassigns c2");
    let p = expect_position(&mut u2.ws, &c2, 2).await;
    assert_eq!(p.queue_length, 3);
    let p = expect_position(&mut u3.ws, &c3, 3).await;
    assert_eq!(p.queue_length, 3);
    let queue: Vec<ConversationId> = alice
        .api
        .conversations(ConversationView::Unassigned)
        .await
        .expect("alice lists the queue")
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(
        queue,
        vec![c1.clone(), c2.clone(), c3.clone()],
        "the queue's order"
    );

    // A transfer joins the target queue at the end, even when it is older.
    alice_ws
        .request_conversation(&frame::transfer(&c3, &night.id))
        .await
        .expect("transfer c3 to Night");
    let p = expect_position(&mut u3.ws, &c3, 1).await;
    assert_eq!(p.queue_length, 1, "alone in Night");
    alice_ws
        .request_conversation(&frame::transfer(&c1, &night.id))
        .await
        .expect("transfer c1 to Night");
    let p = expect_position(&mut u1.ws, &c1, 2).await;
    assert_eq!(p.queue_length, 2, "behind c3 in Night although older");
    let p = expect_position(&mut u2.ws, &c2, 1).await;
    assert_eq!(p.queue_length, 1, "c2 is alone in the default queue now");
    u3.ws
        .assert_nothing(
            |f| matches!(f, ServerFrame::QueuePosition(p) if p.conversation_id == c3 && p.position != 1),
            QUIET,
        )
        .await
        .expect("c3 stays first in Night");
}

#[tokio::test]
async fn groups_show_their_queue_length_and_oldest_wait() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("queuelen").await;
    let (alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let empty = group(&tenant, &tenant.default_group).await;
    assert_eq!((empty.queue_length, empty.oldest_queued_at), (0, None));

    let mut convs = Vec::new();
    for i in 0..3 {
        let (_u, c) = customer_with_conversation(&gw, &tenant, &format!("user {i}")).await;
        convs.push(c);
    }
    let queued_at = |c: Conversation| c.queued_at.expect("queued_at");
    let first_at = queued_at(conversation(&tenant, &convs[0]).await);
    let second_at = queued_at(conversation(&tenant, &convs[1]).await);

    // As a plain agent sees it.
    let seen = alice
        .api
        .groups()
        .await
        .expect("alice lists groups")
        .into_iter()
        .find(|g| g.id == tenant.default_group)
        .expect("the default group");
    assert_eq!(
        (seen.queue_length, seen.oldest_queued_at.clone()),
        (3, Some(first_at))
    );

    alice_ws.accept(&convs[0]).await.expect("accept the oldest");
    let after = group(&tenant, &tenant.default_group).await;
    assert_eq!(
        (after.queue_length, after.oldest_queued_at.clone()),
        (2, Some(second_at))
    );
    alice_ws.accept(&convs[1]).await.expect("accept");
    alice_ws.accept(&convs[2]).await.expect("accept");
    let drained = group(&tenant, &tenant.default_group).await;
    assert_eq!((drained.queue_length, drained.oldest_queued_at), (0, None));
}

// ---- 1. groups and business hours ------------------------------------------------------------------

fn weekday(day: chrono::Weekday) -> Weekday {
    match day {
        chrono::Weekday::Mon => Weekday::Mon,
        chrono::Weekday::Tue => Weekday::Tue,
        chrono::Weekday::Wed => Weekday::Wed,
        chrono::Weekday::Thu => Weekday::Thu,
        chrono::Weekday::Fri => Weekday::Fri,
        chrono::Weekday::Sat => Weekday::Sat,
        chrono::Weekday::Sun => Weekday::Sun,
    }
}

#[tokio::test]
async fn a_group_outside_its_business_hours_is_offline_and_refuses_transfers() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("hours").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let nora = tenant.agent("Nora").await;
    // Open only on a day three days from today (UTC), so never now.
    let other_day = chrono::Utc::now().weekday().succ().succ().succ();
    let hours = BusinessHours {
        timezone: "UTC".into(),
        weekly: vec![OpeningWindow {
            day: weekday(other_day),
            open: "00:00".into(),
            close: "23:59".into(),
        }],
    };
    let closed = tenant
        .owner
        .create_group(&CreateGroup {
            name: "Weekly".into(),
            assignment: None,
            business_hours: Some(hours.clone()),
        })
        .await
        .expect("a group with business hours");
    assert_eq!(closed.business_hours.as_ref(), Some(&hours));
    set_members(&tenant, &closed.id, &[&nora]).await;
    let _nora_ws = gw.connect(&nora.token, "agent nora").await;
    wait_connected(&tenant, &nora, true).await;
    let listed = group(&tenant, &closed.id).await;
    assert!(
        !listed.online,
        "outside its hours the group is offline although a member is connected"
    );

    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;
    let (_u, conv) = customer_with_conversation(&gw, &tenant, "user").await;
    alice_ws.accept(&conv).await.expect("alice accepts");
    assert_refused(
        alice_ws
            .request_conversation(&frame::transfer(&conv, &closed.id))
            .await,
        ErrorCode::Unavailable,
    );

    // Always open again: online, and the transfer goes through.
    let open = tenant
        .owner
        .patch_group(
            &closed.id,
            &PatchGroup {
                business_hours: Patch::Clear,
                ..PatchGroup::default()
            },
        )
        .await
        .expect("clear the hours");
    assert!(open.online, "without hours and with nora connected: online");
    alice_ws
        .request_conversation(&frame::transfer(&conv, &closed.id))
        .await
        .expect("transfer to the open group");
}

#[tokio::test]
async fn routing_settings_have_their_defaults_and_can_be_patched() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("settings").await;
    let s = tenant.owner.settings().await.expect("settings");
    assert_eq!(
        (s.reopen_fallback, s.bot_timeout_secs, s.offline_grace_secs),
        (ReopenFallback::Queue, 30, 60)
    );
    let patched = patch_settings(
        &tenant,
        PatchSettings {
            reopen_fallback: Some(ReopenFallback::EntryBot),
            bot_timeout_secs: Some(5),
            offline_grace_secs: Some(7),
            ..PatchSettings::default()
        },
    )
    .await;
    assert_eq!(
        (
            patched.reopen_fallback,
            patched.bot_timeout_secs,
            patched.offline_grace_secs
        ),
        (ReopenFallback::EntryBot, 5, 7)
    );
    let raw = tenant
        .owner
        .request(
            switchboard_load_tests::api::Method::GET,
            "/v1/settings",
            None,
        )
        .await
        .expect("raw settings");
    let json = raw.json();
    assert_eq!(json["reopen_fallback"], "entry_bot", "{json}");
    assert_eq!(json["bot_timeout_secs"], 5, "{json}");
    assert_eq!(json["offline_grace_secs"], 7, "{json}");
    let agent = tenant.agent("Alice").await;
    assert_api_error(
        agent
            .api
            .patch_settings(&PatchSettings {
                bot_timeout_secs: Some(1),
                ..PatchSettings::default()
            })
            .await,
        403,
        ErrorCode::Forbidden,
    );
}
