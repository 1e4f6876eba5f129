//! Who receives what (the "sent to" column of the server events, decisions 5, 6 and 9), and
//! who may not even see a conversation.

mod support;

use support::*;
use switchboard_load_tests::frame;
use switchboard_protocol::*;

#[tokio::test]
async fn message_created_reaches_the_user_the_holder_and_subscribers_only() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("audience").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let bob = tenant.agent_in_default_group("Bob").await;
    let carol = tenant.agent_in_default_group("Carol").await;
    let mut alice_ws = gw.connect(&alice.token, "agent alice (holder)").await;
    let mut bob_ws = gw.connect(&bob.token, "agent bob (subscriber)").await;
    let mut carol_ws = gw.connect(&carol.token, "agent carol (neither)").await;
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner (neither)").await;

    let (_user, mut user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    let conv = first.conversation_id.clone();
    alice_ws.accept(&conv).await.expect("alice accepts");
    let subscribed = bob_ws.subscribe(&conv, None).await.expect("bob subscribes");
    assert!(
        subscribed.messages.iter().any(|m| m.id == first.id),
        "subscribe returns the history"
    );

    let hello = user_ws
        .send_message(&conv, "u-2", "Anyone?")
        .await
        .expect("u-2");
    alice_ws
        .wait_message(|m| m.id == hello.id, T, "the user's message")
        .await
        .expect("the holder gets it");
    bob_ws
        .wait_message(|m| m.id == hello.id, T, "the user's message")
        .await
        .expect("a subscriber gets it");
    user_ws
        .wait_message(|m| m.id == hello.id, T, "its own message")
        .await
        .expect("the user gets its own message");

    let note = alice_ws
        .send_note(&conv, "a-note", "internal")
        .await
        .expect("a note");
    bob_ws
        .wait_message(|m| m.id == note.id, T, "the note")
        .await
        .expect("a subscriber gets private notes");

    for ws in [&mut carol_ws, &mut owner_ws] {
        ws.assert_nothing(
            |f| message_with_id(&hello.id)(f) || message_with_id(&note.id)(f),
            QUIET,
        )
        .await
        .expect("an agent who neither holds nor subscribes gets no messages");
    }
    user_ws
        .assert_nothing(message_with_id(&note.id), QUIET)
        .await
        .expect("the user never gets a private note");

    // Unsubscribed, bob hears no more.
    bob_ws
        .request(&frame::unsubscribe(&conv))
        .await
        .expect("bob unsubscribes");
    let later = user_ws
        .send_message(&conv, "u-3", "Hello?")
        .await
        .expect("u-3");
    alice_ws
        .wait_message(|m| m.id == later.id, T, "the later message")
        .await
        .expect("the holder still gets it");
    bob_ws
        .assert_nothing(message_with_id(&later.id), QUIET)
        .await
        .expect("after unsubscribing, bob gets no messages");
}

#[tokio::test]
async fn conversation_updates_reach_group_members_and_admins_but_not_other_agents() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("updates").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let dave = tenant.agent("Dave").await;
    second_group(&tenant, "Elsewhere", &[&dave]).await;
    let mut alice_ws = gw.connect(&alice.token, "agent alice (member)").await;
    let mut dave_ws = gw.connect(&dave.token, "agent dave (other group)").await;
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner").await;

    let (_user, mut user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    let conv = first.conversation_id;
    alice_ws
        .wait_conversation(|c| c.id == conv, T, "the new conversation")
        .await
        .expect("a member of its group is told");
    owner_ws
        .wait_conversation(|c| c.id == conv, T, "the new conversation")
        .await
        .expect("the owner is told about every conversation");
    alice_ws.accept(&conv).await.expect("alice accepts");
    owner_ws
        .wait_conversation(
            |c| c.id == conv && c.status == ConversationStatus::Assigned,
            T,
            "assigned",
        )
        .await
        .expect("the owner sees the accept");
    user_ws
        .wait_conversation(
            |c| c.id == conv && c.status == ConversationStatus::Assigned,
            T,
            "assigned",
        )
        .await
        .expect("the user sees the accept");
    dave_ws
        .assert_nothing(anything_about(&conv), QUIET)
        .await
        .expect("an agent outside the group hears nothing of it");
}

#[tokio::test]
async fn an_agent_outside_the_group_cannot_see_the_conversation() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("outside").await;
    let dave = tenant.agent("Dave").await;
    let mut dave_ws = gw.connect(&dave.token, "agent dave (no group)").await;
    let (_, _user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    let conv = first.conversation_id.clone();

    assert_all_refused(
        &mut dave_ws,
        &[
            frame::accept(&conv),
            frame::subscribe(&conv, None),
            frame::history(&conv, None),
            frame::message_send(Some(&conv), "d-1", "hello"),
            frame::private_note(&conv, "d-2", "note"),
            frame::resolve(&conv),
            frame::unassign(&conv),
            frame::assign(&conv, HolderKind::Agent, dave.id().as_str()),
            frame::transfer(&conv, &tenant.default_group),
        ],
        ErrorCode::NotFound,
    )
    .await;
    assert_api_error(
        dave.api.messages(&conv, None, None).await,
        404,
        ErrorCode::NotFound,
    );
    for view in [ConversationView::Open, ConversationView::Unassigned] {
        let list = dave.api.conversations(view).await.expect("dave lists");
        assert!(
            list.iter().all(|c| c.id != conv),
            "{view:?} shows dave a conversation he may not see"
        );
    }
    let open = tenant
        .owner
        .conversations(ConversationView::Open)
        .await
        .expect("open");
    let listed = open
        .iter()
        .find(|c| c.id == conv)
        .expect("listed for the owner");
    assert_eq!(
        listed.status,
        ConversationStatus::Queued,
        "none of dave's frames changed it"
    );
    let page = tenant
        .owner
        .messages(&conv, None, None)
        .await
        .expect("messages");
    assert!(
        page.messages
            .iter()
            .all(|m| m.author.id != dave.id().as_str()),
        "dave wrote nothing"
    );
}

#[tokio::test]
async fn a_user_cannot_name_another_users_conversation() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("users").await;
    let (_bot, mut bot_ws) = connected_entry_bot(&gw, &tenant).await;
    let anna = tenant.user().await;
    let ben = tenant.user().await;
    let mut anna_ws = gw.connect(&anna.token, "user anna").await;
    let mut ben_ws = gw.connect(&ben.token, "user ben").await;
    let conv = anna_ws
        .send_message(None, "a-1", "Anna here")
        .await
        .expect("a-1")
        .conversation_id;

    assert_all_refused(
        &mut ben_ws,
        &[
            frame::message_send(Some(&conv), "b-1", "Ben sneaking in"),
            frame::history(&conv, None),
            frame::handover(&conv),
        ],
        ErrorCode::NotFound,
    )
    .await;
    assert_api_error(
        gw.api()
            .with_token(&ben.token)
            .messages(&conv, None, None)
            .await,
        404,
        ErrorCode::NotFound,
    );
    anna_ws
        .assert_nothing(
            |f| matches!(f, ServerFrame::MessageCreated(m) if m.message.text.contains("Ben")),
            QUIET,
        )
        .await
        .expect("nothing of ben's reaches anna");
    let history = bot_ws
        .history(&conv, None)
        .await
        .expect("the bot reads the history");
    assert!(
        history
            .messages
            .iter()
            .all(|m| m.author.id != ben.user_id.as_str())
    );
    assert!(
        lists(&tenant.owner, ConversationView::Bot, &conv).await,
        "ben's handover did not move anna's conversation"
    );
}

#[tokio::test]
async fn a_private_message_from_a_user_or_a_bot_is_forbidden() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("private").await;
    let (_bot, mut bot_ws) = connected_entry_bot(&gw, &tenant).await;
    let (_user, mut user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    let conv = first.conversation_id.clone();
    bot_ws
        .wait_message(|m| m.id == first.id, T, "the user's message")
        .await
        .expect("the bot holds it");

    let error = user_ws
        .request_refused(&frame::private_note(&conv, "u-secret", "secret"))
        .await
        .expect("an answer");
    assert_eq!(error.code, ErrorCode::Forbidden, "{error:?}");
    let error = bot_ws
        .request_refused(&frame::private_note(&conv, "b-secret", "secret"))
        .await
        .expect("an answer");
    assert_eq!(error.code, ErrorCode::Forbidden, "{error:?}");
    let history = bot_ws.history(&conv, None).await.expect("history");
    assert!(
        history
            .messages
            .iter()
            .all(|m| !m.private && m.text != "secret"),
        "nothing stored"
    );
}

#[tokio::test]
async fn typing_and_read_reach_the_other_participants_not_the_senders_own_sockets() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("typing").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let user = tenant.user().await;
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;
    let mut alice_ws2 = gw.connect(&alice.token, "agent alice, second tab").await;
    let mut user_ws = gw.connect(&user.token, "user").await;
    let mut user_ws2 = gw.connect(&user.token, "user, second tab").await;
    let first = user_ws.send_message(None, "u-1", "Hi").await.expect("u-1");
    let conv = first.conversation_id.clone();
    alice_ws.accept(&conv).await.expect("alice accepts");
    let reply = alice_ws
        .send_message(&conv, "a-1", "Hello")
        .await
        .expect("a-1");
    user_ws
        .wait_message(|m| m.id == reply.id, T, "alice's reply")
        .await
        .expect("reply");

    // The user types: alice sees it, the user's own sockets do not.
    user_ws.send(&frame::typing(&conv)).await.expect("typing");
    match alice_ws
        .wait_for(|f| matches!(f, ServerFrame::Typing(_)), T)
        .await
        .expect("alice sees typing")
    {
        ServerFrame::Typing(t) => {
            assert_eq!(t.conversation_id, conv);
            assert_eq!(
                (t.author.kind, t.author.id.as_str()),
                (AuthorKind::User, user.user_id.as_str())
            );
        }
        other => panic!("{other:?}"),
    }
    // The user reads: alice sees it.
    user_ws
        .send(&frame::read(&conv, reply.seq))
        .await
        .expect("read");
    match alice_ws
        .wait_for(|f| matches!(f, ServerFrame::Read(_)), T)
        .await
        .expect("alice sees the read")
    {
        ServerFrame::Read(r) => {
            assert_eq!(
                (r.conversation_id.clone(), r.seq),
                (conv.clone(), reply.seq)
            );
            assert_eq!(
                (r.by.kind, r.by.id.as_str()),
                (AuthorKind::User, user.user_id.as_str())
            );
        }
        other => panic!("{other:?}"),
    }
    for ws in [&mut user_ws, &mut user_ws2] {
        ws.assert_nothing(any_typing_or_read, QUIET)
            .await
            .expect("the user's own typing and read do not come back to its sockets");
    }

    // Alice types and reads: the user sees it, alice's own sockets do not.
    alice_ws.send(&frame::typing(&conv)).await.expect("typing");
    alice_ws
        .send(&frame::read(&conv, first.seq))
        .await
        .expect("read");
    for ws in [&mut user_ws, &mut user_ws2] {
        let typing = ws
            .wait_for(|f| matches!(f, ServerFrame::Typing(_)), T)
            .await
            .expect("the user sees alice typing");
        assert!(
            matches!(typing, ServerFrame::Typing(t) if t.author.kind == AuthorKind::Agent && t.author.id == alice.id().as_str())
        );
        let read = ws
            .wait_for(|f| matches!(f, ServerFrame::Read(_)), T)
            .await
            .expect("the user sees alice's read");
        assert!(
            matches!(read, ServerFrame::Read(r) if r.by.id == alice.id().as_str() && r.seq == first.seq)
        );
    }
    // (alice_ws already consumed the user's typing and read above.)
    alice_ws
        .assert_nothing(any_typing_or_read, QUIET)
        .await
        .expect("alice's own typing and read do not come back to her");
    alice_ws2
        .assert_nothing(
            |f| {
                matches!(f, ServerFrame::Typing(t) if t.author.id == alice.id().as_str())
                    || matches!(f, ServerFrame::Read(r) if r.by.id == alice.id().as_str())
            },
            QUIET,
        )
        .await
        .expect("nor to her second socket");
}

#[tokio::test]
async fn presence_events_reach_the_agents_of_the_tenant_only() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("presence").await;
    let other = gw.create_tenant("elsewhere").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let bob = tenant.agent("Bob").await;
    let stranger = other.agent_in_default_group("Stranger").await;
    let bot = tenant.bot("Helper").await;
    let user = tenant.user().await;
    let mut bob_ws = gw.connect(&bob.token, "agent bob").await;
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner").await;
    let mut stranger_ws = gw.connect(&stranger.token, "other tenant's agent").await;
    let mut bot_ws = gw.connect(&bot.token, "bot").await;
    let mut user_ws = gw.connect(&user.token, "user").await;
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;

    let me = alice_ws
        .set_presence(Presence::Online)
        .await
        .expect("alice goes online");
    assert_eq!(
        (me.id.clone(), me.presence),
        (alice.id().clone(), Presence::Online)
    );
    let is_alice_online = |f: &ServerFrame| matches!(f, ServerFrame::Presence(p) if p.agent_id == *alice.id() && p.presence == Presence::Online);
    for ws in [&mut bob_ws, &mut owner_ws] {
        match ws
            .wait_for(is_alice_online, T)
            .await
            .expect("agents of the tenant see alice go online")
        {
            ServerFrame::Presence(p) => assert!(p.connected, "alice is connected"),
            other => panic!("{other:?}"),
        }
    }
    // The other tenant's agent hears of its own tenant's agents, never of this one's.
    let ours = [
        alice.id().clone(),
        bob.id().clone(),
        tenant.owner_id().clone(),
    ];
    stranger_ws
        .assert_nothing(
            |f| matches!(f, ServerFrame::Presence(p) if ours.contains(&p.agent_id)),
            QUIET,
        )
        .await
        .expect("presence stays within the tenant");
    for ws in [&mut bot_ws, &mut user_ws] {
        ws.assert_nothing(any_presence, QUIET)
            .await
            .expect("presence goes to agents only");
    }
    let listed = tenant.owner.agents().await.expect("agents");
    let alice_now = listed
        .iter()
        .find(|a| a.id == *alice.id())
        .expect("alice listed");
    assert_eq!(
        (alice_now.presence, alice_now.connected),
        (Presence::Online, true)
    );

    alice_ws
        .set_presence(Presence::Offline)
        .await
        .expect("alice goes offline");
    bob_ws
        .wait_for(
            |f| matches!(f, ServerFrame::Presence(p) if p.agent_id == *alice.id() && p.presence == Presence::Offline),
            T,
        )
        .await
        .expect("agents see alice go offline");
}
