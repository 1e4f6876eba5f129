//! The widget's backend: allowed origins on config, sessions and sockets; CORS; signed
//! identities (valid, expired, wrong key, missing when required) and the secret's rotation;
//! the user's current conversation; and the iframe page's `frame-ancestors`.

mod support;

use reqwest::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_SECURITY_POLICY, ORIGIN};
use serde_json::{Value, json};
use support::*;
use switchboard_load_tests::WsClient;
use switchboard_protocol::api::*;
use switchboard_protocol::*;

const SHOP: &str = "https://shop.example";
const EVIL: &str = "https://evil.example";

async fn restrict_origins(tenant: &Tenant, origins: &[&str]) -> Settings {
    tenant
        .owner
        .patch_settings(&PatchSettings {
            widget_origins: Some(origins.iter().map(|o| (*o).to_owned()).collect()),
            ..PatchSettings::default()
        })
        .await
        .expect("the owner sets the widget origins")
}

/// A raw call as a browser page on `origin` would make it.
async fn call_from(
    gw: &TestGateway,
    method: reqwest::Method,
    path: &str,
    origin: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", gw.base_url));
    if let Some(origin) = origin {
        request = request.header(ORIGIN, origin);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("an HTTP answer")
}

fn allow_origin(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get(ACCESS_CONTROL_ALLOW_ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn identity(secret: &str, sub: &str, exp_in_secs: i64) -> String {
    forge(
        secret.as_bytes(),
        &json!({"sub": sub, "name": "Ann Lee", "email": "ann@example.com",
                "exp": now_secs() + exp_in_secs}),
    )
}

#[tokio::test]
async fn the_origin_list_is_validated_normalized_and_admin_only() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("origins").await;
    let fresh = tenant.owner.settings().await.expect("settings");
    assert!(fresh.widget_origins.is_empty(), "every origin by default");
    assert!(!fresh.widget_identity_required);
    assert_eq!(fresh.app_key, tenant.created.app_key, "for the widget tag");

    let settings = restrict_origins(&tenant, &["HTTPS://Shop.Example/", SHOP]).await;
    assert_eq!(settings.widget_origins, vec![SHOP.to_owned()]);
    assert_eq!(
        tenant
            .owner
            .settings()
            .await
            .expect("settings")
            .widget_origins,
        vec![SHOP.to_owned()],
        "stored"
    );
    for bad in [
        "shop.example",
        "https://shop.example/path",
        "https://*.example",
    ] {
        assert_api_error(
            tenant
                .owner
                .patch_settings(&PatchSettings {
                    widget_origins: Some(vec![bad.to_owned()]),
                    ..PatchSettings::default()
                })
                .await,
            400,
            ErrorCode::Invalid,
        );
    }
    let agent = tenant.agent("plain").await;
    assert_api_error(
        agent
            .api
            .patch_settings(&PatchSettings {
                widget_origins: Some(vec![]),
                ..PatchSettings::default()
            })
            .await,
        403,
        ErrorCode::Forbidden,
    );
    assert_eq!(
        tenant
            .owner
            .settings()
            .await
            .expect("settings")
            .widget_origins,
        vec![SHOP.to_owned()],
        "a refused patch changes nothing"
    );
}

#[tokio::test]
async fn config_and_sessions_answer_allowed_origins_with_cors_and_refuse_others() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("cors").await;
    let key = &tenant.created.app_key;
    let config_path = format!("/v1/widget/config?app_key={key}");

    // No list yet: any origin.
    let open = call_from(&gw, reqwest::Method::GET, &config_path, Some(EVIL), None).await;
    assert_eq!(open.status(), 200);
    assert_eq!(allow_origin(&open).as_deref(), Some(EVIL));

    restrict_origins(&tenant, &[SHOP]).await;
    let allowed = call_from(&gw, reqwest::Method::GET, &config_path, Some(SHOP), None).await;
    assert_eq!(allowed.status(), 200);
    assert_eq!(allow_origin(&allowed).as_deref(), Some(SHOP));
    let config: WidgetConfig = allowed.json().await.expect("config");
    assert_eq!(
        config,
        WidgetConfig {
            app_key: key.clone(),
            human_chat_enabled: true,
            identity_required: false
        }
    );

    let refused = call_from(&gw, reqwest::Method::GET, &config_path, Some(EVIL), None).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        allow_origin(&refused).as_deref(),
        Some(EVIL),
        "the loader may read why it was refused"
    );
    let body: Value = refused.json().await.expect("an error body");
    assert_eq!(body["error"]["code"], "forbidden");
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(1),
        "the refusal holds nothing but the error: {body}"
    );

    let unknown = call_from(
        &gw,
        reqwest::Method::GET,
        "/v1/widget/config?app_key=nope",
        Some(SHOP),
        None,
    )
    .await;
    assert_eq!(unknown.status(), 404);
    let missing = call_from(&gw, reqwest::Method::GET, "/v1/widget/config", None, None).await;
    assert_eq!(missing.status(), 400);

    // Sessions: the preflight, then the checked request.
    let preflight = reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v1/widget/sessions", gw.base_url),
        )
        .header(ORIGIN, SHOP)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .expect("preflight");
    assert_eq!(preflight.status(), 204);
    assert_eq!(allow_origin(&preflight).as_deref(), Some(SHOP));
    assert_eq!(
        preflight
            .headers()
            .get("access-control-allow-headers")
            .and_then(|v| v.to_str().ok()),
        Some("content-type")
    );

    let body = json!({"app_key": key});
    let session = call_from(
        &gw,
        reqwest::Method::POST,
        "/v1/widget/sessions",
        Some(SHOP),
        Some(body.clone()),
    )
    .await;
    assert_eq!(session.status(), 200);
    assert_eq!(allow_origin(&session).as_deref(), Some(SHOP));
    let refused = call_from(
        &gw,
        reqwest::Method::POST,
        "/v1/widget/sessions",
        Some(EVIL),
        Some(body.clone()),
    )
    .await;
    assert_eq!(refused.status(), 403);
    assert_eq!(allow_origin(&refused), None);

    // The gateway's own pages (the widget's iframe) and non-browser clients always pass.
    let own_origin = gw.base_url.clone();
    let own = call_from(
        &gw,
        reqwest::Method::POST,
        "/v1/widget/sessions",
        Some(&own_origin),
        Some(body.clone()),
    )
    .await;
    assert_eq!(own.status(), 200, "same origin");
    let no_browser = call_from(
        &gw,
        reqwest::Method::POST,
        "/v1/widget/sessions",
        None,
        Some(body),
    )
    .await;
    assert_eq!(no_browser.status(), 200);
}

#[tokio::test]
async fn a_user_socket_from_a_refused_origin_is_closed_with_4003() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("socket-origin").await;
    restrict_origins(&tenant, &[SHOP]).await;
    let user = tenant.user().await;

    let mut refused = WsClient::connect_from(&gw.base_url, Some(EVIL))
        .await
        .expect("the upgrade itself succeeds");
    let refusal = refused.auth(&user.token).await.expect_err("refused");
    assert_eq!(refusal.code(), Some(ErrorCode::Forbidden), "{refusal}");
    assert_eq!(
        refused
            .expect_close(std::time::Duration::from_secs(5))
            .await
            .expect("closed"),
        Some(close_code::FORBIDDEN_ORIGIN)
    );

    for origin in [Some(SHOP), Some(gw.base_url.as_str()), None] {
        let mut allowed = WsClient::connect_from(&gw.base_url, origin)
            .await
            .expect("connect");
        let welcome = allowed.auth(&user.token).await.expect("welcome");
        assert_eq!(welcome.role, ClientRole::User, "{origin:?}");
    }

    // Agents are not widget users: their origin is not checked (the desk is same-origin).
    let mut agent = WsClient::connect_from(&gw.base_url, Some(EVIL))
        .await
        .expect("connect");
    agent.auth(&tenant.owner_token).await.expect("an agent");
}

#[tokio::test]
async fn identities_valid_expired_wrong_key_and_missing_when_required() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("identity-required").await;
    let key = tenant.created.app_key.clone();
    let secret = tenant.created.identity_secret.clone();
    let api = tenant.anonymous();

    let first = api
        .widget_session(&key, Some(&identity(&secret, "cust-42", 300)))
        .await
        .expect("a valid identity");
    let other_device = api
        .widget_session(&key, Some(&identity(&secret, "cust-42", 300)))
        .await
        .expect("the same identity again");
    assert_eq!(
        first.user_id, other_device.user_id,
        "one user across devices"
    );

    assert_api_error(
        api.widget_session(&key, Some(&identity(&secret, "cust-42", -120)))
            .await,
        401,
        ErrorCode::Unauthorized,
    );
    assert_api_error(
        api.widget_session(&key, Some(&identity("not-the-secret", "cust-42", 300)))
            .await,
        401,
        ErrorCode::Unauthorized,
    );
    assert_api_error(
        api.widget_session(&key, Some("not.a.jwt")).await,
        401,
        ErrorCode::Unauthorized,
    );

    // Anonymous sessions are fine until the tenant requires identities.
    let anonymous = api.widget_session(&key, None).await.expect("anonymous");
    gw.connect(&anonymous.token, "anonymous user").await;
    let settings = tenant
        .owner
        .patch_settings(&PatchSettings {
            widget_identity_required: Some(true),
            ..PatchSettings::default()
        })
        .await
        .expect("require identities");
    assert!(settings.widget_identity_required);
    assert_api_error(
        api.widget_session(&key, None).await,
        401,
        ErrorCode::Unauthorized,
    );
    let config: WidgetConfig = call_from(
        &gw,
        reqwest::Method::GET,
        &format!("/v1/widget/config?app_key={key}"),
        None,
        None,
    )
    .await
    .json()
    .await
    .expect("config");
    assert!(config.identity_required);
    let verified = api
        .widget_session(&key, Some(&identity(&secret, "cust-7", 300)))
        .await
        .expect("a signed one still works");
    gw.connect(&verified.token, "verified user").await;
    verified_user_conversation(&tenant, &verified.token).await;

    // A session opened anonymously before the switch no longer gets in.
    assert_socket_refuses_token(&gw, &anonymous.token, "an anonymous session").await;
    assert_api_error(
        tenant
            .anonymous()
            .with_token(&anonymous.token)
            .widget_conversation()
            .await,
        401,
        ErrorCode::Unauthorized,
    );
}

async fn verified_user_conversation(tenant: &Tenant, token: &str) {
    let current = tenant
        .anonymous()
        .with_token(token)
        .widget_conversation()
        .await
        .expect("a verified user reads their conversation");
    assert_eq!(current.conversation, None);
}

#[tokio::test]
async fn rotating_the_identity_secret_refuses_identities_signed_with_the_old_one() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("rotate").await;
    let key = tenant.created.app_key.clone();
    let old = tenant.created.identity_secret.clone();

    let shown: IdentitySecret = tenant
        .owner
        .identity_secret()
        .await
        .expect("the owner reads the secret");
    assert_eq!(shown.identity_secret, old);

    let rotated: IdentitySecret = tenant
        .owner
        .rotate_identity_secret()
        .await
        .expect("the owner rotates it");
    assert_ne!(rotated.identity_secret, old);
    assert!(rotated.identity_secret.len() >= 32);

    let api = tenant.anonymous();
    assert_api_error(
        api.widget_session(&key, Some(&identity(&old, "cust-1", 300)))
            .await,
        401,
        ErrorCode::Unauthorized,
    );
    api.widget_session(
        &key,
        Some(&identity(&rotated.identity_secret, "cust-1", 300)),
    )
    .await
    .expect("the new secret works");

    let agent = tenant.agent("not-admin").await;
    assert_api_error(agent.api.identity_secret().await, 403, ErrorCode::Forbidden);
    assert_api_error(
        agent.api.rotate_identity_secret().await,
        403,
        ErrorCode::Forbidden,
    );
    // Another tenant's owner reads only their own.
    let other = gw.create_tenant("rotate-other").await;
    let theirs: IdentitySecret = other.owner.identity_secret().await.expect("read");
    assert_eq!(theirs.identity_secret, other.created.identity_secret);
}

#[tokio::test]
async fn the_widget_finds_the_users_current_conversation() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("current").await;
    let user = tenant.user().await;
    let as_user = tenant.anonymous().with_token(&user.token);
    let current: WidgetConversation = as_user.widget_conversation().await.expect("none yet");
    assert_eq!(current.conversation, None);

    let mut socket = gw.connect(&user.token, "user").await;
    let conversation = socket
        .send_message(None, "u-1", "hello")
        .await
        .expect("the first message")
        .conversation_id;
    let current: WidgetConversation = as_user.widget_conversation().await.expect("the open one");
    assert_eq!(
        current.conversation.map(|c| c.id),
        Some(conversation.clone())
    );
    assert_eq!(
        current.queue_position.map(|p| (p.position, p.queue_length)),
        Some((1, 1)),
        "waiting first in the default group's queue"
    );

    let mut owner = gw.connect(&tenant.owner_token, "owner").await;
    owner.accept(&conversation).await.expect("accept");
    owner.resolve(&conversation).await.expect("resolve");
    let current: WidgetConversation = as_user
        .widget_conversation()
        .await
        .expect("the resolved one");
    assert_eq!(current.queue_position, None, "no longer waiting");
    let resolved = current.conversation.expect("still shown");
    assert_eq!(resolved.id, conversation);
    assert_eq!(resolved.status, ConversationStatus::Resolved);

    assert_api_error(
        tenant.owner.widget_conversation().await,
        403,
        ErrorCode::Forbidden,
    );
}

#[tokio::test]
async fn the_widget_page_may_be_framed_only_by_allowed_origins() {
    let web = tempfile::tempdir().expect("a web dir");
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>desk</title>",
    )
    .expect("index.html");
    std::fs::write(
        web.path().join("widget.html"),
        "<!doctype html><title>widget</title>",
    )
    .expect("widget.html");
    std::fs::write(web.path().join("widget.js"), "/* loader */").expect("widget.js");
    let gw = TestGateway::start_with_web_dir(web.path()).await;
    let tenant = gw.create_tenant("frame").await;
    let path = format!("/widget/frame?app_key={}", tenant.created.app_key);

    let csp = |response: &reqwest::Response| {
        response
            .headers()
            .get(CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let open = call_from(&gw, reqwest::Method::GET, &path, None, None).await;
    assert_eq!(open.status(), 200);
    assert!(csp(&open).contains("frame-ancestors *"), "{}", csp(&open));
    assert!(
        open.text()
            .await
            .expect("page")
            .contains("<title>widget</title>")
    );

    restrict_origins(&tenant, &[SHOP, "http://localhost:8080"]).await;
    let restricted = call_from(&gw, reqwest::Method::GET, &path, None, None).await;
    assert!(
        csp(&restricted).ends_with("frame-ancestors https://shop.example http://localhost:8080"),
        "{}",
        csp(&restricted)
    );

    let desk = call_from(&gw, reqwest::Method::GET, "/", None, None).await;
    assert!(
        csp(&desk).contains("frame-ancestors 'none'"),
        "the desk is never framed"
    );
    let unknown = call_from(
        &gw,
        reqwest::Method::GET,
        "/widget/frame?app_key=nope",
        None,
        None,
    )
    .await;
    assert_eq!(unknown.status(), 404);
    let loader = call_from(&gw, reqwest::Method::GET, "/widget.js", None, None).await;
    assert_eq!(loader.status(), 200);
    assert_eq!(loader.text().await.expect("loader"), "/* loader */");
}
