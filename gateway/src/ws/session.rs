//! One task per socket.

use super::continuity::{SeqTracker, Verdict};
use super::limits::{self, REJECTIONS_BEFORE_CLOSE};
use crate::auth::Audience;
use crate::bus::Control;
use crate::bus::ConversationMark;
use crate::domain::widget::CallerOrigin;
use crate::domain::{MAX_LIST, MAX_PAGE};
use crate::edge::AppState;
use crate::error::Error;
use crate::hub::{Outbound, SocketHandle};
use crate::principal::Principal;
use crate::topics::Topic;
use axum::extract::ws::Utf8Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::SinkExt;
use governor::DefaultDirectRateLimiter;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_protocol::{
    AUTH_TIMEOUT_SECS, ClientFrame, ErrorCode, ErrorFrame, ServerFrame, Welcome, close_code,
};
use switchboard_protocol::{ConversationId, ConversationUpdated, ConversationView, MessageCreated};
use tokio::sync::mpsc;
use tracing::Instrument;

/// How often an idle socket is pinged, and how long a silent one lives.
const HEARTBEAT: Duration = Duration::from_secs(30);
const DEAD_AFTER: Duration = Duration::from_secs(75);
/// Frames written before one flush when the outbox has a backlog.
const WRITE_BATCH: usize = 64;

/// `caller`: where the upgrade came from; a widget user's socket must come from an origin its
/// tenant allows.
pub async fn run(mut socket: WebSocket, state: AppState, caller: CallerOrigin) {
    let limiter = limits::frame_limiter();
    // Every future awaited inside this task is stored in the task itself while the socket
    // lives, so the big ones (anything that reaches the store) are boxed: allocated only while
    // they run. Measured with heaptrack: an idle socket's task went from 12.4 KB to 3.7 KB.
    let Some(principal) = Box::pin(authenticate(&mut socket, &state, &limiter, &caller)).await
    else {
        return;
    };
    let span = tracing::info_span!("session", role = ?principal.role(), id = principal.id(), tenant = %principal.tenant());
    async move {
        let (handle, outbox) = state.desk.hub().register(principal.key());
        let mut session = Session {
            socket,
            state,
            principal,
            handle,
            limiter,
            base_topics: Vec::new(),
            seqs: SeqTracker::default(),
            rejected_in_a_row: 0,
        };
        session.subscribe_base_topics();
        Box::pin(session.state.desk.socket_opened(&session.principal)).await;
        let role = crate::metrics::RoleLabel {
            role: role_name(session.principal.role()),
        };
        crate::metrics::metrics()
            .connections
            .get_or_create(&role)
            .inc();
        tracing::debug!("connected");
        session.serve(outbox).await;
        session.state.desk.hub().remove(&session.handle);
        Box::pin(session.state.desk.socket_closed(&session.principal)).await;
        crate::metrics::metrics()
            .connections
            .get_or_create(&role)
            .dec();
        tracing::debug!("disconnected");
    }
    .instrument(span)
    .await;
}

/// How long a closing socket keeps reading for the peer's close frame.
const CLOSE_LINGER: Duration = Duration::from_secs(2);

/// Sends a close frame, then completes the closing handshake: reads (and discards) until the
/// peer closes too. Dropping a socket with unread input makes the kernel send a reset, which can
/// destroy the close frame before the peer reads its code.
async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    // The peer may already be gone; there is nothing more to do then.
    if socket.send(Message::Close(Some(frame))).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(CLOSE_LINGER, async {
        while let Some(Ok(message)) = socket.recv().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
}

fn role_name(role: switchboard_protocol::ClientRole) -> &'static str {
    match role {
        switchboard_protocol::ClientRole::User => "user",
        switchboard_protocol::ClientRole::Bot => "bot",
        switchboard_protocol::ClientRole::Agent => "agent",
    }
}

/// Queues a frame on the socket without flushing (the caller flushes once per batch).
async fn feed_frame(socket: &mut WebSocket, frame: &ServerFrame) -> bool {
    match serde_json::to_string(frame) {
        Ok(text) => socket.feed(Message::Text(text.into())).await.is_ok(),
        Err(err) => {
            tracing::error!(error = %err, "serializing a refill");
            true
        }
    }
}

async fn send_frame(socket: &mut WebSocket, frame: &ServerFrame) -> bool {
    match serde_json::to_string(frame) {
        Ok(text) => socket.send(Message::Text(text.into())).await.is_ok(),
        Err(err) => {
            tracing::error!(error = %err, "serializing a reply");
            false
        }
    }
}

fn error_frame(req: Option<String>, code: ErrorCode, message: impl Into<String>) -> ServerFrame {
    ServerFrame::Error(ErrorFrame {
        req,
        code,
        message: message.into(),
    })
}

/// A frame over the size limit surfaces as a read error; it closes with 1009.
async fn close_after_read_error(socket: &mut WebSocket, err: axum::Error) {
    let too_big = err
        .into_inner()
        .downcast_ref::<tokio_tungstenite::tungstenite::Error>()
        .is_some_and(|e| matches!(e, tokio_tungstenite::tungstenite::Error::Capacity(_)));
    if too_big {
        close(socket, close_code::MESSAGE_TOO_BIG, "frame too large").await;
    }
}

/// The handshake: the first useful frame must be a valid `auth` within the timeout. Other frames
/// are answered `unauthorized` and never executed.
async fn authenticate(
    socket: &mut WebSocket,
    state: &AppState,
    limiter: &DefaultDirectRateLimiter,
    caller: &CallerOrigin,
) -> Option<Principal> {
    let deadline = tokio::time::sleep(Duration::from_secs(AUTH_TIMEOUT_SECS));
    tokio::pin!(deadline);
    loop {
        let incoming = tokio::select! {
            _ = &mut deadline => {
                close(socket, close_code::UNAUTHORIZED, "no auth frame in time").await;
                return None;
            }
            _ = state.shutdown.cancelled() => {
                close(socket, close_code::GOING_AWAY, "server shutting down").await;
                return None;
            }
            incoming = socket.recv() => incoming,
        };
        let text = match incoming {
            None | Some(Ok(Message::Close(_))) => return None,
            Some(Err(err)) => {
                close_after_read_error(socket, err).await;
                return None;
            }
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Binary(_))) => {
                send_frame(
                    socket,
                    &error_frame(None, ErrorCode::Invalid, "frames are JSON text"),
                )
                .await;
                continue;
            }
            Some(Ok(_)) => continue,
        };
        if limiter.check().is_err() {
            send_frame(
                socket,
                &error_frame(
                    limits::probe_req(&text),
                    ErrorCode::RateLimited,
                    "too many frames",
                ),
            )
            .await;
            continue;
        }
        match limits::parse(&text) {
            Err(invalid) => {
                send_frame(socket, &ServerFrame::Error(invalid)).await;
            }
            Ok(ClientFrame::Auth(auth)) => {
                match state
                    .desk
                    .authenticate(
                        &auth.token,
                        &[Audience::Agent, Audience::User, Audience::Bot],
                    )
                    .await
                {
                    Ok(principal) => {
                        if let Principal::User(user) = &principal
                            && let Err(err) = state.desk.admit_user_socket(user, caller).await
                        {
                            send_frame(
                                socket,
                                &error_frame(None, err.code(), err.public_message()),
                            )
                            .await;
                            let code = match err.code() {
                                ErrorCode::Forbidden => close_code::FORBIDDEN_ORIGIN,
                                ErrorCode::Unauthorized => close_code::UNAUTHORIZED,
                                _ => close_code::GOING_AWAY,
                            };
                            close(socket, code, "not admitted").await;
                            return None;
                        }
                        let welcome = ServerFrame::Welcome(Welcome {
                            role: principal.role(),
                            id: principal.id().to_owned(),
                            tenant_id: principal.tenant().clone(),
                        });
                        return send_frame(socket, &welcome).await.then_some(principal);
                    }
                    Err(err) => {
                        send_frame(socket, &error_frame(None, err.code(), err.public_message()))
                            .await;
                        let code = if err.code() == ErrorCode::Unauthorized {
                            close_code::UNAUTHORIZED
                        } else {
                            close_code::GOING_AWAY
                        };
                        close(socket, code, "authentication failed").await;
                        return None;
                    }
                }
            }
            Ok(other) => {
                let req = other.req().map(str::to_owned);
                send_frame(
                    socket,
                    &error_frame(
                        req,
                        ErrorCode::Unauthorized,
                        "authenticate first: send an auth frame",
                    ),
                )
                .await;
            }
        }
    }
}

pub(super) struct Session {
    pub(super) socket: WebSocket,
    pub(super) state: AppState,
    pub(super) principal: Principal,
    pub(super) handle: Arc<SocketHandle>,
    limiter: DefaultDirectRateLimiter,
    /// Topics the principal receives by what it is (not explicit conversation subscriptions).
    base_topics: Vec<Topic>,
    rejected_in_a_row: u32,
    /// The last `seq` this socket got per conversation.
    pub(super) seqs: SeqTracker,
}

enum Event {
    Incoming(Option<Result<Message, axum::Error>>),
    Outbound(Option<Outbound>),
    CloseRequested(u16),
    Heartbeat,
}

impl Session {
    /// The topics of what the principal is: a user's or bot's own; an agent's own, the tenant's
    /// presence, and its groups (owners and admins: the admins topic, which carries every group).
    fn wanted_base_topics(&self) -> Vec<Topic> {
        let tenant = self.principal.tenant();
        match &self.principal {
            Principal::User(user) => vec![Topic::user(tenant, &user.id)],
            Principal::Bot(bot) => vec![Topic::bot(tenant, &bot.id)],
            Principal::Agent(agent) => {
                let mut topics = vec![Topic::agent(tenant, &agent.id), Topic::agents(tenant)];
                if agent.is_admin() {
                    topics.push(Topic::admins(tenant));
                } else {
                    topics.extend(agent.group_ids.iter().map(|g| Topic::group(tenant, g)));
                }
                topics
            }
        }
    }

    fn subscribe_base_topics(&mut self) {
        let wanted = self.wanted_base_topics();
        let hub = self.state.desk.hub().clone();
        for old in self.base_topics.iter().filter(|t| !wanted.contains(t)) {
            hub.unsubscribe(&self.handle, old);
        }
        for topic in &wanted {
            hub.subscribe(&self.handle, topic);
        }
        self.base_topics = wanted;
    }

    async fn serve(&mut self, mut outbox: mpsc::Receiver<Outbound>) {
        let mut heartbeat =
            tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
        let mut last_heard = Instant::now();
        let shutdown = self.state.shutdown.clone();
        loop {
            let handle = self.handle.clone();
            let event = tokio::select! {
                biased;
                code = handle.closed() => Event::CloseRequested(code),
                _ = shutdown.cancelled() => Event::CloseRequested(close_code::GOING_AWAY),
                outbound = outbox.recv() => Event::Outbound(outbound),
                incoming = self.socket.recv() => Event::Incoming(incoming),
                _ = heartbeat.tick() => Event::Heartbeat,
            };
            match event {
                Event::CloseRequested(code) => {
                    let reason = match code {
                        close_code::BACKLOG_FULL => {
                            "backlog full: reconnect and recover with after_seq"
                        }
                        close_code::GOING_AWAY => "server shutting down",
                        close_code::UNAUTHORIZED => "access revoked",
                        _ => "closing",
                    };
                    close(&mut self.socket, code, reason).await;
                    return;
                }
                Event::Outbound(None) => return,
                Event::Outbound(Some(first)) => {
                    if !self.write_outbound(first, &mut outbox).await {
                        return;
                    }
                }
                Event::Incoming(None) => return,
                Event::Incoming(Some(Err(err))) => {
                    close_after_read_error(&mut self.socket, err).await;
                    return;
                }
                Event::Incoming(Some(Ok(message))) => {
                    last_heard = Instant::now();
                    if !Box::pin(self.on_message(message)).await {
                        return;
                    }
                }
                Event::Heartbeat => {
                    if last_heard.elapsed() > DEAD_AFTER {
                        tracing::debug!("peer silent too long; closing");
                        return;
                    }
                    if self
                        .socket
                        .send(Message::Ping(Default::default()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
    }

    /// Writes the first outbound frame and whatever else is already queued, then flushes once.
    async fn write_outbound(
        &mut self,
        first: Outbound,
        outbox: &mut mpsc::Receiver<Outbound>,
    ) -> bool {
        let mut next = Some(first);
        let mut handled = 0;
        while let Some(outbound) = next.take() {
            let alive = match outbound {
                Outbound::Frame { bytes, mark } => {
                    self.handle.written(bytes.len());
                    self.write_event(bytes, mark).await
                }
                Outbound::Control(Control::Disconnect) => {
                    let _ = self.socket.flush().await;
                    close(&mut self.socket, close_code::UNAUTHORIZED, "access revoked").await;
                    false
                }
                Outbound::Control(Control::Reload) => Box::pin(self.reload()).await,
                Outbound::Control(Control::Resync) => {
                    self.handle.resync_started();
                    Box::pin(self.resync()).await
                }
            };
            if !alive {
                return false;
            }
            handled += 1;
            if handled < WRITE_BATCH {
                next = outbox.try_recv().ok();
            }
        }
        self.socket.flush().await.is_ok()
    }

    /// Feeds one event, dropping a repeated message and filling a gap before a new one.
    async fn write_event(&mut self, bytes: Utf8Bytes, mark: Option<Arc<ConversationMark>>) -> bool {
        if let Some(mark) = mark
            && let Some(seq) = mark.seq
        {
            let conversation_id = &mark.conversation_id;
            match self.seqs.check(conversation_id, seq) {
                Verdict::Duplicate => return true,
                Verdict::Gap { after } => {
                    if Box::pin(self.refill(conversation_id, after)).await {
                        return true;
                    }
                    // The store did not answer: deliver what we have rather than nothing.
                }
                Verdict::Deliver => {}
            }
            self.seqs.record(conversation_id, seq);
        }
        self.socket.feed(Message::Text(bytes)).await.is_ok()
    }

    /// Sends every message of the conversation after `after` from the store; false if the store
    /// could not be read (the caller then goes on with what it has).
    async fn refill(&mut self, conversation_id: &ConversationId, mut after: u64) -> bool {
        crate::metrics::metrics().refills.inc();
        let desk = self.state.desk.clone();
        loop {
            let page = match desk
                .history(
                    &self.principal,
                    conversation_id,
                    Some(after),
                    None,
                    Some(MAX_PAGE),
                )
                .await
            {
                Ok(page) => page,
                Err(err) => {
                    tracing::warn!(error = %err, conversation = %conversation_id, "refilling a gap failed");
                    return false;
                }
            };
            tracing::debug!(conversation = %conversation_id, after, count = page.messages.len(), "refilled a gap from the store");
            for message in page.messages {
                after = after.max(message.seq);
                self.seqs.record(conversation_id, message.seq);
                let frame = ServerFrame::MessageCreated(MessageCreated { message });
                if !feed_frame(&mut self.socket, &frame).await {
                    return true;
                }
            }
            if !page.has_more {
                return true;
            }
        }
    }

    /// The node's bus link came back: refill every tracked conversation and send its current
    /// state; agents also get their open conversations again, so their lists are current.
    async fn resync(&mut self) -> bool {
        let desk = self.state.desk.clone();
        for (conversation_id, after) in self.seqs.tracked() {
            Box::pin(self.refill(&conversation_id, after)).await;
        }
        let mut states = Vec::new();
        if let Principal::Agent(agent) = &self.principal {
            match desk
                .list_conversations(agent, ConversationView::Open, Some(MAX_LIST))
                .await
            {
                Ok(open) => states.extend(open),
                Err(err) => tracing::warn!(error = %err, "resync: listing conversations failed"),
            }
        }
        for (conversation_id, _) in self.seqs.tracked() {
            if states.iter().any(|s| s.id() == &conversation_id) {
                continue;
            }
            if let Ok(state) = desk.visible_state(&self.principal, &conversation_id).await {
                states.push(state);
            }
        }
        for state in states {
            let frame = ServerFrame::ConversationUpdated(ConversationUpdated {
                conversation: state.conversation,
            });
            if !feed_frame(&mut self.socket, &frame).await {
                return false;
            }
        }
        true
    }

    /// The principal's role or groups changed: read it again and fix the subscriptions.
    async fn reload(&mut self) -> bool {
        let Principal::Agent(agent) = &self.principal else {
            return true;
        };
        match self
            .state
            .desk
            .store()
            .agent(&agent.tenant, &agent.id)
            .await
        {
            Ok(Some(record)) => {
                self.principal = Principal::Agent(crate::domain::agent_principal(&record));
                self.subscribe_base_topics();
                true
            }
            Ok(None) => {
                close(&mut self.socket, close_code::UNAUTHORIZED, "access revoked").await;
                false
            }
            Err(err) => {
                tracing::error!(error = %err, "reloading an agent");
                true
            }
        }
    }

    /// Handles one client message; false when the socket must close.
    async fn on_message(&mut self, message: Message) -> bool {
        let text = match message {
            Message::Text(text) => text,
            Message::Binary(_) => {
                return send_frame(
                    &mut self.socket,
                    &error_frame(None, ErrorCode::Invalid, "frames are JSON text"),
                )
                .await;
            }
            Message::Close(_) => return false,
            Message::Ping(_) | Message::Pong(_) => return true,
        };
        if self.limiter.check().is_err() {
            self.rejected_in_a_row += 1;
            if self.rejected_in_a_row > REJECTIONS_BEFORE_CLOSE {
                tracing::info!("closing a flooding client");
                close(
                    &mut self.socket,
                    close_code::RATE_LIMITED,
                    "rate limit exceeded",
                )
                .await;
                return false;
            }
            let reply = error_frame(
                limits::probe_req(&text),
                ErrorCode::RateLimited,
                Error::RateLimited.to_string(),
            );
            return send_frame(&mut self.socket, &reply).await;
        }
        self.rejected_in_a_row = 0;
        let reply = match limits::parse(&text) {
            Ok(frame) => self.execute(frame).await,
            Err(invalid) => Some(ServerFrame::Error(invalid)),
        };
        match reply {
            Some(reply) => send_frame(&mut self.socket, &reply).await,
            None => true,
        }
    }
}
