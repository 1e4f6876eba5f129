//! The parts of the desk page.

pub mod actions;
pub mod contact;
pub mod conversation;
