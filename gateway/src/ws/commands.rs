//! What each client frame does once a socket is authenticated. Each arm is a thin call into the
//! domain; the answer is an `ack` or an `error` carrying the frame's `req`.

use super::session::Session;
use crate::error::{Error, Result};
use crate::principal::{AgentPrincipal, Principal};
use crate::topics::Topic;
use switchboard_protocol::{Ack, ClientFrame, ErrorFrame, Ping, ServerFrame};

fn agent_only(principal: &Principal) -> Result<&AgentPrincipal> {
    match principal {
        Principal::Agent(agent) => Ok(agent),
        _ => Err(Error::forbidden("only agents may do this")),
    }
}

impl Session {
    /// Runs one frame; the reply to send, if the frame expects one.
    pub(super) async fn execute(&mut self, frame: ClientFrame) -> Option<ServerFrame> {
        let req = frame.req().map(str::to_owned);
        match frame {
            ClientFrame::Ping(Ping { req }) => Some(ServerFrame::Pong(Ping { req })),
            // No answer is expected: failures (e.g. an unknown conversation) are dropped.
            ClientFrame::Typing(typing) => {
                let _ = self
                    .state
                    .desk
                    .typing(&self.principal, &typing.conversation_id)
                    .await;
                None
            }
            ClientFrame::Read(read) => {
                let _ = self
                    .state
                    .desk
                    .read(&self.principal, &read.conversation_id, read.seq)
                    .await;
                None
            }
            other => {
                let req = req.unwrap_or_default();
                Some(match self.request(other, &req).await {
                    Ok(ack) => ServerFrame::Ack(ack),
                    Err(err) => ServerFrame::Error(ErrorFrame {
                        req: Some(req),
                        code: err.code(),
                        message: err.public_message(),
                    }),
                })
            }
        }
    }

    async fn request(&mut self, frame: ClientFrame, req: &str) -> Result<Ack> {
        let desk = self.state.desk.clone();
        let mut ack = Ack::new(req);
        match frame {
            ClientFrame::Auth(_) => return Err(Error::invalid("already authenticated")),
            ClientFrame::MessageSend(send) => {
                let message = desk.send_message(&self.principal, &send).await?;
                ack.conversation_id = Some(message.conversation_id.clone());
                ack.message = Some(message);
            }
            ClientFrame::Handover(handover) => {
                let state = desk
                    .handover(
                        &self.principal,
                        &handover.conversation_id,
                        handover.reason.as_deref(),
                        handover.group_id.as_ref(),
                    )
                    .await?;
                ack.conversation = Some(state.conversation);
            }
            ClientFrame::Accept(target) => {
                let state = desk
                    .accept(agent_only(&self.principal)?, &target.conversation_id)
                    .await?;
                ack.conversation = Some(state.conversation);
            }
            ClientFrame::Assign(assign) => {
                let state = desk
                    .assign(
                        agent_only(&self.principal)?,
                        &assign.conversation_id,
                        &assign.to,
                    )
                    .await?;
                ack.conversation = Some(state.conversation);
            }
            ClientFrame::Transfer(transfer) => {
                let state = desk
                    .transfer(
                        agent_only(&self.principal)?,
                        &transfer.conversation_id,
                        &transfer.group_id,
                    )
                    .await?;
                ack.conversation = Some(state.conversation);
            }
            ClientFrame::Unassign(target) => {
                let state = desk
                    .unassign(agent_only(&self.principal)?, &target.conversation_id)
                    .await?;
                ack.conversation = Some(state.conversation);
            }
            ClientFrame::Resolve(target) => {
                let state = desk
                    .resolve(agent_only(&self.principal)?, &target.conversation_id)
                    .await?;
                ack.conversation = Some(state.conversation);
            }
            ClientFrame::Reopen(target) => {
                let state = desk
                    .reopen(agent_only(&self.principal)?, &target.conversation_id)
                    .await?;
                ack.conversation = Some(state.conversation);
            }
            ClientFrame::Subscribe(subscribe) => {
                let agent = agent_only(&self.principal)?.clone();
                let topic = Topic::conversation(&agent.tenant, &subscribe.conversation_id);
                // Subscribe before reading, so nothing committed in between is missed.
                let already = self.handle.is_subscribed(&topic);
                desk.hub().subscribe(&self.handle, &topic);
                match desk
                    .subscription_snapshot(&agent, &subscribe.conversation_id, subscribe.after_seq)
                    .await
                {
                    Ok((state, page)) => {
                        // The replay is what the socket now has: live messages continue from it.
                        for message in &page.messages {
                            self.seqs.record(&message.conversation_id, message.seq);
                        }
                        if !page.has_more {
                            self.seqs
                                .record(&state.conversation.id, state.conversation.last_seq);
                        }
                        ack.conversation = Some(state.conversation);
                        ack.messages = Some(page.messages);
                        ack.has_more = Some(page.has_more);
                    }
                    Err(err) => {
                        if !already {
                            desk.hub().unsubscribe(&self.handle, &topic);
                        }
                        return Err(err);
                    }
                }
            }
            ClientFrame::Unsubscribe(target) => {
                let agent = agent_only(&self.principal)?;
                let topic = Topic::conversation(&agent.tenant, &target.conversation_id);
                // Whatever the answer, the socket stops receiving it.
                desk.hub().unsubscribe(&self.handle, &topic);
                desk.visible_state(&self.principal, &target.conversation_id)
                    .await?;
            }
            ClientFrame::History(history) => {
                let page = desk
                    .history(
                        &self.principal,
                        &history.conversation_id,
                        history.after_seq,
                        history.before_seq,
                        history.limit,
                    )
                    .await?;
                ack.messages = Some(page.messages);
                ack.has_more = Some(page.has_more);
            }
            ClientFrame::PresenceSet(presence) => {
                let agent = desk
                    .set_presence(agent_only(&self.principal)?, presence.status)
                    .await?;
                ack.agent = Some(agent);
            }
            ClientFrame::Ping(_) | ClientFrame::Typing(_) | ClientFrame::Read(_) => {
                return Err(Error::internal("handled without a request"));
            }
        }
        Ok(ack)
    }
}
