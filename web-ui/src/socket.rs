//! The desk's one WebSocket (`/v1/ws`), shared through a context.
//!
//! It connects, authenticates with the session token, and on every `welcome` (the first one and
//! after each reconnect) re-fetches the lists and re-subscribes the open conversation from the
//! last `seq` held, so nothing is missed and (the store deduplicating by `seq`) nothing shown
//! twice. Every incoming frame is pushed into the store; requests carry a `req` matched to
//! their `ack` or `error`. When the socket drops it reconnects with a growing delay. The socket
//! itself (auth, acks, generations, reconnects) is the [`crate::transport`] it shares with the
//! widget; this module is what the desk does with it.

use crate::store::{self, Connection, DeskState, VIEWS};
use crate::transport::{Handler, Transport};
use leptos::prelude::*;
use leptos::task::spawn_local;
use switchboard_protocol::{
    AssignTarget, AttachmentId, AuthorKind, ClientFrame, ConversationId, ConversationRef, GroupId,
    History, MessageSend, Presence, PresenceSet, Read, ServerFrame, Subscribe, Transfer, Typing,
    close_code,
};

pub use crate::transport::Reply;

fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}

/// How many of the newest messages a conversation opens with; older ones load on scroll.
pub const WINDOW: u64 = 50;

/// A handle to the socket; `Copy`, so closures and components take it freely.
#[derive(Clone, Copy)]
pub struct Socket {
    transport: Transport,
    /// The conversation subscribed on the current socket.
    subscribed: StoredValue<Option<ConversationId>, LocalStorage>,
    store: RwSignal<DeskState>,
}

impl Handler for Socket {
    fn auth_token(self) -> Option<String> {
        crate::api::saved_token()
    }

    fn receive(self, frame: &ServerFrame, answer: impl FnOnce()) {
        self.store.try_update(|s| store::apply(s, frame));
        // A user's new message in the conversation on screen (the tab visible): it is read, and
        // the user's widget says "Seen".
        if let ServerFrame::MessageCreated(created) = frame
            && created.message.author.kind == AuthorKind::User
            && self
                .subscribed
                .with_value(|s| s.as_ref() == Some(&created.message.conversation_id))
            && page_visible()
        {
            self.mark_read(&created.message.conversation_id);
        }
        let notices = self
            .store
            .try_update(|s| s.take_notices())
            .unwrap_or_default();
        for notice in notices {
            crate::notify::notice(&notice);
        }
        answer();
    }

    fn welcomed(self) {
        self.store.update(|s| s.connection = Connection::Live);
        self.resync();
    }

    fn dropped(self) {
        self.subscribed.try_set_value(None);
    }

    fn closed(self, code: u16) -> bool {
        if code == close_code::UNAUTHORIZED {
            // The token expired or the agent was removed: back to the login page.
            crate::api::save_token(None);
            if let Some(window) = web_sys::window() {
                let _ = window.location().assign("/login");
            }
            return false;
        }
        true
    }

    fn reconnecting(self, attempt: u32, delay_ms: u32) {
        self.store.try_update(|s| {
            s.connection = Connection::Reconnecting {
                attempt,
                retry_in_ms: delay_ms,
            }
        });
    }
}

impl Socket {
    pub fn new(store: RwSignal<DeskState>) -> Self {
        Socket {
            transport: Transport::new("r", "Not connected to the gateway; retrying."),
            subscribed: StoredValue::new_local(None),
            store,
        }
    }

    pub fn store(&self) -> RwSignal<DeskState> {
        self.store
    }

    /// Opens the socket (logging in).
    pub fn start(self) {
        self.store.update(|s| s.connection = Connection::Connecting);
        self.transport.start(self);
    }

    /// Closes the socket for good (logging out).
    pub fn stop(self) {
        self.transport.stop(self);
        self.store.update(|s| s.connection = Connection::Idle);
    }

    /// Reconnects now (the banner's "Retry" button).
    pub fn retry_now(self) {
        self.transport.retry_now(self);
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

    /// Sends a frame that expects no answer; dropped when not connected.
    pub fn send(self, frame: &ClientFrame) {
        self.transport.send(frame);
    }

    /// Sends a request built around a fresh `req`; `callback` gets its ack or error (also when
    /// the socket is down or drops before the answer).
    pub fn request(
        self,
        build: impl FnOnce(String) -> ClientFrame,
        callback: impl FnOnce(Reply) + 'static,
    ) {
        self.transport.request(build, callback);
    }

    /// Shows `id` (or nothing): unsubscribes the previous conversation, subscribes this one.
    pub fn open(self, id: Option<ConversationId>) {
        let previous = self.subscribed.try_get_value().flatten();
        if let Some(previous) = previous
            && Some(&previous) != id.as_ref()
        {
            self.subscribed.set_value(None);
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
        self.subscribed.set_value(Some(id.clone()));
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
