//! The contact panel: who the user is and where the conversation stands.
//!
//! Test ids: `contact-panel`, `contact-name`, `contact-email`, `contact-phone`,
//! `contact-address`, `contact-tags`.

use crate::pages::desk::Directory;
use crate::store::{DeskState, display_name};
use leptos::prelude::*;

#[component]
pub fn ContactPanel() -> impl IntoView {
    let store = expect_context::<RwSignal<DeskState>>();
    let directory = expect_context::<Directory>();
    let conversation = Memo::new(move |_| {
        store.with(|s| {
            s.open
                .as_ref()
                .and_then(|id| s.conversations.get(id).cloned())
        })
    });
    let field = |label: &'static str, testid: &'static str, value: Option<String>| {
        view! {
            <div class="field">
                <dt>{label}</dt>
                <dd data-testid=testid>
                    {value.filter(|v| !v.trim().is_empty()).unwrap_or_else(|| "—".into())}
                </dd>
            </div>
        }
    };
    view! {
        <aside class="contact-panel" data-testid="contact-panel" aria-label="Contact">
            {move || conversation.get().map(|c| {
                let user = c.user.clone();
                let tags = c.tags.clone();
                view! {
                    <div class="avatar" aria-hidden="true">
                        {display_name(&c).chars().next().map(|ch| ch.to_uppercase().to_string()).unwrap_or_default()}
                    </div>
                    <h3 data-testid="contact-name">{display_name(&c)}</h3>
                    <dl>
                        {field("E-mail", "contact-email", user.email)}
                        {field("Phone", "contact-phone", user.phone)}
                        {field("Address", "contact-address", user.address)}
                        {field("User id", "contact-user-id", Some(user.id.to_string()))}
                    </dl>
                    <h4>"Conversation"</h4>
                    <dl>
                        {field("Status", "contact-status", Some(c.status.as_str().to_owned()))}
                        {field("Group", "contact-group", Some(directory.group_name(&c.group_id)))}
                        {field("Held by", "contact-holder", c.assignee.as_ref().map(|a| a.name.clone()))}
                        {field("Started", "contact-created", Some(c.created_at.0.replace('T', " ").chars().take(16).collect()))}
                    </dl>
                    <h4>"Tags"</h4>
                    <div class="tags" data-testid="contact-tags">
                        {if tags.is_empty() {
                            view! { <span class="muted">"No tags"</span> }.into_any()
                        } else {
                            tags.into_iter()
                                .map(|t| view! { <span class="tag">{t}</span> })
                                .collect_view()
                                .into_any()
                        }}
                    </div>
                }
            })}
        </aside>
    }
}
