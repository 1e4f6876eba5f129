//! The desk additions to the HTTP API (`docs/desk-api.md`), black-box: contact fields, notes,
//! tags, search, quick responses and attachments, with their role checks, validation, tenant
//! isolation and live `conversation.updated` events.

mod support;

use support::*;
use switchboard_load_tests::api::Method;
use switchboard_load_tests::{WsClient, frame};
use switchboard_protocol::desk::*;
use switchboard_protocol::*;

/// A user's conversation (queued in the default group), opened with one message.
async fn open_conversation(
    gw: &TestGateway,
    tenant: &Tenant,
    text: &str,
) -> (WsClient, UserId, ConversationId) {
    let user = tenant.user().await;
    let mut ws = gw.connect(&user.token, "user").await;
    let first = ws
        .send_message(None, &unique("u"), text)
        .await
        .expect("the user writes");
    (ws, user.user_id, first.conversation_id)
}

fn send_with(
    conversation: Option<&ConversationId>,
    text: &str,
    attachments: &[&Attachment],
    private: bool,
) -> ClientFrame {
    ClientFrame::MessageSend(MessageSend {
        req: frame::next_req(),
        conversation_id: conversation.cloned(),
        client_msg_id: unique("m"),
        text: text.to_owned(),
        attachment_ids: attachments.iter().map(|a| a.id.clone()).collect(),
        private,
    })
}

fn contact(name: Patch<String>, email: Patch<String>) -> PatchContact {
    PatchContact {
        name,
        email,
        ..PatchContact::default()
    }
}

#[tokio::test]
async fn contact_fields_are_edited_by_agents_who_see_the_conversation_and_go_out_live() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("contacts").await;
    let other = gw.create_tenant("contacts-other").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let dave = tenant.agent("Dave").await;
    let (mut user_ws, user_id, conv) = open_conversation(&gw, &tenant, "Hello").await;
    let mut alice_ws = gw.connect(&alice.token, "alice").await;
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner").await;

    let updated = alice
        .api
        .patch_contact(
            &conv,
            &PatchContact {
                name: Patch::Set("  Ann Lee ".into()),
                email: Patch::Set("ann@example.com".into()),
                phone: Patch::Set("+49 30 1234".into()),
                address: Patch::Set("Main St 1\n10115 Berlin".into()),
            },
        )
        .await
        .expect("alice edits the contact");
    assert_eq!(updated.id, conv);
    assert_eq!(updated.user.id, user_id);
    assert_eq!(updated.user.name.as_deref(), Some("Ann Lee"));
    assert_eq!(updated.user.email.as_deref(), Some("ann@example.com"));
    assert_eq!(updated.user.phone.as_deref(), Some("+49 30 1234"));
    assert_eq!(
        updated.user.address.as_deref(),
        Some("Main St 1\n10115 Berlin")
    );
    for ws in [&mut alice_ws, &mut owner_ws, &mut user_ws] {
        ws.wait_conversation(
            |c| c.id == conv && c.user.name.as_deref() == Some("Ann Lee"),
            T,
            "the new contact fields",
        )
        .await
        .expect("the conversation's audience sees the edit live");
    }

    // null clears, absent keeps.
    let cleared = tenant
        .owner
        .patch_contact(&conv, &contact(Patch::Clear, Patch::Keep))
        .await
        .expect("the owner clears the name");
    assert_eq!(cleared.user.name, None);
    assert_eq!(cleared.user.email.as_deref(), Some("ann@example.com"));
    let listed = tenant
        .owner
        .conversations(ConversationView::Open)
        .await
        .expect("list");
    let listed = listed.iter().find(|c| c.id == conv).expect("listed");
    assert_eq!(listed.user.name, None);
    assert_eq!(listed.user.phone.as_deref(), Some("+49 30 1234"));

    // Validation.
    assert_api_error(
        alice
            .api
            .patch_contact(
                &conv,
                &contact(Patch::Keep, Patch::Set("not an address".into())),
            )
            .await,
        400,
        ErrorCode::Invalid,
    );
    assert_api_error(
        alice
            .api
            .patch_contact(&conv, &contact(Patch::Set("x".repeat(201)), Patch::Keep))
            .await,
        400,
        ErrorCode::Invalid,
    );
    let bad = alice
        .api
        .request(
            Method::PATCH,
            &format!("/v1/conversations/{conv}/user"),
            Some(serde_json::json!({"name": 5})),
        )
        .await
        .expect("an answer");
    assert_eq!(
        (bad.status, bad.error_code()),
        (400, Some(ErrorCode::Invalid))
    );

    // Who may not: an agent outside the group, another tenant, nobody at all.
    let edit = contact(Patch::Set("Mallory".into()), Patch::Keep);
    assert_api_error(
        dave.api.patch_contact(&conv, &edit).await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        other.owner.patch_contact(&conv, &edit).await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        tenant.anonymous().patch_contact(&conv, &edit).await,
        401,
        ErrorCode::Unauthorized,
    );
    let user_token = tenant.user().await.token;
    assert_api_error(
        tenant
            .anonymous()
            .with_token(&user_token)
            .patch_contact(&conv, &edit)
            .await,
        401,
        ErrorCode::Unauthorized,
    );
    let now = tenant
        .owner
        .conversations(ConversationView::Open)
        .await
        .expect("list");
    let now = now.iter().find(|c| c.id == conv).expect("listed");
    assert_eq!(now.user.name, None, "refused edits changed nothing");
}

#[tokio::test]
async fn notes_about_a_user_are_shared_by_the_agents_who_may_see_the_user() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("notes").await;
    let other = gw.create_tenant("notes-other").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let dave = tenant.agent("Dave").await;
    let (_user_ws, user_id, _conv) = open_conversation(&gw, &tenant, "Hello").await;

    assert!(
        alice
            .api
            .user_notes(&user_id)
            .await
            .expect("no notes yet")
            .is_empty()
    );
    let note = alice
        .api
        .add_user_note(&user_id, "  Prefers e-mail. <b>not html</b> ")
        .await
        .expect("alice writes a note");
    assert_eq!(note.user_id, user_id);
    assert_eq!(note.text, "Prefers e-mail. <b>not html</b>");
    assert_eq!(note.author.kind, AuthorKind::Agent);
    assert_eq!(note.author.id, alice.id().as_str());
    assert_eq!(note.author.name, "Alice");
    let second = tenant
        .owner
        .add_user_note(&user_id, "VIP since 2024")
        .await
        .expect("the owner writes a note");
    let notes = alice.api.user_notes(&user_id).await.expect("alice reads");
    assert_eq!(
        notes.iter().map(|n| n.id.clone()).collect::<Vec<_>>(),
        vec![note.id.clone(), second.id.clone()],
        "oldest first"
    );
    assert_eq!(
        tenant
            .owner
            .user_notes(&user_id)
            .await
            .expect("owner reads"),
        notes
    );

    // The raw answer of POST is 201 with the note.
    let raw = alice
        .api
        .request(
            Method::POST,
            &format!("/v1/users/{user_id}/notes"),
            Some(serde_json::json!({"text": "third"})),
        )
        .await
        .expect("an answer");
    assert_eq!(raw.status, 201);
    assert_eq!(raw.json()["author"]["kind"], "agent");

    // Validation.
    for text in ["", "   ", &"x".repeat(4001)] {
        assert_api_error(
            alice.api.add_user_note(&user_id, text).await,
            400,
            ErrorCode::Invalid,
        );
    }
    alice
        .api
        .add_user_note(&user_id, &"x".repeat(4000))
        .await
        .expect("4000 characters are fine");

    // Who may not.
    assert_api_error(
        dave.api.user_notes(&user_id).await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        dave.api.add_user_note(&user_id, "hi").await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        other.owner.user_notes(&user_id).await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        other.owner.add_user_note(&user_id, "hi").await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        tenant
            .owner
            .user_notes(&UserId("no-such-user".into()))
            .await,
        404,
        ErrorCode::NotFound,
    );
    assert_eq!(
        tenant
            .owner
            .user_notes(&user_id)
            .await
            .expect("owner reads")
            .len(),
        4,
        "refused notes were not stored"
    );
}

#[tokio::test]
async fn tags_are_normalized_filter_lists_and_go_out_live() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("tags").await;
    let other = gw.create_tenant("tags-other").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let dave = tenant.agent("Dave").await;
    let (_user_ws, _user, conv) = open_conversation(&gw, &tenant, "Hello").await;
    let (_user2_ws, _user2, untagged) = open_conversation(&gw, &tenant, "Hi").await;
    let mut alice_ws = gw.connect(&alice.token, "alice").await;
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner").await;

    let tagged = alice
        .api
        .set_tags(&conv, &[" vip ", "vip", "billing", "<script>"])
        .await
        .expect("alice tags");
    assert_eq!(tagged.tags, vec!["vip", "billing", "<script>"]);
    for ws in [&mut alice_ws, &mut owner_ws] {
        ws.wait_conversation(|c| c.id == conv && c.tags.len() == 3, T, "the new tags")
            .await
            .expect("desks see the tags live");
    }

    let vip = alice
        .api
        .search_conversations(ConversationView::Open, Some("vip"), None)
        .await
        .expect("filter by tag");
    assert_eq!(
        vip.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        vec![conv.clone()]
    );
    let all = alice
        .api
        .search_conversations(ConversationView::Open, None, None)
        .await
        .expect("no filter");
    assert!(all.iter().any(|c| c.id == untagged) && all.iter().any(|c| c.id == conv));
    assert!(
        alice
            .api
            .search_conversations(ConversationView::Open, Some("vi"), None)
            .await
            .expect("a tag prefix")
            .is_empty(),
        "tags match exactly"
    );

    // Clearing.
    let cleared = tenant.owner.set_tags(&conv, &[]).await.expect("clear");
    assert!(cleared.tags.is_empty());
    alice_ws
        .wait_conversation(|c| c.id == conv && c.tags.is_empty(), T, "no tags")
        .await
        .expect("clearing goes out too");

    // Validation.
    let too_many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
    let long = "x".repeat(51);
    for tags in [too_many.as_slice(), &[long.as_str()], &[" "]] {
        assert_api_error(
            alice.api.set_tags(&conv, tags).await,
            400,
            ErrorCode::Invalid,
        );
    }
    let twenty: Vec<String> = (0..20).map(|i| format!("t{i}")).collect();
    let twenty: Vec<&str> = twenty.iter().map(String::as_str).collect();
    alice
        .api
        .set_tags(&conv, &twenty)
        .await
        .expect("20 tags are fine");
    let bad = alice
        .api
        .request(
            Method::PUT,
            &format!("/v1/conversations/{conv}/tags"),
            Some(serde_json::json!({"tags": "vip"})),
        )
        .await
        .expect("an answer");
    assert_eq!(
        (bad.status, bad.error_code()),
        (400, Some(ErrorCode::Invalid))
    );

    // Who may not.
    assert_api_error(
        dave.api.set_tags(&conv, &["x"]).await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        other.owner.set_tags(&conv, &["x"]).await,
        404,
        ErrorCode::NotFound,
    );
    assert!(
        other
            .owner
            .search_conversations(ConversationView::Open, Some("t1"), None)
            .await
            .expect("other tenant lists")
            .is_empty()
    );
}

#[tokio::test]
async fn search_finds_closed_conversations_by_name_email_and_text_within_the_tenant() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("search").await;
    let other = gw.create_tenant("search-other").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let dave = tenant.agent("Dave").await;
    let (_u1, _, by_name) = open_conversation(&gw, &tenant, "Hello there").await;
    let (_u2, _, by_text) = open_conversation(&gw, &tenant, "My INVOICE shows 50%_off").await;
    let (_u3, _, foreign) = open_conversation(&gw, &other, "invoice question, zoe").await;
    tenant
        .owner
        .patch_contact(
            &by_name,
            &contact(
                Patch::Set("Zoë Quinn".into()),
                Patch::Set("zoe.q@example.test".into()),
            ),
        )
        .await
        .expect("name the first user");
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner").await;
    for conv in [&by_name, &by_text] {
        owner_ws.resolve(conv).await.expect("resolve");
    }
    let mut other_ws = gw.connect(&other.owner_token, "other owner").await;
    other_ws.resolve(&foreign).await.expect("resolve");

    let search = |api: &switchboard_load_tests::Api, q: &'static str| {
        let api = api.clone();
        async move {
            let found = api
                .search_conversations(ConversationView::Closed, None, Some(q))
                .await
                .unwrap_or_else(|e| panic!("search {q:?}: {e}"));
            found.into_iter().map(|c| c.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        search(&alice.api, "QUINN").await,
        vec![by_name.clone()],
        "by name"
    );
    assert_eq!(
        search(&alice.api, "zoe.q@EXAMPLE").await,
        vec![by_name.clone()],
        "by e-mail"
    );
    assert_eq!(
        search(&alice.api, "invoice").await,
        vec![by_text.clone()],
        "by message text"
    );
    assert_eq!(
        search(&alice.api, "50%_").await,
        vec![by_text.clone()],
        "literal wildcards"
    );
    assert_eq!(
        search(&alice.api, "%").await,
        vec![by_text.clone()],
        "% is no wildcard"
    );
    assert_eq!(
        search(&alice.api, "_").await,
        vec![by_text.clone()],
        "_ is no wildcard"
    );
    assert!(search(&alice.api, "nothing like this").await.is_empty());
    let mut both = search(&tenant.owner, "e").await;
    both.sort();
    let mut expected = vec![by_name.clone(), by_text.clone()];
    expected.sort();
    assert_eq!(both, expected, "the owner sees both");
    assert!(
        search(&dave.api, "invoice").await.is_empty(),
        "visibility as for lists"
    );
    assert_eq!(
        search(&other.owner, "invoice").await,
        vec![foreign.clone()],
        "not across tenants"
    );
    assert!(
        search(&other.owner, "quinn").await.is_empty(),
        "not across tenants"
    );

    // q on another view, combined with a tag.
    let (_u4, _, open) = open_conversation(&gw, &tenant, "open invoice").await;
    tenant
        .owner
        .set_tags(&open, &["billing"])
        .await
        .expect("tag");
    let found = tenant
        .owner
        .search_conversations(ConversationView::Open, Some("billing"), Some("INVOICE"))
        .await
        .expect("search open");
    assert_eq!(
        found.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        vec![open]
    );
    assert_api_error(
        tenant
            .owner
            .search_conversations(ConversationView::Closed, None, Some(&"x".repeat(201)))
            .await,
        400,
        ErrorCode::Invalid,
    );
}

#[tokio::test]
async fn quick_responses_are_read_by_agents_and_managed_by_admins() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("quick").await;
    let other = gw.create_tenant("quick-other").await;
    let alice = tenant.agent("Alice").await;
    let admin = tenant.agent_with_role("Ada", Role::Admin).await;

    let thanks = tenant
        .owner
        .create_quick_response("/thanks", "Thank you for waiting!")
        .await
        .expect("the owner creates one");
    assert_eq!(thanks.shortcut, "/thanks");
    let hello = admin
        .api
        .create_quick_response("/hello", "Hello! How can I help?")
        .await
        .expect("an admin creates one");
    let listed = alice
        .api
        .quick_responses()
        .await
        .expect("an agent lists them");
    assert_eq!(listed, vec![hello.clone(), thanks.clone()], "by shortcut");
    assert!(
        other
            .owner
            .quick_responses()
            .await
            .expect("other tenant")
            .is_empty()
    );

    // Agents may not manage them.
    assert_api_error(
        alice.api.create_quick_response("/mine", "x").await,
        403,
        ErrorCode::Forbidden,
    );
    assert_api_error(
        alice
            .api
            .patch_quick_response(
                &thanks.id,
                &PatchQuickResponse {
                    text: Some("changed".into()),
                    ..Default::default()
                },
            )
            .await,
        403,
        ErrorCode::Forbidden,
    );
    assert_api_error(
        alice.api.delete_quick_response(&thanks.id).await,
        403,
        ErrorCode::Forbidden,
    );

    // Unique shortcut per tenant (another tenant may use it).
    assert_api_error(
        tenant.owner.create_quick_response("/thanks", "again").await,
        409,
        ErrorCode::Conflict,
    );
    other
        .owner
        .create_quick_response("/thanks", "theirs")
        .await
        .expect("another tenant has its own shortcuts");
    assert_api_error(
        tenant
            .owner
            .patch_quick_response(
                &hello.id,
                &PatchQuickResponse {
                    shortcut: Some("/thanks".into()),
                    ..Default::default()
                },
            )
            .await,
        409,
        ErrorCode::Conflict,
    );

    // Validation.
    for (shortcut, text) in [
        ("", "x"),
        ("has space", "x"),
        ("/ok", "  "),
        (&*"s".repeat(51), "x"),
    ] {
        assert_api_error(
            tenant.owner.create_quick_response(shortcut, text).await,
            400,
            ErrorCode::Invalid,
        );
    }

    let patched = tenant
        .owner
        .patch_quick_response(
            &thanks.id,
            &PatchQuickResponse {
                text: Some("Thanks a lot!".into()),
                ..Default::default()
            },
        )
        .await
        .expect("the owner edits");
    assert_eq!(patched.shortcut, "/thanks");
    assert_eq!(patched.text, "Thanks a lot!");

    // Another tenant's ids are not found.
    assert_api_error(
        other
            .owner
            .patch_quick_response(
                &thanks.id,
                &PatchQuickResponse {
                    text: Some("hijack".into()),
                    ..Default::default()
                },
            )
            .await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        other.owner.delete_quick_response(&thanks.id).await,
        404,
        ErrorCode::NotFound,
    );

    tenant
        .owner
        .delete_quick_response(&thanks.id)
        .await
        .expect("delete");
    assert_api_error(
        tenant.owner.delete_quick_response(&thanks.id).await,
        404,
        ErrorCode::NotFound,
    );
    assert_eq!(
        alice.api.quick_responses().await.expect("list"),
        vec![hello]
    );
}

#[tokio::test]
async fn attachments_round_trip_through_messages_with_safe_download_headers() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("files").await;
    let other = gw.create_tenant("files-other").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let dave = tenant.agent("Dave").await;
    let user = tenant.user().await;
    let user_api = tenant.anonymous().with_token(&user.token);
    let mut user_ws = gw.connect(&user.token, "user").await;
    let mut alice_ws = gw.connect(&alice.token, "alice").await;

    // The user uploads a picture and sends it.
    let png: Vec<u8> = b"\x89PNG\r\n\x1a\nnot really a png".to_vec();
    let picture = user_api
        .upload_attachment("photo.png", "image/png", png.clone())
        .await
        .expect("the user uploads");
    assert_eq!(picture.file_name, "photo.png");
    assert_eq!(picture.content_type, "image/png");
    assert_eq!(picture.size, png.len() as u64);
    assert_eq!(picture.url, format!("/v1/attachments/{}", picture.id));
    assert_eq!(picture.id.as_str().len(), 36, "a UUID: {}", picture.id);
    let ack = user_ws
        .request(&send_with(None, "", &[&picture], false))
        .await
        .expect("the user sends the picture without text");
    let sent = ack.message.expect("the ack carries the message");
    assert_eq!(sent.attachments, vec![picture.clone()]);
    let conv = sent.conversation_id.clone();
    alice_ws.accept(&conv).await.expect("alice accepts");
    let history = alice
        .api
        .messages(&conv, Some(0), None)
        .await
        .expect("history");
    assert_eq!(
        history
            .messages
            .iter()
            .find(|m| m.id == sent.id)
            .map(|m| m.attachments.clone()),
        Some(vec![picture.clone()]),
        "the stored message carries the attachment"
    );

    // Alice downloads it, with the header and with ?token=.
    for in_query in [false, true] {
        let got = alice
            .api
            .download(&picture.url, in_query)
            .await
            .expect("download");
        assert_eq!(got.status, 200, "token in query: {in_query}");
        assert_eq!(got.content_type.as_deref(), Some("image/png"));
        let disposition = got.content_disposition.unwrap_or_default();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(
            disposition.contains("filename*=UTF-8''photo.png"),
            "{disposition}"
        );
        assert_eq!(got.nosniff.as_deref(), Some("nosniff"));
        assert_eq!(got.body, png);
    }

    // Alice answers with an HTML file: served as a download, never as HTML.
    let html = b"<script>alert(1)</script>".to_vec();
    let page = alice
        .api
        .upload_attachment("../résumé 1.html", "text/html; charset=utf-8", html.clone())
        .await
        .expect("alice uploads");
    assert_eq!(page.file_name, "résumé 1.html");
    assert_eq!(page.content_type, "text/html");
    let ack = alice_ws
        .request(&send_with(Some(&conv), "here you go", &[&page], false))
        .await
        .expect("alice sends it");
    let reply = ack.message.expect("message");
    let seen = user_ws
        .wait_message(|m| m.id == reply.id, T, "alice's reply")
        .await
        .expect("the user gets the reply");
    assert_eq!(seen.attachments, vec![page.clone()]);
    let got = user_api.download(&page.url, true).await.expect("download");
    assert_eq!(got.status, 200);
    assert_eq!(
        got.content_type.as_deref(),
        Some("application/octet-stream")
    );
    let disposition = got.content_disposition.unwrap_or_default();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''r%C3%A9sum%C3%A9%201.html"),
        "{disposition}"
    );
    assert_eq!(got.nosniff.as_deref(), Some("nosniff"));
    assert_eq!(got.body, html);

    // Someone else's upload cannot be sent.
    let mine = alice
        .api
        .upload_attachment("a.txt", "text/plain", b"a".to_vec())
        .await
        .expect("upload");
    assert_refused(
        alice_ws
            .request(&send_with(Some(&conv), "x", &[&picture], false))
            .await,
        ErrorCode::NotFound,
    );
    assert_refused(
        user_ws
            .request(&send_with(Some(&conv), "x", &[&mine], false))
            .await,
        ErrorCode::NotFound,
    );
    let unknown = Attachment {
        id: AttachmentId("00000000-0000-4000-8000-000000000000".into()),
        ..mine.clone()
    };
    assert_refused(
        user_ws
            .request(&send_with(Some(&conv), "x", &[&unknown], false))
            .await,
        ErrorCode::NotFound,
    );

    // A private note's file: agents only.
    let secret = alice
        .api
        .upload_attachment("notes.txt", "text/plain", b"internal".to_vec())
        .await
        .expect("upload");
    alice_ws
        .request(&send_with(Some(&conv), "internal file", &[&secret], true))
        .await
        .expect("a private note with a file");
    assert_eq!(
        user_api
            .download(&secret.url, false)
            .await
            .expect("answer")
            .status,
        404,
        "the user cannot fetch a private note's file"
    );
    assert_eq!(
        tenant
            .owner
            .download(&secret.url, false)
            .await
            .expect("answer")
            .status,
        200
    );

    // Who else may not download.
    assert_eq!(
        dave.api
            .download(&picture.url, false)
            .await
            .expect("answer")
            .status,
        404
    );
    assert_eq!(
        other
            .owner
            .download(&picture.url, false)
            .await
            .expect("answer")
            .status,
        404
    );
    assert_eq!(
        tenant
            .anonymous()
            .download(&picture.url, false)
            .await
            .expect("answer")
            .status,
        401
    );
    let stranger = tenant.user().await;
    let stranger_api = tenant.anonymous().with_token(&stranger.token);
    assert_eq!(
        stranger_api
            .download(&picture.url, true)
            .await
            .expect("answer")
            .status,
        404
    );
    // An upload nobody sent is its uploader's alone.
    assert_eq!(
        alice
            .api
            .download(&mine.url, false)
            .await
            .expect("answer")
            .status,
        200
    );
    assert_eq!(
        tenant
            .owner
            .download(&mine.url, false)
            .await
            .expect("answer")
            .status,
        404
    );

    // Limits and validation.
    let limit = MAX_ATTACHMENT_BYTES;
    assert_api_error(
        user_api
            .upload_attachment("big.bin", "application/octet-stream", vec![7; limit + 1])
            .await,
        413,
        ErrorCode::TooLarge,
    );
    let largest = user_api
        .upload_attachment("max.bin", "application/octet-stream", vec![7; limit])
        .await
        .expect("exactly the limit is fine");
    assert_eq!(largest.size, limit as u64);
    assert_api_error(
        user_api
            .upload_attachment("empty.txt", "text/plain", Vec::new())
            .await,
        400,
        ErrorCode::Invalid,
    );
    let nameless = user_api
        .request(Method::POST, "/v1/attachments", None)
        .await
        .expect("an answer");
    assert_eq!(
        (nameless.status, nameless.error_code()),
        (400, Some(ErrorCode::Invalid))
    );
    assert_api_error(
        tenant
            .anonymous()
            .upload_attachment("a.txt", "text/plain", b"a".to_vec())
            .await,
        401,
        ErrorCode::Unauthorized,
    );

    // A bot may upload too.
    let bot = tenant.bot("Helper").await;
    tenant
        .anonymous()
        .with_token(&bot.token)
        .upload_attachment("bot.txt", "text/plain", b"beep".to_vec())
        .await
        .expect("a bot uploads");
}
