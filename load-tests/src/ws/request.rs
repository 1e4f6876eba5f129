//! Requests matched to their answer by `req`, and the typed helpers built on them.

use super::{ClientError, Subscribed, WsClient, describe, is_answer_to};
use crate::frame;
use switchboard_protocol::api::MessagePage;
use switchboard_protocol::*;

impl WsClient {
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
}
