//! The WebSocket scaffold (`/v1/ws`) that the desk's [`crate::socket`] and the widget's link
//! share: open, send the `auth` frame, parse every server frame, match `ack`s and `error`s to
//! the requests that carry their `req`, ping while live, and reconnect with a growing delay
//! ([`backoff_ms`]) when the socket drops.
//!
//! Every new socket bumps a generation, and each socket's callbacks carry the generation they
//! were made for: events of a replaced or stopped socket (which the browser may still deliver)
//! are ignored, so they can neither answer a request of the new socket nor schedule a second
//! reconnect.
//!
//! What each app does with the socket stays in the app, behind [`Handler`]: which token the
//! `auth` frame carries, what a frame changes in its state, what to fetch or send again after
//! a `welcome`, and which close codes end the session instead of reconnecting.

use crate::backoff::backoff_ms;
use leptos::prelude::*;
use std::collections::HashMap;
use std::time::Duration;
use switchboard_protocol::{Ack, Auth, ClientFrame, ErrorCode, ErrorFrame, Ping, ServerFrame};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

/// A request's answer: its `ack`, or the `error` naming its `req` (also made up here when the
/// socket is down or drops before the answer).
pub type Reply = Result<Ack, ErrorFrame>;
type Callback = Box<dyn FnOnce(Reply)>;

/// What an app plugs into the transport. Implemented by the app's own `Copy` handle, which the
/// transport's callbacks keep.
pub trait Handler: Copy + 'static {
    /// The token for the `auth` frame, read when a socket opens; `None` sends none (the
    /// gateway then closes the socket as unauthorized).
    fn auth_token(self) -> Option<String>;

    /// A frame arrived (already known to be from the current socket). `answer` runs the
    /// callback of the request the frame answers (a no-op for other frames): the app calls it
    /// once, at the point where that callback should see the frame applied.
    fn receive(self, frame: &ServerFrame, answer: impl FnOnce());

    /// A `welcome` arrived (after [`Handler::receive`]): the socket is live and new requests go
    /// out. The app catches up on what it may have missed while disconnected.
    fn welcomed(self);

    /// The socket is gone (closed by the gateway or the network, or stopped): what the app tied
    /// to it is forgotten here, before the pending requests fail.
    fn dropped(self);

    /// The socket closed with `code`; whether to reconnect. An app that answers `false` decides
    /// what follows (a login page, a new session).
    fn closed(self, code: u16) -> bool;

    /// A reconnect attempt (`attempt`, 1-based) is scheduled in `delay_ms`.
    fn reconnecting(self, attempt: u32, delay_ms: u32);
}

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
    heartbeat: bool,
}

/// A handle to one app's socket; `Copy`, so closures take it freely.
#[derive(Clone, Copy)]
pub struct Transport {
    inner: StoredValue<Inner, LocalStorage>,
    /// Starts every `req` this app sends (`r1`, `w1`, ...), so logs tell the apps apart.
    req_prefix: &'static str,
    /// The message of the `error` a request gets when the socket is down.
    not_connected: &'static str,
}

impl Transport {
    pub fn new(req_prefix: &'static str, not_connected: &'static str) -> Self {
        Transport {
            inner: StoredValue::new_local(Inner {
                ws: None,
                generation: 0,
                live: false,
                stopped: false,
                attempt: 0,
                next_req: 0,
                pending: HashMap::new(),
                handlers: Vec::new(),
                heartbeat: false,
            }),
            req_prefix,
            not_connected,
        }
    }

    fn not_connected(self, req: String) -> ErrorFrame {
        ErrorFrame {
            req: Some(req),
            code: ErrorCode::Unavailable,
            message: self.not_connected.into(),
        }
    }

    /// Whether a `welcome` was received on the current socket.
    pub fn live(self) -> bool {
        self.inner.try_with_value(|i| i.live) == Some(true)
    }

    /// Opens a socket (replacing any earlier one) and keeps one open until [`Transport::stop`].
    pub fn start(self, handler: impl Handler) {
        self.inner.update_value(|i| {
            i.stopped = false;
            i.attempt = 0;
        });
        self.connect(handler);
        self.heartbeat();
    }

    /// Closes the socket for good (until the next start); pending requests fail.
    pub fn stop(self, handler: impl Handler) {
        handler.dropped();
        let pending = self.inner.try_update_value(|i| {
            i.stopped = true;
            i.live = false;
            i.generation += 1;
            std::mem::take(&mut i.pending)
        });
        self.detach();
        self.fail(pending.unwrap_or_default());
    }

    /// Stays closed until the next start, without bumping the generation (the app is about to
    /// stop or restart the session).
    #[cfg(feature = "widget")]
    pub fn halt(self) {
        self.inner.update_value(|i| i.stopped = true);
        self.detach();
    }

    /// Reconnects now instead of after the delay, when not live (and not stopped).
    #[cfg(feature = "desk")]
    pub fn retry_now(self, handler: impl Handler) {
        if self.inner.try_with_value(|i| !i.live && !i.stopped) == Some(true) {
            self.connect(handler);
        }
    }

    fn fail(self, pending: HashMap<String, Callback>) {
        for (req, callback) in pending {
            callback(Err(self.not_connected(req)));
        }
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

    fn connect(self, handler: impl Handler) {
        self.detach();
        let Some(generation) = self.inner.try_update_value(|i| {
            i.generation += 1;
            i.generation
        }) else {
            return;
        };
        let Some(ws) = Self::url().and_then(|url| web_sys::WebSocket::new(&url).ok()) else {
            self.schedule_reconnect(handler, generation);
            return;
        };
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(token) = handler.auth_token() {
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
                self.receive(handler, frame);
            }
        });
        let on_close = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            // 1006: closed abnormally (no close frame), what a close without its event means.
            let code = event
                .dyn_ref::<web_sys::CloseEvent>()
                .map_or(1006, |c| c.code());
            self.closed(handler, generation, code);
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        self.inner.update_value(|i| {
            i.ws = Some(ws);
            i.handlers = vec![on_open, on_message, on_close];
        });
    }

    fn closed(self, handler: impl Handler, generation: u64, code: u16) {
        if self.inner.try_with_value(|i| i.generation) != Some(generation) {
            return;
        }
        handler.dropped();
        let pending = self.inner.try_update_value(|i| {
            i.live = false;
            std::mem::take(&mut i.pending)
        });
        self.fail(pending.unwrap_or_default());
        if handler.closed(code) {
            self.schedule_reconnect(handler, generation);
        }
    }

    fn schedule_reconnect(self, handler: impl Handler, generation: u64) {
        let Some((stopped, attempt)) = self.inner.try_update_value(|i| {
            i.attempt += 1;
            (i.stopped, i.attempt)
        }) else {
            return;
        };
        if stopped {
            return;
        }
        let delay = backoff_ms(attempt, web_sys::js_sys::Math::random());
        handler.reconnecting(attempt, delay);
        set_timeout(
            move || {
                let current = self.inner.try_with_value(|i| (i.generation, i.stopped));
                if current == Some((generation, false)) {
                    self.connect(handler);
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
        // One ping every 25 s keeps proxies from closing an idle socket.
        let _ = set_interval_with_handle(
            move || {
                if self.live() {
                    self.send(&ClientFrame::Ping(Ping::default()));
                }
            },
            Duration::from_secs(25),
        );
    }

    fn receive(self, handler: impl Handler, frame: ServerFrame) {
        let answer = match &frame {
            ServerFrame::Ack(ack) => Some((ack.req.clone(), Ok(ack.clone()))),
            ServerFrame::Error(error) => error.req.clone().map(|req| (req, Err(error.clone()))),
            _ => None,
        };
        let welcome = matches!(frame, ServerFrame::Welcome(_));
        handler.receive(&frame, move || {
            let Some((req, reply)) = answer else {
                return;
            };
            let callback = self
                .inner
                .try_update_value(|i| i.pending.remove(&req))
                .flatten();
            if let Some(callback) = callback {
                callback(reply);
            }
        });
        if welcome {
            self.inner.update_value(|i| {
                i.live = true;
                i.attempt = 0;
            });
            handler.welcomed();
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
            (
                format!("{}{}", self.req_prefix, i.next_req),
                i.generation,
                i.live,
            )
        }) else {
            return;
        };
        if !live {
            callback(Err(self.not_connected(req)));
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
                callback(Err(self.not_connected(req)));
            }
        }
    }
}
