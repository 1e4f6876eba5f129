//! The parts of the desk page.

pub mod actions;
pub mod bulk;
pub mod confirm;
pub mod contact;
pub mod conversation;
pub mod earlier;
