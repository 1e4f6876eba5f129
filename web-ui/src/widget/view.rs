//! What the end user sees in the frame: a header with where the conversation stands, the
//! messages (the user's on the right; bot, agent with their name, and system notices each
//! styled apart), the queue position, a typing indicator, "Talk to a person", and a composer
//! with emoji and file attachments. Every text from the wire renders as text, never as HTML.
//!
//! Test ids: `widget` (the root; `data-phase` starting/ready/failed, `data-connection`),
//! `widget-error`, `widget-status`, `widget-close`, `widget-offline`, `widget-messages`,
//! `widget-empty`, `widget-older`, `widget-message` (`data-seq`, `data-kind`
//! user/bot/agent/system, `data-id`) with `widget-author` and `widget-text`,
//! `widget-message-pending`, `widget-attachment-link` (`data-attachment-id`), `widget-queue`,
//! `widget-typing`, `widget-handover`, `widget-input`, `widget-send`, `widget-send-error`,
//! `widget-emoji-button`, `widget-emoji-picker`, `widget-emoji-option` (`data-emoji`),
//! `widget-attach-input`, `widget-attachment-chip`, `widget-attachment-remove`,
//! `widget-uploading`, `widget-seen` ("Seen" under the user's last message an agent has read;
//! `data-seq`).

use super::Controller;
use super::state::{Connection, Outgoing, Phase, display_name};
use crate::attachments;
use crate::chat::{self, kind_name};
use crate::compose;
use leptos::html;
use leptos::prelude::*;
use switchboard_protocol::{Attachment, AuthorKind, MAX_TEXT_CHARS, Message};

fn document_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}

#[component]
pub fn WidgetApp() -> impl IntoView {
    let controller = Controller::new();
    provide_context(controller);
    let state = controller.state;

    // Seen: whenever the panel is open (and the tab visible) while messages arrive.
    Effect::new(move |_| {
        let (open, _top) = state.with(|s| (s.open, s.top_seq()));
        if open && document_visible() {
            controller.seen();
        }
    });
    let _ = window_event_listener(leptos::ev::visibilitychange, move |_| {
        if state.with_untracked(|s| s.open) && document_visible() {
            controller.seen();
        }
    });
    // What an agent has read is kept with the session ("Seen" after a reload).
    Effect::new(move |_| {
        let _read = state.with(|s| s.agent_read_seq);
        controller.remember_agent_read();
    });
    // The launcher's badge follows the unread count.
    let unread = Memo::new(move |_| state.with(|s| s.unread()));
    Effect::new(move |_| super::post_unread(unread.get()));

    controller.boot();

    let phase = Memo::new(move |_| state.with(|s| s.phase.clone()));
    let phase_name = move || match phase.get() {
        Phase::Starting => "starting",
        Phase::Ready => "ready",
        Phase::Failed(_) => "failed",
    };
    let connection = move || match state.with(|s| s.connection.clone()) {
        Connection::Connecting => "connecting",
        Connection::Live => "live",
        Connection::Reconnecting => "reconnecting",
    };
    let status = Memo::new(move |_| state.with(|s| s.status_line()));

    view! {
        <div
            class="w-root"
            data-testid="widget"
            data-phase=phase_name
            data-connection=connection
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                // Escape closes the panel (the emoji picker handles its own Escape first).
                if ev.key() == "Escape" && !ev.default_prevented() && super::embedded() {
                    controller.close();
                }
            }
        >
            <header class="w-header">
                <div class="w-heading">
                    <h1 class="w-title">"Chat with us"</h1>
                    <p class="w-status" data-testid="widget-status" aria-live="polite">{move || status.get()}</p>
                </div>
                <Show when=super::embedded>
                    <button
                        type="button"
                        class="w-close"
                        data-testid="widget-close"
                        aria-label="Close the chat"
                        title="Close"
                        on:click=move |_| controller.close()
                    >
                        "×"
                    </button>
                </Show>
            </header>
            {move || match phase.get() {
                Phase::Starting => view! { <div class="w-splash">"Connecting…"</div> }.into_any(),
                Phase::Failed(message) => view! {
                    <div class="w-failed" data-testid="widget-error" role="alert">{message}</div>
                }
                .into_any(),
                Phase::Ready => view! { <Chat /> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn Chat() -> impl IntoView {
    let controller = expect_context::<Controller>();
    let state = controller.state;
    let reconnecting = move || state.with(|s| s.connection == Connection::Reconnecting);
    view! {
        <Show when=reconnecting>
            <div class="w-offline" data-testid="widget-offline" role="status">
                "Connection lost. Reconnecting…"
            </div>
        </Show>
        <MessageList />
        <Extras />
        <Composer />
    }
}

#[component]
fn MessageList() -> impl IntoView {
    let controller = expect_context::<Controller>();
    let state = controller.state;
    let list = NodeRef::<html::Div>::new();
    let messages =
        Memo::new(move |_| state.with(|s| s.messages.values().cloned().collect::<Vec<_>>()));
    let outbox = Memo::new(move |_| state.with(|s| s.outbox.clone()));
    let empty = move || messages.with(Vec::is_empty) && outbox.with(Vec::is_empty);
    let has_older = move || state.with(|s| s.has_older);
    let seen = Memo::new(move |_| state.with(|s| s.seen_seq()));

    // Follow the newest message while the user is at the bottom; when older ones were put on
    // top, keep the view where it was.
    let keeper = chat::ScrollKeeper::new();
    let sending = StoredValue::new(0usize);
    Effect::new(move |_| {
        let bottom = messages.with(|m| m.first().map_or(0, |m| m.seq));
        let _shown = messages.with(Vec::len);
        // The user just sent something: show it, wherever they had scrolled to.
        let queued = outbox.with(Vec::len);
        if queued > sending.get_value() {
            keeper.stick();
        }
        sending.set_value(queued);
        if let Some(el) = list.get() {
            keeper.changed(&el, bottom);
        }
    });
    let on_scroll = move |_| {
        if let Some(el) = list.get_untracked() {
            keeper.scrolled(&el);
        }
    };
    let load_older = move |_| {
        if let Some(el) = list.get_untracked() {
            keeper.before_older(&el);
        }
        controller.link.load_older();
    };

    view! {
        <div class="w-messages" data-testid="widget-messages" node_ref=list aria-live="polite" on:scroll=on_scroll>
            <Show when=has_older>
                <button type="button" class="w-older" data-testid="widget-older" on:click=load_older>
                    "Show earlier messages"
                </button>
            </Show>
            <Show when=empty>
                <div class="w-empty" data-testid="widget-empty">
                    <p>"Hi! How can we help you today?"</p>
                    <p class="w-muted">"Write a message below and we will answer here."</p>
                </div>
            </Show>
            <For each=move || messages.get() key=|m| (m.seq, m.id.clone()) let:message>
                <MessageRow message=message seen=seen />
            </For>
            <For each=move || outbox.get() key=|o| o.client_msg_id.clone() let:outgoing>
                <PendingRow outgoing=outgoing />
            </For>
        </div>
    }
}

#[component]
fn MessageRow(message: Message, seen: Memo<Option<u64>>) -> impl IntoView {
    let controller = expect_context::<Controller>();
    let kind = kind_name(message.author.kind);
    let author = match message.author.kind {
        AuthorKind::User | AuthorKind::System => None,
        _ => Some(display_name(&message.author)),
    };
    let token = controller.token();
    let attachments = attachment_links(&message.attachments, &token);
    let text = message.text.clone();
    let seq = message.seq;
    view! {
        <div
            class=format!("w-message w-{kind}")
            data-testid="widget-message"
            data-seq=message.seq.to_string()
            data-kind=kind
            data-id=message.id.to_string()
        >
            {author.map(|name| view! { <div class="w-author" data-testid="widget-author">{name}</div> })}
            {(!text.is_empty()).then(|| view! { <div class="w-text" data-testid="widget-text">{text}</div> })}
            {attachments}
            {(message.author.kind != AuthorKind::System).then(|| view! {
                <div class="w-time" title=message.created_at.0.clone()>{crate::time::clock(&message.created_at.0)}</div>
            })}
        </div>
        <Show when=move || seen.get() == Some(seq)>
            <div class="w-seen" data-testid="widget-seen" data-seq=seq.to_string()>"Seen"</div>
        </Show>
    }
}

#[component]
fn PendingRow(outgoing: Outgoing) -> impl IntoView {
    view! {
        <div class="w-message w-user w-pending" data-testid="widget-message-pending">
            {(!outgoing.text.is_empty()).then(|| view! { <div class="w-text">{outgoing.text.clone()}</div> })}
            {(!outgoing.attachments.is_empty()).then(|| view! {
                <div class="w-files">{outgoing.attachments.iter().map(|a| view! { <span class="w-file">{a.file_name.clone()}</span> }).collect_view()}</div>
            })}
            <div class="w-time">"Sending…"</div>
        </div>
    }
}

/// Download links for a message's files. Links cannot send headers: the user's token goes in
/// `?token=` (as in the desk); images show as thumbnails.
fn attachment_links(attachments: &[Attachment], token: &str) -> Option<impl IntoView + use<>> {
    if attachments.is_empty() {
        return None;
    }
    let items = attachments
        .iter()
        .map(|a| {
            let href = attachments::download_url(&a.url, token);
            let image = attachments::is_image(&a.content_type).then(|| {
                let src = href.clone();
                let alt = a.file_name.clone();
                view! { <img src=src alt=alt loading="lazy" /> }
            });
            view! {
                <a
                    class="w-file"
                    data-testid="widget-attachment-link"
                    data-attachment-id=a.id.to_string()
                    href=href
                    download=a.file_name.clone()
                    target="_blank"
                    rel="noopener"
                >
                    {image}
                    <span class="w-file-name">{a.file_name.clone()}</span>
                    <span class="w-muted">{attachments::size_label(a.size)}</span>
                </a>
            }
        })
        .collect_view();
    Some(view! { <div class="w-files">{items}</div> })
}

/// Queue position, typing indicator and "Talk to a person", between messages and composer.
#[component]
fn Extras() -> impl IntoView {
    let controller = expect_context::<Controller>();
    let state = controller.state;
    let queue = Memo::new(move |_| {
        state.with(|s| {
            let queued = s
                .conversation
                .as_ref()
                .is_some_and(|c| c.status == switchboard_protocol::ConversationStatus::Queued);
            s.queue.clone().filter(|_| queued)
        })
    });
    let typing = Memo::new(move |_| state.with(|s| s.typing.clone()));
    // Each indication lasts a few seconds unless renewed.
    Effect::new(move |_| {
        if let Some(now) = typing.get() {
            set_timeout(
                move || {
                    state.try_update(|s| s.clear_typing(now.serial));
                },
                std::time::Duration::from_secs(6),
            );
        }
    });
    let can_hand_over = Memo::new(move |_| state.with(|s| s.can_ask_for_person()));
    let asking = RwSignal::new(false);
    let handover_error = RwSignal::new(None::<String>);
    let ask = move |_| {
        asking.set(true);
        handover_error.set(None);
        controller.link.handover(move |result| {
            asking.try_set(false);
            if let Err(message) = result {
                handover_error.try_set(Some(message));
            }
        });
    };
    view! {
        {move || queue.get().map(|q| view! {
            <div class="w-queue" data-testid="widget-queue" data-position=q.position.to_string() role="status">
                {if q.position <= 1 {
                    "You are next in line. An agent will be with you shortly.".to_owned()
                } else {
                    format!("You are number {} in line. An agent will be with you shortly.", q.position)
                }}
            </div>
        })}
        <div class="w-typing" data-testid="widget-typing" aria-live="polite">
            {move || typing.get().map(|t| format!("{} is typing…", t.name))}
        </div>
        <Show when=move || can_hand_over.get()>
            <div class="w-handover-row">
                <button
                    type="button"
                    class="w-handover"
                    data-testid="widget-handover"
                    disabled=move || asking.get()
                    on:click=ask
                >
                    "Talk to a person"
                </button>
                {move || handover_error.get().map(|e| view! { <span class="w-error">{e}</span> })}
            </div>
        </Show>
    }
}

#[component]
fn Composer() -> impl IntoView {
    let controller = expect_context::<Controller>();
    let state = controller.state;
    let link = controller.link;
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let textarea = NodeRef::<html::Textarea>::new();
    let file_input = NodeRef::<html::Input>::new();
    let pending = RwSignal::new(Vec::<Attachment>::new());
    let uploading = RwSignal::new(0usize);
    let emoji_open = RwSignal::new(false);
    let last_typing = StoredValue::new(0f64);

    // A message the gateway refused: its text comes back, with the reason.
    Effect::new(move |_| {
        let (returned, failed) = state.with(|s| (s.returned_text.clone(), s.send_error.clone()));
        if returned.is_none() && failed.is_none() {
            return;
        }
        if let Some(returned) = returned
            && text.with_untracked(String::is_empty)
        {
            text.set(returned);
        }
        if let Some(failed) = failed {
            error.set(Some(format!("Not sent: {failed}")));
        }
        state.update(|s| {
            s.returned_text = None;
            s.send_error = None;
        });
    });

    let caret = move || chat::caret(textarea, text);
    let insert_emoji = move |emoji: &'static str| {
        let current = chat::current_text(textarea, text);
        let (next, at) = compose::insert_at(&current, caret(), emoji);
        emoji_open.set(false);
        text.set(next.clone());
        if let Some(el) = textarea.get_untracked() {
            el.set_value(&next);
            let _ = el.focus();
            let _ = el.set_selection_range(at, at);
        }
    };

    let on_files = move |_| {
        chat::upload_chosen(file_input, pending, uploading, error, move |file| {
            let token = controller.token();
            async move { super::api::upload(&token, &file).await }
        });
    };

    let can_send = move || {
        uploading.get() == 0
            && (text.with(|t| !t.trim().is_empty()) || pending.with(|p| !p.is_empty()))
    };
    let send = move || {
        if !can_send() {
            return;
        }
        let body = text.get_untracked().trim().to_owned();
        if body.chars().count() > MAX_TEXT_CHARS {
            error.set(Some(format!(
                "Too long: at most {MAX_TEXT_CHARS} characters."
            )));
            return;
        }
        error.set(None);
        text.set(String::new());
        emoji_open.set(false);
        // The next keystroke says "typing" again at once.
        last_typing.set_value(0.0);
        link.send_message(Outgoing {
            client_msg_id: chat::client_msg_id("widget"),
            text: body,
            attachments: pending.get_untracked(),
        });
        pending.set(Vec::new());
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.is_composing() {
            return;
        }
        if ev.key() == "Escape" && emoji_open.get_untracked() {
            ev.prevent_default();
            emoji_open.set(false);
        } else if ev.key() == "Enter" && !ev.shift_key() {
            ev.prevent_default();
            send();
        }
    };
    // Others see "typing" at most every 3 s while the user types.
    let on_input = move |_| {
        let now = web_sys::js_sys::Date::now();
        if now - last_typing.get_value() > 3000.0 {
            last_typing.set_value(now);
            link.typing();
        }
    };

    view! {
        <div class="w-composer">
            <Show when=move || error.with(Option::is_some)>
                <div class="w-error" data-testid="widget-send-error" role="alert">{move || error.get().unwrap_or_default()}</div>
            </Show>
            {chat::emoji_picker(emoji_open, "w-", "widget-", insert_emoji)}
            <Show when=move || { pending.with(|p| !p.is_empty()) || uploading.get() > 0 }>
                <div class="w-chips">
                    <For each=move || pending.get() key=|a| a.id.clone() let:attachment>
                        {
                            view! {
                                <span class="w-chip" data-testid="widget-attachment-chip" data-attachment-id=attachment.id.to_string()>
                                    <span class="w-file-name">{attachment.file_name.clone()}</span>
                                    {chat::remove_button("w-chip-x", "widget-attachment-remove", &attachment, pending)}
                                </span>
                            }
                        }
                    </For>
                    <Show when=move || { uploading.get() > 0 }>
                        <span class="w-muted" data-testid="widget-uploading">"Uploading…"</span>
                    </Show>
                </div>
            </Show>
            <div class="w-compose-row">
                <textarea
                    class="w-input"
                    data-testid="widget-input"
                    rows="1"
                    aria-label="Your message"
                    placeholder="Write a message…"
                    maxlength=MAX_TEXT_CHARS.to_string()
                    node_ref=textarea
                    bind:value=text
                    on:keydown=on_keydown
                    on:input=on_input
                ></textarea>
                <button
                    type="button"
                    class="w-icon"
                    class:on=move || emoji_open.get()
                    data-testid="widget-emoji-button"
                    aria-label="Insert an emoji"
                    title="Emoji"
                    aria-expanded=move || emoji_open.get().to_string()
                    on:click=move |_| emoji_open.update(|o| *o = !*o)
                >
                    {chat::smiley_icon("20")}
                </button>
                <label class="w-icon" title="Attach files (at most 10 MB each)">
                    {chat::clip_icon(None, "20")}
                    <span class="w-hidden">"Attach files"</span>
                    <input
                        type="file"
                        multiple
                        class="w-file-input"
                        data-testid="widget-attach-input"
                        node_ref=file_input
                        on:change=on_files
                    />
                </label>
                <button
                    type="button"
                    class="w-send"
                    data-testid="widget-send"
                    aria-label="Send"
                    disabled=move || !can_send()
                    on:click=move |_| send()
                >
                    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="currentColor">
                        <path d="M3 20.5 21 12 3 3.5l.01 6.6L15 12 3.01 13.9z"></path>
                    </svg>
                </button>
            </div>
        </div>
    }
}
