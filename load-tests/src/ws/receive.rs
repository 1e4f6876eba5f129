//! Receiving: the buffer, waits with a deadline that say what they awaited, silence and
//! close codes.

use super::{ClientError, Closed, WsClient};
use futures_util::StreamExt;
use std::collections::VecDeque;
use std::time::Duration;
use switchboard_protocol::*;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as WsMessage;

impl WsClient {
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
}
