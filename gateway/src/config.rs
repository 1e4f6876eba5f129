//! Configuration of a gateway process (contract section 1).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    /// `sqlite://PATH` or `postgres://...`; `None`: SQLite in the data dir.
    pub database_url: Option<String>,
    /// `None`: the in-process bus.
    pub redis_url: Option<String>,
    /// Prepended to every Redis channel, so several clusters can share one Redis.
    pub redis_prefix: String,
    /// In a cluster, how long a node's word that a principal is connected counts without
    /// renewal: after a node dies, its agents count as disconnected within this time.
    pub presence_ttl: std::time::Duration,
    pub data_dir: PathBuf,
    /// The JWT signing secret; `None`: generated once into the data dir.
    pub jwt_secret: Option<String>,
    /// The built agent desk to serve at `/` (`scripts/build-web`); `None`: no desk.
    pub web_dir: Option<PathBuf>,
    /// How often this node sweeps the auto queues (`domain::timers`; hidden flag, for tests).
    pub queue_sweep: std::time::Duration,
}

impl Config {
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}",
                self.data_dir.join("switchboard.db").display()
            )
        })
    }

    pub fn jwt_secret_path(&self) -> PathBuf {
        self.data_dir.join("jwt-secret")
    }
}

/// The data dir's JWT secret, created (readable by the owner only) on first use.
pub fn load_or_create_secret(path: &Path) -> std::io::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(secret) if !secret.trim().is_empty() => return Ok(secret.trim().to_owned()),
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    let secret = crate::clock::random_token(48);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            std::io::Write::write_all(&mut file, secret.as_bytes())?;
            Ok(secret)
        }
        // Another process created it first: use theirs.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(std::fs::read_to_string(path)?.trim().to_owned())
        }
        Err(err) => Err(err),
    }
}
