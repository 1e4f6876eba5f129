//! Admin: bots. Create one (its token is shown once, here); list with connection state;
//! delete with a confirmation step (revokes the token).
//!
//! Test ids: `bots-page`, `bot-create-name`, `bot-create-submit`, `bot-token`,
//! `bot-created`, `admin-error`, `bot-row` (`data-bot-id`), `bot-connected`, `bot-delete`,
//! `bot-delete-confirm`, `bot-delete-cancel`.

use crate::api;
use crate::http::ApiError;
use leptos::prelude::*;
use leptos::task::spawn_local;
use switchboard_protocol::api::{BotInfo, CreatedBot};

#[component]
pub fn BotsPage() -> impl IntoView {
    let bots = LocalResource::new(api::bots);
    let error = RwSignal::new(None::<String>);
    let name = RwSignal::new(String::new());
    let created = RwSignal::new(None::<CreatedBot>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let bot_name = name.get_untracked().trim().to_owned();
        if bot_name.is_empty() {
            error.set(Some("A bot needs a name.".into()));
            return;
        }
        error.set(None);
        spawn_local(async move {
            match api::create_bot(bot_name).await {
                Ok(bot) => {
                    created.set(Some(bot));
                    name.set(String::new());
                    bots.refetch();
                }
                Err(err) => error.set(Some(err.message)),
            }
        });
    };
    view! {
        <div class="admin-page" data-testid="bots-page">
            <div class="admin-head"><h1>"Bots"</h1></div>
            <form class="card" on:submit=create>
                <h2>"New bot"</h2>
                <div class="form-grid">
                    <label>"Name"<input type="text" data-testid="bot-create-name" bind:value=name /></label>
                </div>
                <div class="form-actions">
                    <button class="primary" type="submit" data-testid="bot-create-submit">"Create bot"</button>
                </div>
                {move || created.get().map(|bot| view! {
                    <div class="notice" data-testid="bot-created" role="status">
                        <span>{format!("{} was created. Copy its token now: it is shown only once.", bot.name)}</span>
                        <div class="secret" data-testid="bot-token">{bot.token}</div>
                        <button type="button" class="link" on:click=move |_| created.set(None)>"I have copied it"</button>
                    </div>
                })}
            </form>
            <Show when=move || error.with(Option::is_some)>
                <p class="error" data-testid="admin-error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <Suspense fallback=|| view! { <p class="muted">"Loading bots…"</p> }>
                <ErrorBoundary fallback=|errors| view! {
                    <p class="error">{move || errors.get().into_iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join(" ")}</p>
                }>
                    {move || Suspend::new(async move {
                        let list = bots.await?;
                        let empty = list.is_empty();
                        Ok::<_, ApiError>(view! {
                            <table class="data">
                                <thead><tr><th>"Name"</th><th>"Connection"</th><th>"Id"</th><th></th></tr></thead>
                                <tbody>
                                    <For each=move || list.clone() key=|b| (b.id.clone(), b.connected, b.name.clone()) let:bot>
                                        <BotRow bot=bot on_change=move || bots.refetch() error=error />
                                    </For>
                                </tbody>
                            </table>
                            {empty.then(|| view! { <p class="muted">"No bots yet."</p> })}
                        })
                    })}
                </ErrorBoundary>
            </Suspense>
        </div>
    }
}

#[component]
fn BotRow(
    bot: BotInfo,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let id = StoredValue::new(bot.id.clone());
    let delete = move |_| {
        let id = id.get_value();
        spawn_local(async move {
            match api::delete_bot(&id).await {
                Ok(()) => on_change(),
                Err(err) => error.set(Some(err.message)),
            }
        });
    };
    view! {
        <tr data-testid="bot-row" data-bot-id=bot.id.to_string()>
            <td>{bot.name.clone()}</td>
            <td data-testid="bot-connected">
                <span class="pill"><span class="dot" class:online=bot.connected></span>
                {if bot.connected { "connected" } else { "not connected" }}</span>
            </td>
            <td class="muted small">{bot.id.to_string()}</td>
            <td><div class="row-actions">
                {move || if confirming.get() {
                    view! {
                        <button class="danger" data-testid="bot-delete-confirm" on:click=delete>"Confirm delete"</button>
                        <button data-testid="bot-delete-cancel" on:click=move |_| confirming.set(false)>"Cancel"</button>
                    }.into_any()
                } else {
                    view! {
                        <button class="danger" data-testid="bot-delete" title="Delete the bot and revoke its token" on:click=move |_| confirming.set(true)>"Delete"</button>
                    }.into_any()
                }}
            </div></td>
        </tr>
    }
}
