//! A small inline confirmation: a question and two buttons, the confirming one focused so
//! Enter confirms and Escape (handled by the caller's container) or Cancel changes nothing.
//! Used by the transfer of one conversation and by the bulk bar.
//!
//! Test ids: `{prefix}` (the box, `role=alertdialog`), `{prefix}-question`, `{prefix}-yes`,
//! `{prefix}-cancel`.

use leptos::html;
use leptos::prelude::*;

#[component]
pub fn ConfirmBox(
    /// The test id prefix (`transfer-confirm`, `bulk-confirm`).
    prefix: &'static str,
    question: String,
    yes: String,
    on_yes: impl Fn() + Send + Sync + 'static,
    on_cancel: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let button = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let Some(el) = button.get() {
            let _ = el.focus();
        }
    });
    let question_id = format!("{prefix}-question");
    let labelled_by = question_id.clone();
    view! {
        <div
            class="confirm"
            data-testid=prefix
            role="alertdialog"
            aria-labelledby=labelled_by
        >
            <p class="confirm-question" id=question_id.clone() data-testid=question_id>
                {question}
            </p>
            <div class="confirm-buttons">
                <button
                    class="primary"
                    data-testid=format!("{prefix}-yes")
                    node_ref=button
                    on:click=move |_| on_yes()
                >
                    {yes}
                </button>
                <button
                    class="secondary"
                    data-testid=format!("{prefix}-cancel")
                    on:click=move |_| on_cancel()
                >
                    "Cancel"
                </button>
            </div>
        </div>
    }
}
