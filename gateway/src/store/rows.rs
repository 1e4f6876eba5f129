//! Turning rows into records, once for both stores.
//!
//! The SQLite and PostgreSQL stores select the same columns with the same types, so their row
//! decoders are the same code over a different row type. `sqlx` offers no concise bound for
//! "a row of either database that decodes these types", so the decoders are written once here
//! and expanded in each store with its row type: one source, no copies to drift apart. The SQL
//! fragments several aggregates select live here too.

use super::dialect::Dialect;
use crate::error::{Error, Result};
use switchboard_protocol::{Attachment, BusinessHours};

/// The columns every conversation read selects (the same in both databases).
pub(super) const CONVERSATION_SELECT: &str = "SELECT c.id, c.status, c.group_id, c.assignee_kind, c.assignee_id, \
     c.assignee_name, c.last_agent_id, c.tags, c.last_seq, c.created_at, c.updated_at, c.queued_at, \
     c.resolved_at, u.id AS user_id, u.name AS user_name, u.email AS user_email, \
     u.phone AS user_phone, u.address AS user_address \
     FROM conversations c JOIN users u ON u.id = c.user_id";

/// The columns of a tenant row.
pub(super) const TENANT_SELECT: &str = "SELECT id, name, app_key, identity_secret, human_chat_enabled, routing, \
     reply_policy, entry_bot_id, default_group_id, reopen_fallback, after_resolve, bot_timeout_secs, \
     offline_grace_secs, widget_origins, widget_identity_required FROM tenants";

/// The columns of an agent row, with its groups joined by commas (`split_ids` undoes it).
pub(super) fn agent_select<D: Dialect>() -> String {
    format!(
        "SELECT a.id, a.tenant_id, a.full_name, a.login, a.email, a.role, a.status, \
         a.presence, a.capacity, a.password_hash, a.invite_token_hash, \
         (SELECT {}(gm.group_id, ',') FROM group_members gm WHERE gm.agent_id = a.id) AS group_ids \
         FROM agents a",
        D::STRING_AGG
    )
}

/// The columns of a group row, with its members joined by commas.
pub(super) fn group_select<D: Dialect>() -> String {
    format!(
        "SELECT g.id, g.name, g.assignment, g.business_hours, \
         (SELECT {}(gm.agent_id, ',') FROM group_members gm WHERE gm.group_id = g.id) AS member_ids \
         FROM support_groups g",
        D::STRING_AGG
    )
}

/// The columns of a bot row, with the groups that serve it joined by commas.
pub(super) fn bot_select<D: Dialect>() -> String {
    format!(
        "SELECT b.id, b.name, \
         (SELECT {}(bg.group_id, ',') FROM bot_groups bg WHERE bg.bot_id = b.id) AS group_ids \
         FROM bots b",
        D::STRING_AGG
    )
}

/// Attachments are stored as their JSON list.
pub(super) fn attachments_json(attachments: &[Attachment]) -> Result<String> {
    serde_json::to_string(attachments).map_err(|err| Error::internal(err.to_string()))
}

/// Business hours are stored as JSON, or NULL when the group has none.
pub(super) fn hours_json(hours: &Option<BusinessHours>) -> Result<Option<String>> {
    hours
        .as_ref()
        .map(|h| serde_json::to_string(h).map_err(|err| Error::internal(err.to_string())))
        .transpose()
}

/// The columns of a message row.
pub(super) const MESSAGE_COLUMNS: &str = "id, conversation_id, seq, author_kind, author_id, author_name, text, \
     attachments, private, client_msg_id, created_at";

/// Which of a user's conversations a store looks up (`$1` tenant, `$2` user).
#[derive(Clone, Copy)]
pub(super) enum UsersConversation {
    /// The most recently updated one that is not resolved.
    LatestOpen,
    /// The most recently updated open one, else the most recently updated of all.
    Current,
}

impl UsersConversation {
    /// The query, valid SQL for both SQLite and PostgreSQL (a boolean orders false first in
    /// both, so open conversations come before resolved ones).
    pub(super) fn sql(self) -> String {
        let tail = match self {
            UsersConversation::LatestOpen => {
                "AND c.status <> 'resolved' ORDER BY c.updated_at DESC, c.id DESC LIMIT 1"
            }
            UsersConversation::Current => {
                "ORDER BY c.status = 'resolved', c.updated_at DESC, c.id DESC LIMIT 1"
            }
        };
        format!("{CONVERSATION_SELECT} WHERE c.tenant_id = $1 AND c.user_id = $2 {tail}")
    }
}

/// Defines the row decoders for `$row` (`SqliteRow` or `PgRow`) in the calling module, where the
/// record types, `enum_from_text` and `Error` are in scope.
macro_rules! decoders {
    ($row:ty) => {
        fn split_ids<T: From<String>>(joined: Option<String>) -> Vec<T> {
            let mut ids: Vec<String> = joined
                .unwrap_or_default()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            ids.sort();
            ids.into_iter().map(T::from).collect()
        }

        fn agent_from_row(row: &$row) -> Result<AgentRecord> {
            Ok(AgentRecord {
                id: row.try_get::<String, _>("id")?.into(),
                tenant_id: row.try_get::<String, _>("tenant_id")?.into(),
                full_name: row.try_get("full_name")?,
                login: row.try_get("login")?,
                email: row.try_get("email")?,
                role: enum_from_text::<Role>(row.try_get("role")?)?,
                status: enum_from_text::<AgentStatus>(row.try_get("status")?)?,
                presence: enum_from_text::<Presence>(row.try_get("presence")?)?,
                capacity: row.try_get::<Option<i64>, _>("capacity")?.map(|c| c as u32),
                group_ids: split_ids(row.try_get("group_ids")?),
                password_hash: row.try_get("password_hash")?,
                invite_token_hash: row.try_get("invite_token_hash")?,
            })
        }

        fn group_from_row(row: &$row) -> Result<GroupRecord> {
            let hours: Option<String> = row.try_get("business_hours")?;
            Ok(GroupRecord {
                id: row.try_get::<String, _>("id")?.into(),
                name: row.try_get("name")?,
                assignment: enum_from_text(row.try_get("assignment")?)?,
                member_ids: split_ids(row.try_get("member_ids")?),
                business_hours: match hours {
                    Some(json) => {
                        Some(serde_json::from_str(&json).map_err(|err| {
                            Error::internal(format!("stored business hours: {err}"))
                        })?)
                    }
                    None => None,
                },
            })
        }

        fn tenant_from_row(row: &$row) -> Result<TenantRecord> {
            Ok(TenantRecord {
                id: row.try_get::<String, _>("id")?.into(),
                name: row.try_get("name")?,
                app_key: row.try_get("app_key")?,
                identity_secret: row.try_get("identity_secret")?,
                settings: Settings {
                    human_chat_enabled: row.try_get("human_chat_enabled")?,
                    routing: enum_from_text(row.try_get("routing")?)?,
                    reply_policy: enum_from_text(row.try_get("reply_policy")?)?,
                    entry_bot_id: row
                        .try_get::<Option<String>, _>("entry_bot_id")?
                        .map(Into::into),
                    default_group_id: row.try_get::<String, _>("default_group_id")?.into(),
                    reopen_fallback: enum_from_text(row.try_get("reopen_fallback")?)?,
                    after_resolve: enum_from_text(row.try_get("after_resolve")?)?,
                    bot_timeout_secs: row
                        .try_get::<i64, _>("bot_timeout_secs")?
                        .clamp(0, u32::MAX as i64) as u32,
                    offline_grace_secs: row
                        .try_get::<i64, _>("offline_grace_secs")?
                        .clamp(0, u32::MAX as i64) as u32,
                    widget_origins: row
                        .try_get::<String, _>("widget_origins")?
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect(),
                    widget_identity_required: row.try_get("widget_identity_required")?,
                    app_key: row.try_get("app_key")?,
                },
            })
        }

        fn bot_from_row(row: &$row) -> Result<BotRecord> {
            Ok(BotRecord {
                id: row.try_get::<String, _>("id")?.into(),
                name: row.try_get("name")?,
                group_ids: split_ids(row.try_get("group_ids")?),
            })
        }

        fn user_from_row(row: &$row) -> Result<UserRecord> {
            Ok(ConversationUser {
                id: row.try_get::<String, _>("id")?.into(),
                name: row.try_get("name")?,
                email: row.try_get("email")?,
                phone: row.try_get("phone")?,
                address: row.try_get("address")?,
            })
        }

        fn conversation_from_row(row: &$row) -> Result<ConversationState> {
            let assignee_kind: Option<String> = row.try_get("assignee_kind")?;
            let assignee = match assignee_kind {
                Some(kind) => Some(Assignee {
                    kind: enum_from_text::<HolderKind>(&kind)?,
                    id: row
                        .try_get::<Option<String>, _>("assignee_id")?
                        .unwrap_or_default(),
                    name: row
                        .try_get::<Option<String>, _>("assignee_name")?
                        .unwrap_or_default(),
                }),
                None => None,
            };
            let tags: String = row.try_get("tags")?;
            Ok(ConversationState {
                conversation: switchboard_protocol::Conversation {
                    id: row.try_get::<String, _>("id")?.into(),
                    status: enum_from_text::<ConversationStatus>(row.try_get("status")?)?,
                    group_id: row.try_get::<String, _>("group_id")?.into(),
                    assignee,
                    user: ConversationUser {
                        id: row.try_get::<String, _>("user_id")?.into(),
                        name: row.try_get("user_name")?,
                        email: row.try_get("user_email")?,
                        phone: row.try_get("user_phone")?,
                        address: row.try_get("user_address")?,
                    },
                    tags: serde_json::from_str(&tags)
                        .map_err(|err| Error::internal(format!("stored tags: {err}")))?,
                    last_seq: row.try_get::<i64, _>("last_seq")? as u64,
                    created_at: Timestamp(row.try_get("created_at")?),
                    updated_at: Timestamp(row.try_get("updated_at")?),
                    queued_at: row
                        .try_get::<Option<String>, _>("queued_at")?
                        .map(Timestamp),
                    resolved_at: row
                        .try_get::<Option<String>, _>("resolved_at")?
                        .map(Timestamp),
                },
                last_agent_id: row
                    .try_get::<Option<String>, _>("last_agent_id")?
                    .map(Into::into),
            })
        }

        fn message_from_row(row: &$row) -> Result<Message> {
            let attachments: String = row.try_get("attachments")?;
            Ok(Message {
                id: MessageId(row.try_get("id")?),
                conversation_id: row.try_get::<String, _>("conversation_id")?.into(),
                seq: row.try_get::<i64, _>("seq")? as u64,
                author: Author {
                    kind: enum_from_text(row.try_get("author_kind")?)?,
                    id: row.try_get("author_id")?,
                    name: row.try_get("author_name")?,
                },
                text: row.try_get("text")?,
                attachments: serde_json::from_str::<Vec<Attachment>>(&attachments)
                    .map_err(|err| Error::internal(format!("stored attachments: {err}")))?,
                private: row.try_get("private")?,
                client_msg_id: row.try_get("client_msg_id")?,
                created_at: Timestamp(row.try_get("created_at")?),
            })
        }

        fn note_from_row(row: &$row) -> Result<UserNote> {
            Ok(UserNote {
                id: row.try_get("id")?,
                user_id: row.try_get::<String, _>("user_id")?.into(),
                text: row.try_get("text")?,
                author: Author {
                    kind: AuthorKind::Agent,
                    id: row.try_get("author_id")?,
                    name: row.try_get("author_name")?,
                },
                created_at: Timestamp(row.try_get("created_at")?),
            })
        }

        fn quick_from_row(row: &$row) -> Result<QuickResponse> {
            Ok(QuickResponse {
                id: row.try_get("id")?,
                shortcut: row.try_get("shortcut")?,
                text: row.try_get("text")?,
            })
        }

        fn attachment_from_row(row: &$row) -> Result<AttachmentRecord> {
            Ok(AttachmentRecord {
                id: AttachmentId(row.try_get("id")?),
                file_name: row.try_get("file_name")?,
                content_type: row.try_get("content_type")?,
                size: row.try_get::<i64, _>("size")? as u64,
                uploader_kind: enum_from_text(row.try_get("uploader_kind")?)?,
                uploader_id: row.try_get("uploader_id")?,
                created_at: Timestamp(row.try_get("created_at")?),
            })
        }
    };
}

pub(super) use decoders;
