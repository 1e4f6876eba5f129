//! Accepting an invite (`/invite/{token}`): the invited agent chooses a password.
//!
//! Test ids: `invite-password`, `invite-submit`, `invite-error`.

use super::common::{ErrorLine, submit};
use crate::app::Session;
use leptos::prelude::*;

#[component]
pub fn InvitePage(token: String) -> impl IntoView {
    let session = expect_context::<Session>();
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let token = StoredValue::new(token);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let p = password.get_untracked();
        if p.chars().count() < 8 {
            error.set(Some("Choose a password of at least 8 characters.".into()));
            return;
        }
        let call = async move { crate::api::accept_invite(&token.get_value(), p).await };
        submit(Some(busy), error, call, move |answer| {
            session.begin(&answer.token, answer.agent)
        });
    };

    view! {
        <div class="auth-page">
            <form class="auth-card" on:submit=submit>
                <div class="brand">"Switchboard"</div>
                <h1>"Welcome! Choose your password"</h1>
                <label>
                    "Password"
                    <input
                        data-testid="invite-password"
                        type="password"
                        autocomplete="new-password"
                        bind:value=password
                    />
                </label>
                <ErrorLine error=error testid="invite-error" />
                <button
                    class="primary"
                    data-testid="invite-submit"
                    type="submit"
                    disabled=move || busy.get()
                >
                    "Join the desk"
                </button>
            </form>
        </div>
    }
}
