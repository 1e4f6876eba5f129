//! The open conversation: header with actions, messages (sorted and deduplicated by `seq` in
//! the store; older pages load on scroll), typing indicator and composer.
//!
//! Test ids: `conversation-pane`, `conversation-title`, `conversation-status`, `no-conversation`,
//! `messages`, `load-older`, `message` (`data-seq`, `data-kind` user/bot/agent/system,
//! `data-private`), `seen-marker` (under the last agent or bot message the user has read;
//! `data-seq`), `typing-indicator`, `composer`, `send`, `private-toggle`
//! (`aria-pressed`), `composer-error`, `composer-hint`.
//!
//! Quick responses: typing `/word` opens `quick-popup` with `quick-option` items
//! (`data-shortcut`, `aria-selected`); ↑↓ choose, Enter or Tab inserts, Esc closes.
//! Emoji: `emoji-button` toggles `emoji-picker` with `emoji-option` items (`data-emoji`).
//! Attachments: `attach-input` (the file input), `attachment-chip` (an uploaded file waiting
//! to be sent; `data-attachment-id`) with `attachment-remove`, `attachment-uploading`;
//! on messages, `attachment-link` (`data-attachment-id`; images show as thumbnails).

use crate::attachments;
use crate::chat::{self, kind_name};
use crate::components::actions::ActionBar;
use crate::compose;
use crate::context::Directory;
use crate::socket::Socket;
use crate::store::{self, DeskState, display_name, rules};
use crate::time;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use switchboard_protocol::{
    Attachment, AttachmentId, Author, AuthorKind, ConversationId, ConversationStatus,
    MAX_TEXT_CHARS, Message, ReplyPolicy,
};

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
    let key = id.clone();
    let seen = Memo::new(move |_| store.with(|s| s.seen_seq(&key)));
    let loading = RwSignal::new(false);
    let keeper = chat::ScrollKeeper::new();

    let load_older = {
        let id = id.clone();
        move || {
            if loading.get_untracked() || !has_older.get_untracked() {
                return;
            }
            if let Some(el) = scroller.get_untracked() {
                keeper.before_older(&el);
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
        if let Some(el) = scroller.get() {
            keeper.changed(&el, bottom);
        }
    });

    let on_scroll = {
        let load_older = load_older.clone();
        move |_| {
            if let Some(el) = scroller.get_untracked() {
                keeper.scrolled(&el);
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
                <MessageRow message=message seen=seen />
            </For>
        </div>
    }
}

#[component]
fn MessageRow(message: Message, seen: Memo<Option<u64>>) -> impl IntoView {
    let kind = kind_name(message.author.kind);
    let seq = message.seq;
    let private = message.private;
    let label = if message.author.kind == AuthorKind::System {
        String::new()
    } else {
        author_name(&message.author)
    };
    // Links and images cannot send headers: the token goes in `?token=`.
    let token = crate::api::saved_token().unwrap_or_default();
    let attachments = (!message.attachments.is_empty()).then(|| {
        let items = message
            .attachments
            .iter()
            .map(|a| {
                let href = attachments::download_url(&a.url, &token);
                let src = href.clone();
                let name = a.file_name.clone();
                let alt = name.clone();
                let download = name.clone();
                let title = format!("{} ({})", a.file_name, attachments::size_label(a.size));
                if attachments::is_image(&a.content_type) {
                    view! {
                        <a
                            class="attachment image"
                            data-testid="attachment-link"
                            data-attachment-id=a.id.to_string()
                            href=href
                            download=download
                            rel="noopener"
                            title=title
                        >
                            <img src=src alt=alt loading="lazy" />
                            <span class="attachment-name">{name}</span>
                        </a>
                    }
                    .into_any()
                } else {
                    view! {
                        <a
                            class="attachment file"
                            data-testid="attachment-link"
                            data-attachment-id=a.id.to_string()
                            href=href
                            download=download
                            rel="noopener"
                            title=title
                        >
                            {clip_icon()}
                            <span class="attachment-name">{name}</span>
                            <span class="attachment-size">{attachments::size_label(a.size)}</span>
                        </a>
                    }
                    .into_any()
                }
            })
            .collect_view();
        view! { <div class="attachments">{items}</div> }
    });
    let has_text = !message.text.is_empty();
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
            {has_text.then(|| view! { <div class="message-text">{message.text.clone()}</div> })}
            {attachments}
        </div>
        <Show when=move || seen.get() == Some(seq)>
            <div
                class=format!("seen-marker kind-{kind}")
                data-testid="seen-marker"
                data-seq=seq.to_string()
                title="The visitor has read this"
            >
                "Seen"
            </div>
        </Show>
    }
}

/// The desk's paper clip (styled by `.icon`).
fn clip_icon() -> impl IntoView {
    chat::clip_icon(Some("icon"), "16")
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
    let textarea = NodeRef::<html::Textarea>::new();
    let file_input = NodeRef::<html::Input>::new();
    // Uploaded, waiting for the message that carries them.
    let pending = RwSignal::new(Vec::<Attachment>::new());
    let uploading = RwSignal::new(0usize);
    // The `/word` at the caret (its byte start, the word) while the popup is open.
    let quick = RwSignal::new(None::<(usize, String)>);
    let quick_index = RwSignal::new(0usize);
    let quick_error = RwSignal::new(None::<String>);
    let fetching = StoredValue::new(false);
    let emoji_open = RwSignal::new(false);
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
    // The popup's choices: `None` while the quick responses are being fetched.
    let matches = Memo::new(move |_| {
        let query = quick.with(|q| q.as_ref().map(|(_, word)| word.clone()))?;
        Some(store.with(|s| {
            s.quick_responses
                .as_deref()
                .map(|list| store::quick_matches(list, &query, 8))
        }))
    });

    // The quick responses are fetched once per session, when the first `/` is typed.
    let load_quick_responses = move || {
        if fetching.get_value() || store.with_untracked(|s| s.quick_responses.is_some()) {
            return;
        }
        fetching.set_value(true);
        quick_error.set(None);
        spawn_local(async move {
            match crate::api::quick_responses().await {
                Ok(list) => {
                    store.update(|s| s.set_quick_responses(list));
                }
                Err(err) => {
                    quick_error.try_set(Some(err.message));
                }
            }
            fetching.try_set_value(false);
        });
    };
    let caret = move || chat::caret(textarea, text);
    // Puts new text in the box with the caret at `at` (UTF-16).
    let put_text = move |next: String, at: u32| {
        text.set(next.clone());
        if let Some(el) = textarea.get_untracked() {
            el.set_value(&next);
            let _ = el.focus();
            let _ = el.set_selection_range(at, at);
        }
        // Again once the view has caught up with the signal.
        request_animation_frame(move || {
            if let Some(el) = textarea.get_untracked() {
                let _ = el.set_selection_range(at, at);
            }
        });
    };
    let update_quick = move || {
        let Some(el) = textarea.get_untracked() else {
            return;
        };
        let found = compose::slash_query(&el.value(), caret());
        if found.is_some() {
            load_quick_responses();
        }
        let same_word = quick.with_untracked(|q| {
            q.as_ref().map(|(_, w)| w.as_str()) == found.as_ref().map(|(_, w)| w.as_str())
        });
        if !same_word {
            quick_index.set(0);
            quick.set(found);
        }
    };
    let pick = move |response: String| {
        let Some((start, _)) = quick.get_untracked() else {
            return;
        };
        let current = chat::current_text(textarea, text);
        let end = compose::byte_index(&current, caret());
        let (next, at) = compose::replace(&current, start, end, &response);
        quick.set(None);
        put_text(next, at);
    };
    let insert_emoji = move |emoji: &'static str| {
        let current = chat::current_text(textarea, text);
        let (next, at) = compose::insert_at(&current, caret(), emoji);
        emoji_open.set(false);
        put_text(next, at);
    };

    let on_files = move |_| {
        chat::upload_chosen(file_input, pending, uploading, error, |file| async move {
            crate::api::upload(&file).await
        });
    };

    let can_send = move || {
        !resolved()
            && uploading.get() == 0
            && (text.with(|t| !t.trim().is_empty()) || pending.with(|p| !p.is_empty()))
    };
    let send = {
        let id = id.clone();
        move || {
            if !can_send() {
                return;
            }
            let body = text.get_untracked();
            if body.chars().count() > MAX_TEXT_CHARS {
                error.set(Some(format!(
                    "Too long: at most {MAX_TEXT_CHARS} characters."
                )));
                return;
            }
            let files = pending.get_untracked();
            let ids: Vec<AttachmentId> = files.iter().map(|a| a.id.clone()).collect();
            error.set(None);
            text.set(String::new());
            pending.set(Vec::new());
            quick.set(None);
            let private_note = private.get_untracked();
            socket.send_message(
                id.clone(),
                chat::client_msg_id("desk"),
                body.clone(),
                ids,
                private_note,
                move |reply| {
                    if let Err(err) = reply {
                        // Give the text and files back so nothing is lost.
                        if text.get_untracked().is_empty() {
                            text.set(body);
                        }
                        if pending.with_untracked(Vec::is_empty) {
                            pending.set(files);
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
            if ev.is_composing() {
                return;
            }
            let key = ev.key();
            if let Some(choices) = matches.get_untracked() {
                let choices = choices.unwrap_or_default();
                let n = choices.len();
                let handled = match key.as_str() {
                    "ArrowDown" if n > 0 => {
                        quick_index.update(|i| *i = (*i + 1) % n);
                        true
                    }
                    "ArrowUp" if n > 0 => {
                        quick_index.update(|i| *i = (*i + n - 1) % n);
                        true
                    }
                    "Enter" | "Tab" if n > 0 && !ev.shift_key() => {
                        let at = quick_index.get_untracked().min(n - 1);
                        pick(choices[at].text.clone());
                        true
                    }
                    "Escape" => {
                        quick.set(None);
                        true
                    }
                    _ => false,
                };
                if handled {
                    ev.prevent_default();
                    ev.stop_propagation();
                    return;
                }
            }
            if key == "Enter" && !ev.shift_key() {
                ev.prevent_default();
                send();
            }
        }
    };
    let on_input = {
        let id = id.clone();
        move |_| {
            update_quick();
            let now = web_sys::js_sys::Date::now();
            if now - last_typing.get_value() > 3000.0 {
                last_typing.set_value(now);
                socket.typing(&id);
            }
        }
    };

    view! {
        <div
            class="composer"
            class:private=move || private.get()
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Escape" && emoji_open.get_untracked() {
                    emoji_open.set(false);
                    if let Some(el) = textarea.get_untracked() {
                        let _ = el.focus();
                    }
                }
            }
        >
            <Show when=move || hint().is_some()>
                <div class="hint" data-testid="composer-hint">{move || hint().unwrap_or_default()}</div>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <div class="error" data-testid="composer-error" role="alert">
                    {move || error.get().unwrap_or_default()}
                </div>
            </Show>
            {move || matches.get().map(|choices| {
                let body = match choices {
                    None => match quick_error.get() {
                        Some(err) => view! { <div class="quick-empty error small">{err}</div> }.into_any(),
                        None => view! { <div class="quick-empty muted">"Loading quick responses…"</div> }.into_any(),
                    },
                    Some(choices) if choices.is_empty() => view! {
                        <div class="quick-empty muted">"No quick response matches."</div>
                    }.into_any(),
                    Some(choices) => choices
                        .into_iter()
                        .enumerate()
                        .map(|(n, choice)| {
                            let selected = move || quick_index.get() == n;
                            let inserted = choice.text.clone();
                            view! {
                                <div
                                    class="quick-option"
                                    class:selected=selected
                                    role="option"
                                    data-testid="quick-option"
                                    data-shortcut=choice.shortcut.clone()
                                    aria-selected=move || selected().to_string()
                                    on:mousedown=move |ev: leptos::ev::MouseEvent| {
                                        // Keeps the focus (and the caret) in the text box.
                                        ev.prevent_default();
                                        pick(inserted.clone());
                                    }
                                    on:mouseenter=move |_| quick_index.set(n)
                                >
                                    <span class="quick-shortcut">{choice.shortcut.clone()}</span>
                                    <span class="quick-text">{choice.text.clone()}</span>
                                </div>
                            }
                        })
                        .collect_view()
                        .into_any(),
                };
                view! {
                    <div class="quick-popup" data-testid="quick-popup" role="listbox" aria-label="Quick responses">
                        <div class="picker-head">"Quick responses · ↑↓ choose · Enter inserts · Esc closes"</div>
                        {body}
                    </div>
                }
            })}
            {chat::emoji_picker(emoji_open, "", "", insert_emoji)}
            <textarea
                data-testid="composer"
                rows="3"
                aria-label="Message"
                aria-autocomplete="list"
                placeholder=move || {
                    if private.get() {
                        "Private note, only agents see it (Enter sends, Shift+Enter new line, / quick responses)"
                    } else {
                        "Reply (Enter sends, Shift+Enter new line, / quick responses)"
                    }
                }
                disabled=resolved
                node_ref=textarea
                bind:value=text
                on:keydown=on_keydown
                on:input=on_input
                on:click=move |_| update_quick()
                on:blur=move |_| quick.set(None)
            ></textarea>
            <Show when=move || { pending.with(|p| !p.is_empty()) || uploading.get() > 0 }>
                <div class="pending-attachments">
                    <For each=move || pending.get() key=|a| a.id.clone() let:attachment>
                        {
                            view! {
                                <span class="attachment-chip" data-testid="attachment-chip" data-attachment-id=attachment.id.to_string()>
                                    {clip_icon()}
                                    <span class="attachment-name">{attachment.file_name.clone()}</span>
                                    <span class="muted">{attachments::size_label(attachment.size)}</span>
                                    {chat::remove_button("chip-x", "attachment-remove", &attachment, pending)}
                                </span>
                            }
                        }
                    </For>
                    <Show when=move || { uploading.get() > 0 }>
                        <span class="muted small" data-testid="attachment-uploading">
                            {move || format!("Uploading {} file(s)…", uploading.get())}
                        </span>
                    </Show>
                </div>
            </Show>
            <div class="composer-bar">
                <div class="composer-tools">
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
                        type="button"
                        class="icon-button"
                        class:on=move || emoji_open.get()
                        data-testid="emoji-button"
                        title="Insert an emoji"
                        aria-label="Insert an emoji"
                        aria-expanded=move || emoji_open.get().to_string()
                        disabled=resolved
                        on:click=move |_| emoji_open.update(|o| *o = !*o)
                    >
                        {chat::smiley_icon("18")}
                    </button>
                    <label
                        class="icon-button"
                        class:disabled=resolved
                        title="Attach files (at most 10 MB each)"
                    >
                        {clip_icon()}
                        <span class="visually-hidden">"Attach files"</span>
                        <input
                            type="file"
                            multiple
                            class="file-input"
                            data-testid="attach-input"
                            node_ref=file_input
                            disabled=resolved
                            on:change=on_files
                        />
                    </label>
                </div>
                <button
                    class="primary"
                    data-testid="send"
                    disabled=move || !can_send()
                    on:click=move |_| send()
                >
                    {move || if private.get() { "Add note" } else { "Send" }}
                </button>
            </div>
        </div>
    }
}
