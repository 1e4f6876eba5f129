//! The agent desk and the end-user chat widget (Leptos, client-side rendered), built from this
//! one crate into two WASM files: the `desk` feature compiles the desk's [`app::App`], the
//! `widget` feature the [`widget`] (so end users on customers' sites download only the widget's
//! code). With both (the default: native tests and clippy), the widget's frame
//! (`/widget/frame`) mounts the widget and every other path the desk.
//!
//! Map:
//! - [`app`]: the shell of contexts: session, route (in the address bar), store, socket.
//! - [`store`]: the desk state, pure, with `apply(&mut DeskState, &ServerFrame)`; unit-tested.
//!   Split by concern: views, state, derived reads, lists, the frame reducer, contacts.
//! - [`socket`]: the one WebSocket: auth, requests matched to acks, reconnect and resync.
//! - [`api`]: the REST calls, typed with the protocol crate.
//! - [`pages`]: one page per file; [`components`]: the parts of the desk page.
//! - [`context`]: what the desk's pages and components share below them ([`context::Directory`]:
//!   groups, agents, bots, settings; [`context::DeskUi`]: the tab, tag and search shown).
//! - [`notify`]: sound and browser notifications; [`clipboard`]: copying text.
//! - [`widget`]: the chat widget in the customer's page (its own module tree).
//! - Shared by both: [`transport`] (the WebSocket: auth, acks, generations, reconnects),
//!   [`http`] (the REST error, percent-encoding), [`backoff`] (reconnect delays), [`compose`]
//!   (composer text editing, emoji), [`attachments`] (links, sizes), [`chat`] (the parts of
//!   the conversation view both have: emoji picker, uploads), [`time`] (times for display).

#[cfg(not(any(feature = "desk", feature = "widget")))]
compile_error!("switchboard-web-ui needs the `desk` feature, the `widget` feature, or both");

mod attachments;
mod backoff;
mod chat;
mod compose;
mod http;
mod time;
mod transport;

#[cfg(feature = "desk")]
mod api;
#[cfg(feature = "desk")]
mod app;
#[cfg(feature = "desk")]
mod clipboard;
#[cfg(feature = "desk")]
mod components;
#[cfg(feature = "desk")]
mod context;
#[cfg(feature = "desk")]
mod notify;
#[cfg(feature = "desk")]
mod pages;
#[cfg(feature = "desk")]
mod socket;
#[cfg(feature = "desk")]
mod store;

#[cfg(feature = "widget")]
mod widget;

fn main() {
    // Panics show in the browser console with their message (WASM only says "unreachable").
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into());
    }));
    mount();
}

/// Both apps compiled in: the path picks one.
#[cfg(all(feature = "desk", feature = "widget"))]
fn mount() {
    let path = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    if widget::is_widget_path(&path) {
        widget::mount();
    } else {
        leptos::mount::mount_to_body(app::App);
    }
}

#[cfg(all(feature = "desk", not(feature = "widget")))]
fn mount() {
    leptos::mount::mount_to_body(app::App);
}

#[cfg(all(feature = "widget", not(feature = "desk")))]
fn mount() {
    widget::mount();
}
