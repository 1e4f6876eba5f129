//! `conversation.activity` (an addition): every new message is announced to the agents who may
//! see its conversation (group members, owners and admins), subscribed or not, so desks keep
//! list previews and unread counts live. Users and bots never receive it.

mod support;

use support::*;
use switchboard_load_tests::WsClient;
use switchboard_protocol::*;

fn any_activity(f: &ServerFrame) -> bool {
    matches!(f, ServerFrame::ConversationActivity(_))
}

/// The `conversation.activity` for message `seq` of `conv`.
async fn wait_activity(
    ws: &mut WsClient,
    conv: &ConversationId,
    seq: u64,
    what: &str,
) -> ConversationActivity {
    let conv = conv.clone();
    match ws
        .wait_for_described(
            |f| matches!(f, ServerFrame::ConversationActivity(a) if a.conversation_id == conv && a.last_seq == seq),
            T,
            what,
        )
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
    {
        ServerFrame::ConversationActivity(activity) => activity,
        other => panic!("{what}: got {other:?}"),
    }
}

#[tokio::test]
async fn a_group_member_who_did_not_subscribe_gets_activity_with_a_preview() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("activity").await;
    let bot = tenant.entry_bot("Helper").await;
    let bob = tenant.agent_in_default_group("Bob").await;
    let user = tenant.user().await;
    let mut bot_ws = gw.connect(&bot.token, "entry bot").await;
    let mut bob_ws = gw
        .connect(&bob.token, "agent bob (member, not subscribed)")
        .await;
    let mut user_ws = gw.connect(&user.token, "user").await;

    let long = format!("{}{}", "é".repeat(139), "xyz and more text");
    let first = user_ws
        .send_message(None, "u-1", &long)
        .await
        .expect("the user's first message");
    let conv = first.conversation_id.clone();
    let activity = wait_activity(
        &mut bob_ws,
        &conv,
        first.seq,
        "activity of the user's message",
    )
    .await;
    assert_eq!(activity.group_id, tenant.default_group);
    assert_eq!(
        activity.preview.chars().count(),
        140,
        "the first 140 characters"
    );
    assert_eq!(activity.preview, format!("{}x", "é".repeat(139)));
    assert_eq!(activity.author.kind, AuthorKind::User);
    assert_eq!(activity.author.id, user.user_id.as_str());
    assert!(!activity.private);
    assert_eq!(activity.at, first.created_at);
    bob_ws
        .assert_nothing(message_with_id(&first.id), QUIET)
        .await
        .expect("bob did not subscribe: no message.created, only the activity");

    // The bot's answer is announced too; the bot itself gets no activity.
    let answer = bot_ws
        .send_message(&conv, "b-1", "Let me check")
        .await
        .expect("the bot answers");
    let activity = wait_activity(
        &mut bob_ws,
        &conv,
        answer.seq,
        "activity of the bot's answer",
    )
    .await;
    assert_eq!(activity.author.kind, AuthorKind::Bot);
    assert_eq!(activity.preview, "Let me check");
    bot_ws
        .wait_message(|m| m.id == answer.id, T, "its own answer")
        .await
        .expect("the bot receives its messages");
    bot_ws
        .assert_nothing(any_activity, QUIET)
        .await
        .expect("bots never receive conversation.activity");
    user_ws
        .assert_nothing(any_activity, QUIET)
        .await
        .expect("users never receive conversation.activity");
}

#[tokio::test]
async fn a_private_note_is_announced_as_private_and_users_get_no_activity() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("activity-private").await;
    let (alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let (_bob, mut bob_ws) = online_agent(&gw, &tenant, "Bob").await;

    let (_user, mut user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    let conv = first.conversation_id.clone();
    // The queue's system notice ("Waiting for an agent") is announced like any message.
    let waiting = wait_activity(&mut bob_ws, &conv, first.seq + 1, "the system notice").await;
    assert_eq!(waiting.author.kind, AuthorKind::System);
    alice_ws.accept(&conv).await.expect("alice accepts");
    let note = alice_ws
        .send_note(&conv, "a-note", "VIP customer, refund without asking")
        .await
        .expect("alice writes a private note");
    let activity = wait_activity(&mut bob_ws, &conv, note.seq, "the note's activity").await;
    assert!(activity.private, "a private note's activity says so");
    assert_eq!(activity.author.kind, AuthorKind::Agent);
    assert_eq!(activity.author.id, alice.id().as_str());
    // The holder gets it too (once), whatever topics it is on.
    let own = wait_activity(&mut alice_ws, &conv, note.seq, "the holder's activity").await;
    assert!(own.private);
    alice_ws
        .assert_nothing(
            |f| matches!(f, ServerFrame::ConversationActivity(a) if a.last_seq == note.seq),
            QUIET,
        )
        .await
        .expect("each agent gets an activity once");
    let reply = alice_ws
        .send_message(&conv, "a-1", "Refund done")
        .await
        .expect("alice replies");
    user_ws
        .wait_message(|m| m.id == reply.id, T, "alice's reply")
        .await
        .expect("the user receives the public reply");
    user_ws
        .assert_nothing(any_activity, QUIET)
        .await
        .expect("the user never receives any conversation.activity");
    user_ws
        .assert_nothing(any_private_message, QUIET)
        .await
        .expect("nor the private note");
}

#[tokio::test]
async fn activity_reaches_admins_but_not_agents_of_other_groups() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("activity-audience").await;
    let dave = tenant.agent("Dave").await;
    second_group(&tenant, "Elsewhere", &[&dave]).await;
    let admin = tenant.agent_with_role("Ada", Role::Admin).await;
    let mut dave_ws = gw.connect(&dave.token, "agent dave (other group)").await;
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner").await;
    let mut admin_ws = gw.connect(&admin.token, "admin").await;

    let (_, _user_ws, first) = user_opens(&gw, &tenant, "Where is my parcel?").await;
    let conv = first.conversation_id.clone();
    for (ws, who) in [(&mut owner_ws, "the owner"), (&mut admin_ws, "an admin")] {
        let activity = wait_activity(ws, &conv, first.seq, who).await;
        assert_eq!(activity.preview, "Where is my parcel?");
    }
    dave_ws
        .assert_nothing(any_activity, QUIET)
        .await
        .expect("an agent of another group gets no activity");
}
