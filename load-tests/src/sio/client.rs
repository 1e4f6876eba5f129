//! [`SioClient`]: one Socket.IO v5 connection over engine.io v4's WebSocket transport
//! (`/socket.io/?EIO=4&transport=websocket`, no long-polling first), as a load generator needs
//! it: cheap, bound to a chosen local IP, and usable inside `tokio::select!`.
//!
//! Reading is split in two so a task can wait on the socket and on a timer at once:
//! [`SioClient::read`] only takes the next WebSocket message off the stream (cancel-safe), and
//! [`SioClient::handle`] interprets it (answering pings, which writes). [`SioClient::recv`]
//! does both for code that has nothing else to wait on.

use super::error::SioError;
use super::packet::{self, EnginePacket, OpenInfo, SocketPacket};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};

/// How long connecting (TCP, WebSocket handshake, engine.io open, socket.io connect) and each
/// setup round trip may take.
pub const SETUP_TIMEOUT: Duration = Duration::from_secs(20);

/// The peer's messages are a few hundred bytes: a small read buffer keeps 10,000 client
/// connections cheap in the load generator itself (tungstenite's default is 128 KiB each).
const READ_BUFFER_BYTES: usize = 4096;

/// What arrived on a connection, once pings and pongs are dealt with.
#[derive(Clone, Debug, PartialEq)]
pub enum Incoming {
    /// An event the server emitted to this socket.
    Event {
        name: String,
        args: Vec<Value>,
        ack: Option<u64>,
    },
    /// The server's answer to one of our events with an ack id.
    Ack { id: u64, args: Vec<Value> },
}

/// One connected socket.io socket (namespace `/`).
pub struct SioClient {
    ws: WebSocketStream<TcpStream>,
    label: String,
    open: OpenInfo,
    sid: String,
    next_ack: u64,
}

/// Where to connect: `http://127.0.0.1:PORT` → the address to dial. The host must be an IP
/// literal (the peer listens on loopback; no resolver in the measured path).
pub fn server_addr(url: &str) -> Result<SocketAddr, SioError> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("ws://"))
        .unwrap_or(url);
    let host_port = rest.split('/').next().unwrap_or_default();
    host_port.parse().map_err(|_| {
        SioError::Params(format!(
            "{url:?} is not http://IP:PORT (the Socket.IO peer is dialled by address)"
        ))
    })
}

impl SioClient {
    /// Connects to the server at `server`, from `local_ip` when given (so 10,000 connections
    /// can spread over 127.0.0.2–127.0.0.9 instead of exhausting one source address's
    /// ports), and performs the socket.io connect with `auth: {id}`.
    pub async fn connect(
        server: SocketAddr,
        local_ip: Option<IpAddr>,
        id: &str,
    ) -> Result<SioClient, SioError> {
        let label = format!("sio {id}");
        let connecting = Self::connect_inner(server, local_ip, id, label.clone());
        tokio::time::timeout(SETUP_TIMEOUT, connecting)
            .await
            .map_err(|_| SioError::Timeout {
                label,
                what: format!("connecting to {server}"),
                timeout: SETUP_TIMEOUT,
            })?
    }

    async fn connect_inner(
        server: SocketAddr,
        local_ip: Option<IpAddr>,
        id: &str,
        label: String,
    ) -> Result<SioClient, SioError> {
        let io_err = |what: &str, source| SioError::Io {
            label: label.clone(),
            what: what.to_owned(),
            source,
        };
        let socket = if server.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .map_err(|e| io_err("creating a socket", e))?;
        if let Some(ip) = local_ip {
            socket
                .bind(SocketAddr::new(ip, 0))
                .map_err(|e| io_err(&format!("binding {ip}"), e))?;
        }
        let stream = socket
            .connect(server)
            .await
            .map_err(|e| io_err(&format!("connecting to {server}"), e))?;
        stream
            .set_nodelay(true)
            .map_err(|e| io_err("setting TCP_NODELAY", e))?;

        let url = format!("ws://{server}/socket.io/?EIO=4&transport=websocket");
        let config = WebSocketConfig::default()
            .read_buffer_size(READ_BUFFER_BYTES)
            .write_buffer_size(0);
        let (ws, _response) =
            tokio_tungstenite::client_async_with_config(url.as_str(), stream, Some(config))
                .await
                .map_err(|source| SioError::Ws {
                    label: label.clone(),
                    what: "the WebSocket handshake".to_owned(),
                    source: Box::new(source),
                })?;

        let mut client = SioClient {
            ws,
            label,
            open: OpenInfo {
                sid: String::new(),
                ping_interval: 0,
                ping_timeout: 0,
                max_payload: 0,
            },
            sid: String::new(),
            next_ack: 0,
        };
        // engine.io first: the server opens the session.
        let text = client
            .read_text("waiting for the engine.io open packet")
            .await?;
        match packet::decode_engine(&text).map_err(|e| client.packet_error(e))? {
            EnginePacket::Open(open) => client.open = open,
            other => {
                return Err(
                    client.unexpected(format!("expected the engine.io open packet, got {other:?}"))
                );
            }
        }
        // Then socket.io: connect to `/` with our id, answered by `40{"sid":...}`.
        client
            .send_text(packet::encode_connect(&serde_json::json!({ "id": id })))
            .await?;
        loop {
            let text = client
                .read_text("waiting for the socket.io connect")
                .await?;
            let EnginePacket::Message(inner) =
                packet::decode_engine(&text).map_err(|e| client.packet_error(e))?
            else {
                // A ping this early is possible with a short ping interval; nothing else is.
                client.handle_control(&text).await?;
                continue;
            };
            match packet::decode_socket(inner).map_err(|e| client.packet_error(e))? {
                SocketPacket::Connect { sid } => {
                    client.sid = sid;
                    return Ok(client);
                }
                SocketPacket::ConnectError { message } => {
                    return Err(SioError::Refused {
                        label: client.label,
                        message,
                    });
                }
                other => {
                    return Err(
                        client.unexpected(format!("expected the connect answer, got {other:?}"))
                    );
                }
            }
        }
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// The socket.io socket id the server gave this connection.
    pub fn sid(&self) -> &str {
        &self.sid
    }

    /// The engine.io session as the server opened it (ping timing, payload limit).
    pub fn open_info(&self) -> &OpenInfo {
        &self.open
    }

    /// Emits `name` with one data argument and an ack id, which is returned; the answer
    /// arrives later as [`Incoming::Ack`] with that id.
    pub async fn emit_with_ack(&mut self, name: &str, data: &Value) -> Result<u64, SioError> {
        let id = self.next_ack;
        self.next_ack += 1;
        self.send_text(packet::encode_event(name, data, Some(id)))
            .await?;
        Ok(id)
    }

    /// Emits `name` with an ack id and waits for the answer, which must be `{ok: true}`.
    /// For setup steps (`join`): anything else arriving meanwhile is an error.
    pub async fn call(&mut self, name: &str, data: &Value) -> Result<(), SioError> {
        let id = self.emit_with_ack(name, data).await?;
        let waiting = async {
            match self.recv().await? {
                Incoming::Ack { id: got, args } if got == id => self.check_ok(name, &args),
                other => Err(self.unexpected(format!(
                    "while waiting for the ack of `{name}`, got {other:?}"
                ))),
            }
        };
        tokio::time::timeout(SETUP_TIMEOUT, waiting)
            .await
            .map_err(|_| SioError::Timeout {
                label: self.label.clone(),
                what: format!("waiting for the ack of `{name}`"),
                timeout: SETUP_TIMEOUT,
            })?
    }

    /// The peer answers every event with `{ok: true}` or `{ok: false, error}`.
    pub fn check_ok(&self, name: &str, args: &[Value]) -> Result<(), SioError> {
        let ok = args
            .first()
            .and_then(|a| a.get("ok"))
            .and_then(Value::as_bool);
        if ok == Some(true) {
            Ok(())
        } else {
            Err(self.unexpected(format!("`{name}` was refused: {args:?}")))
        }
    }

    /// The next WebSocket message. Cancel-safe: use it as a `tokio::select!` branch and pass
    /// the result to [`SioClient::handle`].
    pub async fn read(&mut self) -> Option<Result<WsMessage, tungstenite::Error>> {
        self.ws.next().await
    }

    /// Interprets what [`SioClient::read`] returned: answers a ping (`None`), returns an
    /// event or ack, and turns a close or a server-side disconnect into an error.
    pub async fn handle(
        &mut self,
        read: Option<Result<WsMessage, tungstenite::Error>>,
    ) -> Result<Option<Incoming>, SioError> {
        let text = match read {
            None => return Err(self.closed("reading")),
            Some(Err(source)) => {
                return Err(SioError::Ws {
                    label: self.label.clone(),
                    what: "reading".to_owned(),
                    source: Box::new(source),
                });
            }
            Some(Ok(WsMessage::Text(text))) => text,
            Some(Ok(WsMessage::Close(_))) => return Err(self.closed("reading")),
            // tungstenite answers WebSocket pings itself; engine.io pings are text.
            Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_))) => {
                return Ok(None);
            }
            Some(Ok(WsMessage::Binary(_))) => {
                return Err(self.unexpected("a binary message (the peer sends none)".to_owned()));
            }
        };
        let EnginePacket::Message(inner) =
            packet::decode_engine(&text).map_err(|e| self.packet_error(e))?
        else {
            self.handle_control(&text).await?;
            return Ok(None);
        };
        match packet::decode_socket(inner).map_err(|e| self.packet_error(e))? {
            SocketPacket::Event { name, args, ack } => {
                Ok(Some(Incoming::Event { name, args, ack }))
            }
            SocketPacket::Ack { id, args } => Ok(Some(Incoming::Ack { id, args })),
            SocketPacket::Disconnect => Err(self.closed("the server disconnected the socket")),
            other => Err(self.unexpected(format!("an unexpected packet {other:?}"))),
        }
    }

    /// The next event or ack, answering pings on the way.
    pub async fn recv(&mut self) -> Result<Incoming, SioError> {
        loop {
            let read = self.read().await;
            if let Some(incoming) = self.handle(read).await? {
                return Ok(incoming);
            }
        }
    }

    /// Leaves politely: socket.io disconnect, then the WebSocket close handshake.
    pub async fn close(mut self) -> Result<(), SioError> {
        self.send_text(packet::DISCONNECT.to_owned()).await?;
        self.ws.close(None).await.map_err(|source| SioError::Ws {
            label: self.label.clone(),
            what: "closing".to_owned(),
            source: Box::new(source),
        })
    }

    /// engine.io control packets: ping → pong, close → error, the rest ignored.
    async fn handle_control(&mut self, text: &str) -> Result<(), SioError> {
        match packet::decode_engine(text).map_err(|e| self.packet_error(e))? {
            EnginePacket::Ping => self.send_text(packet::PONG.to_owned()).await,
            EnginePacket::Close => Err(self.closed("the server closed the engine.io session")),
            EnginePacket::Pong | EnginePacket::Noop | EnginePacket::Upgrade => Ok(()),
            other => Err(self.unexpected(format!("an unexpected engine.io packet {other:?}"))),
        }
    }

    async fn read_text(&mut self, what: &str) -> Result<String, SioError> {
        loop {
            match self.ws.next().await {
                None | Some(Ok(WsMessage::Close(_))) => return Err(self.closed(what)),
                Some(Err(source)) => {
                    return Err(SioError::Ws {
                        label: self.label.clone(),
                        what: what.to_owned(),
                        source: Box::new(source),
                    });
                }
                Some(Ok(WsMessage::Text(text))) => return Ok(text.as_str().to_owned()),
                Some(Ok(_)) => continue,
            }
        }
    }

    async fn send_text(&mut self, text: String) -> Result<(), SioError> {
        self.ws
            .send(WsMessage::text(text))
            .await
            .map_err(|source| SioError::Ws {
                label: self.label.clone(),
                what: "sending".to_owned(),
                source: Box::new(source),
            })
    }

    fn packet_error(&self, source: packet::PacketError) -> SioError {
        SioError::Packet {
            label: self.label.clone(),
            source,
        }
    }

    fn unexpected(&self, message: String) -> SioError {
        SioError::Unexpected {
            label: self.label.clone(),
            message,
        }
    }

    fn closed(&self, what: &str) -> SioError {
        SioError::Closed {
            label: self.label.clone(),
            what: what.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_dialled_by_address() {
        let addr: SocketAddr = "127.0.0.1:4000".parse().expect("addr");
        assert_eq!(server_addr("http://127.0.0.1:4000").ok(), Some(addr));
        assert_eq!(server_addr("http://127.0.0.1:4000/").ok(), Some(addr));
        assert_eq!(
            server_addr("ws://127.0.0.1:4000/socket.io").ok(),
            Some(addr)
        );
        assert!(server_addr("http://localhost:4000").is_err());
    }
}
