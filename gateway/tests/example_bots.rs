//! The example bots (`gateway/examples/faq_bot.rs` and `faq_bot.py`) against a real gateway:
//! each answers an FAQ, hands over when the user asks for a human (an agent accepts and
//! replies), takes the conversation back when the agent assigns it to the bot, answers again,
//! and exits cleanly on Ctrl-C (SIGINT).
//!
//! The Rust bot runs as the example binary that `cargo test` builds next to this test
//! (`target/<profile>/examples/faq_bot`); when that binary is missing or older than its source
//! (e.g. `cargo test --test example_bots` builds no examples), the same source, compiled into
//! this test, runs in-process instead. The Python bot needs `python3` with `websockets`; the
//! test installs the package with `pip --user` when it is missing, and fails loudly if it
//! cannot.

mod support;

#[allow(dead_code, unused_imports)]
#[path = "../examples/faq_bot.rs"]
mod faq_bot;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use support::*;
use switchboard_load_tests::frame;
use switchboard_protocol::api::CreatedBot;
use switchboard_protocol::*;
use tokio::process::{Child, Command};

/// How long the bot may take for anything it does (starting, answering).
const BOT_T: Duration = Duration::from_secs(20);

/// A running bot: a child process, or the Rust bot's code on a task of this test.
#[allow(clippy::large_enum_variant)] // one per test
enum Running {
    Process {
        child: Child,
        name: &'static str,
        log: PathBuf,
        _dir: tempfile::TempDir,
    },
    InProcess {
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        task: tokio::task::JoinHandle<anyhow::Result<()>>,
    },
}

impl Running {
    fn spawn(name: &'static str, mut command: Command) -> Running {
        let dir = tempfile::tempdir().expect("a temp dir for the bot's log");
        let log = dir.path().join(format!("{name}.log"));
        let file = std::fs::File::create(&log).expect("create the bot's log");
        let file2 = file.try_clone().expect("clone the log handle");
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::from(file))
            .stderr(Stdio::from(file2))
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        Running::Process {
            child,
            name,
            log,
            _dir: dir,
        }
    }

    /// Ctrl-C, then the bot must exit with success on its own.
    async fn interrupt_and_expect_clean_exit(mut self) {
        match &mut self {
            Running::Process { child, name, .. } => {
                let pid = child.id().expect("the bot is still running") as libc::pid_t;
                // SAFETY: signalling our own child by its pid.
                assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0, "SIGINT {name}");
                let status = tokio::time::timeout(BOT_T, child.wait())
                    .await
                    .unwrap_or_else(|_| panic!("{name} did not exit within {BOT_T:?} of SIGINT"))
                    .expect("wait for the bot");
                assert!(status.success(), "{name} exited with {status} after SIGINT");
            }
            Running::InProcess { stop, task } => {
                let _ = stop.take().expect("stopped once").send(());
                tokio::time::timeout(BOT_T, task)
                    .await
                    .expect("the in-process bot stops on shutdown")
                    .expect("the bot task did not panic")
                    .expect("the bot ends without error on shutdown");
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        match self {
            Running::Process {
                child, name, log, ..
            } => {
                let _ = child.start_kill();
                if std::thread::panicking() {
                    let text = std::fs::read_to_string(&*log).unwrap_or_default();
                    eprintln!("---- {name} output ----\n{text}");
                }
            }
            Running::InProcess { task, .. } => task.abort(),
        }
    }
}

/// The example binary built by this `cargo test` run, if it is as new as its source.
fn built_rust_example() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?; // target/<profile>/deps/example_bots-HASH
    let bin = exe
        .parent()?
        .parent()?
        .join("examples")
        .join(format!("faq_bot{}", std::env::consts::EXE_SUFFIX));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/faq_bot.rs");
    let built = std::fs::metadata(&bin).ok()?.modified().ok()?;
    let written = std::fs::metadata(source).ok()?.modified().ok()?;
    (built >= written).then_some(bin)
}

fn start_rust_bot(gw: &TestGateway, bot: &CreatedBot) -> Running {
    if let Some(bin) = built_rust_example() {
        eprintln!("running the example binary {}", bin.display());
        let mut command = Command::new(bin);
        // The URL from a flag, the token from the environment: both ways are documented.
        command
            .args(["--url", &gw.base_url])
            .env("SWITCHBOARD_BOT_TOKEN", &bot.token)
            .env("RUST_LOG", "info");
        return Running::spawn("faq_bot.rs", command);
    }
    eprintln!(
        "no fresh example binary (built by `cargo test` without --test): running the bot in-process"
    );
    let args = faq_bot::Args {
        url: gw.base_url.clone(),
        token: bot.token.clone(),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(faq_bot::run(args, async {
        let _ = stopped.await;
    }));
    Running::InProcess {
        stop: Some(stop),
        task,
    }
}

/// `python3` with `websockets` importable, installing it for this user when it is missing.
fn python_with_websockets() -> String {
    let python = std::env::var("SWITCHBOARD_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let has_it = || {
        std::process::Command::new(&python)
            .args(["-c", "import websockets.asyncio.client"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !has_it() {
        eprintln!("installing the Python package `websockets` for the Python example bot");
        let install = std::process::Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--user",
                "--quiet",
                "websockets>=13",
            ])
            .output();
        let ok = install.as_ref().is_ok_and(|o| o.status.success());
        assert!(
            ok && has_it(),
            "\n\n*** The Python example bot cannot run: `{python}` lacks the `websockets` package \
             and `{python} -m pip install --user websockets` failed ({install:?}).\n\
             *** Install it (scripts/install-deps should), or point SWITCHBOARD_PYTHON at a \
             Python 3.11+ that has it.\n\n"
        );
    }
    python
}

fn start_python_bot(gw: &TestGateway, bot: &CreatedBot) -> Running {
    let python = python_with_websockets();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/faq_bot.py");
    let mut command = Command::new(python);
    command
        .arg("-u")
        .arg(script)
        .args(["--token", &bot.token])
        .env("SWITCHBOARD_URL", &gw.base_url)
        .env("PYTHONUNBUFFERED", "1");
    Running::spawn("faq_bot.py", command)
}

/// Waits until the gateway lists the bot as connected (the entry bot must be connected, or
/// new conversations go straight to the queue).
async fn wait_until_connected(tenant: &Tenant, bot: &CreatedBot) {
    let deadline = tokio::time::Instant::now() + BOT_T;
    loop {
        let bots = tenant.owner.bots().await.expect("owner lists bots");
        if bots.iter().any(|b| b.id == bot.id && b.connected) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bot did not connect within {BOT_T:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The whole story with one bot; `start` launches it.
async fn faq_and_handover(start: fn(&TestGateway, &CreatedBot) -> Running) {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("bots").await;
    let bot = tenant.entry_bot("FAQ bot").await;
    let alice = tenant.agent_in_default_group("Alice").await;
    let mut alice_ws = gw.connect(&alice.token, "agent alice").await;
    let running = start(&gw, &bot);
    wait_until_connected(&tenant, &bot).await;

    let user = tenant.user().await;
    let mut user_ws = gw.connect(&user.token, "user").await;

    // An FAQ: the bot answers it.
    let question = user_ws
        .send_message(None, "u-1", "What are your opening hours?")
        .await
        .expect("the user's question is acknowledged");
    let conv = question.conversation_id.clone();
    let answer = user_ws
        .wait_message(
            |m| m.author.kind == AuthorKind::Bot && m.seq > question.seq,
            BOT_T,
            "the bot's answer",
        )
        .await
        .expect("the bot answers the FAQ");
    assert!(answer.text.contains("Monday to Friday"), "{answer:?}");
    assert_eq!(
        answer.client_msg_id.as_deref(),
        Some(format!("faq-bot-{}", question.id).as_str()),
        "the answer's client_msg_id derives from the question's id"
    );

    // The user asks for a person: the bot hands over and the conversation waits in the queue.
    user_ws
        .send_message(&conv, "u-2", "I want a human, please")
        .await
        .expect("the user's request is acknowledged");
    let queued = alice_ws
        .wait_conversation(
            |c| c.id == conv && c.status == ConversationStatus::Queued,
            BOT_T,
            "queued after the bot's handover",
        )
        .await
        .expect("the bot hands the conversation over");
    assert_eq!(queued.assignee, None);
    // The agent accepts and replies; the user gets the reply.
    alice_ws.accept(&conv).await.expect("alice accepts");
    let history = alice_ws.history(&conv, None).await.expect("alice reads it");
    assert!(
        history
            .messages
            .iter()
            .any(|m| m.private && m.text == "Handover reason: the user asked for a person"),
        "agents see why the bot handed over: {:#?}",
        history.messages
    );
    let reply = alice_ws
        .send_message(&conv, "a-1", "Hi, Alice here. How can I help?")
        .await
        .expect("alice replies");
    let got = user_ws
        .wait_message(|m| m.id == reply.id, T, "alice's reply")
        .await
        .expect("the user gets the agent's reply");
    assert_eq!(got.author.kind, AuthorKind::Agent);

    // The agent gives the conversation back to the bot: it says so and answers again.
    alice_ws
        .request_conversation(&frame::assign(&conv, HolderKind::Bot, bot.id.as_str()))
        .await
        .expect("alice assigns the conversation to the bot");
    user_ws
        .wait_message(
            |m| m.author.kind == AuthorKind::Bot && m.text.starts_with("I'm back"),
            BOT_T,
            "the bot's welcome back",
        )
        .await
        .expect("the bot takes the conversation back");
    let question = user_ws
        .send_message(&conv, "u-3", "How much does it cost?")
        .await
        .expect("the user's second question is acknowledged");
    let answer = user_ws
        .wait_message(
            |m| m.author.kind == AuthorKind::Bot && m.seq > question.seq,
            BOT_T,
            "the bot's pricing answer",
        )
        .await
        .expect("the bot answers after taking the conversation back");
    assert!(answer.text.contains("15 EUR"), "{answer:?}");

    running.interrupt_and_expect_clean_exit().await;
}

#[tokio::test]
async fn rust_example_bot_answers_hands_over_and_takes_back() {
    faq_and_handover(start_rust_bot).await;
}

#[tokio::test]
async fn python_example_bot_answers_hands_over_and_takes_back() {
    faq_and_handover(start_python_bot).await;
}
