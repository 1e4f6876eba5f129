//! The services a cluster needs, started from Debian's packages for one run: a `redis-server`
//! and a PostgreSQL server, each on a free port of 127.0.0.1 with its own temporary directory,
//! stopped by pid when dropped. Never the machine's own servers.
//!
//! (The gateway's test suite has a richer PostgreSQL harness with pause/resume and a watchdog;
//! a benchmark run needs only start and stop, so this is the short version without sqlx.)

use super::error::{BenchError, Result};
use std::fs::File;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The superuser `initdb` creates; `--auth=trust` lets it in without a password.
const PG_USER: &str = "switchboard";
const STARTUP: Duration = Duration::from_secs(30);

/// A port of 127.0.0.1 that nothing listens on right now.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(BenchError::io("finding a free port"))?;
    let port = listener
        .local_addr()
        .map_err(BenchError::io("finding a free port"))?
        .port();
    Ok(port)
}

/// Polls until `ready` holds, the child exits, or the startup time passes.
fn wait_for(what: &str, child: &mut Child, mut ready: impl FnMut() -> bool) -> Result<()> {
    let deadline = Instant::now() + STARTUP;
    loop {
        if ready() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(BenchError::Start {
                what: what.to_owned(),
                detail: format!("exited with {status}"),
            });
        }
        if Instant::now() > deadline {
            return Err(BenchError::Start {
                what: what.to_owned(),
                detail: format!("not ready after {}s", STARTUP.as_secs()),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends `signal`, waits up to 10 s, then kills.
fn stop(child: &mut Child, signal: libc::c_int) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    // SAFETY: kill has no memory-safety preconditions; the pid is our own unreaped child, so
    // it cannot have been reused.
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A `redis-server` with nothing kept on disk.
pub struct Redis {
    pub port: u16,
    child: Child,
}

impl Redis {
    pub fn start() -> Result<Redis> {
        let port = free_port()?;
        let mut child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|err| BenchError::Start {
                what: "redis-server".into(),
                detail: format!("{err} (scripts/install-deps installs it)"),
            })?;
        wait_for("redis-server", &mut child, || {
            TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok()
        })?;
        Ok(Redis { port, child })
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        stop(&mut self.child, libc::SIGTERM);
    }
}

/// A PostgreSQL server from Debian's `postgresql` package, durability off (the numbers
/// measure the gateway, not the disk), in a temporary directory removed on drop.
pub struct Postgres {
    pub port: u16,
    child: Child,
    dir: PathBuf,
}

impl Postgres {
    pub fn start() -> Result<Postgres> {
        let bin = find_bindir()?;
        let owner = server_owner()?;
        let dir = tempfile::Builder::new()
            .prefix("switchboard-bench-pg-")
            .tempdir_in("/tmp")
            .map_err(BenchError::io("creating PostgreSQL's directory"))?
            .keep();
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
                .map_err(BenchError::io("handing PostgreSQL's directory to postgres"))?;
        }
        let started = Self::init_and_run(&bin, owner, &dir);
        if started.is_err() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        started
    }

    fn init_and_run(bin: &Path, owner: Option<(u32, u32)>, dir: &Path) -> Result<Postgres> {
        let data = dir.join("data");
        let out = command(&bin.join("initdb"), owner, dir)
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                PG_USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .output()
            .map_err(BenchError::io("running initdb"))?;
        if !out.status.success() {
            return Err(BenchError::Start {
                what: "initdb".into(),
                detail: String::from_utf8_lossy(&out.stderr).into_owned(),
            });
        }
        let port = free_port()?;
        let log_path = dir.join("postgres.log");
        let log = File::create(&log_path).map_err(BenchError::io("creating postgres.log"))?;
        let log_err = log
            .try_clone()
            .map_err(BenchError::io("cloning postgres.log"))?;
        let mut child = command(&bin.join("postgres"), owner, dir)
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string()])
            .arg("-k")
            .arg(dir)
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off", "-c", "max_connections=300"])
            .args(["-c", "shared_buffers=128MB"])
            .stdout(log)
            .stderr(log_err)
            .process_group(0)
            .spawn()
            .map_err(BenchError::io("starting postgres"))?;
        let ready = wait_for("postgres", &mut child, || {
            std::fs::read_to_string(&log_path)
                .map(|log| log.contains("ready to accept connections"))
                .unwrap_or(false)
                && TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok()
        });
        let server = Postgres {
            port,
            child,
            dir: dir.to_owned(),
        };
        ready.map(|()| server)
    }

    /// The server's maintenance database: the run owns the whole server, so no other
    /// database is needed.
    pub fn url(&self) -> String {
        format!("postgres://{PG_USER}@127.0.0.1:{}/postgres", self.port)
    }

    /// The postmaster (its backends are children: their CPU is not in this pid's counters).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // SIGQUIT: immediate shutdown, the backends go with the postmaster.
        stop(&mut self.child, libc::SIGQUIT);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Root cannot run initdb: then the server runs as Debian's `postgres` user.
fn server_owner() -> Result<Option<(u32, u32)>> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let id = |flag: &str| -> Result<u32> {
        let out = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .map_err(BenchError::io("running `id postgres`"))?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|_| BenchError::Start {
                what: "postgres".into(),
                detail: "running as root needs the `postgres` user: run scripts/install-deps"
                    .into(),
            })
    };
    Ok(Some((id("-u")?, id("-g")?)))
}

/// `$SWITCHBOARD_PG_BINDIR`, else the newest `/usr/lib/postgresql/*/bin`.
fn find_bindir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("SWITCHBOARD_PG_BINDIR") {
        return Ok(PathBuf::from(dir));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((major, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| BenchError::Start {
            what: "postgres".into(),
            detail: "no /usr/lib/postgresql/*/bin/initdb: run scripts/install-deps".into(),
        })
}

/// A command run as the server's user, without the caller's PG* environment.
fn command(program: &Path, owner: Option<(u32, u32)>, dir: &Path) -> Command {
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
    ] {
        cmd.env_remove(var);
    }
    cmd.current_dir(dir).stdin(Stdio::null());
    cmd
}

/// Raises this process's open-file limit to its hard limit (children inherit it): thousands of
/// sockets need more than the usual 1024. Returns the new soft limit.
pub fn raise_nofile_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read/write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 0;
        }
        limit.rlim_cur = limit.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 0;
        }
    }
    limit.rlim_cur
}
