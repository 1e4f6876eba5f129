//! The desk: the conversation list of the selected tab, the open conversation, and the
//! contact panel.
//!
//! Test ids (see the components for theirs): `desk`, `conversation-list`, `conversation-item`
//! (`data-conversation-id`, `data-status`), `unread-badge`, `wait-time`, `conversation-preview`
//! (the latest message, kept live by `conversation.activity`) with
//! `conversation-preview-time`, `list-empty`,
//! `closed-search` (the closed tab's search box, applied 300 ms after typing pauses; Escape
//! clears it), `tag-filter` (the "filtered by tag X" chip) and its `tag-filter-clear` button,
//! `bot-filter` (a select: only the conversations one bot took part in, on every tab).
//! Owners and admins also get (except under Closed) `conversation-select` (a checkbox per
//! conversation; `data-conversation-id`) and `select-all` (every conversation shown), and the
//! bulk bar (`components::bulk`); the selection empties when the tab changes.

use crate::components::bulk::BulkBar;
use crate::components::contact::ContactPanel;
use crate::components::conversation::ConversationPane;
use crate::context::{DeskUi, Directory};
use crate::socket::Socket;
use crate::store::{DeskState, ListFilter, display_name, rules, view_label};
use crate::time;
use leptos::prelude::*;
use std::time::Duration;
use switchboard_protocol::{
    BotId, ConversationId, ConversationStatus, ConversationView, HolderKind,
};

fn now_ms() -> i64 {
    web_sys::js_sys::Date::now() as i64
}

#[component]
pub fn DeskPage() -> impl IntoView {
    let directory = Directory {
        groups: RwSignal::new(Vec::new()),
        agents: RwSignal::new(Vec::new()),
        bots: RwSignal::new(Vec::new()),
        settings: RwSignal::new(None),
        now: RwSignal::new(now_ms()),
    };
    provide_context(directory);
    directory.refresh();
    if let Ok(handle) =
        set_interval_with_handle(move || directory.now.set(now_ms()), Duration::from_secs(5))
    {
        on_cleanup(move || handle.clear());
    }

    view! {
        <div class="desk" data-testid="desk">
            <ConversationList />
            <ConversationPane />
            <ContactPanel />
        </div>
    }
}

#[component]
fn ConversationList() -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let socket = expect_context::<Socket>();
    let ui = expect_context::<DeskUi>();
    let directory = expect_context::<Directory>();
    // Bulk actions: owners and admins, on every tab but Closed (nothing to do there).
    let bulk = Memo::new(move |_| {
        ui.tab.get() != ConversationView::Closed
            && store.with(|s| s.me.as_ref().is_some_and(rules::may_bulk))
    });
    let ids = Memo::new(move |_| {
        let view = ui.tab.get();
        store.with(|s| s.shown(view).to_vec())
    });
    let failed = Memo::new(move |_| store.with(|s| s.filter_error.clone()));
    let pending = Memo::new(move |_| {
        let view = ui.tab.get();
        store.with(|s| s.filter_pending(view))
    });

    // The filter follows the tab, the tag, the bot and the closed tab's search; a new one is
    // fetched.
    Effect::new(move |_| {
        let view = ui.tab.get();
        let tag = ui.tag.get();
        let q = if view == ConversationView::Closed {
            ui.query.get()
        } else {
            String::new()
        };
        let filter = ListFilter::with_bot(view, tag.as_deref(), &q, ui.bot.get());
        let changed = store.with_untracked(|s| s.filter != filter);
        if changed {
            store.update(|s| s.set_filter(filter));
            socket.refresh_filter();
        }
    });

    // The search box applies its text once typing pauses.
    let search = RwSignal::new(ui.query.get_untracked());
    let debounce = StoredValue::new(0u64);
    let on_search = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        search.set(value.clone());
        let serial = debounce.get_value() + 1;
        debounce.set_value(serial);
        set_timeout(
            move || {
                if debounce.try_get_value() == Some(serial) {
                    ui.query.set(value);
                }
            },
            Duration::from_millis(300),
        );
    };
    let filtered = move || {
        ui.tag.with(Option::is_some)
            || ui.bot.with(Option::is_some)
            || (ui.tab.get() == ConversationView::Closed && !ui.query.with(|q| q.trim().is_empty()))
    };
    // Another tab: nothing stays ticked.
    Effect::new(move |previous: Option<ConversationView>| {
        let tab = ui.tab.get();
        if previous.is_some_and(|p| p != tab) {
            ui.selected.set(Vec::new());
        }
        tab
    });
    let all_selected = move || {
        ids.with(|ids| {
            !ids.is_empty()
                && ui
                    .selected
                    .with(|sel| ids.iter().all(|id| sel.contains(id)))
        })
    };
    let bots_known = move || directory.bots.with(|b| !b.is_empty()) || ui.bot.with(Option::is_some);

    view! {
        <section class="list-pane" aria-label="Conversations">
            <header class="pane-head">
                <h2>{move || view_label(ui.tab.get())}</h2>
                <span class="muted">{move || format!("{} conversations", ids.with(Vec::len))}</span>
            </header>
            <Show when=move || ui.tab.get() == ConversationView::Closed>
                <div class="list-search">
                    <input
                        type="search"
                        data-testid="closed-search"
                        placeholder="Search name, e-mail or text"
                        aria-label="Search resolved conversations"
                        maxlength="200"
                        prop:value=move || search.get()
                        on:input=on_search
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Escape" {
                                search.set(String::new());
                                debounce.update_value(|d| *d += 1);
                                ui.query.set(String::new());
                            }
                        }
                    />
                </div>
            </Show>
            <Show when=move || bots_known() || bulk.get()>
                <div class="list-tools">
                    <Show when=move || bulk.get()>
                        <label class="select-all">
                            <input
                                type="checkbox"
                                data-testid="select-all"
                                prop:checked=all_selected
                                disabled=move || ids.with(Vec::is_empty)
                                on:change=move |ev| {
                                    if event_target_checked(&ev) {
                                        ui.selected.set(ids.get_untracked());
                                    } else {
                                        ui.selected.set(Vec::new());
                                    }
                                }
                            />
                            "Select all"
                        </label>
                    </Show>
                    <Show when=bots_known>
                        <label class="bot-filter">
                            "Bot"
                            <select
                                data-testid="bot-filter"
                                aria-label="Show only the conversations of a bot"
                                prop:value=move || ui.bot.with(|b| b.as_ref().map(|b| b.to_string()).unwrap_or_default())
                                on:change=move |ev| {
                                    let value = event_target_value(&ev);
                                    ui.bot.set((!value.is_empty()).then(|| BotId::from(value.as_str())));
                                }
                            >
                                <option value="">"All conversations"</option>
                                <For each=move || directory.bots.get() key=|b| b.id.clone() let:bot>
                                    <option value=bot.id.to_string()>{bot.name.clone()}</option>
                                </For>
                            </select>
                        </label>
                    </Show>
                </div>
            </Show>
            <BulkBar />
            {move || ui.tag.get().map(|tag| view! {
                <div class="filter-bar">
                    <span class="filter-chip" data-testid="tag-filter">
                        "filtered by tag "
                        <strong>{tag.clone()}</strong>
                        <button
                            class="chip-x"
                            data-testid="tag-filter-clear"
                            title="Show all again"
                            aria-label=format!("Clear the filter by tag {tag}")
                            on:click=move |_| ui.tag.set(None)
                        >
                            "×"
                        </button>
                    </span>
                </div>
            })}
            <div class="conversation-list" data-testid="conversation-list" role="list">
                <For each=move || ids.get() key=|id| id.clone() let:id>
                    <ConversationItem id=id bulk=bulk />
                </For>
                <Show when=move || ids.with(Vec::is_empty)>
                    <p class="empty" data-testid="list-empty">
                        {move || if pending.get() {
                            "Searching…".to_owned()
                        } else if let Some(reason) = failed.get() {
                            format!("The search failed: {reason}")
                        } else if filtered() {
                            "No conversations match.".to_owned()
                        } else {
                            match ui.tab.get() {
                                ConversationView::Mine => "Nothing assigned to you.",
                                ConversationView::Unassigned => "Nobody is waiting.",
                                ConversationView::Open => "No open conversations.",
                                ConversationView::Bot => "No conversations with bots.",
                                ConversationView::Closed => "No resolved conversations.",
                            }
                            .to_owned()
                        }}
                    </p>
                </Show>
            </div>
        </section>
    }
}

#[component]
fn ConversationItem(id: ConversationId, bulk: Memo<bool>) -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let socket = expect_context::<Socket>();
    let directory = expect_context::<Directory>();
    let ui = expect_context::<DeskUi>();
    let key = id.clone();
    let ticked = Memo::new(move |_| ui.selected.with(|s| s.contains(&key)));
    let tick_id = id.clone();
    let select_id = id.to_string();
    let tick = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        ui.selected.update(|s| {
            s.retain(|other| other != &tick_id);
            if on {
                s.push(tick_id.clone());
            }
        });
    };
    let name = Memo::new({
        let key = id.clone();
        move |_| {
            store.with(|s| {
                s.conversations
                    .get(&key)
                    .map(display_name)
                    .unwrap_or_default()
            })
        }
    });
    let key = id.clone();
    let conversation = Memo::new(move |_| store.with(|s| s.conversations.get(&key).cloned()));
    let key = id.clone();
    let unread = Memo::new(move |_| store.with(|s| s.unread(&key)));
    let key = id.clone();
    let selected = Memo::new(move |_| store.with(|s| s.open.as_ref() == Some(&key)));
    let key = id.clone();
    let typing = Memo::new(move |_| store.with(|s| s.typing.contains_key(&key)));
    let key = id.clone();
    let preview = Memo::new(move |_| store.with(|s| s.previews.get(&key).cloned()));
    let open_id = id.clone();

    let meta = move || {
        let c = conversation.get()?;
        Some(match c.status {
            ConversationStatus::Queued => {
                let since = c.queued_at.as_ref().unwrap_or(&c.created_at);
                let wait = time::ago(&since.0, directory.now.get());
                view! {
                    <span class="wait" data-testid="wait-time" title="Waiting in the queue">
                        {format!("waiting {wait}")}
                    </span>
                    <span class="muted">{format!(" · {}", directory.group_name(&c.group_id))}</span>
                }
                .into_any()
            }
            _ => {
                let holder = match &c.assignee {
                    Some(a) if a.kind == HolderKind::Bot => format!("bot {}", a.name),
                    Some(a) => a.name.clone(),
                    None => directory.group_name(&c.group_id),
                };
                view! { <span class="muted">{holder}</span> }.into_any()
            }
        })
    };

    view! {
        <div class="conversation-row" class:ticked=move || ticked.get() role="listitem">
        <Show when=move || bulk.get()>
            <label class="select-box">
                <input
                    type="checkbox"
                    data-testid="conversation-select"
                    data-conversation-id=select_id.clone()
                    aria-label=move || format!("Select {}", name.get())
                    prop:checked=move || ticked.get()
                    on:change=tick.clone()
                />
            </label>
        </Show>
        <button
            class="conversation-item"
            class:selected=move || selected.get()
            class:unread=move || { unread.get() > 0 }
            data-testid="conversation-item"
            data-conversation-id=id.to_string()
            data-status=move || conversation.with(|c| c.as_ref().map(|c| c.status.as_str()))
            aria-current=move || selected.get().then_some("true")
            on:click=move |_| {
                if !selected.get_untracked() {
                    socket.open(Some(open_id.clone()));
                }
            }
        >
            <div class="item-top">
                <span class="item-name">{move || name.get()}</span>
                <Show when=move || { unread.get() > 0 }>
                    <span class="badge" data-testid="unread-badge" title="Unread messages">
                        {move || unread.get()}
                    </span>
                </Show>
            </div>
            {move || preview.get().map(|p| view! {
                <div class="item-preview" class:private=p.private data-testid="conversation-preview">
                    <span class="preview-text">{p.line()}</span>
                    <span class="preview-time muted" data-testid="conversation-preview-time" title=p.at.clone()>
                        {time::clock(&p.at)}
                    </span>
                </div>
            })}
            <div class="item-bottom">
                <span class=move || {
                    conversation.with(|c| {
                        format!("status status-{}", c.as_ref().map_or("", |c| c.status.as_str()))
                    })
                }>
                    {move || conversation.with(|c| c.as_ref().map(|c| c.status.as_str()))}
                </span>
                {meta}
                <Show when=move || typing.get()>
                    <span class="typing-dot" title="Typing">"typing…"</span>
                </Show>
            </div>
        </button>
        </div>
    }
}
