//! The widget's state, pure: no web APIs, so it is unit-tested natively.
//!
//! The widget shows one conversation, the user's latest. Its messages are held in a map keyed
//! by `seq`, which sorts and deduplicates them by construction: a live `message.created`, the
//! `ack` of the user's own `message.send` and a `history` refill after a reconnect may all carry
//! the same message, and it shows once. Messages the user typed wait in the [`Outbox`] until
//! their `ack`; they are re-sent with the same `client_msg_id` after a reconnect, so a retry can
//! never show twice either.

use std::collections::BTreeMap;
use switchboard_protocol::{
    Attachment, AttachmentId, Author, AuthorKind, Conversation, ConversationId, ConversationStatus,
    HolderKind, Message, QueuePosition, ServerFrame,
};

/// The state of the widget's socket.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Connection {
    /// Opening or authenticating for the first time.
    #[default]
    Connecting,
    /// Authenticated (`welcome` received).
    Live,
    /// Dropped; trying again.
    Reconnecting,
}

/// Where the widget is in its start-up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the page's `init`, or opening the session.
    #[default]
    Starting,
    /// A session is open: the chat shows.
    Ready,
    /// The chat cannot start; the text says why (shown instead of the chat).
    Failed(String),
}

/// A message the user sent that the gateway has not acknowledged yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// The idempotency key: the same for every retry of this message.
    pub client_msg_id: String,
    pub text: String,
    pub attachments: Vec<Attachment>,
}

impl Outgoing {
    pub fn attachment_ids(&self) -> Vec<AttachmentId> {
        self.attachments.iter().map(|a| a.id.clone()).collect()
    }
}

/// Someone (an agent, a bot) typing, as last heard; `serial` tells renewals apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Typing {
    pub name: String,
    pub kind: AuthorKind,
    pub serial: u64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct WidgetState {
    pub phase: Phase,
    pub connection: Connection,
    /// The conversation shown, once known (`None`: the user has not written yet).
    pub conversation_id: Option<ConversationId>,
    /// Its latest state (status, holder), once known.
    pub conversation: Option<Conversation>,
    /// Its messages by `seq`.
    pub messages: BTreeMap<u64, Message>,
    /// Older messages exist before the first one held.
    pub has_older: bool,
    /// Messages typed by the user, not acknowledged yet, oldest first.
    pub outbox: Vec<Outgoing>,
    /// The latest queue position while the conversation waits for an agent.
    pub queue: Option<QueuePosition>,
    pub typing: Option<Typing>,
    typing_serial: u64,
    /// The highest `seq` the user has seen (the panel was open while it showed).
    pub read_seq: u64,
    /// The highest `seq` an agent has read (their `read` events), for "Seen".
    pub agent_read_seq: u64,
    /// What an agent had read before a reload (the stored session): it applies when that
    /// conversation is shown.
    pub remembered_agent_read: Option<(ConversationId, u64)>,
    /// Whether the page shows the panel.
    pub open: bool,
    /// Whether the tenant lets users ask for a person.
    pub human_chat_enabled: bool,
    /// Why the last message could not be sent (shown above the composer).
    pub send_error: Option<String>,
    /// The text of a message the gateway refused, for the composer to give back.
    pub returned_text: Option<String>,
}

/// What the caller must do after a frame was applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Follow {
    /// The shown conversation changed: load its history.
    pub load_history: bool,
}

impl WidgetState {
    /// Shows `conversation` (from `GET /v1/widget/conversation` or an event). Returns whether it
    /// is a different conversation than the one shown, whose messages were then dropped.
    pub fn set_conversation(&mut self, conversation: Conversation) -> bool {
        let switched = self.adopt(&conversation.id);
        if conversation.status != ConversationStatus::Queued {
            self.queue = None;
        }
        // An older copy (a REST answer racing an event) must not undo a newer one.
        let stale = self.conversation.as_ref().is_some_and(|held| {
            held.id == conversation.id && held.updated_at > conversation.updated_at
        });
        if !stale {
            self.conversation = Some(conversation);
        }
        switched
    }

    /// Makes `id` the shown conversation; true when it replaced another one (or none).
    fn adopt(&mut self, id: &ConversationId) -> bool {
        if self.conversation_id.as_ref() == Some(id) {
            return false;
        }
        let replaced = self.conversation_id.is_some();
        self.conversation_id = Some(id.clone());
        if self.conversation.as_ref().is_some_and(|c| &c.id != id) {
            self.conversation = None;
        }
        self.messages.clear();
        self.has_older = false;
        self.queue = None;
        self.typing = None;
        self.agent_read_seq = match &self.remembered_agent_read {
            Some((conversation, seq)) if conversation == id => *seq,
            _ => 0,
        };
        if replaced {
            self.read_seq = 0;
        }
        true
    }

    /// Adds a message of the shown conversation (ignoring private ones, which a user never
    /// gets, and repeats). Returns whether it was new.
    pub fn insert(&mut self, message: Message) -> bool {
        if message.private || self.conversation_id.as_ref() != Some(&message.conversation_id) {
            return false;
        }
        if let Some(id) = &message.client_msg_id {
            self.outbox
                .retain(|o| &o.client_msg_id != id || message.author.kind != AuthorKind::User);
        }
        if self
            .typing
            .as_ref()
            .is_some_and(|t| t.kind == message.author.kind && t.name == message.author.name)
        {
            self.typing = None;
        }
        if let Some(conversation) = self.conversation.as_mut()
            && conversation.last_seq < message.seq
        {
            conversation.last_seq = message.seq;
        }
        self.messages.insert(message.seq, message).is_none()
    }

    /// Applies one frame from the socket.
    pub fn apply(&mut self, frame: &ServerFrame) -> Follow {
        let mut follow = Follow::default();
        match frame {
            ServerFrame::MessageCreated(created) => {
                let message = &created.message;
                if message.private {
                    return follow;
                }
                if self.conversation_id.as_ref() != Some(&message.conversation_id) {
                    // The user's conversation is another one now (a first message, or one
                    // written from another device): show it.
                    self.adopt(&message.conversation_id);
                    follow.load_history = true;
                }
                self.insert(message.clone());
            }
            ServerFrame::ConversationUpdated(updated) => {
                let conversation = &updated.conversation;
                let current = self.conversation_id.as_ref() == Some(&conversation.id);
                // Another conversation replaces the shown one only when it is newer.
                let newer = self
                    .conversation
                    .as_ref()
                    .is_none_or(|held| conversation.created_at >= held.created_at);
                if current || newer {
                    follow.load_history = self.set_conversation(conversation.clone());
                }
            }
            ServerFrame::QueuePosition(position)
                if self.conversation_id.as_ref() == Some(&position.conversation_id) =>
            {
                self.queue = Some(position.clone());
            }
            ServerFrame::Typing(typing)
                if self.conversation_id.as_ref() == Some(&typing.conversation_id)
                    && typing.author.kind != AuthorKind::User =>
            {
                self.typing_serial += 1;
                self.typing = Some(Typing {
                    name: display_name(&typing.author),
                    kind: typing.author.kind,
                    serial: self.typing_serial,
                });
            }
            ServerFrame::Read(read)
                if self.conversation_id.as_ref() == Some(&read.conversation_id)
                    && read.by.kind == AuthorKind::Agent =>
            {
                self.agent_read_seq = self.agent_read_seq.max(read.seq);
            }
            ServerFrame::Ack(ack) => {
                if let Some(message) = &ack.message {
                    if self.conversation_id.as_ref() != Some(&message.conversation_id) {
                        self.adopt(&message.conversation_id);
                        follow.load_history = true;
                    }
                    self.insert(message.clone());
                }
                if let Some(conversation) = &ack.conversation
                    && self.conversation_id.as_ref() == Some(&conversation.id)
                {
                    self.set_conversation(conversation.clone());
                }
                if let Some(messages) = &ack.messages {
                    for message in messages {
                        self.insert(message.clone());
                    }
                }
            }
            _ => {}
        }
        follow
    }

    /// Forgets a typing indication unless it was renewed since.
    pub fn clear_typing(&mut self, serial: u64) {
        if self.typing.as_ref().is_some_and(|t| t.serial == serial) {
            self.typing = None;
        }
    }

    /// The highest `seq` held.
    pub fn top_seq(&self) -> u64 {
        self.messages.keys().next_back().copied().unwrap_or(0)
    }

    /// The lowest `seq` held.
    pub fn bottom_seq(&self) -> Option<u64> {
        self.messages.keys().next().copied()
    }

    /// Messages from the support side (agents and bots) the user has not seen.
    pub fn unread(&self) -> u32 {
        self.messages
            .range(self.read_seq + 1..)
            .filter(|(_, m)| matches!(m.author.kind, AuthorKind::Agent | AuthorKind::Bot))
            .count() as u32
    }

    /// The user looks at the chat: everything held is seen. Returns the new `seq` to report
    /// with `read` when it advanced.
    pub fn mark_seen(&mut self) -> Option<u64> {
        let top = self.top_seq();
        (top > self.read_seq).then(|| {
            self.read_seq = top;
            top
        })
    }

    /// The user's last message an agent has read (its `seq`): "Seen" goes under it.
    pub fn seen_seq(&self) -> Option<u64> {
        self.messages
            .range(..=self.agent_read_seq)
            .rev()
            .find(|(_, m)| m.author.kind == AuthorKind::User)
            .map(|(seq, _)| *seq)
    }

    /// A bot holds the conversation and the tenant has people: "Talk to a person" applies.
    pub fn can_ask_for_person(&self) -> bool {
        self.human_chat_enabled
            && self
                .conversation
                .as_ref()
                .is_some_and(|c| c.status == ConversationStatus::Bot)
    }

    /// One line about where the conversation stands, for the header.
    pub fn status_line(&self) -> String {
        let Some(conversation) = &self.conversation else {
            return "Ask us anything".into();
        };
        match conversation.status {
            ConversationStatus::Bot => match &conversation.assignee {
                Some(a) if a.kind == HolderKind::Bot && !a.name.is_empty() => {
                    format!("{} (automated assistant)", a.name)
                }
                _ => "Automated assistant".into(),
            },
            ConversationStatus::Queued => match &self.queue {
                Some(q) if q.position == 1 => "Waiting for an agent: you are next".into(),
                Some(q) => format!(
                    "Waiting for an agent: you are number {} in line",
                    q.position
                ),
                None => "Waiting for an agent".into(),
            },
            ConversationStatus::Assigned => match &conversation.assignee {
                Some(a) if !a.name.is_empty() => format!("Chatting with {}", a.name),
                _ => "Chatting with an agent".into(),
            },
            ConversationStatus::Resolved => "Resolved: write to start again".into(),
        }
    }
}

/// An author's name for display, or what they are when they have none.
pub fn display_name(author: &Author) -> String {
    if !author.name.trim().is_empty() {
        return author.name.clone();
    }
    match author.kind {
        AuthorKind::User => "You",
        AuthorKind::Bot => "Assistant",
        AuthorKind::Agent => "Agent",
        AuthorKind::System => "",
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::{
        Ack, Assignee, ConversationUpdated, ConversationUser, GroupId, MessageCreated, MessageId,
        ReadEvent, Timestamp, TypingEvent, UserId,
    };

    fn conversation(id: &str, status: ConversationStatus, at: &str) -> Conversation {
        Conversation {
            id: id.into(),
            status,
            group_id: GroupId::from("g"),
            assignee: match status {
                ConversationStatus::Bot => Some(Assignee {
                    kind: HolderKind::Bot,
                    id: "b".into(),
                    name: "FAQ bot".into(),
                }),
                ConversationStatus::Assigned => Some(Assignee {
                    kind: HolderKind::Agent,
                    id: "a".into(),
                    name: "Alice".into(),
                }),
                _ => None,
            },
            user: ConversationUser {
                id: UserId::from("u"),
                name: None,
                email: None,
                phone: None,
                address: None,
            },
            tags: vec![],
            last_seq: 0,
            created_at: Timestamp(at.into()),
            updated_at: Timestamp(at.into()),
            queued_at: None,
            resolved_at: None,
        }
    }

    fn message(conversation: &str, seq: u64, kind: AuthorKind, text: &str) -> Message {
        Message {
            id: MessageId(format!("{conversation}-{seq}")),
            conversation_id: conversation.into(),
            seq,
            author: Author {
                kind,
                id: String::new(),
                name: if kind == AuthorKind::Agent {
                    "Alice".into()
                } else {
                    String::new()
                },
            },
            text: text.into(),
            attachments: vec![],
            private: false,
            client_msg_id: None,
            created_at: Timestamp("2026-11-21T10:00:00.000Z".into()),
        }
    }

    /// The answer to a `history` request.
    fn history(messages: Vec<Message>) -> ServerFrame {
        ServerFrame::Ack(Ack {
            messages: Some(messages),
            has_more: Some(false),
            ..Ack::new("h")
        })
    }

    fn created(m: Message) -> ServerFrame {
        ServerFrame::MessageCreated(MessageCreated { message: m })
    }

    #[test]
    fn repeats_show_once_and_in_seq_order() {
        let mut s = WidgetState::default();
        s.set_conversation(conversation("c", ConversationStatus::Bot, "t1"));
        s.apply(&created(message("c", 2, AuthorKind::Bot, "two")));
        s.apply(&created(message("c", 1, AuthorKind::User, "one")));
        // A refill after a reconnect overlapping what is held.
        s.apply(&history(vec![
            message("c", 1, AuthorKind::User, "one"),
            message("c", 2, AuthorKind::Bot, "two"),
            message("c", 3, AuthorKind::Bot, "three"),
        ]));
        let texts: Vec<_> = s.messages.values().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["one", "two", "three"]);
        assert_eq!(s.top_seq(), 3);
    }

    #[test]
    fn private_messages_and_other_conversations_pages_are_ignored() {
        let mut s = WidgetState::default();
        s.set_conversation(conversation("c", ConversationStatus::Assigned, "t1"));
        let mut note = message("c", 1, AuthorKind::Agent, "note");
        note.private = true;
        s.apply(&created(note));
        s.apply(&history(vec![message("other", 1, AuthorKind::Bot, "x")]));
        assert!(s.messages.is_empty());
    }

    #[test]
    fn the_ack_of_a_first_message_adopts_its_conversation_and_empties_the_outbox() {
        let mut s = WidgetState::default();
        s.outbox.push(Outgoing {
            client_msg_id: "w-1".into(),
            text: "hello".into(),
            attachments: vec![],
        });
        let mut m = message("c", 1, AuthorKind::User, "hello");
        m.client_msg_id = Some("w-1".into());
        let follow = s.apply(&ServerFrame::Ack(Ack {
            conversation_id: Some("c".into()),
            message: Some(m.clone()),
            ..Ack::new("r1")
        }));
        assert!(follow.load_history);
        assert_eq!(s.conversation_id, Some("c".into()));
        assert!(s.outbox.is_empty());
        // Its message.created comes too: still one message.
        s.apply(&created(m));
        assert_eq!(s.messages.len(), 1);
    }

    #[test]
    fn unread_counts_agent_and_bot_messages_until_seen() {
        let mut s = WidgetState::default();
        s.set_conversation(conversation("c", ConversationStatus::Assigned, "t1"));
        s.apply(&created(message("c", 1, AuthorKind::User, "hi")));
        s.apply(&created(message(
            "c",
            2,
            AuthorKind::System,
            "Alice joined",
        )));
        s.apply(&created(message("c", 3, AuthorKind::Agent, "hello")));
        s.apply(&created(message(
            "c",
            4,
            AuthorKind::Agent,
            "how can I help?",
        )));
        assert_eq!(s.unread(), 2);
        assert_eq!(s.mark_seen(), Some(4));
        assert_eq!(s.unread(), 0);
        assert_eq!(s.mark_seen(), None);
        s.apply(&created(message("c", 5, AuthorKind::Agent, "still there?")));
        assert_eq!(s.unread(), 1);
    }

    #[test]
    fn queue_position_shows_while_queued_only() {
        let mut s = WidgetState::default();
        s.set_conversation(conversation("c", ConversationStatus::Queued, "t1"));
        s.apply(&ServerFrame::QueuePosition(QueuePosition {
            conversation_id: "c".into(),
            position: 2,
            queue_length: 3,
        }));
        assert_eq!(
            s.status_line(),
            "Waiting for an agent: you are number 2 in line"
        );
        let mut taken = conversation("c", ConversationStatus::Assigned, "t1");
        taken.updated_at = Timestamp("t2".into());
        s.apply(&ServerFrame::ConversationUpdated(ConversationUpdated {
            conversation: taken,
        }));
        assert_eq!(s.queue, None);
        assert_eq!(s.status_line(), "Chatting with Alice");
    }

    #[test]
    fn an_older_copy_of_the_conversation_does_not_undo_a_newer_one() {
        let mut s = WidgetState::default();
        let mut newer = conversation("c", ConversationStatus::Assigned, "t1");
        newer.updated_at = Timestamp("t3".into());
        s.set_conversation(newer);
        let mut older = conversation("c", ConversationStatus::Bot, "t1");
        older.updated_at = Timestamp("t2".into());
        s.set_conversation(older);
        assert_eq!(
            s.conversation.as_ref().map(|c| c.status),
            Some(ConversationStatus::Assigned)
        );
    }

    #[test]
    fn talk_to_a_person_needs_a_bot_conversation_and_human_chat() {
        let mut s = WidgetState {
            human_chat_enabled: true,
            ..WidgetState::default()
        };
        assert!(!s.can_ask_for_person());
        s.set_conversation(conversation("c", ConversationStatus::Bot, "t1"));
        assert!(s.can_ask_for_person());
        s.human_chat_enabled = false;
        assert!(!s.can_ask_for_person());
    }

    #[test]
    fn typing_clears_when_that_author_writes_or_the_time_passes() {
        let mut s = WidgetState::default();
        s.set_conversation(conversation("c", ConversationStatus::Assigned, "t1"));
        let typing = ServerFrame::Typing(TypingEvent {
            conversation_id: "c".into(),
            author: Author {
                kind: AuthorKind::Agent,
                id: "a".into(),
                name: "Alice".into(),
            },
        });
        s.apply(&typing);
        assert_eq!(s.typing.as_ref().map(|t| t.name.as_str()), Some("Alice"));
        s.apply(&created(message("c", 1, AuthorKind::Agent, "hi")));
        assert_eq!(s.typing, None);
        s.apply(&typing);
        let serial = s.typing.as_ref().map(|t| t.serial).unwrap_or_default();
        s.apply(&typing);
        s.clear_typing(serial);
        assert!(s.typing.is_some(), "a renewed indication stays");
    }

    fn read_by(kind: AuthorKind, conversation: &str, seq: u64) -> ServerFrame {
        ServerFrame::Read(ReadEvent {
            conversation_id: conversation.into(),
            seq,
            by: Author {
                kind,
                id: "a".into(),
                name: "Alice".into(),
            },
        })
    }

    #[test]
    fn seen_marks_the_users_last_message_an_agent_has_read() {
        let mut s = WidgetState::default();
        s.set_conversation(conversation("c", ConversationStatus::Assigned, "t1"));
        s.apply(&created(message("c", 1, AuthorKind::User, "hi")));
        s.apply(&created(message("c", 2, AuthorKind::User, "anyone?")));
        s.apply(&created(message("c", 3, AuthorKind::Agent, "hello")));
        s.apply(&created(message("c", 4, AuthorKind::User, "thanks")));
        assert_eq!(s.seen_seq(), None, "nothing read yet");
        // The user's own reads (another device) and other conversations' say nothing.
        s.apply(&read_by(AuthorKind::User, "c", 4));
        s.apply(&read_by(AuthorKind::Agent, "other", 4));
        assert_eq!(s.seen_seq(), None);
        s.apply(&read_by(AuthorKind::Agent, "c", 3));
        assert_eq!(
            s.seen_seq(),
            Some(2),
            "under the last user message up to what was read"
        );
        // An older read does not move it back.
        s.apply(&read_by(AuthorKind::Agent, "c", 1));
        assert_eq!(s.seen_seq(), Some(2));
        s.apply(&read_by(AuthorKind::Agent, "c", 4));
        assert_eq!(s.seen_seq(), Some(4));
        // Another conversation shown: nothing is seen there yet.
        s.apply(&ServerFrame::ConversationUpdated(ConversationUpdated {
            conversation: conversation("new", ConversationStatus::Bot, "t9"),
        }));
        assert_eq!(s.seen_seq(), None);
        assert_eq!(s.agent_read_seq, 0);
    }

    #[test]
    fn what_an_agent_had_read_before_a_reload_applies_to_that_conversation_only() {
        let mut s = WidgetState {
            remembered_agent_read: Some(("c".into(), 2)),
            ..WidgetState::default()
        };
        s.set_conversation(conversation("c", ConversationStatus::Assigned, "t1"));
        s.apply(&history(vec![
            message("c", 1, AuthorKind::User, "hi"),
            message("c", 2, AuthorKind::User, "anyone?"),
            message("c", 3, AuthorKind::User, "hello?"),
        ]));
        assert_eq!(s.seen_seq(), Some(2));
        let mut other = WidgetState {
            remembered_agent_read: Some(("c".into(), 2)),
            ..WidgetState::default()
        };
        other.set_conversation(conversation("d", ConversationStatus::Assigned, "t1"));
        assert_eq!(other.agent_read_seq, 0);
    }

    #[test]
    fn a_newer_conversation_replaces_the_shown_one() {
        let mut s = WidgetState::default();
        s.set_conversation(conversation(
            "old",
            ConversationStatus::Resolved,
            "2026-01-01",
        ));
        s.apply(&created(message("old", 1, AuthorKind::User, "hi")));
        let follow = s.apply(&ServerFrame::ConversationUpdated(ConversationUpdated {
            conversation: conversation("new", ConversationStatus::Bot, "2026-02-01"),
        }));
        assert!(follow.load_history);
        assert_eq!(s.conversation_id, Some("new".into()));
        assert!(s.messages.is_empty());
    }
}
