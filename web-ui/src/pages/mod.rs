//! One page per file.

pub mod agents;
pub mod bots;
pub mod desk;
pub mod groups;
pub mod invite;
pub mod login;
pub mod profile;
pub mod settings;
pub mod settings_widget;
pub mod shell;
