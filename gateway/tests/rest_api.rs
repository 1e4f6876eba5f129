//! The HTTP API (contract section 2): every endpoint, with its role checks.

mod support;

use serde_json::json;
use support::*;
use switchboard_load_tests::api::{Method, invite_token_from_url, segment};
use switchboard_protocol::api::*;
use switchboard_protocol::*;

fn new_agent(login: &str, password: Option<&str>, role: Option<Role>) -> CreateAgent {
    CreateAgent {
        full_name: format!("Agent {login}"),
        login: login.to_owned(),
        email: format!("{login}@example.com"),
        password: password.map(str::to_owned),
        role,
        group_ids: None,
    }
}

#[tokio::test]
async fn healthz_answers_ok() {
    let gw = TestGateway::start().await;
    let health = gw.api().healthz().await.expect("GET /healthz");
    assert_eq!(health.status, "ok");
}

#[tokio::test]
async fn login_answers_a_token_and_the_agent_and_refuses_bad_credentials() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("login").await;
    let api = gw.api();
    let session = api
        .login(&tenant.owner_login, &tenant.owner_password)
        .await
        .expect("login");
    assert_eq!(session.agent.id, *tenant.owner_id());
    assert_eq!(session.agent.role, Role::Owner);
    assert_eq!(session.agent.status, AgentStatus::Verified);
    assert_eq!(session.agent.login, tenant.owner_login);

    assert_api_error(
        api.login(&tenant.owner_login, "wrong-password").await,
        401,
        ErrorCode::Unauthorized,
    );
    assert_api_error(
        api.login("nobody-at-all", "whatever-password").await,
        401,
        ErrorCode::Unauthorized,
    );
    let raw = api
        .request(
            Method::POST,
            "/v1/auth/login",
            Some(json!({"login": tenant.owner_login})),
        )
        .await
        .expect("an HTTP answer");
    assert_eq!(
        (raw.status, raw.error_code()),
        (400, Some(ErrorCode::Invalid)),
        "missing password: {raw:?}"
    );
    let raw = api
        .request_text(Method::POST, "/v1/auth/login", "{not json")
        .await
        .expect("an HTTP answer");
    assert_eq!(
        (raw.status, raw.error_code()),
        (400, Some(ErrorCode::Invalid)),
        "not JSON: {raw:?}"
    );
}

#[tokio::test]
async fn me_answers_the_calling_agent_and_needs_a_token() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("me").await;
    let alice = tenant.agent("Alice").await;
    let me = alice.api.me().await.expect("GET /v1/me");
    assert_eq!(me.id, *alice.id());
    assert_eq!(me.full_name, "Alice");
    assert_eq!(me.role, Role::Agent);
    assert_api_error(gw.api().me().await, 401, ErrorCode::Unauthorized);
    // A widget user is not an agent.
    let user = tenant.user().await;
    let refused = gw
        .api()
        .with_token(&user.token)
        .me()
        .await
        .expect_err("a user token on /v1/me");
    assert!(
        matches!(refused.status, 401 | 403),
        "a user token is refused on /v1/me: {refused}"
    );
}

#[tokio::test]
async fn creating_agents_is_for_owners_and_admins_and_logins_are_unique_across_tenants() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("create").await;
    let other = gw.create_tenant("other").await;
    let admin = tenant.agent_with_role("Adele", Role::Admin).await;
    let agent = tenant.agent("Arno").await;

    // 201, verified, offline, in no group, role agent by default.
    let login = unique("created");
    let raw = tenant
        .owner
        .request(
            Method::POST,
            "/v1/agents",
            Some(json!({"full_name": "Cara", "login": login, "email": format!("{login}@example.com"), "password": "cara-password-1"})),
        )
        .await
        .expect("an HTTP answer");
    assert_eq!(raw.status, 201, "{raw:?}");
    let created: CreatedAgent = serde_json::from_str(&raw.body).expect("the answer is an agent");
    assert_eq!(created.agent.status, AgentStatus::Verified);
    assert_eq!(created.agent.presence, Presence::Offline);
    assert!(!created.agent.connected);
    assert_eq!(created.agent.role, Role::Agent);
    assert_eq!(
        created.invite_url, None,
        "no invite when a password was given"
    );
    gw.api()
        .login(&login, "cara-password-1")
        .await
        .expect("the new agent can log in");

    // An admin may create agents; an agent may not.
    admin
        .api
        .create_agent(&new_agent(&unique("by-admin"), Some("pw-by-admin-1"), None))
        .await
        .expect("an admin creates an agent");
    assert_api_error(
        agent
            .api
            .create_agent(&new_agent(&unique("by-agent"), Some("pw-by-agent-1"), None))
            .await,
        403,
        ErrorCode::Forbidden,
    );

    // Logins are unique in the whole gateway: within the tenant and across tenants.
    assert_api_error(
        tenant
            .owner
            .create_agent(&new_agent(&login, Some("another-password"), None))
            .await,
        409,
        ErrorCode::Conflict,
    );
    assert_api_error(
        other
            .owner
            .create_agent(&new_agent(&login, Some("another-password"), None))
            .await,
        409,
        ErrorCode::Conflict,
    );
    assert_api_error(
        other
            .owner
            .create_agent(&new_agent(
                &tenant.owner_login,
                Some("another-password"),
                None,
            ))
            .await,
        409,
        ErrorCode::Conflict,
    );

    // Missing fields are invalid.
    let raw = tenant
        .owner
        .request(
            Method::POST,
            "/v1/agents",
            Some(json!({"full_name": "No Login"})),
        )
        .await
        .expect("an HTTP answer");
    assert_eq!(
        (raw.status, raw.error_code()),
        (400, Some(ErrorCode::Invalid)),
        "{raw:?}"
    );

    // Listing is for every agent.
    let listed = agent.api.agents().await.expect("an agent lists agents");
    for id in [tenant.owner_id(), admin.id(), agent.id(), &created.agent.id] {
        assert!(listed.iter().any(|a| a.id == *id), "{id} is listed");
    }
}

#[tokio::test]
async fn patching_agents_follows_the_role_rules() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("patch").await;
    let admin = tenant.agent_with_role("Adele", Role::Admin).await;
    let arno = tenant.agent("Arno").await;
    let bert = tenant.agent("Bert").await;

    // The agent itself: its name and password.
    let renamed = arno
        .api
        .patch_agent(
            arno.id(),
            &PatchAgent {
                full_name: Some("Arno R.".into()),
                ..PatchAgent::default()
            },
        )
        .await
        .expect("an agent renames itself");
    assert_eq!(renamed.full_name, "Arno R.");
    arno.api
        .patch_agent(
            arno.id(),
            &PatchAgent {
                password: Some("arno-new-password".into()),
                ..PatchAgent::default()
            },
        )
        .await
        .expect("an agent changes its password");
    gw.api()
        .login(&arno.login, "arno-new-password")
        .await
        .expect("the new password works");
    assert_api_error(
        gw.api().login(&arno.login, &arno.password).await,
        401,
        ErrorCode::Unauthorized,
    );

    // ...but not its role, capacity or login, and nobody else.
    for (what, patch) in [
        (
            "role",
            PatchAgent {
                role: Some(Role::Admin),
                ..PatchAgent::default()
            },
        ),
        (
            "capacity",
            PatchAgent {
                capacity: Patch::Set(10),
                ..PatchAgent::default()
            },
        ),
        (
            "login",
            PatchAgent {
                login: Some(unique("arno-login")),
                ..PatchAgent::default()
            },
        ),
        (
            "email",
            PatchAgent {
                email: Some("arno@elsewhere.example".into()),
                ..PatchAgent::default()
            },
        ),
    ] {
        let result = arno.api.patch_agent(arno.id(), &patch).await;
        assert!(
            matches!(&result, Err(e) if e.status == 403 && e.code == Some(ErrorCode::Forbidden)),
            "an agent changes its own {what}: {result:?}"
        );
    }
    assert_api_error(
        arno.api
            .patch_agent(
                bert.id(),
                &PatchAgent {
                    full_name: Some("Bert X".into()),
                    ..PatchAgent::default()
                },
            )
            .await,
        403,
        ErrorCode::Forbidden,
    );

    // An admin: role and capacity, not login or email.
    let promoted = admin
        .api
        .patch_agent(
            bert.id(),
            &PatchAgent {
                role: Some(Role::Admin),
                capacity: Patch::Set(3),
                ..PatchAgent::default()
            },
        )
        .await
        .expect("an admin sets role and capacity");
    assert_eq!((promoted.role, promoted.capacity), (Role::Admin, Some(3)));
    let uncapped = admin
        .api
        .patch_agent(
            bert.id(),
            &PatchAgent {
                capacity: Patch::Clear,
                ..PatchAgent::default()
            },
        )
        .await
        .expect("null clears the capacity");
    assert_eq!(uncapped.capacity, None);
    assert_eq!(uncapped.role, Role::Admin, "absent fields are kept");
    assert_api_error(
        admin
            .api
            .patch_agent(
                arno.id(),
                &PatchAgent {
                    login: Some(unique("x")),
                    ..PatchAgent::default()
                },
            )
            .await,
        403,
        ErrorCode::Forbidden,
    );
    assert_api_error(
        admin
            .api
            .patch_agent(
                arno.id(),
                &PatchAgent {
                    email: Some("x@example.com".into()),
                    ..PatchAgent::default()
                },
            )
            .await,
        403,
        ErrorCode::Forbidden,
    );

    // The owner: login and email too.
    let new_login = unique("arno-renamed");
    let relogged = tenant
        .owner
        .patch_agent(
            arno.id(),
            &PatchAgent {
                login: Some(new_login.clone()),
                email: Some("arno@new.example".into()),
                ..PatchAgent::default()
            },
        )
        .await
        .expect("the owner changes login and email");
    assert_eq!(
        (relogged.login.as_str(), relogged.email.as_str()),
        (new_login.as_str(), "arno@new.example")
    );
    gw.api()
        .login(&new_login, "arno-new-password")
        .await
        .expect("the new login works");
    assert_api_error(
        tenant
            .owner
            .patch_agent(
                arno.id(),
                &PatchAgent {
                    login: Some(bert.login.clone()),
                    ..PatchAgent::default()
                },
            )
            .await,
        409,
        ErrorCode::Conflict,
    );

    assert_api_error(
        tenant
            .owner
            .patch_agent(
                &AgentId::from("no-such-agent"),
                &PatchAgent {
                    full_name: Some("x".into()),
                    ..PatchAgent::default()
                },
            )
            .await,
        404,
        ErrorCode::NotFound,
    );
}

#[tokio::test]
async fn the_invite_flow_turns_a_pending_agent_into_a_verified_one() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("invite").await;
    let login = unique("invitee");
    let created = tenant
        .owner
        .create_agent(&new_agent(&login, None, None))
        .await
        .expect("the owner invites an agent");
    assert_eq!(created.agent.status, AgentStatus::Pending);
    let url = created
        .invite_url
        .clone()
        .expect("an invite_url when no password was given");
    let token = invite_token_from_url(&url).unwrap_or_else(|| panic!("a token in {url}"));
    assert_api_error(
        gw.api().login(&login, "").await,
        401,
        ErrorCode::Unauthorized,
    );

    let session = gw
        .api()
        .accept_invite(&token, "invitee-password-1")
        .await
        .expect("accept the invite");
    assert_eq!(session.agent.id, created.agent.id);
    assert_eq!(session.agent.status, AgentStatus::Verified);
    let me = gw
        .api()
        .with_token(&session.token)
        .me()
        .await
        .expect("the invite's token works");
    assert_eq!(me.id, created.agent.id);
    let login_session = gw
        .api()
        .login(&login, "invitee-password-1")
        .await
        .expect("the invitee logs in");
    assert_eq!(login_session.agent.status, AgentStatus::Verified);

    let again = gw.api().accept_invite(&token, "hijack-password-1").await;
    assert!(
        matches!(&again, Err(e) if (400..500).contains(&e.status)),
        "an invite works once: {again:?}"
    );
    assert_api_error(
        gw.api().login(&login, "hijack-password-1").await,
        401,
        ErrorCode::Unauthorized,
    );
    let bogus = gw
        .api()
        .accept_invite("no-such-invite", "whatever-password")
        .await;
    assert!(
        matches!(&bogus, Err(e) if (400..500).contains(&e.status)),
        "an unknown invite: {bogus:?}"
    );
}

#[tokio::test]
async fn deleting_an_agent_sends_its_open_conversations_back_to_the_queue() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("delete").await;
    let (alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let (bob, mut bob_ws) = online_agent(&gw, &tenant, "Bob").await;
    let (_, _user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    let conv = first.conversation_id;
    alice_ws.accept(&conv).await.expect("alice accepts");

    assert_api_error(
        bob.api.delete_agent(alice.id()).await,
        403,
        ErrorCode::Forbidden,
    );
    let raw = tenant
        .owner
        .request(
            Method::DELETE,
            &format!("/v1/agents/{}", segment(alice.id().as_str())),
            None,
        )
        .await
        .expect("an HTTP answer");
    assert_eq!(raw.status, 204, "{raw:?}");

    let back = bob_ws
        .wait_conversation(
            |c| c.id == conv && c.status == ConversationStatus::Queued,
            T,
            "back in the queue",
        )
        .await
        .expect("the group sees the conversation back in the queue");
    assert_eq!(back.assignee, None);
    assert!(
        lists(&bob.api, ConversationView::Unassigned, &conv).await,
        "listed as unassigned"
    );
    bob_ws
        .accept(&conv)
        .await
        .expect("another agent can take it");

    let agents = tenant.owner.agents().await.expect("list agents");
    assert!(
        agents.iter().all(|a| a.id != *alice.id()),
        "the deleted agent is not listed"
    );
    assert_api_error(
        gw.api().login(&alice.login, &alice.password).await,
        401,
        ErrorCode::Unauthorized,
    );
    assert_api_error(alice.api.me().await, 401, ErrorCode::Unauthorized);
    assert_api_error(
        tenant.owner.delete_agent(alice.id()).await,
        404,
        ErrorCode::NotFound,
    );
}

#[tokio::test]
async fn groups_can_be_created_renamed_and_staffed_by_owners_and_admins() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("groups").await;
    let admin = tenant.agent_with_role("Adele", Role::Admin).await;
    let arno = tenant.agent("Arno").await;

    let groups = arno.api.groups().await.expect("an agent lists groups");
    assert!(
        groups.iter().any(|g| g.id == tenant.default_group),
        "the default group is listed"
    );

    let raw = admin
        .api
        .request(Method::POST, "/v1/groups", Some(json!({"name": "Sales"})))
        .await
        .expect("an HTTP answer");
    assert_eq!(raw.status, 201, "{raw:?}");
    let sales: Group = serde_json::from_str(&raw.body).expect("the answer is a group");
    assert_eq!(sales.name, "Sales");
    assert!(sales.member_ids.is_empty());
    assert_eq!(sales.business_hours, None);
    assert!(!sales.online, "no member is connected");

    let hours = BusinessHours {
        timezone: "Europe/Berlin".into(),
        weekly: vec![OpeningWindow {
            day: Weekday::Mon,
            open: "09:00".into(),
            close: "17:00".into(),
        }],
    };
    let support = tenant
        .owner
        .create_group(&CreateGroup {
            name: "Support".into(),
            assignment: Some(Assignment::Auto),
            business_hours: Some(hours.clone()),
        })
        .await
        .expect("the owner creates a group with hours");
    assert_eq!(support.assignment, Assignment::Auto);
    assert_eq!(support.business_hours.as_ref(), Some(&hours));

    let renamed = admin
        .api
        .patch_group(
            &sales.id,
            &PatchGroup {
                name: Some("Sales EU".into()),
                assignment: Some(Assignment::Auto),
                ..PatchGroup::default()
            },
        )
        .await
        .expect("an admin patches a group");
    assert_eq!(
        (renamed.name.as_str(), renamed.assignment),
        ("Sales EU", Assignment::Auto)
    );
    let always_open = tenant
        .owner
        .patch_group(
            &support.id,
            &PatchGroup {
                business_hours: Patch::Clear,
                ..PatchGroup::default()
            },
        )
        .await
        .expect("null clears the hours");
    assert_eq!(always_open.business_hours, None);
    assert_eq!(always_open.name, "Support", "absent fields are kept");

    let staffed = admin
        .api
        .set_group_members(&sales.id, &[arno.id().clone(), admin.id().clone()])
        .await
        .expect("an admin sets members");
    let mut members = staffed.member_ids.clone();
    members.sort();
    let mut expected = vec![arno.id().clone(), admin.id().clone()];
    expected.sort();
    assert_eq!(members, expected);
    let me = arno.api.me().await.expect("me");
    assert!(
        me.group_ids.contains(&sales.id),
        "the agent's group_ids include the group"
    );

    assert_api_error(
        arno.api
            .create_group(&CreateGroup {
                name: "Mine".into(),
                assignment: None,
                business_hours: None,
            })
            .await,
        403,
        ErrorCode::Forbidden,
    );
    assert_api_error(
        arno.api
            .patch_group(
                &sales.id,
                &PatchGroup {
                    name: Some("Hijacked".into()),
                    ..PatchGroup::default()
                },
            )
            .await,
        403,
        ErrorCode::Forbidden,
    );
    assert_api_error(
        arno.api.set_group_members(&sales.id, &[]).await,
        403,
        ErrorCode::Forbidden,
    );
    assert_api_error(
        tenant
            .owner
            .patch_group(
                &GroupId::from("no-such-group"),
                &PatchGroup {
                    name: Some("x".into()),
                    ..PatchGroup::default()
                },
            )
            .await,
        404,
        ErrorCode::NotFound,
    );
    let raw = tenant
        .owner
        .request(
            Method::POST,
            "/v1/groups",
            Some(json!({"name": "Bad", "assignment": "sometimes"})),
        )
        .await
        .expect("an HTTP answer");
    assert_eq!(
        (raw.status, raw.error_code()),
        (400, Some(ErrorCode::Invalid)),
        "{raw:?}"
    );
}

#[tokio::test]
async fn a_group_is_online_while_a_member_is_connected() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("online").await;
    let arno = tenant.agent("Arno").await;
    let group = second_group(&tenant, "Night", &[&arno]).await;
    let is_online = |groups: Vec<Group>| groups.iter().find(|g| g.id == group.id).map(|g| g.online);
    assert_eq!(
        is_online(tenant.owner.groups().await.expect("groups")),
        Some(false)
    );

    let ws = gw.connect(&arno.token, "agent arno").await;
    assert_eq!(
        is_online(tenant.owner.groups().await.expect("groups")),
        Some(true),
        "a member is connected"
    );
    let me = arno.api.me().await.expect("me");
    assert!(me.connected, "the agent is connected");
    ws.close().await.expect("close");
}

#[tokio::test]
async fn bots_are_created_by_owners_and_admins_and_connect_with_their_token() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("bots").await;
    let admin = tenant.agent_with_role("Adele", Role::Admin).await;
    let arno = tenant.agent("Arno").await;

    let raw = tenant
        .owner
        .request(Method::POST, "/v1/bots", Some(json!({"name": "Helper"})))
        .await
        .expect("an HTTP answer");
    assert_eq!(raw.status, 201, "{raw:?}");
    let bot: CreatedBot = serde_json::from_str(&raw.body).expect("the answer is a bot");
    assert_eq!(bot.name, "Helper");
    assert!(!bot.token.is_empty());
    admin
        .api
        .create_bot("Second")
        .await
        .expect("an admin creates a bot");
    assert_api_error(arno.api.create_bot("Mine").await, 403, ErrorCode::Forbidden);

    let (_, welcome) = switchboard_load_tests::WsClient::connect_authed(&gw.base_url, &bot.token)
        .await
        .expect("the bot connects");
    assert_eq!(
        (welcome.role, welcome.id.as_str()),
        (ClientRole::Bot, bot.id.as_str())
    );
    assert_eq!(&welcome.tenant_id, tenant.id());
}

#[tokio::test]
async fn settings_are_read_by_agents_and_patched_by_owners_and_admins() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("settings").await;
    let admin = tenant.agent_with_role("Adele", Role::Admin).await;
    let arno = tenant.agent("Arno").await;
    let bot = tenant.bot("Helper").await;

    let settings = arno.api.settings().await.expect("an agent reads settings");
    assert_eq!(settings.default_group_id, tenant.default_group);
    assert_eq!(settings.entry_bot_id, None);

    let with_bot = admin
        .api
        .patch_settings(&PatchSettings {
            entry_bot_id: Patch::Set(bot.id.clone()),
            reply_policy: Some(ReplyPolicy::ReplyAssigns),
            routing: Some(Routing::OnlineThenOffline),
            ..PatchSettings::default()
        })
        .await
        .expect("an admin patches settings");
    assert_eq!(with_bot.entry_bot_id.as_ref(), Some(&bot.id));
    assert_eq!(with_bot.reply_policy, ReplyPolicy::ReplyAssigns);
    assert_eq!(with_bot.routing, Routing::OnlineThenOffline);
    assert_eq!(
        with_bot.default_group_id, tenant.default_group,
        "absent fields are kept"
    );

    // `null` clears the entry bot; everything else stays.
    let raw = tenant
        .owner
        .request(
            Method::PATCH,
            "/v1/settings",
            Some(json!({"entry_bot_id": null})),
        )
        .await
        .expect("an HTTP answer");
    assert_eq!(raw.status, 200, "{raw:?}");
    let cleared: Settings = serde_json::from_str(&raw.body).expect("the answer is settings");
    assert_eq!(cleared.entry_bot_id, None);
    assert_eq!(cleared.reply_policy, ReplyPolicy::ReplyAssigns);
    assert_eq!(
        arno.api.settings().await.expect("settings").entry_bot_id,
        None,
        "the clear is stored"
    );

    assert_api_error(
        arno.api
            .patch_settings(&PatchSettings {
                human_chat_enabled: Some(false),
                ..PatchSettings::default()
            })
            .await,
        403,
        ErrorCode::Forbidden,
    );
    assert_api_error(
        tenant
            .owner
            .patch_settings(&PatchSettings {
                entry_bot_id: Patch::Set(BotId::from("no-such-bot")),
                ..PatchSettings::default()
            })
            .await,
        404,
        ErrorCode::NotFound,
    );
    let raw = tenant
        .owner
        .request(
            Method::PATCH,
            "/v1/settings",
            Some(json!({"routing": "sideways"})),
        )
        .await
        .expect("an HTTP answer");
    assert_eq!(
        (raw.status, raw.error_code()),
        (400, Some(ErrorCode::Invalid)),
        "{raw:?}"
    );
}

#[tokio::test]
async fn a_widget_session_needs_the_app_key_and_gives_a_user_token() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("widget").await;
    let session = gw
        .api()
        .widget_session(&tenant.created.app_key, None)
        .await
        .expect("widget session");
    let (_, welcome) =
        switchboard_load_tests::WsClient::connect_authed(&gw.base_url, &session.token)
            .await
            .expect("the user connects");
    assert_eq!(
        (welcome.role, welcome.id.as_str()),
        (ClientRole::User, session.user_id.as_str())
    );
    let second = gw
        .api()
        .widget_session(&tenant.created.app_key, None)
        .await
        .expect("another session");
    assert_ne!(
        second.user_id, session.user_id,
        "each anonymous session is a new user"
    );

    let bad = gw.api().widget_session("no-such-app-key", None).await;
    assert!(
        matches!(&bad, Err(e) if (400..500).contains(&e.status)),
        "an unknown app key is refused: {bad:?}"
    );
}

#[tokio::test]
async fn conversation_views_follow_the_conversation_through_its_states() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("views").await;
    let (_bot, mut bot_ws) = connected_entry_bot(&gw, &tenant).await;
    let (alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let (_, _user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    let conv = first.conversation_id;

    let listed = |list: Vec<Conversation>| list.iter().any(|c| c.id == conv);
    let view = |v| {
        let api = alice.api.clone();
        async move {
            api.conversations(v)
                .await
                .unwrap_or_else(|e| panic!("view {v:?}: {e}"))
        }
    };
    assert!(
        listed(view(ConversationView::Bot).await),
        "held by the bot: in `bot`"
    );
    assert!(
        listed(view(ConversationView::Open).await),
        "unresolved: in `open`"
    );
    assert!(!listed(view(ConversationView::Unassigned).await));

    bot_ws.handover(&conv).await.expect("handover");
    assert!(
        listed(view(ConversationView::Unassigned).await),
        "queued: in `unassigned`"
    );
    assert!(!listed(view(ConversationView::Bot).await));
    assert!(!listed(view(ConversationView::Mine).await));

    alice_ws.accept(&conv).await.expect("accept");
    assert!(
        listed(view(ConversationView::Mine).await),
        "held by alice: in her `mine`"
    );
    assert!(!listed(view(ConversationView::Unassigned).await));
    assert!(listed(view(ConversationView::Open).await));

    alice_ws.resolve(&conv).await.expect("resolve");
    assert!(
        listed(view(ConversationView::Closed).await),
        "resolved: in `closed`"
    );
    assert!(!listed(view(ConversationView::Open).await));
    assert!(!listed(view(ConversationView::Mine).await));

    let raw = alice
        .api
        .request(Method::GET, "/v1/conversations?view=everything", None)
        .await
        .expect("an HTTP answer");
    assert_eq!(
        (raw.status, raw.error_code()),
        (400, Some(ErrorCode::Invalid)),
        "unknown view: {raw:?}"
    );
    assert_api_error(
        gw.api().conversations(ConversationView::Open).await,
        401,
        ErrorCode::Unauthorized,
    );
}

#[tokio::test]
async fn the_messages_page_honours_after_seq_and_limit() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("pages").await;
    let (user, mut user_ws, first) = user_opens(&gw, &tenant, "one").await;
    let conv = first.conversation_id.clone();
    let second = user_ws
        .send_message(&conv, "u-2", "two")
        .await
        .expect("u-2");
    let third = user_ws
        .send_message(&conv, "u-3", "three")
        .await
        .expect("u-3");

    let all = tenant
        .owner
        .messages(&conv, None, None)
        .await
        .expect("all messages");
    let seqs: Vec<u64> = all.messages.iter().map(|m| m.seq).collect();
    let expected: Vec<u64> = (1..=third.seq).collect();
    assert_eq!(seqs, expected, "ordered by seq, from 1, without gaps");
    assert!(!all.has_more);

    // (System messages may sit between the user's messages, so pages start right before one.)
    let page = tenant
        .owner
        .messages(&conv, Some(second.seq - 1), Some(1))
        .await
        .expect("one page");
    assert_eq!(
        page.messages
            .iter()
            .map(|m| m.id.clone())
            .collect::<Vec<_>>(),
        vec![second.id.clone()]
    );
    assert!(page.has_more, "there is more after the limit");
    let rest = tenant
        .owner
        .messages(&conv, Some(second.seq), None)
        .await
        .expect("the rest");
    let rest_seqs: Vec<u64> = rest.messages.iter().map(|m| m.seq).collect();
    assert_eq!(
        rest_seqs,
        ((second.seq + 1)..=third.seq).collect::<Vec<_>>()
    );
    assert_eq!(
        rest.messages.last().map(|m| m.id.clone()),
        Some(third.id.clone())
    );
    assert!(!rest.has_more);
    let none = tenant
        .owner
        .messages(&conv, Some(third.seq), None)
        .await
        .expect("nothing after the last");
    assert!(none.messages.is_empty() && !none.has_more);

    // The user is a participant, and reads its own conversation.
    let users_view = gw
        .api()
        .with_token(&user.token)
        .messages(&conv, None, None)
        .await
        .expect("the user reads");
    assert_eq!(users_view.messages.len(), all.messages.len());
    assert_api_error(
        tenant
            .owner
            .messages(&ConversationId::from("no-such-conversation"), None, None)
            .await,
        404,
        ErrorCode::NotFound,
    );
}

#[tokio::test]
async fn a_widget_identity_signed_with_the_tenant_secret_names_a_known_user() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("identity").await;
    let secret = tenant.created.identity_secret.as_bytes();
    // `exp` is not among the claims the contract lists; the gateway requires it (see
    // `a_widget_identity_with_only_the_contract_claims_is_accepted`), so it is given here.
    let identity = forge(
        secret,
        &json!({"sub": "customer-42", "name": "Zoe Example", "email": "zoe@example.com",
                "exp": now_secs() + 600}),
    );

    let first = gw
        .api()
        .widget_session(&tenant.created.app_key, Some(&identity))
        .await
        .expect("a session with an identity");
    let again = gw
        .api()
        .widget_session(&tenant.created.app_key, Some(&identity))
        .await
        .expect("the same identity again");
    assert_eq!(first.user_id, again.user_id, "one identity, one user");

    let mut user_ws = gw.connect(&again.token, "identified user").await;
    let message = user_ws
        .send_message(None, "u-1", "Hi, it's Zoe")
        .await
        .expect("u-1");
    let open = tenant
        .owner
        .conversations(ConversationView::Open)
        .await
        .expect("open view");
    let conversation = open
        .iter()
        .find(|c| c.id == message.conversation_id)
        .expect("listed");
    assert_eq!(conversation.user.id, first.user_id);
    assert_eq!(conversation.user.name.as_deref(), Some("Zoe Example"));
    assert_eq!(conversation.user.email.as_deref(), Some("zoe@example.com"));

    let forged = forge(
        b"not-the-identity-secret-at-all",
        &json!({"sub": "customer-42"}),
    );
    let refused = gw
        .api()
        .widget_session(&tenant.created.app_key, Some(&forged))
        .await;
    assert!(
        matches!(&refused, Err(e) if (400..500).contains(&e.status)),
        "an identity signed with another secret is refused: {refused:?}"
    );
    let unsigned = forge_alg_none(&json!({"sub": "customer-42", "exp": now_secs() + 600}));
    let refused = gw
        .api()
        .widget_session(&tenant.created.app_key, Some(&unsigned))
        .await;
    assert!(
        matches!(&refused, Err(e) if (400..500).contains(&e.status)),
        "an unsigned identity is refused: {refused:?}"
    );
}

#[tokio::test]
async fn the_users_messages_page_never_shows_private_notes() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("userpage").await;
    let (alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let (user, _user_ws, first) = user_opens(&gw, &tenant, "Hi").await;
    let conv = first.conversation_id;
    alice_ws.accept(&conv).await.expect("accept");
    let note = alice_ws
        .send_note(&conv, "n-1", "secret note")
        .await
        .expect("note");
    let after = alice_ws
        .send_message(&conv, "a-1", "Hello")
        .await
        .expect("a-1");

    let users_page = gw
        .api()
        .with_token(&user.token)
        .messages(&conv, None, None)
        .await
        .expect("the user reads its conversation over HTTP");
    assert!(
        users_page
            .messages
            .iter()
            .all(|m| !m.private && m.id != note.id),
        "no private message for the user: {:#?}",
        users_page.messages
    );
    assert!(users_page.messages.iter().any(|m| m.id == after.id));
    let around_the_note = gw
        .api()
        .with_token(&user.token)
        .messages(&conv, Some(note.seq - 1), Some(1))
        .await
        .expect("a page starting right before the note");
    assert!(
        around_the_note.messages.iter().all(|m| !m.private),
        "{:#?}",
        around_the_note.messages
    );
    let agents_page = alice
        .api
        .messages(&conv, None, None)
        .await
        .expect("agent page");
    assert!(agents_page.messages.iter().any(|m| m.id == note.id));
}

/// The contract lists the identity claims as `sub`, `name?`, `email?`: a customer backend
/// that signs exactly those must be accepted.
#[tokio::test]
async fn a_widget_identity_with_only_the_contract_claims_is_accepted() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("identity2").await;
    let identity = forge(
        tenant.created.identity_secret.as_bytes(),
        &json!({"sub": "customer-7", "name": "Yan"}),
    );
    let session = gw
        .api()
        .widget_session(&tenant.created.app_key, Some(&identity))
        .await;
    assert!(
        session.is_ok(),
        "an identity with the contract's claims (sub, name) is refused: {session:?}"
    );
}

/// The protocol crate's close codes: 4001 also when "the principal was removed".
#[tokio::test]
async fn a_deleted_agents_socket_is_closed_with_4001() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("removed").await;
    let alice = tenant.agent("Alice").await;
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;
    tenant
        .owner
        .delete_agent(alice.id())
        .await
        .expect("the owner deletes alice");
    let code = alice_ws
        .expect_close(T)
        .await
        .expect("the deleted agent's socket is closed");
    assert_eq!(code, Some(close_code::UNAUTHORIZED));
}
