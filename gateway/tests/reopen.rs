//! `conversation.reopen` (an addition): an online agent reopens a resolved conversation it may
//! see and takes it; the user is told with a public system message and `conversation.updated`.

mod support;

use support::*;
use switchboard_load_tests::{WsClient, frame};
use switchboard_protocol::*;

fn reopen(conversation_id: &ConversationId) -> ClientFrame {
    ClientFrame::Reopen(ConversationRef {
        req: frame::next_req(),
        conversation_id: conversation_id.clone(),
    })
}

/// A new user's conversation (queued in the default group, no entry bot), resolved by the
/// agent of `agent_ws`; returns the user's socket too.
async fn resolved_conversation(
    gw: &TestGateway,
    tenant: &Tenant,
    agent_ws: &mut WsClient,
) -> (WsClient, ConversationId) {
    let (_, user_ws, first) = user_opens(gw, tenant, "Hello, my order is late").await;
    let conv = first.conversation_id;
    agent_ws.accept(&conv).await.expect("the agent accepts");
    let resolved = agent_ws.resolve(&conv).await.expect("the agent resolves");
    assert_eq!(resolved.status, ConversationStatus::Resolved);
    assert!(resolved.resolved_at.is_some());
    (user_ws, conv)
}

#[tokio::test]
async fn an_online_agent_reopens_a_resolved_conversation_and_takes_it() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("reopen").await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let (bob, mut bob_ws) = online_agent(&gw, &tenant, "Bob").await;
    let (mut user_ws, conv) = resolved_conversation(&gw, &tenant, &mut alice_ws).await;
    user_ws
        .wait_conversation(
            |c| c.id == conv && c.status == ConversationStatus::Resolved,
            T,
            "resolved",
        )
        .await
        .expect("the user learns it was resolved");

    // Bob, who never held it, reopens it: it is his now.
    let reopened = bob_ws
        .request_conversation(&reopen(&conv))
        .await
        .expect("bob reopens");
    assert_eq!(reopened.id, conv);
    assert_eq!(reopened.status, ConversationStatus::Assigned);
    let assignee = reopened.assignee.clone().expect("an assignee");
    assert_eq!(
        (assignee.kind, assignee.id.as_str(), assignee.name.as_str()),
        (HolderKind::Agent, bob.id().as_str(), "Bob")
    );
    assert_eq!(reopened.resolved_at, None, "resolved_at is cleared");

    // The user gets the public system message and the update.
    let notice = user_ws
        .wait_message(
            |m| {
                m.conversation_id == conv
                    && m.author.kind == AuthorKind::System
                    && m.text == "Reopened by Bob"
            },
            T,
            "the reopen notice",
        )
        .await
        .expect("the user sees the reopen notice");
    assert!(!notice.private);
    assert_eq!(notice.seq, reopened.last_seq);
    let updated = user_ws
        .wait_conversation(
            |c| c.id == conv && c.status == ConversationStatus::Assigned,
            T,
            "reopened and assigned",
        )
        .await
        .expect("the user receives conversation.updated");
    assert_eq!(updated.resolved_at, None);
    // The group's other member (and previous holder) is told too.
    alice_ws
        .wait_conversation(
            |c| c.id == conv && c.status == ConversationStatus::Assigned,
            T,
            "reopened",
        )
        .await
        .expect("a group member receives conversation.updated");

    // Bob holds it: he may reply, and the user gets it.
    let reply = bob_ws
        .send_message(&conv, "b-1", "I reopened this, one more thing")
        .await
        .expect("the new holder replies");
    user_ws
        .wait_message(|m| m.id == reply.id, T, "bob's reply")
        .await
        .expect("the user receives the reply");

    // Reopening it again is a conflict: it is not resolved any more.
    let refused = bob_ws
        .request_refused(&reopen(&conv))
        .await
        .expect("a second reopen is answered");
    assert_eq!(refused.code, ErrorCode::Conflict);
}

#[tokio::test]
async fn reopening_a_conversation_that_is_not_resolved_is_a_conflict() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("reopen-open").await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let (_, _user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    let conv = first.conversation_id;
    // Queued.
    let refused = alice_ws
        .request_refused(&reopen(&conv))
        .await
        .expect("answered");
    assert_eq!(refused.code, ErrorCode::Conflict);
    assert_eq!(refused.message, "the conversation is not resolved");
    // Assigned.
    alice_ws.accept(&conv).await.expect("alice accepts");
    assert_refused(alice_ws.request(&reopen(&conv)).await, ErrorCode::Conflict);
}

#[tokio::test]
async fn an_offline_agent_may_not_reopen() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("reopen-offline").await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let bob = tenant.agent_in_default_group("Bob").await;
    let (_user_ws, conv) = resolved_conversation(&gw, &tenant, &mut alice_ws).await;

    let mut bob_ws = gw.connect_as_is(&bob.token, "agent bob (offline)").await;
    let refused = bob_ws
        .request_refused(&reopen(&conv))
        .await
        .expect("answered");
    assert_eq!(refused.code, ErrorCode::Forbidden);
    assert_eq!(refused.message, "go online to take conversations");
    let state = alice_ws.history(&conv, None).await.expect("history");
    assert!(
        state
            .messages
            .iter()
            .all(|m| !m.text.starts_with("Reopened")),
        "nothing was written"
    );
    // Once online, the same request works.
    bob_ws
        .set_presence(Presence::Online)
        .await
        .expect("bob goes online");
    let reopened = bob_ws
        .request_conversation(&reopen(&conv))
        .await
        .expect("bob reopens once online");
    assert_eq!(reopened.status, ConversationStatus::Assigned);
}

#[tokio::test]
async fn users_and_bots_may_not_reopen() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("reopen-roles").await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let bot = tenant.bot("Helper").await;
    let mut bot_ws = gw.connect(&bot.token, "bot").await;
    let (mut user_ws, conv) = resolved_conversation(&gw, &tenant, &mut alice_ws).await;

    assert_refused(user_ws.request(&reopen(&conv)).await, ErrorCode::Forbidden);
    assert_refused(bot_ws.request(&reopen(&conv)).await, ErrorCode::Forbidden);
    let history = alice_ws.history(&conv, None).await.expect("history");
    assert_eq!(
        history.messages.last().map(|m| m.text.as_str()),
        Some("Resolved"),
        "the refused reopens changed nothing"
    );
}

#[tokio::test]
async fn a_conversation_the_agent_may_not_see_is_not_found() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("reopen-mine").await;
    let other_tenant = gw.create_tenant("reopen-theirs").await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let stranger = other_tenant.agent_in_default_group("Stranger").await;
    let loner = tenant.agent("Loner").await; // in no group
    let (_user_ws, conv) = resolved_conversation(&gw, &tenant, &mut alice_ws).await;

    let mut stranger_ws = gw.connect(&stranger.token, "agent of another tenant").await;
    assert_refused(
        stranger_ws.request(&reopen(&conv)).await,
        ErrorCode::NotFound,
    );
    let mut loner_ws = gw.connect(&loner.token, "agent outside the group").await;
    assert_refused(loner_ws.request(&reopen(&conv)).await, ErrorCode::NotFound);
    assert_refused(
        alice_ws
            .request(&reopen(&ConversationId::from("no-such-conversation")))
            .await,
        ErrorCode::NotFound,
    );
}

#[tokio::test]
async fn an_agent_may_reopen_beyond_its_capacity() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("reopen-capacity").await;
    let (alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let other_user = tenant.user().await;
    let mut other_ws = gw.connect(&other_user.token, "other user").await;
    let (_user_ws, conv) = resolved_conversation(&gw, &tenant, &mut alice_ws).await;
    let busy = other_ws
        .send_message(None, "o-1", "Me too")
        .await
        .expect("o-1")
        .conversation_id;
    alice_ws
        .accept(&busy)
        .await
        .expect("alice takes another one");
    tenant
        .owner
        .patch_agent(
            alice.id(),
            &api::PatchAgent {
                capacity: Patch::Set(1),
                ..api::PatchAgent::default()
            },
        )
        .await
        .expect("the owner caps alice at 1");
    let reopened = alice_ws
        .request_conversation(&reopen(&conv))
        .await
        .expect("reopening for oneself is allowed at capacity");
    assert_eq!(reopened.status, ConversationStatus::Assigned);
}
