//! The contact panel: who the user is (editable), notes about the user, where the conversation
//! stands, its tags (a click on one filters the list by it), and the user's earlier
//! conversations (a click opens one).
//!
//! Test ids: `contact-panel`, `contact-title` (the name shown), `contact-name`,
//! `contact-email`, `contact-phone`, `contact-address` (the form's fields), `contact-save`,
//! `contact-saved`, `contact-error`, `contact-user-id`, `contact-status`, `contact-group`,
//! `contact-holder`, `contact-created`; notes: `notes`, `note` (each note; `data-note-id`),
//! `note-input`, `note-add`, `note-error`; tags: `contact-tags`, `tag` (a tag's name, a button
//! that filters the list by it; `data-tag`), `tag-remove` (its ×; `data-tag`), `tag-input`,
//! `tag-add`, `tag-error`; the user's earlier conversations: see [`super::earlier`].

use crate::api;
use crate::components::earlier::EarlierConversations;
use crate::context::{DeskUi, Directory};
use crate::store::{self, DeskState, display_name};
use crate::time;
use leptos::prelude::*;
use leptos::task::spawn_local;
use switchboard_protocol::desk::UserNote;
use switchboard_protocol::{ConversationId, ConversationUser, UserId};

#[component]
pub fn ContactPanel() -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let open = Memo::new(move |_| store.with(|s| s.open.clone()));
    view! {
        <aside class="contact-panel" data-testid="contact-panel" aria-label="Contact">
            {move || open.get().map(|id| view! { <Contact id=id /> })}
        </aside>
    }
}

#[component]
fn Contact(id: ConversationId) -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let directory = expect_context::<Directory>();
    let key = id.clone();
    let conversation = Memo::new(move |_| store.with(|s| s.conversations.get(&key).cloned()));
    let user = Memo::new(move |_| conversation.with(|c| c.as_ref().map(|c| c.user.clone())));
    let user_id = Memo::new(move |_| user.with(|u| u.as_ref().map(|u| u.id.clone())));
    let field = move |label: &'static str,
                      testid: &'static str,
                      value: Box<dyn Fn() -> Option<String> + Send + Sync>| {
        view! {
            <div class="field">
                <dt>{label}</dt>
                <dd data-testid=testid>
                    {move || value().filter(|v| !v.trim().is_empty()).unwrap_or_else(|| "—".into())}
                </dd>
            </div>
        }
    };
    let name = move || conversation.with(|c| c.as_ref().map(display_name).unwrap_or_default());
    // The form is built once per conversation, not again on every change of the user.
    let has_user = Memo::new(move |_| user.with(Option::is_some));
    let current = id.clone();
    view! {
        <div class="avatar" aria-hidden="true">
            {move || name().chars().next().map(|ch| ch.to_uppercase().to_string()).unwrap_or_default()}
        </div>
        <h3 data-testid="contact-title">{name}</h3>
        {move || has_user.get().then(|| view! { <ContactForm id=id.clone() user=user /> })}
        <h4>"Conversation"</h4>
        <dl>
            {field("Status", "contact-status", Box::new(move || conversation.with(|c| c.as_ref().map(|c| c.status.as_str().to_owned()))))}
            {field("Group", "contact-group", Box::new(move || conversation.with(|c| c.as_ref().map(|c| directory.group_name(&c.group_id)))))}
            {field("Held by", "contact-holder", Box::new(move || conversation.with(|c| c.as_ref().and_then(|c| c.assignee.as_ref().map(|a| a.name.clone())))))}
            {field("Started", "contact-created", Box::new(move || conversation.with(|c| c.as_ref().map(|c| c.created_at.0.replace('T', " ").chars().take(16).collect()))))}
            {field("User id", "contact-user-id", Box::new(move || user_id.get().map(|u| u.to_string())))}
        </dl>
        <Tags conversation=conversation />
        {move || user_id.get().map(|user| view! { <Notes user=user /> })}
        {move || user_id.get().map(|user| view! { <EarlierConversations user=user current=current.clone() /> })}
    }
}

/// The user's name, e-mail, phone and address. Saving sends only what changed; the fields
/// follow the gateway's answer and `conversation.updated` (except those being edited).
#[component]
fn ContactForm(id: ConversationId, user: Memo<Option<ConversationUser>>) -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);

    fn value(field: &Option<String>) -> String {
        field.clone().unwrap_or_default()
    }
    // A new user state (saved here, or by someone else): fields not being edited follow it.
    Effect::new(move |previous: Option<Option<ConversationUser>>| {
        let current = user.get();
        if let Some(now) = &current {
            let before = previous.flatten();
            let follow = |draft: RwSignal<String>,
                          pick: fn(&ConversationUser) -> &Option<String>| {
                let untouched = before
                    .as_ref()
                    .is_none_or(|b| draft.get_untracked().trim() == value(pick(b)).trim());
                if untouched {
                    draft.set(value(pick(now)));
                }
            };
            follow(name, |u| &u.name);
            follow(email, |u| &u.email);
            follow(phone, |u| &u.phone);
            follow(address, |u| &u.address);
        }
        current
    });

    let patch = move || {
        user.with(|u| {
            u.as_ref().map(|u| {
                store::contact_patch(u, &name.get(), &email.get(), &phone.get(), &address.get())
            })
        })
    };
    let unchanged = move || patch().is_none_or(|p| store::patch_is_empty(&p));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(body) = patch() else {
            return;
        };
        if store::patch_is_empty(&body) {
            return;
        }
        busy.set(true);
        error.set(None);
        saved.set(false);
        let id = id.clone();
        spawn_local(async move {
            match api::patch_contact(&id, &body).await {
                Ok(conversation) => {
                    let now = conversation.user.clone();
                    name.set(value(&now.name));
                    email.set(value(&now.email));
                    phone.set(value(&now.phone));
                    address.set(value(&now.address));
                    store.update(|s| s.upsert_conversation(conversation));
                    saved.set(true);
                }
                Err(err) => error.set(Some(err.message)),
            }
            busy.set(false);
        });
    };
    let on_edit = move |_| saved.set(false);

    view! {
        <form class="contact-form" novalidate on:submit=save on:input=on_edit>
            <label>
                "Name"
                <input type="text" data-testid="contact-name" maxlength="200" autocomplete="off" bind:value=name />
            </label>
            <label>
                "E-mail"
                <input type="email" data-testid="contact-email" maxlength="254" autocomplete="off" bind:value=email />
            </label>
            <label>
                "Phone"
                <input type="text" data-testid="contact-phone" maxlength="50" autocomplete="off" bind:value=phone />
            </label>
            <label>
                "Address"
                <textarea data-testid="contact-address" rows="2" maxlength="1000" bind:value=address></textarea>
            </label>
            <div class="form-actions">
                <button
                    type="submit"
                    class="secondary"
                    data-testid="contact-save"
                    disabled=move || busy.get() || unchanged()
                >
                    {move || if busy.get() { "Saving…" } else { "Save contact" }}
                </button>
                <Show when=move || saved.get()>
                    <span class="muted small" data-testid="contact-saved" role="status">"Saved."</span>
                </Show>
            </div>
            <Show when=move || error.with(Option::is_some)>
                <div class="error small" data-testid="contact-error" role="alert">
                    {move || error.get().unwrap_or_default()}
                </div>
            </Show>
        </form>
    }
}

/// The conversation's tags: × removes one, a click on its name filters the list by it.
#[component]
fn Tags(conversation: Memo<Option<switchboard_protocol::Conversation>>) -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let ui = expect_context::<DeskUi>();
    let tags = Memo::new(move |_| {
        conversation.with(|c| c.as_ref().map(|c| c.tags.clone()).unwrap_or_default())
    });
    let input = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    let put = move |next: Vec<String>, clear_input: bool| {
        let Some(id) = conversation.with_untracked(|c| c.as_ref().map(|c| c.id.clone())) else {
            return;
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::set_tags(&id, next).await {
                Ok(conversation) => {
                    store.update(|s| s.upsert_conversation(conversation));
                    if clear_input {
                        input.set(String::new());
                    }
                }
                Err(err) => error.set(Some(err.message)),
            }
            busy.set(false);
        });
    };
    let add = move || match store::tags_with(&tags.get_untracked(), &input.get_untracked()) {
        Ok(next) => put(next, true),
        Err(reason) => error.set(Some(reason.to_owned())),
    };

    view! {
        <h4>"Tags"</h4>
        <div class="tags" data-testid="contact-tags">
            <For each=move || tags.get() key=|t| t.clone() let:tag>
                {
                    let filter_by = tag.clone();
                    let remove = tag.clone();
                    view! {
                        <span class="tag">
                            <button
                                class="tag-name"
                                data-testid="tag"
                                data-tag=tag.clone()
                                title=format!("Show only conversations tagged {tag}")
                                on:click=move |_| ui.tag.set(Some(filter_by.clone()))
                            >
                                {tag.clone()}
                            </button>
                            <button
                                class="chip-x"
                                data-testid="tag-remove"
                                data-tag=tag.clone()
                                aria-label=format!("Remove the tag {tag}")
                                title="Remove"
                                disabled=move || busy.get()
                                on:click=move |_| put(store::tags_without(&tags.get_untracked(), &remove), false)
                            >
                                "×"
                            </button>
                        </span>
                    }
                }
            </For>
            <Show when=move || tags.with(Vec::is_empty)>
                <span class="muted">"No tags"</span>
            </Show>
        </div>
        <form class="inline-add" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            add();
        }>
            <input
                type="text"
                data-testid="tag-input"
                placeholder="Add a tag"
                aria-label="New tag"
                maxlength="50"
                bind:value=input
            />
            <button
                type="submit"
                class="secondary"
                data-testid="tag-add"
                disabled=move || busy.get() || input.with(|t| t.trim().is_empty())
            >
                "Add"
            </button>
        </form>
        <Show when=move || error.with(Option::is_some)>
            <div class="error small" data-testid="tag-error" role="alert">
                {move || error.get().unwrap_or_default()}
            </div>
        </Show>
    }
}

/// Agents' notes about the user (not about one conversation), oldest first.
#[component]
fn Notes(user: UserId) -> impl IntoView {
    let notes = RwSignal::new(Vec::<UserNote>::new());
    let loading = RwSignal::new(true);
    let input = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let directory = expect_context::<Directory>();
    {
        let user = user.clone();
        spawn_local(async move {
            match api::notes(&user).await {
                Ok(list) => {
                    notes.try_set(list);
                }
                Err(err) => {
                    error.try_set(Some(err.message));
                }
            }
            loading.try_set(false);
        });
    }
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = input.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        busy.set(true);
        error.set(None);
        let user = user.clone();
        spawn_local(async move {
            match api::add_note(&user, text.trim().to_owned()).await {
                Ok(note) => {
                    notes.try_update(|n| {
                        if !n.iter().any(|o| o.id == note.id) {
                            n.push(note);
                        }
                    });
                    input.try_set(String::new());
                }
                Err(err) => {
                    error.try_set(Some(err.message));
                }
            }
            busy.try_set(false);
        });
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        // Ctrl/Cmd+Enter adds the note.
        if ev.key() == "Enter"
            && (ev.ctrl_key() || ev.meta_key())
            && let Some(form) = event_target::<web_sys::HtmlElement>(&ev).parent_element()
        {
            ev.prevent_default();
            if let Some(button) = form
                .query_selector("[data-testid=note-add]")
                .ok()
                .flatten()
                .and_then(|b| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(b).ok())
            {
                button.click();
            }
        }
    };

    view! {
        <h4>"Notes about the user"</h4>
        <div class="notes" data-testid="notes">
            <For each=move || notes.get() key=|n| n.id.clone() let:note>
                {
                let created = note.created_at.0.clone();
                view! {
                <div class="note" data-testid="note" data-note-id=note.id.clone()>
                    <div class="note-text">{note.text.clone()}</div>
                    <div class="note-meta muted small">
                        {note.author.name.clone()}
                        " · "
                        <span title=note.created_at.0.clone()>
                            {move || format!("{} ago", time::ago(&created, directory.now.get()))}
                        </span>
                    </div>
                </div>
                }
                }
            </For>
            <Show when=move || !loading.get() && notes.with(Vec::is_empty)>
                <span class="muted small">"No notes yet."</span>
            </Show>
        </div>
        <form class="note-form" on:submit=add>
            <textarea
                data-testid="note-input"
                rows="2"
                maxlength="4000"
                placeholder="A note for agents (Ctrl+Enter adds)"
                aria-label="New note about the user"
                bind:value=input
                on:keydown=on_keydown
            ></textarea>
            <button
                type="submit"
                class="secondary"
                data-testid="note-add"
                disabled=move || busy.get() || input.with(|t| t.trim().is_empty())
            >
                "Add note"
            </button>
        </form>
        <Show when=move || error.with(Option::is_some)>
            <div class="error small" data-testid="note-error" role="alert">
                {move || error.get().unwrap_or_default()}
            </div>
        </Show>
    }
}
