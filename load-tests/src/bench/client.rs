//! The lean socket the workloads open by the thousand: one TCP connection bound to a chosen
//! loopback address (127.0.0.2–127.0.0.9, so ten thousand connections do not exhaust the
//! ephemeral ports of one address pair), small tungstenite buffers, and a frame decoder that
//! reads only the fields a workload looks at. Unlike [`crate::WsClient`] it keeps nothing: a
//! workload sees each frame once and counts it.

use super::error::{BenchError, Result};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{WebSocketStream, client_async_with_config};

pub type Ws = WebSocketStream<TcpStream>;
pub type WsSink = SplitSink<Ws, Message>;
pub type WsStream = SplitStream<Ws>;

/// How long connecting and authenticating one socket may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// The `index`-th client address: 127.0.0.2 … 127.0.0.9 in turn.
pub fn local_ip(index: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 0, 2 + (index % 8) as u8)
}

/// `ws://HOST:PORT/PATH` → the socket address (the cluster is always on 127.0.0.1).
fn socket_addr(ws_url: &str) -> Result<SocketAddr> {
    let rest = ws_url
        .strip_prefix("ws://")
        .ok_or_else(|| BenchError::socket("connect", format!("not a ws:// url: {ws_url}")))?;
    let host_port = rest.split('/').next().unwrap_or(rest);
    host_port
        .parse()
        .map_err(|err| BenchError::socket("connect", format!("{ws_url}: {err}")))
}

/// Opens a WebSocket to `ws_url` from `local` (any port).
pub async fn connect(ws_url: &str, local: Ipv4Addr) -> Result<Ws> {
    let addr = socket_addr(ws_url)?;
    let open = async {
        let socket = TcpSocket::new_v4().map_err(|err| BenchError::socket("socket", err))?;
        socket
            .bind(SocketAddr::new(local.into(), 0))
            .map_err(|err| BenchError::socket(format!("bind {local}"), err))?;
        let stream = socket
            .connect(addr)
            .await
            .map_err(|err| BenchError::socket(format!("connect {addr} from {local}"), err))?;
        let _ = stream.set_nodelay(true);
        // Client memory matters at 10,000 sockets: 4 KiB buffers instead of 128 KiB.
        let config = WebSocketConfig::default()
            .read_buffer_size(4096)
            .write_buffer_size(0);
        let (ws, _) = client_async_with_config(ws_url, stream, Some(config))
            .await
            .map_err(|err| BenchError::socket(format!("upgrade {ws_url}"), err))?;
        Ok(ws)
    };
    tokio::time::timeout(CONNECT_TIMEOUT, open)
        .await
        .map_err(|_| BenchError::socket("connect", format!("{ws_url}: timed out")))?
}

/// Connects and authenticates; answers once `welcome` has arrived.
pub async fn connect_authed(ws_url: &str, local: Ipv4Addr, token: &str) -> Result<Ws> {
    let mut ws = connect(ws_url, local).await?;
    let auth = serde_json::json!({"type": "auth", "token": token}).to_string();
    ws.send(Message::text(auth))
        .await
        .map_err(|err| BenchError::socket("auth", err))?;
    let welcome = async {
        while let Some(frame) = ws.next().await {
            let frame = frame.map_err(|err| BenchError::socket("auth", err))?;
            if let Some(incoming) = decode(&frame) {
                match incoming.kind.as_str() {
                    "welcome" => return Ok(()),
                    "error" => {
                        return Err(BenchError::socket(
                            "auth",
                            format!("refused: {:?}", incoming.code),
                        ));
                    }
                    _ => {}
                }
            }
        }
        Err(BenchError::socket("auth", "closed before welcome"))
    };
    tokio::time::timeout(CONNECT_TIMEOUT, welcome)
        .await
        .map_err(|_| BenchError::socket("auth", "no welcome in time"))??;
    Ok(ws)
}

/// Sends one JSON frame.
pub async fn send_json(sink: &mut WsSink, value: &serde_json::Value) -> Result<()> {
    sink.send(Message::text(value.to_string()))
        .await
        .map_err(|err| BenchError::socket("send", err))
}

/// Sends one JSON frame on an unsplit socket.
pub async fn send_json_ws(ws: &mut Ws, value: &serde_json::Value) -> Result<()> {
    ws.send(Message::text(value.to_string()))
        .await
        .map_err(|err| BenchError::socket("send", err))
}

/// Reads frames until the answer to `req` (an `ack` or an `error`) arrives; other frames are
/// passed to `other`. For setup steps, not for the measured window.
pub async fn await_answer(
    ws: &mut Ws,
    req: &str,
    mut other: impl FnMut(Incoming),
) -> Result<Incoming> {
    let wait = async {
        while let Some(frame) = ws.next().await {
            let frame = frame.map_err(|err| BenchError::socket(format!("awaiting {req}"), err))?;
            let Some(incoming) = decode(&frame) else {
                continue;
            };
            if incoming.req.as_deref() == Some(req) {
                return Ok(incoming);
            }
            other(incoming);
        }
        Err(BenchError::socket(
            format!("awaiting {req}"),
            "the socket closed",
        ))
    };
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .map_err(|_| BenchError::socket(format!("awaiting {req}"), "no answer in 60 s"))?
}

/// The fields of a server frame that workloads look at; everything else is skipped.
#[derive(Debug, Deserialize)]
pub struct Incoming {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub req: Option<String>,
    /// An `error` frame's code.
    #[serde(default)]
    pub code: Option<String>,
    /// `message.created`'s message, a `message.send` ack's message, or an error's text.
    #[serde(default)]
    pub message: Option<MessageField>,
    #[serde(default)]
    pub conversation: Option<InConversation>,
    #[serde(default)]
    pub conversation_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum MessageField {
    Message(InMessage),
    Text(String),
}

#[derive(Debug, Deserialize)]
pub struct InMessage {
    pub conversation_id: String,
    pub seq: u64,
    pub text: String,
}

#[derive(Debug, Deserialize)]
pub struct InConversation {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub last_seq: u64,
}

impl Incoming {
    /// The message of a `message.created` or of a `message.send` ack.
    pub fn chat_message(&self) -> Option<&InMessage> {
        match &self.message {
            Some(MessageField::Message(message)) => Some(message),
            _ => None,
        }
    }
}

/// A text frame decoded; `None` for control frames and anything that is not a server frame.
pub fn decode(frame: &Message) -> Option<Incoming> {
    match frame {
        Message::Text(text) => serde_json::from_str(text.as_str()).ok(),
        _ => None,
    }
}
