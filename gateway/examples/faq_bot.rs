//! A small FAQ bot for Switchboard, built on the `switchboard-protocol` crate.
//!
//! ```sh
//! cargo run -p switchboard-gateway --example faq_bot -- --url http://127.0.0.1:8080 --token BOT_TOKEN
//! # or: SWITCHBOARD_URL=… SWITCHBOARD_BOT_TOKEN=… cargo run -p switchboard-gateway --example faq_bot
//! ```
//!
//! Get a token with `POST /v1/bots` and make the bot the first responder with
//! `PATCH /v1/settings {"entry_bot_id": "…"}` (see `docs/protocol.md`). The bot then:
//!
//! - answers a few questions (opening hours, pricing, password reset) in the conversations it
//!   holds, whether it got them as the entry bot or from an agent who assigned one back;
//! - hands the conversation over to the humans when the user asks for one ("human", "agent",
//!   "person") or when it has no answer, because a user stuck with a bot is worse than a wait;
//! - survives disconnects: it reconnects with backoff and asks `history` for what it missed,
//!   answering with a `client_msg_id` derived from the user's message id, so a reply that was
//!   already stored before the connection dropped is returned by the gateway, not sent twice.
//!
//! The same bot in Python, with nothing but the `websockets` package, is `faq_bot.py`.

use anyhow::{Context, Result};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::time::Duration;
use switchboard_protocol::*;
use tokio::time::{Instant, sleep, timeout};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tracing::{info, warn};

#[derive(Parser, Debug, Clone)]
#[command(about = "A Switchboard FAQ bot that hands over to humans")]
pub struct Args {
    /// The gateway's HTTP base URL; the socket is `<url>/v1/ws`.
    #[arg(long, env = "SWITCHBOARD_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// The bot's token, as `POST /v1/bots` answered it.
    #[arg(long, env = "SWITCHBOARD_BOT_TOKEN")]
    pub token: String,
}

#[tokio::main]
async fn main() -> Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    run(Args::parse(), ctrl_c).await
}

/// Keyword answers. A question matches when one of its words is a keyword.
const FAQ: &[(&[&str], &str)] = &[
    (
        &["hours", "open", "opening", "closed"],
        "We are open Monday to Friday, 9:00 to 17:00 (Berlin time).",
    ),
    (
        &[
            "price", "prices", "pricing", "cost", "costs", "plan", "plans",
        ],
        "Starter is free for up to 3 agents; Team is 15 EUR per agent and month.",
    ),
    (
        &["password", "reset", "login"],
        "To reset your password, click \"Forgot password?\" on the login page: \
         we email you a link that works for one hour.",
    ),
    (
        &["hi", "hello", "hey"],
        "Hi! I can tell you about opening hours, pricing and password resets. \
         Say \"human\" to talk to a person.",
    ),
];
/// Words that mean "let me talk to someone".
const HUMAN: &[&str] = &["human", "agent", "person"];
/// Said when an agent hands a conversation (back) to the bot.
const BACK: &str = "I'm back! Ask me about opening hours, pricing or password resets, \
                    or say \"human\" to talk to a person again.";
const NO_HUMANS: &str = "Sorry, no person can take over this chat. Try asking about opening \
                         hours, pricing or password resets.";

/// What the bot does with one user message.
#[derive(Debug, PartialEq)]
enum Reply {
    Answer(&'static str),
    Handover(String),
}

fn reply_to(text: &str) -> Reply {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).collect();
    let says = |keys: &[&str]| keys.iter().any(|k| words.contains(k));
    if says(HUMAN) {
        return Reply::Handover("the user asked for a person".into());
    }
    match FAQ.iter().find(|(keys, _)| says(keys)) {
        Some((_, answer)) => Reply::Answer(answer),
        None => Reply::Handover(format!(
            "the bot has no answer to: {}",
            text.chars().take(200).collect::<String>()
        )),
    }
}

/// Runs the bot until `shutdown` completes (Ctrl-C in `main`), reconnecting with backoff.
/// Returns an error only for a refused token: retrying cannot fix that.
pub async fn run(args: Args, shutdown: impl Future<Output = ()>) -> Result<()> {
    tokio::pin!(shutdown);
    let mut bot = Bot::default();
    let mut backoff = Duration::from_millis(250);
    loop {
        match bot.session(&args, &mut shutdown).await {
            Ok(End::Stop) => return Ok(()),
            Ok(End::Unauthorized(why)) => anyhow::bail!("the gateway refused the token: {why}"),
            Ok(End::Lost { was_welcomed }) => {
                if was_welcomed {
                    backoff = Duration::from_millis(250);
                }
                warn!("connection lost; reconnecting in {backoff:?}");
            }
            Err(error) => warn!("connection failed: {error:#}; retrying in {backoff:?}"),
        }
        tokio::select! {
            _ = &mut shutdown => return Ok(()),
            _ = sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

enum End {
    Stop,
    Unauthorized(String),
    Lost { was_welcomed: bool },
}

/// Where the bot stands in one conversation it holds.
#[derive(Default)]
struct Conv {
    /// Every message up to this `seq` is dealt with (answered and acked, or needing no
    /// answer). After a reconnect, `history` starts here.
    handled: u64,
    /// The latest `seq` seen on this connection, to drop repeats.
    seen: u64,
    /// Replies and handovers sent but not yet acked; `handled` waits for them.
    in_flight: usize,
    /// `Some` while a `history` catch-up runs: live messages wait here until it is done, so
    /// they are handled after the older ones, each exactly once.
    early: Option<Vec<Message>>,
}

/// What an `ack` or `error` with a given `req` answers.
enum Pending {
    /// `history`; `first` when the bot just got the conversation and has no cursor yet.
    CatchUp {
        conv: ConversationId,
        first: bool,
    },
    Reply {
        conv: ConversationId,
    },
    Handover {
        conv: ConversationId,
        msg: MessageId,
    },
}

#[derive(Default)]
struct Bot {
    /// The bot's id, from `welcome`: `conversation.updated` names the holder by id.
    me: String,
    convs: HashMap<ConversationId, Conv>,
    pending: HashMap<String, Pending>,
    next_req: u64,
}

impl Bot {
    /// One connection: connect, auth, recover, then serve frames until it ends.
    async fn session(
        &mut self,
        args: &Args,
        shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
    ) -> Result<End> {
        let base = args.url.trim_end_matches('/');
        let url = format!("{}/v1/ws", base.replacen("http", "ws", 1));
        let (mut ws, _) = timeout(
            Duration::from_secs(10),
            tokio_tungstenite::connect_async(url.as_str()),
        )
        .await
        .context("connect timed out")?
        .with_context(|| format!("connect to {url}"))?;
        let auth = ClientFrame::Auth(Auth {
            token: args.token.clone(),
        });
        ws.send(WsMessage::text(serde_json::to_string(&auth)?))
            .await?;

        // The answer to `auth` is `welcome`, or `error` and close code 4001.
        let welcome = loop {
            let raw = timeout(Duration::from_secs(10), ws.next())
                .await
                .context("no welcome within 10 s")?;
            let Some(Ok(WsMessage::Text(text))) = raw else {
                return Ok(End::Lost {
                    was_welcomed: false,
                });
            };
            match serde_json::from_str::<ServerFrame>(&text)? {
                ServerFrame::Welcome(welcome) => break welcome,
                ServerFrame::Error(error) => return Ok(End::Unauthorized(error.message)),
                _ => {}
            }
        };
        self.me = welcome.id;
        info!(bot = %self.me, "connected to {url}");

        // Recovery: acks of the old connection will never come; ask for every message after
        // the last one handled in each conversation still held.
        self.pending.clear();
        let mut out = Vec::new();
        let ids: Vec<ConversationId> = self.convs.keys().cloned().collect();
        for id in ids {
            let conv = self.convs.get_mut(&id).expect("listed");
            let after = conv.handled;
            (conv.seen, conv.in_flight, conv.early) = (after, 0, Some(Vec::new()));
            out.push(self.catch_up(&id, Some(after), false));
        }

        // Pings keep NATs open and tell a dead link from a quiet one.
        let mut ping = tokio::time::interval(Duration::from_secs(20));
        let mut heard = Instant::now();
        loop {
            for frame in out.drain(..) {
                ws.send(WsMessage::text(serde_json::to_string(&frame)?))
                    .await?;
            }
            tokio::select! {
                _ = &mut *shutdown => {
                    info!("shutting down");
                    let _ = ws.close(None).await;
                    return Ok(End::Stop);
                }
                _ = ping.tick() => {
                    if heard.elapsed() > Duration::from_secs(60) {
                        return Ok(End::Lost { was_welcomed: true });
                    }
                    out.push(ClientFrame::Ping(Ping::default()));
                }
                raw = ws.next() => {
                    heard = Instant::now();
                    match raw {
                        Some(Ok(WsMessage::Text(text))) => match serde_json::from_str(&text) {
                            Ok(frame) => out = self.on_frame(frame),
                            Err(error) => warn!("unreadable frame ({error}): {text}"),
                        },
                        Some(Ok(WsMessage::Close(Some(close))))
                            if u16::from(close.code) == close_code::UNAUTHORIZED =>
                        {
                            return Ok(End::Unauthorized(close.reason.to_string()));
                        }
                        // 1001 (node going away), 4008 (we were too slow), …: reconnect.
                        Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => {
                            return Ok(End::Lost { was_welcomed: true });
                        }
                        Some(Ok(_)) => {} // pings and pongs of the WebSocket layer
                    }
                }
            }
        }
    }

    /// Reacts to one server frame with the frames to send.
    fn on_frame(&mut self, frame: ServerFrame) -> Vec<ClientFrame> {
        match frame {
            ServerFrame::ConversationUpdated(update) => {
                let c = update.conversation;
                let mine = c.status == ConversationStatus::Bot
                    && c.assignee.as_ref().is_some_and(|a| a.id == self.me);
                if !mine {
                    // Handed over, taken by an agent, resolved: not ours any more.
                    self.convs.remove(&c.id);
                    return vec![];
                }
                if self.convs.contains_key(&c.id) {
                    return vec![];
                }
                // Newly ours (entry bot, or assigned by an agent): read the latest page to
                // learn where the conversation stands before answering anything.
                let conv = Conv {
                    early: Some(Vec::new()),
                    ..Conv::default()
                };
                self.convs.insert(c.id.clone(), conv);
                vec![self.catch_up(&c.id, None, true)]
            }
            ServerFrame::MessageCreated(created) => {
                let m = created.message;
                match self.convs.get_mut(&m.conversation_id) {
                    Some(Conv {
                        early: Some(early), ..
                    }) => {
                        early.push(m);
                        vec![]
                    }
                    Some(_) => self.on_message(m).into_iter().collect(),
                    None => vec![],
                }
            }
            ServerFrame::Ack(ack) => match self.pending.remove(&ack.req) {
                Some(Pending::CatchUp { conv, first }) => self.caught_up(conv, first, ack),
                Some(Pending::Reply { conv }) | Some(Pending::Handover { conv, .. }) => {
                    self.done(&conv);
                    vec![]
                }
                None => vec![],
            },
            ServerFrame::Error(error) => self.on_error(error),
            _ => vec![], // pong, typing, read, presence: nothing to do
        }
    }

    /// A live or recovered message, in `seq` order; only users' messages get an answer.
    fn on_message(&mut self, m: Message) -> Option<ClientFrame> {
        let conv = self.convs.get_mut(&m.conversation_id)?;
        if m.seq <= conv.seen {
            return None; // a repeat
        }
        conv.seen = m.seq;
        if m.author.kind != AuthorKind::User {
            if conv.in_flight == 0 {
                conv.handled = m.seq;
            }
            return None;
        }
        conv.in_flight += 1;
        let req = self.req();
        let id = m.conversation_id.clone();
        Some(match reply_to(&m.text) {
            Reply::Answer(text) => {
                self.pending
                    .insert(req.clone(), Pending::Reply { conv: id.clone() });
                answer(req, id, format!("faq-bot-{}", m.id), text)
            }
            Reply::Handover(reason) => {
                info!(conversation = %id, %reason, "handing over");
                let pending = Pending::Handover {
                    conv: id.clone(),
                    msg: m.id.clone(),
                };
                self.pending.insert(req.clone(), pending);
                ClientFrame::Handover(Handover {
                    req,
                    conversation_id: id,
                    reason: Some(reason),
                    group_id: None,
                })
            }
        })
    }

    /// A `history` page arrived: handle it, then what came live meanwhile.
    fn caught_up(&mut self, id: ConversationId, first: bool, ack: Ack) -> Vec<ClientFrame> {
        let messages = ack.messages.unwrap_or_default();
        let Some(conv) = self.convs.get_mut(&id) else {
            return vec![];
        };
        let mut out = Vec::new();
        if first {
            // Whatever came before the last message from anyone but the user has been
            // dealt with (by an agent, or by the system message of the assignment); the
            // user's messages after it are waiting for us.
            let last_other = messages
                .iter()
                .rev()
                .find(|m| m.author.kind != AuthorKind::User);
            let start = match last_other {
                Some(m) => m.seq,
                None => messages.first().map_or(0, |m| m.seq - 1),
            };
            (conv.handled, conv.seen) = (start, start);
            let waiting = messages.iter().any(|m| m.seq > start);
            if last_other.is_some() && !waiting {
                // Taken back from an agent: say so, once (the key makes a retry harmless).
                let key = format!("faq-bot-{id}-back-{start}");
                conv.in_flight += 1;
                let req = self.req();
                self.pending
                    .insert(req.clone(), Pending::Reply { conv: id.clone() });
                out.push(answer(req, id.clone(), key, BACK));
            }
        }
        let last = messages.last().map(|m| m.seq);
        out.extend(messages.into_iter().filter_map(|m| self.on_message(m)));
        if ack.has_more == Some(true) && !first {
            out.push(self.catch_up(&id, last, false)); // more pages after this one
            return out;
        }
        let early = self.convs.get_mut(&id).and_then(|c| c.early.take());
        out.extend(
            early
                .into_iter()
                .flatten()
                .filter_map(|m| self.on_message(m)),
        );
        out
    }

    /// An ack of a reply or handover: once nothing is in flight, all seen is handled.
    fn done(&mut self, id: &ConversationId) {
        if let Some(conv) = self.convs.get_mut(id) {
            conv.in_flight = conv.in_flight.saturating_sub(1);
            if conv.in_flight == 0 {
                conv.handled = conv.seen;
            }
        }
    }

    fn on_error(&mut self, error: ErrorFrame) -> Vec<ClientFrame> {
        let pending = error.req.as_ref().and_then(|req| self.pending.remove(req));
        match (pending, error.code) {
            // Human chat is off for this tenant: the user must hear something.
            (Some(Pending::Handover { conv, msg }), ErrorCode::HumanChatDisabled) => {
                self.done(&conv);
                let req = self.req();
                self.pending
                    .insert(req.clone(), Pending::Reply { conv: conv.clone() });
                if let Some(c) = self.convs.get_mut(&conv) {
                    c.in_flight += 1;
                }
                vec![answer(
                    req,
                    conv,
                    format!("faq-bot-{msg}-no-humans"),
                    NO_HUMANS,
                )]
            }
            // The conversation is not (or no longer) ours: forget it.
            (
                Some(
                    Pending::CatchUp { conv, .. }
                    | Pending::Reply { conv }
                    | Pending::Handover { conv, .. },
                ),
                ErrorCode::NotFound | ErrorCode::Forbidden | ErrorCode::Conflict,
            ) => {
                self.convs.remove(&conv);
                vec![]
            }
            (pending, code) => {
                if let Some(Pending::Reply { conv } | Pending::Handover { conv, .. }) = pending {
                    self.done(&conv);
                }
                warn!(code = code.as_str(), "refused: {}", error.message);
                vec![]
            }
        }
    }

    fn catch_up(&mut self, id: &ConversationId, after: Option<u64>, first: bool) -> ClientFrame {
        let req = self.req();
        let conv = id.clone();
        self.pending
            .insert(req.clone(), Pending::CatchUp { conv, first });
        ClientFrame::History(History {
            req,
            conversation_id: id.clone(),
            after_seq: after,
            before_seq: None,
            limit: Some(50),
        })
    }

    fn req(&mut self) -> String {
        self.next_req += 1;
        self.next_req.to_string()
    }
}

/// `message.send` whose `client_msg_id` is derived from what it answers (the user's message
/// id): sent again after a reconnect, the gateway returns the stored message instead of
/// storing a second one.
fn answer(req: String, conv: ConversationId, client_msg_id: String, text: &str) -> ClientFrame {
    ClientFrame::MessageSend(MessageSend {
        req,
        conversation_id: Some(conv),
        client_msg_id,
        text: text.to_owned(),
        attachment_ids: vec![],
        private: false,
    })
}
