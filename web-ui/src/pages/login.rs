//! The login page.
//!
//! Test ids: `login-login`, `login-password`, `login-submit`, `login-error`.

use crate::app::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (l, p) = (login.get_untracked(), password.get_untracked());
        if l.trim().is_empty() || p.is_empty() {
            error.set(Some("Enter your login and password.".into()));
            return;
        }
        busy.set(true);
        error.set(None);
        crate::notify::ask_permission();
        spawn_local(async move {
            match crate::api::login(l.trim().to_owned(), p).await {
                Ok(answer) => {
                    password.set(String::new());
                    session.begin(&answer.token, answer.agent);
                }
                Err(err) => error.set(Some(if err.is_unauthorized() {
                    "Wrong login or password.".into()
                } else {
                    err.message
                })),
            }
            busy.set(false);
        });
    };

    view! {
        <div class="auth-page">
            <form class="auth-card" on:submit=submit>
                <div class="brand">"Switchboard"</div>
                <h1>"Sign in to the desk"</h1>
                <label>
                    "Login"
                    <input
                        data-testid="login-login"
                        type="text"
                        autocomplete="username"
                        autofocus
                        bind:value=login
                    />
                </label>
                <label>
                    "Password"
                    <input
                        data-testid="login-password"
                        type="password"
                        autocomplete="current-password"
                        bind:value=password
                    />
                </label>
                <Show when=move || error.with(Option::is_some)>
                    <p class="error" data-testid="login-error" role="alert">
                        {move || error.get().unwrap_or_default()}
                    </p>
                </Show>
                <button
                    class="primary"
                    data-testid="login-submit"
                    type="submit"
                    disabled=move || busy.get()
                >
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </div>
    }
}
