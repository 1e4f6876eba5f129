//! A Switchboard cluster for one run: redis-server + PostgreSQL + N `switchboard serve`
//! nodes sharing them and one JWT secret, everything on free ports of 127.0.0.1, stopped when
//! the [`Cluster`] drops.

use super::error::{BenchError, Result};
use super::procstat::{self, ProcSample};
use super::services::{Postgres, Redis};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use switchboard_protocol::api::TenantCreated;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// One `switchboard serve` process.
pub struct Node {
    /// `http://127.0.0.1:PORT`, as the node printed it.
    pub base_url: String,
    child: Child,
}

impl Node {
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// `ws://127.0.0.1:PORT/v1/ws`.
    pub fn ws_url(&self) -> String {
        crate::ws::ws_url(&self.base_url)
    }
}

pub struct Cluster {
    pub nodes: Vec<Node>,
    gateway_bin: PathBuf,
    database_url: String,
    data_dir: tempfile::TempDir,
    // Dropped after the nodes (fields drop in order): the nodes go first.
    redis: Redis,
    postgres: Postgres,
}

impl Cluster {
    /// Starts the services and `nodes` gateway processes of `gateway_bin`.
    pub async fn start(gateway_bin: &Path, nodes: usize) -> Result<Cluster> {
        if !gateway_bin.is_file() {
            return Err(BenchError::Start {
                what: "the gateway".into(),
                detail: format!(
                    "{} does not exist: build it first (cargo build -p switchboard-gateway)",
                    gateway_bin.display()
                ),
            });
        }
        let (redis, postgres) = tokio::task::spawn_blocking(|| -> Result<(Redis, Postgres)> {
            Ok((Redis::start()?, Postgres::start()?))
        })
        .await
        .map_err(|err| BenchError::Workload(format!("starting the services: {err}")))??;
        let data_dir = tempfile::Builder::new()
            .prefix("switchboard-bench-")
            .tempdir()
            .map_err(BenchError::io("creating the gateway's data directory"))?;
        let jwt_secret = format!(
            "bench-secret-{}-{}",
            std::process::id(),
            super::measure::now_ns()
        );
        let mut cluster = Cluster {
            nodes: Vec::new(),
            gateway_bin: gateway_bin.to_owned(),
            database_url: postgres.url(),
            data_dir,
            redis,
            postgres,
        };
        for index in 0..nodes {
            let node = cluster.start_node(index, &jwt_secret).await?;
            cluster.nodes.push(node);
        }
        Ok(cluster)
    }

    async fn start_node(&self, index: usize, jwt_secret: &str) -> Result<Node> {
        let what = format!("gateway node {index}");
        let log_path = self.data_dir.path().join(format!("node{index}.log"));
        let log =
            std::fs::File::create(&log_path).map_err(BenchError::io("creating a node log"))?;
        let mut child = Command::new(&self.gateway_bin)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--database-url", &self.database_url])
            .args(["--redis-url", &self.redis.url()])
            .args(["--jwt-secret", jwt_secret])
            .arg("--data-dir")
            .arg(self.data_dir.path())
            // Logging every connection would measure the logger.
            .env("SWITCHBOARD_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .map_err(|err| BenchError::Start {
                what: what.clone(),
                detail: err.to_string(),
            })?;
        let stdout = child.stdout.take().ok_or_else(|| BenchError::Start {
            what: what.clone(),
            detail: "no stdout".into(),
        })?;
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await;
        let line = match first {
            Ok(Ok(Some(line))) => line,
            _ => {
                return Err(BenchError::Start {
                    what,
                    detail: format!(
                        "no `listening on` line; its log:\n{}",
                        std::fs::read_to_string(&log_path).unwrap_or_default()
                    ),
                });
            }
        };
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let base_url = line
            .trim()
            .strip_prefix("listening on ")
            .ok_or_else(|| BenchError::Start {
                what: what.clone(),
                detail: format!("unexpected first line {line:?}"),
            })?
            .to_owned();
        Ok(Node { base_url, child })
    }

    /// `switchboard tenant create` against the cluster's database (logins are unique across
    /// tenants).
    pub async fn create_tenant(
        &self,
        name: &str,
        owner_login: &str,
        owner_password: &str,
    ) -> Result<TenantCreated> {
        let output = Command::new(&self.gateway_bin)
            .args([
                "tenant",
                "create",
                "--name",
                name,
                "--owner-login",
                owner_login,
            ])
            .args(["--owner-password", owner_password])
            .args(["--database-url", &self.database_url])
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .output()
            .await
            .map_err(BenchError::io("running switchboard tenant create"))?;
        if !output.status.success() {
            return Err(BenchError::Workload(format!(
                "tenant create failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )));
        }
        serde_json::from_slice(&output.stdout).map_err(|err| {
            BenchError::Workload(format!("tenant create printed no TenantCreated: {err}"))
        })
    }

    /// The gateway processes' pids (what CPU and memory are measured on).
    pub fn gateway_pids(&self) -> Vec<u32> {
        self.nodes.iter().filter_map(Node::pid).collect()
    }

    pub fn redis_pid(&self) -> u32 {
        self.redis.pid()
    }

    pub fn postgres_pid(&self) -> u32 {
        self.postgres.pid()
    }

    /// The gateways' resources summed: what a report calls "the server".
    pub fn sample(&self) -> Result<ProcSample> {
        sample_sum(&self.gateway_pids())
    }
}

/// Sums [`procstat::sample`] over several processes.
pub fn sample_sum(pids: &[u32]) -> Result<ProcSample> {
    let mut total = ProcSample::default();
    for pid in pids {
        let one = procstat::sample(*pid).map_err(BenchError::io(format!("sampling pid {pid}")))?;
        total.rss_bytes += one.rss_bytes;
        total.cpu_us += one.cpu_us;
    }
    Ok(total)
}
