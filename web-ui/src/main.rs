//! The agent desk (Leptos, client-side rendered): mounts [`app::App`].
//!
//! Map:
//! - [`app`]: the shell of contexts: session, route (in the address bar), store, socket.
//! - [`store`]: the desk state, pure, with `apply(&mut DeskState, &ServerFrame)`; unit-tested.
//! - [`socket`]: the one WebSocket: auth, requests matched to acks, reconnect and resync.
//! - [`api`]: the REST calls, typed with the protocol crate.
//! - [`pages`]: one page per file; [`components`]: the parts of the desk page.
//! - [`notify`]: sound and browser notifications; [`time`]: times for display;
//!   [`clipboard`]: copying text.

mod api;
mod app;
mod clipboard;
mod components;
mod notify;
mod pages;
mod socket;
mod store;
mod time;

fn main() {
    // Panics show in the browser console with their message (WASM only says "unreachable").
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into());
    }));
    leptos::mount::mount_to_body(app::App);
}
