//! Bodies of the desk additions to the HTTP API (`docs/desk-api.md`): contact fields, notes
//! about a user, tags, quick responses and attachment uploads.

use crate::ids::*;
use crate::model::*;
use crate::nullable::Patch;
use serde::{Deserialize, Serialize};

/// `PATCH /v1/conversations/{id}/user`: absent keeps a field, `null` clears it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PatchContact {
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub name: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub email: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub phone: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub address: Patch<String>,
}

/// An agent's note about an end user, shared by the agents who may see the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UserNote {
    pub id: String,
    pub user_id: UserId,
    pub text: String,
    /// Always of kind `agent`.
    pub author: Author,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UserNoteList {
    pub notes: Vec<UserNote>,
}

/// `POST /v1/users/{user_id}/notes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreateUserNote {
    pub text: String,
}

/// `PUT /v1/conversations/{id}/tags`: the conversation's tags become these.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SetTags {
    pub tags: Vec<String>,
}

/// A canned answer an agent inserts by its shortcut.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QuickResponse {
    pub id: String,
    pub shortcut: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QuickResponseList {
    pub quick_responses: Vec<QuickResponse>,
}

/// `POST /v1/quick-responses`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreateQuickResponse {
    pub shortcut: String,
    pub text: String,
}

/// `PATCH /v1/quick-responses/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PatchQuickResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortcut: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// The largest attachment `POST /v1/attachments` takes, in bytes (10 MiB).
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// The most attachments one message carries.
pub const MAX_MESSAGE_ATTACHMENTS: usize = 10;

/// The answer of `POST /v1/attachments` is the contract's [`Attachment`].
pub type UploadedAttachment = Attachment;
