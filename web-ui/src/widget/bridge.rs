//! `postMessage` between the frame and the page that embeds it (through `widget.js`).
//!
//! Every message is a JSON object tagged `{"source": "switchboard", "type": ...}`.
//! Frame → page: `ready`, `unread {count}`, `close`, `error {code, message}`.
//! Page → frame: `init {identity}` (the answer to `ready`), `identify {token}`,
//! `visibility {open}`.
//!
//! Only messages whose `source` is the parent window are read. Which origin the parent has is
//! not checked here: the gateway's `Content-Security-Policy: frame-ancestors` already limits who
//! may embed the frame to the tenant's allowed origins. `ready` (which says nothing) goes to any
//! origin; everything after it goes only to the origin that sent `init`.

use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use wasm_bindgen::JsValue;

/// The tag on every message, both ways.
pub const SOURCE: &str = "switchboard";

/// A message for the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToPage {
    /// The frame listens: send `init`.
    Ready,
    /// Support-side messages the user has not seen (for the launcher's badge).
    Unread { count: u32 },
    /// The user closed the chat from inside.
    Close,
    /// The chat cannot start (`unauthorized`: the identity was refused; `forbidden`: this site
    /// may not use the chat).
    Error { code: String, message: String },
}

/// A message from the page.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromPage {
    Init {
        #[serde(default)]
        identity: Option<String>,
    },
    Identify {
        #[serde(default)]
        token: Option<String>,
    },
    Visibility {
        open: bool,
    },
}

#[derive(Deserialize)]
struct Envelope {
    source: String,
    #[serde(flatten)]
    message: FromPage,
}

/// Reads a page message; `None` for anything not tagged as ours or not understood.
pub fn parse(json: &str) -> Option<FromPage> {
    let envelope: Envelope = serde_json::from_str(json).ok()?;
    (envelope.source == SOURCE).then_some(envelope.message)
}

/// The JSON text of a frame message, tagged.
pub fn encode(message: &ToPage) -> Option<String> {
    let mut value = serde_json::to_value(message).ok()?;
    value
        .as_object_mut()?
        .insert("source".into(), SOURCE.into());
    serde_json::to_string(&value).ok()
}

thread_local! {
    /// The embedding page's origin, learnt from its `init`.
    static PAGE_ORIGIN: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn parent() -> Option<web_sys::Window> {
    let window = web_sys::window()?;
    let parent = window.parent().ok()??;
    // A top-level page is its own parent: then there is no page to talk to.
    (!web_sys::js_sys::Object::is(&parent, &window)).then_some(parent)
}

/// Whether the frame is embedded (else it runs alone, e.g. opened directly in a tab).
pub fn embedded() -> bool {
    parent().is_some()
}

/// Posts `message` to the page (dropped when not embedded, or before `init` for anything but
/// `ready`).
pub fn post(message: &ToPage) {
    let Some(parent) = parent() else { return };
    let origin = match message {
        ToPage::Ready => "*".to_owned(),
        _ => match PAGE_ORIGIN.with(|o| o.borrow().clone()) {
            Some(origin) => origin,
            None => return,
        },
    };
    let Some(text) = encode(message) else { return };
    if let Ok(value) = web_sys::js_sys::JSON::parse(&text) {
        let _ = parent.post_message(&value, &origin);
    }
}

/// Calls `handle` with every message from the page, for the frame's lifetime.
pub fn listen(handle: impl Fn(FromPage) + 'static) {
    let listener = leptos::prelude::window_event_listener(
        leptos::ev::message,
        move |event: web_sys::MessageEvent| {
            let Some(parent) = parent() else { return };
            let from_parent = event
                .source()
                .is_some_and(|source| web_sys::js_sys::Object::is(&source, &parent));
            if !from_parent {
                return;
            }
            let Some(json) = stringify(&event.data()) else {
                return;
            };
            let Some(message) = parse(&json) else { return };
            if matches!(message, FromPage::Init { .. }) {
                let origin = event.origin();
                // An opaque origin ("null": a sandboxed page) can only be answered with "*".
                let origin = if origin == "null" {
                    "*".to_owned()
                } else {
                    origin
                };
                PAGE_ORIGIN.with(|o| *o.borrow_mut() = Some(origin));
            }
            handle(message);
        },
    );
    // The frame listens until it is unloaded.
    std::mem::forget(listener);
}

fn stringify(value: &JsValue) -> Option<String> {
    if !value.is_object() {
        return None;
    }
    web_sys::js_sys::JSON::stringify(value).ok()?.as_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_messages_are_read_only_when_tagged() {
        assert_eq!(
            parse(r#"{"source":"switchboard","type":"init","identity":null}"#),
            Some(FromPage::Init { identity: None })
        );
        assert_eq!(
            parse(r#"{"source":"switchboard","type":"identify","token":"a.b.c"}"#),
            Some(FromPage::Identify {
                token: Some("a.b.c".into())
            })
        );
        assert_eq!(
            parse(r#"{"source":"switchboard","type":"visibility","open":true}"#),
            Some(FromPage::Visibility { open: true })
        );
        assert_eq!(
            parse(r#"{"source":"other","type":"visibility","open":true}"#),
            None
        );
        assert_eq!(parse(r#"{"type":"visibility","open":true}"#), None);
        assert_eq!(parse(r#"{"source":"switchboard","type":"unknown"}"#), None);
    }

    #[test]
    fn frame_messages_carry_the_tag() {
        let text = encode(&ToPage::Unread { count: 3 }).unwrap_or_default();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(
            value,
            serde_json::json!({"source": "switchboard", "type": "unread", "count": 3})
        );
        let text = encode(&ToPage::Error {
            code: "unauthorized".into(),
            message: "no".into(),
        })
        .unwrap_or_default();
        assert!(text.contains(r#""type":"error""#) && text.contains(r#""code":"unauthorized""#));
    }
}
