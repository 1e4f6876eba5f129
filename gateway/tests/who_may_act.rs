//! The rules of protocol §6.1 (issue 12), black-box over real sockets: a colleague's
//! conversation only for owners and admins; taking a conversation needs `online`; with human
//! chat off nothing enters a queue; `settings.after_resolve`.

mod support;

use support::*;
use switchboard_load_tests::{WsClient, frame};
use switchboard_protocol::api::*;
use switchboard_protocol::*;

async fn online(ws: &mut WsClient) {
    ws.set_presence(Presence::Online)
        .await
        .expect("goes online");
}

async fn admin_in_default_group(tenant: &Tenant, name: &str) -> TestAgent {
    let admin = tenant.agent_with_role(name, Role::Admin).await;
    tenant
        .add_to_group(&tenant.default_group, &[admin.id().clone()])
        .await;
    admin
}

fn assign_to(conv: &ConversationId, agent: &TestAgent) -> ClientFrame {
    frame::assign(conv, HolderKind::Agent, agent.id().as_str())
}

async fn refused(ws: &mut WsClient, frame: &ClientFrame, code: ErrorCode) {
    let error = ws.request_refused(frame).await.expect("an answer");
    assert_eq!(error.code, code, "{frame:?}: {error:?}");
}

#[tokio::test]
async fn only_owners_and_admins_act_on_a_colleagues_conversation() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("colleagues").await;
    let (alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let (bob, mut bob_ws) = online_agent(&gw, &tenant, "Bob").await;
    let ada = admin_in_default_group(&tenant, "Ada").await;
    let mut ada_ws = gw.connect(&ada.token, "ada").await;
    for ws in [&mut alice_ws, &mut bob_ws, &mut ada_ws] {
        online(ws).await;
    }
    let helper = tenant.bot("Helper").await;
    let _helper_ws = gw.connect(&helper.token, "helper").await;
    let (_user, conv) = customer_with_conversation(&gw, &tenant, "user").await;
    alice_ws.accept(&conv).await.expect("alice takes it");

    // Bob, a plain agent of the same group: every action on Alice's conversation is forbidden.
    for f in [
        frame::resolve(&conv),
        frame::unassign(&conv),
        frame::transfer(&conv, &tenant.default_group),
        assign_to(&conv, &bob),
        assign_to(&conv, &alice),
        frame::assign(&conv, HolderKind::Bot, helper.id.as_str()),
    ] {
        refused(&mut bob_ws, &f, ErrorCode::Forbidden).await;
    }
    let after = conversation(&tenant, &conv).await;
    assert_eq!(after.status, ConversationStatus::Assigned);
    assert_eq!(assignee_id(&after), Some(alice.id().as_str()));

    // Queued conversations of his group stay open to him: he gives one to Alice, takes one.
    let (_u2, queued) = customer_with_conversation(&gw, &tenant, "user2").await;
    bob_ws
        .request_conversation(&assign_to(&queued, &alice))
        .await
        .expect("bob assigns a queued conversation to alice");
    let (_u3, mine) = customer_with_conversation(&gw, &tenant, "user3").await;
    bob_ws
        .request_conversation(&assign_to(&mine, &bob))
        .await
        .expect("bob takes a queued conversation");
    // His own: he may transfer, unassign and resolve it.
    bob_ws
        .request_conversation(&frame::transfer(&mine, &tenant.default_group))
        .await
        .expect("bob transfers his own");
    bob_ws.accept(&mine).await.expect("bob takes it again");
    bob_ws.unassign(&mine).await.expect("bob unassigns his own");
    bob_ws.accept(&mine).await.expect("bob takes it again");
    bob_ws.resolve(&mine).await.expect("bob resolves his own");

    // Ada, an admin, may do everything to Alice's conversation; so may the owner.
    ada_ws.unassign(&conv).await.expect("admin unassigns");
    alice_ws.accept(&conv).await.expect("alice takes it back");
    ada_ws
        .request_conversation(&frame::transfer(&conv, &tenant.default_group))
        .await
        .expect("admin transfers");
    alice_ws.accept(&conv).await.expect("alice takes it back");
    ada_ws
        .request_conversation(&assign_to(&conv, &bob))
        .await
        .expect("admin reassigns to bob");
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner").await;
    owner_ws
        .request_conversation(&frame::assign(&conv, HolderKind::Bot, helper.id.as_str()))
        .await
        .expect("owner gives it to the bot");
    // Bot-held: open to every member again.
    alice_ws
        .request_conversation(&assign_to(&conv, &alice))
        .await
        .expect("alice takes it from the bot");
    ada_ws.resolve(&conv).await.expect("admin resolves");
}

#[tokio::test]
async fn taking_a_conversation_needs_online() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("online-to-take").await;
    let (alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    alice_ws
        .set_presence(Presence::Offline)
        .await
        .expect("alice is offline");
    let (_user, queued) = customer_with_conversation(&gw, &tenant, "user").await;

    refused(&mut alice_ws, &frame::accept(&queued), ErrorCode::Forbidden).await;
    refused(
        &mut alice_ws,
        &assign_to(&queued, &alice),
        ErrorCode::Forbidden,
    )
    .await;
    assert_eq!(
        conversation(&tenant, &queued).await.status,
        ConversationStatus::Queued
    );

    // A bot-held conversation: "Assign to me" is refused offline, works online.
    let (_bot, mut bot_ws) = connected_entry_bot(&gw, &tenant).await;
    let (_u2, with_bot) = conversation_with_the_bot(&gw, &tenant, &mut bot_ws).await;
    refused(
        &mut alice_ws,
        &assign_to(&with_bot, &alice),
        ErrorCode::Forbidden,
    )
    .await;
    assert_eq!(
        conversation(&tenant, &with_bot).await.status,
        ConversationStatus::Bot
    );

    // Someone else may still assign an offline agent (that is not taking).
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner").await;
    owner_ws
        .request_conversation(&assign_to(&queued, &alice))
        .await
        .expect("the owner assigns offline alice");

    online(&mut alice_ws).await;
    let taken = alice_ws
        .request_conversation(&assign_to(&with_bot, &alice))
        .await
        .expect("online, alice takes the bot's conversation");
    assert_eq!(taken.status, ConversationStatus::Assigned);
    assert_eq!(assignee_id(&taken), Some(alice.id().as_str()));
}

#[tokio::test]
async fn with_human_chat_off_nothing_ever_queues() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("human-off").await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    online(&mut alice_ws).await;
    // Before: a conversation Alice holds.
    let (mut held_user, held) = customer_with_conversation(&gw, &tenant, "held").await;
    alice_ws.accept(&held).await.expect("alice takes it");
    let (bob, mut bob_ws) = online_agent(&gw, &tenant, "Bob").await;
    online(&mut bob_ws).await;
    let (_bobs_user, bobs) = customer_with_conversation(&gw, &tenant, "bobs").await;
    bob_ws.accept(&bobs).await.expect("bob takes one");
    patch_settings(
        &tenant,
        PatchSettings {
            human_chat_enabled: Some(false),
            ..PatchSettings::default()
        },
    )
    .await;

    // No entry bot: a first message is refused and stores nothing, retried or not.
    let (user, mut user_ws, _) = {
        let user = tenant.user().await;
        let ws = gw.connect(&user.token, "user").await;
        (user, ws, ())
    };
    for _ in 0..2 {
        let error = user_ws
            .request_refused(&frame::message_send(None, "first", "Hello?"))
            .await
            .expect("an answer");
        assert_eq!(error.code, ErrorCode::HumanChatDisabled);
    }
    let widget = tenant
        .anonymous()
        .with_token(&user.token)
        .widget_conversation()
        .await
        .expect("the widget's conversation");
    assert!(widget.conversation.is_none(), "{widget:?}");
    assert!(
        tenant
            .owner
            .conversations(ConversationView::Unassigned)
            .await
            .expect("list")
            .is_empty()
    );

    // Alice's conversation may not go back to a queue; resolving works.
    refused(
        &mut alice_ws,
        &frame::unassign(&held),
        ErrorCode::HumanChatDisabled,
    )
    .await;
    refused(
        &mut alice_ws,
        &frame::transfer(&held, &tenant.default_group),
        ErrorCode::HumanChatDisabled,
    )
    .await;
    assert_eq!(
        conversation(&tenant, &held).await.status,
        ConversationStatus::Assigned
    );
    alice_ws.resolve(&held).await.expect("alice resolves");
    // A deleted agent's conversation cannot go back to the queue either: it is resolved.
    tenant
        .owner
        .delete_agent(bob.id())
        .await
        .expect("owner deletes bob");
    assert_eq!(
        conversation(&tenant, &bobs).await.status,
        ConversationStatus::Resolved
    );
    // Its user writes again: no entry bot, so refused, and it stays resolved.
    let error = held_user
        .ws
        .request_refused(&frame::message_send(Some(&held), "again", "One more thing"))
        .await
        .expect("an answer");
    assert_eq!(error.code, ErrorCode::HumanChatDisabled);
    assert_eq!(
        conversation(&tenant, &held).await.status,
        ConversationStatus::Resolved
    );

    // With an entry bot: new conversations go to the bot, which cannot hand over; a resolved
    // one reopens to the bot.
    let (bot, mut bot_ws) = connected_entry_bot(&gw, &tenant).await;
    let msg = user_ws
        .send_message(None, "first", "Hello?")
        .await
        .expect("with an entry bot the user may write");
    let conv = msg.conversation_id;
    expect_the_bot_holds(&mut bot_ws, &conv).await;
    let error = bot_ws
        .request_refused(&frame::handover(&conv))
        .await
        .expect("an answer");
    assert_eq!(error.code, ErrorCode::HumanChatDisabled);
    assert_eq!(
        conversation(&tenant, &conv).await.status,
        ConversationStatus::Bot
    );
    held_user.write(&held, "One more thing").await;
    let reopened = conversation(&tenant, &held).await;
    assert_eq!(reopened.status, ConversationStatus::Bot);
    assert_eq!(assignee_id(&reopened), Some(bot.id.as_str()));
}

#[tokio::test]
async fn after_resolve_new_conversation_keeps_the_resolved_one_closed() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("after-resolve").await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    online(&mut alice_ws).await;
    let settings = patch_settings(
        &tenant,
        PatchSettings {
            after_resolve: Some(AfterResolve::NewConversation),
            ..PatchSettings::default()
        },
    )
    .await;
    assert_eq!(settings.after_resolve, AfterResolve::NewConversation);
    let (user, mut user_ws, first) = user_opens(&gw, &tenant, "Hello").await;
    let old = first.conversation_id;
    alice_ws.accept(&old).await.expect("alice takes it");
    alice_ws.resolve(&old).await.expect("alice resolves");

    // With the old conversation id: a new conversation, queued like any new one.
    let again = user_ws
        .send_message(&old, "again", "Me again")
        .await
        .expect("the user writes again");
    let new = again.conversation_id.clone();
    assert_ne!(new, old);
    assert_eq!(
        conversation(&tenant, &old).await.status,
        ConversationStatus::Resolved
    );
    assert_eq!(
        conversation(&tenant, &new).await.status,
        ConversationStatus::Queued
    );
    // A retry answers the same message and opens nothing more.
    let retry = user_ws
        .send_message(&old, "again", "Me again")
        .await
        .expect("retry");
    assert_eq!(retry.id, again.id);
    // A widget reload shows the new one; a message without id continues it.
    let user_api = tenant.anonymous().with_token(&user.token);
    let current = user_api.widget_conversation().await.expect("current");
    assert_eq!(current.conversation.map(|c| c.id), Some(new.clone()));
    let more = user_ws
        .send_message(None, "more", "And more")
        .await
        .expect("without id");
    assert_eq!(more.conversation_id, new);
    // Writing again into the old one while the new is open: the new one, no third.
    let into_old = user_ws
        .send_message(&old, "old-again", "Hello?")
        .await
        .expect("into the old one");
    assert_eq!(into_old.conversation_id, new);

    // With an entry bot, the next new conversation goes to the bot.
    alice_ws
        .accept(&new)
        .await
        .expect("alice takes the new one");
    alice_ws.resolve(&new).await.expect("alice resolves it");
    let (bot, mut bot_ws) = connected_entry_bot(&gw, &tenant).await;
    let third = user_ws
        .send_message(&new, "third", "Third time")
        .await
        .expect("third")
        .conversation_id;
    assert!(third != new && third != old);
    expect_the_bot_holds(&mut bot_ws, &third).await;
    assert_eq!(
        assignee_id(&conversation(&tenant, &third).await),
        Some(bot.id.as_str())
    );
    assert_eq!(
        conversation(&tenant, &new).await.status,
        ConversationStatus::Resolved
    );

    // The contact panel lists all three, newest first.
    let list = tenant
        .owner
        .request(
            switchboard_load_tests::api::Method::GET,
            &format!("/v1/users/{}/conversations", user.user_id),
            None,
        )
        .await
        .expect("answer");
    let list: ConversationList = serde_json::from_str(&list.body).expect("a list");
    let ids: Vec<_> = list.conversations.into_iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![third, new, old]);
}

#[tokio::test]
async fn after_resolve_reopen_keeps_v1_behaviour() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("after-resolve-reopen").await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    online(&mut alice_ws).await;
    assert_eq!(
        tenant
            .owner
            .settings()
            .await
            .expect("settings")
            .after_resolve,
        AfterResolve::Reopen
    );
    let (_user, mut user_ws, first) = user_opens(&gw, &tenant, "Hello").await;
    let conv = first.conversation_id;
    alice_ws.accept(&conv).await.expect("alice takes it");
    alice_ws.resolve(&conv).await.expect("alice resolves");
    let again = user_ws
        .send_message(&conv, "again", "Me again")
        .await
        .expect("the user writes again");
    assert_eq!(again.conversation_id, conv);
    assert_ne!(
        conversation(&tenant, &conv).await.status,
        ConversationStatus::Resolved
    );
}
