//! [`WsClient`]: one WebSocket connection to `GET /v1/ws`, speaking typed frames.
//!
//! The client reads the socket only when asked to (there is no background task), and every
//! frame it reads while looking for something else goes into a buffer. That is what makes
//! tests deterministic: a `request` that meets three events before its `ack` leaves those
//! events for the next `wait_for`, and `assert_nothing` can look at everything that arrived.
//! Every read has a deadline; running out of time is an error that says what was awaited.

use crate::error::ClientError;
use crate::frame;
use futures_util::{SinkExt, StreamExt};
use std::collections::VecDeque;
use std::time::Duration;
use switchboard_protocol::api::MessagePage;
use switchboard_protocol::*;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long [`WsClient::request`] and the typed helpers wait for an answer unless told
/// otherwise ([`WsClient::set_timeout`]).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How the connection ended, once it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closed {
    /// The close code the gateway sent; `None` if the connection ended without one.
    pub code: Option<u16>,
    /// The close reason, or the transport error that ended the connection.
    pub detail: String,
}

/// The outcome of a `conversation.subscribe`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscribed {
    pub conversation: Conversation,
    /// The messages after the requested `after_seq`.
    pub messages: Vec<Message>,
}

/// One WebSocket connection to the gateway.
pub struct WsClient {
    socket: Socket,
    buffer: VecDeque<ServerFrame>,
    closed: Option<Closed>,
    timeout: Duration,
    label: String,
}

/// `http://host:port/...` → `ws://host:port/v1/ws` (and `https` → `wss`).
pub fn ws_url(base_http_url: &str) -> String {
    let base = base_http_url.trim_end_matches('/');
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_owned()
    };
    format!("{base}/v1/ws")
}

impl WsClient {
    /// Opens a socket to `ws://HOST/v1/ws` given the gateway's HTTP base url. Not yet
    /// authenticated: call [`WsClient::auth`].
    pub async fn connect(base_http_url: &str) -> Result<WsClient, ClientError> {
        WsClient::connect_from(base_http_url, None).await
    }

    /// Opens a socket as a browser page on `origin` would (an `Origin` header), or as a
    /// non-browser client (`None`).
    pub async fn connect_from(
        base_http_url: &str,
        origin: Option<&str>,
    ) -> Result<WsClient, ClientError> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = ws_url(base_http_url);
        let label = "ws".to_owned();
        // The client must be able to send frames larger than the gateway's limit (that is
        // a test), and it should never be the side that refuses to read what arrives.
        let config = WebSocketConfig::default()
            .max_message_size(None)
            .max_frame_size(None);
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|source| ClientError::Ws {
                label: label.clone(),
                source: Box::new(source),
            })?;
        if let Some(origin) = origin {
            let value = origin.parse().map_err(|_| ClientError::Ws {
                label: label.clone(),
                source: Box::new(tokio_tungstenite::tungstenite::Error::Url(
                    tokio_tungstenite::tungstenite::error::UrlError::UnableToConnect(format!(
                        "{origin:?} is no header value"
                    )),
                )),
            })?;
            request.headers_mut().insert("origin", value);
        }
        let connecting = tokio_tungstenite::connect_async_with_config(request, Some(config), true);
        let (socket, _response) = tokio::time::timeout(DEFAULT_TIMEOUT, connecting)
            .await
            .map_err(|_| ClientError::Timeout {
                label: label.clone(),
                what: format!("the WebSocket handshake with {url}"),
                timeout: DEFAULT_TIMEOUT,
            })?
            .map_err(|source| ClientError::Ws {
                label: label.clone(),
                source: Box::new(source),
            })?;
        Ok(WsClient {
            socket,
            buffer: VecDeque::new(),
            closed: None,
            timeout: DEFAULT_TIMEOUT,
            label,
        })
    }

    /// Connects and authenticates in one go.
    pub async fn connect_authed(
        base_http_url: &str,
        token: &str,
    ) -> Result<(WsClient, Welcome), ClientError> {
        let mut client = WsClient::connect(base_http_url).await?;
        let welcome = client.auth(token).await?;
        Ok((client, welcome))
    }

    /// Names this client in error messages ("user", "agent bob"), so a failing test says
    /// whose socket timed out.
    pub fn with_label(mut self, label: impl Into<String>) -> WsClient {
        self.label = label.into();
        self
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// Changes how long requests and typed helpers wait for their answer.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Sends `auth` and waits for `welcome`; an `error` frame (bad token) is a refusal.
    pub async fn auth(&mut self, token: &str) -> Result<Welcome, ClientError> {
        self.send(&frame::auth(token)).await?;
        let what = "the answer to `auth` (welcome or error)";
        let answer = self
            .wait_for_described(
                // An error carrying a req answers some earlier frame, not the auth.
                |f| {
                    matches!(f, ServerFrame::Welcome(_))
                        || matches!(f, ServerFrame::Error(e) if e.req.is_none())
                },
                self.timeout,
                what,
            )
            .await?;
        match answer {
            ServerFrame::Welcome(welcome) => Ok(welcome),
            ServerFrame::Error(error) => Err(ClientError::Refused {
                label: self.label.clone(),
                what: "auth".to_owned(),
                error,
            }),
            other => Err(self.unexpected(format!("{what} was {other:?}"))),
        }
    }

    // ---- sending ------------------------------------------------------------------------

    /// Sends one typed frame without waiting for anything.
    pub async fn send(&mut self, frame: &ClientFrame) -> Result<(), ClientError> {
        let text = serde_json::to_string(frame).map_err(|source| ClientError::Encode {
            label: self.label.clone(),
            source,
        })?;
        self.send_raw(&text).await
    }

    /// Sends several frames with a single flush, so they leave in one burst (flooding, load).
    pub async fn send_many(&mut self, frames: &[ClientFrame]) -> Result<(), ClientError> {
        for frame in frames {
            let text = serde_json::to_string(frame).map_err(|source| ClientError::Encode {
                label: self.label.clone(),
                source,
            })?;
            self.socket
                .feed(WsMessage::text(text))
                .await
                .map_err(|source| self.ws_error(source))?;
        }
        self.socket
            .flush()
            .await
            .map_err(|source| self.ws_error(source))
    }

    fn ws_error(&self, source: tungstenite::Error) -> ClientError {
        ClientError::Ws {
            label: self.label.clone(),
            source: Box::new(source),
        }
    }

    /// Sends any text as one frame: for malformed input and oversized frames.
    pub async fn send_raw(&mut self, text: &str) -> Result<(), ClientError> {
        self.send_ws(WsMessage::text(text.to_owned())).await
    }

    /// Sends a binary frame (the contract speaks text frames only).
    pub async fn send_raw_bytes(&mut self, bytes: Vec<u8>) -> Result<(), ClientError> {
        self.send_ws(WsMessage::binary(bytes)).await
    }

    /// Sends a text frame of exactly `size` bytes that is otherwise a valid `ping` (the
    /// padding is an unknown field, which the contract says is ignored). Below the frame
    /// limit it must be answered with a `pong` carrying the returned `req`.
    pub async fn send_padded_ping(&mut self, size: usize) -> Result<String, ClientError> {
        let req = frame::next_req();
        let skeleton = format!(r#"{{"type":"ping","req":"{req}","pad":""}}"#);
        let padding = "x".repeat(size.saturating_sub(skeleton.len()));
        let text = format!(r#"{{"type":"ping","req":"{req}","pad":"{padding}"}}"#);
        self.send_raw(&text).await?;
        Ok(req)
    }

    async fn send_ws(&mut self, message: WsMessage) -> Result<(), ClientError> {
        self.socket
            .send(message)
            .await
            .map_err(|source| ClientError::Ws {
                label: self.label.clone(),
                source: Box::new(source),
            })
    }

    /// Sends a close frame; the gateway should treat it as a disconnect.
    pub async fn close(mut self) -> Result<(), ClientError> {
        if self.closed.is_some() {
            return Ok(());
        }
        match self.socket.close(None).await {
            Ok(()) => Ok(()),
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => Ok(()),
            Err(source) => Err(ClientError::Ws {
                label: self.label.clone(),
                source: Box::new(source),
            }),
        }
    }

    // ---- requests -----------------------------------------------------------------------

    /// Sends `frame` and waits for its answer, `ack` or `error`, whatever it is. Other frames
    /// read meanwhile are buffered.
    pub async fn call(
        &mut self,
        frame: &ClientFrame,
    ) -> Result<Result<Ack, ErrorFrame>, ClientError> {
        let Some(req) = frame.req().map(str::to_owned) else {
            return Err(ClientError::NoReq {
                label: self.label.clone(),
                frame_type: frame.type_name(),
            });
        };
        self.send(frame).await?;
        let what = format!(
            "the answer (ack or error) to `{}` req {req}",
            frame.type_name()
        );
        let answer = self
            .wait_for_described(|f| is_answer_to(f, &req), self.timeout, &what)
            .await?;
        match answer {
            ServerFrame::Ack(ack) => Ok(Ok(ack)),
            ServerFrame::Error(error) => Ok(Err(error)),
            other => Err(self.unexpected(format!("{what} was {other:?}"))),
        }
    }

    /// Sends `frame` and waits for its `ack`; an `error` answer is [`ClientError::Refused`].
    pub async fn request(&mut self, frame: &ClientFrame) -> Result<Ack, ClientError> {
        match self.call(frame).await? {
            Ok(ack) => Ok(ack),
            Err(error) => Err(ClientError::Refused {
                label: self.label.clone(),
                what: describe(frame),
                error,
            }),
        }
    }

    /// Sends `frame` and expects it to be refused: returns the `error` frame, and fails if
    /// the gateway acknowledged it.
    pub async fn request_refused(
        &mut self,
        frame: &ClientFrame,
    ) -> Result<ErrorFrame, ClientError> {
        match self.call(frame).await? {
            Err(error) => Ok(error),
            Ok(ack) => Err(self.unexpected(format!(
                "expected {} to be refused, but it was acknowledged: {ack:?}",
                describe(frame)
            ))),
        }
    }

    /// `ping` with a `req`; waits for the `pong` carrying it.
    pub async fn ping(&mut self) -> Result<(), ClientError> {
        let ping = frame::ping();
        let req = ping.req().map(str::to_owned).unwrap_or_default();
        self.send(&ping).await?;
        let what = format!("the pong to ping req {req}");
        let answer = self
            .wait_for_described(
                |f| match f {
                    ServerFrame::Pong(pong) => pong.req.as_deref() == Some(req.as_str()),
                    other => is_answer_to(other, &req),
                },
                self.timeout,
                &what,
            )
            .await?;
        match answer {
            ServerFrame::Pong(_) => Ok(()),
            ServerFrame::Error(error) => Err(ClientError::Refused {
                label: self.label.clone(),
                what: "ping".to_owned(),
                error,
            }),
            other => Err(self.unexpected(format!("{what} was {other:?}"))),
        }
    }

    // ---- typed helpers ------------------------------------------------------------------

    /// `message.send`; returns the stored message (its `conversation_id` says where it went).
    pub async fn send_message<'a>(
        &mut self,
        conversation_id: impl Into<Option<&'a ConversationId>>,
        client_msg_id: &str,
        text: &str,
    ) -> Result<Message, ClientError> {
        let frame = frame::message_send(conversation_id.into(), client_msg_id, text);
        let ack = self.request(&frame).await?;
        self.ack_field(&frame, ack, "message", |ack| ack.message.take())
    }

    /// An agent's private note.
    pub async fn send_note(
        &mut self,
        conversation_id: &ConversationId,
        client_msg_id: &str,
        text: &str,
    ) -> Result<Message, ClientError> {
        let frame = frame::private_note(conversation_id, client_msg_id, text);
        let ack = self.request(&frame).await?;
        self.ack_field(&frame, ack, "message", |ack| ack.message.take())
    }

    /// Sends a frame whose ack carries `conversation` and returns it.
    pub async fn request_conversation(
        &mut self,
        frame: &ClientFrame,
    ) -> Result<Conversation, ClientError> {
        let ack = self.request(frame).await?;
        self.ack_field(frame, ack, "conversation", |ack| ack.conversation.take())
    }

    pub async fn handover(&mut self, id: &ConversationId) -> Result<Conversation, ClientError> {
        self.request_conversation(&frame::handover(id)).await
    }

    pub async fn accept(&mut self, id: &ConversationId) -> Result<Conversation, ClientError> {
        self.request_conversation(&frame::accept(id)).await
    }

    pub async fn resolve(&mut self, id: &ConversationId) -> Result<Conversation, ClientError> {
        self.request_conversation(&frame::resolve(id)).await
    }

    pub async fn unassign(&mut self, id: &ConversationId) -> Result<Conversation, ClientError> {
        self.request_conversation(&frame::unassign(id)).await
    }

    pub async fn subscribe(
        &mut self,
        id: &ConversationId,
        after_seq: Option<u64>,
    ) -> Result<Subscribed, ClientError> {
        let frame = frame::subscribe(id, after_seq);
        let mut ack = self.request(&frame).await?;
        let messages = ack.messages.take().unwrap_or_default();
        let conversation =
            self.ack_field(&frame, ack, "conversation", |ack| ack.conversation.take())?;
        Ok(Subscribed {
            conversation,
            messages,
        })
    }

    pub async fn history(
        &mut self,
        id: &ConversationId,
        after_seq: Option<u64>,
    ) -> Result<MessagePage, ClientError> {
        let frame = frame::history(id, after_seq);
        let ack = self.request(&frame).await?;
        let has_more = ack.has_more.unwrap_or(false);
        let messages = self.ack_field(&frame, ack, "messages", |ack| ack.messages.take())?;
        Ok(MessagePage { messages, has_more })
    }

    pub async fn set_presence(&mut self, status: Presence) -> Result<Agent, ClientError> {
        let frame = frame::presence_set(status);
        let ack = self.request(&frame).await?;
        self.ack_field(&frame, ack, "agent", |ack| ack.agent.take())
    }

    fn ack_field<T>(
        &self,
        frame: &ClientFrame,
        mut ack: Ack,
        field: &'static str,
        take: impl FnOnce(&mut Ack) -> Option<T>,
    ) -> Result<T, ClientError> {
        take(&mut ack).ok_or_else(|| ClientError::MissingField {
            label: self.label.clone(),
            what: describe(frame),
            field,
            frame: Box::new(ServerFrame::Ack(ack)),
        })
    }

    // ---- receiving ----------------------------------------------------------------------

    /// The next frame, buffered or fresh.
    pub async fn next_event(&mut self, timeout: Duration) -> Result<ServerFrame, ClientError> {
        if let Some(frame) = self.buffer.pop_front() {
            return Ok(frame);
        }
        let deadline = Instant::now() + timeout;
        self.read_one(deadline, timeout, "the next frame").await
    }

    /// The first frame matching `pred`, searching the buffer first and then the socket.
    /// The match is removed; everything else stays buffered, in order.
    pub async fn wait_for(
        &mut self,
        pred: impl Fn(&ServerFrame) -> bool,
        timeout: Duration,
    ) -> Result<ServerFrame, ClientError> {
        self.wait_for_described(pred, timeout, "a frame matching the test's predicate")
            .await
    }

    /// [`WsClient::wait_for`] with a description of what is awaited, for the timeout error.
    pub async fn wait_for_described(
        &mut self,
        pred: impl Fn(&ServerFrame) -> bool,
        timeout: Duration,
        what: &str,
    ) -> Result<ServerFrame, ClientError> {
        if let Some(index) = self.buffer.iter().position(&pred)
            && let Some(frame) = self.buffer.remove(index)
        {
            return Ok(frame);
        }
        let deadline = Instant::now() + timeout;
        loop {
            let frame = self.read_one(deadline, timeout, what).await?;
            if pred(&frame) {
                return Ok(frame);
            }
            self.buffer.push_back(frame);
        }
    }

    /// The first `message.created` whose message matches `pred`.
    pub async fn wait_message(
        &mut self,
        pred: impl Fn(&Message) -> bool,
        timeout: Duration,
        what: &str,
    ) -> Result<Message, ClientError> {
        let what = format!("message.created: {what}");
        match self
            .wait_for_described(
                |f| matches!(f, ServerFrame::MessageCreated(m) if pred(&m.message)),
                timeout,
                &what,
            )
            .await?
        {
            ServerFrame::MessageCreated(created) => Ok(created.message),
            other => Err(self.unexpected(format!("{what} was {other:?}"))),
        }
    }

    /// The first `conversation.updated` whose conversation matches `pred`.
    pub async fn wait_conversation(
        &mut self,
        pred: impl Fn(&Conversation) -> bool,
        timeout: Duration,
        what: &str,
    ) -> Result<Conversation, ClientError> {
        let what = format!("conversation.updated: {what}");
        match self
            .wait_for_described(
                |f| matches!(f, ServerFrame::ConversationUpdated(u) if pred(&u.conversation)),
                timeout,
                &what,
            )
            .await?
        {
            ServerFrame::ConversationUpdated(updated) => Ok(updated.conversation),
            other => Err(self.unexpected(format!("{what} was {other:?}"))),
        }
    }

    /// Fails if a frame matching `pred` is buffered or arrives within `duration`. Frames
    /// that do not match are buffered. A connection that closes meanwhile cannot deliver
    /// anything more, so it passes.
    pub async fn assert_nothing(
        &mut self,
        pred: impl Fn(&ServerFrame) -> bool,
        duration: Duration,
    ) -> Result<(), ClientError> {
        if let Some(frame) = self.buffer.iter().find(|f| pred(f)) {
            return Err(self.unexpected(format!(
                "a frame that must not arrive was already received: {frame:?}"
            )));
        }
        let deadline = Instant::now() + duration;
        loop {
            match self.read_one(deadline, duration, "silence").await {
                Ok(frame) if pred(&frame) => {
                    return Err(self.unexpected(format!(
                        "a frame that must not arrive arrived within {duration:?}: {frame:?}"
                    )));
                }
                Ok(frame) => self.buffer.push_back(frame),
                Err(ClientError::Timeout { .. } | ClientError::Closed { .. }) => return Ok(()),
                Err(other) => return Err(other),
            }
        }
    }

    /// Reads into the buffer for `duration`, or until the connection closes.
    pub async fn pump(&mut self, duration: Duration) -> Result<(), ClientError> {
        self.assert_nothing(|_| false, duration).await
    }

    /// Waits for the connection to be closed and returns the close code (`None` if it ended
    /// without one). Frames read meanwhile are buffered.
    pub async fn expect_close(&mut self, timeout: Duration) -> Result<Option<u16>, ClientError> {
        let deadline = Instant::now() + timeout;
        loop {
            match self
                .read_one(deadline, timeout, "the connection to close")
                .await
            {
                Ok(frame) => self.buffer.push_back(frame),
                Err(ClientError::Closed { code, .. }) => return Ok(code),
                Err(other) => return Err(other),
            }
        }
    }

    /// How the connection ended, if it has (as far as this client has read).
    pub fn closed(&self) -> Option<&Closed> {
        self.closed.as_ref()
    }

    /// Frames read but not yet consumed, oldest first.
    pub fn buffered(&self) -> &VecDeque<ServerFrame> {
        &self.buffer
    }

    /// Empties the buffer and returns what was in it.
    pub fn take_buffered(&mut self) -> Vec<ServerFrame> {
        self.buffer.drain(..).collect()
    }

    /// Reads one server frame from the socket, skipping control frames.
    async fn read_one(
        &mut self,
        deadline: Instant,
        timeout: Duration,
        what: &str,
    ) -> Result<ServerFrame, ClientError> {
        loop {
            if let Some(closed) = &self.closed {
                return Err(ClientError::Closed {
                    label: self.label.clone(),
                    what: what.to_owned(),
                    code: closed.code,
                    detail: closed.detail.clone(),
                });
            }
            let next = match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Ok(next) => next,
                Err(_) => {
                    return Err(ClientError::Timeout {
                        label: self.label.clone(),
                        what: what.to_owned(),
                        timeout,
                    });
                }
            };
            match next {
                None => self.mark_closed(None, "end of stream".to_owned()),
                Some(Err(error)) => self.mark_closed(None, error.to_string()),
                Some(Ok(WsMessage::Close(close))) => {
                    let (code, reason) = match close {
                        Some(close) => (Some(u16::from(close.code)), close.reason.to_string()),
                        None => (None, "close frame without a code".to_owned()),
                    };
                    self.mark_closed(code, reason);
                }
                Some(Ok(WsMessage::Text(text))) => {
                    return serde_json::from_str::<ServerFrame>(text.as_str()).map_err(|error| {
                        ClientError::BadFrame {
                            label: self.label.clone(),
                            reason: error.to_string(),
                            text: text.to_string(),
                        }
                    });
                }
                Some(Ok(WsMessage::Binary(bytes))) => {
                    return Err(ClientError::BadFrame {
                        label: self.label.clone(),
                        reason: "a binary frame; the contract speaks text frames".to_owned(),
                        text: String::from_utf8_lossy(&bytes).into_owned(),
                    });
                }
                // Pings are answered by tungstenite itself; pongs and raw frames mean nothing here.
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_))) => {}
            }
        }
    }

    fn mark_closed(&mut self, code: Option<u16>, detail: String) {
        // The first close is the one that counts: a reset after a close frame changes nothing.
        if self.closed.is_none() {
            self.closed = Some(Closed { code, detail });
        }
    }

    fn unexpected(&self, message: String) -> ClientError {
        ClientError::Unexpected {
            label: self.label.clone(),
            message,
        }
    }
}

/// Whether `frame` is the `ack` or `error` answering `req`.
pub fn is_answer_to(frame: &ServerFrame, req: &str) -> bool {
    match frame {
        ServerFrame::Ack(ack) => ack.req == req,
        ServerFrame::Error(error) => error.req.as_deref() == Some(req),
        _ => false,
    }
}

/// "`conversation.accept` req r12", for error messages.
fn describe(frame: &ClientFrame) -> String {
    match frame.req() {
        Some(req) => format!("`{}` req {req}", frame.type_name()),
        None => format!("`{}`", frame.type_name()),
    }
}

#[cfg(test)]
mod tests {
    //! The client against a scripted in-process server: buffering, matching and close codes.

    use super::*;
    use tokio::net::TcpListener;
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

    /// A server that answers the first client frame with `script`, then closes with `close`.
    async fn scripted(script: Vec<String>, close: u16) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.expect("accept");
            let mut ws = tokio_tungstenite::accept_async(tcp)
                .await
                .expect("handshake");
            let _ = ws.next().await;
            for text in script {
                ws.send(WsMessage::text(text)).await.expect("send");
            }
            let frame = CloseFrame {
                code: CloseCode::from(close),
                reason: "bye".into(),
            };
            let _ = ws.send(WsMessage::Close(Some(frame))).await;
            while let Some(Ok(_)) = ws.next().await {}
        });
        format!("http://{address}")
    }

    #[test]
    fn ws_url_is_derived_from_the_http_base() {
        assert_eq!(ws_url("http://127.0.0.1:1/"), "ws://127.0.0.1:1/v1/ws");
        assert_eq!(ws_url("https://example.com"), "wss://example.com/v1/ws");
    }

    #[tokio::test]
    async fn request_buffers_events_that_arrive_before_its_answer() {
        let req = "r-test-1";
        let event = r#"{"type":"presence","agent_id":"a1","presence":"online","connected":true}"#;
        let url = scripted(
            vec![
                event.to_owned(),
                format!(r#"{{"type":"error","req":"other","code":"conflict","message":"x"}}"#),
                format!(r#"{{"type":"ack","req":"{req}"}}"#),
            ],
            4001,
        )
        .await;
        let mut client = WsClient::connect(&url).await.expect("connect");
        let frame = ClientFrame::Unsubscribe(ConversationRef {
            req: req.to_owned(),
            conversation_id: "c1".into(),
        });
        let ack = client.request(&frame).await.expect("ack");
        assert_eq!(ack.req, req);
        assert_eq!(
            client.buffered().len(),
            2,
            "the event and the other error are kept"
        );
        client
            .assert_nothing(
                |f| matches!(f, ServerFrame::Presence(_)),
                Duration::from_millis(10),
            )
            .await
            .expect_err("a buffered match fails assert_nothing");
        let presence = client
            .wait_for(
                |f| matches!(f, ServerFrame::Presence(_)),
                Duration::from_millis(10),
            )
            .await
            .expect("found in the buffer");
        assert!(matches!(presence, ServerFrame::Presence(_)));
        let code = client
            .expect_close(Duration::from_secs(2))
            .await
            .expect("closed");
        assert_eq!(code, Some(4001));
        let after = client.next_event(Duration::from_millis(10)).await;
        assert!(
            matches!(after, Ok(ServerFrame::Error(_))),
            "still buffered: {after:?}"
        );
        let closed = client.next_event(Duration::from_millis(10)).await;
        assert!(
            matches!(
                closed,
                Err(ClientError::Closed {
                    code: Some(4001),
                    ..
                })
            ),
            "{closed:?}"
        );
    }

    #[tokio::test]
    async fn a_refusal_carries_the_error_code_and_a_timeout_says_what_was_awaited() {
        let url = scripted(
            vec![
                r#"{"type":"error","req":"r-test-2","code":"not_found","message":"no"}"#.to_owned(),
            ],
            1000,
        )
        .await;
        let mut client = WsClient::connect(&url)
            .await
            .expect("connect")
            .with_label("tester");
        let frame = ClientFrame::Resolve(ConversationRef {
            req: "r-test-2".to_owned(),
            conversation_id: "c1".into(),
        });
        let error = client.request(&frame).await.expect_err("refused");
        assert_eq!(error.code(), Some(ErrorCode::NotFound));
        let timeout = client
            .wait_for(|_| false, Duration::from_millis(20))
            .await
            .expect_err("nothing matches");
        let text = timeout.to_string();
        assert!(
            text.contains("tester") && text.contains("predicate"),
            "{text}"
        );
    }
}
