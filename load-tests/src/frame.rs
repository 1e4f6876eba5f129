//! Builders for client frames, each with a fresh `req`.
//!
//! Request ids come from one process-wide counter so that no two frames sent by a test process
//! share a `req`: an answer can then never be matched to the wrong request, even across
//! sockets.

use std::sync::atomic::{AtomicU64, Ordering};
use switchboard_protocol::*;

static NEXT_REQ: AtomicU64 = AtomicU64::new(1);

/// A `req` no other frame of this process has used.
pub fn next_req() -> String {
    format!("r{}", NEXT_REQ.fetch_add(1, Ordering::Relaxed))
}

pub fn auth(token: &str) -> ClientFrame {
    ClientFrame::Auth(Auth {
        token: token.to_owned(),
    })
}

/// `message.send`; `conversation_id` may be `None` for a user (continue or open one).
pub fn message_send(
    conversation_id: Option<&ConversationId>,
    client_msg_id: &str,
    text: &str,
) -> ClientFrame {
    ClientFrame::MessageSend(MessageSend {
        req: next_req(),
        conversation_id: conversation_id.cloned(),
        client_msg_id: client_msg_id.to_owned(),
        text: text.to_owned(),
        attachment_ids: Vec::new(),
        private: false,
    })
}

/// An agent's private note (`message.send` with `private: true`).
pub fn private_note(
    conversation_id: &ConversationId,
    client_msg_id: &str,
    text: &str,
) -> ClientFrame {
    ClientFrame::MessageSend(MessageSend {
        req: next_req(),
        conversation_id: Some(conversation_id.clone()),
        client_msg_id: client_msg_id.to_owned(),
        text: text.to_owned(),
        attachment_ids: Vec::new(),
        private: true,
    })
}

pub fn handover(conversation_id: &ConversationId) -> ClientFrame {
    ClientFrame::Handover(Handover {
        req: next_req(),
        conversation_id: conversation_id.clone(),
        reason: None,
        group_id: None,
    })
}

fn conversation_ref(conversation_id: &ConversationId) -> ConversationRef {
    ConversationRef {
        req: next_req(),
        conversation_id: conversation_id.clone(),
    }
}

pub fn accept(conversation_id: &ConversationId) -> ClientFrame {
    ClientFrame::Accept(conversation_ref(conversation_id))
}

pub fn unassign(conversation_id: &ConversationId) -> ClientFrame {
    ClientFrame::Unassign(conversation_ref(conversation_id))
}

pub fn resolve(conversation_id: &ConversationId) -> ClientFrame {
    ClientFrame::Resolve(conversation_ref(conversation_id))
}

pub fn unsubscribe(conversation_id: &ConversationId) -> ClientFrame {
    ClientFrame::Unsubscribe(conversation_ref(conversation_id))
}

pub fn assign(conversation_id: &ConversationId, kind: HolderKind, id: &str) -> ClientFrame {
    ClientFrame::Assign(Assign {
        req: next_req(),
        conversation_id: conversation_id.clone(),
        to: AssignTarget {
            kind,
            id: id.to_owned(),
        },
    })
}

pub fn transfer(conversation_id: &ConversationId, group_id: &GroupId) -> ClientFrame {
    ClientFrame::Transfer(Transfer {
        req: next_req(),
        conversation_id: conversation_id.clone(),
        group_id: group_id.clone(),
    })
}

pub fn subscribe(conversation_id: &ConversationId, after_seq: Option<u64>) -> ClientFrame {
    ClientFrame::Subscribe(Subscribe {
        req: next_req(),
        conversation_id: conversation_id.clone(),
        after_seq,
    })
}

pub fn history(conversation_id: &ConversationId, after_seq: Option<u64>) -> ClientFrame {
    ClientFrame::History(History {
        req: next_req(),
        conversation_id: conversation_id.clone(),
        after_seq,
        before_seq: None,
        limit: None,
    })
}

pub fn presence_set(status: Presence) -> ClientFrame {
    ClientFrame::PresenceSet(PresenceSet {
        req: next_req(),
        status,
    })
}

/// `typing` expects no answer, so it carries no `req`.
pub fn typing(conversation_id: &ConversationId) -> ClientFrame {
    ClientFrame::Typing(Typing {
        conversation_id: conversation_id.clone(),
    })
}

/// `read` expects no answer, so it carries no `req`.
pub fn read(conversation_id: &ConversationId, seq: u64) -> ClientFrame {
    ClientFrame::Read(Read {
        conversation_id: conversation_id.clone(),
        seq,
    })
}

/// A `ping` with a `req`, so that its `pong` can be told apart from others.
pub fn ping() -> ClientFrame {
    ClientFrame::Ping(Ping {
        req: Some(next_req()),
    })
}
