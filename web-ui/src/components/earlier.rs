//! The contact panel's "Earlier conversations": the user's other conversations the agent may
//! see (`GET /v1/users/{id}/conversations`, newest first). A click opens one in the
//! conversation pane to read it (subscribed like any other); the list of the conversation
//! opened then offers the one the agent came from.
//!
//! Test ids: `earlier-conversations` (the list), `earlier-conversation` (each, a button;
//! `data-conversation-id`, `data-status`), `earlier-empty`, `earlier-loading`, `earlier-error`.

use crate::context::Directory;
use crate::socket::Socket;
use crate::store::DeskState;
use leptos::prelude::*;
use leptos::task::spawn_local;
use switchboard_protocol::{Conversation, ConversationId, HolderKind, UserId};

#[component]
pub fn EarlierConversations(user: UserId, current: ConversationId) -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let socket = expect_context::<Socket>();
    let directory = expect_context::<Directory>();
    // `None` while loading.
    let list = RwSignal::new(None::<Vec<ConversationId>>);
    let error = RwSignal::new(None::<String>);
    spawn_local(async move {
        match crate::api::user_conversations(&user).await {
            Ok(conversations) => {
                let ids: Vec<ConversationId> = conversations
                    .iter()
                    .map(|c| c.id.clone())
                    .filter(|id| *id != current)
                    .collect();
                store.try_update(|s| s.remember(conversations));
                list.try_set(Some(ids));
            }
            Err(err) => {
                error.try_set(Some(err.message));
                list.try_set(Some(Vec::new()));
            }
        }
    });
    let line = move |c: &Conversation| {
        let day: String = c.created_at.0.replace('T', " ").chars().take(16).collect();
        let who = match &c.assignee {
            Some(a) if a.kind == HolderKind::Bot => format!("bot {}", a.name),
            Some(a) => a.name.clone(),
            None => directory.group_name(&c.group_id),
        };
        (day, who)
    };

    view! {
        <h4 id="earlier-heading">"Earlier conversations"</h4>
        <div class="earlier" data-testid="earlier-conversations" role="list" aria-labelledby="earlier-heading">
            {move || match list.get() {
                None => view! {
                    <span class="muted small" data-testid="earlier-loading">"Loading…"</span>
                }.into_any(),
                Some(ids) if ids.is_empty() && error.with(Option::is_none) => view! {
                    <span class="muted small" data-testid="earlier-empty">"None: this is the user's only conversation."</span>
                }.into_any(),
                Some(ids) => ids
                    .into_iter()
                    .map(|id| {
                        let key = id.clone();
                        let conversation = Memo::new(move |_| store.with(|s| s.conversations.get(&key).cloned()));
                        let status = move || conversation.with(|c| c.as_ref().map_or("", |c| c.status.as_str()));
                        let text = move || conversation.with(|c| c.as_ref().map(line));
                        let open = id.clone();
                        view! {
                            <button
                                class="earlier-item"
                                role="listitem"
                                data-testid="earlier-conversation"
                                data-conversation-id=id.to_string()
                                data-status=status
                                title="Open this conversation to read it"
                                on:click=move |_| socket.open(Some(open.clone()))
                            >
                                <span class=move || format!("status status-{}", status())>{status}</span>
                                <span class="earlier-when">{move || text().map(|(day, _)| day)}</span>
                                <span class="muted earlier-who">{move || text().map(|(_, who)| who)}</span>
                            </button>
                        }
                    })
                    .collect_view()
                    .into_any(),
            }}
        </div>
        <Show when=move || error.with(Option::is_some)>
            <div class="error small" data-testid="earlier-error" role="alert">
                {move || format!("Earlier conversations could not be loaded: {}", error.get().unwrap_or_default())}
            </div>
        </Show>
    }
}
