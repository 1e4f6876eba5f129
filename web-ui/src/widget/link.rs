//! The widget's WebSocket (`/v1/ws`) as the end user.
//!
//! It authenticates with the user's token and, on every `welcome` (the first and after each
//! reconnect), catches up: the user's latest conversation again over REST (its status may
//! have changed meanwhile), the messages after the last `seq` held through `history`, then the
//! outbox (messages typed but not acknowledged) re-sent with their own `client_msg_id`s, which
//! the gateway deduplicates. Every incoming frame goes through [`WidgetState::apply`], which
//! deduplicates messages by `seq`, so overlaps never show twice. A dropped socket reconnects
//! with a growing delay: the socket itself is the [`crate::transport`] the desk uses too.

use super::api;
use super::state::{Connection, Outgoing, WidgetState};
use crate::transport::{Handler, Reply, Transport};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;
use std::time::Duration;
use switchboard_protocol::api::WidgetConversation;
use switchboard_protocol::{
    ClientFrame, ConversationId, ErrorCode, Handover, History, MessageSend, Read, ServerFrame,
    Typing, close_code,
};

/// Messages per `history` page: the newest page on open, then forward pages after a reconnect.
const PAGE: u32 = 50;

/// Why the socket gave up; the app decides what follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The token was refused (expired, or the user was removed): open a new session.
    Unauthorized,
    /// This page's origin may not use the chat.
    Forbidden,
}

#[derive(Default)]
struct Inner {
    token: String,
    /// `client_msg_id`s sent on this socket and not answered yet.
    in_flight: Vec<String>,
    on_refused: Option<Rc<dyn Fn(Refusal)>>,
}

/// A handle to the socket; `Copy`, so closures take it freely.
#[derive(Clone, Copy)]
pub struct Link {
    transport: Transport,
    inner: StoredValue<Inner, LocalStorage>,
    state: RwSignal<WidgetState>,
}

impl Handler for Link {
    fn auth_token(self) -> Option<String> {
        Some(self.token())
    }

    fn receive(self, frame: &ServerFrame, answer: impl FnOnce()) {
        let follow = self.state.try_update(|s| s.apply(frame));
        answer();
        if follow.is_some_and(|f| f.load_history) {
            self.load_history();
        }
    }

    fn welcomed(self) {
        self.state.update(|s| s.connection = Connection::Live);
        self.resync();
    }

    fn dropped(self) {
        self.inner.try_update_value(|i| i.in_flight.clear());
    }

    fn closed(self, code: u16) -> bool {
        let refusal = match code {
            close_code::UNAUTHORIZED => Refusal::Unauthorized,
            close_code::FORBIDDEN_ORIGIN => Refusal::Forbidden,
            _ => return true,
        };
        self.refused(refusal);
        false
    }

    fn reconnecting(self, _attempt: u32, _delay_ms: u32) {
        self.state
            .try_update(|s| s.connection = Connection::Reconnecting);
    }
}

impl Link {
    pub fn new(state: RwSignal<WidgetState>) -> Self {
        Link {
            transport: Transport::new("w", "Not connected; retrying."),
            inner: StoredValue::new_local(Inner::default()),
            state,
        }
    }

    /// What to do when the gateway refuses the session (the socket then stays closed).
    pub fn on_refused(self, handle: impl Fn(Refusal) + 'static) {
        self.inner
            .update_value(|i| i.on_refused = Some(Rc::new(handle)));
    }

    pub fn token(&self) -> String {
        self.inner.with_value(|i| i.token.clone())
    }

    /// Connects as the user holding `token` (replacing any earlier socket).
    pub fn start(self, token: String) {
        self.inner.update_value(|i| {
            i.token = token;
            // What was in flight on a socket this one replaces is never answered on this one.
            i.in_flight.clear();
        });
        self.state.update(|s| s.connection = Connection::Connecting);
        self.transport.start(self);
    }

    /// Closes the socket for good (the session was refused or replaced).
    pub fn stop(self) {
        self.transport.stop(self);
    }

    /// The session is refused: the socket stays closed and the app decides what follows.
    fn refused(self, refusal: Refusal) {
        self.transport.halt();
        if let Some(on_refused) = self.inner.with_value(|i| i.on_refused.clone()) {
            on_refused(refusal);
        }
    }

    /// After every `welcome`: the conversation as it is now, what was missed, then the outbox.
    fn resync(self) {
        let token = self.token();
        spawn_local(async move {
            match api::latest_conversation(&token).await {
                Ok(WidgetConversation {
                    conversation: Some(conversation),
                    queue_position,
                }) => {
                    self.state.try_update(|s| {
                        s.set_conversation(conversation);
                        if let Some(position) = queue_position {
                            s.apply(&ServerFrame::QueuePosition(position));
                        }
                    });
                }
                Ok(WidgetConversation {
                    conversation: None, ..
                }) => {}
                Err(err) if err.is_unauthorized() => {
                    self.refused(Refusal::Unauthorized);
                    return;
                }
                // Not reachable right now: the socket's own events keep the view current.
                Err(_) => {}
            }
            self.load_history();
            self.flush();
        });
    }

    /// Brings the shown conversation's messages up to date: the newest page when none are held,
    /// else every message after the last one held.
    pub fn load_history(self) {
        let Some((id, top)) = self
            .state
            .with_untracked(|s| s.conversation_id.clone().map(|id| (id, s.top_seq())))
        else {
            return;
        };
        if top == 0 {
            self.page_before(id, None);
        } else {
            self.catch_up(id, top);
        }
    }

    fn catch_up(self, id: ConversationId, after: u64) {
        let conversation_id = id.clone();
        self.request(
            move |req| {
                ClientFrame::History(History {
                    req,
                    conversation_id,
                    after_seq: Some(after),
                    before_seq: None,
                    limit: Some(PAGE),
                })
            },
            move |reply| {
                if let Ok(ack) = reply
                    && ack.has_more == Some(true)
                    && let Some(last) = ack.messages.as_ref().and_then(|m| m.last())
                {
                    self.catch_up(id, last.seq);
                }
            },
        );
    }

    /// One page of older messages.
    pub fn load_older(self) {
        let Some((id, before)) = self
            .state
            .with_untracked(|s| Some((s.conversation_id.clone()?, s.bottom_seq()?)))
        else {
            return;
        };
        self.page_before(id, Some(before));
    }

    /// The page of `id`'s messages before `before` (`None`: the newest page); its answer says
    /// whether older ones remain.
    fn page_before(self, id: ConversationId, before: Option<u64>) {
        let key = id.clone();
        self.request(
            move |req| {
                ClientFrame::History(History {
                    req,
                    conversation_id: id,
                    after_seq: None,
                    before_seq: before,
                    limit: Some(PAGE),
                })
            },
            move |reply| {
                if let Ok(ack) = reply {
                    self.state.try_update(|s| {
                        if s.conversation_id.as_ref() == Some(&key) {
                            s.has_older = ack.has_more == Some(true);
                        }
                    });
                }
            },
        );
    }

    /// Queues a message and sends it when connected.
    pub fn send_message(self, outgoing: Outgoing) {
        self.state.update(|s| s.outbox.push(outgoing));
        self.flush();
    }

    /// Sends every outbox message not already on its way, oldest first.
    fn flush(self) {
        if !self.transport.live() {
            return;
        }
        let outbox = self.state.with_untracked(|s| s.outbox.clone());
        for outgoing in outbox {
            let (already, busy) = self.inner.with_value(|i| {
                (
                    i.in_flight.contains(&outgoing.client_msg_id),
                    !i.in_flight.is_empty(),
                )
            });
            if already {
                continue;
            }
            let conversation_id = self.state.with_untracked(|s| s.conversation_id.clone());
            // Without a conversation, the first message opens one: the others wait for its
            // ack and then go to the same conversation.
            if conversation_id.is_none() && busy {
                break;
            }
            self.inner
                .update_value(|i| i.in_flight.push(outgoing.client_msg_id.clone()));
            let first = conversation_id.is_none();
            let key = outgoing.client_msg_id.clone();
            let frame = outgoing.clone();
            self.request(
                move |req| {
                    ClientFrame::MessageSend(MessageSend {
                        req,
                        conversation_id,
                        client_msg_id: frame.client_msg_id.clone(),
                        text: frame.text.clone(),
                        attachment_ids: frame.attachment_ids(),
                        private: false,
                    })
                },
                move |reply| {
                    self.inner
                        .try_update_value(|i| i.in_flight.retain(|k| k != &key));
                    match reply {
                        Ok(_) => {
                            // The ack's message is in the state (apply); it left the outbox there.
                            self.state
                                .try_update(|s| s.outbox.retain(|o| o.client_msg_id != key));
                            self.flush();
                        }
                        Err(err) if err.code == ErrorCode::Unavailable => {
                            // Kept: sent again with the same key on the next welcome, or soon.
                            set_timeout(move || self.flush(), Duration::from_secs(3));
                        }
                        Err(err) => {
                            self.state.try_update(|s| {
                                s.outbox.retain(|o| o.client_msg_id != key);
                                s.send_error = Some(err.message.clone());
                                s.returned_text = Some(outgoing.text.clone());
                            });
                        }
                    }
                },
            );
            if first {
                break;
            }
        }
    }

    /// Asks for a person (the conversation must be held by a bot).
    pub fn handover(self, done: impl FnOnce(Result<(), String>) + 'static) {
        let Some(id) = self.state.with_untracked(|s| s.conversation_id.clone()) else {
            done(Err("Write a message first.".into()));
            return;
        };
        self.request(
            move |req| {
                ClientFrame::Handover(Handover {
                    req,
                    conversation_id: id,
                    reason: Some("The visitor asked for a person".into()),
                    group_id: None,
                })
            },
            move |reply| done(reply.map(|_| ()).map_err(|e| e.message)),
        );
    }

    pub fn typing(self) {
        if let Some(id) = self.state.with_untracked(|s| s.conversation_id.clone()) {
            self.send(&ClientFrame::Typing(Typing {
                conversation_id: id,
            }));
        }
    }

    /// Tells the support side the user has read up to `seq`.
    pub fn read(self, seq: u64) {
        if let Some(id) = self.state.with_untracked(|s| s.conversation_id.clone()) {
            self.send(&ClientFrame::Read(Read {
                conversation_id: id,
                seq,
            }));
        }
    }

    /// Sends a frame that expects no answer; dropped when not connected.
    fn send(self, frame: &ClientFrame) {
        self.transport.send(frame);
    }

    /// Sends a request built around a fresh `req`; `callback` gets its ack or error (also when
    /// the socket is down or drops before the answer).
    fn request(
        self,
        build: impl FnOnce(String) -> ClientFrame,
        callback: impl FnOnce(Reply) + 'static,
    ) {
        self.transport.request(build, callback);
    }
}
