//! Golden JSON tests: the serde types of this crate against the wire contract
//! (`shared/protocol.md`, v1).
//!
//! Every JSON literal below is written the way the contract shows it (field names, `type`
//! strings, snake_case enums). Each typed value must serialize to exactly that literal, and the
//! literal (sent as text, as it arrives on the wire) must parse back to the typed value.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::fmt::Debug;
use switchboard_protocol::api::*;
use switchboard_protocol::*;

/// Serializes `value` and compares with `json`, then parses `json` back and compares with `value`.
#[track_caller]
fn assert_round_trip<T>(value: &T, json: Value)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let serialized = serde_json::to_value(value).expect("the value serializes");
    assert_eq!(
        serialized, json,
        "serialized form differs from the contract literal"
    );
    let parsed: T = parse(&json).expect("the contract literal parses");
    assert_eq!(
        &parsed, value,
        "the contract literal parses to a different value"
    );
}

/// Parses `json` from its text form, the way a frame or body arrives on the wire.
fn parse<T: DeserializeOwned>(json: &Value) -> Result<T, serde_json::Error> {
    serde_json::from_str(&json.to_string())
}

/// Asserts that `json` parses to `expected` (for inputs the contract allows in more than one form).
#[track_caller]
fn assert_parses_to<T>(json: Value, expected: &T)
where
    T: DeserializeOwned + PartialEq + Debug,
{
    let parsed: T = parse(&json).unwrap_or_else(|e| panic!("{json} does not parse: {e}"));
    assert_eq!(&parsed, expected);
}

/// Asserts that `json` does not parse as `T`.
#[track_caller]
fn assert_rejected<T: DeserializeOwned + Debug>(json: Value) {
    if let Ok(parsed) = parse::<T>(&json) {
        panic!("{json} should be rejected, but parsed as {parsed:?}");
    }
}

/// Asserts that every value serializes to its string and that the string parses back.
#[track_caller]
fn assert_enum_strings<T>(cases: &[(T, &str)])
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    for (value, text) in cases {
        assert_round_trip(value, json!(text));
    }
}

/// Objects of the contract, each as its typed value and its contract literal.
mod fixtures {
    use super::*;

    pub fn ts(text: &str) -> Timestamp {
        Timestamp(text.to_owned())
    }

    /// An owner with no cap on open conversations.
    pub fn alice() -> (Agent, Value) {
        let agent = Agent {
            id: "agt_alice".into(),
            full_name: "Alice Example".into(),
            login: "alice".into(),
            email: "alice@example.com".into(),
            role: Role::Owner,
            status: AgentStatus::Verified,
            presence: Presence::Online,
            connected: true,
            capacity: None,
            group_ids: vec!["grp_support".into(), "grp_billing".into()],
        };
        let json = json!({
            "id": "agt_alice",
            "full_name": "Alice Example",
            "login": "alice",
            "email": "alice@example.com",
            "role": "owner",
            "status": "verified",
            "presence": "online",
            "connected": true,
            "capacity": null,
            "group_ids": ["grp_support", "grp_billing"]
        });
        (agent, json)
    }

    /// An invited agent who has not chosen a password yet, capped at 5 open conversations.
    pub fn bob() -> (Agent, Value) {
        let agent = Agent {
            id: "agt_bob".into(),
            full_name: "Bob Example".into(),
            login: "bob".into(),
            email: "bob@example.com".into(),
            role: Role::Agent,
            status: AgentStatus::Pending,
            presence: Presence::Offline,
            connected: false,
            capacity: Some(5),
            group_ids: vec![],
        };
        let json = json!({
            "id": "agt_bob",
            "full_name": "Bob Example",
            "login": "bob",
            "email": "bob@example.com",
            "role": "agent",
            "status": "pending",
            "presence": "offline",
            "connected": false,
            "capacity": 5,
            "group_ids": []
        });
        (agent, json)
    }

    pub fn business_hours() -> (BusinessHours, Value) {
        let hours = BusinessHours {
            timezone: "Europe/Berlin".into(),
            weekly: vec![
                OpeningWindow {
                    day: Weekday::Mon,
                    open: "09:00".into(),
                    close: "17:00".into(),
                },
                OpeningWindow {
                    day: Weekday::Sat,
                    open: "10:00".into(),
                    close: "14:00".into(),
                },
            ],
        };
        let json = json!({
            "timezone": "Europe/Berlin",
            "weekly": [
                {"day": "mon", "open": "09:00", "close": "17:00"},
                {"day": "sat", "open": "10:00", "close": "14:00"}
            ]
        });
        (hours, json)
    }

    /// A manual group without business hours (always open).
    pub fn group_always_open() -> (Group, Value) {
        let group = Group {
            id: "grp_support".into(),
            name: "Support".into(),
            assignment: Assignment::Manual,
            member_ids: vec!["agt_alice".into(), "agt_bob".into()],
            business_hours: None,
            online: true,
            queue_length: 0,
            oldest_queued_at: None,
        };
        let json = json!({
            "id": "grp_support",
            "name": "Support",
            "assignment": "manual",
            "member_ids": ["agt_alice", "agt_bob"],
            "business_hours": null,
            "online": true,
            "queue_length": 0,
            "oldest_queued_at": null
        });
        (group, json)
    }

    /// An auto-assigning group with business hours.
    pub fn group_with_hours() -> (Group, Value) {
        let (hours, hours_json) = business_hours();
        let group = Group {
            id: "grp_billing".into(),
            name: "Billing".into(),
            assignment: Assignment::Auto,
            member_ids: vec!["agt_alice".into()],
            business_hours: Some(hours),
            online: false,
            queue_length: 2,
            oldest_queued_at: Some(Timestamp("2026-11-21T09:00:00.000Z".into())),
        };
        let json = json!({
            "id": "grp_billing",
            "name": "Billing",
            "assignment": "auto",
            "member_ids": ["agt_alice"],
            "business_hours": hours_json,
            "online": false,
            "queue_length": 2,
            "oldest_queued_at": "2026-11-21T09:00:00.000Z"
        });
        (group, json)
    }

    pub fn settings_without_entry_bot() -> (Settings, Value) {
        let settings = Settings {
            human_chat_enabled: true,
            routing: Routing::OnlineOnly,
            reply_policy: ReplyPolicy::AcceptFirst,
            entry_bot_id: None,
            default_group_id: "grp_support".into(),
            reopen_fallback: ReopenFallback::Queue,
            after_resolve: AfterResolve::Reopen,
            bot_timeout_secs: 30,
            offline_grace_secs: 60,
            widget_origins: vec![],
            widget_identity_required: false,
            app_key: "ak_1".into(),
        };
        let json = json!({
            "human_chat_enabled": true,
            "routing": "online_only",
            "reply_policy": "accept_first",
            "entry_bot_id": null,
            "default_group_id": "grp_support",
            "reopen_fallback": "queue",
            "after_resolve": "reopen",
            "bot_timeout_secs": 30,
            "offline_grace_secs": 60,
            "widget_origins": [],
            "widget_identity_required": false,
            "app_key": "ak_1"
        });
        (settings, json)
    }

    pub fn settings_with_entry_bot() -> (Settings, Value) {
        let settings = Settings {
            human_chat_enabled: false,
            routing: Routing::OnlineThenOffline,
            reply_policy: ReplyPolicy::ReplyAssigns,
            entry_bot_id: Some("bot_greeter".into()),
            default_group_id: "grp_support".into(),
            reopen_fallback: ReopenFallback::EntryBot,
            after_resolve: AfterResolve::NewConversation,
            bot_timeout_secs: 0,
            offline_grace_secs: 5,
            widget_origins: vec!["https://shop.example".to_owned()],
            widget_identity_required: true,
            app_key: "ak_2".into(),
        };
        let json = json!({
            "human_chat_enabled": false,
            "routing": "online_then_offline",
            "reply_policy": "reply_assigns",
            "entry_bot_id": "bot_greeter",
            "default_group_id": "grp_support",
            "reopen_fallback": "entry_bot",
            "after_resolve": "new_conversation",
            "bot_timeout_secs": 0,
            "offline_grace_secs": 5,
            "widget_origins": ["https://shop.example"],
            "widget_identity_required": true,
            "app_key": "ak_2"
        });
        (settings, json)
    }

    fn user() -> (ConversationUser, Value) {
        let user = ConversationUser {
            id: "usr_1".into(),
            name: Some("Uma User".into()),
            email: Some("uma@example.org".into()),
            phone: None,
            address: None,
        };
        let json = json!({
            "id": "usr_1",
            "name": "Uma User",
            "email": "uma@example.org",
            "phone": null,
            "address": null
        });
        (user, json)
    }

    /// Waiting in its group's queue: no assignee, `queued_at` set.
    pub fn conversation_queued() -> (Conversation, Value) {
        let (user, user_json) = user();
        let conversation = Conversation {
            id: "cnv_1".into(),
            status: ConversationStatus::Queued,
            group_id: "grp_support".into(),
            assignee: None,
            user,
            tags: vec![],
            last_seq: 3,
            created_at: ts("2026-11-21T09:49:00.000Z"),
            updated_at: ts("2026-11-21T09:50:00.000Z"),
            queued_at: Some(ts("2026-11-21T09:50:00.000Z")),
            resolved_at: None,
        };
        let json = json!({
            "id": "cnv_1",
            "status": "queued",
            "group_id": "grp_support",
            "assignee": null,
            "user": user_json,
            "tags": [],
            "last_seq": 3,
            "created_at": "2026-11-21T09:49:00.000Z",
            "updated_at": "2026-11-21T09:50:00.000Z",
            "queued_at": "2026-11-21T09:50:00.000Z",
            "resolved_at": null
        });
        (conversation, json)
    }

    /// Held by an agent.
    pub fn conversation_assigned() -> (Conversation, Value) {
        let (user, user_json) = user();
        let conversation = Conversation {
            id: "cnv_1".into(),
            status: ConversationStatus::Assigned,
            group_id: "grp_support".into(),
            assignee: Some(Assignee {
                kind: HolderKind::Agent,
                id: "agt_alice".into(),
                name: "Alice Example".into(),
            }),
            user,
            tags: vec!["vip".into(), "refund".into()],
            last_seq: 4,
            created_at: ts("2026-11-21T09:49:00.000Z"),
            updated_at: ts("2026-11-21T09:51:00.000Z"),
            queued_at: Some(ts("2026-11-21T09:50:00.000Z")),
            resolved_at: None,
        };
        let json = json!({
            "id": "cnv_1",
            "status": "assigned",
            "group_id": "grp_support",
            "assignee": {"kind": "agent", "id": "agt_alice", "name": "Alice Example"},
            "user": user_json,
            "tags": ["vip", "refund"],
            "last_seq": 4,
            "created_at": "2026-11-21T09:49:00.000Z",
            "updated_at": "2026-11-21T09:51:00.000Z",
            "queued_at": "2026-11-21T09:50:00.000Z",
            "resolved_at": null
        });
        (conversation, json)
    }

    /// Held by the entry bot; it never waited for a human, so `queued_at` is null.
    pub fn conversation_with_bot() -> (Conversation, Value) {
        let conversation = Conversation {
            id: "cnv_2".into(),
            status: ConversationStatus::Bot,
            group_id: "grp_support".into(),
            assignee: Some(Assignee {
                kind: HolderKind::Bot,
                id: "bot_greeter".into(),
                name: "Greeter".into(),
            }),
            user: ConversationUser {
                id: "usr_2".into(),
                name: None,
                email: None,
                phone: Some("+49 30 123456".into()),
                address: Some("Berlin".into()),
            },
            tags: vec![],
            last_seq: 1,
            created_at: ts("2026-11-21T10:00:00.000Z"),
            updated_at: ts("2026-11-21T10:00:00.000Z"),
            queued_at: None,
            resolved_at: None,
        };
        let json = json!({
            "id": "cnv_2",
            "status": "bot",
            "group_id": "grp_support",
            "assignee": {"kind": "bot", "id": "bot_greeter", "name": "Greeter"},
            "user": {
                "id": "usr_2",
                "name": null,
                "email": null,
                "phone": "+49 30 123456",
                "address": "Berlin"
            },
            "tags": [],
            "last_seq": 1,
            "created_at": "2026-11-21T10:00:00.000Z",
            "updated_at": "2026-11-21T10:00:00.000Z",
            "queued_at": null,
            "resolved_at": null
        });
        (conversation, json)
    }

    pub fn conversation_resolved() -> (Conversation, Value) {
        let (user, user_json) = user();
        let conversation = Conversation {
            id: "cnv_1".into(),
            status: ConversationStatus::Resolved,
            group_id: "grp_support".into(),
            assignee: None,
            user,
            tags: vec![],
            last_seq: 9,
            created_at: ts("2026-11-21T09:49:00.000Z"),
            updated_at: ts("2026-11-21T11:00:00.000Z"),
            queued_at: Some(ts("2026-11-21T09:50:00.000Z")),
            resolved_at: Some(ts("2026-11-21T11:00:00.000Z")),
        };
        let json = json!({
            "id": "cnv_1",
            "status": "resolved",
            "group_id": "grp_support",
            "assignee": null,
            "user": user_json,
            "tags": [],
            "last_seq": 9,
            "created_at": "2026-11-21T09:49:00.000Z",
            "updated_at": "2026-11-21T11:00:00.000Z",
            "queued_at": "2026-11-21T09:50:00.000Z",
            "resolved_at": "2026-11-21T11:00:00.000Z"
        });
        (conversation, json)
    }

    /// A user's message with an attachment and its idempotency key.
    pub fn message_from_user() -> (Message, Value) {
        let message = Message {
            id: "msg_1".into(),
            conversation_id: "cnv_1".into(),
            seq: 1,
            author: Author {
                kind: AuthorKind::User,
                id: "usr_1".into(),
                name: "Uma User".into(),
            },
            text: "Hello, my order is late".into(),
            attachments: vec![Attachment {
                id: "att_1".into(),
                file_name: "receipt.pdf".into(),
                content_type: "application/pdf".into(),
                size: 12345,
                url: "/v1/attachments/att_1".into(),
            }],
            private: false,
            client_msg_id: Some("c-1".into()),
            created_at: ts("2026-11-21T09:49:00.000Z"),
        };
        let json = json!({
            "id": "msg_1",
            "conversation_id": "cnv_1",
            "seq": 1,
            "author": {"kind": "user", "id": "usr_1", "name": "Uma User"},
            "text": "Hello, my order is late",
            "attachments": [{
                "id": "att_1",
                "file_name": "receipt.pdf",
                "content_type": "application/pdf",
                "size": 12345,
                "url": "/v1/attachments/att_1"
            }],
            "private": false,
            "client_msg_id": "c-1",
            "created_at": "2026-11-21T09:49:00.000Z"
        });
        (message, json)
    }

    pub fn message_from_bot() -> (Message, Value) {
        let message = Message {
            id: "msg_2".into(),
            conversation_id: "cnv_1".into(),
            seq: 2,
            author: Author {
                kind: AuthorKind::Bot,
                id: "bot_greeter".into(),
                name: "Greeter".into(),
            },
            text: "Let me find a human for you".into(),
            attachments: vec![],
            private: false,
            client_msg_id: Some("bot-2".into()),
            created_at: ts("2026-11-21T09:49:30.000Z"),
        };
        let json = json!({
            "id": "msg_2",
            "conversation_id": "cnv_1",
            "seq": 2,
            "author": {"kind": "bot", "id": "bot_greeter", "name": "Greeter"},
            "text": "Let me find a human for you",
            "attachments": [],
            "private": false,
            "client_msg_id": "bot-2",
            "created_at": "2026-11-21T09:49:30.000Z"
        });
        (message, json)
    }

    /// An agent's private note: never shown to the user.
    pub fn message_from_agent_private() -> (Message, Value) {
        let message = Message {
            id: "msg_4".into(),
            conversation_id: "cnv_1".into(),
            seq: 4,
            author: Author {
                kind: AuthorKind::Agent,
                id: "agt_alice".into(),
                name: "Alice Example".into(),
            },
            text: "Customer is a VIP".into(),
            attachments: vec![],
            private: true,
            client_msg_id: Some("desk-7".into()),
            created_at: ts("2026-11-21T09:51:00.000Z"),
        };
        let json = json!({
            "id": "msg_4",
            "conversation_id": "cnv_1",
            "seq": 4,
            "author": {"kind": "agent", "id": "agt_alice", "name": "Alice Example"},
            "text": "Customer is a VIP",
            "attachments": [],
            "private": true,
            "client_msg_id": "desk-7",
            "created_at": "2026-11-21T09:51:00.000Z"
        });
        (message, json)
    }

    /// A system message: empty author id, no idempotency key.
    pub fn message_from_system() -> (Message, Value) {
        let message = Message {
            id: "msg_3".into(),
            conversation_id: "cnv_1".into(),
            seq: 3,
            author: Author {
                kind: AuthorKind::System,
                id: String::new(),
                name: "System".into(),
            },
            text: "You are being transferred to an agent".into(),
            attachments: vec![],
            private: false,
            client_msg_id: None,
            created_at: ts("2026-11-21T09:50:00.000Z"),
        };
        let json = json!({
            "id": "msg_3",
            "conversation_id": "cnv_1",
            "seq": 3,
            "author": {"kind": "system", "id": "", "name": "System"},
            "text": "You are being transferred to an agent",
            "attachments": [],
            "private": false,
            "client_msg_id": null,
            "created_at": "2026-11-21T09:50:00.000Z"
        });
        (message, json)
    }
}

/// The objects of sections 2 and 3 on their own.
mod objects {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn agent_without_capacity_round_trips() {
        let (agent, json) = alice();
        assert_round_trip(&agent, json);
    }

    #[test]
    fn agent_with_capacity_round_trips() {
        let (agent, json) = bob();
        assert_round_trip(&agent, json);
    }

    #[test]
    fn group_without_business_hours_round_trips() {
        let (group, json) = group_always_open();
        assert_round_trip(&group, json);
    }

    #[test]
    fn group_with_business_hours_round_trips() {
        let (group, json) = group_with_hours();
        assert_round_trip(&group, json);
    }

    #[test]
    fn settings_without_entry_bot_round_trips() {
        let (settings, json) = settings_without_entry_bot();
        assert_round_trip(&settings, json);
    }

    #[test]
    fn settings_with_entry_bot_round_trips() {
        let (settings, json) = settings_with_entry_bot();
        assert_round_trip(&settings, json);
    }

    #[test]
    fn queued_conversation_without_assignee_round_trips() {
        let (conversation, json) = conversation_queued();
        assert_round_trip(&conversation, json);
    }

    #[test]
    fn conversation_assigned_to_an_agent_round_trips() {
        let (conversation, json) = conversation_assigned();
        assert_round_trip(&conversation, json);
    }

    #[test]
    fn conversation_held_by_a_bot_with_null_queued_at_round_trips() {
        let (conversation, json) = conversation_with_bot();
        assert_round_trip(&conversation, json);
    }

    #[test]
    fn resolved_conversation_round_trips() {
        let (conversation, json) = conversation_resolved();
        assert_round_trip(&conversation, json);
    }

    #[test]
    fn message_from_a_user_with_attachment_round_trips() {
        let (message, json) = message_from_user();
        assert_round_trip(&message, json);
    }

    #[test]
    fn message_from_a_bot_round_trips() {
        let (message, json) = message_from_bot();
        assert_round_trip(&message, json);
    }

    #[test]
    fn private_message_from_an_agent_round_trips() {
        let (message, json) = message_from_agent_private();
        assert_round_trip(&message, json);
    }

    #[test]
    fn system_message_without_client_msg_id_round_trips() {
        let (message, json) = message_from_system();
        assert_round_trip(&message, json);
    }
}

/// Section 3, client frames.
mod client_frames {
    use super::*;

    #[test]
    fn auth_round_trips() {
        let frame = ClientFrame::Auth(Auth {
            token: "tok_123".into(),
        });
        assert_round_trip(&frame, json!({"type": "auth", "token": "tok_123"}));
    }

    #[test]
    fn message_send_with_every_field_round_trips() {
        let frame = ClientFrame::MessageSend(MessageSend {
            req: "r1".into(),
            conversation_id: Some("cnv_1".into()),
            client_msg_id: "c-1".into(),
            text: "Internal: check the refund".into(),
            attachment_ids: vec!["att_1".into(), "att_2".into()],
            private: true,
        });
        assert_round_trip(
            &frame,
            json!({
                "type": "message.send",
                "req": "r1",
                "conversation_id": "cnv_1",
                "client_msg_id": "c-1",
                "text": "Internal: check the refund",
                "attachment_ids": ["att_1", "att_2"],
                "private": true
            }),
        );
    }

    #[test]
    fn message_send_without_conversation_id_round_trips() {
        let frame = ClientFrame::MessageSend(MessageSend {
            req: "r1".into(),
            conversation_id: None,
            client_msg_id: "c-1".into(),
            text: "Hello".into(),
            attachment_ids: vec![],
            private: false,
        });
        assert_round_trip(
            &frame,
            json!({"type": "message.send", "req": "r1", "client_msg_id": "c-1", "text": "Hello"}),
        );
    }

    #[test]
    fn message_send_optional_fields_given_as_null_or_defaults_mean_absent() {
        let expected = ClientFrame::MessageSend(MessageSend {
            req: "r1".into(),
            conversation_id: None,
            client_msg_id: "c-1".into(),
            text: "Hello".into(),
            attachment_ids: vec![],
            private: false,
        });
        assert_parses_to(
            json!({
                "type": "message.send",
                "req": "r1",
                "conversation_id": null,
                "client_msg_id": "c-1",
                "text": "Hello",
                "attachment_ids": [],
                "private": false
            }),
            &expected,
        );
    }

    #[test]
    fn handover_with_reason_and_group_round_trips() {
        let frame = ClientFrame::Handover(Handover {
            req: "r2".into(),
            conversation_id: "cnv_1".into(),
            reason: Some("asked for a human".into()),
            group_id: Some("grp_billing".into()),
        });
        assert_round_trip(
            &frame,
            json!({
                "type": "conversation.handover",
                "req": "r2",
                "conversation_id": "cnv_1",
                "reason": "asked for a human",
                "group_id": "grp_billing"
            }),
        );
    }

    #[test]
    fn handover_without_reason_and_group_round_trips() {
        let frame = ClientFrame::Handover(Handover {
            req: "r2".into(),
            conversation_id: "cnv_1".into(),
            reason: None,
            group_id: None,
        });
        assert_round_trip(
            &frame,
            json!({"type": "conversation.handover", "req": "r2", "conversation_id": "cnv_1"}),
        );
    }

    #[test]
    fn accept_round_trips() {
        let frame = ClientFrame::Accept(ConversationRef {
            req: "r3".into(),
            conversation_id: "cnv_1".into(),
        });
        assert_round_trip(
            &frame,
            json!({"type": "conversation.accept", "req": "r3", "conversation_id": "cnv_1"}),
        );
    }

    #[test]
    fn assign_to_an_agent_round_trips() {
        let frame = ClientFrame::Assign(Assign {
            req: "r4".into(),
            conversation_id: "cnv_1".into(),
            to: AssignTarget {
                kind: HolderKind::Agent,
                id: "agt_bob".into(),
            },
        });
        assert_round_trip(
            &frame,
            json!({
                "type": "conversation.assign",
                "req": "r4",
                "conversation_id": "cnv_1",
                "to": {"kind": "agent", "id": "agt_bob"}
            }),
        );
    }

    #[test]
    fn assign_to_a_bot_round_trips() {
        let frame = ClientFrame::Assign(Assign {
            req: "r4".into(),
            conversation_id: "cnv_1".into(),
            to: AssignTarget {
                kind: HolderKind::Bot,
                id: "bot_greeter".into(),
            },
        });
        assert_round_trip(
            &frame,
            json!({
                "type": "conversation.assign",
                "req": "r4",
                "conversation_id": "cnv_1",
                "to": {"kind": "bot", "id": "bot_greeter"}
            }),
        );
    }

    #[test]
    fn transfer_round_trips() {
        let frame = ClientFrame::Transfer(Transfer {
            req: "r5".into(),
            conversation_id: "cnv_1".into(),
            group_id: "grp_billing".into(),
        });
        assert_round_trip(
            &frame,
            json!({
                "type": "conversation.transfer",
                "req": "r5",
                "conversation_id": "cnv_1",
                "group_id": "grp_billing"
            }),
        );
    }

    #[test]
    fn unassign_round_trips() {
        let frame = ClientFrame::Unassign(ConversationRef {
            req: "r6".into(),
            conversation_id: "cnv_1".into(),
        });
        assert_round_trip(
            &frame,
            json!({"type": "conversation.unassign", "req": "r6", "conversation_id": "cnv_1"}),
        );
    }

    #[test]
    fn resolve_round_trips() {
        let frame = ClientFrame::Resolve(ConversationRef {
            req: "r7".into(),
            conversation_id: "cnv_1".into(),
        });
        assert_round_trip(
            &frame,
            json!({"type": "conversation.resolve", "req": "r7", "conversation_id": "cnv_1"}),
        );
    }

    #[test]
    fn subscribe_with_after_seq_round_trips() {
        let frame = ClientFrame::Subscribe(Subscribe {
            req: "r8".into(),
            conversation_id: "cnv_1".into(),
            after_seq: Some(12),
        });
        assert_round_trip(
            &frame,
            json!({
                "type": "conversation.subscribe",
                "req": "r8",
                "conversation_id": "cnv_1",
                "after_seq": 12
            }),
        );
    }

    #[test]
    fn subscribe_without_after_seq_round_trips() {
        let frame = ClientFrame::Subscribe(Subscribe {
            req: "r8".into(),
            conversation_id: "cnv_1".into(),
            after_seq: None,
        });
        assert_round_trip(
            &frame,
            json!({"type": "conversation.subscribe", "req": "r8", "conversation_id": "cnv_1"}),
        );
    }

    #[test]
    fn unsubscribe_round_trips() {
        let frame = ClientFrame::Unsubscribe(ConversationRef {
            req: "r9".into(),
            conversation_id: "cnv_1".into(),
        });
        assert_round_trip(
            &frame,
            json!({"type": "conversation.unsubscribe", "req": "r9", "conversation_id": "cnv_1"}),
        );
    }

    #[test]
    fn history_with_every_field_round_trips() {
        let frame = ClientFrame::History(History {
            req: "r10".into(),
            conversation_id: "cnv_1".into(),
            after_seq: Some(3),
            before_seq: Some(40),
            limit: Some(25),
        });
        assert_round_trip(
            &frame,
            json!({
                "type": "history",
                "req": "r10",
                "conversation_id": "cnv_1",
                "after_seq": 3,
                "before_seq": 40,
                "limit": 25
            }),
        );
    }

    #[test]
    fn history_without_optional_fields_round_trips() {
        let frame = ClientFrame::History(History {
            req: "r10".into(),
            conversation_id: "cnv_1".into(),
            after_seq: None,
            before_seq: None,
            limit: None,
        });
        assert_round_trip(
            &frame,
            json!({"type": "history", "req": "r10", "conversation_id": "cnv_1"}),
        );
    }

    #[test]
    fn presence_set_online_and_offline_round_trip() {
        for (status, text) in [(Presence::Online, "online"), (Presence::Offline, "offline")] {
            let frame = ClientFrame::PresenceSet(PresenceSet {
                req: "r11".into(),
                status,
            });
            assert_round_trip(
                &frame,
                json!({"type": "presence.set", "req": "r11", "status": text}),
            );
        }
    }

    #[test]
    fn typing_round_trips_without_req() {
        let frame = ClientFrame::Typing(Typing {
            conversation_id: "cnv_1".into(),
        });
        assert_round_trip(
            &frame,
            json!({"type": "typing", "conversation_id": "cnv_1"}),
        );
    }

    #[test]
    fn read_round_trips_without_req() {
        let frame = ClientFrame::Read(Read {
            conversation_id: "cnv_1".into(),
            seq: 7,
        });
        assert_round_trip(
            &frame,
            json!({"type": "read", "conversation_id": "cnv_1", "seq": 7}),
        );
    }

    #[test]
    fn ping_without_req_round_trips() {
        let frame = ClientFrame::Ping(Ping { req: None });
        assert_round_trip(&frame, json!({"type": "ping"}));
    }

    #[test]
    fn ping_with_req_round_trips() {
        let frame = ClientFrame::Ping(Ping {
            req: Some("p1".into()),
        });
        assert_round_trip(&frame, json!({"type": "ping", "req": "p1"}));
    }

    /// One frame of every variant (the match keeps this list complete when variants are added).
    fn one_of_each() -> Vec<ClientFrame> {
        let frames = vec![
            ClientFrame::Auth(Auth { token: "t".into() }),
            ClientFrame::MessageSend(MessageSend {
                req: "r".into(),
                conversation_id: None,
                client_msg_id: "c".into(),
                text: "x".into(),
                attachment_ids: vec![],
                private: false,
            }),
            ClientFrame::Handover(Handover {
                req: "r".into(),
                conversation_id: "c".into(),
                reason: None,
                group_id: None,
            }),
            ClientFrame::Accept(ConversationRef {
                req: "r".into(),
                conversation_id: "c".into(),
            }),
            ClientFrame::Assign(Assign {
                req: "r".into(),
                conversation_id: "c".into(),
                to: AssignTarget {
                    kind: HolderKind::Agent,
                    id: "a".into(),
                },
            }),
            ClientFrame::Transfer(Transfer {
                req: "r".into(),
                conversation_id: "c".into(),
                group_id: "g".into(),
            }),
            ClientFrame::Unassign(ConversationRef {
                req: "r".into(),
                conversation_id: "c".into(),
            }),
            ClientFrame::Resolve(ConversationRef {
                req: "r".into(),
                conversation_id: "c".into(),
            }),
            ClientFrame::Subscribe(Subscribe {
                req: "r".into(),
                conversation_id: "c".into(),
                after_seq: None,
            }),
            ClientFrame::Unsubscribe(ConversationRef {
                req: "r".into(),
                conversation_id: "c".into(),
            }),
            ClientFrame::History(History {
                req: "r".into(),
                conversation_id: "c".into(),
                after_seq: None,
                before_seq: None,
                limit: None,
            }),
            ClientFrame::PresenceSet(PresenceSet {
                req: "r".into(),
                status: Presence::Online,
            }),
            ClientFrame::Typing(Typing {
                conversation_id: "c".into(),
            }),
            ClientFrame::Read(Read {
                conversation_id: "c".into(),
                seq: 1,
            }),
            ClientFrame::Ping(Ping {
                req: Some("r".into()),
            }),
            ClientFrame::Reopen(ConversationRef {
                req: "r".into(),
                conversation_id: "c".into(),
            }),
        ];
        for frame in &frames {
            match frame {
                ClientFrame::Auth(_)
                | ClientFrame::MessageSend(_)
                | ClientFrame::Handover(_)
                | ClientFrame::Accept(_)
                | ClientFrame::Assign(_)
                | ClientFrame::Transfer(_)
                | ClientFrame::Unassign(_)
                | ClientFrame::Resolve(_)
                | ClientFrame::Subscribe(_)
                | ClientFrame::Unsubscribe(_)
                | ClientFrame::History(_)
                | ClientFrame::PresenceSet(_)
                | ClientFrame::Typing(_)
                | ClientFrame::Read(_)
                | ClientFrame::Ping(_)
                | ClientFrame::Reopen(_) => {}
            }
        }
        frames
    }

    #[test]
    fn type_name_agrees_with_the_serialized_type() {
        let frames = one_of_each();
        let mut names: Vec<&str> = frames.iter().map(ClientFrame::type_name).collect();
        for frame in &frames {
            let json = serde_json::to_value(frame).unwrap();
            assert_eq!(json["type"], frame.type_name(), "{frame:?}");
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            names.len(),
            frames.len(),
            "each variant has its own type name"
        );
    }

    #[test]
    fn req_is_read_from_every_frame_that_expects_an_answer() {
        for frame in one_of_each() {
            let expected = match frame {
                ClientFrame::Auth(_) | ClientFrame::Typing(_) | ClientFrame::Read(_) => None,
                _ => Some("r"),
            };
            assert_eq!(frame.req(), expected, "{frame:?}");
        }
        assert_eq!(ClientFrame::Ping(Ping { req: None }).req(), None);
    }
}

/// Section 3, server frames.
mod server_frames {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn welcome_round_trips_for_every_role() {
        for (role, text) in [
            (ClientRole::User, "user"),
            (ClientRole::Bot, "bot"),
            (ClientRole::Agent, "agent"),
        ] {
            let frame = ServerFrame::Welcome(Welcome {
                role,
                id: "prn_1".into(),
                tenant_id: "ten_1".into(),
            });
            assert_round_trip(
                &frame,
                json!({"type": "welcome", "role": text, "id": "prn_1", "tenant_id": "ten_1"}),
            );
        }
    }

    #[test]
    fn ack_of_message_send_carries_conversation_id_and_message() {
        let (message, message_json) = message_from_user();
        let frame = ServerFrame::Ack(Ack {
            conversation_id: Some("cnv_1".into()),
            message: Some(message),
            ..Ack::new("r1")
        });
        assert_round_trip(
            &frame,
            json!({
                "type": "ack",
                "req": "r1",
                "conversation_id": "cnv_1",
                "message": message_json
            }),
        );
    }

    #[test]
    fn ack_of_a_conversation_command_carries_the_conversation() {
        let (conversation, conversation_json) = conversation_assigned();
        let frame = ServerFrame::Ack(Ack {
            conversation: Some(conversation),
            ..Ack::new("r3")
        });
        assert_round_trip(
            &frame,
            json!({"type": "ack", "req": "r3", "conversation": conversation_json}),
        );
    }

    #[test]
    fn ack_of_subscribe_carries_conversation_and_messages() {
        let (conversation, conversation_json) = conversation_queued();
        let (user_message, user_json) = message_from_user();
        let (bot_message, bot_json) = message_from_bot();
        let (system_message, system_json) = message_from_system();
        let frame = ServerFrame::Ack(Ack {
            conversation: Some(conversation),
            messages: Some(vec![user_message, bot_message, system_message]),
            ..Ack::new("r8")
        });
        assert_round_trip(
            &frame,
            json!({
                "type": "ack",
                "req": "r8",
                "conversation": conversation_json,
                "messages": [user_json, bot_json, system_json]
            }),
        );
    }

    #[test]
    fn ack_of_history_carries_messages_and_has_more() {
        let (note, note_json) = message_from_agent_private();
        let frame = ServerFrame::Ack(Ack {
            messages: Some(vec![note]),
            has_more: Some(true),
            ..Ack::new("r10")
        });
        assert_round_trip(
            &frame,
            json!({"type": "ack", "req": "r10", "messages": [note_json], "has_more": true}),
        );
    }

    #[test]
    fn ack_of_history_with_no_messages_round_trips() {
        let frame = ServerFrame::Ack(Ack {
            messages: Some(vec![]),
            has_more: Some(false),
            ..Ack::new("r10")
        });
        assert_round_trip(
            &frame,
            json!({"type": "ack", "req": "r10", "messages": [], "has_more": false}),
        );
    }

    #[test]
    fn ack_of_presence_set_carries_the_agent() {
        let (agent, agent_json) = alice();
        let frame = ServerFrame::Ack(Ack {
            agent: Some(agent),
            ..Ack::new("r11")
        });
        assert_round_trip(
            &frame,
            json!({"type": "ack", "req": "r11", "agent": agent_json}),
        );
    }

    #[test]
    fn ack_of_unsubscribe_carries_only_req() {
        let frame = ServerFrame::Ack(Ack::new("r9"));
        assert_round_trip(&frame, json!({"type": "ack", "req": "r9"}));
    }

    #[test]
    fn error_with_req_round_trips() {
        let frame = ServerFrame::Error(ErrorFrame {
            req: Some("r3".into()),
            code: ErrorCode::Conflict,
            message: "someone else holds it".into(),
        });
        assert_round_trip(
            &frame,
            json!({
                "type": "error",
                "req": "r3",
                "code": "conflict",
                "message": "someone else holds it"
            }),
        );
    }

    #[test]
    fn error_without_req_round_trips() {
        let frame = ServerFrame::Error(ErrorFrame {
            req: None,
            code: ErrorCode::Unauthorized,
            message: "bad token".into(),
        });
        assert_round_trip(
            &frame,
            json!({"type": "error", "code": "unauthorized", "message": "bad token"}),
        );
    }

    #[test]
    fn pong_without_req_round_trips() {
        let frame = ServerFrame::Pong(Ping { req: None });
        assert_round_trip(&frame, json!({"type": "pong"}));
    }

    #[test]
    fn pong_with_req_round_trips() {
        let frame = ServerFrame::Pong(Ping {
            req: Some("p1".into()),
        });
        assert_round_trip(&frame, json!({"type": "pong", "req": "p1"}));
    }

    #[test]
    fn message_created_round_trips() {
        let (message, message_json) = message_from_bot();
        let frame = ServerFrame::MessageCreated(MessageCreated { message });
        assert_round_trip(
            &frame,
            json!({"type": "message.created", "message": message_json}),
        );
    }

    #[test]
    fn message_created_with_a_private_note_round_trips() {
        let (message, message_json) = message_from_agent_private();
        let frame = ServerFrame::MessageCreated(MessageCreated { message });
        assert_round_trip(
            &frame,
            json!({"type": "message.created", "message": message_json}),
        );
    }

    #[test]
    fn conversation_updated_round_trips() {
        let (conversation, conversation_json) = conversation_with_bot();
        let frame = ServerFrame::ConversationUpdated(ConversationUpdated { conversation });
        assert_round_trip(
            &frame,
            json!({"type": "conversation.updated", "conversation": conversation_json}),
        );
    }

    #[test]
    fn typing_event_round_trips() {
        let frame = ServerFrame::Typing(TypingEvent {
            conversation_id: "cnv_1".into(),
            author: Author {
                kind: AuthorKind::User,
                id: "usr_1".into(),
                name: "Uma User".into(),
            },
        });
        assert_round_trip(
            &frame,
            json!({
                "type": "typing",
                "conversation_id": "cnv_1",
                "author": {"kind": "user", "id": "usr_1", "name": "Uma User"}
            }),
        );
    }

    #[test]
    fn read_event_round_trips() {
        let frame = ServerFrame::Read(ReadEvent {
            conversation_id: "cnv_1".into(),
            seq: 4,
            by: Author {
                kind: AuthorKind::Agent,
                id: "agt_alice".into(),
                name: "Alice Example".into(),
            },
        });
        assert_round_trip(
            &frame,
            json!({
                "type": "read",
                "conversation_id": "cnv_1",
                "seq": 4,
                "by": {"kind": "agent", "id": "agt_alice", "name": "Alice Example"}
            }),
        );
    }

    #[test]
    fn presence_event_round_trips() {
        let frame = ServerFrame::Presence(PresenceEvent {
            agent_id: "agt_bob".into(),
            presence: Presence::Online,
            connected: false,
        });
        assert_round_trip(
            &frame,
            json!({
                "type": "presence",
                "agent_id": "agt_bob",
                "presence": "online",
                "connected": false
            }),
        );
    }
}

/// Section 2, HTTP request and response bodies.
mod rest_bodies {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn health_round_trips() {
        assert_round_trip(
            &Health {
                status: "ok".into(),
            },
            json!({"status": "ok"}),
        );
    }

    #[test]
    fn error_body_round_trips() {
        let body = ErrorBody {
            error: ErrorDetail {
                code: ErrorCode::NotFound,
                message: "no such agent".into(),
            },
        };
        assert_round_trip(
            &body,
            json!({"error": {"code": "not_found", "message": "no such agent"}}),
        );
    }

    #[test]
    fn login_request_round_trips() {
        let body = LoginRequest {
            login: "alice".into(),
            password: "s3cret".into(),
        };
        assert_round_trip(&body, json!({"login": "alice", "password": "s3cret"}));
    }

    #[test]
    fn agent_session_round_trips() {
        let (agent, agent_json) = alice();
        let body = AgentSession {
            token: "tok_1".into(),
            agent,
        };
        assert_round_trip(&body, json!({"token": "tok_1", "agent": agent_json}));
    }

    #[test]
    fn agent_list_round_trips() {
        let (alice, alice_json) = alice();
        let (bob, bob_json) = bob();
        let body = AgentList {
            agents: vec![alice, bob],
        };
        assert_round_trip(&body, json!({"agents": [alice_json, bob_json]}));
    }

    #[test]
    fn create_agent_with_password_and_role_round_trips() {
        let body = CreateAgent {
            full_name: "Bob Example".into(),
            login: "bob".into(),
            email: "bob@example.com".into(),
            password: Some("pw".into()),
            role: Some(Role::Admin),
            group_ids: Some(vec!["grp_support".into()]),
        };
        assert_round_trip(
            &body,
            json!({
                "full_name": "Bob Example",
                "login": "bob",
                "email": "bob@example.com",
                "password": "pw",
                "role": "admin",
                "group_ids": ["grp_support"]
            }),
        );
    }

    #[test]
    fn create_agent_without_password_and_role_round_trips() {
        let body = CreateAgent {
            full_name: "Bob Example".into(),
            login: "bob".into(),
            email: "bob@example.com".into(),
            password: None,
            role: None,
            group_ids: None,
        };
        assert_round_trip(
            &body,
            json!({"full_name": "Bob Example", "login": "bob", "email": "bob@example.com"}),
        );
    }

    #[test]
    fn created_agent_flattens_the_agent_and_adds_invite_url() {
        let (agent, agent_json) = bob();
        let body = CreatedAgent {
            agent,
            invite_url: Some("https://desk.example.com/invite/inv_1".into()),
        };
        let mut json = agent_json;
        json["invite_url"] = json!("https://desk.example.com/invite/inv_1");
        assert_round_trip(&body, json);
    }

    #[test]
    fn created_agent_with_a_password_is_just_the_agent() {
        let (agent, agent_json) = alice();
        let body = CreatedAgent {
            agent,
            invite_url: None,
        };
        assert_round_trip(&body, agent_json);
    }

    #[test]
    fn patch_agent_without_capacity_keeps_it() {
        let body = PatchAgent {
            full_name: Some("Bobby".into()),
            ..PatchAgent::default()
        };
        assert_round_trip(&body, json!({"full_name": "Bobby"}));
        assert_eq!(body.capacity, Patch::Keep);
    }

    #[test]
    fn patch_agent_with_null_capacity_clears_it() {
        let body = PatchAgent {
            capacity: Patch::Clear,
            ..PatchAgent::default()
        };
        assert_round_trip(&body, json!({"capacity": null}));
    }

    #[test]
    fn patch_agent_with_a_capacity_sets_it() {
        let body = PatchAgent {
            capacity: Patch::Set(3),
            ..PatchAgent::default()
        };
        assert_round_trip(&body, json!({"capacity": 3}));
    }

    #[test]
    fn patch_agent_with_every_field_round_trips() {
        let body = PatchAgent {
            full_name: Some("Bobby".into()),
            password: Some("new-pw".into()),
            role: Some(Role::Admin),
            capacity: Patch::Set(8),
            login: Some("bobby".into()),
            email: Some("bobby@example.com".into()),
        };
        assert_round_trip(
            &body,
            json!({
                "full_name": "Bobby",
                "password": "new-pw",
                "role": "admin",
                "capacity": 8,
                "login": "bobby",
                "email": "bobby@example.com"
            }),
        );
    }

    #[test]
    fn empty_patch_agent_is_an_empty_object() {
        assert_round_trip(&PatchAgent::default(), json!({}));
    }

    #[test]
    fn accept_invite_round_trips() {
        assert_round_trip(
            &AcceptInvite {
                password: "pw".into(),
            },
            json!({"password": "pw"}),
        );
    }

    #[test]
    fn group_list_round_trips() {
        let (open, open_json) = group_always_open();
        let (hours, hours_json) = group_with_hours();
        let body = GroupList {
            groups: vec![open, hours],
        };
        assert_round_trip(&body, json!({"groups": [open_json, hours_json]}));
    }

    #[test]
    fn create_group_with_only_a_name_round_trips() {
        let body = CreateGroup {
            name: "Sales".into(),
            assignment: None,
            business_hours: None,
        };
        assert_round_trip(&body, json!({"name": "Sales"}));
    }

    #[test]
    fn create_group_with_assignment_and_business_hours_round_trips() {
        let (hours, hours_json) = business_hours();
        let body = CreateGroup {
            name: "Sales".into(),
            assignment: Some(Assignment::Auto),
            business_hours: Some(hours),
        };
        assert_round_trip(
            &body,
            json!({"name": "Sales", "assignment": "auto", "business_hours": hours_json}),
        );
    }

    #[test]
    fn create_group_with_null_business_hours_is_always_open() {
        let expected = CreateGroup {
            name: "Sales".into(),
            assignment: None,
            business_hours: None,
        };
        assert_parses_to(json!({"name": "Sales", "business_hours": null}), &expected);
    }

    #[test]
    fn patch_group_without_business_hours_keeps_them() {
        let body = PatchGroup {
            name: Some("Support EU".into()),
            ..PatchGroup::default()
        };
        assert_round_trip(&body, json!({"name": "Support EU"}));
        assert_eq!(body.business_hours, Patch::Keep);
    }

    #[test]
    fn patch_group_with_null_business_hours_clears_them() {
        let body = PatchGroup {
            business_hours: Patch::Clear,
            ..PatchGroup::default()
        };
        assert_round_trip(&body, json!({"business_hours": null}));
    }

    #[test]
    fn patch_group_with_business_hours_sets_them() {
        let (hours, hours_json) = business_hours();
        let body = PatchGroup {
            name: None,
            assignment: Some(Assignment::Manual),
            business_hours: Patch::Set(hours),
        };
        assert_round_trip(
            &body,
            json!({"assignment": "manual", "business_hours": hours_json}),
        );
    }

    #[test]
    fn group_members_round_trips() {
        let body = GroupMembers {
            agent_ids: vec!["agt_alice".into(), "agt_bob".into()],
        };
        assert_round_trip(&body, json!({"agent_ids": ["agt_alice", "agt_bob"]}));
    }

    #[test]
    fn create_bot_round_trips() {
        assert_round_trip(
            &CreateBot {
                name: "Greeter".into(),
            },
            json!({"name": "Greeter"}),
        );
    }

    #[test]
    fn created_bot_carries_its_token() {
        let body = CreatedBot {
            id: "bot_greeter".into(),
            name: "Greeter".into(),
            token: "bot_tok_1".into(),
        };
        assert_round_trip(
            &body,
            json!({"id": "bot_greeter", "name": "Greeter", "token": "bot_tok_1"}),
        );
    }

    #[test]
    fn bot_list_round_trips_without_tokens() {
        let body = BotList {
            bots: vec![BotInfo {
                id: "bot_greeter".into(),
                name: "Greeter".into(),
                connected: true,
                group_ids: vec!["grp_support".into()],
            }],
        };
        assert_round_trip(
            &body,
            json!({"bots": [{"id": "bot_greeter", "name": "Greeter", "connected": true,
                "group_ids": ["grp_support"]}]}),
        );
    }

    #[test]
    fn a_bot_listed_by_a_v1_gateway_serves_no_group() {
        let parsed: BotInfo =
            serde_json::from_str(r#"{"id": "bot_greeter", "name": "Greeter", "connected": false}"#)
                .expect("a v1 bot");
        assert!(parsed.group_ids.is_empty());
    }

    #[test]
    fn patch_bot_sends_only_what_changes() {
        let body = PatchBot {
            group_ids: Some(vec!["grp_support".into()]),
            ..PatchBot::default()
        };
        assert_round_trip(&body, json!({"group_ids": ["grp_support"]}));
        assert_round_trip(&PatchBot::default(), json!({}));
    }

    #[test]
    fn patch_settings_without_entry_bot_keeps_it() {
        let body = PatchSettings {
            human_chat_enabled: Some(false),
            ..PatchSettings::default()
        };
        assert_round_trip(&body, json!({"human_chat_enabled": false}));
        assert_eq!(body.entry_bot_id, Patch::Keep);
    }

    #[test]
    fn patch_settings_with_null_entry_bot_clears_it() {
        let body = PatchSettings {
            entry_bot_id: Patch::Clear,
            ..PatchSettings::default()
        };
        assert_round_trip(&body, json!({"entry_bot_id": null}));
    }

    #[test]
    fn patch_settings_with_an_entry_bot_sets_it() {
        let body = PatchSettings {
            entry_bot_id: Patch::Set("bot_greeter".into()),
            ..PatchSettings::default()
        };
        assert_round_trip(&body, json!({"entry_bot_id": "bot_greeter"}));
    }

    #[test]
    fn patch_settings_with_every_field_round_trips() {
        let body = PatchSettings {
            human_chat_enabled: Some(true),
            routing: Some(Routing::OnlineThenOffline),
            reply_policy: Some(ReplyPolicy::ReplyAssigns),
            entry_bot_id: Patch::Set("bot_greeter".into()),
            default_group_id: Patch::Set("grp_billing".into()),
            reopen_fallback: Some(ReopenFallback::EntryBot),
            bot_timeout_secs: Some(10),
            offline_grace_secs: Some(90),
            widget_origins: Some(vec!["https://shop.example".into()]),
            widget_identity_required: Some(true),
            after_resolve: Some(AfterResolve::NewConversation),
        };
        assert_round_trip(
            &body,
            json!({
                "after_resolve": "new_conversation",
                "human_chat_enabled": true,
                "routing": "online_then_offline",
                "reply_policy": "reply_assigns",
                "entry_bot_id": "bot_greeter",
                "default_group_id": "grp_billing",
                "reopen_fallback": "entry_bot",
                "bot_timeout_secs": 10,
                "offline_grace_secs": 90,
                "widget_origins": ["https://shop.example"],
                "widget_identity_required": true
            }),
        );
    }

    #[test]
    fn empty_patch_settings_is_an_empty_object() {
        assert_round_trip(&PatchSettings::default(), json!({}));
    }

    #[test]
    fn patch_apply_keeps_clears_and_sets() {
        assert_eq!(Patch::Keep.apply(Some(4)), Some(4));
        assert_eq!(Patch::Keep.apply(None::<u32>), None);
        assert_eq!(Patch::Clear.apply(Some(4)), None);
        assert_eq!(Patch::Set(7).apply(Some(4)), Some(7));
        assert_eq!(Patch::Set(7).apply(None), Some(7));
    }

    #[test]
    fn widget_session_request_with_identity_round_trips() {
        let body = WidgetSessionRequest {
            app_key: "app_1".into(),
            identity: Some("eyJhbGciOiJIUzI1NiJ9.e30.sig".into()),
        };
        assert_round_trip(
            &body,
            json!({"app_key": "app_1", "identity": "eyJhbGciOiJIUzI1NiJ9.e30.sig"}),
        );
    }

    #[test]
    fn widget_session_request_without_identity_round_trips() {
        let body = WidgetSessionRequest {
            app_key: "app_1".into(),
            identity: None,
        };
        assert_round_trip(&body, json!({"app_key": "app_1"}));
    }

    #[test]
    fn widget_session_round_trips() {
        let body = WidgetSession {
            token: "tok_u".into(),
            user_id: "usr_1".into(),
        };
        assert_round_trip(&body, json!({"token": "tok_u", "user_id": "usr_1"}));
    }

    #[test]
    fn widget_config_round_trips() {
        let body = WidgetConfig {
            app_key: "app_1".into(),
            human_chat_enabled: true,
            identity_required: false,
        };
        assert_round_trip(
            &body,
            json!({"app_key": "app_1", "human_chat_enabled": true, "identity_required": false}),
        );
    }

    #[test]
    fn widget_conversation_round_trips_with_and_without_one() {
        let (queued, queued_json) = conversation_queued();
        let id = queued.id.clone();
        assert_round_trip(
            &WidgetConversation {
                conversation: Some(queued),
                queue_position: Some(QueuePosition {
                    conversation_id: id.clone(),
                    position: 2,
                    queue_length: 3,
                }),
            },
            json!({"conversation": queued_json, "queue_position":
                {"conversation_id": id, "position": 2, "queue_length": 3}}),
        );
        assert_round_trip(
            &WidgetConversation {
                conversation: None,
                queue_position: None,
            },
            json!({"conversation": null}),
        );
    }

    #[test]
    fn identity_secret_round_trips() {
        let body = IdentitySecret {
            identity_secret: "s3cret".into(),
        };
        assert_round_trip(&body, json!({"identity_secret": "s3cret"}));
    }

    #[test]
    fn settings_without_the_widget_fields_default_to_any_origin_and_no_identity() {
        let (_, mut json) = settings_without_entry_bot();
        let object = json.as_object_mut().expect("settings are an object");
        object.remove("widget_origins");
        object.remove("widget_identity_required");
        let settings: Settings = serde_json::from_value(json).expect("older settings parse");
        assert!(settings.widget_origins.is_empty());
        assert!(!settings.widget_identity_required);
    }

    #[test]
    fn conversation_list_round_trips() {
        let (queued, queued_json) = conversation_queued();
        let (with_bot, with_bot_json) = conversation_with_bot();
        let body = ConversationList {
            conversations: vec![queued, with_bot],
        };
        assert_round_trip(
            &body,
            json!({"conversations": [queued_json, with_bot_json]}),
        );
    }

    #[test]
    fn message_page_round_trips() {
        let (user_message, user_json) = message_from_user();
        let (system_message, system_json) = message_from_system();
        let body = MessagePage {
            messages: vec![user_message, system_message],
            has_more: false,
        };
        assert_round_trip(
            &body,
            json!({"messages": [user_json, system_json], "has_more": false}),
        );
    }

    #[test]
    fn tenant_created_carries_the_contract_fields_plus_identity_secret() {
        let body = TenantCreated {
            tenant_id: "ten_1".into(),
            app_key: "app_1".into(),
            owner_id: "agt_alice".into(),
            identity_secret: "sec_1".into(),
        };
        assert_round_trip(
            &body,
            json!({
                "tenant_id": "ten_1",
                "app_key": "app_1",
                "owner_id": "agt_alice",
                "identity_secret": "sec_1"
            }),
        );
    }
}

/// Enumerations: each variant's exact string.
mod enums {
    use super::*;

    /// The codes of contract section 5, in its order. The exhaustive match makes a new variant a
    /// compile error here until its contract string is added.
    fn contract_string(code: ErrorCode) -> &'static str {
        match code {
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Invalid => "invalid",
            ErrorCode::NotAssignee => "not_assignee",
            ErrorCode::HumanChatDisabled => "human_chat_disabled",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unavailable => "unavailable",
        }
    }

    const ALL_ERROR_CODES: [ErrorCode; 10] = [
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::Invalid,
        ErrorCode::NotAssignee,
        ErrorCode::HumanChatDisabled,
        ErrorCode::TooLarge,
        ErrorCode::RateLimited,
        ErrorCode::Unavailable,
    ];

    #[test]
    fn error_codes_are_exactly_the_strings_of_section_5() {
        let strings: Vec<&str> = ALL_ERROR_CODES
            .iter()
            .map(|&c| contract_string(c))
            .collect();
        assert_eq!(
            strings,
            [
                "unauthorized",
                "forbidden",
                "not_found",
                "conflict",
                "invalid",
                "not_assignee",
                "human_chat_disabled",
                "too_large",
                "rate_limited",
                "unavailable",
            ]
        );
        for code in ALL_ERROR_CODES {
            assert_round_trip(&code, json!(contract_string(code)));
        }
    }

    #[test]
    fn error_code_as_str_agrees_with_serde() {
        for code in ALL_ERROR_CODES {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                json!(code.as_str()),
                "{code:?}"
            );
        }
    }

    #[test]
    fn unknown_error_code_is_rejected() {
        assert_rejected::<ErrorCode>(json!("teapot"));
        assert_rejected::<ErrorCode>(json!("NotFound"));
    }

    #[test]
    fn roles_are_snake_case() {
        assert_enum_strings(&[
            (Role::Owner, "owner"),
            (Role::Admin, "admin"),
            (Role::Agent, "agent"),
        ]);
    }

    #[test]
    fn agent_statuses_are_snake_case() {
        assert_enum_strings(&[
            (AgentStatus::Pending, "pending"),
            (AgentStatus::Verified, "verified"),
        ]);
    }

    #[test]
    fn presences_are_snake_case() {
        assert_enum_strings(&[(Presence::Online, "online"), (Presence::Offline, "offline")]);
    }

    #[test]
    fn assignments_are_snake_case() {
        assert_enum_strings(&[(Assignment::Manual, "manual"), (Assignment::Auto, "auto")]);
    }

    #[test]
    fn weekdays_are_three_letter_lowercase() {
        assert_enum_strings(&[
            (Weekday::Mon, "mon"),
            (Weekday::Tue, "tue"),
            (Weekday::Wed, "wed"),
            (Weekday::Thu, "thu"),
            (Weekday::Fri, "fri"),
            (Weekday::Sat, "sat"),
            (Weekday::Sun, "sun"),
        ]);
    }

    #[test]
    fn routings_are_snake_case() {
        assert_enum_strings(&[
            (Routing::OnlineOnly, "online_only"),
            (Routing::OnlineThenOffline, "online_then_offline"),
        ]);
    }

    #[test]
    fn reply_policies_are_snake_case() {
        assert_enum_strings(&[
            (ReplyPolicy::AcceptFirst, "accept_first"),
            (ReplyPolicy::ReplyAssigns, "reply_assigns"),
        ]);
    }

    #[test]
    fn conversation_statuses_are_snake_case_and_as_str_agrees() {
        let cases = [
            (ConversationStatus::Bot, "bot"),
            (ConversationStatus::Queued, "queued"),
            (ConversationStatus::Assigned, "assigned"),
            (ConversationStatus::Resolved, "resolved"),
        ];
        assert_enum_strings(&cases);
        for (status, text) in cases {
            assert_eq!(status.as_str(), text);
        }
    }

    #[test]
    fn holder_kinds_are_snake_case() {
        assert_enum_strings(&[(HolderKind::Agent, "agent"), (HolderKind::Bot, "bot")]);
    }

    #[test]
    fn author_kinds_are_snake_case() {
        assert_enum_strings(&[
            (AuthorKind::User, "user"),
            (AuthorKind::Bot, "bot"),
            (AuthorKind::Agent, "agent"),
            (AuthorKind::System, "system"),
        ]);
    }

    #[test]
    fn client_roles_are_snake_case() {
        assert_enum_strings(&[
            (ClientRole::User, "user"),
            (ClientRole::Bot, "bot"),
            (ClientRole::Agent, "agent"),
        ]);
    }

    #[test]
    fn conversation_views_are_the_query_values_of_section_2() {
        assert_enum_strings(&[
            (ConversationView::Mine, "mine"),
            (ConversationView::Unassigned, "unassigned"),
            (ConversationView::Open, "open"),
            (ConversationView::Bot, "bot"),
            (ConversationView::Closed, "closed"),
        ]);
    }
}

/// Section 5 limits and close codes, as constants.
mod limits {
    use super::*;

    #[test]
    fn limits_match_section_5() {
        assert_eq!(MAX_FRAME_BYTES, 65_536);
        assert_eq!(MAX_TEXT_CHARS, 16_000);
        assert_eq!(RATE_PER_SECOND, 20);
        assert_eq!(RATE_BURST, 40);
        assert_eq!(AUTH_TIMEOUT_SECS, 10);
    }

    #[test]
    fn close_codes_match_section_5() {
        assert_eq!(close_code::MESSAGE_TOO_BIG, 1009);
        assert_eq!(close_code::UNAUTHORIZED, 4001);
        assert_eq!(close_code::BACKLOG_FULL, 4008);
        assert_eq!(close_code::RATE_LIMITED, 4029);
    }
}

/// Input the contract says is invalid, and input it says to tolerate.
mod rejects_and_tolerates {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn unknown_client_frame_type_is_rejected() {
        assert_rejected::<ClientFrame>(json!({"type": "conversation.delete", "req": "r1"}));
        assert_rejected::<ClientFrame>(json!({"type": "Message.Send", "req": "r1"}));
    }

    #[test]
    fn unknown_server_frame_type_is_rejected() {
        assert_rejected::<ServerFrame>(json!({"type": "conversation.deleted"}));
    }

    #[test]
    fn frame_without_type_is_rejected() {
        assert_rejected::<ClientFrame>(json!({"token": "tok_123"}));
        assert_rejected::<ClientFrame>(json!({"type": null, "token": "tok_123"}));
    }

    #[test]
    fn frame_that_is_not_an_object_is_rejected() {
        assert_rejected::<ClientFrame>(json!(["message.send"]));
        assert_rejected::<ClientFrame>(json!("ping"));
        assert!(serde_json::from_str::<ClientFrame>("not json").is_err());
    }

    #[test]
    fn message_send_without_client_msg_id_is_rejected() {
        assert_rejected::<ClientFrame>(json!({
            "type": "message.send",
            "req": "r1",
            "conversation_id": "cnv_1",
            "text": "Hello"
        }));
    }

    #[test]
    fn message_send_without_text_is_rejected() {
        assert_rejected::<ClientFrame>(
            json!({"type": "message.send", "req": "r1", "client_msg_id": "c-1"}),
        );
    }

    #[test]
    fn message_send_without_req_is_rejected() {
        assert_rejected::<ClientFrame>(
            json!({"type": "message.send", "client_msg_id": "c-1", "text": "Hello"}),
        );
    }

    #[test]
    fn auth_without_token_is_rejected() {
        assert_rejected::<ClientFrame>(json!({"type": "auth"}));
    }

    #[test]
    fn read_with_seq_as_string_is_rejected() {
        assert_rejected::<ClientFrame>(
            json!({"type": "read", "conversation_id": "cnv_1", "seq": "7"}),
        );
    }

    #[test]
    fn negative_or_fractional_seq_is_rejected() {
        assert_rejected::<ClientFrame>(
            json!({"type": "read", "conversation_id": "cnv_1", "seq": -1}),
        );
        assert_rejected::<ClientFrame>(
            json!({"type": "read", "conversation_id": "cnv_1", "seq": 1.5}),
        );
    }

    #[test]
    fn subscribe_with_after_seq_as_string_is_rejected() {
        assert_rejected::<ClientFrame>(json!({
            "type": "conversation.subscribe",
            "req": "r8",
            "conversation_id": "cnv_1",
            "after_seq": "12"
        }));
    }

    #[test]
    fn message_send_with_private_as_string_is_rejected() {
        assert_rejected::<ClientFrame>(json!({
            "type": "message.send",
            "req": "r1",
            "client_msg_id": "c-1",
            "text": "Hello",
            "private": "yes"
        }));
    }

    #[test]
    fn conversation_id_as_number_is_rejected() {
        assert_rejected::<ClientFrame>(
            json!({"type": "conversation.accept", "req": "r3", "conversation_id": 1}),
        );
    }

    #[test]
    fn unknown_enum_values_are_rejected() {
        assert_rejected::<ClientFrame>(
            json!({"type": "presence.set", "req": "r11", "status": "away"}),
        );
        assert_rejected::<ClientFrame>(json!({
            "type": "conversation.assign",
            "req": "r4",
            "conversation_id": "cnv_1",
            "to": {"kind": "user", "id": "usr_1"}
        }));
    }

    #[test]
    fn unknown_fields_in_client_frames_are_ignored() {
        let expected = ClientFrame::MessageSend(MessageSend {
            req: "r1".into(),
            conversation_id: None,
            client_msg_id: "c-1".into(),
            text: "Hello".into(),
            attachment_ids: vec![],
            private: false,
        });
        assert_parses_to(
            json!({
                "type": "message.send",
                "req": "r1",
                "client_msg_id": "c-1",
                "text": "Hello",
                "locale": "de",
                "meta": {"nested": [1, 2, 3]}
            }),
            &expected,
        );
    }

    #[test]
    fn unknown_fields_in_nested_objects_are_ignored() {
        let expected = ClientFrame::Assign(Assign {
            req: "r4".into(),
            conversation_id: "cnv_1".into(),
            to: AssignTarget {
                kind: HolderKind::Bot,
                id: "bot_greeter".into(),
            },
        });
        assert_parses_to(
            json!({
                "type": "conversation.assign",
                "req": "r4",
                "conversation_id": "cnv_1",
                "to": {"kind": "bot", "id": "bot_greeter", "name": "Greeter"}
            }),
            &expected,
        );
    }

    #[test]
    fn req_on_frames_without_an_answer_is_ignored() {
        let expected = ClientFrame::Typing(Typing {
            conversation_id: "cnv_1".into(),
        });
        assert_parses_to(
            json!({"type": "typing", "req": "r1", "conversation_id": "cnv_1"}),
            &expected,
        );
    }

    #[test]
    fn unknown_fields_in_server_frames_are_ignored() {
        let (message, mut message_json) = message_from_user();
        message_json["reactions"] = json!(["thumbs_up"]);
        message_json["author"]["avatar_url"] = json!("https://example.com/a.png");
        let expected = ServerFrame::MessageCreated(MessageCreated { message });
        assert_parses_to(
            json!({"type": "message.created", "message": message_json, "node": "n2"}),
            &expected,
        );
    }

    #[test]
    fn unknown_fields_in_rest_bodies_are_ignored() {
        let expected = PatchSettings {
            entry_bot_id: Patch::Clear,
            ..PatchSettings::default()
        };
        assert_parses_to(json!({"entry_bot_id": null, "theme": "dark"}), &expected);

        let (agent, mut agent_json) = bob();
        agent_json["invite_url"] = json!("https://desk.example.com/invite/inv_1");
        agent_json["avatar_url"] = json!("https://example.com/b.png");
        let expected = CreatedAgent {
            agent,
            invite_url: Some("https://desk.example.com/invite/inv_1".into()),
        };
        assert_parses_to(agent_json, &expected);
    }

    #[test]
    fn patch_with_a_mistyped_value_is_rejected() {
        assert_rejected::<PatchAgent>(json!({"capacity": "3"}));
        assert_rejected::<PatchAgent>(json!({"capacity": -1}));
        assert_rejected::<PatchSettings>(json!({"entry_bot_id": 5}));
        assert_rejected::<PatchGroup>(json!({"business_hours": "always"}));
    }

    #[test]
    fn created_agent_missing_an_agent_field_is_rejected() {
        let (_, mut agent_json) = alice();
        agent_json.as_object_mut().unwrap().remove("role");
        assert_rejected::<CreatedAgent>(agent_json);
    }

    #[test]
    fn login_without_password_is_rejected() {
        assert_rejected::<LoginRequest>(json!({"login": "alice"}));
    }
}

mod routing_additions {
    use super::*;

    #[test]
    fn queue_position_round_trips() {
        let frame = ServerFrame::QueuePosition(QueuePosition {
            conversation_id: "conv_1".into(),
            position: 2,
            queue_length: 5,
        });
        assert_round_trip(
            &frame,
            json!({"type": "queue.position", "conversation_id": "conv_1", "position": 2, "queue_length": 5}),
        );
    }

    #[test]
    fn settings_without_the_routing_additions_parse_with_their_defaults() {
        let parsed: Settings = serde_json::from_value(json!({
            "human_chat_enabled": true,
            "routing": "online_only",
            "reply_policy": "accept_first",
            "entry_bot_id": null,
            "default_group_id": "grp_support"
        }))
        .expect("a v1 settings object parses");
        assert_eq!(parsed.reopen_fallback, ReopenFallback::Queue);
        assert_eq!(parsed.after_resolve, AfterResolve::Reopen);
        assert_eq!(
            (parsed.bot_timeout_secs, parsed.offline_grace_secs),
            (30, 60)
        );
    }
}

/// The agent desk additions: `conversation.reopen` and `conversation.activity`.
mod desk_additions {
    use super::*;

    #[test]
    fn reopen_round_trips() {
        let frame = ClientFrame::Reopen(ConversationRef {
            req: "r20".into(),
            conversation_id: "cnv_1".into(),
        });
        assert_round_trip(
            &frame,
            json!({"type": "conversation.reopen", "req": "r20", "conversation_id": "cnv_1"}),
        );
        assert_eq!(frame.type_name(), "conversation.reopen");
        assert_eq!(frame.req(), Some("r20"));
    }

    #[test]
    fn reopen_without_conversation_id_is_rejected() {
        assert_rejected::<ClientFrame>(json!({"type": "conversation.reopen", "req": "r"}));
    }

    #[test]
    fn conversation_activity_round_trips() {
        let frame = ServerFrame::ConversationActivity(ConversationActivity {
            conversation_id: "cnv_1".into(),
            group_id: "grp_support".into(),
            last_seq: 7,
            preview: "My order is late".into(),
            author: Author {
                kind: AuthorKind::User,
                id: "usr_1".into(),
                name: "Dana".into(),
            },
            private: false,
            at: Timestamp("2026-11-21T10:00:00.000Z".into()),
        });
        assert_round_trip(
            &frame,
            json!({
                "type": "conversation.activity",
                "conversation_id": "cnv_1",
                "group_id": "grp_support",
                "last_seq": 7,
                "preview": "My order is late",
                "author": {"kind": "user", "id": "usr_1", "name": "Dana"},
                "private": false,
                "at": "2026-11-21T10:00:00.000Z"
            }),
        );
    }

    #[test]
    fn a_private_activity_says_so() {
        let frame = ServerFrame::ConversationActivity(ConversationActivity {
            conversation_id: "cnv_1".into(),
            group_id: "grp_support".into(),
            last_seq: 8,
            preview: "VIP".into(),
            author: Author {
                kind: AuthorKind::Agent,
                id: "agt_1".into(),
                name: "Alice".into(),
            },
            private: true,
            at: Timestamp("2026-11-21T10:00:01.000Z".into()),
        });
        let json = serde_json::to_value(&frame).unwrap();
        assert_eq!(json["private"], true);
        assert_eq!(json["author"]["kind"], "agent");
    }
}
