//! The life of one conversation: entry bot, handover, accept, chat, private notes, retries,
//! reconnects, resolve and reopen, as the user, the bot and the agent each see it.

mod support;

use support::*;
use switchboard_load_tests::frame;
use switchboard_protocol::api::MessagePage;
use switchboard_protocol::*;

/// Seqs of a page, for assertions that read like the contract.
fn seqs(page: &[Message]) -> Vec<u64> {
    page.iter().map(|m| m.seq).collect()
}

#[tokio::test]
async fn conversation_goes_from_entry_bot_to_agent_and_survives_retries_reconnects_and_resolve() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("story").await;
    let (bot, mut bot_ws) = connected_entry_bot(&gw, &tenant).await;
    let alice = tenant.agent_in_default_group("Alice").await;
    // New agents are offline; the harness's `connect` sets an agent's presence online, which
    // accepting needs.
    assert_eq!(alice.agent.presence, Presence::Offline);
    let user = tenant.user().await;

    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;
    let mut user_ws = gw.connect(&user.token, "user").await;

    // -- The user's first message opens a conversation held by the entry bot.
    let first = user_ws
        .send_message(None, "u-1", "Hello, my order is late")
        .await
        .expect("the user's first message is acknowledged");
    let conv = first.conversation_id.clone();
    assert_eq!(first.author.kind, AuthorKind::User);
    assert_eq!(first.author.id, user.user_id.as_str());
    assert_eq!(first.text, "Hello, my order is late");
    assert_eq!(first.client_msg_id.as_deref(), Some("u-1"));
    assert!(!first.private);

    // The bot learns it holds the conversation before it gets the message.
    let seen = frames_until(
        &mut bot_ws,
        message_with_id(&first.id),
        "the user's first message",
    )
    .await;
    let update_index = seen
        .iter()
        .position(|f| {
            matches!(f, ServerFrame::ConversationUpdated(u)
                if u.conversation.id == conv
                    && u.conversation.status == ConversationStatus::Bot
                    && u.conversation.assignee.as_ref().is_some_and(|a| a.kind == HolderKind::Bot && a.id == bot.id.as_str()))
        })
        .unwrap_or_else(|| panic!("the bot got no conversation.updated (status bot, held by it) before the message: {seen:#?}"));
    assert!(update_index < seen.len() - 1);

    // -- The bot answers; the user gets it.
    let bot_reply = bot_ws
        .send_message(&conv, "b-1", "Let me check that for you")
        .await
        .expect("the bot's reply is acknowledged");
    assert_eq!(bot_reply.author.kind, AuthorKind::Bot);
    let got = user_ws
        .wait_message(|m| m.id == bot_reply.id, T, "the bot's reply")
        .await
        .expect("the user receives the bot's reply");
    assert_eq!(got.text, "Let me check that for you");

    // -- The bot hands over: the conversation waits for a human.
    let queued = bot_ws.handover(&conv).await.expect("the bot hands over");
    assert_eq!(queued.status, ConversationStatus::Queued);
    assert_eq!(queued.assignee, None);
    assert_eq!(queued.group_id, tenant.default_group);
    assert!(
        queued.queued_at.is_some(),
        "queued_at is set once it waits for a human"
    );

    let handover_note = user_ws
        .wait_message(
            |m| {
                m.conversation_id == conv
                    && m.author.kind == AuthorKind::System
                    && m.seq > bot_reply.seq
            },
            T,
            "the system message of the handover",
        )
        .await
        .expect("the user sees a system message about the handover");
    assert!(
        !handover_note.text.trim().is_empty(),
        "the handover message says something"
    );
    assert!(
        !handover_note.private,
        "the user saw it, so it is not private"
    );
    user_ws
        .wait_conversation(
            |c| c.id == conv && c.status == ConversationStatus::Queued,
            T,
            "queued",
        )
        .await
        .expect("the user learns the conversation is queued");
    alice_ws
        .wait_conversation(
            |c| c.id == conv && c.status == ConversationStatus::Queued,
            T,
            "queued",
        )
        .await
        .expect("the group member learns a conversation is waiting");

    // -- Alice (online since she connected) accepts.
    let assigned = alice_ws.accept(&conv).await.expect("alice accepts");
    assert_eq!(assigned.status, ConversationStatus::Assigned);
    let assignee = assigned.assignee.clone().expect("an assignee");
    assert_eq!(
        (assignee.kind, assignee.id.as_str()),
        (HolderKind::Agent, alice.id().as_str())
    );
    user_ws
        .wait_conversation(
            |c| c.id == conv && c.status == ConversationStatus::Assigned,
            T,
            "assigned",
        )
        .await
        .expect("the user learns an agent took over");

    // -- Chat both ways; the bot, no longer holding it, hears nothing.
    let hi = alice_ws
        .send_message(&conv, "a-1", "Hi, I am Alice")
        .await
        .expect("alice writes");
    assert_eq!(hi.author.kind, AuthorKind::Agent);
    user_ws
        .wait_message(|m| m.id == hi.id, T, "alice's greeting")
        .await
        .expect("the user receives alice's message");
    let thanks = user_ws
        .send_message(&conv, "u-2", "Thanks")
        .await
        .expect("the user answers");
    alice_ws
        .wait_message(|m| m.id == thanks.id, T, "the user's answer")
        .await
        .expect("alice receives the user's answer");
    bot_ws
        .assert_nothing(
            |f| message_with_id(&hi.id)(f) || message_with_id(&thanks.id)(f),
            QUIET,
        )
        .await
        .expect("the bot left: it gets no messages of the human chat");

    // -- A private note: the agent sees it, the user never does and sees a gap in seq.
    let note = alice_ws
        .send_note(&conv, "a-note", "VIP customer, be nice")
        .await
        .expect("alice writes a private note");
    assert!(note.private);
    alice_ws
        .wait_message(|m| m.id == note.id, T, "alice's own private note")
        .await
        .expect("the holder receives the private note");
    let ships = alice_ws
        .send_message(&conv, "a-2", "Your order ships today")
        .await
        .expect("alice writes after the note");
    assert_eq!(ships.seq, note.seq + 1, "private messages take a seq too");
    user_ws
        .wait_message(|m| m.id == ships.id, T, "the message after the note")
        .await
        .expect("the user receives the message after the note");
    user_ws
        .assert_nothing(
            |f| message_with_id(&note.id)(f) || any_private_message(f),
            QUIET,
        )
        .await
        .expect("the user never receives the private note");
    let user_history = user_ws.history(&conv, None).await.expect("user history");
    assert!(
        user_history.messages.iter().all(|m| !m.private),
        "no private message in the user's history"
    );
    assert!(
        !seqs(&user_history.messages).contains(&note.seq),
        "the user's seq has a gap"
    );
    assert!(seqs(&user_history.messages).contains(&ships.seq));
    let alice_history = alice_ws.history(&conv, None).await.expect("agent history");
    assert!(
        alice_history.messages.iter().any(|m| m.id == note.id),
        "the agent's history has the note"
    );
    let all: Vec<u64> = seqs(&alice_history.messages);
    let expected: Vec<u64> = (1..=ships.seq).collect();
    assert_eq!(all, expected, "agents see every seq from 1 without gaps");

    // -- Retries with the same client_msg_id return the original and store nothing.
    let retry = user_ws
        .send_message(&conv, "u-2", "Thanks")
        .await
        .expect("the retry is acknowledged");
    assert_eq!(
        (retry.id.clone(), retry.seq),
        (thanks.id.clone(), thanks.seq),
        "the retry returns the original"
    );
    let retry_first = user_ws
        .send_message(None, "u-1", "Hello, my order is late")
        .await
        .expect("the retry of the opening message is acknowledged");
    assert_eq!(
        retry_first.conversation_id, conv,
        "the retry opens no new conversation"
    );
    assert_eq!(
        (retry_first.id.clone(), retry_first.seq),
        (first.id.clone(), first.seq)
    );
    let after_retries = alice_ws.history(&conv, None).await.expect("agent history");
    assert_eq!(
        seqs(&after_retries.messages),
        expected,
        "retries stored nothing new"
    );
    alice_ws
        .assert_nothing(
            |f| matches!(f, ServerFrame::MessageCreated(m) if m.message.seq > ships.seq),
            QUIET,
        )
        .await
        .expect("retries deliver no new message");

    // -- The user goes away; alice writes meanwhile; the user recovers with history.
    user_ws.close().await.expect("the user closes its socket");
    let missed_1 = alice_ws
        .send_message(&conv, "a-3", "Are you there?")
        .await
        .expect("a-3");
    let missed_2 = alice_ws
        .send_message(&conv, "a-4", "Tracking: 42")
        .await
        .expect("a-4");
    let mut user_ws = gw.connect(&user.token, "user, reconnected").await;
    let recovered: MessagePage = user_ws
        .history(&conv, Some(ships.seq))
        .await
        .expect("the user asks for what it missed");
    assert_eq!(
        seqs(&recovered.messages),
        vec![missed_1.seq, missed_2.seq],
        "history after_seq returns exactly what the user missed"
    );
    assert_eq!(recovered.messages[0].id, missed_1.id);
    assert_eq!(recovered.messages[1].id, missed_2.id);

    // -- Alice goes away; the user writes; alice recovers with subscribe after_seq.
    alice_ws.close().await.expect("alice closes her socket");
    let late_1 = user_ws
        .send_message(&conv, "u-3", "Got it")
        .await
        .expect("u-3");
    let late_2 = user_ws
        .send_message(&conv, "u-4", "Bye")
        .await
        .expect("u-4");
    let mut alice_ws = gw.connect(&alice.token, "agent alice, reconnected").await;
    let subscribed = alice_ws
        .subscribe(&conv, Some(missed_2.seq))
        .await
        .expect("alice re-subscribes");
    assert_eq!(subscribed.conversation.id, conv);
    assert_eq!(subscribed.conversation.status, ConversationStatus::Assigned);
    assert_eq!(
        seqs(&subscribed.messages),
        vec![late_1.seq, late_2.seq],
        "subscribe after_seq returns what alice missed"
    );

    // -- Resolve, then a user message reopens it.
    let resolved = alice_ws.resolve(&conv).await.expect("alice resolves");
    assert_eq!(resolved.status, ConversationStatus::Resolved);
    assert!(resolved.resolved_at.is_some());
    user_ws
        .wait_conversation(
            |c| c.id == conv && c.status == ConversationStatus::Resolved,
            T,
            "resolved",
        )
        .await
        .expect("the user learns it is resolved");
    let again = user_ws
        .send_message(&conv, "u-5", "One more thing")
        .await
        .expect("the user writes into the resolved conversation");
    assert_eq!(
        again.conversation_id, conv,
        "the message goes into the same conversation"
    );
    // Alice, who resolved it, is still online: the conversation goes straight back to her
    // (routing rule: reopen to the previous agent when she can take it).
    let reopened = user_ws
        .wait_conversation(
            |c| c.id == conv && c.status == ConversationStatus::Assigned,
            T,
            "reopened, back with alice",
        )
        .await
        .expect("the user's message reopens the conversation to its previous agent");
    assert_eq!(
        reopened.assignee.as_ref().map(|a| a.id.as_str()),
        Some(alice.id().as_str())
    );
    assert!(
        lists(&alice.api, ConversationView::Mine, &conv).await,
        "the reopened conversation is alice's again"
    );
}

#[tokio::test]
async fn user_can_ask_for_a_human_and_sees_the_handover_message() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("ask").await;
    let (_bot, mut bot_ws) = connected_entry_bot(&gw, &tenant).await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;

    let (_user, mut user_ws, first) = user_opens(&gw, &tenant, "I want a human").await;
    let conv = first.conversation_id.clone();
    bot_ws
        .wait_message(|m| m.id == first.id, T, "the user's message")
        .await
        .expect("the entry bot gets the message");

    let queued = user_ws
        .handover(&conv)
        .await
        .expect("the user asks for a human");
    assert_eq!(queued.status, ConversationStatus::Queued);
    assert_eq!(queued.assignee, None);
    let system = user_ws
        .wait_message(
            |m| m.conversation_id == conv && m.author.kind == AuthorKind::System,
            T,
            "the handover message",
        )
        .await
        .expect("the user sees the handover message");
    assert!(!system.text.trim().is_empty());
    alice_ws
        .wait_conversation(
            |c| c.id == conv && c.status == ConversationStatus::Queued,
            T,
            "queued",
        )
        .await
        .expect("the group member sees it queued");

    // The bot is out: the user's next message does not reach it.
    let next = user_ws
        .send_message(&conv, "u-2", "Hello?")
        .await
        .expect("u-2");
    bot_ws
        .assert_nothing(message_with_id(&next.id), QUIET)
        .await
        .expect("the bot no longer receives the user's messages");
}

#[tokio::test]
async fn without_entry_bot_a_new_conversation_waits_in_the_default_queue() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("queue").await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;

    let (user, _user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    let update = alice_ws
        .wait_conversation(|c| c.id == first.conversation_id, T, "the new conversation")
        .await
        .expect("the group member learns of the new conversation");
    let queued = if update.status == ConversationStatus::Queued {
        update
    } else {
        alice_ws
            .wait_conversation(
                |c| c.id == first.conversation_id && c.status == ConversationStatus::Queued,
                T,
                "queued",
            )
            .await
            .expect("it becomes queued")
    };
    assert_eq!(queued.group_id, tenant.default_group);
    assert_eq!(queued.assignee, None);
    assert_eq!(queued.user.id, user.user_id);
}

#[tokio::test]
async fn retrying_the_opening_message_returns_it_and_opens_no_second_conversation() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("retry").await;
    let user = tenant.user().await;
    let mut user_ws = gw.connect(&user.token, "user").await;

    let first = user_ws
        .send_message(None, "open-1", "Hello")
        .await
        .expect("first try");
    let retry = user_ws
        .send_message(None, "open-1", "Hello")
        .await
        .expect("retry");
    assert_eq!(retry.id, first.id);
    assert_eq!(retry.seq, first.seq);
    assert_eq!(retry.conversation_id, first.conversation_id);

    // The retry on a fresh socket (as after a reconnect) is still the same message.
    let mut user_ws2 = gw.connect(&user.token, "user, second socket").await;
    let retry2 = user_ws2
        .send_message(None, "open-1", "Hello")
        .await
        .expect("retry 2");
    assert_eq!(retry2.id, first.id);

    let open = tenant
        .owner
        .conversations(ConversationView::Open)
        .await
        .expect("owner lists open conversations");
    let mine: Vec<_> = open.iter().filter(|c| c.user.id == user.user_id).collect();
    assert_eq!(
        mine.len(),
        1,
        "exactly one conversation for the user: {mine:#?}"
    );
    let page = tenant
        .owner
        .messages(&first.conversation_id, None, None)
        .await
        .expect("owner reads the messages");
    let user_messages: Vec<_> = page
        .messages
        .iter()
        .filter(|m| m.author.kind == AuthorKind::User)
        .collect();
    assert_eq!(
        user_messages.len(),
        1,
        "the retries stored nothing: {user_messages:#?}"
    );
}

#[tokio::test]
async fn a_user_message_without_conversation_id_after_resolve_opens_a_new_conversation() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("reopen").await;
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner").await;

    let (_user, mut user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    let conv = first.conversation_id.clone();
    // Without conversation_id the user continues its latest unresolved conversation.
    let second = user_ws
        .send_message(None, "u-2", "Still me")
        .await
        .expect("u-2");
    assert_eq!(second.conversation_id, conv);

    owner_ws.accept(&conv).await.expect("the owner accepts");
    owner_ws.resolve(&conv).await.expect("the owner resolves");
    user_ws
        .wait_conversation(
            |c| c.id == conv && c.status == ConversationStatus::Resolved,
            T,
            "resolved",
        )
        .await
        .expect("the user learns it is resolved");

    let third = user_ws
        .send_message(None, "u-3", "New question")
        .await
        .expect("u-3");
    assert_ne!(third.conversation_id, conv, "a new conversation opens");
    let old = owner_ws
        .history(&conv, Some(second.seq))
        .await
        .expect("history of the old one");
    assert!(
        old.messages.iter().all(|m| m.id != third.id),
        "the old conversation did not get it"
    );
    assert!(
        lists(&tenant.owner, ConversationView::Closed, &conv).await,
        "the old conversation stays resolved"
    );
}

#[tokio::test]
async fn handover_frames_carry_their_req_in_the_ack() {
    // `request` matches by req; this checks the raw ack really carries the one we sent.
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("req").await;
    let (_bot, mut bot_ws) = connected_entry_bot(&gw, &tenant).await;
    let (_, _user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    let handover = frame::handover(&first.conversation_id);
    let ack = bot_ws
        .request(&handover)
        .await
        .expect("handover is acknowledged");
    assert_eq!(Some(ack.req.as_str()), handover.req());
    assert_eq!(
        ack.conversation.map(|c| c.status),
        Some(ConversationStatus::Queued)
    );
}

#[tokio::test]
async fn every_status_change_appends_exactly_one_system_message() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("system").await;
    let (_bot, mut bot_ws) = connected_entry_bot(&gw, &tenant).await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let (_user, mut user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    let conv = first.conversation_id.clone();
    bot_ws
        .wait_message(|m| m.id == first.id, T, "the user's message")
        .await
        .expect("the bot holds it");

    let system_count = |page: MessagePage| {
        page.messages
            .iter()
            .filter(|m| m.author.kind == AuthorKind::System)
            .count()
    };
    let mut expected = system_count(alice_ws.history(&conv, None).await.expect("history"));
    let steps: Vec<(&str, ClientFrame)> = vec![
        ("handover", frame::handover(&conv)),
        ("accept", frame::accept(&conv)),
        ("unassign", frame::unassign(&conv)),
        ("accept again", frame::accept(&conv)),
        ("resolve", frame::resolve(&conv)),
    ];
    for (what, step) in steps {
        let ws = if what == "handover" {
            &mut bot_ws
        } else {
            &mut alice_ws
        };
        ws.request(&step)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        expected += 1;
        let now = system_count(alice_ws.history(&conv, None).await.expect("history"));
        assert_eq!(now, expected, "{what} appends one system message");
    }
    // Offline, alice does not get it back: the reopen goes to the queue.
    alice_ws
        .set_presence(Presence::Offline)
        .await
        .expect("alice goes offline");
    user_ws
        .send_message(&conv, "u-2", "Me again")
        .await
        .expect("the user reopens it");
    let page = alice_ws.history(&conv, None).await.expect("history");
    assert_eq!(
        system_count(page.clone()),
        expected + 1,
        "reopening appends one system message"
    );
    for m in page
        .messages
        .iter()
        .filter(|m| m.author.kind == AuthorKind::System)
    {
        assert!(m.author.id.is_empty(), "a system author has no id: {m:?}");
    }
}

#[tokio::test]
async fn the_same_client_msg_id_from_another_author_is_a_new_message() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("cmid").await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let user = tenant.user().await;
    let mut user_ws = gw.connect(&user.token, "user").await;
    let first = user_ws
        .send_message(None, "same-id", "Hi")
        .await
        .expect("user");
    let conv = first.conversation_id.clone();
    alice_ws.accept(&conv).await.expect("accept");

    let reply = alice_ws
        .send_message(&conv, "same-id", "Hello")
        .await
        .expect("alice uses the same client_msg_id");
    assert_ne!(reply.id, first.id, "idempotency is per author");
    assert_eq!(reply.author.kind, AuthorKind::Agent);
    assert_eq!(reply.text, "Hello");
    user_ws
        .wait_message(|m| m.id == reply.id, T, "alice's reply")
        .await
        .expect("the user receives it");
}

#[tokio::test]
async fn history_pages_backwards_with_before_seq_and_limit() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("pages").await;
    let user = tenant.user().await;
    let mut user_ws = gw.connect(&user.token, "user").await;
    let first = user_ws.send_message(None, "u-0", "m0").await.expect("u-0");
    let conv = first.conversation_id.clone();
    let mut last = first;
    for i in 1..6 {
        last = user_ws
            .send_message(&conv, &format!("u-{i}"), &format!("m{i}"))
            .await
            .expect("message");
    }
    let page = user_ws
        .request(&ClientFrame::History(History {
            req: frame::next_req(),
            conversation_id: conv.clone(),
            after_seq: None,
            before_seq: Some(last.seq),
            limit: Some(2),
        }))
        .await
        .expect("history before_seq");
    let messages = page.messages.expect("messages");
    let got = seqs(&messages);
    assert_eq!(got.len(), 2, "limit is honoured: {got:?}");
    assert!(
        got.iter().all(|s| *s < last.seq),
        "before_seq is exclusive: {got:?}"
    );
    assert!(
        got.windows(2).all(|w| w[0] < w[1]),
        "ascending by seq: {got:?}"
    );
    assert_eq!(page.has_more, Some(true), "older messages remain");
}

#[tokio::test]
async fn assign_transfer_and_unassign_move_the_conversation_as_the_contract_says() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("moves").await;
    let bot = tenant.bot("Helper").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let nora = tenant.agent("Nora").await;
    let night = second_group(&tenant, "Night", &[&nora]).await;
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner").await;
    let mut bot_ws = gw.connect(&bot.token, "bot").await;
    let (_user, mut user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    let conv = first.conversation_id;

    // Transfer to a group nobody of which is connected: unavailable, nothing changes.
    assert_refused(
        owner_ws
            .request_conversation(&frame::transfer(&conv, &night.id))
            .await,
        ErrorCode::Unavailable,
    );

    // Assign to an agent: assigned.
    let assigned = owner_ws
        .request_conversation(&frame::assign(
            &conv,
            HolderKind::Agent,
            alice.id().as_str(),
        ))
        .await
        .expect("assign to alice");
    assert_eq!(assigned.status, ConversationStatus::Assigned);
    assert_eq!(
        assigned.assignee.map(|a| a.id),
        Some(alice.id().as_str().to_owned())
    );

    // Unassign: back to the queue.
    let queued = owner_ws.unassign(&conv).await.expect("unassign");
    assert_eq!(queued.status, ConversationStatus::Queued);
    assert_eq!(queued.assignee, None);

    // Assign to a bot: bot, and the bot hears the user from now on.
    let to_bot = owner_ws
        .request_conversation(&frame::assign(&conv, HolderKind::Bot, bot.id.as_str()))
        .await
        .expect("assign to the bot");
    assert_eq!(to_bot.status, ConversationStatus::Bot);
    let next = user_ws
        .send_message(&conv, "u-2", "Hello bot")
        .await
        .expect("u-2");
    bot_ws
        .wait_message(|m| m.id == next.id, T, "the user's message")
        .await
        .expect("the assigned bot gets the user's messages");

    // Transfer to a group with a connected member: queued in that group.
    let _nora_ws = gw.connect(&nora.token, "agent nora").await;
    let moved = owner_ws
        .request_conversation(&frame::transfer(&conv, &night.id))
        .await
        .expect("transfer to an online group");
    assert_eq!(moved.status, ConversationStatus::Queued);
    assert_eq!(moved.group_id, night.id);
    let later = user_ws
        .send_message(&conv, "u-3", "Anyone?")
        .await
        .expect("u-3");
    bot_ws
        .assert_nothing(message_with_id(&later.id), QUIET)
        .await
        .expect("the bot left with the transfer");
}
