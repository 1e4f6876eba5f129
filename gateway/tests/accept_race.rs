//! Exactly one holder (contract 4.6) and the accept rules of decision 4.

mod support;

use futures_util::future::join_all;
use support::*;
use switchboard_load_tests::{WsClient, frame};
use switchboard_protocol::*;

const AGENTS: usize = 6;
const ROUNDS: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exactly_one_of_six_agents_wins_a_concurrent_accept() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("race").await;
    let mut agents = Vec::new();
    let mut sockets: Vec<WsClient> = Vec::new();
    for i in 0..AGENTS {
        let agent = tenant.agent_in_default_group(&format!("Agent{i}")).await;
        sockets.push(gw.connect(&agent.token, &format!("agent {i}")).await);
        agents.push(agent);
    }

    for round in 0..ROUNDS {
        // A fresh user per round: a user's next message would continue its old conversation.
        let user = tenant.user().await;
        let mut user_ws = gw.connect(&user.token, &format!("user {round}")).await;
        let first = user_ws
            .send_message(None, "u-1", "Who takes me?")
            .await
            .expect("u-1");
        let conv = first.conversation_id.clone();
        let before = tenant
            .owner
            .messages(&conv, None, None)
            .await
            .expect("messages before");

        let answers = join_all(sockets.iter_mut().map(|ws| {
            let accept = frame::accept(&conv);
            async move { ws.call(&accept).await }
        }))
        .await;

        let mut winners = Vec::new();
        for (i, answer) in answers.into_iter().enumerate() {
            match answer.unwrap_or_else(|e| panic!("round {round}: agent {i} got no answer: {e}")) {
                Ok(ack) => {
                    let conversation = ack.conversation.expect("the ack carries the conversation");
                    assert_eq!(conversation.status, ConversationStatus::Assigned);
                    assert_eq!(
                        conversation.assignee.map(|a| a.id),
                        Some(agents[i].id().as_str().to_owned()),
                        "the winner's ack names the winner"
                    );
                    winners.push(i);
                }
                Err(error) => assert_eq!(
                    error.code,
                    ErrorCode::Conflict,
                    "round {round}: a loser gets conflict, agent {i} got {error:?}"
                ),
            }
        }
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one ack, winners {winners:?}"
        );
        let winner = &agents[winners[0]];

        let open = tenant
            .owner
            .conversations(ConversationView::Open)
            .await
            .expect("open view");
        let listed = open.iter().find(|c| c.id == conv).expect("listed");
        assert_eq!(
            listed.assignee.as_ref().map(|a| a.id.as_str()),
            Some(winner.id().as_str()),
            "the store agrees with the ack"
        );
        let after = tenant
            .owner
            .messages(&conv, None, None)
            .await
            .expect("messages after");
        let new_system = after.messages.len() - before.messages.len();
        assert_eq!(
            new_system, 1,
            "one status change, one system message: {:#?}",
            after.messages
        );
        assert_eq!(
            after.messages.last().map(|m| m.author.kind),
            Some(AuthorKind::System)
        );
    }
}

#[tokio::test]
async fn accepting_a_conversation_you_already_hold_is_acknowledged() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("again").await;
    let (alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let user = tenant.user().await;
    let mut user_ws = gw.connect(&user.token, "user").await;
    let conv = user_ws
        .send_message(None, "u-1", "Hi")
        .await
        .expect("u-1")
        .conversation_id;

    alice_ws.accept(&conv).await.expect("first accept");
    let again = alice_ws
        .accept(&conv)
        .await
        .expect("accepting again is acknowledged");
    assert_eq!(again.status, ConversationStatus::Assigned);
    assert_eq!(
        again.assignee.map(|a| a.id),
        Some(alice.id().as_str().to_owned())
    );
}

#[tokio::test]
async fn accepting_a_conversation_held_by_another_agent_is_a_conflict() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("held").await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let (_bob, mut bob_ws) = online_agent(&gw, &tenant, "Bob").await;
    let (_, _user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    let conv = first.conversation_id;

    alice_ws.accept(&conv).await.expect("alice accepts");
    assert_refused(bob_ws.accept(&conv).await, ErrorCode::Conflict);
    // The owner sees everything but cannot take it by accepting either.
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner").await;
    assert_refused(owner_ws.accept(&conv).await, ErrorCode::Conflict);
}

#[tokio::test]
async fn accepting_a_bot_held_conversation_is_a_conflict() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("botheld").await;
    let (_bot, mut bot_ws) = connected_entry_bot(&gw, &tenant).await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let (_user, mut user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    bot_ws
        .wait_message(|m| m.id == first.id, T, "the user's message")
        .await
        .expect("the bot holds it");

    assert_refused(
        alice_ws.accept(&first.conversation_id).await,
        ErrorCode::Conflict,
    );
    let next = user_ws
        .send_message(&first.conversation_id, "u-2", "Still there?")
        .await
        .expect("u-2");
    bot_ws
        .wait_message(|m| m.id == next.id, T, "the user's next message")
        .await
        .expect("the bot still holds it after the refused accept");
}

#[tokio::test]
async fn accepting_a_resolved_conversation_is_a_conflict() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("resolved").await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let (_bob, mut bob_ws) = online_agent(&gw, &tenant, "Bob").await;
    let (_, _user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    let conv = first.conversation_id;

    alice_ws.accept(&conv).await.expect("alice accepts");
    alice_ws.resolve(&conv).await.expect("alice resolves");
    assert_refused(bob_ws.accept(&conv).await, ErrorCode::Conflict);
    assert_refused(alice_ws.accept(&conv).await, ErrorCode::Conflict);
    let closed = tenant
        .owner
        .conversations(ConversationView::Closed)
        .await
        .expect("closed view");
    assert!(
        closed
            .iter()
            .any(|c| c.id == conv && c.status == ConversationStatus::Resolved)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_of_the_opening_message_store_one_message_in_one_conversation() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("retryrace").await;
    let user = tenant.user().await;
    let mut sockets = Vec::new();
    for i in 0..4 {
        sockets.push(gw.connect(&user.token, &format!("user socket {i}")).await);
    }
    // The same frame (same client_msg_id) from every socket of the user at once, as a
    // client retrying on several connections would.
    let answers = join_all(sockets.iter_mut().map(|ws| async move {
        ws.send_message(None, "open-once", "Hello from everywhere")
            .await
    }))
    .await;
    let messages: Vec<Message> = answers
        .into_iter()
        .enumerate()
        .map(|(i, a)| a.unwrap_or_else(|e| panic!("socket {i}: {e}")))
        .collect();
    for m in &messages {
        assert_eq!(
            (&m.id, m.seq, &m.conversation_id),
            (
                &messages[0].id,
                messages[0].seq,
                &messages[0].conversation_id
            ),
            "every try returns the same message"
        );
    }
    let open = tenant
        .owner
        .conversations(ConversationView::Open)
        .await
        .expect("open view");
    let theirs: Vec<_> = open.iter().filter(|c| c.user.id == user.user_id).collect();
    assert_eq!(theirs.len(), 1, "one conversation: {theirs:#?}");
    let page = tenant
        .owner
        .messages(&messages[0].conversation_id, None, None)
        .await
        .expect("messages");
    let from_user = page
        .messages
        .iter()
        .filter(|m| m.author.kind == AuthorKind::User)
        .count();
    assert_eq!(from_user, 1, "one stored message: {:#?}", page.messages);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_senders_get_unique_gapless_seqs() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("seqrace").await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let (_bob, mut bob_ws) = online_agent(&gw, &tenant, "Bob").await;
    let user = tenant.user().await;
    let mut user_ws = gw.connect(&user.token, "user").await;
    let conv = user_ws
        .send_message(None, "u-0", "Hi")
        .await
        .expect("u-0")
        .conversation_id;
    alice_ws.accept(&conv).await.expect("alice accepts");

    const EACH: usize = 15;
    let (by_user, by_alice, by_bob) = tokio::join!(
        async {
            let mut out = Vec::new();
            for i in 0..EACH {
                let id = format!("u-{}", i + 1);
                let m = user_ws.send_message(&conv, &id, "from the user").await;
                out.push(m.expect("user message"));
            }
            out
        },
        async {
            let mut out = Vec::new();
            for i in 0..EACH {
                let id = format!("a-{i}");
                let m = alice_ws.send_message(&conv, &id, "from alice").await;
                out.push(m.expect("alice message"));
            }
            out
        },
        async {
            let mut out = Vec::new();
            for i in 0..EACH {
                out.push(
                    bob_ws
                        .send_note(&conv, &format!("b-{i}"), "bob's note")
                        .await
                        .expect("bob's note"),
                );
            }
            out
        },
    );
    let mut acked: Vec<u64> = by_user
        .iter()
        .chain(&by_alice)
        .chain(&by_bob)
        .map(|m| m.seq)
        .collect();
    acked.sort_unstable();
    let before = acked.len();
    acked.dedup();
    assert_eq!(acked.len(), before, "no two messages share a seq");

    let history = alice_ws.history(&conv, None).await.expect("history");
    let seqs: Vec<u64> = history.messages.iter().map(|m| m.seq).collect();
    let last = seqs.last().copied().unwrap_or_default();
    assert_eq!(
        seqs,
        (1..=last).collect::<Vec<_>>(),
        "seq starts at 1 and grows by one (has_more {})",
        history.has_more
    );
    for seq in &acked {
        assert!(seqs.contains(seq), "acked seq {seq} is stored");
    }
}
