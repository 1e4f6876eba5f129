//! Scenario helpers: the set-ups the integration suites share ("an agent of the default group,
//! online", "a user who opened a conversation", "agents of an auto-assigning default group",
//! "a conversation the entry bot holds"), and the waits that read as the routing rules
//! ("expect it assigned to alice", "expect it to stay queued").
//!
//! Every helper panics with what it was doing, so a test that uses one fails as clearly as if
//! it had written the steps out.

use super::{T, Tenant, TestAgent, TestGateway, unique};
use switchboard_load_tests::{Api, WsClient};
use switchboard_protocol::api::{
    CreateGroup, CreatedBot, PatchAgent, PatchGroup, PatchSettings, WidgetSession,
};
use switchboard_protocol::*;
use tokio::time::Instant;

// ---- tenants, groups and agents ------------------------------------------------------------

pub async fn patch_settings(tenant: &Tenant, patch: PatchSettings) -> Settings {
    tenant
        .owner
        .patch_settings(&patch)
        .await
        .unwrap_or_else(|e| panic!("owner patches settings {patch:?}: {e}"))
}

/// Sets a group's members to exactly `members`.
pub async fn set_members(tenant: &Tenant, group: &GroupId, members: &[&TestAgent]) -> Group {
    let ids: Vec<AgentId> = members.iter().map(|a| a.id().clone()).collect();
    tenant
        .owner
        .set_group_members(group, &ids)
        .await
        .unwrap_or_else(|e| panic!("owner sets the members of {group}: {e}"))
}

/// Makes the default group auto-assigning, with exactly `members`.
pub async fn auto_default_group(tenant: &Tenant, members: &[&TestAgent]) -> Group {
    let patched = tenant
        .owner
        .patch_group(
            &tenant.default_group,
            &PatchGroup {
                assignment: Some(Assignment::Auto),
                ..PatchGroup::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("owner makes the default group auto: {e}"));
    assert_eq!(patched.assignment, Assignment::Auto);
    set_members(tenant, &tenant.default_group, members).await
}

/// New agents (role `agent`, not connected) who are exactly the members of the default
/// group, made auto-assigning: `let [alice, bob] = auto_group_agents(&tenant, ["Alice", "Bob"])`.
pub async fn auto_group_agents<const N: usize>(
    tenant: &Tenant,
    names: [&str; N],
) -> [TestAgent; N] {
    let mut agents = Vec::with_capacity(N);
    for name in names {
        agents.push(tenant.agent(name).await);
    }
    let members: Vec<&TestAgent> = agents.iter().collect();
    auto_default_group(tenant, &members).await;
    agents
        .try_into()
        .unwrap_or_else(|_| unreachable!("one agent per name"))
}

/// A second (manual) group with these members (asserted listed as members).
pub async fn second_group(tenant: &Tenant, name: &str, members: &[&TestAgent]) -> Group {
    let group = tenant
        .owner
        .create_group(&CreateGroup {
            name: name.into(),
            assignment: None,
            business_hours: None,
        })
        .await
        .unwrap_or_else(|e| panic!("owner creates group {name}: {e}"));
    let group = set_members(tenant, &group.id, members).await;
    for agent in members {
        assert!(
            group.member_ids.contains(agent.id()),
            "{} is a member of {name} now",
            agent.login
        );
    }
    group
}

pub async fn set_capacity(tenant: &Tenant, agent: &TestAgent, capacity: Option<u32>) -> Agent {
    let patch = PatchAgent {
        capacity: match capacity {
            Some(n) => Patch::Set(n),
            None => Patch::Clear,
        },
        ..PatchAgent::default()
    };
    let updated = tenant
        .owner
        .patch_agent(agent.id(), &patch)
        .await
        .unwrap_or_else(|e| panic!("owner sets the capacity of {}: {e}", agent.login));
    assert_eq!(updated.capacity, capacity);
    updated
}

/// A new agent of the default group with a socket (labelled "agent NAME" in lower case),
/// presence online: ready to accept.
pub async fn online_agent(gw: &TestGateway, tenant: &Tenant, name: &str) -> (TestAgent, WsClient) {
    let agent = tenant.agent_in_default_group(name).await;
    let label = format!("agent {}", name.to_lowercase());
    let ws = gw.connect(&agent.token, &label).await;
    (agent, ws)
}

/// The tenant's entry bot "Helper", connected (socket labelled "bot"): new conversations go
/// to it.
pub async fn connected_entry_bot(gw: &TestGateway, tenant: &Tenant) -> (CreatedBot, WsClient) {
    let bot = tenant.entry_bot("Helper").await;
    let ws = gw.connect(&bot.token, "bot").await;
    (bot, ws)
}

/// The set-up of the bot-failure tests: an agent "Alice" in the default group (not connected)
/// for handovers to queue for, then the connected entry bot "Helper". With
/// `bot_timeout_secs`, the setting is patched to it before the bot connects.
pub async fn entry_bot_ahead_of_alice(
    gw: &TestGateway,
    tenant: &Tenant,
    bot_timeout_secs: Option<u32>,
) -> (CreatedBot, WsClient) {
    let _alice = tenant.agent_in_default_group("Alice").await;
    let bot = tenant.entry_bot("Helper").await;
    if let Some(secs) = bot_timeout_secs {
        let settings = patch_settings(
            tenant,
            PatchSettings {
                bot_timeout_secs: Some(secs),
                ..PatchSettings::default()
            },
        )
        .await;
        assert_eq!(settings.bot_timeout_secs, secs);
    }
    let ws = gw.connect(&bot.token, "bot").await;
    (bot, ws)
}

// ---- users -------------------------------------------------------------------------------

/// A new widget user with a socket (labelled "user") who writes `text` (client_msg_id `u-1`)
/// without a conversation id, so opening a conversation; returns the first message too.
pub async fn user_opens(
    gw: &TestGateway,
    tenant: &Tenant,
    text: &str,
) -> (WidgetSession, WsClient, Message) {
    let user = tenant.user().await;
    let mut ws = gw.connect(&user.token, "user").await;
    let first = ws
        .send_message(None, "u-1", text)
        .await
        .expect("the user's first message (u-1)");
    (user, ws, first)
}

/// An end user with a socket, for tests with many users.
pub struct Customer {
    pub label: String,
    pub ws: WsClient,
}

/// A connected end user who has not written yet.
pub async fn customer(gw: &TestGateway, tenant: &Tenant, label: &str) -> Customer {
    let user = tenant.user().await;
    Customer {
        label: label.to_owned(),
        ws: gw.connect(&user.token, label).await,
    }
}

/// A connected user with an open conversation ("Hello from LABEL").
pub async fn customer_with_conversation(
    gw: &TestGateway,
    tenant: &Tenant,
    label: &str,
) -> (Customer, ConversationId) {
    let mut c = customer(gw, tenant, label).await;
    let conv = c.open(&format!("Hello from {label}")).await;
    (c, conv)
}

/// A connected user ("user") whose new conversation the entry bot holds, as the bot's socket
/// has seen.
pub async fn conversation_with_the_bot(
    gw: &TestGateway,
    tenant: &Tenant,
    bot_ws: &mut WsClient,
) -> (Customer, ConversationId) {
    let (user, conv) = customer_with_conversation(gw, tenant, "user").await;
    expect_the_bot_holds(bot_ws, &conv).await;
    (user, conv)
}

impl Customer {
    /// The user writes without a conversation id: opens (or continues) its conversation.
    pub async fn open(&mut self, text: &str) -> ConversationId {
        self.ws
            .send_message(None, &unique("open"), text)
            .await
            .unwrap_or_else(|e| panic!("{}: first message: {e}", self.label))
            .conversation_id
    }

    /// Waits (on this user's socket) for `conv` to reach `status`.
    pub async fn expect_status(
        &mut self,
        conv: &ConversationId,
        status: ConversationStatus,
        what: &str,
    ) -> Conversation {
        expect_status(&mut self.ws, conv, status, what).await
    }

    pub async fn write(&mut self, conv: &ConversationId, text: &str) -> Message {
        self.ws
            .send_message(conv, &unique("u"), text)
            .await
            .unwrap_or_else(|e| panic!("{}: message: {e}", self.label))
    }
}

// ---- what sockets and lists show -------------------------------------------------------------

pub fn assigned_update_of(conv: &ConversationId) -> impl Fn(&ServerFrame) -> bool + use<> {
    status_update_of(conv, ConversationStatus::Assigned)
}

pub fn status_update_of(
    conv: &ConversationId,
    status: ConversationStatus,
) -> impl Fn(&ServerFrame) -> bool + use<> {
    let conv = conv.clone();
    move |f| {
        matches!(f, ServerFrame::ConversationUpdated(u)
            if u.conversation.id == conv && u.conversation.status == status)
    }
}

pub fn assignee_id(c: &Conversation) -> Option<&str> {
    c.assignee.as_ref().map(|a| a.id.as_str())
}

/// Waits (on `ws`) for `conv` to become `assigned` and asserts it went to `agent`.
pub async fn expect_assigned_to(
    ws: &mut WsClient,
    conv: &ConversationId,
    agent: &TestAgent,
    what: &str,
) -> Conversation {
    let c = expect_status(ws, conv, ConversationStatus::Assigned, what).await;
    let assignee = c
        .assignee
        .clone()
        .expect("an assigned conversation has an assignee");
    assert_eq!(
        (assignee.kind, assignee.id.as_str()),
        (HolderKind::Agent, agent.id().as_str()),
        "{what}: assigned to {} ({}) instead of {}",
        assignee.name,
        assignee.id,
        agent.agent.full_name
    );
    c
}

/// Waits for `conv` to reach `status` on `ws`.
pub async fn expect_status(
    ws: &mut WsClient,
    conv: &ConversationId,
    status: ConversationStatus,
    what: &str,
) -> Conversation {
    ws.wait_conversation(|c| c.id == *conv && c.status == status, T, what)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// Waits (on the bot's socket) until the bot holds `conv`.
pub async fn expect_the_bot_holds(bot_ws: &mut WsClient, conv: &ConversationId) -> Conversation {
    expect_status(bot_ws, conv, ConversationStatus::Bot, "the bot holds it").await
}

/// The conversation as the owner lists it.
pub async fn conversation(tenant: &Tenant, conv: &ConversationId) -> Conversation {
    for view in [ConversationView::Open, ConversationView::Closed] {
        let list = tenant
            .owner
            .conversations(view)
            .await
            .unwrap_or_else(|e| panic!("owner lists {view:?}: {e}"));
        if let Some(c) = list.into_iter().find(|c| c.id == *conv) {
            return c;
        }
    }
    panic!("the owner does not see conversation {conv}");
}

/// Asserts `conv` is not assigned within [`QUIET`](super::QUIET) (as `ws` sees it) and is
/// still queued.
pub async fn expect_stays_queued(
    ws: &mut WsClient,
    tenant: &Tenant,
    conv: &ConversationId,
    what: &str,
) {
    ws.assert_nothing(assigned_update_of(conv), super::QUIET)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let now = conversation(tenant, conv).await;
    assert_eq!(
        (now.status, now.assignee.clone()),
        (ConversationStatus::Queued, None),
        "{what}"
    );
}

/// Whether `view`, as `api`'s caller lists it, shows `conv`.
pub async fn lists(api: &Api, view: ConversationView, conv: &ConversationId) -> bool {
    api.conversations(view)
        .await
        .unwrap_or_else(|e| panic!("list the {view:?} view: {e}"))
        .iter()
        .any(|c| c.id == *conv)
}

/// The group as the owner lists it.
pub async fn group(tenant: &Tenant, id: &GroupId) -> Group {
    tenant
        .owner
        .groups()
        .await
        .expect("owner lists groups")
        .into_iter()
        .find(|g| g.id == *id)
        .unwrap_or_else(|| panic!("group {id} is listed"))
}

/// Waits until the owner's agent list shows `agent` with `connected`.
pub async fn wait_connected(tenant: &Tenant, agent: &TestAgent, connected: bool) {
    let deadline = Instant::now() + T;
    loop {
        let agents = tenant.owner.agents().await.expect("owner lists agents");
        let now = agents
            .iter()
            .find(|a| a.id == *agent.id())
            .map(|a| a.connected);
        if now == Some(connected) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} never became connected={connected} (is {now:?})",
            agent.login
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
