//! Gateway processes for multi-node tests: several `switchboard serve` on one database and one
//! Redis, each on its own free port, killed when dropped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use switchboard_protocol::api::TenantCreated;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

/// What every node of one cluster shares.
#[derive(Clone)]
pub struct ClusterConfig {
    pub database_url: String,
    pub redis_url: String,
    pub jwt_secret: String,
    /// Where nodes write their logs.
    pub log_dir: PathBuf,
}

pub struct Node {
    pub base_url: String,
    pub name: String,
    child: Child,
    log_path: PathBuf,
}

impl Node {
    pub async fn start(config: &ClusterConfig, name: &str) -> Node {
        let log_path = config.log_dir.join(format!("{name}.log"));
        let log = std::fs::File::create(&log_path).expect("create a node log");
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--database-url", &config.database_url])
            .args(["--redis-url", &config.redis_url])
            .args(["--jwt-secret", &config.jwt_secret])
            .arg("--data-dir")
            .arg(&config.log_dir)
            .env("SWITCHBOARD_LOG", "info,switchboard=debug")
            // A dead node's connections lapse within seconds, so tests can wait for it.
            .env("SWITCHBOARD_PRESENCE_TTL_SECS", "3")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .expect("spawn the switchboard binary");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let line = match tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await {
            Ok(Ok(Some(line))) => line,
            other => panic!(
                "node {name} did not start ({other:?}):\n{}",
                read_log(&log_path)
            ),
        };
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let base_url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Node {
            base_url,
            name: name.to_owned(),
            child,
            log_path,
        }
    }

    /// SIGKILL: the node dies without closing anything.
    pub async fn kill(&mut self) {
        let _ = self.child.kill().await;
    }

    /// SIGTERM, then waits for the process to exit by itself.
    pub async fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().expect("a running node");
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        assert!(
            sent.map(|s| s.success()).unwrap_or(false),
            "kill -TERM {pid}"
        );
        tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("the node exits after SIGTERM")
            .expect("wait for the node")
    }

    pub fn log(&self) -> String {
        read_log(&self.log_path)
    }
}

pub fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| format!("(no log: {err})"))
}

/// `switchboard tenant create` against the cluster's database.
pub async fn create_tenant(
    config: &ClusterConfig,
    name: &str,
    owner_login: &str,
    owner_password: &str,
) -> TenantCreated {
    let output = Command::new(BIN)
        .args([
            "tenant",
            "create",
            "--name",
            name,
            "--owner-login",
            owner_login,
        ])
        .args([
            "--owner-password",
            owner_password,
            "--database-url",
            &config.database_url,
        ])
        .arg("--data-dir")
        .arg(&config.log_dir)
        .output()
        .await
        .expect("run tenant create");
    assert!(
        output.status.success(),
        "tenant create failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("tenant create prints TenantCreated")
}
