//! Admin: bots. Create one (its token is shown once, here); list with connection state;
//! delete with a confirmation step (revokes the token).
//!
//! Test ids: `bots-page`, `bot-create-name`, `bot-create-submit`, `bot-token`,
//! `bot-created`, `admin-error`, `bot-row` (`data-bot-id`), `bot-connected`, `bot-delete`,
//! `bot-delete-confirm`, `bot-delete-cancel`.

use super::common::{AdminPage, CreateCard, DeleteButtons, ErrorLine, loaded, spawn_call, submit};
use crate::api;
use leptos::prelude::*;
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
        submit(None, error, api::create_bot(bot_name), move |bot| {
            created.set(Some(bot));
            name.set(String::new());
            bots.refetch();
        });
    };
    view! {
        <AdminPage testid="bots-page" title="Bots">
            <CreateCard
                title="New bot"
                submit_testid="bot-create-submit"
                submit_label="Create bot"
                on_submit=create
                notice=move || created.get().map(|bot| view! {
                    <div class="notice" data-testid="bot-created" role="status">
                        <span>{format!("{} was created. Copy its token now: it is shown only once.", bot.name)}</span>
                        <div class="secret" data-testid="bot-token">{bot.token}</div>
                        <button type="button" class="link" on:click=move |_| created.set(None)>"I have copied it"</button>
                    </div>
                })
            >
                <label>"Name"<input type="text" data-testid="bot-create-name" bind:value=name /></label>
            </CreateCard>
            <ErrorLine error=error testid="admin-error" />
            {loaded(bots, "Loading bots…", move |list| {
                let empty = list.is_empty();
                view! {
                    <table class="data">
                        <thead><tr><th>"Name"</th><th>"Connection"</th><th>"Id"</th><th></th></tr></thead>
                        <tbody>
                            <For each=move || list.clone() key=|b| (b.id.clone(), b.connected, b.name.clone()) let:bot>
                                <BotRow bot=bot on_change=move || bots.refetch() error=error />
                            </For>
                        </tbody>
                    </table>
                    {empty.then(|| view! { <p class="muted">"No bots yet."</p> })}
                }
            })}
        </AdminPage>
    }
}

#[component]
fn BotRow(
    bot: BotInfo,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let id = StoredValue::new(bot.id.clone());
    let delete = move || {
        let id = id.get_value();
        let call = async move { api::delete_bot(&id).await };
        spawn_call(call, error, move |()| on_change());
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
                <DeleteButtons prefix="bot" title="Delete the bot and revoke its token" on_confirm=delete />
            </div></td>
        </tr>
    }
}
