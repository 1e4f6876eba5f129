//! The black-box harness: a real `switchboard` process per test, tenants made with its CLI,
//! and typed clients from `switchboard-load-tests`. A test file says `mod support;` and
//! `use support::*;`.
//!
//! Each test starts its own gateway on port 0 with its own data directory, so tests run in
//! parallel without sharing anything. The gateway's log goes to a file in that directory
//! and is printed when a test fails, since that is when it is needed.
//!
//! `scenario.rs` (re-exported here) holds the set-ups the suites share: an agent of the
//! default group online, a user who opened a conversation, agents of an auto-assigning
//! group, a conversation the entry bot holds, and the waits that read like the routing rules.
//!
//! The multi-node parts beside this file stand alone, and a test that needs them includes
//! them by path (`#[path = "support/postgres.rs"] mod postgres_server;`), so the
//! single-gateway test binaries do not compile them:
//! - `node.rs`: gateway processes sharing one PostgreSQL and one Redis (`cluster.rs`);
//! - `postgres.rs`: a PostgreSQL server of our own (`cluster.rs`, `store_conformance/`);
//! - `redis_server.rs`: a `redis-server` of our own (`cluster.rs`, the load tests).

#![allow(dead_code)] // each test binary uses a different part of the harness

mod scenario;
#[allow(unused_imports)] // a test binary that uses no scenario helper
pub use scenario::*;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use switchboard_load_tests::{Api, ApiError, ClientError, WsClient};
use switchboard_protocol::api::{
    CreateAgent, CreatedBot, PatchSettings, TenantCreated, WidgetSession,
};
use switchboard_protocol::*;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::time::Instant;

/// How long any single receive may take.
pub const T: Duration = Duration::from_secs(5);
/// How long a test listens to be sure something does NOT arrive.
pub const QUIET: Duration = Duration::from_millis(500);

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

static UNIQUE: AtomicU64 = AtomicU64::new(1);

/// A name no other call of this process returns: logins are unique per gateway.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", UNIQUE.fetch_add(1, Ordering::Relaxed))
}

/// One running gateway process with its own data directory.
pub struct TestGateway {
    // Field order matters for drop: the process goes before its directory.
    child: Child,
    pub base_url: String,
    log_path: PathBuf,
    data_dir: TempDir,
    /// The arguments it was started with beyond the defaults (kept for a restart).
    extra_args: Vec<std::ffi::OsString>,
}

impl TestGateway {
    /// Starts `switchboard serve` on a free port and waits for its listening line.
    pub async fn start() -> TestGateway {
        TestGateway::start_with(&[]).await
    }

    /// Starts it serving the web app in `dir` (`--web-dir`).
    pub async fn start_with_web_dir(dir: &std::path::Path) -> TestGateway {
        TestGateway::start_with(&[std::ffi::OsStr::new("--web-dir"), dir.as_os_str()]).await
    }

    /// Starts it with more command-line arguments (e.g. a hidden test flag).
    pub async fn start_with(extra_args: &[&std::ffi::OsStr]) -> TestGateway {
        let data_dir = tempfile::tempdir().expect("create a temp data dir");
        let log_path = data_dir.path().join("gateway.log");
        let extra_args: Vec<std::ffi::OsString> =
            extra_args.iter().map(|a| a.to_os_string()).collect();
        let (child, base_url) =
            spawn_gateway(data_dir.path(), &log_path, "127.0.0.1:0", &extra_args).await;
        TestGateway {
            child,
            base_url,
            log_path,
            data_dir,
            extra_args,
        }
    }

    /// Kills the process (SIGKILL: nothing is closed or flushed by it) and starts another on
    /// the same data dir, address and arguments, as a crash and a restart would. Sockets of the
    /// old process are gone; tokens stay valid (the secret is in the data dir).
    pub async fn restart(&mut self) {
        let _ = self.child.kill().await;
        let listen = self
            .base_url
            .strip_prefix("http://")
            .unwrap_or(&self.base_url)
            .to_owned();
        let (child, base_url) = spawn_gateway(
            self.data_dir.path(),
            &self.log_path,
            &listen,
            &self.extra_args,
        )
        .await;
        assert_eq!(
            base_url, self.base_url,
            "the restarted gateway took its old address"
        );
        self.child = child;
    }

    /// An HTTP client without a token.
    pub fn api(&self) -> Api {
        Api::new(&self.base_url)
    }

    /// The HS256 key the gateway signs its tokens with (`DIR/jwt-secret`, trimmed).
    pub fn jwt_secret(&self) -> Vec<u8> {
        let raw =
            std::fs::read(self.data_dir.path().join("jwt-secret")).expect("read DIR/jwt-secret");
        String::from_utf8_lossy(&raw).trim().as_bytes().to_vec()
    }

    /// `switchboard tenant create` against this gateway's data dir, then logs the owner in.
    pub async fn create_tenant(&self, name: &str) -> Tenant {
        let owner_login = unique(&format!("{name}-owner"));
        let owner_password = "owner-password-1".to_owned();
        let run = Command::new(BIN)
            .args(["tenant", "create", "--data-dir"])
            .arg(self.data_dir.path())
            .args(["--name", name, "--owner-login", &owner_login])
            .args(["--owner-password", &owner_password])
            .args(["--owner-email", &format!("{owner_login}@example.com")])
            .env_remove("SWITCHBOARD_DATABASE_URL")
            .env_remove("SWITCHBOARD_REDIS_URL")
            .env_remove("SWITCHBOARD_DATA_DIR")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output();
        let output = tokio::time::timeout(Duration::from_secs(30), run)
            .await
            .expect("`tenant create` finished within 30 s")
            .expect("run `switchboard tenant create`");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "`tenant create` failed ({}): stdout {stdout:?}, stderr {:?}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let created: TenantCreated = serde_json::from_str(stdout.trim())
            .or_else(|_| {
                let last = stdout.lines().rev().find(|l| !l.trim().is_empty());
                serde_json::from_str(last.unwrap_or_default())
            })
            .unwrap_or_else(|e| {
                panic!("`tenant create` printed no TenantCreated ({e}): {stdout:?}")
            });
        let session = self
            .api()
            .login(&owner_login, &owner_password)
            .await
            .unwrap_or_else(|e| panic!("the new owner {owner_login} cannot log in: {e}"));
        assert_eq!(
            session.agent.id, created.owner_id,
            "login answers the owner"
        );
        let owner = self.api().with_token(&session.token);
        let settings = owner.settings().await.expect("owner reads settings");
        Tenant {
            base_url: self.base_url.clone(),
            name: name.to_owned(),
            created,
            owner,
            owner_login,
            owner_password,
            owner_token: session.token,
            default_group: settings.default_group_id,
        }
    }

    /// Opens a socket and authenticates; panics (failing the test) if that is refused.
    ///
    /// When the socket is an agent's (welcome role `agent`), it also sends `presence.set
    /// online` and waits for its ack: agents start `offline`, and accepting a conversation
    /// needs presence online, so an agent connected with this is ready to work (and, in an
    /// auto-assigning group, eligible for assignments). Events that arrive meanwhile stay
    /// buffered. Use [`TestGateway::connect_as_is`] for a socket that leaves presence alone.
    pub async fn connect(&self, token: &str, label: &str) -> WsClient {
        let (mut client, welcome) = self.connect_with_welcome(token, label).await;
        if welcome.role == ClientRole::Agent {
            client
                .set_presence(Presence::Online)
                .await
                .unwrap_or_else(|e| panic!("{label}: presence.set online: {e}"));
        }
        client
    }

    /// Opens a socket and authenticates without touching presence (an agent stays as it was,
    /// `offline` unless it set otherwise before).
    pub async fn connect_as_is(&self, token: &str, label: &str) -> WsClient {
        self.connect_with_welcome(token, label).await.0
    }

    /// Opens a socket and authenticates; returns the `welcome` too.
    pub async fn connect_with_welcome(&self, token: &str, label: &str) -> (WsClient, Welcome) {
        let mut client = WsClient::connect(&self.base_url)
            .await
            .unwrap_or_else(|e| panic!("{label}: connect: {e}"))
            .with_label(label);
        let welcome = client
            .auth(token)
            .await
            .unwrap_or_else(|e| panic!("{label}: auth: {e}"));
        (client, welcome)
    }

    /// A socket that has not authenticated.
    pub async fn connect_unauthenticated(&self, label: &str) -> WsClient {
        WsClient::connect(&self.base_url)
            .await
            .unwrap_or_else(|e| panic!("{label}: connect: {e}"))
            .with_label(label)
    }
}

/// Runs `switchboard serve` on `data_dir`, appending to the log at `log_path`, and waits for
/// its listening line: the process and its base URL.
async fn spawn_gateway(
    data_dir: &std::path::Path,
    log_path: &PathBuf,
    listen: &str,
    extra_args: &[std::ffi::OsString],
) -> (Child, String) {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path)
        .expect("open the gateway log file");
    let mut child = Command::new(BIN)
        .arg("serve")
        .arg("--listen")
        .arg(listen)
        .arg("--data-dir")
        .arg(data_dir)
        .args(extra_args)
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_REDIS_URL")
        .env_remove("SWITCHBOARD_LISTEN")
        .env_remove("SWITCHBOARD_DATA_DIR")
        .env_remove("SWITCHBOARD_JWT_SECRET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the switchboard binary");
    let stdout = child.stdout.take().expect("the gateway's stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await;
    let line = match first {
        Ok(Ok(Some(line))) => line,
        other => panic!(
            "the gateway did not print its listening line ({other:?}); its log:\n{}",
            read_log(log_path)
        ),
    };
    let base_url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first stdout line of the gateway: {line:?}"))
        .trim_end_matches('/')
        .to_owned();
    // Keep draining stdout so the gateway can never block on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, base_url)
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        // Give the process a moment to go before its data directory is removed.
        for _ in 0..50 {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        if std::thread::panicking() {
            let log = read_log(&self.log_path);
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(80)..];
            eprintln!(
                "---- gateway log ({}), last {} lines ----\n{}",
                self.base_url,
                tail.len(),
                tail.join("\n")
            );
        }
    }
}

fn read_log(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| format!("(no log: {e})"))
}

/// A tenant made by the CLI, with its owner logged in.
pub struct Tenant {
    pub base_url: String,
    pub name: String,
    pub created: TenantCreated,
    /// HTTP as the owner.
    pub owner: Api,
    pub owner_login: String,
    pub owner_password: String,
    pub owner_token: String,
    pub default_group: GroupId,
}

/// An agent created by a test, logged in.
#[derive(Clone, Debug)]
pub struct TestAgent {
    pub agent: Agent,
    pub login: String,
    pub password: String,
    pub token: String,
    /// HTTP as this agent.
    pub api: Api,
}

impl TestAgent {
    pub fn id(&self) -> &AgentId {
        &self.agent.id
    }
}

impl Tenant {
    pub fn id(&self) -> &TenantId {
        &self.created.tenant_id
    }

    pub fn owner_id(&self) -> &AgentId {
        &self.created.owner_id
    }

    pub fn anonymous(&self) -> Api {
        Api::new(&self.base_url)
    }

    /// A verified agent with the given role, logged in, in no group.
    pub async fn agent_with_role(&self, name: &str, role: Role) -> TestAgent {
        let login = unique(&format!("{}-{name}", self.name));
        let password = format!("{name}-password-1");
        let created = self
            .owner
            .create_agent(&CreateAgent {
                full_name: name.to_owned(),
                login: login.clone(),
                email: format!("{login}@example.com"),
                password: Some(password.clone()),
                role: Some(role),
                group_ids: None,
            })
            .await
            .unwrap_or_else(|e| panic!("owner creates agent {name}: {e}"));
        let session = self
            .anonymous()
            .login(&login, &password)
            .await
            .unwrap_or_else(|e| panic!("agent {name} logs in: {e}"));
        TestAgent {
            agent: created.agent,
            login,
            token: session.token.clone(),
            api: self.anonymous().with_token(&session.token),
            password,
        }
    }

    /// A verified agent (role `agent`) in no group.
    pub async fn agent(&self, name: &str) -> TestAgent {
        self.agent_with_role(name, Role::Agent).await
    }

    /// A verified agent (role `agent`) who is a member of the default group.
    pub async fn agent_in_default_group(&self, name: &str) -> TestAgent {
        let agent = self.agent(name).await;
        self.add_to_group(&self.default_group, &[agent.id().clone()])
            .await;
        agent
    }

    /// Adds agents to a group, keeping its members (the full list is sent, so this works
    /// whether `PUT .../members` replaces or adds).
    pub async fn add_to_group(&self, group: &GroupId, agents: &[AgentId]) -> Group {
        let groups = self.owner.groups().await.expect("owner lists groups");
        let current = groups
            .iter()
            .find(|g| &g.id == group)
            .unwrap_or_else(|| panic!("group {group} is listed"));
        let mut members = current.member_ids.clone();
        for agent in agents {
            if !members.contains(agent) {
                members.push(agent.clone());
            }
        }
        let updated = self
            .owner
            .set_group_members(group, &members)
            .await
            .unwrap_or_else(|e| panic!("owner sets members of {group}: {e}"));
        for agent in agents {
            assert!(
                updated.member_ids.contains(agent),
                "{agent} is a member now"
            );
        }
        updated
    }

    /// A bot (not the entry bot).
    pub async fn bot(&self, name: &str) -> CreatedBot {
        self.owner
            .create_bot(name)
            .await
            .unwrap_or_else(|e| panic!("owner creates bot {name}: {e}"))
    }

    /// A bot set as the tenant's entry bot: new conversations go to it.
    pub async fn entry_bot(&self, name: &str) -> CreatedBot {
        let bot = self.bot(name).await;
        let settings = self
            .owner
            .patch_settings(&PatchSettings {
                entry_bot_id: Patch::Set(bot.id.clone()),
                ..PatchSettings::default()
            })
            .await
            .unwrap_or_else(|e| panic!("owner sets the entry bot: {e}"));
        assert_eq!(settings.entry_bot_id.as_ref(), Some(&bot.id));
        bot
    }

    pub async fn set_reply_policy(&self, policy: ReplyPolicy) {
        let settings = self
            .owner
            .patch_settings(&PatchSettings {
                reply_policy: Some(policy),
                ..PatchSettings::default()
            })
            .await
            .unwrap_or_else(|e| panic!("owner sets the reply policy: {e}"));
        assert_eq!(settings.reply_policy, policy);
    }

    /// An anonymous widget user.
    pub async fn user(&self) -> WidgetSession {
        self.anonymous()
            .widget_session(&self.created.app_key, None)
            .await
            .unwrap_or_else(|e| panic!("widget session for tenant {}: {e}", self.name))
    }
}

// ---- predicates over server frames --------------------------------------------------------

/// `message.created` for this message id.
pub fn message_with_id(id: &MessageId) -> impl Fn(&ServerFrame) -> bool + use<> {
    let id = id.clone();
    move |f| matches!(f, ServerFrame::MessageCreated(m) if m.message.id == id)
}

/// Any `message.created` in this conversation.
pub fn any_message_in(conversation: &ConversationId) -> impl Fn(&ServerFrame) -> bool + use<> {
    let conversation = conversation.clone();
    move |f| matches!(f, ServerFrame::MessageCreated(m) if m.message.conversation_id == conversation)
}

/// Any private `message.created`.
pub fn any_private_message(f: &ServerFrame) -> bool {
    matches!(f, ServerFrame::MessageCreated(m) if m.message.private)
}

/// Any `conversation.updated` about this conversation.
pub fn any_update_of(conversation: &ConversationId) -> impl Fn(&ServerFrame) -> bool + use<> {
    let conversation = conversation.clone();
    move |f| matches!(f, ServerFrame::ConversationUpdated(u) if u.conversation.id == conversation)
}

/// Any frame that names this conversation (message, update, typing, read).
pub fn anything_about(conversation: &ConversationId) -> impl Fn(&ServerFrame) -> bool + use<> {
    let conversation = conversation.clone();
    move |f| match f {
        ServerFrame::MessageCreated(m) => m.message.conversation_id == conversation,
        ServerFrame::ConversationUpdated(u) => u.conversation.id == conversation,
        ServerFrame::Typing(t) => t.conversation_id == conversation,
        ServerFrame::Read(r) => r.conversation_id == conversation,
        _ => false,
    }
}

pub fn any_presence(f: &ServerFrame) -> bool {
    matches!(f, ServerFrame::Presence(_))
}

pub fn any_typing_or_read(f: &ServerFrame) -> bool {
    matches!(f, ServerFrame::Typing(_) | ServerFrame::Read(_))
}

/// Reads frames in arrival order until one matches `pred`; returns all of them, the match
/// last. For asserting order ("an update before the message").
pub async fn frames_until(
    ws: &mut WsClient,
    pred: impl Fn(&ServerFrame) -> bool,
    what: &str,
) -> Vec<ServerFrame> {
    let deadline = Instant::now() + T;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = ws
            .next_event(left)
            .await
            .unwrap_or_else(|e| panic!("waiting for {what}; saw {seen:#?}; {e}"));
        let done = pred(&frame);
        seen.push(frame);
        if done {
            return seen;
        }
    }
}

// ---- assertions on refusals -------------------------------------------------------------

/// Asserts a socket request was refused with `code` (and the refusal carries a `req`).
#[track_caller]
pub fn assert_refused<T: std::fmt::Debug>(result: Result<T, ClientError>, code: ErrorCode) {
    match result {
        Err(ClientError::Refused { error, .. }) => {
            assert_eq!(error.code, code, "refused with the wrong code: {error:?}");
            assert!(
                error.req.is_some(),
                "the refusal carries the req: {error:?}"
            );
        }
        other => panic!("expected a refusal `{}`, got {other:?}", code.as_str()),
    }
}

/// Asserts an HTTP call failed with `status` and the contract's `code`.
#[track_caller]
pub fn assert_api_error<T: std::fmt::Debug>(
    result: Result<T, ApiError>,
    status: u16,
    code: ErrorCode,
) {
    match result {
        Err(error) => {
            assert_eq!(
                (error.status, error.code),
                (status, Some(code)),
                "wrong HTTP error: {error}"
            );
        }
        Ok(value) => panic!(
            "expected HTTP {status} {}, got success {value:?}",
            code.as_str()
        ),
    }
}

// ---- token forging ----------------------------------------------------------------------

pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// The claims the gateway puts in its tokens, valid for an hour from now.
pub fn claims(sub: &str, tenant: &TenantId, aud: &str) -> Value {
    let now = now_secs();
    json!({"sub": sub, "tenant": tenant.as_str(), "aud": aud, "iat": now, "exp": now + 3600})
}

/// An HS256 token over `claims` signed with `key`.
pub fn forge(key: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(key),
    )
    .expect("encode a JWT")
}

/// An unsigned token (`alg: none`, empty signature).
pub fn forge_alg_none(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}

/// Asserts a socket refuses `token`: an `error` with code `unauthorized`, then close 4001.
pub async fn assert_socket_refuses_token(gw: &TestGateway, token: &str, what: &str) {
    let mut ws = gw.connect_unauthenticated(what).await;
    match ws.auth(token).await {
        Err(ClientError::Refused { error, .. }) => {
            assert_eq!(error.code, ErrorCode::Unauthorized, "{what}: {error:?}")
        }
        other => panic!("{what}: expected the socket to refuse the token, got {other:?}"),
    }
    let code = ws
        .expect_close(T)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(code, Some(close_code::UNAUTHORIZED), "{what}: close code");
}

/// Asserts `GET /v1/me` refuses `token` with 401 `unauthorized`.
pub async fn assert_http_refuses_token(api: &Api, token: &str, what: &str) {
    let result = api.with_token(token).me().await;
    match result {
        Err(error) => assert_eq!(
            (error.status, error.code),
            (401, Some(ErrorCode::Unauthorized)),
            "{what}: {error}"
        ),
        Ok(agent) => panic!("{what}: GET /v1/me accepted the token and answered {agent:?}"),
    }
}

/// Sends each frame and asserts every one is refused with `code`. All frames are tried
/// before failing, so one run lists every frame that is answered wrongly.
pub async fn assert_all_refused(ws: &mut WsClient, frames: &[ClientFrame], code: ErrorCode) {
    let mut wrong = Vec::new();
    for f in frames {
        match ws.call(f).await {
            Ok(Err(error)) if error.code == code => {}
            Ok(Err(error)) => wrong.push(format!("{f:?}\n    → error {error:?}")),
            Ok(Ok(ack)) => wrong.push(format!("{f:?}\n    → ack {ack:?}")),
            Err(e) => wrong.push(format!("{f:?}\n    → {e}")),
        }
    }
    assert!(
        wrong.is_empty(),
        "{}: expected `{}` for every frame, but:\n{}",
        ws.label(),
        code.as_str(),
        wrong.join("\n")
    );
}
