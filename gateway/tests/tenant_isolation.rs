//! One gateway, two tenants: nothing of tenant B is reachable with tenant A's credentials
//! (another tenant's id answers `not_found`), and forged tokens get nowhere.

mod support;

use serde_json::json;
use support::*;
use switchboard_load_tests::api::{Method, segment};
use switchboard_load_tests::{WsClient, frame};
use switchboard_protocol::api::{
    CreateGroup, CreatedBot, PatchAgent, PatchGroup, PatchSettings, WidgetSession,
};
use switchboard_protocol::*;

/// What tenant B owns, for tenant A to try.
struct Other {
    agent: TestAgent,
    group: Group,
    bot: CreatedBot,
    user: WidgetSession,
    conversation: ConversationId,
}

async fn populate(gw: &TestGateway, tenant: &Tenant) -> Other {
    let agent = tenant.agent_in_default_group("Bea").await;
    let group = tenant
        .owner
        .create_group(&CreateGroup {
            name: "B-sales".to_owned(),
            assignment: None,
            business_hours: None,
        })
        .await
        .expect("B creates a group");
    let bot = tenant.bot("B-bot").await;
    let user = tenant.user().await;
    let mut user_ws = gw.connect(&user.token, "B user (setup)").await;
    let conversation = user_ws
        .send_message(None, "b-u-1", "Tenant B here")
        .await
        .expect("B's user opens a conversation")
        .conversation_id;
    Other {
        agent,
        group,
        bot,
        user,
        conversation,
    }
}

#[tokio::test]
async fn tenant_b_ids_are_not_found_over_rest_with_tenant_a_credentials() {
    let gw = TestGateway::start().await;
    let a = gw.create_tenant("tenant-a").await;
    let b = gw.create_tenant("tenant-b").await;
    let theirs = populate(&gw, &b).await;
    let a_agent = a.agent_in_default_group("Ann").await;
    let a_user = a.user().await;
    let api = &a.owner;

    assert_api_error(
        api.patch_agent(
            theirs.agent.id(),
            &PatchAgent {
                full_name: Some("Pwned".into()),
                ..PatchAgent::default()
            },
        )
        .await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        api.delete_agent(theirs.agent.id()).await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        api.patch_group(
            &theirs.group.id,
            &PatchGroup {
                name: Some("Pwned".into()),
                ..PatchGroup::default()
            },
        )
        .await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        api.set_group_members(&theirs.group.id, &[a_agent.id().clone()])
            .await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        api.set_group_members(
            &a.default_group,
            &[a_agent.id().clone(), theirs.agent.id().clone()],
        )
        .await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        api.set_group_members(&b.default_group, &[theirs.agent.id().clone()])
            .await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        api.messages(&theirs.conversation, None, None).await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        a_agent.api.messages(&theirs.conversation, None, None).await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        api.anonymous()
            .with_token(&a_user.token)
            .messages(&theirs.conversation, None, None)
            .await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        api.patch_settings(&PatchSettings {
            entry_bot_id: Patch::Set(theirs.bot.id.clone()),
            ..PatchSettings::default()
        })
        .await,
        404,
        ErrorCode::NotFound,
    );
    assert_api_error(
        api.patch_settings(&PatchSettings {
            default_group_id: Patch::Set(theirs.group.id.clone()),
            ..PatchSettings::default()
        })
        .await,
        404,
        ErrorCode::NotFound,
    );
    // The agent itself, as seen by its own id, through a raw path too.
    let raw = api
        .request(
            Method::PATCH,
            &format!("/v1/agents/{}", segment(theirs.agent.id().as_str())),
            Some(json!({"role": "admin"})),
        )
        .await
        .expect("an HTTP answer");
    assert_eq!(
        (raw.status, raw.error_code()),
        (404, Some(ErrorCode::NotFound)),
        "{raw:?}"
    );

    // Lists show nothing of B.
    let agents = api.agents().await.expect("A lists agents");
    assert!(
        agents
            .iter()
            .all(|x| x.id != *theirs.agent.id() && x.id != *b.owner_id())
    );
    let groups = api.groups().await.expect("A lists groups");
    assert!(
        groups
            .iter()
            .all(|g| g.id != theirs.group.id && g.id != b.default_group)
    );
    for view in [
        ConversationView::Open,
        ConversationView::Unassigned,
        ConversationView::Closed,
    ] {
        let list = api
            .conversations(view)
            .await
            .expect("A lists conversations");
        assert!(
            list.iter().all(|c| c.id != theirs.conversation),
            "{view:?} leaks B's conversation"
        );
    }
    let bots = api.bots().await;
    if let Ok(bots) = bots {
        assert!(
            bots.iter().all(|x| x.id != theirs.bot.id),
            "GET /v1/bots leaks B's bot"
        );
    }

    // And nothing of B changed.
    let b_agents = b.owner.agents().await.expect("B lists agents");
    let bea = b_agents
        .iter()
        .find(|x| x.id == *theirs.agent.id())
        .expect("B's agent still exists");
    assert_eq!(bea.full_name, "Bea");
    assert_eq!(bea.role, Role::Agent);
    let b_groups = b.owner.groups().await.expect("B lists groups");
    let sales = b_groups
        .iter()
        .find(|g| g.id == theirs.group.id)
        .expect("B's group");
    assert_eq!(sales.name, "B-sales");
    assert!(sales.member_ids.is_empty());
    let b_settings = b.owner.settings().await.expect("B's settings");
    assert_eq!(b_settings.default_group_id, b.default_group);
    let a_settings = a.owner.settings().await.expect("A's settings");
    assert_eq!(a_settings.entry_bot_id, None);
    assert_eq!(a_settings.default_group_id, a.default_group);
}

#[tokio::test]
async fn tenant_b_ids_are_not_found_over_the_socket_with_tenant_a_credentials() {
    let gw = TestGateway::start().await;
    let a = gw.create_tenant("tenant-a").await;
    let b = gw.create_tenant("tenant-b").await;
    let theirs = populate(&gw, &b).await;
    let b_conv = theirs.conversation.clone();
    let a_bot = a.entry_bot("A-bot").await;
    let a_user = a.user().await;

    // B's side listens: none of A's attempts may reach it.
    let mut b_agent_ws = gw.connect(&theirs.agent.token, "B agent").await;
    let mut b_user_ws = gw.connect(&theirs.user.token, "B user").await;
    let mut b_owner_ws = gw.connect(&b.owner_token, "B owner").await;

    let mut owner_ws = gw.connect(&a.owner_token, "A owner").await;
    let mut bot_ws = gw.connect(&a_bot.token, "A bot").await;
    let mut user_ws = gw.connect(&a_user.token, "A user").await;
    // A conversation of A's own, for the frames that name a B id as the target.
    let a_conv = user_ws
        .send_message(None, "a-u-1", "Tenant A here")
        .await
        .expect("A's user writes")
        .conversation_id;

    let owner_frames = vec![
        frame::accept(&b_conv),
        frame::subscribe(&b_conv, None),
        frame::subscribe(&b_conv, Some(0)),
        frame::history(&b_conv, None),
        frame::resolve(&b_conv),
        frame::unassign(&b_conv),
        frame::message_send(Some(&b_conv), "a-o-1", "hello B"),
        frame::private_note(&b_conv, "a-o-2", "note into B"),
        frame::assign(&b_conv, HolderKind::Agent, a.owner_id().as_str()),
        frame::transfer(&b_conv, &a.default_group),
        frame::assign(&a_conv, HolderKind::Agent, theirs.agent.id().as_str()),
        frame::assign(&a_conv, HolderKind::Bot, theirs.bot.id.as_str()),
        frame::transfer(&a_conv, &theirs.group.id),
        frame::transfer(&a_conv, &b.default_group),
    ];
    assert_all_refused(&mut owner_ws, &owner_frames, ErrorCode::NotFound).await;
    assert_all_refused(
        &mut user_ws,
        &[
            frame::message_send(Some(&b_conv), "a-u-2", "hello B"),
            frame::handover(&b_conv),
            frame::history(&b_conv, None),
        ],
        ErrorCode::NotFound,
    )
    .await;
    assert_all_refused(
        &mut bot_ws,
        &[
            frame::message_send(Some(&b_conv), "a-b-1", "hello B"),
            frame::handover(&b_conv),
            frame::history(&b_conv, None),
        ],
        ErrorCode::NotFound,
    )
    .await;
    // Typing and read expect no answer; they must simply go nowhere.
    owner_ws
        .send(&frame::typing(&b_conv))
        .await
        .expect("send typing");
    owner_ws
        .send(&frame::read(&b_conv, 1))
        .await
        .expect("send read");
    user_ws
        .send(&frame::typing(&b_conv))
        .await
        .expect("send typing");
    user_ws
        .send(&frame::read(&b_conv, 1))
        .await
        .expect("send read");
    owner_ws.ping().await.expect("A owner's socket still works");
    user_ws.ping().await.expect("A user's socket still works");
    // A's presence is A's business.
    owner_ws
        .set_presence(Presence::Online)
        .await
        .expect("A owner goes online");

    for ws in [&mut b_agent_ws, &mut b_user_ws, &mut b_owner_ws] {
        ws.assert_nothing(
            |f| {
                anything_about(&b_conv)(f)
                    || matches!(f, ServerFrame::Presence(p) if p.agent_id == *a.owner_id())
            },
            QUIET,
        )
        .await
        .expect("nothing tenant A did reaches tenant B");
    }

    let page = b
        .owner
        .messages(&b_conv, None, None)
        .await
        .expect("B reads its conversation");
    assert!(
        page.messages
            .iter()
            .all(|m| m.author.kind == AuthorKind::User || m.author.kind == AuthorKind::System)
    );
    assert!(
        page.messages
            .iter()
            .all(|m| !m.text.contains("hello B") && !m.text.contains("note into B"))
    );
    let open = b
        .owner
        .conversations(ConversationView::Open)
        .await
        .expect("B's open view");
    let listed = open
        .iter()
        .find(|c| c.id == b_conv)
        .expect("B's conversation is open");
    assert_eq!(
        listed.status,
        ConversationStatus::Queued,
        "B's conversation was not touched"
    );
    assert_eq!(listed.assignee, None);
}

#[tokio::test]
async fn a_widget_session_belongs_to_the_tenant_of_its_app_key() {
    let gw = TestGateway::start().await;
    let a = gw.create_tenant("tenant-a").await;
    let b = gw.create_tenant("tenant-b").await;
    for tenant in [&a, &b] {
        let user = tenant.user().await;
        let (_, welcome) = WsClient::connect_authed(&gw.base_url, &user.token)
            .await
            .expect("the widget user connects");
        assert_eq!(welcome.role, ClientRole::User);
        assert_eq!(welcome.id, user.user_id.as_str());
        assert_eq!(&welcome.tenant_id, tenant.id());
    }
}

#[tokio::test]
async fn forged_expired_wrong_audience_wrong_key_and_unsigned_tokens_are_refused() {
    let gw = TestGateway::start().await;
    let a = gw.create_tenant("tenant-a").await;
    let b = gw.create_tenant("tenant-b").await;
    let key = gw.jwt_secret();
    let owner = a.owner_id().as_str();
    let api = gw.api();

    // The control: a token made exactly like the gateway's own is accepted, so the
    // refusals below are about what was changed, not about the forging.
    let good = forge(&key, &claims(owner, a.id(), "agent"));
    let me = api
        .with_token(&good)
        .me()
        .await
        .expect("a correctly forged token works over HTTP");
    assert_eq!(me.id, *a.owner_id());
    let (_, welcome) = WsClient::connect_authed(&gw.base_url, &good)
        .await
        .expect("a correctly forged token works on the socket");
    assert_eq!(
        (welcome.role, welcome.id.as_str()),
        (ClientRole::Agent, owner)
    );

    let now = now_secs();
    let mut expired = claims(owner, a.id(), "agent");
    expired["iat"] = json!(now - 7200);
    expired["exp"] = json!(now - 3600);
    let bad_tokens = vec![
        ("expired", forge(&key, &expired)),
        ("audience user", forge(&key, &claims(owner, a.id(), "user"))),
        ("audience bot", forge(&key, &claims(owner, a.id(), "bot"))),
        (
            "unknown audience",
            forge(&key, &claims(owner, a.id(), "desk")),
        ),
        (
            "wrong key",
            forge(
                b"not-the-gateway-key-not-the-gateway-key",
                &claims(owner, a.id(), "agent"),
            ),
        ),
        ("alg none", forge_alg_none(&claims(owner, a.id(), "agent"))),
        (
            "another tenant in the claims",
            forge(&key, &claims(owner, b.id(), "agent")),
        ),
        (
            "unknown subject",
            forge(&key, &claims("no-such-agent", a.id(), "agent")),
        ),
        ("not a JWT", "not-a-jwt".to_owned()),
        ("empty", String::new()),
    ];
    for (what, token) in &bad_tokens {
        assert_http_refuses_token(&api, token, what).await;
    }
    for (what, token) in &bad_tokens {
        assert_socket_refuses_token(&gw, token, what).await;
    }

    // No token at all.
    let raw = api
        .request(Method::GET, "/v1/me", None)
        .await
        .expect("an HTTP answer");
    assert_eq!(
        (raw.status, raw.error_code()),
        (401, Some(ErrorCode::Unauthorized)),
        "{raw:?}"
    );
}

/// Decision 5: any frame naming a conversation the caller may not see answers `not_found`,
/// `conversation.unsubscribe` included (an ack would confirm nothing, but the rule is uniform).
#[tokio::test]
async fn unsubscribing_from_a_conversation_you_may_not_see_is_not_found() {
    let gw = TestGateway::start().await;
    let a = gw.create_tenant("tenant-a").await;
    let b = gw.create_tenant("tenant-b").await;
    let theirs = populate(&gw, &b).await;
    let dave = a.agent("Dave").await;
    let a_user = a.user().await;
    let mut a_user_ws = gw.connect(&a_user.token, "A user").await;
    let a_conv = a_user_ws
        .send_message(None, "u-1", "Hi")
        .await
        .expect("A's user writes")
        .conversation_id;

    let mut owner_ws = gw.connect(&a.owner_token, "A owner").await;
    let mut dave_ws = gw.connect(&dave.token, "A agent outside the group").await;
    let across_tenants = owner_ws
        .call(&frame::unsubscribe(&theirs.conversation))
        .await
        .expect("an answer");
    let outside_group = dave_ws
        .call(&frame::unsubscribe(&a_conv))
        .await
        .expect("an answer");
    let code = |answer: &Result<_, ErrorFrame>| answer.as_ref().err().map(|e| e.code);
    assert_eq!(
        (code(&across_tenants), code(&outside_group)),
        (Some(ErrorCode::NotFound), Some(ErrorCode::NotFound)),
        "A owner unsubscribing from B's conversation: {across_tenants:?}; \
         an agent outside the group unsubscribing: {outside_group:?}"
    );
}
