//! The desk's one WebSocket (`/v1/ws`), shared through a context.
//!
//! It connects, authenticates with the session token, and on every `welcome` (the first one and
//! after each reconnect) re-fetches the lists and re-subscribes the open conversation from the
//! last `seq` held, so nothing is missed and (the store deduplicating by `seq`) nothing shown
//! twice. Every incoming frame is pushed into the store; requests carry a `req` matched to
//! their `ack` or `error`. When the socket drops it reconnects with a growing delay.

use crate::backoff::backoff_ms;
use crate::store::{self, Connection, DeskState, VIEWS};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::HashMap;
use std::time::Duration;
use switchboard_protocol::{
    Ack, AssignTarget, AttachmentId, Auth, ClientFrame, ConversationId, ConversationRef, ErrorCode,
    ErrorFrame, GroupId, History, MessageSend, Ping, Presence, PresenceSet, Read, ServerFrame,
    Subscribe, Transfer, Typing, close_code,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

/// How many of the newest messages a conversation opens with; older ones load on scroll.
pub const WINDOW: u64 = 50;

pub type Reply = Result<Ack, ErrorFrame>;
type Callback = Box<dyn FnOnce(Reply)>;

#[derive(Default)]
struct Inner {
    ws: Option<web_sys::WebSocket>,
    /// Bumped for every new socket: callbacks of an older one are ignored.
    generation: u64,
    live: bool,
    stopped: bool,
    attempt: u32,
    next_req: u64,
    pending: HashMap<String, Callback>,
    /// The open socket's event handlers, kept alive while it is.
    handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    /// The conversation subscribed on this socket.
    subscribed: Option<ConversationId>,
    heartbeat: bool,
}

/// A handle to the socket; `Copy`, so closures and components take it freely.
#[derive(Clone, Copy)]
pub struct Socket {
    inner: StoredValue<Inner, LocalStorage>,
    store: RwSignal<DeskState>,
}

fn not_connected(req: String) -> ErrorFrame {
    ErrorFrame {
        req: Some(req),
        code: ErrorCode::Unavailable,
        message: "Not connected to the gateway; retrying.".into(),
    }
}

impl Socket {
    pub fn new(store: RwSignal<DeskState>) -> Self {
        Socket {
            inner: StoredValue::new_local(Inner::default()),
            store,
        }
    }

    pub fn store(&self) -> RwSignal<DeskState> {
        self.store
    }

    /// Opens the socket (logging in).
    pub fn start(self) {
        self.inner.update_value(|i| {
            i.stopped = false;
            i.attempt = 0;
        });
        self.store.update(|s| s.connection = Connection::Connecting);
        self.connect();
        self.heartbeat();
    }

    /// Closes the socket for good (logging out).
    pub fn stop(self) {
        let old = self.inner.try_update_value(|i| {
            i.stopped = true;
            i.live = false;
            i.generation += 1;
            i.subscribed = None;
            std::mem::take(&mut i.pending)
        });
        self.detach();
        for (req, callback) in old.unwrap_or_default() {
            callback(Err(not_connected(req)));
        }
        self.store.update(|s| s.connection = Connection::Idle);
    }

    /// Forgets the current socket: no more callbacks from it, closed if still open.
    fn detach(self) {
        let old = self.inner.try_update_value(|i| {
            i.live = false;
            (i.ws.take(), std::mem::take(&mut i.handlers))
        });
        if let Some((Some(ws), handlers)) = old {
            ws.set_onopen(None);
            ws.set_onmessage(None);
            ws.set_onclose(None);
            ws.set_onerror(None);
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
            i.generation
        }) else {
            return;
        };
        let Some(ws) = Self::url().and_then(|url| web_sys::WebSocket::new(&url).ok()) else {
            self.schedule_reconnect(generation);
            return;
        };
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(token) = crate::api::saved_token() {
                self.send_raw(generation, &ClientFrame::Auth(Auth { token }));
            }
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
            // Unknown or malformed frames (a newer gateway) are ignored.
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
            i.subscribed = None;
            std::mem::take(&mut i.pending)
        });
        for (req, callback) in pending.unwrap_or_default() {
            callback(Err(not_connected(req)));
        }
        if code == close_code::UNAUTHORIZED {
            // The token expired or the agent was removed: back to the login page.
            crate::api::save_token(None);
            if let Some(window) = web_sys::window() {
                let _ = window.location().assign("/login");
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
        let delay = backoff_ms(attempt, jitter());
        self.store.try_update(|s| {
            s.connection = Connection::Reconnecting {
                attempt,
                retry_in_ms: delay,
            }
        });
        set_timeout(
            move || {
                let current = self.inner.try_with_value(|i| (i.generation, i.stopped));
                if current == Some((generation, false)) {
                    self.connect();
                }
            },
            Duration::from_millis(delay.into()),
        );
    }

    /// Reconnects now (the banner's "Retry" button).
    pub fn retry_now(self) {
        if self.inner.try_with_value(|i| !i.live && !i.stopped) == Some(true) {
            self.connect();
        }
    }

    fn heartbeat(self) {
        if self
            .inner
            .try_update_value(|i| std::mem::replace(&mut i.heartbeat, true))
            != Some(false)
        {
            return;
        }
        // One ping every 25 s keeps proxies from closing an idle socket.
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
        self.store.try_update(|s| store::apply(s, &frame));
        let notices = self
            .store
            .try_update(|s| s.take_notices())
            .unwrap_or_default();
        for notice in notices {
            crate::notify::notice(&notice);
        }
        if let Some((req, reply)) = answer {
            let callback = self
                .inner
                .try_update_value(|i| i.pending.remove(&req))
                .flatten();
            if let Some(callback) = callback {
                callback(reply);
            }
        }
        if welcome {
            self.inner.update_value(|i| {
                i.live = true;
                i.attempt = 0;
            });
            self.store.update(|s| s.connection = Connection::Live);
            self.resync();
        }
    }

    /// After every `welcome`: fresh lists, and the open conversation re-subscribed from the
    /// last `seq` held.
    fn resync(self) {
        spawn_local(async move {
            if let Ok(me) = crate::api::me().await {
                self.store.try_update(|s| {
                    if let Some(held) = s.me.as_mut() {
                        *held = me;
                    }
                });
            }
        });
        for view in VIEWS {
            let since = self.store.with_untracked(|s| s.event_mark());
            spawn_local(async move {
                if let Ok(list) = crate::api::conversations(view).await {
                    self.store.try_update(|s| s.load_view(view, list, since));
                }
            });
        }
        self.refresh_filter();
        if let Some(open) = self.store.with_untracked(|s| s.open.clone()) {
            self.subscribe(open);
        }
    }

    /// Fetches the filtered list (a tag, a search) again, if a filter is on.
    pub fn refresh_filter(self) {
        let Some(filter) = self.store.with_untracked(|s| s.filter.clone()) else {
            return;
        };
        spawn_local(async move {
            match crate::api::conversations_filtered(&filter).await {
                Ok(list) => self.store.try_update(|s| s.load_filtered(&filter, list)),
                Err(err) => self
                    .store
                    .try_update(|s| s.fail_filtered(&filter, err.message)),
            };
        });
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
    pub fn send(self, frame: &ClientFrame) {
        if let Some((generation, true)) = self.inner.try_with_value(|i| (i.generation, i.live)) {
            self.send_raw(generation, frame);
        }
    }

    /// Sends a request built around a fresh `req`; `callback` gets its ack or error (also when
    /// the socket is down or drops before the answer).
    pub fn request(
        self,
        build: impl FnOnce(String) -> ClientFrame,
        callback: impl FnOnce(Reply) + 'static,
    ) {
        let Some((req, generation, live)) = self.inner.try_update_value(|i| {
            i.next_req += 1;
            (format!("r{}", i.next_req), i.generation, i.live)
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

    /// Shows `id` (or nothing): unsubscribes the previous conversation, subscribes this one.
    pub fn open(self, id: Option<ConversationId>) {
        let previous = self
            .inner
            .try_with_value(|i| i.subscribed.clone())
            .flatten();
        if let Some(previous) = previous
            && Some(&previous) != id.as_ref()
        {
            self.inner.update_value(|i| i.subscribed = None);
            self.request(
                |req| {
                    ClientFrame::Unsubscribe(ConversationRef {
                        req,
                        conversation_id: previous,
                    })
                },
                |_| {},
            );
        }
        self.store.update(|s| s.open(id.clone()));
        if let Some(id) = id {
            self.subscribe(id);
        }
    }

    fn subscribe(self, id: ConversationId) {
        let after = self.store.with_untracked(|s| s.resume_after(&id, WINDOW));
        self.inner.update_value(|i| i.subscribed = Some(id.clone()));
        let conversation_id = id.clone();
        self.request(
            move |req| {
                ClientFrame::Subscribe(Subscribe {
                    req,
                    conversation_id,
                    after_seq: Some(after),
                })
            },
            move |reply| {
                if let Ok(ack) = reply {
                    if ack.has_more == Some(true) {
                        self.catch_up(id.clone());
                    }
                    self.mark_read(&id);
                }
            },
        );
    }

    /// More messages than one replay holds are newer than the last held: page forward.
    fn catch_up(self, id: ConversationId) {
        let after = self.store.with_untracked(|s| s.top_seq(&id));
        let conversation_id = id.clone();
        self.request(
            move |req| {
                ClientFrame::History(History {
                    req,
                    conversation_id,
                    after_seq: Some(after),
                    before_seq: None,
                    limit: Some(200),
                })
            },
            move |reply| {
                if let Ok(ack) = reply
                    && ack.has_more == Some(true)
                    && ack.messages.as_ref().is_some_and(|m| !m.is_empty())
                {
                    self.catch_up(id);
                }
            },
        );
    }

    /// One page of older messages; `done` tells whether there are more.
    pub fn load_older(self, id: ConversationId, done: impl FnOnce(bool) + 'static) {
        let Some(before) = self.store.with_untracked(|s| s.bottom_seq(&id)) else {
            done(false);
            return;
        };
        self.request(
            move |req| {
                ClientFrame::History(History {
                    req,
                    conversation_id: id,
                    after_seq: None,
                    before_seq: Some(before),
                    limit: Some(WINDOW as u32),
                })
            },
            move |reply| done(reply.ok().and_then(|a| a.has_more).unwrap_or(false)),
        );
    }

    /// Tells the others the agent has read up to the last message held.
    pub fn mark_read(self, id: &ConversationId) {
        let top = self.store.with_untracked(|s| s.top_seq(id));
        if top > 0 {
            self.send(&ClientFrame::Read(Read {
                conversation_id: id.clone(),
                seq: top,
            }));
        }
    }

    pub fn typing(self, id: &ConversationId) {
        self.send(&ClientFrame::Typing(Typing {
            conversation_id: id.clone(),
        }));
    }

    pub fn send_message(
        self,
        id: ConversationId,
        client_msg_id: String,
        text: String,
        attachment_ids: Vec<AttachmentId>,
        private: bool,
        callback: impl FnOnce(Reply) + 'static,
    ) {
        self.request(
            move |req| {
                ClientFrame::MessageSend(MessageSend {
                    req,
                    conversation_id: Some(id),
                    client_msg_id,
                    text,
                    attachment_ids,
                    private,
                })
            },
            callback,
        );
    }

    pub fn set_presence(self, status: Presence, callback: impl FnOnce(Reply) + 'static) {
        self.request(
            move |req| ClientFrame::PresenceSet(PresenceSet { req, status }),
            callback,
        );
    }

    /// Accept, unassign, resolve: frames that name only the conversation.
    pub fn act(
        self,
        make: fn(ConversationRef) -> ClientFrame,
        id: ConversationId,
        callback: impl FnOnce(Reply) + 'static,
    ) {
        self.request(
            move |req| {
                make(ConversationRef {
                    req,
                    conversation_id: id,
                })
            },
            callback,
        );
    }

    pub fn assign(
        self,
        id: ConversationId,
        to: AssignTarget,
        callback: impl FnOnce(Reply) + 'static,
    ) {
        self.request(
            move |req| {
                ClientFrame::Assign(switchboard_protocol::Assign {
                    req,
                    conversation_id: id,
                    to,
                })
            },
            callback,
        );
    }

    pub fn transfer(
        self,
        id: ConversationId,
        group_id: GroupId,
        callback: impl FnOnce(Reply) + 'static,
    ) {
        self.request(
            move |req| {
                ClientFrame::Transfer(Transfer {
                    req,
                    conversation_id: id,
                    group_id,
                })
            },
            callback,
        );
    }
}

fn jitter() -> f64 {
    web_sys::js_sys::Math::random()
}
