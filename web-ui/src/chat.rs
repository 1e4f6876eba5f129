//! Pieces of the conversation view that the desk and the widget both have, where they work
//! the same: a message author's kind as a name, the idempotency key of a message, the
//! composer's caret, its emoji picker and its file uploads. Class names and test ids stay each
//! app's own (the style sheets and the browser tests select on them): the callers pass them.

use crate::compose;
use crate::http::ApiError;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;
use switchboard_protocol::desk::{MAX_ATTACHMENT_BYTES, MAX_MESSAGE_ATTACHMENTS};
use switchboard_protocol::{Attachment, AuthorKind};

/// A message author's kind as the views name it (`data-kind`, class names).
pub fn kind_name(kind: AuthorKind) -> &'static str {
    match kind {
        AuthorKind::User => "user",
        AuthorKind::Bot => "bot",
        AuthorKind::Agent => "agent",
        AuthorKind::System => "system",
    }
}

/// A fresh idempotency key for `message.send`, `app` naming who sends (`desk`, `widget`); the
/// widget keeps it for every retry of that message.
pub fn client_msg_id(app: &str) -> String {
    let random = (web_sys::js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
    format!("{app}-{:x}-{random:x}", web_sys::js_sys::Date::now() as u64)
}

/// The composer's caret (UTF-16, what `selectionStart` counts); the end of `text` when the
/// text box is not there.
pub fn caret(textarea: NodeRef<html::Textarea>, text: RwSignal<String>) -> u32 {
    textarea
        .get_untracked()
        .and_then(|el| el.selection_start().ok().flatten())
        .unwrap_or_else(|| text.with_untracked(|t| t.encode_utf16().count() as u32))
}

/// What the text box holds now (it runs ahead of `text` while the user types).
pub fn current_text(textarea: NodeRef<html::Textarea>, text: RwSignal<String>) -> String {
    textarea
        .get_untracked()
        .map_or_else(|| text.get_untracked(), |el| el.value())
}

/// The emoji button's face, `size` pixels square.
pub fn smiley_icon(size: &'static str) -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" width=size height=size aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round">
            <circle cx="12" cy="12" r="9"></circle>
            <path d="M8 14s1.5 2 4 2 4-2 4-2M9 9.5h.01M15 9.5h.01"></path>
        </svg>
    }
}

/// A paper clip, drawn (emoji fonts are not everywhere), `size` pixels square.
pub fn clip_icon(class: Option<&'static str>, size: &'static str) -> impl IntoView {
    view! {
        <svg class=class viewBox="0 0 24 24" width=size height=size aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d="M21.4 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48"></path>
        </svg>
    }
}

/// The emoji picker, shown while `open`: one button per [`compose::EMOJI`]; `pick` gets the
/// chosen one. Its classes are `{class_prefix}emoji-picker` and `{class_prefix}emoji-option`,
/// its test ids `{testid_prefix}emoji-picker` and `{testid_prefix}emoji-option`.
pub fn emoji_picker(
    open: RwSignal<bool>,
    class_prefix: &'static str,
    testid_prefix: &'static str,
    pick: impl Fn(&'static str) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <Show when=move || open.get()>
            <div
                class=format!("{class_prefix}emoji-picker")
                data-testid=format!("{testid_prefix}emoji-picker")
                role="listbox"
                aria-label="Emoji"
            >
                {compose::EMOJI.iter().map(|emoji| view! {
                    <button
                        type="button"
                        class=format!("{class_prefix}emoji-option")
                        role="option"
                        data-testid=format!("{testid_prefix}emoji-option")
                        data-emoji=*emoji
                        title=*emoji
                        on:click=move |_| pick(emoji)
                    >
                        {*emoji}
                    </button>
                }).collect_view()}
            </div>
        </Show>
    }
}

/// The × on an uploaded file's chip: takes `attachment` off the message being written.
pub fn remove_button(
    class: &'static str,
    testid: &'static str,
    attachment: &Attachment,
    pending: RwSignal<Vec<Attachment>>,
) -> impl IntoView + use<> {
    let remove = attachment.id.clone();
    view! {
        <button
            type="button"
            class=class
            data-testid=testid
            aria-label=format!("Remove {}", attachment.file_name)
            on:click=move |_| pending.update(|p| p.retain(|a| a.id != remove))
        >
            "×"
        </button>
    }
}

/// The composer's file input changed: each chosen file within the limits (files per message,
/// counting those uploaded or uploading; size) is uploaded with `upload`, and joins `pending`
/// when it succeeds. `error` says what was refused or failed.
pub fn upload_chosen<F, Fut>(
    input: NodeRef<html::Input>,
    pending: RwSignal<Vec<Attachment>>,
    uploading: RwSignal<usize>,
    error: RwSignal<Option<String>>,
    upload: F,
) where
    F: Fn(web_sys::File) -> Fut,
    Fut: Future<Output = Result<Attachment, ApiError>> + 'static,
{
    let Some(input) = input.get_untracked() else {
        return;
    };
    let files: Vec<web_sys::File> = input
        .files()
        .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
        .unwrap_or_default();
    // Cleared, so that the same file can be picked again.
    input.set_value("");
    error.set(None);
    for file in files {
        let held = pending.with_untracked(Vec::len) + uploading.get_untracked();
        if held >= MAX_MESSAGE_ATTACHMENTS {
            error.set(Some(format!(
                "At most {MAX_MESSAGE_ATTACHMENTS} files per message."
            )));
            break;
        }
        let size = file.size();
        if size > MAX_ATTACHMENT_BYTES as f64 {
            error.set(Some(format!("{} is larger than 10 MB.", file.name())));
            continue;
        }
        if size == 0.0 {
            error.set(Some(format!("{} is empty.", file.name())));
            continue;
        }
        uploading.update(|u| *u += 1);
        let name = file.name();
        let sent = upload(file);
        spawn_local(async move {
            match sent.await {
                Ok(attachment) => {
                    pending.try_update(|p| p.push(attachment));
                }
                Err(err) => {
                    error.try_set(Some(format!("{name}: {}", err.message)));
                }
            }
            uploading.try_update(|u| *u = u.saturating_sub(1));
        });
    }
}

/// Where a message list stays scrolled: at the newest message while the reader is at the
/// bottom, and still (the same messages in view) when an older page is put on top.
#[derive(Clone, Copy)]
pub struct ScrollKeeper {
    /// Scroll height and position before an older page was prepended, to keep the view still.
    anchor: StoredValue<Option<(i32, i32)>>,
    stick_to_bottom: StoredValue<bool>,
    /// The oldest `seq` shown when the list last changed (0: none yet).
    first_seq: StoredValue<u64>,
}

impl ScrollKeeper {
    pub fn new() -> Self {
        ScrollKeeper {
            anchor: StoredValue::new(None),
            stick_to_bottom: StoredValue::new(true),
            first_seq: StoredValue::new(0),
        }
    }

    /// An older page was asked for: remember where the view is.
    pub fn before_older(self, list: &web_sys::Element) {
        self.anchor
            .set_value(Some((list.scroll_height(), list.scroll_top())));
    }

    /// The reader scrolled: follow the newest messages only from the bottom.
    pub fn scrolled(self, list: &web_sys::Element) {
        let from_bottom = list.scroll_height() - list.scroll_top() - list.client_height();
        self.stick_to_bottom.set_value(from_bottom < 40);
    }

    /// Follow the newest messages again, wherever the reader had scrolled to (the widget, once
    /// the user sent something).
    #[cfg(feature = "widget")]
    pub fn stick(self) {
        self.stick_to_bottom.set_value(true);
    }

    /// The messages changed, `bottom` being the oldest `seq` shown now: keep the view where it
    /// was when older ones were prepended, else follow the newest when at the bottom.
    pub fn changed(self, list: &web_sys::Element, bottom: u64) {
        let first = self.first_seq.get_value();
        let prepended = first != 0 && bottom < first;
        self.first_seq.set_value(bottom);
        if prepended && let Some((height, top)) = self.anchor.get_value() {
            list.set_scroll_top(top + list.scroll_height() - height);
            self.anchor.set_value(None);
        } else if self.stick_to_bottom.get_value() {
            list.set_scroll_top(list.scroll_height());
        }
    }
}
