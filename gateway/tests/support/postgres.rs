//! A real PostgreSQL for tests: our own server, never the machine's.
//!
//! [`PgServer::start`] runs `initdb` into a fresh directory and starts `postgres` on a free port
//! of 127.0.0.1 (never 5432, never a server that was already running), with its socket in that
//! directory and durability turned off for speed. Dropping the server stops it by its pid and
//! removes the directory. [`PgServer::shared`] is one such server per test process, and
//! [`test_database`] a fresh database on it per test, so tests stay independent and only the
//! first one pays for `initdb`.
//!
//! Statics are never dropped, so each server also gets a watchdog process: when the test
//! process is gone (finished, panicked, killed with Ctrl-C) the watchdog stops the server by
//! its pid and removes its directory.
//!
//! Binaries: `$SWITCHBOARD_PG_BINDIR` if set, else the newest `/usr/lib/postgresql/*/bin`
//! (Debian's layout), else `initdb` on `PATH`. `scripts/install-deps` installs them. As root
//! (initdb refuses to run as root), the server runs as the `postgres` user in a directory
//! under /tmp that the user owns.
//!
//! Use it from a test file with `#[path = "support/postgres.rs"] mod postgres_server;`.

#![allow(dead_code)] // each test binary uses a different part of the harness

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// The superuser `initdb` creates; with `--auth=trust` it needs no password on 127.0.0.1.
pub const SUPERUSER: &str = "switchboard";
/// How long a server may take to accept connections.
const STARTUP: Duration = Duration::from_secs(30);
/// How long a stopping server may take before it is killed outright.
const SHUTDOWN: Duration = Duration::from_secs(10);

/// One running PostgreSQL server with its own data directory.
pub struct PgServer {
    postgres: Child,
    watchdog: Option<Child>,
    port: u16,
    /// Holds the data directory (`data/`), the socket and the server's log.
    dir: PathBuf,
    bin: PathBuf,
    owner: Owner,
}

/// A database of its own on a [`PgServer`]; dropped (with its connections) when this drops.
pub struct PgDatabase {
    /// `postgres://switchboard@127.0.0.1:PORT/NAME`, for `PostgresStore::open` or
    /// `switchboard serve --database-url`.
    pub url: String,
    pub name: String,
    admin_url: String,
}

/// A fresh database on this test process's shared server.
pub async fn test_database() -> PgDatabase {
    let server = tokio::task::spawn_blocking(PgServer::shared)
        .await
        .expect("starting the shared PostgreSQL server panicked");
    server.create_database().await
}

impl PgServer {
    /// This test process's server, started on first use and stopped by its watchdog when the
    /// process ends. Blocks while starting: from async code, call it through `spawn_blocking`
    /// (as [`test_database`] does).
    pub fn shared() -> &'static PgServer {
        static SHARED: OnceLock<Result<PgServer, String>> = OnceLock::new();
        match SHARED.get_or_init(PgServer::try_start) {
            Ok(server) => server,
            Err(err) => panic!("{err}"),
        }
    }

    /// A server of the caller's own (e.g. to stop or restart under a running cluster).
    /// Blocks while starting. Panics with the reason and the server's log if it cannot start.
    pub fn start() -> PgServer {
        PgServer::try_start().unwrap_or_else(|err| panic!("{err}"))
    }

    pub fn try_start() -> Result<PgServer, String> {
        let bin = find_bindir()?;
        let owner = server_owner()?;
        let dir = make_dir(owner)?;
        let result = init_and_run(&bin, owner, &dir);
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        result
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The postmaster's pid.
    pub fn pid(&self) -> u32 {
        self.postgres.id()
    }

    /// The URL of database `name` on this server.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates a database with a name no other call returns.
    pub async fn create_database(&self) -> PgDatabase {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let name = format!(
            "sb_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let admin_url = self.url("postgres");
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|err| panic!("connecting to the test server at {admin_url}: {err}"));
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|err| panic!("creating database {name}: {err}"));
        let _ = admin.close().await;
        PgDatabase {
            url: self.url(&name),
            name,
            admin_url,
        }
    }

    /// Stops the server (every connection drops), keeping its data and port for [`Self::resume`].
    pub fn pause(&mut self) {
        stop_with(&mut self.postgres, libc::SIGINT);
    }

    /// Starts the server again after [`Self::pause`], on the same port and data.
    pub fn resume(&mut self) {
        let log_path = self.dir.join("postgres.log");
        // A fresh log: readiness is read from it.
        let log = File::create(&log_path).expect("create the log");
        let log_err = log.try_clone().expect("clone the log");
        let mut postgres =
            spawn_postgres(&self.bin, self.owner, &self.dir, self.port, log, log_err)
                .unwrap_or_else(|err| panic!("{err}"));
        if wait_until_ready(&mut postgres, self.port, &log_path).is_err() {
            panic!("PostgreSQL did not come back:\n{}", self.log());
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        self.watchdog = spawn_watchdog(postgres.id(), &self.dir);
        self.postgres = postgres;
    }

    /// The server's log so far (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default()
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        stop(&mut self.postgres);
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // Best effort, so a long test run does not fill the disk; the server's directory goes
        // at the end anyway. Drop cannot await: a thread of its own with its own runtime.
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let drop_it = async {
                    let mut admin = PgConnection::connect(&admin_url).await.ok()?;
                    sqlx::raw_sql(AssertSqlSafe(sql))
                        .execute(&mut admin)
                        .await
                        .ok()?;
                    admin.close().await.ok()
                };
                tokio::time::timeout(Duration::from_secs(10), drop_it)
                    .await
                    .ok()
                    .flatten()
            })
        });
        let _ = dropper.join();
    }
}

/// Who the server runs as: `None` for the current user, or the `postgres` user's uid and gid
/// when we are root (initdb and postgres refuse to run as root).
type Owner = Option<(u32, u32)>;

fn server_owner() -> Result<Owner, String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let id = |flag: &str| -> Result<u32, String> {
        let out = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .map_err(|err| format!("running `id {flag} postgres`: {err}"))?;
        if !out.status.success() {
            return Err(
                "running as root, PostgreSQL must run as the `postgres` user, which \
                 does not exist: run scripts/install-deps (it installs Debian's postgresql)"
                    .to_owned(),
            );
        }
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|err| format!("`id {flag} postgres` printed no number: {err}"))
    };
    Ok(Some((id("-u")?, id("-g")?)))
}

/// The directory with `initdb` and `postgres`.
fn find_bindir() -> Result<PathBuf, String> {
    let usable = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(dir) = std::env::var_os("SWITCHBOARD_PG_BINDIR") {
        let dir = PathBuf::from(dir);
        return if usable(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "SWITCHBOARD_PG_BINDIR={} has no initdb and postgres",
                dir.display()
            ))
        };
    }
    // Debian: /usr/lib/postgresql/<major>/bin; the newest major wins.
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            usable(&bin).then_some((major, bin))
        })
        .collect();
    found.sort();
    if let Some((_, bin)) = found.pop() {
        return Ok(bin);
    }
    let on_path = std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).find(|dir| usable(dir.as_path())));
    on_path.ok_or_else(|| {
        "PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/initdb, none on \
         PATH, SWITCHBOARD_PG_BINDIR unset): run scripts/install-deps"
            .to_owned()
    })
}

/// A new directory the server's user owns. Under /tmp when root: the `postgres` user must be
/// able to reach it, which a root-only TMPDIR may not allow.
fn make_dir(owner: Owner) -> Result<PathBuf, String> {
    let parent = match owner {
        Some(_) => PathBuf::from("/tmp"),
        None => std::env::temp_dir(),
    };
    let dir = tempfile::Builder::new()
        .prefix("switchboard-pg-")
        .tempdir_in(&parent)
        .map_err(|err| format!("creating a directory in {}: {err}", parent.display()))?
        .keep();
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
            .map_err(|err| format!("handing {} to the postgres user: {err}", dir.display()))?;
    }
    Ok(dir)
}

/// A command that runs as the server's user, with nothing of the caller's PostgreSQL
/// environment (which could point it at another server or data directory).
fn command(program: &Path, owner: Owner, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    if let Some((uid, gid)) = owner {
        cmd.uid(uid).gid(gid);
    }
    for var in [
        "PGDATA",
        "PGHOST",
        "PGHOSTADDR",
        "PGPORT",
        "PGUSER",
        "PGDATABASE",
        "PGPASSWORD",
        "PGSERVICE",
        "PGOPTIONS",
    ] {
        cmd.env_remove(var);
    }
    // The caller's working directory may be one the postgres user cannot enter.
    cmd.current_dir(dir).stdin(Stdio::null());
    cmd
}

fn init_and_run(bin: &Path, owner: Owner, dir: &Path) -> Result<PgServer, String> {
    let data = dir.join("data");
    let out = command(&bin.join("initdb"), owner, dir)
        .arg("-D")
        .arg(&data)
        .args(["-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C"])
        .arg("--no-sync")
        .output()
        .map_err(|err| format!("running {}: {err}", bin.join("initdb").display()))?;
    if !out.status.success() {
        return Err(format!(
            "initdb failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    // A free port can be taken between our probe and the server's bind: try a few.
    let mut last_log = String::new();
    for _ in 0..5 {
        let port = free_port()?;
        let log_path = dir.join("postgres.log");
        let log = File::create(&log_path).map_err(|err| format!("creating the log: {err}"))?;
        let log_err = log
            .try_clone()
            .map_err(|err| format!("cloning the log: {err}"))?;
        let mut postgres = spawn_postgres(bin, owner, dir, port, log, log_err)?;
        match wait_until_ready(&mut postgres, port, &log_path) {
            Ok(()) => {
                let watchdog = spawn_watchdog(postgres.id(), dir);
                return Ok(PgServer {
                    postgres,
                    watchdog,
                    port,
                    dir: dir.to_owned(),
                    bin: bin.to_owned(),
                    owner,
                });
            }
            Err(Ready::PortTaken(log)) => {
                stop(&mut postgres);
                last_log = log;
            }
            Err(Ready::Failed(log)) => {
                stop(&mut postgres);
                return Err(format!(
                    "PostgreSQL did not start on 127.0.0.1:{port}; its log:\n{log}"
                ));
            }
        }
    }
    Err(format!(
        "PostgreSQL found no free port in 5 tries; its last log:\n{last_log}"
    ))
}

/// A port of 127.0.0.1 that nothing listens on right now (the kernel's choice: never 5432).
fn free_port() -> Result<u16, String> {
    loop {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|err| format!("finding a free port: {err}"))?;
        let port = listener
            .local_addr()
            .map_err(|err| format!("finding a free port: {err}"))?
            .port();
        if port != 5432 {
            return Ok(port);
        }
    }
}

enum Ready {
    PortTaken(String),
    Failed(String),
}

/// Waits for the server's "ready" line and a TCP accept; fails fast if it exits.
/// Starts the postmaster on `port` over the data directory in `dir`.
fn spawn_postgres(
    bin: &Path,
    owner: Owner,
    dir: &Path,
    port: u16,
    log: File,
    log_err: File,
) -> Result<Child, String> {
    let data = dir.join("data");
    let postgres = command(&bin.join("postgres"), owner, dir)
        .arg("-D")
        .arg(&data)
        .arg("-p")
        .arg(port.to_string())
        .arg("-k")
        .arg(dir)
        .args([
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=300",
            "-c",
            "shared_buffers=32MB",
        ])
        .stdout(log)
        .stderr(log_err)
        // Its own process group: Ctrl-C on the test run reaches the test process only,
        // and the watchdog then stops the server cleanly.
        .process_group(0)
        .spawn()
        .map_err(|err| format!("starting {}: {err}", bin.join("postgres").display()))?;
    Ok(postgres)
}

fn wait_until_ready(postgres: &mut Child, port: u16, log_path: &Path) -> Result<(), Ready> {
    let deadline = Instant::now() + STARTUP;
    loop {
        let log = std::fs::read_to_string(log_path).unwrap_or_default();
        if let Ok(Some(_)) = postgres.try_wait() {
            return Err(
                if log.contains("could not bind") || log.contains("already in use") {
                    Ready::PortTaken(log)
                } else {
                    Ready::Failed(log)
                },
            );
        }
        if log.contains("ready to accept connections")
            && TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(Ready::Failed(format!(
                "{log}\n(not ready after {}s)",
                STARTUP.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Stops a postmaster by its pid: SIGQUIT (immediate shutdown: it takes its backends with it),
/// then SIGKILL if it lingers.
fn stop(postgres: &mut Child) {
    stop_with(postgres, libc::SIGQUIT)
}

/// Stops the postmaster with `signal`: SIGQUIT is an immediate shutdown (fast, for teardown),
/// SIGINT a fast shutdown that writes out every commit first (for an outage to come back from).
fn stop_with(postgres: &mut Child, signal: libc::c_int) {
    if let Ok(Some(_)) = postgres.try_wait() {
        return;
    }
    let pid = postgres.id() as libc::pid_t;
    // SAFETY: kill has no memory-safety preconditions; the pid is our own unreaped child, so
    // it cannot have been reused.
    unsafe { libc::kill(pid, signal) };
    let deadline = Instant::now() + SHUTDOWN;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = postgres.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = postgres.kill();
    let _ = postgres.wait();
}

/// A shell that waits for this test process to end, then stops the server and removes its
/// directory. `None` (no cleanup at exit, still stopped on drop) if no shell can be started.
fn spawn_watchdog(postgres_pid: u32, dir: &Path) -> Option<Child> {
    const SCRIPT: &str = r#"
        while kill -0 "$1" 2>/dev/null; do sleep 0.5; done
        kill -QUIT "$2" 2>/dev/null
        i=0
        while kill -0 "$2" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        kill -KILL "$2" 2>/dev/null
        rm -rf "$3"
    "#;
    Command::new("/bin/sh")
        .args(["-c", SCRIPT, "pg-watchdog"])
        .arg(std::process::id().to_string())
        .arg(postgres_pid.to_string())
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .ok()
}
