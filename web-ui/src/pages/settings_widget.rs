//! Admin, on the Settings page: the chat widget. The tag to paste into the customer's site,
//! which web origins may embed it (`widget_origins`; none listed: any), whether users must
//! come with a verified identity (`widget_identity_required`), and the identity secret the
//! customer's backend signs identities with (shown on request, rotated after a confirmation).
//!
//! Test ids: `widget-settings` (the card), `widget-snippet`, `widget-snippet-copy`,
//! `widget-snippet-copied` (`data-copied`), `widget-app-key` (the tenant's app key),
//! `widget-origins` (one origin per line), `widget-identity-required` (checkbox),
//! `widget-settings-save`, `widget-settings-saved`, `widget-settings-error`,
//! `identity-secret` (`data-shown`), `identity-secret-show`, `identity-secret-rotate`,
//! `identity-secret-error`.

use super::common::{ErrorLine, spawn_call, submit};
use crate::api;
use crate::http::ApiError;
use leptos::prelude::*;
use switchboard_protocol::api::{IdentitySecret, PatchSettings};

/// The tag customers paste into their pages.
pub fn snippet(gateway: &str, app_key: &str) -> String {
    let key = if app_key.trim().is_empty() {
        "YOUR_APP_KEY"
    } else {
        app_key.trim()
    };
    format!(r#"<script src="{gateway}/widget.js" data-app-key="{key}" async></script>"#)
}

/// The origins typed one per line (or separated by spaces or commas), trimmed, without a
/// trailing slash, empty lines dropped. The gateway checks each one.
pub fn parse_origins(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .map(|o| o.trim().trim_end_matches('/').to_owned())
        .filter(|o| !o.is_empty())
        .collect()
}

#[component]
pub fn WidgetCard() -> impl IntoView {
    let gateway = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let app_key = RwSignal::new(String::new());
    let origins = RwSignal::new(String::new());
    let required = RwSignal::new(false);
    let loaded = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let copied = RwSignal::new(None::<bool>);

    spawn_call(api::settings(), error, move |settings| {
        app_key.try_set(settings.app_key);
        origins.try_set(settings.widget_origins.join("\n"));
        required.try_set(settings.widget_identity_required);
        loaded.try_set(true);
    });

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let patch = PatchSettings {
            widget_origins: Some(parse_origins(&origins.get_untracked())),
            widget_identity_required: Some(required.get_untracked()),
            ..PatchSettings::default()
        };
        let call = async move { api::patch_settings(&patch).await };
        submit(None, error, call, move |settings| {
            origins.try_set(settings.widget_origins.join("\n"));
            required.try_set(settings.widget_identity_required);
            saved.try_set(true);
        });
    };

    let code = {
        let gateway = gateway.clone();
        move || snippet(&gateway, &app_key.get())
    };
    let copy = {
        let code = code.clone();
        move |_| {
            copied.set(None);
            crate::clipboard::copy(&code(), move |ok| {
                copied.try_set(Some(ok));
            });
        }
    };

    view! {
            <section class="card" data-testid="widget-settings">
                <h2>"Chat widget"</h2>
                <p class="muted small">
                    "Paste this tag into every page of your site that should show the chat. "
                    "The launcher appears in the bottom-right corner."
                </p>
    <p class="small">
                    "App key: "
                    <code data-testid="widget-app-key">{move || app_key.get()}</code>
                </p>
                <div class="copy-row">
                    <code class="secret" data-testid="widget-snippet">{code}</code>
                    <button type="button" data-testid="widget-snippet-copy" on:click=copy>"Copy"</button>
                    {move || copied.get().map(|ok| view! {
                        <span class="muted small" data-testid="widget-snippet-copied" data-copied=ok.to_string() role="status">
                            {if ok { "Copied" } else { "The browser did not allow copying: select the tag and copy it." }}
                        </span>
                    })}
                </div>
                <form on:submit=save>
                    <div class="form-grid">
                        <label>
                            "Allowed origins (one per line, e.g. https://shop.example; none: any site)"
                            <textarea
                                data-testid="widget-origins"
                                rows="3"
                                placeholder="https://shop.example"
                                bind:value=origins
                            ></textarea>
                        </label>
                        <label class="check">
                            <input type="checkbox" data-testid="widget-identity-required" bind:checked=required />
                            "Require a verified identity (users must come with an identity signed by your backend)"
                        </label>
                    </div>
                    <div class="form-actions">
                        <button class="primary" type="submit" data-testid="widget-settings-save" disabled=move || !loaded.get()>
                            "Save widget settings"
                        </button>
                        <Show when=move || saved.get()>
                            <span class="muted" data-testid="widget-settings-saved" role="status">"Saved."</span>
                        </Show>
                        <Show when=move || error.with(Option::is_some)>
                            <span class="error" data-testid="widget-settings-error" role="alert">{move || error.get().unwrap_or_default()}</span>
                        </Show>
                    </div>
                </form>
                <IdentitySecretRow />
            </section>
        }
}

/// Shows the identity secret `call` answers with in `secret`, or its error in `error`; `busy`
/// while it runs.
fn show_secret(
    call: impl Future<Output = Result<IdentitySecret, ApiError>> + 'static,
    secret: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    error: RwSignal<Option<String>>,
) {
    submit(Some(busy), error, call, move |answer| {
        secret.try_set(Some(answer.identity_secret));
    });
}

/// The identity secret: hidden until asked for; rotating needs a confirmation because every
/// identity signed with the old secret stops working at once.
#[component]
fn IdentitySecretRow() -> impl IntoView {
    let secret = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    let show = move |_| {
        if secret.with_untracked(Option::is_some) {
            secret.set(None);
            return;
        }
        show_secret(api::identity_secret(), secret, busy, error);
    };
    let rotate = move |_| {
        if !super::confirm(
            "Rotate the identity secret? Identities signed with the current secret are refused from now on; update your backend with the new one.",
        ) {
            return;
        }
        show_secret(api::rotate_identity_secret(), secret, busy, error);
    };

    view! {
        <h3>"Identity secret"</h3>
        <p class="muted small">
            "Your backend signs each user's identity (a JWT, HS256, with sub, name, email and a short exp) "
            "with this secret and passes it as data-identity or Switchboard.identify(token). Keep it on your server."
        </p>
        <div class="copy-row">
            <code class="secret" data-testid="identity-secret" data-shown=move || secret.with(Option::is_some).to_string()>
                {move || secret.get().unwrap_or_else(|| "••••••••••••••••".into())}
            </code>
            <button type="button" data-testid="identity-secret-show" disabled=move || busy.get() on:click=show>
                {move || if secret.with(Option::is_some) { "Hide" } else { "Show" }}
            </button>
            <button type="button" class="danger" data-testid="identity-secret-rotate" disabled=move || busy.get() on:click=rotate>
                "Rotate"
            </button>
        </div>
        <ErrorLine error=error testid="identity-secret-error" />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snippet_names_the_gateway_and_the_key() {
        assert_eq!(
            snippet("https://chat.example", " ak_123 "),
            r#"<script src="https://chat.example/widget.js" data-app-key="ak_123" async></script>"#
        );
        assert!(snippet("https://chat.example", "").contains(r#"data-app-key="YOUR_APP_KEY""#));
    }

    #[test]
    fn origins_are_read_one_per_line() {
        assert_eq!(
            parse_origins("https://a.example/\n\n  http://b.example:8080 , https://c.example"),
            [
                "https://a.example",
                "http://b.example:8080",
                "https://c.example"
            ]
        );
        assert!(parse_origins(" \n ").is_empty());
    }
}
