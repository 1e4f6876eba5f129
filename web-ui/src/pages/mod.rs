//! One page per file, and what several pages use.

pub mod agents;
pub mod agents_bulk;
pub mod bots;
pub mod common;
pub mod desk;
pub mod groups;
pub mod invite;
pub mod login;
pub mod profile;
pub mod settings;
pub mod settings_routing;
pub mod settings_widget;
pub mod shell;

/// Asks the agent `question` with the browser's confirmation dialog; `false` when they cancel
/// or when no dialog can be shown.
pub fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}
