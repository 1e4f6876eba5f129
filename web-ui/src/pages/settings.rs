//! Admin: the tenant's settings (human chat, routing mode and the groups it acts on, reply
//! policy, entry bot, default group, reopen fallback, after resolve, bot timeout, offline grace).
//!
//! Test ids: `settings-page`, `settings-human-chat` (checkbox), `settings-routing`,
//! `settings-reply-policy`, `settings-entry-bot` (value `""` for none), `settings-default-group`,
//! `settings-reopen-fallback`, `settings-after-resolve`, `settings-bot-timeout`,
//! `settings-offline-grace`, `settings-save`, `settings-saved`, `admin-error`; the routing
//! mode's reach ([`super::settings_routing`]): `settings-routing-scope`,
//! `settings-default-auto`, `settings-routing-error`. The chat widget's card is in
//! [`super::settings_widget`].
//!
//! Quick responses (owners and admins): `quick-responses` (the card), `quick-response-shortcut`
//! and `quick-response-text` (the new one's fields), `quick-response-create`,
//! `quick-response-error`, `quick-response-empty`, `quick-response` (a row; `data-id`,
//! `data-shortcut`) with `quick-response-shortcut-cell`, `quick-response-text-cell`,
//! `quick-response-edit`, `quick-response-delete` (asks to confirm); while editing,
//! `quick-response-edit-shortcut`, `quick-response-edit-text`, `quick-response-save`,
//! `quick-response-cancel`.

use super::common::{AdminPage, ChoiceSelect, ErrorLine, loaded, submit};
use crate::api;
use crate::http::ApiError;
use crate::store::DeskState;
use leptos::prelude::*;
use leptos::task::spawn_local;
use switchboard_protocol::api::{BotInfo, PatchSettings};
use switchboard_protocol::desk::{CreateQuickResponse, PatchQuickResponse, QuickResponse};
use switchboard_protocol::{
    AfterResolve, BotId, Group, GroupId, Patch, ReopenFallback, ReplyPolicy, Routing, Settings,
};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let data = LocalResource::new(|| async {
        let settings = api::settings().await?;
        let groups = api::groups().await?;
        let bots = api::bots().await.unwrap_or_default();
        Ok::<_, ApiError>((settings, groups, bots))
    });
    view! {
        <AdminPage testid="settings-page" title="Settings">
            {loaded(data, "Loading settings…", |(settings, groups, bots)| {
                view! { <SettingsForm settings=settings groups=groups bots=bots /> }
            })}
            <QuickResponsesCard />
            <super::settings_widget::WidgetCard />
        </AdminPage>
    }
}

#[component]
fn SettingsForm(settings: Settings, groups: Vec<Group>, bots: Vec<BotInfo>) -> impl IntoView {
    let human = RwSignal::new(settings.human_chat_enabled);
    let routing = RwSignal::new(settings.routing);
    let reply = RwSignal::new(settings.reply_policy);
    let entry_bot = RwSignal::new(
        settings
            .entry_bot_id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
    );
    let default_group = RwSignal::new(settings.default_group_id.to_string());
    let fallback = RwSignal::new(settings.reopen_fallback);
    let after_resolve = RwSignal::new(settings.after_resolve);
    // The saved default group (the routing card's "make it automatic" acts on it) and the
    // groups as they change there.
    let saved_default = RwSignal::new(settings.default_group_id.clone());
    let group_list = RwSignal::new(groups.clone());
    let bot_timeout = RwSignal::new(settings.bot_timeout_secs.to_string());
    let grace = RwSignal::new(settings.offline_grace_secs.to_string());
    let current = StoredValue::new(settings);
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let before = current.get_value();
        let (Ok(timeout), Ok(grace_secs)) = (
            bot_timeout.get_untracked().trim().parse::<u32>(),
            grace.get_untracked().trim().parse::<u32>(),
        ) else {
            error.set(Some("Timeouts are whole numbers of seconds.".into()));
            return;
        };
        let entry = entry_bot.get_untracked();
        let entry = (!entry.is_empty()).then(|| BotId::from(entry));
        let group = GroupId::from(default_group.get_untracked());
        let patch = PatchSettings {
            human_chat_enabled: (human.get_untracked() != before.human_chat_enabled)
                .then(|| human.get_untracked()),
            routing: (routing.get_untracked() != before.routing).then(|| routing.get_untracked()),
            reply_policy: (reply.get_untracked() != before.reply_policy)
                .then(|| reply.get_untracked()),
            entry_bot_id: if entry == before.entry_bot_id {
                Patch::Keep
            } else {
                entry.map_or(Patch::Clear, Patch::Set)
            },
            default_group_id: if group == before.default_group_id {
                Patch::Keep
            } else {
                Patch::Set(group)
            },
            reopen_fallback: (fallback.get_untracked() != before.reopen_fallback)
                .then(|| fallback.get_untracked()),
            bot_timeout_secs: (timeout != before.bot_timeout_secs).then_some(timeout),
            offline_grace_secs: (grace_secs != before.offline_grace_secs).then_some(grace_secs),
            // The widget card saves its own fields.
            widget_origins: None,
            widget_identity_required: None,
            after_resolve: (after_resolve.get_untracked() != before.after_resolve)
                .then(|| after_resolve.get_untracked()),
        };
        let call = async move { api::patch_settings(&patch).await };
        submit(None, error, call, move |settings| {
            saved_default.set(settings.default_group_id.clone());
            current.set_value(settings);
            saved.set(true);
        });
    };

    view! {
        <form class="card" on:submit=save>
            <div class="form-grid">
                <label class="check">
                    <input type="checkbox" data-testid="settings-human-chat" bind:checked=human />
                    "Human chat enabled (off: bots only, no handovers)"
                </label>
                <ChoiceSelect label="Routing" testid="settings-routing" value=routing options=&[
                    (Routing::OnlineOnly, "online_only", "Online agents only"),
                    (Routing::OnlineThenOffline, "online_then_offline", "Online, then offline agents"),
                ] />
                <super::settings_routing::RoutingScope groups=group_list default_group=saved_default />
                <ChoiceSelect label="Reply policy" testid="settings-reply-policy" value=reply options=&[
                    (ReplyPolicy::AcceptFirst, "accept_first", "Accept before replying"),
                    (ReplyPolicy::ReplyAssigns, "reply_assigns", "A reply assigns the conversation"),
                ] />
                <label>
                    "Entry bot"
                    <select data-testid="settings-entry-bot" on:change=move |ev| entry_bot.set(event_target_value(&ev))>
                        <option value="" selected=move || entry_bot.with(String::is_empty)>"None: straight to the queue"</option>
                        {bots.into_iter().map(|bot| {
                            let value = bot.id.to_string();
                            let check = value.clone();
                            view! { <option value=value selected=move || entry_bot.get() == check>{bot.name}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    "Default group"
                    <select data-testid="settings-default-group" on:change=move |ev| default_group.set(event_target_value(&ev))>
                        {groups.into_iter().map(|group| {
                            let value = group.id.to_string();
                            let check = value.clone();
                            view! { <option value=value selected=move || default_group.get() == check>{group.name}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <ChoiceSelect
                    label="Reopened conversations, when their agent cannot take them"
                    testid="settings-reopen-fallback"
                    value=fallback
                    options=&[
                        (ReopenFallback::Queue, "queue", "Go to the queue"),
                        (ReopenFallback::EntryBot, "entry_bot", "Go to the entry bot"),
                    ]
                />
                <ChoiceSelect
                    label="A user who writes after their conversation was resolved"
                    testid="settings-after-resolve"
                    value=after_resolve
                    options=&[
                        (AfterResolve::Reopen, "reopen", "Reopens that conversation"),
                        (AfterResolve::NewConversation, "new_conversation", "Starts a new conversation"),
                    ]
                />
                <label>"Bot timeout (seconds, 0: never)"<input type="number" min="0" data-testid="settings-bot-timeout" bind:value=bot_timeout /></label>
                <label>"Offline grace (seconds)"<input type="number" min="0" data-testid="settings-offline-grace" bind:value=grace /></label>
            </div>
            <div class="form-actions">
                <button class="primary" type="submit" data-testid="settings-save">"Save settings"</button>
                <Show when=move || saved.get()><span class="muted" data-testid="settings-saved" role="status">"Saved."</span></Show>
                <Show when=move || error.with(Option::is_some)>
                    <span class="error" data-testid="admin-error" role="alert">{move || error.get().unwrap_or_default()}</span>
                </Show>
            </div>
        </form>
    }
}

/// The tenant's quick responses (canned answers an agent inserts by typing `/shortcut`):
/// create, edit, delete. Changes also update the desk's cached list.
#[component]
fn QuickResponsesCard() -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let list = RwSignal::new(Vec::<QuickResponse>::new());
    let loading = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);
    let shortcut = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let editing = RwSignal::new(None::<String>);

    let sorted = move |mut items: Vec<QuickResponse>| {
        items.sort_by(|a, b| a.shortcut.cmp(&b.shortcut));
        items
    };
    spawn_local(async move {
        match api::quick_responses().await {
            Ok(items) => {
                list.try_set(sorted(items.clone()));
                store.try_update(|s| s.set_quick_responses(items));
            }
            Err(err) => {
                error.try_set(Some(err.message));
            }
        }
        loading.try_set(false);
    });

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = CreateQuickResponse {
            shortcut: shortcut.get_untracked().trim().to_owned(),
            text: text.get_untracked(),
        };
        if body.shortcut.is_empty() || body.text.trim().is_empty() {
            error.set(Some("A quick response needs a shortcut and a text.".into()));
            return;
        }
        let call = async move { api::create_quick_response(&body).await };
        submit(Some(busy), error, call, move |created| {
            list.try_update(|l| {
                l.push(created.clone());
                l.sort_by(|a, b| a.shortcut.cmp(&b.shortcut));
            });
            store.try_update(|s| s.upsert_quick_response(created));
            shortcut.try_set(String::new());
            text.try_set(String::new());
        });
    };

    view! {
        <section class="card" data-testid="quick-responses">
            <h2>"Quick responses"</h2>
            <p class="muted small">
                "Agents type / in the composer to find these by shortcut and insert their text."
            </p>
            <form class="quick-form" on:submit=create>
                <label>
                    "Shortcut"
                    <input
                        type="text"
                        data-testid="quick-response-shortcut"
                        placeholder="/thanks"
                        maxlength="50"
                        bind:value=shortcut
                    />
                </label>
                <label class="grow">
                    "Text"
                    <textarea data-testid="quick-response-text" rows="2" bind:value=text></textarea>
                </label>
                <button class="primary" type="submit" data-testid="quick-response-create" disabled=move || busy.get()>
                    "Add"
                </button>
            </form>
            <ErrorLine error=error testid="quick-response-error" />
            <Show when=move || !loading.get() && list.with(Vec::is_empty)>
                <p class="muted" data-testid="quick-response-empty">"No quick responses yet."</p>
            </Show>
            <Show when=move || list.with(|l| !l.is_empty())>
                <table class="data quick-table">
                    <thead><tr><th>"Shortcut"</th><th>"Text"</th><th></th></tr></thead>
                    <tbody>
                        <For each=move || list.get() key=|r| (r.id.clone(), r.shortcut.clone(), r.text.clone()) let:response>
                            <QuickResponseRow response=response list=list editing=editing error=error />
                        </For>
                    </tbody>
                </table>
            </Show>
        </section>
    }
}

#[component]
fn QuickResponseRow(
    response: QuickResponse,
    list: RwSignal<Vec<QuickResponse>>,
    editing: RwSignal<Option<String>>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let id = response.id.clone();
    let is_editing = {
        let id = id.clone();
        move || editing.with(|e| e.as_deref() == Some(id.as_str()))
    };
    let shortcut = RwSignal::new(response.shortcut.clone());
    let text = RwSignal::new(response.text.clone());
    let busy = RwSignal::new(false);
    let original = StoredValue::new(response.clone());

    let save = {
        let id = id.clone();
        move || {
            let before = original.get_value();
            let new_shortcut = shortcut.get_untracked().trim().to_owned();
            let new_text = text.get_untracked();
            let body = PatchQuickResponse {
                shortcut: (new_shortcut != before.shortcut).then_some(new_shortcut),
                text: (new_text != before.text).then_some(new_text),
            };
            if body.shortcut.is_none() && body.text.is_none() {
                editing.set(None);
                return;
            }
            let id = id.clone();
            let call = async move { api::patch_quick_response(&id, &body).await };
            submit(Some(busy), error, call, move |updated| {
                editing.try_set(None);
                store.try_update(|s| s.upsert_quick_response(updated.clone()));
                list.try_update(|l| {
                    l.retain(|r| r.id != updated.id);
                    l.push(updated);
                    l.sort_by(|a, b| a.shortcut.cmp(&b.shortcut));
                });
            });
        }
    };
    let delete = {
        let id = id.clone();
        let shortcut = response.shortcut.clone();
        move |_| {
            if !super::confirm(&format!("Delete the quick response {shortcut}?")) {
                return;
            }
            busy.set(true);
            error.set(None);
            let id = id.clone();
            spawn_local(async move {
                match api::delete_quick_response(&id).await {
                    Ok(()) => {
                        store.try_update(|s| s.remove_quick_response(&id));
                        list.try_update(|l| l.retain(|r| r.id != id));
                    }
                    Err(err) => {
                        error.try_set(Some(err.message));
                        busy.try_set(false);
                    }
                }
            });
        }
    };
    let cancel = move |_| {
        let before = original.get_value();
        shortcut.set(before.shortcut);
        text.set(before.text);
        editing.set(None);
    };
    let start_edit = {
        let id = id.clone();
        move |_| editing.set(Some(id.clone()))
    };
    let editing_view = is_editing.clone();

    view! {
        <tr data-testid="quick-response" data-id=id.clone() data-shortcut=response.shortcut.clone()>
            {move || if editing_view() {
                let save = save.clone();
                view! {
                    <td>
                        <input type="text" data-testid="quick-response-edit-shortcut" maxlength="50" bind:value=shortcut />
                    </td>
                    <td>
                        <textarea data-testid="quick-response-edit-text" rows="2" bind:value=text></textarea>
                    </td>
                    <td class="row-actions">
                        <button class="primary" data-testid="quick-response-save" disabled=move || busy.get() on:click=move |_| save()>
                            "Save"
                        </button>
                        <button data-testid="quick-response-cancel" on:click=cancel>"Cancel"</button>
                    </td>
                }
                .into_any()
            } else {
                let delete = delete.clone();
                let start_edit = start_edit.clone();
                view! {
                    <td class="quick-shortcut" data-testid="quick-response-shortcut-cell">{original.get_value().shortcut}</td>
                    <td class="quick-text-cell" data-testid="quick-response-text-cell">{original.get_value().text}</td>
                    <td class="row-actions">
                        <button data-testid="quick-response-edit" disabled=move || busy.get() on:click=start_edit>"Edit"</button>
                        <button class="danger" data-testid="quick-response-delete" disabled=move || busy.get() on:click=delete>"Delete"</button>
                    </td>
                }
                .into_any()
            }}
        </tr>
    }
}
