//! Several gateway nodes on one database and one Redis behave as one gateway: a client may
//! connect to any node, and faults (a killed node, a restarted Redis) lose nothing acked.

#[path = "support/node.rs"]
mod node;
#[path = "support/postgres.rs"]
mod postgres_server;
#[path = "support/redis_server.rs"]
mod redis_server;

use node::{ClusterConfig, Node, create_tenant};
use postgres_server::{PgDatabase, PgServer, test_database};
use redis_server::RedisServer;
use std::time::Duration;
use switchboard_load_tests::{Api, WsClient};
use switchboard_protocol::api::{CreateAgent, PatchSettings, TenantCreated};
use switchboard_protocol::{
    ConversationId, ConversationStatus, Message, Patch, Presence, ServerFrame, close_code,
};
use tempfile::TempDir;

const WAIT: Duration = Duration::from_secs(10);

struct Cluster {
    nodes: Vec<Node>,
    redis: RedisServer,
    tenant: TenantCreated,
    owner: Api,
    _database: PgDatabase,
    _dir: TempDir,
}

/// Starts Redis and `count` nodes sharing one PostgreSQL database, and creates a tenant.
async fn cluster(count: usize) -> Cluster {
    cluster_on(test_database().await, count).await
}

async fn cluster_on(database: PgDatabase, count: usize) -> Cluster {
    let dir = tempfile::tempdir().expect("temp dir");
    let redis = RedisServer::start().await;
    let config = ClusterConfig {
        database_url: database.url.clone(),
        redis_url: redis.url(),
        jwt_secret: "cluster-test-secret-with-enough-entropy".into(),
        log_dir: dir.path().to_owned(),
    };
    let login = format!("owner-{}", uuid_like());
    let tenant = create_tenant(&config, "Cluster Co", &login, "owner-password-1").await;
    let mut nodes = Vec::new();
    for i in 0..count {
        nodes.push(Node::start(&config, &format!("node{i}")).await);
    }
    let session = Api::new(&nodes[0].base_url)
        .login(&login, "owner-password-1")
        .await
        .expect("owner logs in");
    let owner = Api::new(&nodes[0].base_url).with_token(&session.token);
    Cluster {
        nodes,
        redis,
        tenant,
        owner,
        _database: database,
        _dir: dir,
    }
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos:x}")
}

impl Cluster {
    /// An agent in the default group, connected to node `at`.
    async fn agent(&self, name: &str, at: usize) -> WsClient {
        let login = format!("{name}-{}", uuid_like());
        let created = self
            .owner
            .create_agent(&CreateAgent {
                full_name: name.into(),
                login: login.clone(),
                email: format!("{login}@example.com"),
                password: Some("agent-password-1".into()),
                role: None,
                group_ids: None,
            })
            .await
            .expect("create agent");
        let settings = self.owner.settings().await.expect("settings");
        let mut members: Vec<_> = self
            .owner
            .groups()
            .await
            .expect("groups")
            .into_iter()
            .find(|g| g.id == settings.default_group_id)
            .expect("default group")
            .member_ids;
        members.push(created.agent.id.clone());
        self.owner
            .set_group_members(&settings.default_group_id, &members)
            .await
            .expect("members");
        let node = &self.nodes[at].base_url;
        let session = Api::new(node)
            .login(&login, "agent-password-1")
            .await
            .expect("agent logs in");
        let (client, _) = WsClient::connect_authed(node, &session.token)
            .await
            .expect("agent connects");
        let mut client = client.with_label(format!("{name}@node{at}"));
        // Agents at work are online: taking conversations requires it.
        client
            .set_presence(Presence::Online)
            .await
            .expect("go online");
        client
    }

    /// A new end user connected to node `at`, and its token.
    async fn user(&self, at: usize) -> (WsClient, String) {
        let node = &self.nodes[at].base_url;
        let session = Api::new(node)
            .widget_session(&self.tenant.app_key, None)
            .await
            .expect("widget session");
        let (client, _) = WsClient::connect_authed(node, &session.token)
            .await
            .expect("user connects");
        (client.with_label(format!("user@node{at}")), session.token)
    }

    /// The usual stage: agent Alice on node 1 has accepted the conversation a user on node 0
    /// started. Returns the agent, the user, the user's token and the conversation.
    async fn accepted_chat(&self) -> (WsClient, WsClient, String, ConversationId) {
        let mut agent = self.agent("Alice", 1).await;
        let (mut user, user_token) = self.user(0).await;
        let conversation = user
            .send_message(None, "u0", "start")
            .await
            .expect("send")
            .conversation_id;
        agent.accept(&conversation).await.expect("accept");
        (agent, user, user_token, conversation)
    }

    fn logs(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("--- {} ---\n{}", n.name, n.log()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn seqs(messages: &[Message]) -> Vec<u64> {
    messages.iter().map(|m| m.seq).collect()
}

#[tokio::test]
async fn handover_story_with_the_user_on_one_node_and_the_agent_on_another() {
    let cluster = cluster(2).await;
    let mut agent = cluster.agent("Alice", 1).await;
    let (mut user, _) = cluster.user(0).await;

    let first = user
        .send_message(None, "u1", "Hello from node 0")
        .await
        .expect("user sends");
    let conversation = first.conversation_id.clone();
    agent
        .wait_conversation(
            |c| c.id == conversation && c.status == ConversationStatus::Queued,
            WAIT,
            "queued on the other node",
        )
        .await
        .expect("agent on node 1 sees the queued conversation");
    agent.accept(&conversation).await.expect("accept");
    agent
        .send_message(&conversation, "a1", "Hi, Alice here")
        .await
        .expect("agent replies");
    user.wait_message(|m| m.text == "Hi, Alice here", WAIT, "the agent's reply")
        .await
        .expect("user gets the reply across nodes");
    user.send_message(&conversation, "u2", "Thanks!")
        .await
        .expect("user answers");
    agent
        .wait_message(|m| m.text == "Thanks!", WAIT, "the user's answer")
        .await
        .expect("agent gets the answer across nodes");
    agent
        .send_note(&conversation, "n1", "private note")
        .await
        .expect("note");
    user.assert_nothing(
        |f| matches!(f, ServerFrame::MessageCreated(m) if m.message.private),
        Duration::from_millis(500),
    )
    .await
    .expect("the user never gets private notes");
}

#[tokio::test]
async fn accepts_racing_on_different_nodes_have_exactly_one_winner() {
    let cluster = cluster(2).await;
    let mut agents = Vec::new();
    for i in 0..6 {
        agents.push(cluster.agent(&format!("Agent{i}"), i % 2).await);
    }
    let (mut user, _) = cluster.user(0).await;
    let conversation = user
        .send_message(None, "u1", "who takes me?")
        .await
        .expect("send")
        .conversation_id;
    for agent in agents.iter_mut() {
        agent
            .wait_conversation(|c| c.id == conversation, WAIT, "queued")
            .await
            .expect("sees it");
    }
    let results =
        futures_util::future::join_all(agents.iter_mut().map(|a| a.accept(&conversation))).await;
    let winners = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(winners, 1, "exactly one accept wins: {results:?}");
}

#[tokio::test]
async fn a_live_subscriber_misses_nothing_when_redis_restarts() {
    let mut cluster = cluster(2).await;
    let (mut agent, mut user, _, conversation) = cluster.accepted_chat().await;

    let mut acked = Vec::new();
    for i in 0..5 {
        acked.push(
            user.send_message(
                &conversation,
                &format!("before-{i}"),
                &format!("before {i}"),
            )
            .await
            .expect("send")
            .seq,
        );
    }
    cluster.redis.stop().await;
    // Sends keep working: the store is the system of record; only live fan-out is down.
    for i in 0..5 {
        acked.push(
            user.send_message(
                &conversation,
                &format!("during-{i}"),
                &format!("during {i}"),
            )
            .await
            .expect("send while redis is down")
            .seq,
        );
    }
    cluster.redis.start_again().await;
    for i in 0..5 {
        acked.push(
            user.send_message(&conversation, &format!("after-{i}"), &format!("after {i}"))
                .await
                .expect("send after")
                .seq,
        );
    }
    let last = *acked.last().expect("acked");
    let mut received = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !acked.iter().all(|s| received.contains(s)) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "agent got {received:?} of {acked:?}\n{}",
            cluster.logs()
        );
        if let Ok(ServerFrame::MessageCreated(m)) = agent.next_event(Duration::from_secs(1)).await
            && m.message.conversation_id == conversation
        {
            assert!(
                !received.contains(&m.message.seq),
                "seq {} delivered twice",
                m.message.seq
            );
            received.push(m.message.seq);
        }
    }
    assert!(received.contains(&last));
    assert!(agent.closed().is_none(), "the agent's socket stayed open");
}

/// Reads one counter from a node's `/metrics`.
async fn counter(base_url: &str, name: &str) -> f64 {
    let text = reqwest::get(format!("{base_url}/metrics"))
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} not in /metrics:\n{text}"))
}

#[tokio::test]
async fn a_publish_that_fails_while_the_subscribers_links_stay_up_is_healed() {
    let cluster = cluster(2).await;
    let (mut agent, mut user, _, conversation) = cluster.accepted_chat().await;
    let failures_before = counter(
        &cluster.nodes[0].base_url,
        "switchboard_bus_publish_failures_total",
    )
    .await;

    // Break every publishing connection (type normal) and none of the subscription links
    // (type pubsub): node 1 keeps listening and has no reason to resync on its own.
    let client = redis::Client::open(cluster.redis.url()).expect("redis url");
    let mut admin = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect to redis");
    let killed: i64 = redis::cmd("CLIENT")
        .arg(&["KILL", "TYPE", "normal", "SKIPME", "yes"][..])
        .query_async(&mut admin)
        .await
        .expect("CLIENT KILL");
    assert!(killed > 0, "no publishing connection to break");

    // The user's message is stored and acked, but its publish hits the broken connection.
    let lost_in_flight = user
        .send_message(&conversation, "u1", "are you there?")
        .await
        .expect("acked: the store is the system of record")
        .seq;
    let failures_after = counter(
        &cluster.nodes[0].base_url,
        "switchboard_bus_publish_failures_total",
    )
    .await;
    assert!(
        failures_after > failures_before,
        "the publish went through ({failures_before} -> {failures_after} failures): the test \
         did not break what it means to\n{}",
        cluster.logs()
    );

    // No later message comes to reveal a gap: only the heal brings it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the agent never got seq {lost_in_flight}\n{}",
            cluster.logs()
        );
        if let Ok(ServerFrame::MessageCreated(m)) = agent.next_event(Duration::from_secs(1)).await
            && m.message.conversation_id == conversation
            && m.message.seq == lost_in_flight
        {
            break;
        }
    }
    assert!(
        counter(
            &cluster.nodes[0].base_url,
            "switchboard_bus_resync_requests_total"
        )
        .await
            >= 1.0
    );
    assert!(agent.closed().is_none(), "the agent's socket stayed open");
}

#[tokio::test]
async fn clients_of_a_killed_node_recover_every_acked_message_on_another() {
    let mut cluster = cluster(2).await;
    let (mut agent, mut user, user_token, conversation) = cluster.accepted_chat().await;
    let seen = user
        .send_message(&conversation, "u1", "one")
        .await
        .expect("send")
        .seq;

    cluster.nodes[0].kill().await;
    let mut acked = Vec::new();
    for i in 0..5 {
        acked.push(
            agent
                .send_message(&conversation, &format!("a{i}"), &format!("reply {i}"))
                .await
                .expect("agent sends")
                .seq,
        );
    }
    // The user reconnects to the surviving node and recovers from its last seen seq.
    let (mut user, _) = WsClient::connect_authed(&cluster.nodes[1].base_url, &user_token)
        .await
        .expect("reconnect");
    let page = user
        .history(&conversation, Some(seen))
        .await
        .expect("history");
    for seq in &acked {
        assert!(
            seqs(&page.messages).contains(seq),
            "recovered {:?}, acked {acked:?}",
            seqs(&page.messages)
        );
    }
}

#[tokio::test]
async fn sigterm_closes_sockets_with_going_away_and_exits() {
    let mut cluster = cluster(2).await;
    let (mut user, _) = cluster.user(0).await;
    user.ping().await.expect("alive");
    let status = cluster.nodes[0].terminate().await;
    assert!(status.success(), "the node exits cleanly: {status:?}");
    let code = user.expect_close(WAIT).await.expect("closed");
    assert_eq!(code, Some(close_code::GOING_AWAY));
}

#[tokio::test]
async fn presence_and_group_online_are_true_cluster_wide() {
    let cluster = cluster(2).await;
    let mut watcher = cluster.agent("Watcher", 0).await;
    let alice = cluster.agent("Alice", 1).await;
    let alice_id = cluster
        .owner
        .agents()
        .await
        .expect("agents")
        .into_iter()
        .find(|a| a.full_name == "Alice")
        .expect("alice")
        .id;
    watcher
        .wait_for(
            |f| matches!(f, ServerFrame::Presence(p) if p.agent_id == alice_id && p.connected),
            WAIT,
        )
        .await
        .expect("an agent on node 0 hears that Alice connected on node 1");
    // Node 0 answers from the cluster's view, not its own sockets.
    let seen_from_node0 =
        Api::new(&cluster.nodes[0].base_url).with_token(cluster.owner.token().expect("token"));
    let listed = seen_from_node0.agents().await.expect("agents");
    assert!(
        listed.iter().any(|a| a.id == alice_id && a.connected),
        "{listed:?}"
    );
    // Agents are counted in Redis; end users are not (nothing asks whether one is connected,
    // and each would cost a write per socket and a renewal per heartbeat).
    let (mut user, _) = cluster.user(1).await;
    user.send_message(None, "u-presence", "hello")
        .await
        .expect("the user is connected and heard");
    let redis = redis::Client::open(cluster.redis.url())
        .expect("redis url")
        .get_multiplexed_async_connection()
        .await
        .expect("connect to redis");
    let counted = |pattern: &'static str| {
        let mut redis = redis.clone();
        async move {
            redis::cmd("KEYS")
                .arg(pattern)
                .query_async::<Vec<String>>(&mut redis)
                .await
                .expect("KEYS")
        }
    };
    assert!(
        !counted("*conn:*:agent:*").await.is_empty(),
        "agents are counted"
    );
    assert_eq!(counted("*conn:*:user:*").await, Vec::<String>::new());
    drop(redis);
    let groups = seen_from_node0.groups().await.expect("groups");
    assert!(
        groups.iter().all(|g| g.online),
        "the default group is online: {groups:?}"
    );

    alice.close().await.expect("alice leaves");
    watcher
        .wait_for(
            |f| matches!(f, ServerFrame::Presence(p) if p.agent_id == alice_id && !p.connected),
            WAIT,
        )
        .await
        .expect("an agent on node 0 hears that Alice left node 1");
    let listed = seen_from_node0.agents().await.expect("agents");
    assert!(
        listed.iter().any(|a| a.id == alice_id && !a.connected),
        "{listed:?}"
    );
}

#[tokio::test]
async fn a_postgres_outage_refuses_sends_loses_nothing_acked_and_heals_by_itself() {
    let mut server = tokio::task::spawn_blocking(PgServer::start)
        .await
        .expect("start PostgreSQL");
    let database = server.create_database().await;
    let cluster = cluster_on(database, 2).await;
    let (mut agent, mut user, _, conversation) = cluster.accepted_chat().await;
    let mut acked = vec![
        user.send_message(&conversation, "u1", "before")
            .await
            .expect("send")
            .seq,
    ];

    server.pause();
    let refused = user
        .send_message(&conversation, "u2", "during the outage")
        .await;
    match refused {
        Err(switchboard_load_tests::ClientError::Refused { error, .. }) => {
            assert_eq!(error.code, switchboard_protocol::ErrorCode::Unavailable)
        }
        other => panic!("a send during the outage must be refused with unavailable: {other:?}"),
    }
    let health = Api::new(&cluster.nodes[0].base_url).healthz().await;
    assert!(health.is_err(), "healthz reports the outage: {health:?}");

    // Kept until the end of the test, when dropping it stops the server.
    let _server = tokio::task::spawn_blocking(move || {
        server.resume();
        server
    })
    .await
    .expect("resume PostgreSQL");
    // The node reconnects by itself: retry until a send is acked again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        match user
            .send_message(&conversation, "u3", "after the outage")
            .await
        {
            Ok(message) => {
                acked.push(message.seq);
                break;
            }
            Err(err) => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "never recovered: {err}\n{}",
                    cluster.logs()
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    let history = user.history(&conversation, Some(0)).await.expect("history");
    let texts: Vec<&str> = history.messages.iter().map(|m| m.text.as_str()).collect();
    assert!(
        !texts.contains(&"during the outage"),
        "a refused send is not stored: {texts:?}"
    );
    for seq in &acked {
        assert!(
            seqs(&history.messages).contains(seq),
            "acked seq {seq} is stored: {texts:?}"
        );
        agent
            .wait_message(
                |m| m.seq == *seq && m.conversation_id == conversation,
                WAIT,
                "an acked message",
            )
            .await
            .expect("the agent receives every acked message");
    }
}

#[tokio::test]
async fn agents_of_a_node_that_dies_are_announced_gone() {
    let mut cluster = cluster(2).await;
    let mut watcher = cluster.agent("Watcher", 1).await;
    let _doomed = cluster.agent("Doomed", 0).await;
    let doomed_id = cluster
        .owner
        .agents()
        .await
        .expect("agents")
        .into_iter()
        .find(|a| a.full_name == "Doomed")
        .expect("doomed")
        .id;
    watcher
        .wait_for(
            |f| matches!(f, ServerFrame::Presence(p) if p.agent_id == doomed_id && p.connected),
            WAIT,
        )
        .await
        .expect("connected first");
    cluster.nodes[0].kill().await;
    watcher
        .wait_for(
            |f| matches!(f, ServerFrame::Presence(p) if p.agent_id == doomed_id && !p.connected),
            Duration::from_secs(15),
        )
        .await
        .expect("the survivors announce that the dead node's agent is gone");
    let survivor =
        Api::new(&cluster.nodes[1].base_url).with_token(cluster.owner.token().expect("token"));
    let listed = survivor.agents().await.expect("agents");
    assert!(
        listed.iter().any(|a| a.id == doomed_id && !a.connected),
        "{listed:?}"
    );
}

#[tokio::test]
async fn a_bot_timer_armed_on_a_node_that_dies_fires_once_on_the_others() {
    const TIMEOUT: Duration = Duration::from_secs(2);
    const DID_NOT_ANSWER: &str = "The assistant did not answer in time";
    let mut cluster = cluster(3).await;
    let bot = cluster.owner.create_bot("Helper").await.expect("a bot");
    cluster
        .owner
        .patch_settings(&PatchSettings {
            entry_bot_id: Patch::Set(bot.id.clone()),
            bot_timeout_secs: Some(2),
            ..PatchSettings::default()
        })
        .await
        .expect("the bot is the entry bot, with 2 s to answer");
    // The bot on node 1, an agent of the (manual) default group on node 2; the user writes
    // through node 0, which arms the timer and then dies. Nodes 1 and 2 both claim timers.
    let (bot_ws, _) = WsClient::connect_authed(&cluster.nodes[1].base_url, &bot.token)
        .await
        .expect("the bot connects");
    let mut bot_ws = bot_ws.with_label("bot@node1");
    let mut watcher = cluster.agent("Watcher", 2).await;
    let (mut user, _) = cluster.user(0).await;
    let sent_at = tokio::time::Instant::now();
    let conversation = user
        .send_message(None, "u1", "Hello bot")
        .await
        .expect("the user writes")
        .conversation_id;
    bot_ws
        .wait_conversation(
            |c| c.id == conversation && c.status == ConversationStatus::Bot,
            WAIT,
            "the bot holds it",
        )
        .await
        .expect("the bot is connected and holds the conversation");
    cluster.nodes[0].kill().await;
    assert!(
        sent_at.elapsed() < TIMEOUT,
        "node 0 died only after the timeout"
    );

    watcher
        .wait_conversation(
            |c| c.id == conversation && c.status == ConversationStatus::Queued,
            TIMEOUT + WAIT,
            "handed over by a surviving node",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    let waited = sent_at.elapsed();
    assert!(
        waited >= TIMEOUT - Duration::from_millis(100) && waited < TIMEOUT + Duration::from_secs(5),
        "handed over {waited:?} after the message (bot_timeout_secs 2)"
    );
    let survivor =
        Api::new(&cluster.nodes[1].base_url).with_token(cluster.owner.token().expect("token"));
    // A moment for a second handover, were there one, to be written.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let page = survivor
        .messages(&conversation, Some(0), Some(100))
        .await
        .expect("history");
    let told: Vec<&Message> = page
        .messages
        .iter()
        .filter(|m| m.text.contains(DID_NOT_ANSWER))
        .collect();
    assert_eq!(told.len(), 1, "exactly one handover: {:?}", page.messages);
    let transferred = page
        .messages
        .iter()
        .filter(|m| m.text.contains("transferred"))
        .count();
    assert_eq!(transferred, 1, "{:?}", page.messages);
}
