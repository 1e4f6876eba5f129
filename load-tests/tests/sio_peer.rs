//! The Socket.IO peer end to end: the real `node server.js` processes (installed by
//! `load-tests/peers/install`, which these tests run first: it is idempotent) on a real
//! `redis-server`, driven by the Rust socket.io client and the workloads.

// The project's test Redis (gateway/tests/support), shared rather than copied.
#[allow(dead_code)]
#[path = "../../gateway/tests/support/redis_server.rs"]
mod redis_server;

use redis_server::RedisServer;
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;
use std::time::Duration;
use switchboard_load_tests::sio::{
    self, FanoutParams, IdleParams, Incoming, LatencyParams, SioClient, SioCluster, SioError,
};

/// Runs `load-tests/peers/install` once per test binary.
fn install_peer() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/peers/install");
        let status = std::process::Command::new(script)
            .status()
            .expect("run load-tests/peers/install");
        assert!(
            status.success(),
            "load-tests/peers/install failed: {status}"
        );
    });
}

async fn two_nodes() -> (RedisServer, SioCluster) {
    install_peer();
    let redis = RedisServer::start().await;
    let cluster = SioCluster::start(&redis.url(), 2)
        .await
        .expect("two Socket.IO nodes start");
    (redis, cluster)
}

fn loopback(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_crosses_nodes_through_the_redis_adapter_and_is_acked() {
    let (_redis, cluster) = two_nodes().await;
    assert_eq!(cluster.pids().len(), 2);
    let urls = cluster.urls();
    assert!(
        urls.iter().all(|u| u.starts_with("http://127.0.0.1:")),
        "{urls:?}"
    );
    let [a, b] = [cluster.addrs()[0], cluster.addrs()[1]];

    // From a chosen source address, as the big runs do.
    let mut alice = SioClient::connect(a, Some(loopback(2)), "alice")
        .await
        .expect("alice");
    let mut bob = SioClient::connect(b, Some(loopback(3)), "bob")
        .await
        .expect("bob");
    assert!(!alice.sid().is_empty());
    assert!(alice.open_info().ping_interval > 0);
    alice
        .call("join", &json!({"room": "r1"}))
        .await
        .expect("alice joins");
    bob.call("join", &json!({"room": "r1"}))
        .await
        .expect("bob joins");

    let id = alice
        .emit_with_ack("msg", &json!({"room": "r1", "text": "hello"}))
        .await
        .expect("send");
    match tokio::time::timeout(Duration::from_secs(5), alice.recv()).await {
        Ok(Ok(Incoming::Ack { id: got, args })) => {
            assert_eq!(got, id);
            assert_eq!(args, vec![json!({"ok": true})]);
        }
        other => panic!("alice expected her ack, got {other:?}"),
    }
    match tokio::time::timeout(Duration::from_secs(5), bob.recv()).await {
        Ok(Ok(Incoming::Event { name, args, ack })) => {
            assert_eq!(name, "msg");
            assert_eq!(
                args,
                vec![json!({"room": "r1", "from": "alice", "text": "hello"})]
            );
            assert_eq!(ack, None);
        }
        other => panic!("bob expected the message, got {other:?}"),
    }

    // Sending into a room one has not joined is refused, not silently dropped.
    let err = alice
        .call("msg", &json!({"room": "elsewhere", "text": "x"}))
        .await
        .expect_err("not a member");
    assert!(matches!(err, SioError::Unexpected { .. }), "{err}");

    // The server's own close of the session reaches the client as an error, not a hang.
    drop(cluster);
    let ended = tokio::time::timeout(Duration::from_secs(5), bob.recv()).await;
    assert!(matches!(ended, Ok(Err(_))), "{ended:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_without_an_id_is_refused() {
    let (_redis, cluster) = two_nodes().await;
    match SioClient::connect(cluster.addrs()[0], None, "").await {
        Err(SioError::Refused { message, .. }) => assert!(message.contains("auth.id"), "{message}"),
        Err(other) => panic!("expected a refusal, got {other}"),
        Ok(_) => panic!("a connect without an id was accepted"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_latency_and_fanout_workloads_deliver_everything_once_in_order() {
    let (_redis, cluster) = two_nodes().await;
    let local_ips = vec![loopback(2), loopback(3), loopback(4)];

    let latency = sio::latency(
        &cluster,
        &LatencyParams {
            rate_per_sec: 400,
            duration: Duration::from_secs(1),
            conversations: 8,
            local_ips: local_ips.clone(),
        },
    )
    .await
    .expect("latency run");
    let c = &latency.correctness;
    assert!(c.is_clean(), "{latency:?}");
    assert_eq!(c.expected, 400, "{latency:?}");
    assert_eq!(c.delivered, c.expected, "{latency:?}");
    assert_eq!(latency.latency.count, 400);
    assert!(
        latency.latency.p50_us > 0 && latency.latency.max_us < 2_000_000,
        "{latency:?}"
    );
    assert!(latency.achieved_per_sec > 300.0, "{latency:?}");
    assert!(latency.cpu_us_per_frame > 0.0, "{latency:?}");

    let fanout = sio::fanout(
        &cluster,
        &FanoutParams {
            group_size: 5,
            groups: 3,
            rate_per_sec: 150,
            duration: Duration::from_secs(1),
            local_ips,
        },
    )
    .await
    .expect("fanout run");
    assert!(fanout.correctness.is_clean(), "{fanout:?}");
    assert_eq!(fanout.messages_sent, 150, "{fanout:?}");
    assert_eq!(fanout.delivered_frames, 150 * 4, "{fanout:?}");
    assert_eq!(fanout.correctness.delivered, 150 * 4, "{fanout:?}");
    assert!(
        fanout.server_cpu_us > 0 && fanout.cpu_us_per_frame > 0.0,
        "{fanout:?}"
    );
    assert!(fanout.delivered_per_sec > 0.0, "{fanout:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_cost_memory_that_is_measured() {
    let (_redis, cluster) = two_nodes().await;
    let idle = sio::idle(
        &cluster,
        &IdleParams {
            connections: 200,
            local_ips: vec![loopback(5), loopback(6)],
            settle: Duration::from_millis(300),
            cpu_window: Duration::from_millis(500),
        },
    )
    .await
    .expect("idle run");
    assert_eq!(idle.connections, 200);
    assert_eq!(idle.nodes, 2);
    assert!(idle.rss_before_bytes > 0, "{idle:?}");
    assert!(idle.rss_after_bytes > idle.rss_before_bytes, "{idle:?}");
    assert!(idle.bytes_per_connection > 0, "{idle:?}");
    assert!(idle.idle_cpu_percent >= 0.0, "{idle:?}");
}

fn kill(pid: u32) {
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
}

/// How many files (sockets included) a process has open.
fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |dir| dir.count())
}

/// Waits until the killed process is gone (or a zombie waiting for its parent to reap it).
async fn wait_until_dead(pid: u32) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
        if stat.is_empty() || state == Some(Some('Z')) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "node {pid} still runs 5 s after kill -9"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits until the dead node's port refuses connections. The main thread of a
/// multi-threaded process turns zombie before its last thread has exited and closed
/// the listening socket, so "dead" by `/proc` alone can still accept into the backlog
/// and then reset the connection mid-handshake.
async fn wait_until_refused(addr: std::net::SocketAddr) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::net::TcpStream::connect(addr).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return,
            _ => {}
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{addr} still accepts connections 5 s after kill -9"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workload_against_a_dead_node_fails_fast_instead_of_hanging() {
    let (_redis, cluster) = two_nodes().await;
    let dead = cluster.pids()[1];
    kill(dead);
    wait_until_dead(dead).await;
    wait_until_refused(cluster.addrs()[1]).await;

    let params = LatencyParams {
        rate_per_sec: 100,
        duration: Duration::from_secs(1),
        conversations: 20,
        local_ips: vec![],
    };
    let outcome = tokio::time::timeout(Duration::from_secs(10), sio::latency(&cluster, &params))
        .await
        .expect("the run ends within 10 s");
    match outcome {
        Err(SioError::Io { what, .. }) => assert!(what.contains("connecting"), "{what}"),
        other => panic!("expected a connect error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_dying_mid_run_ends_the_run_with_an_error() {
    let (_redis, cluster) = two_nodes().await;
    let node_b = cluster.pids()[1];
    let params = LatencyParams {
        rate_per_sec: 200,
        duration: Duration::from_secs(3),
        conversations: 10,
        local_ips: vec![],
    };
    // Kill node B once the run's receivers hold their sockets there (its open files grow by
    // one per conversation): the run is under way, not still setting up.
    let baseline = open_files(node_b);
    let connected = baseline + params.conversations;
    let killer = async {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
        while open_files(node_b) < connected {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the run's receivers never connected to node B"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        kill(node_b);
    };
    let (outcome, ()) = tokio::time::timeout(
        Duration::from_secs(10),
        futures_util::future::join(sio::latency(&cluster, &params), killer),
    )
    .await
    .expect("the run ends within 10 s");
    // The receivers were on node B: their sockets end, and the run says so. On a slow
    // machine the kill can land while the run is still connecting: that is an error of
    // the run too, and what matters is that it ends instead of waiting forever.
    match outcome {
        Err(SioError::Closed { label, .. } | SioError::Ws { label, .. }) => {
            assert!(label.contains("lat-"), "{label}")
        }
        Err(SioError::Io { what, .. }) => assert!(what.contains("connecting"), "{what}"),
        // The run's CPU sample of the dead node fails before a socket reports the close: the
        // run still ends with an error naming the dead process.
        Err(SioError::ProcStat { pid, .. }) => assert_eq!(pid, node_b),
        other => panic!("expected a closed connection, got {other:?}"),
    }
}
