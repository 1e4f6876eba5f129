//! One conformance suite for every `Store`: each test is written once against
//! `Arc<dyn Store>` and runs on SQLite (a temp file) and on PostgreSQL (a database of its own
//! on a real server started by the harness). On PostgreSQL the concurrency tests drive two
//! separate `PostgresStore`s, two pools on one database, as two gateway nodes would.
//!
//! This file is the harness (the backends, the `conformance!` list that runs every test on
//! both, shared helpers); the tests live in one module per aggregate of the store.

#[path = "../support/postgres.rs"]
mod postgres_server;

mod agents;
mod attachments;
mod bots;
mod conversations;
mod desk;
mod groups;
mod isolation;
mod messages;
mod routing;
mod tenants;
mod timers;
mod users;

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
    (tests: [$($module:ident :: $name:ident),* $(,)?] $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$module::$name(super::sqlite().await).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$module::$name(super::postgres().await).await
                }
            )*
        }
    };
}

conformance! {
    tests: [
        tenants::tenants_and_settings,
        agents::agents_logins_updates_and_deletion,
        groups::groups_and_their_members,
        bots::bots_are_listed_until_deleted,
        bots::bots_have_groups_of_the_tenant,
        bots::the_bot_filter_finds_what_a_bot_took_part_in,
        users::users_and_the_upsert_by_external_id,
        conversations::open_conversation_numbers_its_messages_from_one,
        conversations::modify_conversation_applies_the_decision,
        conversations::unchanged_decision_writes_nothing,
        conversations::conversation_lists_by_status_visibility_and_order,
        conversations::latest_open_conversation_is_the_most_recently_updated,
        messages::messages_page_in_both_directions,
        messages::message_by_client_id_and_its_unique_key,
        isolation::another_tenants_ids_find_nothing,
        conversations::concurrent_appends_get_gap_free_seq,
        conversations::concurrent_accepts_have_exactly_one_winner,
        messages::concurrent_retries_store_one_message,
        routing::concurrent_auto_assignments_never_exceed_capacity,
        routing::queue_stats_and_order,

        groups::set_group_members_needs_a_group_of_the_tenant,
        conversations::open_conversation_needs_a_user_and_group_of_the_tenant,

        desk::desk_contact_fields_and_notes,
        desk::desk_quick_responses,
        attachments::desk_attachments_and_their_links,
        conversations::desk_conversation_filters,

        timers::bot_timers_arm_replace_and_cancel,
        timers::bot_timers_are_capped_per_tenant,
        timers::due_timers_are_claimed_once,
        timers::auto_queues_are_the_auto_groups_with_waiting_conversations,
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
        group_ids: Vec::new(),
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
