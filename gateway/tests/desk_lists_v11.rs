//! v1.1 desk lists (issue 12), black-box over HTTP and sockets: the `bot_id` filter of
//! `GET /v1/conversations` (the per-bot view of handovers) and `GET /v1/users/{id}/conversations`
//! (the contact panel's earlier conversations), with their bad inputs.

mod support;

use support::*;
use switchboard_load_tests::api::Method;
use switchboard_protocol::api::*;
use switchboard_protocol::*;

async fn listed(api: &switchboard_load_tests::api::Api, query: &str) -> Vec<ConversationId> {
    let raw = api
        .request(Method::GET, &format!("/v1/conversations?{query}"), None)
        .await
        .expect("answer");
    assert_eq!(raw.status, 200, "{query}: {raw:?}");
    let list: ConversationList = serde_json::from_str(&raw.body).expect("a list");
    list.conversations.into_iter().map(|c| c.id).collect()
}

async fn code_of(api: &switchboard_load_tests::api::Api, path: &str) -> Option<ErrorCode> {
    api.request(Method::GET, path, None)
        .await
        .expect("answer")
        .error_code()
}

#[tokio::test]
async fn the_bot_filter_lists_the_conversations_a_bot_took_part_in() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("bot-filter").await;
    let other = gw.create_tenant("bot-filter-other").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let (helper, mut bot_ws) = connected_entry_bot(&gw, &tenant).await;
    let quiet = tenant.bot("Quiet").await;
    let foreign = other.bot("Foreign").await;

    // A: the bot answers, then hands over (queued). B: the bot holds it, silent.
    let (_a_user, a) = conversation_with_the_bot(&gw, &tenant, &mut bot_ws).await;
    bot_ws
        .send_message(&a, &unique("b"), "Let me find someone")
        .await
        .expect("the bot answers");
    bot_ws.handover(&a).await.expect("the bot hands over");
    let (_b_user, b) = conversation_with_the_bot(&gw, &tenant, &mut bot_ws).await;
    // C: no entry bot any more, so queued without a bot.
    patch_settings(
        &tenant,
        PatchSettings {
            entry_bot_id: Patch::Clear,
            ..PatchSettings::default()
        },
    )
    .await;
    let (_c_user, c) = customer_with_conversation(&gw, &tenant, "c").await;

    let bot = format!("bot_id={}", helper.id);
    assert_eq!(
        listed(&tenant.owner, &format!("view=unassigned&{bot}")).await,
        vec![a.clone()]
    );
    let mut open = listed(&tenant.owner, &format!("view=open&{bot}")).await;
    open.sort();
    let mut both = vec![a.clone(), b.clone()];
    both.sort();
    assert_eq!(open, both);
    assert_eq!(
        listed(&tenant.owner, &format!("view=bot&{bot}")).await,
        vec![b.clone()]
    );
    assert_eq!(
        listed(&alice.api, &format!("view=unassigned&{bot}")).await,
        vec![a.clone()]
    );
    assert!(
        listed(&tenant.owner, &format!("view=open&bot_id={}", quiet.id))
            .await
            .is_empty()
    );
    let unfiltered = listed(&tenant.owner, "view=unassigned").await;
    assert!(unfiltered.contains(&a) && unfiltered.contains(&c));
    // It combines with the text search.
    assert!(
        listed(
            &tenant.owner,
            &format!("view=open&{bot}&q=nothing-like-this")
        )
        .await
        .is_empty()
    );

    // Unknown or another tenant's bot: not_found; a plain agent in no group sees nothing.
    for bad in [
        format!("bot_id={}", foreign.id),
        "bot_id=no-such-bot".to_owned(),
    ] {
        assert_eq!(
            code_of(&tenant.owner, &format!("/v1/conversations?view=open&{bad}")).await,
            Some(ErrorCode::NotFound),
            "{bad}"
        );
    }
    let loner = tenant.agent("Lone").await;
    assert!(
        listed(&loner.api, &format!("view=unassigned&{bot}"))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_users_conversations_are_listed_for_agents_who_may_see_them() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("user-convs").await;
    let other = gw.create_tenant("user-convs-other").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let loner = tenant.agent("Lone").await;
    let (user, _ws, first) = user_opens(&gw, &tenant, "Hello").await;
    let (stranger, _sws, _) = user_opens(&gw, &tenant, "Someone else").await;
    let path = format!("/v1/users/{}/conversations", user.user_id);

    for api in [&tenant.owner, &alice.api] {
        let raw = api.request(Method::GET, &path, None).await.expect("answer");
        assert_eq!(raw.status, 200, "{raw:?}");
        let list: ConversationList = serde_json::from_str(&raw.body).expect("a list");
        let ids: Vec<_> = list.conversations.iter().map(|c| c.id.clone()).collect();
        assert_eq!(ids, vec![first.conversation_id.clone()]);
        assert_eq!(list.conversations[0].user.id, user.user_id);
    }
    assert_ne!(stranger.user_id, user.user_id);

    // Not visible to an agent of no group; unknown and other tenants' users: not_found.
    assert_eq!(code_of(&loner.api, &path).await, Some(ErrorCode::NotFound));
    assert_eq!(
        code_of(&other.owner, &path).await,
        Some(ErrorCode::NotFound)
    );
    assert_eq!(
        code_of(&tenant.owner, "/v1/users/no-such-user/conversations").await,
        Some(ErrorCode::NotFound)
    );
    assert_eq!(
        code_of(&tenant.anonymous(), &path).await,
        Some(ErrorCode::Unauthorized)
    );
}
