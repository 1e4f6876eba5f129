//! Opaque string ids, one newtype per kind of thing.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }
    )*};
}

id_type!(
    /// A tenant: one customer's app or environment.
    TenantId,
    /// A human agent (owner, admin or agent role).
    AgentId,
    /// An end user talking through the widget.
    UserId,
    /// A bot connecting as a socket client.
    BotId,
    /// A support group (inbox) with its own queue.
    GroupId,
    /// A conversation between one end user and the support side.
    ConversationId,
    /// One message of a conversation.
    MessageId,
    /// An uploaded file referenced by messages.
    AttachmentId,
);
