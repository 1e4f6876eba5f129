//! The two text encodings a Socket.IO client speaks over one WebSocket, as pure functions so
//! they can be tested without a server.
//!
//! - engine.io v4 (the transport): each WebSocket text message is one packet, a type digit
//!   then its data: `0{open json}`, `1` close, `2` ping, `3` pong, `4<socket.io packet>`,
//!   `5` upgrade, `6` noop. The *server* pings; the client answers each `2` with `3`.
//! - socket.io v5 (inside engine.io's `4`): a type digit, then an optional namespace
//!   (`/nsp,`, omitted for `/`), an optional ack id (digits), an optional JSON payload:
//!   `0{auth}` connect, `1` disconnect, `2<id>["event",data]` event, `3<id>[args]` ack,
//!   `4{"message":...}` connect error. Binary packets (5, 6) are not used by the peer and
//!   are rejected rather than misread.

use serde_json::Value;

/// The server's `open` packet: what the handshake negotiated.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenInfo {
    pub sid: String,
    /// Milliseconds between the server's pings.
    pub ping_interval: u64,
    /// Milliseconds the server waits for our pong before closing.
    pub ping_timeout: u64,
    /// The largest payload the server accepts, in bytes.
    #[serde(default)]
    pub max_payload: u64,
}

/// One engine.io packet, borrowing the message text it came from.
#[derive(Clone, Debug, PartialEq)]
pub enum EnginePacket<'a> {
    Open(OpenInfo),
    Close,
    Ping,
    Pong,
    /// A socket.io packet (still encoded; see [`decode_socket`]).
    Message(&'a str),
    Upgrade,
    Noop,
}

/// One socket.io packet of the default namespace `/` (the only one the peer serves).
#[derive(Clone, Debug, PartialEq)]
pub enum SocketPacket {
    /// The server accepted the connect; its payload carries the socket's `sid`.
    Connect { sid: String },
    /// The server disconnected this socket from the namespace.
    Disconnect,
    /// `socket.emit(name, data...)` from the server; `ack` is set when it wants an answer.
    Event {
        name: String,
        args: Vec<Value>,
        ack: Option<u64>,
    },
    /// The server's answer to one of our events.
    Ack { id: u64, args: Vec<Value> },
    /// The server refused the connect (a middleware called `next(err)`).
    ConnectError { message: String },
}

/// Why a text could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: {text:?}")]
pub struct PacketError {
    pub reason: String,
    /// The offending text, cut to 200 characters.
    pub text: String,
}

fn bad(reason: impl Into<String>, text: &str) -> PacketError {
    PacketError {
        reason: reason.into(),
        text: text.chars().take(200).collect(),
    }
}

/// Decodes one engine.io packet (one WebSocket text message).
pub fn decode_engine(text: &str) -> Result<EnginePacket<'_>, PacketError> {
    let mut chars = text.chars();
    let kind = chars
        .next()
        .ok_or_else(|| bad("empty engine.io packet", text))?;
    let data = chars.as_str();
    match kind {
        '0' => serde_json::from_str(data)
            .map(EnginePacket::Open)
            .map_err(|e| bad(format!("engine.io open packet: {e}"), text)),
        '1' => Ok(EnginePacket::Close),
        '2' => Ok(EnginePacket::Ping),
        '3' => Ok(EnginePacket::Pong),
        '4' => Ok(EnginePacket::Message(data)),
        '5' => Ok(EnginePacket::Upgrade),
        '6' => Ok(EnginePacket::Noop),
        _ => Err(bad("unknown engine.io packet type", text)),
    }
}

/// The engine.io pong that answers a server ping.
pub const PONG: &str = "3";

/// The socket.io connect packet for namespace `/` with an `auth` payload, wrapped in
/// engine.io's message type: `40{auth}`.
pub fn encode_connect(auth: &Value) -> String {
    format!("40{auth}")
}

/// The socket.io disconnect packet for namespace `/`: `41`.
pub const DISCONNECT: &str = "41";

/// `socket.emit(name, data)` with an ack id, wrapped in engine.io's message type:
/// `42<ack>["name",data]`.
pub fn encode_event(name: &str, data: &Value, ack: Option<u64>) -> String {
    // `Value`'s Display is compact JSON; the name is escaped as a JSON string.
    let name = Value::String(name.to_owned());
    match ack {
        Some(id) => format!("42{id}[{name},{data}]"),
        None => format!("42[{name},{data}]"),
    }
}

/// Decodes the socket.io packet inside an engine.io message (the text after the `4`).
pub fn decode_socket(text: &str) -> Result<SocketPacket, PacketError> {
    let mut chars = text.chars();
    let kind = chars
        .next()
        .ok_or_else(|| bad("empty socket.io packet", text))?;
    let mut rest = chars.as_str();
    if matches!(kind, '5' | '6') {
        return Err(bad("binary socket.io packets are not supported", text));
    }
    // A namespace other than `/` is announced as `/name,`; the peer serves only `/`.
    if rest.starts_with('/') {
        let comma = rest
            .find(',')
            .ok_or_else(|| bad("namespace without a comma", text))?;
        let namespace = &rest[..comma];
        if namespace != "/" {
            return Err(bad(format!("a packet for namespace {namespace}"), text));
        }
        rest = &rest[comma + 1..];
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let id = if digits == 0 {
        None
    } else {
        Some(
            rest[..digits]
                .parse::<u64>()
                .map_err(|_| bad("ack id out of range", text))?,
        )
    };
    let json = &rest[digits..];
    let payload: Option<Value> = if json.is_empty() {
        None
    } else {
        Some(serde_json::from_str(json).map_err(|e| bad(format!("socket.io payload: {e}"), text))?)
    };
    match kind {
        '0' => {
            let sid = payload
                .as_ref()
                .and_then(|p| p.get("sid"))
                .and_then(Value::as_str)
                .ok_or_else(|| bad("connect packet without a sid", text))?;
            Ok(SocketPacket::Connect {
                sid: sid.to_owned(),
            })
        }
        '1' => Ok(SocketPacket::Disconnect),
        '2' => {
            let Some(Value::Array(mut args)) = payload else {
                return Err(bad("event payload is not an array", text));
            };
            if args.is_empty() {
                return Err(bad("event without a name", text));
            }
            let Value::String(name) = args.remove(0) else {
                return Err(bad("event name is not a string", text));
            };
            Ok(SocketPacket::Event {
                name,
                args,
                ack: id,
            })
        }
        '3' => {
            let id = id.ok_or_else(|| bad("ack without an id", text))?;
            let Some(Value::Array(args)) = payload else {
                return Err(bad("ack payload is not an array", text));
            };
            Ok(SocketPacket::Ack { id, args })
        }
        '4' => {
            let message = match &payload {
                Some(Value::Object(o)) => o
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            Ok(SocketPacket::ConnectError { message })
        }
        _ => Err(bad("unknown socket.io packet type", text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_open_packet_gives_the_session_and_ping_timing() {
        let text = r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
        let EnginePacket::Open(open) = decode_engine(text).expect("open") else {
            panic!("not an open packet");
        };
        assert_eq!(open.sid, "lv_VI97HAXpY6yYWAAAC");
        assert_eq!((open.ping_interval, open.ping_timeout), (25000, 20000));
        assert_eq!(open.max_payload, 1_000_000);
        assert!(decode_engine(r#"0{"sid":1}"#).is_err());
    }

    #[test]
    fn engine_control_packets_and_messages_are_told_apart() {
        assert_eq!(decode_engine("2"), Ok(EnginePacket::Ping));
        assert_eq!(decode_engine("3"), Ok(EnginePacket::Pong));
        assert_eq!(decode_engine("1"), Ok(EnginePacket::Close));
        assert_eq!(decode_engine("6"), Ok(EnginePacket::Noop));
        assert_eq!(
            decode_engine("42[\"a\"]"),
            Ok(EnginePacket::Message("2[\"a\"]"))
        );
        assert!(decode_engine("").is_err());
        assert!(decode_engine("9").is_err());
    }

    #[test]
    fn connect_and_events_are_encoded_as_the_server_expects() {
        assert_eq!(encode_connect(&json!({"id": "u1"})), r#"40{"id":"u1"}"#);
        assert_eq!(
            encode_event("msg", &json!({"room": "r", "text": "hi"}), Some(12)),
            r#"4212["msg",{"room":"r","text":"hi"}]"#
        );
        assert_eq!(
            encode_event("join", &json!({"room": "r"}), None),
            r#"42["join",{"room":"r"}]"#
        );
        assert_eq!(encode_event("a\"b", &json!("x"), None), r#"42["a\"b","x"]"#);
    }

    #[test]
    fn socket_packets_decode_with_and_without_ack_ids() {
        assert_eq!(
            decode_socket(r#"0{"sid":"abc"}"#),
            Ok(SocketPacket::Connect { sid: "abc".into() })
        );
        assert_eq!(
            decode_socket(r#"2["msg",{"text":"p:1:2:3:4"}]"#),
            Ok(SocketPacket::Event {
                name: "msg".into(),
                args: vec![json!({"text": "p:1:2:3:4"})],
                ack: None,
            })
        );
        assert_eq!(
            decode_socket(r#"27["ask",1,2]"#),
            Ok(SocketPacket::Event {
                name: "ask".into(),
                args: vec![json!(1), json!(2)],
                ack: Some(7),
            })
        );
        assert_eq!(
            decode_socket(r#"312[{"ok":true}]"#),
            Ok(SocketPacket::Ack {
                id: 12,
                args: vec![json!({"ok": true})],
            })
        );
        assert_eq!(decode_socket("1"), Ok(SocketPacket::Disconnect));
        assert_eq!(
            decode_socket(r#"4{"message":"auth.id is required"}"#),
            Ok(SocketPacket::ConnectError {
                message: "auth.id is required".into()
            })
        );
    }

    #[test]
    fn the_default_namespace_prefix_is_accepted_and_others_are_refused() {
        assert_eq!(
            decode_socket(r#"2/,["msg",1]"#),
            Ok(SocketPacket::Event {
                name: "msg".into(),
                args: vec![json!(1)],
                ack: None,
            })
        );
        assert!(decode_socket(r#"2/admin,["msg",1]"#).is_err());
    }

    #[test]
    fn malformed_socket_packets_are_errors_not_guesses() {
        for text in [
            "",
            "0",
            r#"0{"nosid":1}"#,
            r#"2{"not":"array"}"#,
            "2[]",
            "2[1]",
            "3[true]",
            "35",
            r#"51-["bin",{"_placeholder":true,"num":0}]"#,
            "2[\"unterminated",
            "9",
        ] {
            assert!(decode_socket(text).is_err(), "{text:?} decoded");
        }
    }
}
