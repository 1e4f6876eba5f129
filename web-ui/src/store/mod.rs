//! The desk's state, pure: no web APIs, so it is unit-tested natively.
//!
//! Everything the gateway tells the desk goes through [`apply`] (socket frames, acks included)
//! or [`DeskState::load_view`] (REST lists). Messages are held per conversation in a map keyed
//! by `seq`, which sorts and deduplicates them by construction; that is what makes a reconnect
//! (re-subscribe with `after_seq`, replays overlapping what is held) safe.
//!
//! Map, from the bottom up (each part uses only parts listed above it; this file only shows
//! them, so the rest of the desk imports from `crate::store`):
//! - [`views`]: the five views (tabs), which conversation belongs in which and in what order,
//!   the list filter, a conversation's display name: functions of one conversation.
//! - [`state`]: [`DeskState`] and what it holds, and the changes the desk makes by itself
//!   (opening a conversation, marking it read, clearing typing, draining notices).
//! - [`derived`]: what the UI reads from the state without changing it: counts, the lists
//!   shown, unread counts, the "Seen" marker, where a subscription resumes.
//! - [`lists`]: REST lists into the state (a view's list, the filtered list, conversations
//!   fetched for the contact panel), and placing a conversation in exactly the views it
//!   belongs to.
//! - [`reducer`]: [`apply`], a server frame into the state: conversations, messages and
//!   previews, typing, presence, reads. Its tests drive the whole state the way the socket does.
//! - [`quick`]: the tenant's quick responses, and matching them as the agent types `/`.
//! - [`rules`]: why an action (assign to me, reopen, reply, ...) is not possible now (§6.1),
//!   whom the Assign picker offers, who gets bulk actions.
//! - [`contacts`]: the contact form's patch and a conversation's tags.
//! - [`bulk`]: a bulk action on conversations and its report (which failed, and why).

mod bulk;
mod contacts;
mod derived;
mod lists;
mod quick;
mod reducer;
pub mod rules;
mod state;
mod views;

#[cfg(test)]
mod fixtures;

pub use bulk::{BulkAction, BulkFailure, BulkReport, conversations as conversation_count};
pub use contacts::{contact_patch, patch_is_empty, tags_with, tags_without};
pub use quick::quick_matches;
pub use reducer::apply;
pub use state::{Connection, DeskState, Notice};
pub use views::{ListFilter, VIEWS, display_name, view_label, view_name};
