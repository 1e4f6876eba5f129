//! v1.1 directory additions (issue 12), black-box over HTTP: the owner starts in the default
//! group, `POST /v1/agents` with `group_ids`, and bots ↔ groups (`GET /v1/bots`,
//! `PATCH /v1/bots/{id}`), with their bad inputs (clear error, nothing changed).

mod support;

use serde_json::json;
use support::*;
use switchboard_load_tests::api::Method;
use switchboard_protocol::api::*;
use switchboard_protocol::*;

fn new_agent(login: &str, group_ids: Option<Vec<GroupId>>) -> CreateAgent {
    CreateAgent {
        full_name: "New Agent".to_owned(),
        login: login.to_owned(),
        email: format!("{login}@example.com"),
        password: Some("new-agent-password-1".to_owned()),
        role: None,
        group_ids,
    }
}

#[tokio::test]
async fn the_owner_starts_in_the_default_group() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("owner-group").await;
    let me = tenant.owner.me().await.expect("owner reads itself");
    assert_eq!(me.group_ids, vec![tenant.default_group.clone()]);
    let default = group(&tenant, &tenant.default_group).await;
    assert_eq!(default.member_ids, vec![tenant.owner_id().clone()]);
}

#[tokio::test]
async fn a_new_agent_joins_the_groups_named_at_creation_and_bad_groups_create_nothing() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("agent-groups").await;
    let other = gw.create_tenant("agent-groups-other").await;
    let billing = second_group(&tenant, "Billing", &[]).await;

    // Two groups, one named twice: the agent is a member of both, listed once each.
    let login = unique("in-groups");
    let created = tenant
        .owner
        .create_agent(&new_agent(
            &login,
            Some(vec![
                tenant.default_group.clone(),
                billing.id.clone(),
                billing.id.clone(),
            ]),
        ))
        .await
        .expect("owner creates an agent in two groups");
    let mut expected = vec![tenant.default_group.clone(), billing.id.clone()];
    expected.sort();
    assert_eq!(created.agent.group_ids, expected);
    assert!(
        group(&tenant, &billing.id)
            .await
            .member_ids
            .contains(&created.agent.id)
    );

    // Absent and empty: no groups, as in v1.
    let absent = tenant
        .owner
        .create_agent(&new_agent(&unique("no-groups"), None))
        .await
        .expect("absent group_ids");
    assert!(absent.agent.group_ids.is_empty());
    let empty = tenant
        .owner
        .create_agent(&new_agent(&unique("empty-groups"), Some(Vec::new())))
        .await
        .expect("empty group_ids");
    assert!(empty.agent.group_ids.is_empty());

    // Another tenant's group, or an unknown one: not_found, and no agent exists afterwards
    // (the same login can still be used).
    for bad in [
        other.default_group.clone(),
        GroupId("no-such-group".to_owned()),
    ] {
        let login = unique("bad-group");
        let agents_before = tenant.owner.agents().await.expect("list").len();
        let result = tenant
            .owner
            .create_agent(&new_agent(
                &login,
                Some(vec![tenant.default_group.clone(), bad]),
            ))
            .await;
        assert_api_error(result, 404, ErrorCode::NotFound);
        assert_eq!(
            tenant.owner.agents().await.expect("list").len(),
            agents_before
        );
        assert!(
            tenant
                .anonymous()
                .login(&login, "new-agent-password-1")
                .await
                .is_err(),
            "the refused agent cannot log in"
        );
        tenant
            .owner
            .create_agent(&new_agent(&login, None))
            .await
            .expect("the login is still free");
    }
    let default = group(&tenant, &tenant.default_group).await;
    assert_eq!(default.member_ids.len(), 2, "owner and the first agent");

    // Malformed ids: invalid request body.
    let raw = tenant
        .owner
        .request(
            Method::POST,
            "/v1/agents",
            Some(
                json!({"full_name": "X", "login": unique("x"), "email": "x@example.com",
                        "password": "pw-123456", "group_ids": "not-a-list"}),
            ),
        )
        .await
        .expect("answer");
    assert_eq!(raw.error_code(), Some(ErrorCode::Invalid), "{raw:?}");
}

#[tokio::test]
async fn bots_list_their_groups_and_admins_patch_them() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("bot-groups").await;
    let other = gw.create_tenant("bot-groups-other").await;
    let billing = second_group(&tenant, "Billing", &[]).await;
    let bot = tenant.bot("Helper").await;
    let admin = tenant.agent_with_role("Ada", Role::Admin).await;
    let plain = tenant.agent_in_default_group("Pat").await;
    let foreign_bot = other.bot("Foreign").await;

    let listed = tenant.owner.bots().await.expect("bots");
    assert_eq!(listed.len(), 1);
    assert!(listed[0].group_ids.is_empty());

    let path = format!("/v1/bots/{}", bot.id);
    let patched = admin
        .api
        .request(
            Method::PATCH,
            &path,
            Some(json!({"name": "  Concierge  ", "group_ids": [billing.id, tenant.default_group, billing.id]})),
        )
        .await
        .expect("answer");
    assert_eq!(patched.status, 200, "{patched:?}");
    let info: BotInfo = serde_json::from_str(&patched.body).expect("BotInfo");
    let mut both = vec![tenant.default_group.clone(), billing.id.clone()];
    both.sort();
    assert_eq!(info.name, "Concierge");
    assert_eq!(info.group_ids, both);
    assert!(!info.connected);
    let listed = plain.api.bots().await.expect("bots as a plain agent");
    assert_eq!(listed[0].group_ids, both);
    assert_eq!(listed[0].name, "Concierge");

    // Only the name: the groups stay; only the groups: the name stays.
    let raw = tenant
        .owner
        .request(Method::PATCH, &path, Some(json!({"name": "Concierge 2"})))
        .await
        .expect("answer");
    let info: BotInfo = serde_json::from_str(&raw.body).expect("BotInfo");
    assert_eq!(
        (info.name.as_str(), info.group_ids.clone()),
        ("Concierge 2", both.clone())
    );
    let raw = tenant
        .owner
        .request(
            Method::PATCH,
            &path,
            Some(json!({"group_ids": [billing.id]})),
        )
        .await
        .expect("answer");
    let info: BotInfo = serde_json::from_str(&raw.body).expect("BotInfo");
    assert_eq!(
        (info.name.as_str(), info.group_ids.clone()),
        ("Concierge 2", vec![billing.id.clone()])
    );

    // Bad inputs: nothing changes.
    let long = "x".repeat(1000);
    let cases = [
        (
            &plain.api,
            path.clone(),
            json!({"name": "Mine"}),
            ErrorCode::Forbidden,
        ),
        (
            &tenant.owner,
            path.clone(),
            json!({"name": "   "}),
            ErrorCode::Invalid,
        ),
        (
            &tenant.owner,
            path.clone(),
            json!({"name": long}),
            ErrorCode::TooLarge,
        ),
        (
            &tenant.owner,
            path.clone(),
            json!({"group_ids": [other.default_group]}),
            ErrorCode::NotFound,
        ),
        (
            &tenant.owner,
            path.clone(),
            json!({"name": "X", "group_ids": [tenant.default_group, "nope"]}),
            ErrorCode::NotFound,
        ),
        (
            &tenant.owner,
            path.clone(),
            json!({"group_ids": "nope"}),
            ErrorCode::Invalid,
        ),
        (
            &tenant.owner,
            format!("/v1/bots/{}", foreign_bot.id),
            json!({"name": "Stolen"}),
            ErrorCode::NotFound,
        ),
        (
            &tenant.owner,
            "/v1/bots/no-such-bot".to_owned(),
            json!({"name": "X"}),
            ErrorCode::NotFound,
        ),
    ];
    for (api, path, body, code) in cases {
        let raw = api
            .request(Method::PATCH, &path, Some(body.clone()))
            .await
            .expect("answer");
        assert_eq!(raw.error_code(), Some(code), "{body}: {raw:?}");
    }
    let listed = tenant.owner.bots().await.expect("bots");
    assert_eq!(listed[0].name, "Concierge 2");
    assert_eq!(listed[0].group_ids, vec![billing.id.clone()]);
    let theirs = other.owner.bots().await.expect("other tenant's bots");
    assert_eq!(theirs[0].name, "Foreign");

    // An empty list clears.
    let raw = tenant
        .owner
        .request(Method::PATCH, &path, Some(json!({"group_ids": []})))
        .await
        .expect("answer");
    let info: BotInfo = serde_json::from_str(&raw.body).expect("BotInfo");
    assert!(info.group_ids.is_empty());
}
