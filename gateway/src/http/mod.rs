//! The HTTP API (contract section 2): thin handlers over [`crate::domain::Desk`].
//!
//! - `routes`: one handler per row of the contract's HTTP table;
//! - `desk`: the desk additions (contacts, notes, tags, quick responses, attachments);
//! - `widget`: the widget's calls, with their CORS rules;
//! - `web`: what is not the API (the built desk, or the API's 404);
//! - `extract`: request plumbing (JSON bodies, bearer tokens, the error response).
//!
//! Which URL reaches which handler is [`crate::router`]'s table. Handlers take
//! [`crate::edge::AppState`] and never name `ws` (or the other way round).

pub mod desk;
pub mod extract;
pub mod routes;
pub mod web;
pub mod widget;
