//! [`WsClient`]: one WebSocket connection to `GET /v1/ws`, speaking typed frames.
//!
//! The client reads the socket only when asked to (there is no background task), and every
//! frame it reads while looking for something else goes into a buffer. That is what makes
//! tests deterministic: a `request` that meets three events before its `ack` leaves those
//! events for the next `wait_for`, and `assert_nothing` can look at everything that arrived.
//! Every read has a deadline; running out of time is an error that says what was awaited.
//!
//! This file holds the connection itself (connect, auth, label, timeout); the rest of
//! [`WsClient`]'s methods live by concern in `send.rs` (frames out, raw input, close),
//! `request.rs` (requests matched to their answer by `req`, and the typed helpers) and
//! `receive.rs` (the buffer, waits with deadlines, `assert_nothing`, close codes).

mod receive;
mod request;
mod send;
#[cfg(test)]
mod tests;

use crate::error::ClientError;
use crate::frame;
use std::collections::VecDeque;
use std::time::Duration;
use switchboard_protocol::*;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
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
