//! The login page.
//!
//! Test ids: `login-login`, `login-password`, `login-submit`, `login-error`.

use super::common::{ErrorLine, submit};
use crate::app::Session;
use crate::http::ApiError;
use leptos::prelude::*;

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
        crate::notify::ask_permission();
        let call = async move {
            crate::api::login(l.trim().to_owned(), p)
                .await
                .map_err(|err| {
                    if err.is_unauthorized() {
                        ApiError {
                            message: "Wrong login or password.".into(),
                            ..err
                        }
                    } else {
                        err
                    }
                })
        };
        submit(Some(busy), error, call, move |answer| {
            password.set(String::new());
            session.begin(&answer.token, answer.agent);
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
                <ErrorLine error=error testid="login-error" />
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
