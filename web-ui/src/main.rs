//! The agent desk: mounts the app into the page.

use leptos::prelude::*;

fn main() {
    console_error_panic_hook_free();
    leptos::mount::mount_to_body(App);
}

/// Panics surface in the browser console through Leptos' own hook in debug builds.
fn console_error_panic_hook_free() {}

#[component]
fn App() -> impl IntoView {
    view! { <main data-testid="desk"><h1>"Switchboard"</h1></main> }
}
