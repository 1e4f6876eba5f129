//! Test fixtures shared by the store's tests: an agent, conversations in each status, messages.

use switchboard_protocol::*;

pub fn me() -> Agent {
    Agent {
        id: AgentId::from("a1"),
        full_name: "Alice".into(),
        login: "alice".into(),
        email: "alice@example.com".into(),
        role: Role::Agent,
        status: AgentStatus::Verified,
        presence: Presence::Online,
        connected: true,
        capacity: None,
        group_ids: vec![GroupId::from("g1")],
    }
}

pub fn conv(id: &str, status: ConversationStatus, updated: &str) -> Conversation {
    Conversation {
        id: ConversationId::from(id),
        status,
        group_id: GroupId::from("g1"),
        assignee: None,
        user: ConversationUser {
            id: UserId::from("u-123456789"),
            name: Some(format!("User {id}")),
            email: None,
            phone: None,
            address: None,
        },
        tags: vec![],
        last_seq: 0,
        created_at: Timestamp("2026-01-01T00:00:00.000Z".into()),
        updated_at: Timestamp(updated.into()),
        queued_at: None,
        resolved_at: None,
    }
}

pub fn mine(id: &str, updated: &str) -> Conversation {
    let mut c = conv(id, ConversationStatus::Assigned, updated);
    c.assignee = Some(Assignee {
        kind: HolderKind::Agent,
        id: "a1".into(),
        name: "Alice".into(),
    });
    c
}

pub fn queued(id: &str, queued_at: &str) -> Conversation {
    let mut c = conv(id, ConversationStatus::Queued, queued_at);
    c.queued_at = Some(Timestamp(queued_at.into()));
    c
}

pub fn msg(conversation: &str, seq: u64, kind: AuthorKind) -> Message {
    Message {
        id: MessageId(format!("m{seq}")),
        conversation_id: ConversationId::from(conversation),
        seq,
        author: Author {
            kind,
            id: "u".into(),
            name: "User".into(),
        },
        text: format!("text {seq}"),
        attachments: vec![],
        private: false,
        client_msg_id: None,
        created_at: Timestamp("2026-01-01T00:00:00.000Z".into()),
    }
}

pub fn id(s: &str) -> ConversationId {
    ConversationId::from(s)
}

pub const T1: &str = "2026-01-01T00:00:01.000Z";
pub const T2: &str = "2026-01-01T00:00:02.000Z";
pub const T3: &str = "2026-01-01T00:00:03.000Z";

pub fn tagged(id: &str, updated: &str, tags: &[&str]) -> Conversation {
    let mut c = mine(id, updated);
    c.tags = tags.iter().map(|t| t.to_string()).collect();
    c
}
