//! Tenants and their settings (`TenantStore`).

use super::*;

pub(super) async fn tenants_and_settings(b: Backend) {
    let s = &b.store;
    s.ping().await.expect("ping");
    let app_key = unique("app-key");
    let owner_login = unique("owner");
    let (tenant, owner) = s
        .create_tenant(
            NewTenant {
                name: "Acme".to_owned(),
                app_key: app_key.clone(),
                identity_secret: "s3cret".to_owned(),
                default_group_name: "General".to_owned(),
            },
            new_agent(&owner_login, Role::Owner),
        )
        .await
        .unwrap();
    assert_eq!(tenant.name, "Acme");
    assert_eq!(tenant.app_key, app_key);
    assert_eq!(tenant.identity_secret, "s3cret");
    let default_group = tenant.settings.default_group_id.clone();
    assert_eq!(
        tenant.settings,
        Settings {
            human_chat_enabled: true,
            routing: Routing::OnlineOnly,
            reply_policy: ReplyPolicy::AcceptFirst,
            entry_bot_id: None,
            default_group_id: default_group.clone(),
            reopen_fallback: ReopenFallback::Queue,
            after_resolve: AfterResolve::Reopen,
            bot_timeout_secs: 30,
            offline_grace_secs: 60,
            widget_origins: vec![],
            widget_identity_required: false,
            app_key: app_key.clone(),
        }
    );
    let groups = s.groups(&tenant.id).await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].id, default_group);
    assert_eq!(groups[0].name, "General");
    assert_eq!(groups[0].assignment, Assignment::Manual);
    // v1.1 (issue 12): the owner starts in the default group.
    assert_eq!(groups[0].member_ids, vec![owner.id.clone()]);
    assert!(groups[0].business_hours.is_none());

    assert_eq!(owner.tenant_id, tenant.id);
    assert_eq!(owner.login, owner_login);
    assert_eq!(owner.role, Role::Owner);
    assert_eq!(owner.status, AgentStatus::Verified);
    assert_eq!(owner.presence, Presence::Offline);
    assert_eq!(owner.capacity, None);
    assert_eq!(owner.group_ids, vec![default_group.clone()]);
    assert_eq!(owner.password_hash.as_deref(), Some("argon2-hash"));

    let read = s.tenant(&tenant.id).await.unwrap();
    assert!(same(&read, &tenant));
    let by_key = s.tenant_by_app_key(&app_key).await.unwrap().unwrap();
    assert!(same(&by_key, &tenant));
    assert!(s.tenant_by_app_key("no-such-key").await.unwrap().is_none());
    assert!(matches!(
        s.tenant(&TenantId::from("no-such-tenant")).await,
        Err(Error::NotFound("tenant"))
    ));

    let bot = s.insert_bot(&tenant.id, "Greeter").await.unwrap();
    let billing = s
        .insert_group(
            &tenant.id,
            NewGroup {
                name: "Billing".to_owned(),
                assignment: Assignment::Auto,
                business_hours: None,
            },
        )
        .await
        .unwrap();
    let changed = Settings {
        human_chat_enabled: false,
        routing: Routing::OnlineThenOffline,
        reply_policy: ReplyPolicy::ReplyAssigns,
        entry_bot_id: Some(bot.id.clone()),
        default_group_id: billing.id.clone(),
        reopen_fallback: ReopenFallback::EntryBot,
        after_resolve: AfterResolve::NewConversation,
        bot_timeout_secs: 5,
        offline_grace_secs: 120,
        widget_origins: vec![
            "https://shop.example".to_owned(),
            "http://localhost:8080".to_owned(),
        ],
        widget_identity_required: true,
        app_key: app_key.clone(),
    };
    s.update_settings(&tenant.id, &changed).await.unwrap();
    assert_eq!(s.tenant(&tenant.id).await.unwrap().settings, changed);
    s.set_identity_secret(&tenant.id, "rotated").await.unwrap();
    assert_eq!(
        s.tenant(&tenant.id).await.unwrap().identity_secret,
        "rotated"
    );
    let back = Settings {
        human_chat_enabled: true,
        entry_bot_id: None,
        ..changed.clone()
    };
    s.update_settings(&tenant.id, &back).await.unwrap();
    assert_eq!(s.tenant(&tenant.id).await.unwrap().settings, back);

    // Another tenant's settings are its own.
    let (other, _) = new_tenant(s).await;
    assert!(other.settings.human_chat_enabled);
    assert_ne!(other.settings.default_group_id, billing.id);
    assert_eq!(s.tenant(&tenant.id).await.unwrap().settings, back);

    // A taken owner login fails the whole tenant.
    let second_key = unique("app-key");
    let result = s
        .create_tenant(
            NewTenant {
                name: "Copycat".to_owned(),
                app_key: second_key.clone(),
                identity_secret: "x".to_owned(),
                default_group_name: "General".to_owned(),
            },
            new_agent(&owner_login, Role::Owner),
        )
        .await;
    assert_eq!(conflict_message(result), "this login is taken");
    assert!(s.tenant_by_app_key(&second_key).await.unwrap().is_none());
}
