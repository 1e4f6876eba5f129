//! The two reply policies (contract 4.7): who may answer a conversation they do not hold.

mod support;

use support::*;
use switchboard_protocol::*;

#[tokio::test]
async fn accept_first_refuses_a_reply_from_a_non_holder_but_allows_private_notes() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("acceptfirst").await;
    tenant.set_reply_policy(ReplyPolicy::AcceptFirst).await;
    let (alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let (bob, mut bob_ws) = online_agent(&gw, &tenant, "Bob").await;

    let (_user, mut user_ws, first) = user_opens(&gw, &tenant, "Help").await;
    let conv = first.conversation_id.clone();

    // Queued: nobody holds it, so nobody may answer without accepting.
    assert_refused(
        bob_ws.send_message(&conv, "bob-1", "I can answer?").await,
        ErrorCode::NotAssignee,
    );
    let note = bob_ws
        .send_note(&conv, "bob-note-1", "looks like a refund case")
        .await
        .expect("a private note needs no assignment");
    assert!(note.private);

    alice_ws.accept(&conv).await.expect("alice accepts");
    assert_refused(
        bob_ws.send_message(&conv, "bob-2", "Let me help").await,
        ErrorCode::NotAssignee,
    );
    bob_ws
        .send_note(&conv, "bob-note-2", "alice has it")
        .await
        .expect("notes are allowed while another agent holds it");
    let reply = alice_ws
        .send_message(&conv, "alice-1", "Hello")
        .await
        .expect("the holder may reply");

    user_ws
        .wait_message(|m| m.id == reply.id, T, "alice's reply")
        .await
        .expect("the user gets the holder's reply");
    user_ws
        .assert_nothing(
            |f| matches!(f, ServerFrame::MessageCreated(m) if m.message.author.id == bob.id().as_str()),
            QUIET,
        )
        .await
        .expect("nothing bob wrote reaches the user");
    let history = alice_ws.history(&conv, None).await.expect("history");
    assert!(
        history
            .messages
            .iter()
            .filter(|m| m.author.id == bob.id().as_str())
            .all(|m| m.private),
        "only bob's private notes were stored"
    );
    let still = tenant
        .owner
        .conversations(ConversationView::Open)
        .await
        .expect("open view");
    let conversation = still.iter().find(|c| c.id == conv).expect("listed");
    assert_eq!(
        conversation.assignee.as_ref().map(|a| a.id.as_str()),
        Some(alice.id().as_str()),
        "bob's attempts changed nothing"
    );
}

#[tokio::test]
async fn reply_assigns_gives_the_conversation_to_the_replying_agent_and_the_bot_leaves() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("replyassigns").await;
    tenant.set_reply_policy(ReplyPolicy::ReplyAssigns).await;
    let (_bot, mut bot_ws) = connected_entry_bot(&gw, &tenant).await;
    let (alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;

    let (_user, mut user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    let conv = first.conversation_id.clone();
    bot_ws
        .wait_message(|m| m.id == first.id, T, "the user's message")
        .await
        .expect("the bot holds the new conversation");

    let reply = alice_ws
        .send_message(&conv, "alice-1", "A human here")
        .await
        .expect("with reply_assigns, any agent who may see it can reply");
    user_ws
        .wait_message(|m| m.id == reply.id, T, "alice's reply")
        .await
        .expect("the user gets alice's reply");
    let taken = alice_ws
        .wait_conversation(
            |c| c.id == conv && c.status == ConversationStatus::Assigned,
            T,
            "assigned to alice",
        )
        .await
        .expect("the reply assigns the conversation");
    let assignee = taken.assignee.expect("an assignee");
    assert_eq!(
        (assignee.kind, assignee.id.as_str()),
        (HolderKind::Agent, alice.id().as_str())
    );
    assert!(
        lists(&alice.api, ConversationView::Mine, &conv).await,
        "alice's `mine` view lists it"
    );

    let next = user_ws
        .send_message(&conv, "u-2", "Great")
        .await
        .expect("u-2");
    alice_ws
        .wait_message(|m| m.id == next.id, T, "the user's next message")
        .await
        .expect("the new holder gets the user's messages");
    bot_ws
        .assert_nothing(message_with_id(&next.id), QUIET)
        .await
        .expect("the bot left: it gets no more user messages");
    assert!(
        !lists(&tenant.owner, ConversationView::Bot, &conv).await,
        "no longer held by a bot"
    );
}
