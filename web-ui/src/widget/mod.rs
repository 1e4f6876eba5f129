//! The end-user chat widget: the app inside the iframe that `widget.js` puts on a customer's
//! page (served by the gateway at `/widget/frame?app_key=K`; its own WASM, built from this crate
//! with the `widget` feature).
//!
//! Map:
//! - [`state`]: the widget's state, pure (messages deduplicated by `seq`, outbox, unread
//!   count, queue position); unit-tested.
//! - [`session`]: the user's session in `localStorage` per app key, and whose it is.
//! - [`bridge`]: `postMessage` with the embedding page (`ready`, `init`, `unread`, ...).
//! - [`link`]: the WebSocket as the user: auth, catch-up after reconnects, requests.
//! - [`api`]: the widget's REST calls; [`view`]: what the user sees.
//!
//! Start-up: the frame says `ready`, the page answers `init {identity}`, the frame reuses the
//! stored session when it belongs to that identity (or creates one), fetches the user's latest
//! conversation and connects. Opened directly (not in a frame) it starts by itself, anonymous.

mod api;
mod bridge;
mod link;
mod session;
mod state;
mod view;

use bridge::{FromPage, ToPage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use link::{Link, Refusal};
use session::StoredSession;
use state::{Phase, WidgetState};
use std::time::Duration;

/// Whether this page is the widget's frame (else it is the desk): needed only when one WASM
/// holds both apps.
#[cfg(feature = "desk")]
pub fn is_widget_path(path: &str) -> bool {
    path == "/widget/frame" || path.starts_with("/widget/frame/")
}

pub fn mount() {
    leptos::mount::mount_to_body(view::WidgetApp);
}

/// What the user sees when the gateway refuses their identity.
pub const IDENTITY_REFUSED: &str =
    "We could not verify who you are. Please sign in again on this site, then reload the page.";

/// The widget's brain: the session, the link and what the page asked for; `Copy`, a context.
#[derive(Clone, Copy)]
pub struct Controller {
    pub state: RwSignal<WidgetState>,
    pub link: Link,
    app_key: StoredValue<String>,
    /// The identity the page gave last (`None`: anonymous).
    identity: StoredValue<Option<String>>,
    /// The session in use.
    session: StoredValue<Option<StoredSession>>,
    /// Bumped by every start: answers for an older start are dropped.
    generation: StoredValue<u64>,
    /// Whether the session in use was just created (a refusal then is final, not a retry).
    fresh: StoredValue<bool>,
    started: StoredValue<bool>,
}

impl Controller {
    pub fn new() -> Self {
        let app_key = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .and_then(|search| session::query_param(&search, "app_key"))
            .unwrap_or_default();
        let state = RwSignal::new(WidgetState::default());
        let controller = Controller {
            state,
            link: Link::new(state),
            app_key: StoredValue::new(app_key),
            identity: StoredValue::new(None),
            session: StoredValue::new(None),
            generation: StoredValue::new(0),
            fresh: StoredValue::new(false),
            started: StoredValue::new(false),
        };
        controller
            .link
            .on_refused(move |refusal| controller.refused(refusal));
        controller
    }

    /// Boots: config, then either the page's `init` (embedded) or an anonymous start.
    pub fn boot(self) {
        let app_key = self.app_key.get_value();
        if app_key.is_empty() {
            self.fail(
                "not_found",
                "This chat is not set up: the page gave no app key.",
            );
            return;
        }
        spawn_local(async move {
            match api::config(&app_key).await {
                Ok(config) => {
                    self.state
                        .try_update(|s| s.human_chat_enabled = config.human_chat_enabled);
                }
                Err(err) if err.status == 404 => {
                    self.fail("not_found", "This chat is not set up (unknown app key).")
                }
                Err(err) if err.status == 403 => {
                    self.fail("forbidden", "This chat is not available on this site.")
                }
                // The chat may still work; Talk to a person then stays hidden.
                Err(_) => {}
            }
        });
        if bridge::embedded() {
            bridge::listen(move |message| self.on_page_message(message));
            bridge::post(&ToPage::Ready);
        } else {
            self.state.update(|s| s.open = true);
            self.start(None);
        }
    }

    fn on_page_message(self, message: FromPage) {
        match message {
            FromPage::Init { identity } => {
                if self.started.get_value() {
                    self.identify(identity);
                } else {
                    self.start(identity.filter(|t| !t.is_empty()));
                }
            }
            FromPage::Identify { token } => self.identify(token),
            FromPage::Visibility { open } => self.state.update(|s| s.open = open),
        }
    }

    /// The page named a (possibly different) user, or none.
    fn identify(self, token: Option<String>) {
        let token = token.filter(|t| !t.is_empty());
        let sub = token.as_deref().and_then(session::identity_sub);
        let current = self
            .session
            .with_value(|s| s.as_ref().map(|s| s.identity_sub.clone()));
        self.identity.set_value(token.clone());
        if self.started.get_value() && current.as_ref() == Some(&sub) {
            return; // the same user: nothing changes (a fresher token is kept for next time)
        }
        self.start(token);
    }

    /// Opens the session for `identity`: the stored one when it is that user's, else a new one.
    fn start(self, identity: Option<String>) {
        self.started.set_value(true);
        self.identity.set_value(identity.clone());
        self.link.stop();
        let generation = self.next_generation();
        self.state.update(|s| {
            let keep = (s.human_chat_enabled, s.open);
            *s = WidgetState::default();
            (s.human_chat_enabled, s.open) = keep;
        });
        let app_key = self.app_key.get_value();
        let sub = identity.as_deref().and_then(session::identity_sub);
        match session::load(&app_key) {
            Some(stored) if session::reusable(&stored, sub.as_deref()) => {
                self.fresh.set_value(false);
                self.use_session(stored);
            }
            _ => self.create(generation, identity, sub),
        }
    }

    fn next_generation(self) -> u64 {
        self.generation.update_value(|g| *g += 1);
        self.generation.get_value()
    }

    fn create(self, generation: u64, identity: Option<String>, sub: Option<String>) {
        let app_key = self.app_key.get_value();
        spawn_local(async move {
            let answer = api::create_session(&app_key, identity.clone()).await;
            if self.generation.try_get_value() != Some(generation) {
                return;
            }
            match answer {
                Ok(created) => {
                    let stored = StoredSession {
                        token: created.token,
                        user_id: created.user_id,
                        identity_sub: sub,
                        read_seq: 0,
                        agent_read: None,
                    };
                    session::save(&app_key, &stored);
                    self.fresh.set_value(true);
                    self.use_session(stored);
                }
                Err(err) if err.status == 401 => self.fail("unauthorized", IDENTITY_REFUSED),
                Err(err) if err.status == 403 => {
                    self.fail("forbidden", "This chat is not available on this site.")
                }
                Err(err) if err.status == 404 => {
                    self.fail("not_found", "This chat is not set up (unknown app key).")
                }
                Err(err) => {
                    // Unreachable or overloaded: say so and try again shortly.
                    self.state.try_update(|s| {
                        s.phase = Phase::Failed(format!("{} Retrying…", err.message))
                    });
                    set_timeout(
                        move || {
                            if self.generation.try_get_value() == Some(generation) {
                                self.create(generation, identity, sub);
                            }
                        },
                        Duration::from_secs(3),
                    );
                }
            }
        });
    }

    fn use_session(self, stored: StoredSession) {
        self.state.update(|s| {
            s.read_seq = stored.read_seq;
            s.remembered_agent_read = stored.agent_read.clone();
            s.phase = Phase::Ready;
        });
        let token = stored.token.clone();
        self.session.set_value(Some(stored));
        self.link.start(token);
    }

    /// The gateway refused the session in use.
    fn refused(self, refusal: Refusal) {
        match refusal {
            Refusal::Forbidden => {
                self.fail("forbidden", "This chat is not available on this site.")
            }
            Refusal::Unauthorized if self.fresh.get_value() => {
                session::forget(&self.app_key.get_value());
                self.fail("unauthorized", IDENTITY_REFUSED);
            }
            Refusal::Unauthorized => {
                // A stored token that expired or was revoked: drop it, open a new session.
                session::forget(&self.app_key.get_value());
                self.start(self.identity.get_value());
            }
        }
    }

    fn fail(self, code: &str, message: &str) {
        self.link.stop();
        self.state
            .try_update(|s| s.phase = Phase::Failed(message.to_owned()));
        bridge::post(&ToPage::Error {
            code: code.to_owned(),
            message: message.to_owned(),
        });
    }

    /// The user has seen everything shown: report it once per new message, and remember it
    /// for the unread count after a reload.
    pub fn seen(self) {
        // Only an advance writes the state: a write wakes the effect that calls this.
        if self.state.with_untracked(|s| s.top_seq() <= s.read_seq) {
            return;
        }
        let Some(seq) = self.state.try_update(|s| s.mark_seen()).flatten() else {
            return;
        };
        self.link.read(seq);
        let app_key = self.app_key.get_value();
        self.session.update_value(|s| {
            if let Some(stored) = s.as_mut() {
                stored.read_seq = seq;
                session::save(&app_key, stored);
            }
        });
    }

    /// Remembers what an agent has read in the shown conversation, so "Seen" survives a reload.
    pub fn remember_agent_read(self) {
        let read = self.state.with_untracked(|s| {
            s.conversation_id
                .clone()
                .filter(|_| s.agent_read_seq > 0)
                .map(|id| (id, s.agent_read_seq))
        });
        let Some(read) = read else {
            return;
        };
        let app_key = self.app_key.get_value();
        self.session.update_value(|s| {
            if let Some(stored) = s.as_mut()
                && stored.agent_read.as_ref() != Some(&read)
            {
                stored.agent_read = Some(read);
                session::save(&app_key, stored);
            }
        });
    }

    /// The user closes the chat from inside the frame.
    pub fn close(self) {
        bridge::post(&ToPage::Close);
    }

    pub fn token(self) -> String {
        self.session
            .with_value(|s| s.as_ref().map(|s| s.token.clone()))
            .unwrap_or_default()
    }
}

pub fn post_unread(count: u32) {
    bridge::post(&ToPage::Unread { count });
}

pub fn embedded() -> bool {
    bridge::embedded()
}
