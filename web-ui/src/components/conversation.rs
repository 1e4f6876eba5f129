//! The open conversation: header with actions, messages (sorted and deduplicated by `seq` in
//! the store; older pages load on scroll), typing indicator and composer.
//!
//! Test ids: `conversation-pane`, `conversation-title`, `conversation-status`, `no-conversation`,
//! `messages`, `load-older`, `message` (`data-seq`, `data-kind` user/bot/agent/system,
//! `data-private`), `typing-indicator`, `composer`, `send`, `private-toggle`
//! (`aria-pressed`), `composer-error`, `composer-hint`.

use crate::components::actions::ActionBar;
use crate::pages::desk::Directory;
use crate::socket::Socket;
use crate::store::{DeskState, display_name, rules};
use crate::time;
use leptos::html;
use leptos::prelude::*;
use switchboard_protocol::{
    Author, AuthorKind, ConversationId, ConversationStatus, MAX_TEXT_CHARS, Message, ReplyPolicy,
};

fn kind_name(kind: AuthorKind) -> &'static str {
    match kind {
        AuthorKind::User => "user",
        AuthorKind::Bot => "bot",
        AuthorKind::Agent => "agent",
        AuthorKind::System => "system",
    }
}

/// An author's name, or what they are when they have none (anonymous visitors).
fn author_name(author: &Author) -> String {
    if !author.name.trim().is_empty() {
        return author.name.clone();
    }
    match author.kind {
        AuthorKind::User => "Visitor",
        AuthorKind::Bot => "Bot",
        AuthorKind::Agent => "Agent",
        AuthorKind::System => "",
    }
    .to_owned()
}

/// A fresh idempotency key for `message.send`.
fn client_msg_id() -> String {
    let random = (web_sys::js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
    format!("desk-{:x}-{random:x}", web_sys::js_sys::Date::now() as u64)
}

#[component]
pub fn ConversationPane() -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let open = Memo::new(move |_| store.with(|s| s.open.clone()));
    view! {
        <section class="conversation-pane" data-testid="conversation-pane" aria-label="Conversation">
            {move || match open.get() {
                Some(id) => view! { <Conversation id=id /> }.into_any(),
                None => view! {
                    <div class="placeholder" data-testid="no-conversation">
                        <p>"Pick a conversation from the list."</p>
                    </div>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn Conversation(id: ConversationId) -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let directory = expect_context::<Directory>();
    let key = id.clone();
    let conversation = Memo::new(move |_| store.with(|s| s.conversations.get(&key).cloned()));
    let title = move || conversation.with(|c| c.as_ref().map(display_name).unwrap_or_default());
    let status = move || conversation.with(|c| c.as_ref().map(|c| c.status.as_str()));
    let holder = move || {
        conversation.with(|c| {
            let c = c.as_ref()?;
            let group = directory.group_name(&c.group_id);
            Some(match &c.assignee {
                Some(a) => format!("{} · {}", a.name, group),
                None => group,
            })
        })
    };
    view! {
        <header class="conversation-head">
            <div class="title-block">
                <h2 data-testid="conversation-title">{title}</h2>
                <div class="subtitle">
                    <span
                        class=move || format!("status status-{}", status().unwrap_or_default())
                        data-testid="conversation-status"
                    >
                        {status}
                    </span>
                    <span class="muted">{holder}</span>
                </div>
            </div>
            <ActionBar id=id.clone() />
        </header>
        <Messages id=id.clone() />
        <TypingIndicator id=id.clone() />
        <Composer id=id />
    }
}

#[component]
fn Messages(id: ConversationId) -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let socket = expect_context::<Socket>();
    let scroller = NodeRef::<html::Div>::new();
    let key = id.clone();
    let messages = Memo::new(move |_| store.with(|s| s.messages_of(&key)));
    let key = id.clone();
    let has_older = Memo::new(move |_| store.with(|s| s.has_older(&key)));
    let loading = RwSignal::new(false);
    // Scroll height and position before an older page was prepended, to keep the view still.
    let anchor = StoredValue::new(None::<(i32, i32)>);
    let stick_to_bottom = StoredValue::new(true);
    let first_seq = StoredValue::new(0u64);

    let load_older = {
        let id = id.clone();
        move || {
            if loading.get_untracked() || !has_older.get_untracked() {
                return;
            }
            if let Some(el) = scroller.get_untracked() {
                anchor.set_value(Some((el.scroll_height(), el.scroll_top())));
            }
            loading.set(true);
            socket.load_older(id.clone(), move |_| loading.set(false));
        }
    };

    // After messages change: keep the view where it was when older ones were prepended,
    // else follow the newest when the agent was at the bottom.
    Effect::new(move |_| {
        let bottom = messages.with(|m| m.first().map_or(0, |m| m.seq));
        let _count = messages.with(Vec::len);
        let Some(el) = scroller.get() else {
            return;
        };
        let prepended = bottom < first_seq.get_value() && first_seq.get_value() != 0;
        first_seq.set_value(bottom);
        if prepended && let Some((height, top)) = anchor.get_value() {
            el.set_scroll_top(top + el.scroll_height() - height);
            anchor.set_value(None);
        } else if stick_to_bottom.get_value() {
            el.set_scroll_top(el.scroll_height());
        }
    });

    let on_scroll = {
        let load_older = load_older.clone();
        move |_| {
            if let Some(el) = scroller.get_untracked() {
                let from_bottom = el.scroll_height() - el.scroll_top() - el.client_height();
                stick_to_bottom.set_value(from_bottom < 40);
                if el.scroll_top() < 60 {
                    load_older();
                }
            }
        }
    };

    view! {
        <div class="messages" data-testid="messages" node_ref=scroller on:scroll=on_scroll tabindex="0">
            <Show when=move || has_older.get()>
                <button
                    class="link load-older"
                    data-testid="load-older"
                    disabled=move || loading.get()
                    on:click={
                        let load_older = load_older.clone();
                        move |_| load_older()
                    }
                >
                    {move || if loading.get() { "Loading…" } else { "Load older messages" }}
                </button>
            </Show>
            <For each=move || messages.get() key=|m| m.seq let:message>
                <MessageRow message=message />
            </For>
        </div>
    }
}

#[component]
fn MessageRow(message: Message) -> impl IntoView {
    let kind = kind_name(message.author.kind);
    let private = message.private;
    let label = if message.author.kind == AuthorKind::System {
        String::new()
    } else {
        author_name(&message.author)
    };
    let attachments = message
        .attachments
        .iter()
        .map(|a| {
            view! {
                <a class="attachment" href=a.url.clone() target="_blank" rel="noopener" download="">
                    {a.file_name.clone()}
                </a>
            }
        })
        .collect_view();
    view! {
        <div
            class=format!("message kind-{kind}")
            class:private=private
            data-testid="message"
            data-seq=message.seq.to_string()
            data-kind=kind
            data-private=private.to_string()
        >
            <div class="message-meta">
                <span class="author">{label}</span>
                {private.then(|| view! { <span class="private-tag">"Private note"</span> })}
                <span class="stamp" title=message.created_at.0.clone()>
                    {time::clock(&message.created_at.0)}
                </span>
            </div>
            <div class="message-text">{message.text.clone()}</div>
            {attachments}
        </div>
    }
}

#[component]
fn TypingIndicator(id: ConversationId) -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let key = id.clone();
    let typing = Memo::new(move |_| store.with(|s| s.typing.get(&key).cloned()));
    // Each indication lasts a few seconds unless renewed.
    Effect::new(move |_| {
        if let Some(now) = typing.get() {
            let id = id.clone();
            set_timeout(
                move || {
                    store.try_update(|s| s.clear_typing(&id, now.serial));
                },
                std::time::Duration::from_secs(5),
            );
        }
    });
    view! {
        <div class="typing" data-testid="typing-indicator" aria-live="polite">
            {move || typing.get().map(|t| format!("{} is typing…", t.name))}
        </div>
    }
}

#[component]
fn Composer(id: ConversationId) -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let socket = expect_context::<Socket>();
    let directory = expect_context::<Directory>();
    let text = RwSignal::new(String::new());
    let private = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let last_typing = StoredValue::new(0f64);
    let key = id.clone();
    let conversation = Memo::new(move |_| store.with(|s| s.conversations.get(&key).cloned()));
    let resolved = move || {
        conversation.with(|c| {
            c.as_ref()
                .is_some_and(|c| c.status == ConversationStatus::Resolved)
        })
    };
    // With accept_first, only the holder replies publicly; the composer says so up front.
    let hint = move || {
        let accept_first = directory.settings.with(|s| {
            s.as_ref()
                .is_none_or(|s| s.reply_policy == ReplyPolicy::AcceptFirst)
        });
        let private = private.get();
        store.with(|s| {
            conversation.with(|c| rules::reply(c.as_ref()?, s.me.as_ref()?, private, accept_first))
        })
    };

    let send = {
        let id = id.clone();
        move || {
            let body = text.get_untracked();
            if body.trim().is_empty() || resolved() {
                return;
            }
            if body.chars().count() > MAX_TEXT_CHARS {
                error.set(Some(format!(
                    "Too long: at most {MAX_TEXT_CHARS} characters."
                )));
                return;
            }
            error.set(None);
            text.set(String::new());
            let private_note = private.get_untracked();
            socket.send_message(
                id.clone(),
                client_msg_id(),
                body.clone(),
                private_note,
                move |reply| {
                    if let Err(err) = reply {
                        // Give the text back so nothing typed is lost.
                        if text.get_untracked().is_empty() {
                            text.set(body);
                        }
                        error.set(Some(err.message));
                    }
                },
            );
        }
    };

    let on_keydown = {
        let send = send.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                ev.prevent_default();
                send();
            }
        }
    };
    let on_input = move |_| {
        let now = web_sys::js_sys::Date::now();
        if now - last_typing.get_value() > 3000.0 {
            last_typing.set_value(now);
            socket.typing(&id);
        }
    };

    view! {
        <div class="composer" class:private=move || private.get()>
            <Show when=move || hint().is_some()>
                <div class="hint" data-testid="composer-hint">{move || hint().unwrap_or_default()}</div>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <div class="error" data-testid="composer-error" role="alert">
                    {move || error.get().unwrap_or_default()}
                </div>
            </Show>
            <textarea
                data-testid="composer"
                rows="3"
                aria-label="Message"
                placeholder=move || {
                    if private.get() {
                        "Private note, only agents see it (Enter sends, Shift+Enter for a new line)"
                    } else {
                        "Reply (Enter sends, Shift+Enter for a new line)"
                    }
                }
                disabled=resolved
                bind:value=text
                on:keydown=on_keydown
                on:input=on_input
            ></textarea>
            <div class="composer-bar">
                <button
                    class="toggle"
                    class:on=move || private.get()
                    data-testid="private-toggle"
                    aria-pressed=move || private.get().to_string()
                    title="Private notes are only visible to agents"
                    on:click=move |_| private.update(|p| *p = !*p)
                >
                    {move || if private.get() { "Private note: on" } else { "Private note: off" }}
                </button>
                <button
                    class="primary"
                    data-testid="send"
                    disabled=move || resolved() || text.with(|t| t.trim().is_empty())
                    on:click=move |_| send()
                >
                    {move || if private.get() { "Add note" } else { "Send" }}
                </button>
            </div>
        </div>
    }
}
