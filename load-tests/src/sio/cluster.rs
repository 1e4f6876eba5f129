//! [`SioCluster`]: the Socket.IO peer as the workloads need it: N `node server.js` processes
//! on free ports, all on one Redis (started by the caller), killed when the cluster is dropped.

use super::client::server_addr;
use super::error::SioError;
use crate::bench::procstat::{self, ProcSample};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

/// How long a node may take to connect to Redis and print its listening line.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// The line `server.js` prints once it accepts connections, before the URL.
const LISTENING: &str = "listening on ";

/// `load-tests/peers/socketio`, where `server.js` and its `node_modules` live.
pub fn peer_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers/socketio")
}

struct Node {
    /// Held for `kill_on_drop`: dropping the cluster kills the process.
    _child: Child,
    pid: u32,
    url: String,
    addr: SocketAddr,
}

/// Running Socket.IO nodes, in start order (node 0 is "node A", node 1 "node B").
pub struct SioCluster {
    nodes: Vec<Node>,
}

impl SioCluster {
    /// Starts `nodes` Socket.IO servers on `redis_url` and waits until each listens. Each picks
    /// a free port itself (port 0) and reports it, so there is no race for ports. Fails with
    /// [`SioError::NotInstalled`] when `load-tests/peers/install` has not been run.
    pub async fn start(redis_url: &str, nodes: usize) -> Result<SioCluster, SioError> {
        if nodes == 0 {
            return Err(SioError::Params("a cluster needs at least one node".into()));
        }
        let dir = peer_dir();
        for needed in [
            "server.js",
            "node_modules/socket.io",
            "node_modules/@socket.io/redis-adapter",
        ] {
            if !dir.join(needed).exists() {
                return Err(SioError::NotInstalled {
                    missing: dir.join(needed).display().to_string(),
                });
            }
        }
        let mut started = Vec::with_capacity(nodes);
        for node in 0..nodes {
            started.push(start_node(node, &dir, redis_url).await?);
        }
        Ok(SioCluster { nodes: started })
    }

    /// The process id of each node, for `/proc` sampling.
    pub fn pids(&self) -> Vec<u32> {
        self.nodes.iter().map(|n| n.pid).collect()
    }

    /// Each node's base URL, `http://127.0.0.1:PORT`.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.url.clone()).collect()
    }

    /// Each node's address, for [`super::SioClient::connect`].
    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.nodes.iter().map(|n| n.addr).collect()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// RSS and CPU time summed over every node.
    pub fn sample(&self) -> Result<ProcSample, SioError> {
        let mut total = ProcSample::default();
        for node in &self.nodes {
            let one = procstat::sample(node.pid).map_err(|source| SioError::ProcStat {
                pid: node.pid,
                source,
            })?;
            total.rss_bytes += one.rss_bytes;
            total.cpu_us += one.cpu_us;
        }
        Ok(total)
    }
}

async fn start_node(node: usize, dir: &std::path::Path, redis_url: &str) -> Result<Node, SioError> {
    let fail = |detail: String| SioError::Node { node, detail };
    let mut child = Command::new("node")
        .arg("server.js")
        .arg("0")
        .current_dir(dir)
        .env("REDIS_URL", redis_url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        // The server logs only trouble (Redis errors, crashes): let it reach the console.
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            fail(format!(
                "cannot run `node server.js` (is Node installed?): {e}"
            ))
        })?;
    let pid = child
        .id()
        .ok_or_else(|| fail("exited as soon as it started".into()))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| fail("no stdout pipe".into()))?;
    let mut lines = BufReader::new(stdout).lines();
    let waited = tokio::time::timeout(START_TIMEOUT, async {
        loop {
            match lines.next_line().await {
                Ok(Some(line)) => {
                    if let Some(url) = line.strip_prefix(LISTENING) {
                        return Ok(url.trim().to_owned());
                    }
                }
                Ok(None) => {
                    return Err("ended before it listened (see its stderr above)".to_owned());
                }
                Err(e) => return Err(format!("reading its stdout: {e}")),
            }
        }
    })
    .await;
    let url = match waited {
        Ok(Ok(url)) => url,
        Ok(Err(detail)) => {
            let status = child.try_wait().ok().flatten();
            return Err(fail(format!("{detail}; exit status {status:?}")));
        }
        Err(_) => return Err(fail(format!("did not listen within {START_TIMEOUT:?}"))),
    };
    let addr = server_addr(&url)?;
    // Keep reading stdout so the process never blocks on a full pipe.
    tokio::spawn(drain(lines));
    Ok(Node {
        _child: child,
        pid,
        url,
        addr,
    })
}

async fn drain(mut lines: tokio::io::Lines<BufReader<ChildStdout>>) {
    while let Ok(Some(_)) = lines.next_line().await {}
}
