//! The widget's WebSocket (`/v1/ws`) as the end user.
//!
//! It authenticates with the user's token and, on every `welcome` (the first and after each
//! reconnect), catches up: the user's latest conversation again over REST (its status may
//! have changed meanwhile), the messages after the last `seq` held through `history`, then the
//! outbox (messages typed but not acknowledged) re-sent with their own `client_msg_id`s, which
//! the gateway deduplicates. Every incoming frame goes through [`WidgetState::apply`], which
//! deduplicates messages by `seq`, so overlaps never show twice. A dropped socket reconnects
//! with a growing delay (the desk's backoff).

use super::api;
use super::state::{Connection, Outgoing, WidgetState};
use crate::backoff::backoff_ms;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;
use switchboard_protocol::api::WidgetConversation;
use switchboard_protocol::{
    Ack, Auth, ClientFrame, ConversationId, ErrorCode, ErrorFrame, Handover, History, MessageSend,
    Ping, Read, ServerFrame, Typing, close_code,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

/// Messages per `history` page: the newest page on open, then forward pages after a reconnect.
const PAGE: u32 = 50;

type Reply = Result<Ack, ErrorFrame>;
type Callback = Box<dyn FnOnce(Reply)>;

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
    ws: Option<web_sys::WebSocket>,
    /// Bumped for every new socket: callbacks of an older one are ignored.
    generation: u64,
    live: bool,
    stopped: bool,
    attempt: u32,
    next_req: u64,
    pending: HashMap<String, Callback>,
    handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    /// `client_msg_id`s sent on this socket and not answered yet.
    in_flight: Vec<String>,
    on_refused: Option<Rc<dyn Fn(Refusal)>>,
    heartbeat: bool,
}

/// A handle to the socket; `Copy`, so closures take it freely.
#[derive(Clone, Copy)]
pub struct Link {
    inner: StoredValue<Inner, LocalStorage>,
    state: RwSignal<WidgetState>,
}

fn not_connected(req: String) -> ErrorFrame {
    ErrorFrame {
        req: Some(req),
        code: ErrorCode::Unavailable,
        message: "Not connected; retrying.".into(),
    }
}

impl Link {
    pub fn new(state: RwSignal<WidgetState>) -> Self {
        Link {
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
            i.stopped = false;
            i.attempt = 0;
        });
        self.state.update(|s| s.connection = Connection::Connecting);
        self.connect();
        self.heartbeat();
    }

    /// Closes the socket for good (the session was refused or replaced).
    pub fn stop(self) {
        let pending = self.inner.try_update_value(|i| {
            i.stopped = true;
            i.generation += 1;
            i.in_flight.clear();
            std::mem::take(&mut i.pending)
        });
        self.detach();
        for (req, callback) in pending.unwrap_or_default() {
            callback(Err(not_connected(req)));
        }
    }

    fn detach(self) {
        let old = self.inner.try_update_value(|i| {
            i.live = false;
            (i.ws.take(), std::mem::take(&mut i.handlers))
        });
        if let Some((Some(ws), handlers)) = old {
            ws.set_onopen(None);
            ws.set_onmessage(None);
            ws.set_onclose(None);
            let _ = ws.close_with_code(1000);
            drop(handlers);
        }
    }

    fn url() -> Option<String> {
        let location = web_sys::window()?.location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        Some(format!("{scheme}://{}/v1/ws", location.host().ok()?))
    }

    fn connect(self) {
        self.detach();
        let Some(generation) = self.inner.try_update_value(|i| {
            i.generation += 1;
            i.in_flight.clear();
            i.generation
        }) else {
            return;
        };
        let Some(ws) = Self::url().and_then(|url| web_sys::WebSocket::new(&url).ok()) else {
            self.schedule_reconnect(generation);
            return;
        };
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            let token = self.inner.with_value(|i| i.token.clone());
            self.send_raw(generation, &ClientFrame::Auth(Auth { token }));
        });
        let on_message = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let Some(text) = event
                .dyn_ref::<web_sys::MessageEvent>()
                .and_then(|m| m.data().as_string())
            else {
                return;
            };
            if self.inner.try_with_value(|i| i.generation) != Some(generation) {
                return;
            }
            // Frames this version does not know (a newer gateway) are ignored.
            if let Ok(frame) = serde_json::from_str::<ServerFrame>(&text) {
                self.receive(frame);
            }
        });
        let on_close = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let code = event
                .dyn_ref::<web_sys::CloseEvent>()
                .map_or(1006, |c| c.code());
            self.closed(generation, code);
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        self.inner.update_value(|i| {
            i.ws = Some(ws);
            i.handlers = vec![on_open, on_message, on_close];
        });
    }

    fn closed(self, generation: u64, code: u16) {
        if self.inner.try_with_value(|i| i.generation) != Some(generation) {
            return;
        }
        let pending = self.inner.try_update_value(|i| {
            i.live = false;
            i.in_flight.clear();
            std::mem::take(&mut i.pending)
        });
        for (req, callback) in pending.unwrap_or_default() {
            callback(Err(not_connected(req)));
        }
        let refusal = match code {
            close_code::UNAUTHORIZED => Some(Refusal::Unauthorized),
            close_code::FORBIDDEN_ORIGIN => Some(Refusal::Forbidden),
            _ => None,
        };
        if let Some(refusal) = refusal {
            self.inner.update_value(|i| i.stopped = true);
            if let Some(on_refused) = self.inner.with_value(|i| i.on_refused.clone()) {
                on_refused(refusal);
            }
            return;
        }
        self.schedule_reconnect(generation);
    }

    fn schedule_reconnect(self, generation: u64) {
        let Some((stopped, attempt)) = self.inner.try_update_value(|i| {
            i.attempt += 1;
            (i.stopped, i.attempt)
        }) else {
            return;
        };
        if stopped {
            return;
        }
        self.state
            .try_update(|s| s.connection = Connection::Reconnecting);
        let delay = backoff_ms(attempt, web_sys::js_sys::Math::random());
        set_timeout(
            move || {
                if self.inner.try_with_value(|i| (i.generation, i.stopped))
                    == Some((generation, false))
                {
                    self.connect();
                }
            },
            Duration::from_millis(delay.into()),
        );
    }

    fn heartbeat(self) {
        if self
            .inner
            .try_update_value(|i| std::mem::replace(&mut i.heartbeat, true))
            != Some(false)
        {
            return;
        }
        // A ping every 25 s keeps proxies from closing an idle socket.
        let _ = set_interval_with_handle(
            move || {
                if self.inner.try_with_value(|i| i.live) == Some(true) {
                    self.send(&ClientFrame::Ping(Ping::default()));
                }
            },
            Duration::from_secs(25),
        );
    }

    fn receive(self, frame: ServerFrame) {
        let answer = match &frame {
            ServerFrame::Ack(ack) => Some((ack.req.clone(), Ok(ack.clone()))),
            ServerFrame::Error(error) => error.req.clone().map(|req| (req, Err(error.clone()))),
            _ => None,
        };
        let welcome = matches!(frame, ServerFrame::Welcome(_));
        let follow = self.state.try_update(|s| s.apply(&frame));
        if let Some((req, reply)) = answer {
            let callback = self
                .inner
                .try_update_value(|i| i.pending.remove(&req))
                .flatten();
            if let Some(callback) = callback {
                callback(reply);
            }
        }
        if follow.is_some_and(|f| f.load_history) {
            self.load_history();
        }
        if welcome {
            self.inner.update_value(|i| {
                i.live = true;
                i.attempt = 0;
            });
            self.state.update(|s| s.connection = Connection::Live);
            self.resync();
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
                    self.inner.update_value(|i| i.stopped = true);
                    self.detach();
                    if let Some(on_refused) = self.inner.with_value(|i| i.on_refused.clone()) {
                        on_refused(Refusal::Unauthorized);
                    }
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
            let key = id.clone();
            self.request(
                move |req| {
                    ClientFrame::History(History {
                        req,
                        conversation_id: id,
                        after_seq: None,
                        before_seq: None,
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
        let key = id.clone();
        self.request(
            move |req| {
                ClientFrame::History(History {
                    req,
                    conversation_id: id,
                    after_seq: None,
                    before_seq: Some(before),
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
        if self.inner.try_with_value(|i| i.live) != Some(true) {
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

    fn send_raw(self, generation: u64, frame: &ClientFrame) -> bool {
        let Ok(text) = serde_json::to_string(frame) else {
            return false;
        };
        self.inner
            .try_with_value(|i| {
                i.generation == generation
                    && i.ws
                        .as_ref()
                        .is_some_and(|ws| ws.send_with_str(&text).is_ok())
            })
            .unwrap_or(false)
    }

    /// Sends a frame that expects no answer; dropped when not connected.
    fn send(self, frame: &ClientFrame) {
        if let Some((generation, true)) = self.inner.try_with_value(|i| (i.generation, i.live)) {
            self.send_raw(generation, frame);
        }
    }

    /// Sends a request built around a fresh `req`; `callback` gets its ack or error (also when
    /// the socket is down or drops before the answer).
    fn request(
        self,
        build: impl FnOnce(String) -> ClientFrame,
        callback: impl FnOnce(Reply) + 'static,
    ) {
        let Some((req, generation, live)) = self.inner.try_update_value(|i| {
            i.next_req += 1;
            (format!("w{}", i.next_req), i.generation, i.live)
        }) else {
            return;
        };
        if !live {
            callback(Err(not_connected(req)));
            return;
        }
        let frame = build(req.clone());
        self.inner
            .update_value(|i| drop(i.pending.insert(req.clone(), Box::new(callback))));
        if !self.send_raw(generation, &frame) {
            let callback = self
                .inner
                .try_update_value(|i| i.pending.remove(&req))
                .flatten();
            if let Some(callback) = callback {
                callback(Err(not_connected(req)));
            }
        }
    }
}
