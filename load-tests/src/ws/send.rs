//! Sending: typed frames, bursts, raw text and bytes (for malformed input), and closing.

use super::{ClientError, WsClient};
use crate::frame;
use futures_util::SinkExt;
use switchboard_protocol::*;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};

impl WsClient {
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
}
