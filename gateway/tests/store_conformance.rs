//! One conformance suite for every `Store`: each test below is written once against
//! `Arc<dyn Store>` and runs on SQLite (a temp file) and on PostgreSQL (a database of its own
//! on a real server started by the harness). On PostgreSQL the concurrency tests drive two
//! separate `PostgresStore`s, two pools on one database, as two gateway nodes would.

#[path = "support/postgres.rs"]
mod postgres_server;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use switchboard::clock;
use switchboard::domain::transitions;
use switchboard::principal::AgentPrincipal;
use switchboard::store::*;
use switchboard::{Error, Result};
use switchboard_protocol::*;

/// The store under test and what keeps its database alive.
struct Backend {
    store: Arc<dyn Store>,
    /// Another store on the same database: a second node. On SQLite, the same store (one
    /// process owns an SQLite file).
    other: Arc<dyn Store>,
    /// The temp dir or the PostgreSQL database. Dropped last, after the stores: the
    /// database goes with it.
    _keep: Box<dyn std::any::Any + Send>,
}

async fn sqlite() -> Backend {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await.expect("open SQLite"));
    Backend {
        other: store.clone(),
        store,
        _keep: Box::new(dir),
    }
}

async fn postgres() -> Backend {
    let database = postgres_server::test_database().await;
    let store = PostgresStore::open(&database.url)
        .await
        .expect("open PostgreSQL");
    let other = PostgresStore::open(&database.url)
        .await
        .expect("open PostgreSQL a second time");
    Backend {
        store: Arc::new(store),
        other: Arc::new(other),
        _keep: Box::new(database),
    }
}

/// Each test runs on both stores.
macro_rules! conformance {
    (tests: [$($name:ident),* $(,)?] $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::sqlite().await).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::postgres().await).await
                }
            )*
        }
    };
}

conformance! {
    tests: [
        tenants_and_settings,
        agents_logins_updates_and_deletion,
        groups_and_their_members,
        bots_are_listed_until_deleted,
        users_and_the_upsert_by_external_id,
        open_conversation_numbers_its_messages_from_one,
        modify_conversation_applies_the_decision,
        unchanged_decision_writes_nothing,
        conversation_lists_by_status_visibility_and_order,
        latest_open_conversation_is_the_most_recently_updated,
        messages_page_in_both_directions,
        message_by_client_id_and_its_unique_key,
        another_tenants_ids_find_nothing,
        concurrent_appends_get_gap_free_seq,
        concurrent_accepts_have_exactly_one_winner,
        concurrent_retries_store_one_message,
        concurrent_auto_assignments_never_exceed_capacity,
        queue_stats_and_order,

        set_group_members_needs_a_group_of_the_tenant,
        open_conversation_needs_a_user_and_group_of_the_tenant,

        desk_contact_fields_and_notes,
        desk_quick_responses,
        desk_attachments_and_their_links,
        desk_conversation_filters,
    ],
}

// ---- helpers ----------------------------------------------------------------------------

static UNIQUE: AtomicU64 = AtomicU64::new(1);

/// Logins are unique across the gateway: every test makes its own.
fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        UNIQUE.fetch_add(1, Ordering::Relaxed)
    )
}

fn new_agent(login: &str, role: Role) -> NewAgent {
    NewAgent {
        full_name: format!("Agent {login}"),
        login: login.to_owned(),
        email: format!("{login}@example.com"),
        role,
        status: AgentStatus::Verified,
        password_hash: Some("argon2-hash".to_owned()),
        invite_token_hash: None,
    }
}

async fn new_tenant(store: &Arc<dyn Store>) -> (TenantRecord, AgentRecord) {
    store
        .create_tenant(
            NewTenant {
                name: "Acme".to_owned(),
                app_key: unique("app-key"),
                identity_secret: "identity-secret".to_owned(),
                default_group_name: "General".to_owned(),
            },
            new_agent(&unique("owner"), Role::Owner),
        )
        .await
        .expect("create a tenant")
}

async fn add_agent(store: &Arc<dyn Store>, tenant: &TenantRecord) -> AgentRecord {
    store
        .insert_agent(&tenant.id, new_agent(&unique("agent"), Role::Agent))
        .await
        .expect("insert an agent")
}

async fn add_user(store: &Arc<dyn Store>, tenant: &TenantRecord, name: &str) -> UserRecord {
    store
        .insert_user(
            &tenant.id,
            NewUser {
                external_id: None,
                name: Some(name.to_owned()),
                email: Some(format!("{}@example.com", name.to_lowercase())),
            },
        )
        .await
        .expect("insert a user")
}

fn principal(agent: &AgentRecord) -> AgentPrincipal {
    AgentPrincipal {
        tenant: agent.tenant_id.clone(),
        id: agent.id.clone(),
        name: agent.full_name.clone(),
        role: agent.role,
        group_ids: agent.group_ids.clone(),
    }
}

fn user_says(user: &UserRecord, text: &str, client_msg_id: Option<&str>) -> NewMessage {
    NewMessage {
        author: Author {
            kind: AuthorKind::User,
            id: user.id.0.clone(),
            name: user.name.clone().unwrap_or_else(|| "Visitor".to_owned()),
        },
        text: text.to_owned(),
        private: false,
        client_msg_id: client_msg_id.map(str::to_owned),
        attachments: Vec::new(),
    }
}

fn agent_says(agent: &AgentRecord, text: &str, client_msg_id: Option<&str>) -> NewMessage {
    NewMessage {
        author: Author {
            kind: AuthorKind::Agent,
            id: agent.id.0.clone(),
            name: agent.full_name.clone(),
        },
        text: text.to_owned(),
        private: false,
        client_msg_id: client_msg_id.map(str::to_owned),
        attachments: Vec::new(),
    }
}

/// Opens a queued conversation in `group` with the user's first message (seq 1).
async fn open_queued(
    store: &Arc<dyn Store>,
    tenant: &TenantRecord,
    user: &UserRecord,
    group: &GroupId,
) -> ConversationState {
    store
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Queued,
                group_id: group.clone(),
                assignee: None,
                queued: true,
            },
            vec![user_says(user, "Hello?", None)],
        )
        .await
        .expect("open a conversation")
        .after
}

async fn modify(
    store: &Arc<dyn Store>,
    tenant: &TenantRecord,
    id: &ConversationId,
    decide: impl Fn(&ConversationState) -> Result<Decision> + Send + Sync,
) -> Result<Outcome> {
    store.modify_conversation(&tenant.id, id, &decide).await
}

async fn stored(
    store: &Arc<dyn Store>,
    tenant: &TenantRecord,
    id: &ConversationId,
) -> ConversationState {
    store
        .conversation(&tenant.id, id)
        .await
        .expect("read the conversation")
        .expect("the conversation exists")
}

async fn all_messages(
    store: &Arc<dyn Store>,
    tenant: &TenantRecord,
    id: &ConversationId,
) -> Vec<Message> {
    let page = store
        .messages(
            &tenant.id,
            id,
            &MessageQuery {
                after_seq: Some(0),
                before_seq: None,
                limit: 1000,
                include_private: true,
            },
        )
        .await
        .expect("read messages");
    assert!(!page.has_more);
    page.messages
}

/// Records without `PartialEq` compare by every field through `Debug`.
fn same<T: std::fmt::Debug>(a: &T, b: &T) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

/// `2026-11-21T09:49:00.000Z`: the one time format both stores must return.
fn assert_time_format(time: &Timestamp) {
    let t = time.0.as_bytes();
    let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];
    let ok = t.len() == 24
        && digits.iter().all(|&i| t[i].is_ascii_digit())
        && [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')]
            .iter()
            .all(|&(i, c)| t[i] == c)
        && t[19] == b'.'
        && t[23] == b'Z';
    assert!(ok, "not RFC 3339 UTC with milliseconds: {:?}", time.0);
}

/// Lets the clock move on, so times written next differ from those written before.
async fn tick() {
    tokio::time::sleep(Duration::from_millis(3)).await;
}

fn conflict_message(result: Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(Error::Conflict(message)) => message,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

fn ids(list: &[ConversationState]) -> Vec<ConversationId> {
    list.iter().map(|c| c.id().clone()).collect()
}

const ALL_STATUSES: [ConversationStatus; 4] = [
    ConversationStatus::Bot,
    ConversationStatus::Queued,
    ConversationStatus::Assigned,
    ConversationStatus::Resolved,
];

fn query(
    statuses: &[ConversationStatus],
    visibility: Visibility,
    held_by: Option<&AgentId>,
    order: ConversationOrder,
    limit: u32,
) -> ConversationQuery {
    ConversationQuery {
        statuses: statuses.to_vec(),
        visibility,
        held_by: held_by.cloned(),
        order,
        limit,
        filter: ConversationFilter::default(),
    }
}

// ---- tenants, agents, groups, bots, users -------------------------------------------------

async fn tenants_and_settings(b: Backend) {
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
    assert!(groups[0].member_ids.is_empty());
    assert!(groups[0].business_hours.is_none());

    assert_eq!(owner.tenant_id, tenant.id);
    assert_eq!(owner.login, owner_login);
    assert_eq!(owner.role, Role::Owner);
    assert_eq!(owner.status, AgentStatus::Verified);
    assert_eq!(owner.presence, Presence::Offline);
    assert_eq!(owner.capacity, None);
    assert!(owner.group_ids.is_empty());
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

async fn agents_logins_updates_and_deletion(b: Backend) {
    let s = &b.store;
    let (tenant, owner) = new_tenant(s).await;
    let login = unique("alice");
    let invite = unique("invite-hash");
    let alice = s
        .insert_agent(
            &tenant.id,
            NewAgent {
                status: AgentStatus::Pending,
                password_hash: None,
                invite_token_hash: Some(invite.clone()),
                ..new_agent(&login, Role::Agent)
            },
        )
        .await
        .unwrap();
    assert_eq!(alice.tenant_id, tenant.id);
    assert_eq!(alice.login, login);
    assert_eq!(alice.full_name, format!("Agent {login}"));
    assert_eq!(alice.email, format!("{login}@example.com"));
    assert_eq!(alice.role, Role::Agent);
    assert_eq!(alice.status, AgentStatus::Pending);
    assert_eq!(alice.presence, Presence::Offline);
    assert_eq!(alice.capacity, None);
    assert!(alice.group_ids.is_empty());
    assert_eq!(alice.password_hash, None);
    assert_eq!(alice.invite_token_hash.as_deref(), Some(invite.as_str()));

    let read = s.agent(&tenant.id, &alice.id).await.unwrap().unwrap();
    assert!(same(&read, &alice));
    assert!(same(
        &s.agent_by_login(&login).await.unwrap().unwrap(),
        &alice
    ));
    assert!(same(
        &s.agent_by_invite(&invite).await.unwrap().unwrap(),
        &alice
    ));
    assert!(s.agent_by_login("nobody").await.unwrap().is_none());
    assert!(s.agent_by_invite("no-such-hash").await.unwrap().is_none());

    let bob = add_agent(s, &tenant).await;
    let listed = s.agents(&tenant.id).await.unwrap();
    let listed_ids: Vec<_> = listed.iter().map(|a| a.id.clone()).collect();
    assert_eq!(
        listed_ids,
        vec![owner.id.clone(), alice.id.clone(), bob.id.clone()]
    );

    // Logins are unique across the gateway, in any tenant.
    let (elsewhere, _) = new_tenant(s).await;
    let taken = s
        .insert_agent(&elsewhere.id, new_agent(&login, Role::Agent))
        .await;
    assert_eq!(conflict_message(taken), "this login is taken");
    assert_eq!(s.agents(&elsewhere.id).await.unwrap().len(), 1);

    // Every editable field is written.
    let mut edited = alice.clone();
    edited.full_name = "Alice Smith".to_owned();
    edited.login = unique("alice-smith");
    edited.email = "alice@example.org".to_owned();
    edited.role = Role::Admin;
    edited.status = AgentStatus::Verified;
    edited.presence = Presence::Online;
    edited.capacity = Some(3);
    edited.password_hash = Some("new-hash".to_owned());
    edited.invite_token_hash = None;
    s.update_agent(&tenant.id, &edited).await.unwrap();
    assert!(same(
        &s.agent(&tenant.id, &alice.id).await.unwrap().unwrap(),
        &edited
    ));
    assert!(s.agent_by_login(&login).await.unwrap().is_none());
    assert!(s.agent_by_invite(&invite).await.unwrap().is_none());

    // A taken login is refused and changes nothing.
    let mut clash = edited.clone();
    clash.login = bob.login.clone();
    clash.full_name = "Renamed".to_owned();
    assert_eq!(
        conflict_message(s.update_agent(&tenant.id, &clash).await),
        "this login is taken"
    );
    assert!(same(
        &s.agent(&tenant.id, &alice.id).await.unwrap().unwrap(),
        &edited
    ));

    // Deleting hides the agent everywhere and takes it out of its groups.
    let group = s
        .insert_group(
            &tenant.id,
            NewGroup {
                name: "Sales".to_owned(),
                assignment: Assignment::Manual,
                business_hours: None,
            },
        )
        .await
        .unwrap();
    s.set_group_members(&tenant.id, &group.id, &[alice.id.clone(), bob.id.clone()])
        .await
        .unwrap();
    assert_eq!(
        s.agent(&tenant.id, &alice.id)
            .await
            .unwrap()
            .unwrap()
            .group_ids,
        vec![group.id.clone()]
    );
    s.delete_agent(&tenant.id, &alice.id).await.unwrap();
    assert!(s.agent(&tenant.id, &alice.id).await.unwrap().is_none());
    assert!(s.agent_by_login(&edited.login).await.unwrap().is_none());
    let listed: Vec<_> = s
        .agents(&tenant.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(listed, vec![owner.id.clone(), bob.id.clone()]);
    assert_eq!(
        s.group(&tenant.id, &group.id)
            .await
            .unwrap()
            .unwrap()
            .member_ids,
        vec![bob.id.clone()]
    );
    // A deleted agent cannot be updated back, nor made a member again.
    s.update_agent(&tenant.id, &edited).await.unwrap();
    assert!(s.agent(&tenant.id, &alice.id).await.unwrap().is_none());
    assert!(matches!(
        s.set_group_members(&tenant.id, &group.id, std::slice::from_ref(&alice.id))
            .await,
        Err(Error::NotFound("agent"))
    ));
    // Its login is free again.
    let again = s
        .insert_agent(&tenant.id, new_agent(&edited.login, Role::Agent))
        .await
        .unwrap();
    assert_ne!(again.id, alice.id);
}

async fn groups_and_their_members(b: Backend) {
    let s = &b.store;
    let (tenant, owner) = new_tenant(s).await;
    let default_group = tenant.settings.default_group_id.clone();
    let hours = BusinessHours {
        timezone: "Europe/Berlin".to_owned(),
        weekly: vec![OpeningWindow {
            day: Weekday::Mon,
            open: "09:00".to_owned(),
            close: "17:00".to_owned(),
        }],
    };
    let billing = s
        .insert_group(
            &tenant.id,
            NewGroup {
                name: "Billing".to_owned(),
                assignment: Assignment::Auto,
                business_hours: Some(hours.clone()),
            },
        )
        .await
        .unwrap();
    assert_eq!(billing.name, "Billing");
    assert_eq!(billing.assignment, Assignment::Auto);
    assert_eq!(billing.business_hours, Some(hours.clone()));
    assert!(billing.member_ids.is_empty());
    assert!(same(
        &s.group(&tenant.id, &billing.id).await.unwrap().unwrap(),
        &billing
    ));
    let listed: Vec<_> = s
        .groups(&tenant.id)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.id)
        .collect();
    assert_eq!(listed, vec![default_group.clone(), billing.id.clone()]);
    assert!(
        s.group(&tenant.id, &GroupId::from("no-such-group"))
            .await
            .unwrap()
            .is_none()
    );

    let mut edited = billing.clone();
    edited.name = "Payments".to_owned();
    edited.assignment = Assignment::Manual;
    edited.business_hours = None;
    s.update_group(&tenant.id, &edited).await.unwrap();
    assert!(same(
        &s.group(&tenant.id, &billing.id).await.unwrap().unwrap(),
        &edited
    ));
    edited.business_hours = Some(hours);
    s.update_group(&tenant.id, &edited).await.unwrap();
    assert!(same(
        &s.group(&tenant.id, &billing.id).await.unwrap().unwrap(),
        &edited
    ));

    // Members: replaced as a whole, listed sorted, duplicates collapse.
    let alice = add_agent(s, &tenant).await;
    let bob = add_agent(s, &tenant).await;
    s.set_group_members(
        &tenant.id,
        &billing.id,
        &[bob.id.clone(), alice.id.clone(), bob.id.clone()],
    )
    .await
    .unwrap();
    let mut both = vec![alice.id.clone(), bob.id.clone()];
    both.sort();
    let members = |id: GroupId| {
        let s = s.clone();
        let tenant = tenant.id.clone();
        async move { s.group(&tenant, &id).await.unwrap().unwrap().member_ids }
    };
    assert_eq!(members(billing.id.clone()).await, both);
    let group_ids = |id: AgentId| {
        let s = s.clone();
        let tenant = tenant.id.clone();
        async move { s.agent(&tenant, &id).await.unwrap().unwrap().group_ids }
    };
    assert_eq!(group_ids(alice.id.clone()).await, vec![billing.id.clone()]);

    s.set_group_members(&tenant.id, &billing.id, std::slice::from_ref(&owner.id))
        .await
        .unwrap();
    assert_eq!(members(billing.id.clone()).await, vec![owner.id.clone()]);
    assert!(group_ids(alice.id.clone()).await.is_empty());

    // An agent in two groups lists both, sorted.
    s.set_group_members(&tenant.id, &default_group, std::slice::from_ref(&owner.id))
        .await
        .unwrap();
    let mut two = vec![default_group.clone(), billing.id.clone()];
    two.sort();
    assert_eq!(group_ids(owner.id.clone()).await, two);

    // An unknown agent, or another tenant's, is not found and nothing changes.
    let unknown = s
        .set_group_members(
            &tenant.id,
            &billing.id,
            &[alice.id.clone(), AgentId::from("no-such-agent")],
        )
        .await;
    assert!(matches!(unknown, Err(Error::NotFound("agent"))));
    let (_, stranger) = new_tenant(s).await;
    let foreign = s
        .set_group_members(&tenant.id, &billing.id, std::slice::from_ref(&stranger.id))
        .await;
    assert!(matches!(foreign, Err(Error::NotFound("agent"))));
    assert_eq!(members(billing.id.clone()).await, vec![owner.id.clone()]);

    // No members at all.
    s.set_group_members(&tenant.id, &billing.id, &[])
        .await
        .unwrap();
    assert!(members(billing.id.clone()).await.is_empty());
    assert_eq!(group_ids(owner.id.clone()).await, vec![default_group]);
}

async fn bots_are_listed_until_deleted(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    assert!(s.bots(&tenant.id).await.unwrap().is_empty());
    let greeter = s.insert_bot(&tenant.id, "Greeter").await.unwrap();
    let faq = s.insert_bot(&tenant.id, "FAQ").await.unwrap();
    assert_eq!(greeter.name, "Greeter");
    assert!(same(
        &s.bot(&tenant.id, &greeter.id).await.unwrap().unwrap(),
        &greeter
    ));
    let listed = s.bots(&tenant.id).await.unwrap();
    assert!(same(&listed, &vec![greeter.clone(), faq.clone()]));

    s.delete_bot(&tenant.id, &greeter.id).await.unwrap();
    assert!(s.bot(&tenant.id, &greeter.id).await.unwrap().is_none());
    assert!(same(&s.bots(&tenant.id).await.unwrap(), &vec![faq.clone()]));
    assert!(
        s.bot(&tenant.id, &BotId::from("no-such-bot"))
            .await
            .unwrap()
            .is_none()
    );
}

async fn users_and_the_upsert_by_external_id(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let anonymous = s.insert_user(&tenant.id, NewUser::default()).await.unwrap();
    assert_eq!(
        (
            &anonymous.name,
            &anonymous.email,
            &anonymous.phone,
            &anonymous.address
        ),
        (&None, &None, &None, &None)
    );
    assert_eq!(
        s.user(&tenant.id, &anonymous.id).await.unwrap(),
        Some(anonymous.clone())
    );
    let ann = add_user(s, &tenant, "Ann").await;
    assert_eq!(ann.name.as_deref(), Some("Ann"));
    assert_eq!(ann.email.as_deref(), Some("ann@example.com"));
    assert_ne!(ann.id, anonymous.id);
    assert!(
        s.user(&tenant.id, &UserId::from("no-such-user"))
            .await
            .unwrap()
            .is_none()
    );

    // Created on first sight, refreshed after, keeping what a refresh leaves out.
    let eve = |name: Option<&str>, email: Option<&str>| NewUser {
        external_id: Some("ext-1".to_owned()),
        name: name.map(str::to_owned),
        email: email.map(str::to_owned),
    };
    let first = s
        .upsert_user_by_external_id(&tenant.id, eve(Some("Eve"), None))
        .await
        .unwrap();
    assert_eq!(first.name.as_deref(), Some("Eve"));
    assert_eq!(first.email, None);
    let second = s
        .upsert_user_by_external_id(&tenant.id, eve(None, Some("eve@example.com")))
        .await
        .unwrap();
    assert_eq!(second.id, first.id);
    assert_eq!(second.name.as_deref(), Some("Eve"));
    assert_eq!(second.email.as_deref(), Some("eve@example.com"));
    let third = s
        .upsert_user_by_external_id(&tenant.id, eve(Some("Eve Adams"), None))
        .await
        .unwrap();
    assert_eq!(third.id, first.id);
    assert_eq!(third.name.as_deref(), Some("Eve Adams"));
    assert_eq!(third.email.as_deref(), Some("eve@example.com"));
    assert_eq!(s.user(&tenant.id, &first.id).await.unwrap(), Some(third));

    // The same external id in another tenant is another user.
    let (other, _) = new_tenant(s).await;
    let theirs = s
        .upsert_user_by_external_id(&other.id, eve(Some("Other Eve"), None))
        .await
        .unwrap();
    assert_ne!(theirs.id, first.id);
    assert!(s.user(&tenant.id, &theirs.id).await.unwrap().is_none());

    // Only users with an external id are identified, and only in their own tenant.
    assert!(s.user_is_identified(&tenant.id, &first.id).await.unwrap());
    assert!(
        !s.user_is_identified(&tenant.id, &anonymous.id)
            .await
            .unwrap()
    );
    assert!(!s.user_is_identified(&tenant.id, &theirs.id).await.unwrap());

    // Inserting a known external id is a conflict.
    let duplicate = s.insert_user(&tenant.id, eve(Some("Eve"), None)).await;
    assert_eq!(conflict_message(duplicate), "this user exists");
}

// ---- conversations and messages ----------------------------------------------------------

async fn open_conversation_numbers_its_messages_from_one(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let group = tenant.settings.default_group_id.clone();
    let user = add_user(s, &tenant, "Ann").await;
    let outcome = s
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Queued,
                group_id: group.clone(),
                assignee: None,
                queued: true,
            },
            vec![
                user_says(&user, "Hello?", Some("c-1")),
                transitions::system("Waiting for an agent", false),
                transitions::system("Routed by the rules", true),
            ],
        )
        .await
        .unwrap();
    assert!(outcome.before.is_none());
    assert!(outcome.state_changed);
    let c = &outcome.after.conversation;
    assert_eq!(c.status, ConversationStatus::Queued);
    assert_eq!(c.group_id, group);
    assert_eq!(c.assignee, None);
    assert_eq!(c.user, user);
    assert!(c.tags.is_empty());
    assert_eq!(c.last_seq, 3);
    assert_time_format(&c.created_at);
    assert_time_format(&c.updated_at);
    assert!(c.updated_at >= c.created_at);
    assert_eq!(c.queued_at.as_ref(), Some(&c.created_at));
    assert_eq!(c.resolved_at, None);
    assert_eq!(outcome.after.last_agent_id, None);

    let seqs: Vec<u64> = outcome.messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3]);
    let first = &outcome.messages[0];
    assert_eq!(first.conversation_id, c.id);
    assert_eq!(first.author.kind, AuthorKind::User);
    assert_eq!(first.author.id, user.id.0);
    assert_eq!(first.author.name, "Ann");
    assert_eq!(first.text, "Hello?");
    assert!(first.attachments.is_empty());
    assert!(!first.private);
    assert_eq!(first.client_msg_id.as_deref(), Some("c-1"));
    assert_time_format(&first.created_at);
    assert_eq!(outcome.messages[1].author.kind, AuthorKind::System);
    assert_eq!(outcome.messages[1].author.id, "");
    assert!(outcome.messages[2].private);
    assert_eq!(outcome.messages[2].client_msg_id, None);

    // What it returned is what it stored.
    assert_eq!(stored(s, &tenant, &c.id).await, outcome.after);
    assert_eq!(all_messages(s, &tenant, &c.id).await, outcome.messages);

    // A bot's conversation: held by the bot, never queued.
    let bot = s.insert_bot(&tenant.id, "Greeter").await.unwrap();
    let with_bot = s
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Bot,
                group_id: group.clone(),
                assignee: Some(Assignee {
                    kind: HolderKind::Bot,
                    id: bot.id.0.clone(),
                    name: bot.name.clone(),
                }),
                queued: false,
            },
            vec![user_says(&user, "Hi bot", None)],
        )
        .await
        .unwrap()
        .after;
    assert_eq!(with_bot.status(), ConversationStatus::Bot);
    assert_eq!(with_bot.holder(HolderKind::Bot), Some(bot.id.as_str()));
    assert_eq!(
        with_bot.conversation.assignee.as_ref().unwrap().name,
        "Greeter"
    );
    assert_eq!(with_bot.conversation.queued_at, None);
    assert_eq!(with_bot.conversation.last_seq, 1);
    assert_eq!(stored(s, &tenant, with_bot.id()).await, with_bot);

    // No messages yet: nothing numbered.
    let empty = s
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Queued,
                group_id: group,
                assignee: None,
                queued: true,
            },
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(empty.after.conversation.last_seq, 0);
    assert!(empty.messages.is_empty());
    assert!(all_messages(s, &tenant, empty.after.id()).await.is_empty());
}

async fn modify_conversation_applies_the_decision(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
    let alice = add_agent(s, &tenant).await;
    let opened = open_queued(s, &tenant, &user, &tenant.settings.default_group_id).await;
    let id = opened.id().clone();
    tick().await;

    let p = principal(&alice);
    let accepted = modify(s, &tenant, &id, |st| transitions::accept(st, &p))
        .await
        .unwrap();
    assert_eq!(accepted.before.as_ref(), Some(&opened));
    assert!(accepted.state_changed);
    let after = &accepted.after;
    assert_eq!(after.status(), ConversationStatus::Assigned);
    assert_eq!(after.holder(HolderKind::Agent), Some(alice.id.as_str()));
    assert_eq!(
        after.conversation.assignee.as_ref().unwrap().name,
        alice.full_name
    );
    assert_eq!(after.last_agent_id.as_ref(), Some(&alice.id));
    assert_eq!(after.conversation.last_seq, 2);
    assert_eq!(after.conversation.queued_at, opened.conversation.queued_at);
    assert!(after.conversation.updated_at > opened.conversation.updated_at);
    assert_time_format(&after.conversation.updated_at);
    assert_eq!(accepted.messages.len(), 1);
    assert_eq!(accepted.messages[0].seq, 2);
    assert_eq!(
        accepted.messages[0].text,
        format!("{} joined", alice.full_name)
    );
    assert_eq!(stored(s, &tenant, &id).await, accepted.after);

    // Messages only: appended, the state as it was.
    let reply = agent_says(&alice, "How can I help?", Some("a-1"));
    let replied = modify(s, &tenant, &id, |_| {
        Ok(Decision {
            next: None,
            messages: vec![reply.clone()],
        })
    })
    .await
    .unwrap();
    assert!(!replied.state_changed);
    assert_eq!(replied.messages.len(), 1);
    assert_eq!(replied.messages[0].seq, 3);
    assert_eq!(replied.after.conversation.last_seq, 3);
    assert_eq!(replied.after.status(), ConversationStatus::Assigned);

    // A refused decision writes nothing.
    let before = stored(s, &tenant, &id).await;
    let refused = modify(s, &tenant, &id, |_| Err(Error::conflict("not now"))).await;
    assert_eq!(conflict_message(refused), "not now");
    assert_eq!(stored(s, &tenant, &id).await, before);

    // Tags: a state change without messages.
    let tagged = modify(s, &tenant, &id, |st| {
        let mut next = st.clone();
        next.conversation.tags = vec!["vip".to_owned(), "billing".to_owned()];
        Ok(Decision {
            next: Some(next),
            messages: Vec::new(),
        })
    })
    .await
    .unwrap();
    assert!(tagged.state_changed);
    assert!(tagged.messages.is_empty());
    assert_eq!(tagged.after.conversation.last_seq, 3);
    assert_eq!(
        stored(s, &tenant, &id).await.conversation.tags,
        vec!["vip".to_owned(), "billing".to_owned()]
    );

    // Resolved, then reopened by the user.
    let now = clock::now();
    let resolved = modify(s, &tenant, &id, |st| transitions::resolve(st, &now))
        .await
        .unwrap()
        .after;
    assert_eq!(resolved.status(), ConversationStatus::Resolved);
    assert_eq!(resolved.conversation.assignee, None);
    assert_eq!(resolved.conversation.resolved_at.as_ref(), Some(&now));
    assert_eq!(resolved.last_agent_id.as_ref(), Some(&alice.id));
    assert_eq!(stored(s, &tenant, &id).await, resolved);
    let later = clock::now();
    let back = user_says(&user, "One more thing", None);
    let reopened = modify(s, &tenant, &id, |st| {
        Ok(transitions::user_message(
            st,
            back.clone(),
            &transitions::Reopen::ToQueue,
            &later,
        ))
    })
    .await
    .unwrap();
    assert_eq!(reopened.after.status(), ConversationStatus::Queued);
    assert_eq!(reopened.after.conversation.resolved_at, None);
    assert_eq!(reopened.after.conversation.queued_at.as_ref(), Some(&later));
    let seqs: Vec<u64> = reopened.messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, vec![5, 6]);
    assert_eq!(stored(s, &tenant, &id).await, reopened.after);
    let all: Vec<u64> = all_messages(s, &tenant, &id)
        .await
        .iter()
        .map(|m| m.seq)
        .collect();
    assert_eq!(all, (1..=6).collect::<Vec<_>>());

    // Unknown conversations are not found, and nobody is asked to decide.
    let missing = modify(s, &tenant, &ConversationId::from("no-such"), |_| {
        panic!("decide called for a missing conversation")
    })
    .await;
    assert!(matches!(missing, Err(Error::NotFound("conversation"))));
}

async fn unchanged_decision_writes_nothing(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
    let alice = add_agent(s, &tenant).await;
    let opened = open_queued(s, &tenant, &user, &tenant.settings.default_group_id).await;
    let id = opened.id().clone();
    let p = principal(&alice);
    modify(s, &tenant, &id, |st| transitions::accept(st, &p))
        .await
        .unwrap();
    let before = stored(s, &tenant, &id).await;
    tick().await;

    // Accepting what one already holds is unchanged.
    let again = modify(s, &tenant, &id, |st| transitions::accept(st, &p))
        .await
        .unwrap();
    assert!(!again.state_changed);
    assert!(again.messages.is_empty());
    assert_eq!(again.before.as_ref(), Some(&before));
    assert_eq!(again.after, before);

    // So is a next state equal to the current one.
    let same_state = modify(s, &tenant, &id, |st| {
        Ok(Decision {
            next: Some(st.clone()),
            messages: Vec::new(),
        })
    })
    .await
    .unwrap();
    assert!(!same_state.state_changed);
    assert!(same_state.messages.is_empty());
    assert_eq!(same_state.after, before);

    // Neither touched the row (not even updated_at) nor added messages.
    assert_eq!(stored(s, &tenant, &id).await, before);
    assert_eq!(all_messages(s, &tenant, &id).await.len(), 2);
}

async fn conversation_lists_by_status_visibility_and_order(b: Backend) {
    let s = &b.store;
    let (tenant, owner) = new_tenant(s).await;
    let general = tenant.settings.default_group_id.clone();
    let billing = s
        .insert_group(
            &tenant.id,
            NewGroup {
                name: "Billing".to_owned(),
                assignment: Assignment::Manual,
                business_hours: None,
            },
        )
        .await
        .unwrap()
        .id;
    let alice = add_agent(s, &tenant).await;
    s.set_group_members(&tenant.id, &general, std::slice::from_ref(&alice.id))
        .await
        .unwrap();
    let bot = s.insert_bot(&tenant.id, "Greeter").await.unwrap();
    let user = add_user(s, &tenant, "Ann").await;

    // c1 queued in General, c2 queued in Billing, c3 in Billing held by Alice, c4 with the
    // bot in General (never queued), c5 resolved in General: each written after the last.
    let c1 = open_queued(s, &tenant, &user, &general).await;
    tick().await;
    let c2 = open_queued(s, &tenant, &user, &billing).await;
    tick().await;
    let c3 = open_queued(s, &tenant, &user, &billing).await;
    let p = principal(&alice);
    modify(s, &tenant, c3.id(), |st| transitions::accept(st, &p))
        .await
        .unwrap();
    tick().await;
    let c4 = s
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Bot,
                group_id: general.clone(),
                assignee: Some(Assignee {
                    kind: HolderKind::Bot,
                    id: bot.id.0.clone(),
                    name: bot.name.clone(),
                }),
                queued: false,
            },
            vec![user_says(&user, "Hi bot", None)],
        )
        .await
        .unwrap()
        .after;
    tick().await;
    let c5 = open_queued(s, &tenant, &user, &general).await;
    let now = clock::now();
    modify(s, &tenant, c5.id(), |st| transitions::resolve(st, &now))
        .await
        .unwrap();
    let [c1, c2, c3, c4, c5] = [c1, c2, c3, c4, c5].map(|c| c.id().clone());

    let list = |q: ConversationQuery| {
        let s = s.clone();
        let tenant = tenant.id.clone();
        async move { ids(&s.conversations(&tenant, &q).await.unwrap()) }
    };
    use ConversationOrder::*;
    use ConversationStatus::*;

    // The queue: first come, first served.
    assert_eq!(
        list(query(
            &[Queued],
            Visibility::All,
            None,
            OldestQueuedFirst,
            50
        ))
        .await,
        vec![c1.clone(), c2.clone()]
    );
    // Never queued sorts first in queue order (as SQLite sorts NULL).
    assert_eq!(
        list(query(
            &[Queued, Bot],
            Visibility::All,
            None,
            OldestQueuedFirst,
            50
        ))
        .await,
        vec![c4.clone(), c1.clone(), c2.clone()]
    );
    assert_eq!(
        list(query(
            &ALL_STATUSES,
            Visibility::All,
            None,
            RecentlyUpdatedFirst,
            50
        ))
        .await,
        vec![c5.clone(), c4.clone(), c3.clone(), c2.clone(), c1.clone()]
    );
    assert_eq!(
        list(query(
            &ALL_STATUSES,
            Visibility::All,
            None,
            RecentlyUpdatedFirst,
            2
        ))
        .await,
        vec![c5.clone(), c4.clone()]
    );
    assert_eq!(
        list(query(
            &[Resolved],
            Visibility::All,
            None,
            RecentlyUpdatedFirst,
            50
        ))
        .await,
        vec![c5.clone()]
    );
    assert!(
        list(query(&[], Visibility::All, None, RecentlyUpdatedFirst, 50))
            .await
            .is_empty()
    );

    // An agent sees its groups' conversations and those it holds.
    let alices = |group_ids: Vec<GroupId>| Visibility::Groups {
        group_ids,
        agent_id: alice.id.clone(),
    };
    assert_eq!(
        list(query(
            &[Queued, Assigned, Bot],
            alices(vec![general.clone()]),
            None,
            RecentlyUpdatedFirst,
            50
        ))
        .await,
        vec![c4.clone(), c3.clone(), c1.clone()]
    );
    assert_eq!(
        list(query(
            &[Queued],
            alices(vec![general.clone(), billing.clone()]),
            None,
            OldestQueuedFirst,
            50
        ))
        .await,
        vec![c1.clone(), c2.clone()]
    );
    assert_eq!(
        list(query(
            &ALL_STATUSES,
            alices(Vec::new()),
            None,
            RecentlyUpdatedFirst,
            50
        ))
        .await,
        vec![c3.clone()]
    );

    // Held by one agent.
    assert_eq!(
        list(query(
            &[Assigned],
            Visibility::All,
            Some(&alice.id),
            RecentlyUpdatedFirst,
            50
        ))
        .await,
        vec![c3.clone()]
    );
    assert!(
        list(query(
            &ALL_STATUSES,
            Visibility::All,
            Some(&owner.id),
            RecentlyUpdatedFirst,
            50
        ))
        .await
        .is_empty()
    );

    // Lists carry the whole state.
    let full = s
        .conversations(
            &tenant.id,
            &query(&[Assigned], Visibility::All, None, RecentlyUpdatedFirst, 50),
        )
        .await
        .unwrap();
    assert_eq!(full, vec![stored(s, &tenant, &c3).await]);

    // Another tenant lists nothing of these.
    let (other, _) = new_tenant(s).await;
    assert!(
        s.conversations(
            &other.id,
            &query(
                &ALL_STATUSES,
                Visibility::All,
                None,
                RecentlyUpdatedFirst,
                50
            )
        )
        .await
        .unwrap()
        .is_empty()
    );
}

async fn latest_open_conversation_is_the_most_recently_updated(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let group = tenant.settings.default_group_id.clone();
    let user = add_user(s, &tenant, "Ann").await;
    let other_user = add_user(s, &tenant, "Bob").await;
    let latest = |user: UserId| {
        let s = s.clone();
        let tenant = tenant.id.clone();
        async move {
            s.latest_open_conversation(&tenant, &user)
                .await
                .unwrap()
                .map(|c| c.id().clone())
        }
    };
    assert_eq!(latest(user.id.clone()).await, None);

    let old = open_queued(s, &tenant, &user, &group).await.id().clone();
    tick().await;
    let new = open_queued(s, &tenant, &user, &group).await.id().clone();
    assert_eq!(latest(user.id.clone()).await, Some(new.clone()));
    let full = s
        .latest_open_conversation(&tenant.id, &user.id)
        .await
        .unwrap();
    assert_eq!(full, Some(stored(s, &tenant, &new).await));

    tick().await;
    let more = user_says(&user, "Still there?", None);
    modify(s, &tenant, &old, |_| {
        Ok(Decision {
            next: None,
            messages: vec![more.clone()],
        })
    })
    .await
    .unwrap();
    assert_eq!(latest(user.id.clone()).await, Some(old.clone()));

    let now = clock::now();
    modify(s, &tenant, &old, |st| transitions::resolve(st, &now))
        .await
        .unwrap();
    assert_eq!(latest(user.id.clone()).await, Some(new.clone()));
    let current = |user: UserId| {
        let s = s.clone();
        let tenant = tenant.id.clone();
        async move {
            s.current_conversation(&tenant, &user)
                .await
                .unwrap()
                .map(|c| c.id().clone())
        }
    };
    // `old` was updated last (resolved), but an open one comes first.
    assert_eq!(current(user.id.clone()).await, Some(new.clone()));
    modify(s, &tenant, &new, |st| transitions::resolve(st, &now))
        .await
        .unwrap();
    assert_eq!(latest(user.id.clone()).await, None);
    assert_eq!(latest(other_user.id.clone()).await, None);
    // None open: the last one resolved.
    assert_eq!(current(user.id.clone()).await, Some(new.clone()));
    assert_eq!(current(other_user.id.clone()).await, None);
}

async fn messages_page_in_both_directions(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
    // Ten messages; 4 and 7 are private notes.
    let messages = (1..=10)
        .map(|seq| NewMessage {
            private: seq == 4 || seq == 7,
            ..user_says(&user, &format!("m{seq}"), None)
        })
        .collect();
    let id = s
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Queued,
                group_id: tenant.settings.default_group_id.clone(),
                assignee: None,
                queued: true,
            },
            messages,
        )
        .await
        .unwrap()
        .after
        .id()
        .clone();
    let page = |after: Option<u64>, before: Option<u64>, limit: u32, private: bool| {
        let s = s.clone();
        let tenant = tenant.id.clone();
        let id = id.clone();
        async move {
            let page = s
                .messages(
                    &tenant,
                    &id,
                    &MessageQuery {
                        after_seq: after,
                        before_seq: before,
                        limit,
                        include_private: private,
                    },
                )
                .await
                .unwrap();
            for m in &page.messages {
                assert_eq!(m.text, format!("m{}", m.seq));
            }
            let seqs: Vec<u64> = page.messages.iter().map(|m| m.seq).collect();
            (seqs, page.has_more)
        }
    };

    // Backwards: the newest page, then older ones.
    assert_eq!(page(None, None, 3, true).await, (vec![8, 9, 10], true));
    assert_eq!(page(None, Some(8), 3, true).await, (vec![5, 6, 7], true));
    assert_eq!(page(None, Some(4), 3, true).await, (vec![1, 2, 3], false));
    assert_eq!(page(None, Some(1), 3, true).await, (vec![], false));
    assert_eq!(
        page(None, None, 10, true).await,
        ((1..=10).collect::<Vec<u64>>(), false)
    );
    assert_eq!(
        page(None, None, 50, true).await,
        ((1..=10).collect::<Vec<u64>>(), false)
    );
    // Forwards from a seq.
    assert_eq!(page(Some(0), None, 4, true).await, (vec![1, 2, 3, 4], true));
    assert_eq!(page(Some(8), None, 4, true).await, (vec![9, 10], false));
    assert_eq!(page(Some(10), None, 4, true).await, (vec![], false));
    // Between two seqs.
    assert_eq!(
        page(Some(2), Some(6), 10, true).await,
        (vec![3, 4, 5], false)
    );
    assert_eq!(page(Some(2), Some(9), 3, true).await, (vec![3, 4, 5], true));
    // Without private notes (end users).
    assert_eq!(
        page(None, None, 10, false).await,
        (vec![1, 2, 3, 5, 6, 8, 9, 10], false)
    );
    assert_eq!(page(None, Some(8), 3, false).await, (vec![3, 5, 6], true));
    assert_eq!(page(Some(3), None, 2, false).await, (vec![5, 6], true));

    // Another conversation id, or another tenant: an empty page.
    let empty = s
        .messages(
            &tenant.id,
            &ConversationId::from("no-such"),
            &MessageQuery {
                limit: 10,
                include_private: true,
                ..MessageQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(empty.messages.is_empty() && !empty.has_more);
}

async fn message_by_client_id_and_its_unique_key(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
    let alice = add_agent(s, &tenant).await;
    let opened = s
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Queued,
                group_id: tenant.settings.default_group_id.clone(),
                assignee: None,
                queued: true,
            },
            vec![user_says(&user, "Hello?", Some("c-1"))],
        )
        .await
        .unwrap();
    let id = opened.after.id().clone();
    let first = opened.messages[0].clone();
    let lookup = |kind: AuthorKind, author: String, key: &'static str| {
        let s = s.clone();
        let tenant = tenant.id.clone();
        async move {
            s.message_by_client_id(&tenant, kind, &author, key)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        lookup(AuthorKind::User, user.id.0.clone(), "c-1").await,
        Some(first.clone())
    );
    assert_eq!(
        lookup(AuthorKind::User, user.id.0.clone(), "c-2").await,
        None
    );
    assert_eq!(
        lookup(AuthorKind::Agent, user.id.0.clone(), "c-1").await,
        None
    );
    assert_eq!(
        lookup(AuthorKind::User, alice.id.0.clone(), "c-1").await,
        None
    );

    // The same author and key again: conflict, and nothing of the change is written.
    let before = stored(s, &tenant, &id).await;
    let again = user_says(&user, "Hello again?", Some("c-1"));
    let retry = modify(s, &tenant, &id, |_| {
        Ok(Decision {
            next: None,
            messages: vec![again.clone()],
        })
    })
    .await;
    assert_eq!(
        conflict_message(retry),
        "a message with this client_msg_id exists"
    );
    let with_change = modify(s, &tenant, &id, |st| {
        let mut next = st.clone();
        next.conversation.tags = vec!["changed".to_owned()];
        Ok(Decision {
            next: Some(next),
            messages: vec![
                transitions::system("before the duplicate", false),
                again.clone(),
            ],
        })
    })
    .await;
    assert_eq!(
        conflict_message(with_change),
        "a message with this client_msg_id exists"
    );
    assert_eq!(stored(s, &tenant, &id).await, before);
    assert_eq!(all_messages(s, &tenant, &id).await, vec![first.clone()]);

    // The key is the author's, across conversations.
    let second = open_queued(s, &tenant, &user, &tenant.settings.default_group_id)
        .await
        .id()
        .clone();
    let elsewhere = modify(s, &tenant, &second, |_| {
        Ok(Decision {
            next: None,
            messages: vec![again.clone()],
        })
    })
    .await;
    assert_eq!(
        conflict_message(elsewhere),
        "a message with this client_msg_id exists"
    );
    // Opening a conversation with a used key leaves no conversation behind.
    let count = |s: Arc<dyn Store>, tenant: TenantId| async move {
        s.conversations(
            &tenant,
            &query(
                &ALL_STATUSES,
                Visibility::All,
                None,
                ConversationOrder::RecentlyUpdatedFirst,
                100,
            ),
        )
        .await
        .unwrap()
        .len()
    };
    let conversations = count(s.clone(), tenant.id.clone()).await;
    let reopen = s
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Queued,
                group_id: tenant.settings.default_group_id.clone(),
                assignee: None,
                queued: true,
            },
            vec![again.clone()],
        )
        .await;
    assert_eq!(
        conflict_message(reopen.map(|o| o.after)),
        "a message with this client_msg_id exists"
    );
    assert_eq!(count(s.clone(), tenant.id.clone()).await, conversations);

    // Another author may use the same key.
    let reply = agent_says(&alice, "Hi!", Some("c-1"));
    let replied = modify(s, &tenant, &id, |_| {
        Ok(Decision {
            next: None,
            messages: vec![reply.clone()],
        })
    })
    .await
    .unwrap();
    assert_eq!(
        lookup(AuthorKind::Agent, alice.id.0.clone(), "c-1").await,
        Some(replied.messages[0].clone())
    );

    // Another tenant finds nothing under these keys.
    let (other, _) = new_tenant(s).await;
    assert_eq!(
        s.message_by_client_id(&other.id, AuthorKind::User, user.id.as_str(), "c-1")
            .await
            .unwrap(),
        None
    );
}

async fn another_tenants_ids_find_nothing(b: Backend) {
    let s = &b.store;
    let (mine, my_owner) = new_tenant(s).await;
    let (theirs, their_owner) = new_tenant(s).await;
    let my_group = s
        .insert_group(
            &mine.id,
            NewGroup {
                name: "Billing".to_owned(),
                assignment: Assignment::Manual,
                business_hours: None,
            },
        )
        .await
        .unwrap();
    let my_agent = add_agent(s, &mine).await;
    s.set_group_members(&mine.id, &my_group.id, std::slice::from_ref(&my_agent.id))
        .await
        .unwrap();
    let my_group = s.group(&mine.id, &my_group.id).await.unwrap().unwrap();
    let my_agent = s.agent(&mine.id, &my_agent.id).await.unwrap().unwrap();
    let my_bot = s.insert_bot(&mine.id, "Greeter").await.unwrap();
    let my_user = s
        .upsert_user_by_external_id(
            &mine.id,
            NewUser {
                external_id: Some("ext-1".to_owned()),
                name: Some("Ann".to_owned()),
                email: None,
            },
        )
        .await
        .unwrap();
    let my_conversation = s
        .open_conversation(
            &mine.id,
            NewConversation {
                user_id: my_user.id.clone(),
                status: ConversationStatus::Queued,
                group_id: my_group.id.clone(),
                assignee: None,
                queued: true,
            },
            vec![user_says(&my_user, "Hello?", Some("c-1"))],
        )
        .await
        .unwrap()
        .after;
    let conv = my_conversation.id().clone();

    // Every read with the other tenant's id finds nothing.
    let t = &theirs.id;
    assert!(s.agent(t, &my_agent.id).await.unwrap().is_none());
    assert!(s.agent(t, &my_owner.id).await.unwrap().is_none());
    let their_agents: Vec<_> = s
        .agents(t)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(their_agents, vec![their_owner.id.clone()]);
    assert!(s.group(t, &my_group.id).await.unwrap().is_none());
    assert!(
        s.group(t, &mine.settings.default_group_id)
            .await
            .unwrap()
            .is_none()
    );
    let their_groups: Vec<_> = s
        .groups(t)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.id)
        .collect();
    assert_eq!(their_groups, vec![theirs.settings.default_group_id.clone()]);
    assert!(s.bot(t, &my_bot.id).await.unwrap().is_none());
    assert!(s.bots(t).await.unwrap().is_empty());
    assert!(s.user(t, &my_user.id).await.unwrap().is_none());
    assert!(s.conversation(t, &conv).await.unwrap().is_none());
    assert!(
        s.latest_open_conversation(t, &my_user.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.conversations(
            t,
            &query(
                &ALL_STATUSES,
                Visibility::All,
                None,
                ConversationOrder::RecentlyUpdatedFirst,
                100
            )
        )
        .await
        .unwrap()
        .is_empty()
    );
    let page = s
        .messages(
            t,
            &conv,
            &MessageQuery {
                limit: 100,
                include_private: true,
                ..MessageQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(page.messages.is_empty() && !page.has_more);
    assert!(
        s.message_by_client_id(t, AuthorKind::User, my_user.id.as_str(), "c-1")
            .await
            .unwrap()
            .is_none()
    );

    // Every write with the other tenant's id changes nothing of mine.
    let changed = modify(s, &theirs, &conv, |_| {
        panic!("decide called for another tenant's conversation")
    })
    .await;
    assert!(matches!(changed, Err(Error::NotFound("conversation"))));
    assert!(matches!(
        s.set_group_members(
            t,
            &theirs.settings.default_group_id,
            std::slice::from_ref(&my_agent.id)
        )
        .await,
        Err(Error::NotFound("agent"))
    ));
    let mut renamed_agent = my_agent.clone();
    renamed_agent.full_name = "Mallory".to_owned();
    renamed_agent.role = Role::Owner;
    s.update_agent(t, &renamed_agent).await.unwrap();
    let mut renamed_group = my_group.clone();
    renamed_group.name = "Mallory's".to_owned();
    s.update_group(t, &renamed_group).await.unwrap();
    s.delete_agent(t, &my_agent.id).await.unwrap();
    s.delete_bot(t, &my_bot.id).await.unwrap();
    let their_user = s
        .upsert_user_by_external_id(
            t,
            NewUser {
                external_id: Some("ext-1".to_owned()),
                name: Some("Mallory".to_owned()),
                email: Some("mallory@example.com".to_owned()),
            },
        )
        .await
        .unwrap();
    assert_ne!(their_user.id, my_user.id);

    assert!(same(
        &s.agent(&mine.id, &my_agent.id).await.unwrap().unwrap(),
        &my_agent
    ));
    assert!(same(
        &s.group(&mine.id, &my_group.id).await.unwrap().unwrap(),
        &my_group
    ));
    assert!(s.bot(&mine.id, &my_bot.id).await.unwrap().is_some());
    assert_eq!(s.user(&mine.id, &my_user.id).await.unwrap(), Some(my_user));
    assert_eq!(stored(s, &mine, &conv).await, my_conversation);
}

/// Setting members of another tenant's group (or an unknown one) is `not_found`.
async fn set_group_members_needs_a_group_of_the_tenant(b: Backend) {
    let s = &b.store;
    let (mine, _) = new_tenant(s).await;
    let (theirs, their_owner) = new_tenant(s).await;
    let my_group = mine.settings.default_group_id.clone();
    let result = s
        .set_group_members(&theirs.id, &my_group, std::slice::from_ref(&their_owner.id))
        .await;
    assert!(
        matches!(result, Err(Error::NotFound("group"))),
        "{result:?}"
    );
    assert!(
        s.group(&mine.id, &my_group)
            .await
            .unwrap()
            .unwrap()
            .member_ids
            .is_empty()
    );
    assert!(
        s.agent(&theirs.id, &their_owner.id)
            .await
            .unwrap()
            .unwrap()
            .group_ids
            .is_empty()
    );
    let unknown = s
        .set_group_members(&theirs.id, &GroupId::from("no-such-group"), &[])
        .await;
    assert!(
        matches!(unknown, Err(Error::NotFound("group"))),
        "{unknown:?}"
    );
}

/// A conversation's user and group must be the tenant's own.
async fn open_conversation_needs_a_user_and_group_of_the_tenant(b: Backend) {
    let s = &b.store;
    let (mine, _) = new_tenant(s).await;
    let (theirs, _) = new_tenant(s).await;
    let my_user = add_user(s, &mine, "Ann").await;
    let their_user = add_user(s, &theirs, "Bob").await;
    let open = |tenant: TenantId, user: UserId, group: GroupId| {
        let s = s.clone();
        async move {
            s.open_conversation(
                &tenant,
                NewConversation {
                    user_id: user,
                    status: ConversationStatus::Queued,
                    group_id: group,
                    assignee: None,
                    queued: true,
                },
                Vec::new(),
            )
            .await
            .map(|o| o.after)
        }
    };
    let foreign_user = open(
        theirs.id.clone(),
        my_user.id.clone(),
        theirs.settings.default_group_id.clone(),
    )
    .await;
    assert!(
        matches!(foreign_user, Err(Error::NotFound("user"))),
        "{foreign_user:?}"
    );
    let foreign_group = open(
        theirs.id.clone(),
        their_user.id.clone(),
        mine.settings.default_group_id.clone(),
    )
    .await;
    assert!(
        matches!(foreign_group, Err(Error::NotFound("group"))),
        "{foreign_group:?}"
    );
    assert!(
        s.latest_open_conversation(&theirs.id, &their_user.id)
            .await
            .unwrap()
            .is_none()
    );
}

// ---- concurrency: as many writers as nodes --------------------------------------------------

const APPENDS: u64 = 20;
const ACCEPTERS: usize = 10;
const RETRIES: usize = 10;

async fn concurrent_appends_get_gap_free_seq(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
    let id = s
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Queued,
                group_id: tenant.settings.default_group_id.clone(),
                assignee: None,
                queued: true,
            },
            Vec::new(),
        )
        .await
        .unwrap()
        .after
        .id()
        .clone();

    let mut tasks = Vec::new();
    for i in 0..APPENDS {
        let store = if i % 2 == 0 { &b.store } else { &b.other }.clone();
        let (tenant, id) = (tenant.id.clone(), id.clone());
        let message = user_says(&user, &format!("burst {i}"), None);
        tasks.push(tokio::spawn(async move {
            let decide = move |_: &ConversationState| {
                Ok(Decision {
                    next: None,
                    messages: vec![message.clone()],
                })
            };
            store.modify_conversation(&tenant, &id, &decide).await
        }));
    }
    let mut seqs = Vec::new();
    for task in tasks {
        let outcome = task.await.expect("task").expect("append");
        assert_eq!(outcome.messages.len(), 1);
        let seq = outcome.messages[0].seq;
        // Each writer read the state the previous one committed.
        assert_eq!(
            outcome.before.as_ref().unwrap().conversation.last_seq + 1,
            seq
        );
        assert_eq!(outcome.after.conversation.last_seq, seq);
        seqs.push(seq);
    }
    seqs.sort();
    assert_eq!(seqs, (1..=APPENDS).collect::<Vec<_>>());

    let stored_messages = all_messages(s, &tenant, &id).await;
    let stored_seqs: Vec<u64> = stored_messages.iter().map(|m| m.seq).collect();
    assert_eq!(stored_seqs, (1..=APPENDS).collect::<Vec<_>>());
    let texts: BTreeSet<String> = stored_messages.into_iter().map(|m| m.text).collect();
    assert_eq!(texts.len() as u64, APPENDS);
    assert_eq!(stored(s, &tenant, &id).await.conversation.last_seq, APPENDS);
    assert_eq!(
        stored(&b.other, &tenant, &id).await.conversation.last_seq,
        APPENDS
    );
}

async fn concurrent_accepts_have_exactly_one_winner(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
    let mut agents = Vec::new();
    for _ in 0..ACCEPTERS {
        agents.push(add_agent(s, &tenant).await);
    }
    let id = open_queued(s, &tenant, &user, &tenant.settings.default_group_id)
        .await
        .id()
        .clone();

    let mut tasks = Vec::new();
    for (i, agent) in agents.iter().enumerate() {
        let store = if i % 2 == 0 { &b.store } else { &b.other }.clone();
        let (tenant, id) = (tenant.id.clone(), id.clone());
        let p = principal(agent);
        tasks.push(tokio::spawn(async move {
            let decide = move |st: &ConversationState| {
                // A slow decision widens the window in which unlocked readers would overlap.
                std::thread::sleep(Duration::from_millis(10));
                transitions::accept(st, &p)
            };
            store.modify_conversation(&tenant, &id, &decide).await
        }));
    }
    let mut winners = Vec::new();
    let mut refusals = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        match task.await.expect("task") {
            Ok(outcome) => {
                assert!(outcome.state_changed);
                winners.push((i, outcome));
            }
            Err(Error::Conflict(message)) => refusals.push(message),
            Err(other) => panic!("accept failed otherwise: {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one accept wins");
    assert_eq!(refusals.len(), ACCEPTERS - 1);
    let (i, outcome) = &winners[0];
    let winner = &agents[*i];
    for message in &refusals {
        assert_eq!(
            message,
            &format!("{} holds this conversation", winner.full_name)
        );
    }
    let state = stored(s, &tenant, &id).await;
    assert_eq!(state, outcome.after);
    assert_eq!(state.status(), ConversationStatus::Assigned);
    assert_eq!(state.holder(HolderKind::Agent), Some(winner.id.as_str()));
    assert_eq!(state.conversation.last_seq, 2);
    let joined: Vec<String> = all_messages(s, &tenant, &id)
        .await
        .into_iter()
        .filter(|m| m.text.ends_with(" joined"))
        .map(|m| m.text)
        .collect();
    assert_eq!(joined, vec![format!("{} joined", winner.full_name)]);
}

async fn concurrent_retries_store_one_message(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
    let group = tenant.settings.default_group_id.clone();
    // Two conversations of the same user: retries racing on one row lock, and retries that
    // only the unique index can stop.
    let first = open_queued(s, &tenant, &user, &group).await.id().clone();
    let second = open_queued(s, &tenant, &user, &group).await.id().clone();

    let mut tasks = Vec::new();
    for i in 0..RETRIES {
        let store = if i % 2 == 0 { &b.store } else { &b.other }.clone();
        let tenant = tenant.id.clone();
        let id = if i % 4 < 2 { &first } else { &second }.clone();
        let message = user_says(&user, "Sent once, retried", Some("retry-1"));
        tasks.push(tokio::spawn(async move {
            let decide = move |_: &ConversationState| {
                Ok(Decision {
                    next: None,
                    messages: vec![message.clone()],
                })
            };
            store.modify_conversation(&tenant, &id, &decide).await
        }));
    }
    let mut stored_once = Vec::new();
    let mut conflicts = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(outcome) => stored_once.push(outcome.messages[0].clone()),
            Err(Error::Conflict(message)) => {
                assert_eq!(message, "a message with this client_msg_id exists");
                conflicts += 1;
            }
            Err(other) => panic!("retry failed otherwise: {other:?}"),
        }
    }
    assert_eq!(stored_once.len(), 1, "exactly one retry is stored");
    assert_eq!(conflicts, RETRIES - 1);
    let winner = &stored_once[0];
    assert_eq!(winner.seq, 2);
    assert_eq!(
        s.message_by_client_id(&tenant.id, AuthorKind::User, user.id.as_str(), "retry-1")
            .await
            .unwrap()
            .as_ref(),
        Some(winner)
    );
    // The losers left no trace: no message, no seq taken.
    let mut with_key = 0;
    for id in [&first, &second] {
        let messages = all_messages(s, &tenant, id).await;
        with_key += messages
            .iter()
            .filter(|m| m.client_msg_id.as_deref() == Some("retry-1"))
            .count();
        let expected_last = if id == &winner.conversation_id { 2 } else { 1 };
        assert_eq!(messages.len() as u64, expected_last);
        assert_eq!(
            stored(s, &tenant, id).await.conversation.last_seq,
            expected_last
        );
    }
    assert_eq!(with_key, 1);
}

/// Twelve conversations queued, two agents of capacity 2, and twelve auto-assignments racing
/// from both stores (two nodes): exactly four are assigned, two each, the oldest first.
async fn concurrent_auto_assignments_never_exceed_capacity(b: Backend) {
    const QUEUED: usize = 12;
    const CAPACITY: u32 = 2;
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let group = tenant.settings.default_group_id.clone();
    let agents = [add_agent(s, &tenant).await, add_agent(s, &tenant).await];
    let mut queued = Vec::new();
    for i in 0..QUEUED {
        let user = add_user(s, &tenant, &format!("User {i}")).await;
        queued.push(open_queued(s, &tenant, &user, &group).await.id().clone());
    }
    let candidates: Vec<AgentId> = agents.iter().map(|a| a.id.clone()).collect();
    let names: Vec<(AgentId, String)> = agents
        .iter()
        .map(|a| (a.id.clone(), a.full_name.clone()))
        .collect();
    let mut tasks = Vec::new();
    for i in 0..QUEUED {
        let store = if i % 2 == 0 { &b.store } else { &b.other }.clone();
        let (tenant, group, candidates, names) = (
            tenant.id.clone(),
            group.clone(),
            candidates.clone(),
            names.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let route = move |st: &ConversationState, loads: &[CandidateLoad]| {
                std::thread::sleep(Duration::from_millis(5));
                let Some(chosen) = switchboard::domain::routing::pick(loads, |_| Some(CAPACITY))
                else {
                    return Ok(None);
                };
                let name = names
                    .iter()
                    .find(|(id, _)| id == &chosen.id)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default();
                Ok(transitions::auto_assign(st, chosen.id.as_str(), &name))
            };
            store
                .assign_next(&tenant, &group, &candidates, &route)
                .await
        }));
    }
    let mut assigned = Vec::new();
    for task in tasks {
        if let Some(outcome) = task.await.expect("task").expect("assign_next") {
            assigned.push(outcome.after.id().clone());
        }
    }
    assert_eq!(
        assigned.len(),
        2 * CAPACITY as usize,
        "exactly the capacity is used: {assigned:?}"
    );
    let mut expected: Vec<ConversationId> = queued[..assigned.len()].to_vec();
    expected.sort();
    assigned.sort();
    assert_eq!(assigned, expected, "the oldest are assigned first");
    let counts = s.open_counts(&tenant.id, &candidates).await.unwrap();
    for agent in &candidates {
        assert_eq!(counts.get(agent).copied(), Some(CAPACITY), "{counts:?}");
    }
}

async fn queue_stats_and_order(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let group = tenant.settings.default_group_id.clone();
    assert!(s.queue_stats(&tenant.id).await.unwrap().is_empty());
    let ann = add_user(s, &tenant, "Ann").await;
    let bob = add_user(s, &tenant, "Bob").await;
    let first = open_queued(s, &tenant, &ann, &group).await;
    let second = open_queued(s, &tenant, &bob, &group).await;
    let queue = s.queue(&tenant.id, &group).await.unwrap();
    assert_eq!(
        queue,
        vec![
            (first.id().clone(), ann.id.clone()),
            (second.id().clone(), bob.id.clone())
        ]
    );
    let stats = s.queue_stats(&tenant.id).await.unwrap();
    assert_eq!(stats.len(), 1);
    assert_eq!(stats[0].group_id, group);
    assert_eq!(stats[0].length, 2);
    assert_eq!(stats[0].oldest_queued_at, first.conversation.queued_at);
    let (other, _) = new_tenant(s).await;
    assert!(
        s.queue(&other.id, &group).await.unwrap().is_empty(),
        "another tenant sees no queue"
    );
}

// ---- desk additions (docs/desk-api.md) -----------------------------------------------------

async fn desk_contact_fields_and_notes(b: Backend) {
    let s = &b.store;
    let (tenant, owner) = new_tenant(s).await;
    let (other, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
    let conv = open_queued(s, &tenant, &user, &tenant.settings.default_group_id).await;

    let mut edited = user.clone();
    edited.name = Some("Ann Lee".to_owned());
    edited.email = None;
    edited.phone = Some("+49 30 1234".to_owned());
    edited.address = Some("Main St 1\n10115 Berlin".to_owned());
    s.update_user(&tenant.id, &edited)
        .await
        .expect("update the user");
    assert_eq!(
        s.user(&tenant.id, &user.id).await.unwrap(),
        Some(edited.clone())
    );
    assert_eq!(
        stored(s, &tenant, conv.id()).await.conversation.user,
        edited,
        "conversations show the new contact fields"
    );
    assert!(matches!(
        s.update_user(&other.id, &user).await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(
        s.user(&tenant.id, &user.id).await.unwrap(),
        Some(edited),
        "another tenant changed nothing"
    );

    assert!(s.user_notes(&tenant.id, &user.id).await.unwrap().is_empty());
    let first = s
        .insert_user_note(
            &tenant.id,
            NewUserNote {
                user_id: user.id.clone(),
                author_id: owner.id.clone(),
                author_name: owner.full_name.clone(),
                text: "Prefers e-mail".to_owned(),
            },
        )
        .await
        .expect("a note");
    assert_eq!(first.author.kind, AuthorKind::Agent);
    assert_eq!(first.author.id, owner.id.as_str());
    assert_eq!(first.text, "Prefers e-mail");
    assert_time_format(&first.created_at);
    tick().await;
    let second = s
        .insert_user_note(
            &tenant.id,
            NewUserNote {
                user_id: user.id.clone(),
                author_id: owner.id.clone(),
                author_name: owner.full_name.clone(),
                text: "VIP".to_owned(),
            },
        )
        .await
        .expect("another note");
    assert_eq!(
        s.user_notes(&tenant.id, &user.id).await.unwrap(),
        vec![first, second],
        "oldest first"
    );
    assert!(s.user_notes(&other.id, &user.id).await.unwrap().is_empty());
    let foreign = s
        .insert_user_note(
            &other.id,
            NewUserNote {
                user_id: user.id.clone(),
                author_id: owner.id.clone(),
                author_name: owner.full_name.clone(),
                text: "sneaky".to_owned(),
            },
        )
        .await;
    assert!(matches!(foreign, Err(Error::NotFound(_))), "{foreign:?}");
    assert_eq!(s.user_notes(&tenant.id, &user.id).await.unwrap().len(), 2);
}

async fn desk_quick_responses(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let (other, _) = new_tenant(s).await;
    let thanks = s
        .insert_quick_response(&tenant.id, "/thanks", "Thank you!")
        .await
        .expect("insert");
    let hello = s
        .insert_quick_response(&tenant.id, "/hello", "Hello!")
        .await
        .expect("insert");
    assert_eq!(
        s.quick_responses(&tenant.id).await.unwrap(),
        vec![hello.clone(), thanks.clone()],
        "by shortcut"
    );
    conflict_message(
        s.insert_quick_response(&tenant.id, "/thanks", "again")
            .await,
    );
    s.insert_quick_response(&other.id, "/thanks", "theirs")
        .await
        .expect("shortcuts are unique per tenant only");
    assert_eq!(
        s.quick_response(&tenant.id, &thanks.id).await.unwrap(),
        Some(thanks.clone())
    );
    assert_eq!(s.quick_response(&other.id, &thanks.id).await.unwrap(), None);

    let mut edited = thanks.clone();
    edited.text = "Thanks a lot!".to_owned();
    s.update_quick_response(&tenant.id, &edited)
        .await
        .expect("update");
    assert_eq!(
        s.quick_response(&tenant.id, &thanks.id).await.unwrap(),
        Some(edited.clone())
    );
    let mut clash = hello.clone();
    clash.shortcut = "/thanks".to_owned();
    conflict_message(s.update_quick_response(&tenant.id, &clash).await);
    assert!(matches!(
        s.update_quick_response(&other.id, &edited).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        s.delete_quick_response(&other.id, &thanks.id).await,
        Err(Error::NotFound(_))
    ));
    s.delete_quick_response(&tenant.id, &thanks.id)
        .await
        .expect("delete");
    assert!(matches!(
        s.delete_quick_response(&tenant.id, &thanks.id).await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(s.quick_responses(&tenant.id).await.unwrap(), vec![hello]);
}

async fn desk_attachments_and_their_links(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let (other, _) = new_tenant(s).await;
    let user = add_user(s, &tenant, "Ann").await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let record = s
        .insert_attachment(
            &tenant.id,
            NewAttachment {
                uploader_kind: AuthorKind::User,
                uploader_id: user.id.0.clone(),
                file_name: "résumé.pdf".to_owned(),
                content_type: "application/pdf".to_owned(),
                data: bytes.clone(),
            },
        )
        .await
        .expect("insert an attachment");
    assert_eq!(record.size, bytes.len() as u64);
    assert_eq!(record.id.as_str().len(), 36);
    assert_eq!(
        record.id.as_str().as_bytes()[14],
        b'4',
        "UUID v4: {}",
        record.id
    );
    assert_time_format(&record.created_at);
    assert_eq!(
        s.attachment(&tenant.id, &record.id).await.unwrap(),
        Some(record.clone())
    );
    assert_eq!(
        s.attachment_data(&tenant.id, &record.id).await.unwrap(),
        Some(bytes)
    );
    assert_eq!(s.attachment(&other.id, &record.id).await.unwrap(), None);
    assert_eq!(
        s.attachment_data(&other.id, &record.id).await.unwrap(),
        None
    );
    assert!(
        s.attachment_links(&tenant.id, &record.id)
            .await
            .unwrap()
            .is_empty()
    );

    let attachment = record.to_attachment();
    let conv = s
        .open_conversation(
            &tenant.id,
            NewConversation {
                user_id: user.id.clone(),
                status: ConversationStatus::Queued,
                group_id: tenant.settings.default_group_id.clone(),
                assignee: None,
                queued: true,
            },
            vec![NewMessage {
                attachments: vec![attachment.clone()],
                ..user_says(&user, "", Some("with-file"))
            }],
        )
        .await
        .expect("open with a file");
    assert_eq!(conv.messages[0].attachments, vec![attachment.clone()]);
    let read = all_messages(s, &tenant, conv.after.id()).await;
    assert_eq!(read[0].attachments, vec![attachment.clone()]);
    let by_key = s
        .message_by_client_id(&tenant.id, AuthorKind::User, user.id.as_str(), "with-file")
        .await
        .unwrap()
        .expect("by client id");
    assert_eq!(by_key.attachments, vec![attachment.clone()]);
    // A private note carrying the same file: a second link.
    modify(s, &tenant, conv.after.id(), |_| {
        Ok(Decision {
            next: None,
            messages: vec![NewMessage {
                private: true,
                attachments: vec![attachment.clone()],
                ..user_says(&user, "again", None)
            }],
        })
    })
    .await
    .expect("append");
    let mut links = s.attachment_links(&tenant.id, &record.id).await.unwrap();
    links.sort_by_key(|l| l.private);
    assert_eq!(
        links,
        vec![
            AttachmentLink {
                conversation_id: conv.after.id().clone(),
                private: false,
            },
            AttachmentLink {
                conversation_id: conv.after.id().clone(),
                private: true,
            },
        ]
    );
    assert!(
        s.attachment_links(&other.id, &record.id)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn desk_conversation_filters(b: Backend) {
    let s = &b.store;
    let (tenant, _) = new_tenant(s).await;
    let (other, _) = new_tenant(s).await;
    let group = tenant.settings.default_group_id.clone();
    let zoe = add_user(s, &tenant, "Zoe").await;
    let max = add_user(s, &tenant, "Max").await;
    let by_name = open_queued(s, &tenant, &zoe, &group).await;
    let by_text = open_queued(s, &tenant, &max, &group).await;
    modify(s, &tenant, by_text.id(), |_| {
        Ok(Decision {
            next: None,
            messages: vec![user_says(&max, "My INVOICE shows 50%_off", None)],
        })
    })
    .await
    .unwrap();
    let tagged = modify(s, &tenant, by_name.id(), |state| {
        let mut next = state.clone();
        next.conversation.tags = vec!["vip".to_owned(), "billing".to_owned()];
        Ok(Decision {
            next: Some(next),
            messages: Vec::new(),
        })
    })
    .await
    .unwrap();
    assert!(tagged.state_changed, "tags are state");
    assert_eq!(
        stored(s, &tenant, by_name.id()).await.conversation.tags,
        vec!["vip", "billing"]
    );
    let their_user = add_user(s, &other, "Zoe").await;
    let theirs = open_queued(s, &other, &their_user, &other.settings.default_group_id).await;

    let find = |tenant: TenantRecord, filter: ConversationFilter| {
        let s = s.clone();
        async move {
            let mut q = query(
                &ALL_STATUSES,
                Visibility::All,
                None,
                ConversationOrder::RecentlyUpdatedFirst,
                100,
            );
            q.filter = filter;
            let mut found = ids(&s.conversations(&tenant.id, &q).await.unwrap());
            found.sort();
            found
        }
    };
    let text = |t: &str| ConversationFilter {
        text: Some(t.to_owned()),
        ..ConversationFilter::default()
    };
    let tag = |t: &str| ConversationFilter {
        tag: Some(t.to_owned()),
        ..ConversationFilter::default()
    };
    let one = |c: &ConversationState| vec![c.id().clone()];

    assert_eq!(find(tenant.clone(), tag("vip")).await, one(&by_name));
    assert_eq!(find(tenant.clone(), tag("billing")).await, one(&by_name));
    assert!(
        find(tenant.clone(), tag("vi")).await.is_empty(),
        "tags match exactly"
    );
    assert_eq!(
        find(tenant.clone(), text("ZOE")).await,
        one(&by_name),
        "name, any case"
    );
    assert_eq!(
        find(tenant.clone(), text("zoe@EXAMPLE.com")).await,
        one(&by_name),
        "e-mail"
    );
    assert_eq!(
        find(tenant.clone(), text("invoice")).await,
        one(&by_text),
        "message text"
    );
    assert_eq!(
        find(tenant.clone(), text("%")).await,
        one(&by_text),
        "escaped %"
    );
    assert_eq!(
        find(tenant.clone(), text("_")).await,
        one(&by_text),
        "escaped _"
    );
    assert_eq!(find(tenant.clone(), text("50%_o")).await, one(&by_text));
    assert!(
        find(tenant.clone(), text("\\")).await.is_empty(),
        "escaped backslash"
    );
    assert!(find(tenant.clone(), text("nothing")).await.is_empty());
    assert_eq!(
        find(other.clone(), text("zoe")).await,
        one(&theirs),
        "per tenant"
    );
    assert!(
        find(other.clone(), text("invoice")).await.is_empty(),
        "per tenant"
    );
    assert!(
        find(other.clone(), tag("vip")).await.is_empty(),
        "per tenant"
    );
    let user_filter = ConversationFilter {
        user_id: Some(max.id.clone()),
        ..ConversationFilter::default()
    };
    assert_eq!(
        find(tenant.clone(), user_filter.clone()).await,
        one(&by_text)
    );
    assert!(find(other.clone(), user_filter).await.is_empty());
    let both = ConversationFilter {
        tag: Some("vip".to_owned()),
        text: Some("invoice".to_owned()),
        user_id: None,
    };
    assert!(
        find(tenant.clone(), both).await.is_empty(),
        "filters combine with AND"
    );
}
