//! The frame reducer: [`apply`] takes one frame from the gateway (events and acks) into the
//! state. Conversation changes are placed in their views and raise notices, messages are
//! merged by `seq` and feed the list's previews, `conversation.activity` raises unread
//! counts, and typing, presence and the user's reads are kept. Frames the desk has no use for
//! change nothing.

use super::state::{DeskState, Notice, PREVIEW_CHARS, Preview, TypingNow};
use super::views::{display_name, held_by_me, in_my_groups};
use switchboard_protocol::{
    Agent, AuthorKind, Conversation, ConversationActivity, ConversationId, ConversationStatus,
    Message, ServerFrame,
};

#[cfg(test)]
mod tests;

/// Applies one frame from the gateway. Frames that carry nothing for the desk (welcome, pong,
/// errors, `queue.position`) change nothing.
pub fn apply(state: &mut DeskState, frame: &ServerFrame) {
    match frame {
        ServerFrame::ConversationUpdated(event) => {
            state.upsert_conversation(event.conversation.clone());
        }
        ServerFrame::MessageCreated(event) => {
            state.add_messages([&event.message]);
        }
        ServerFrame::ConversationActivity(event) => state.activity(event),
        ServerFrame::Ack(ack) => {
            if let Some(conversation) = &ack.conversation {
                state.upsert_conversation(conversation.clone());
            }
            if let Some(message) = &ack.message {
                state.add_messages([message]);
            }
            if let Some(messages) = &ack.messages {
                state.add_messages(messages);
            }
            if let Some(agent) = &ack.agent {
                state.update_me(agent);
            }
        }
        ServerFrame::Typing(event) => {
            if state
                .me
                .as_ref()
                .is_some_and(|me| me.id.as_str() == event.author.id)
            {
                return;
            }
            state.typing_serial += 1;
            let serial = state.typing_serial;
            state.typing.insert(
                event.conversation_id.clone(),
                TypingNow {
                    name: if event.author.name.trim().is_empty() {
                        match event.author.kind {
                            AuthorKind::User => "The visitor".to_owned(),
                            AuthorKind::Bot => "The bot".to_owned(),
                            _ => "Someone".to_owned(),
                        }
                    } else {
                        event.author.name.clone()
                    },
                    serial,
                },
            );
        }
        ServerFrame::Presence(event) => {
            state
                .presence
                .insert(event.agent_id.clone(), (event.presence, event.connected));
            if let Some(me) = state.me.as_mut()
                && me.id == event.agent_id
            {
                me.presence = event.presence;
                me.connected = event.connected;
            }
        }
        // Only the user's reads show; agents' and bots' are theirs.
        ServerFrame::Read(event) if event.by.kind == AuthorKind::User => {
            state.user_read(&event.conversation_id, event.seq);
        }
        ServerFrame::Welcome(_)
        | ServerFrame::Error(_)
        | ServerFrame::Pong(_)
        | ServerFrame::Read(_)
        | ServerFrame::QueuePosition(_) => {}
        // Frames a newer protocol crate adds change nothing until the desk learns them.
        #[allow(unreachable_patterns)]
        _ => {}
    }
}

impl DeskState {
    /// A conversation's new state, from an event or an ack.
    pub fn upsert_conversation(&mut self, conversation: Conversation) {
        let id = conversation.id.clone();
        let before = self.conversations.get(&id).cloned();
        if !self.store_conversation(conversation) {
            return;
        }
        self.event_serial += 1;
        self.touched.insert(id.clone(), self.event_serial);
        // A conversation first heard of now: all of it is unread.
        self.read_seq.entry(id.clone()).or_insert(0);
        self.place(&id);
        self.notice_change(before.as_ref(), &id);
        if self.open.as_ref() == Some(&id) {
            self.mark_read(&id);
        }
    }

    fn notice_change(&mut self, before: Option<&Conversation>, id: &ConversationId) {
        let Some(after) = self.conversations.get(id) else {
            return;
        };
        let me = self.me.as_ref();
        let name = display_name(after);
        let was_mine =
            before.is_some_and(|b| b.status == ConversationStatus::Assigned && held_by_me(b, me));
        let now_mine = after.status == ConversationStatus::Assigned && held_by_me(after, me);
        let was_queued_here = before.is_some_and(|b| {
            b.status == ConversationStatus::Queued && in_my_groups(&b.group_id, me)
        });
        let now_queued_here =
            after.status == ConversationStatus::Queued && in_my_groups(&after.group_id, me);
        if now_mine && !was_mine {
            self.notices
                .push(Notice::AssignedToMe(id.clone(), name.clone()));
        }
        if now_queued_here && !was_queued_here {
            self.notices.push(Notice::Queued(id.clone(), name));
        }
    }

    /// Adds messages (from an event, an ack or a history page); duplicates by `seq` are
    /// ignored, order is by `seq`.
    pub fn add_messages<'a>(&mut self, messages: impl IntoIterator<Item = &'a Message>) {
        let mut touched = Vec::new();
        for message in messages {
            let id = message.conversation_id.clone();
            self.messages
                .entry(id.clone())
                .or_default()
                .entry(message.seq)
                .or_insert_with(|| message.clone());
            // Whoever was typing has most likely just sent this.
            if message.author.kind != AuthorKind::System
                && self.typing.contains_key(&id)
                && self
                    .me
                    .as_ref()
                    .is_none_or(|me| me.id.as_str() != message.author.id)
            {
                self.typing.remove(&id);
            }
            self.set_preview(
                &id,
                Preview {
                    seq: message.seq,
                    text: message.text.chars().take(PREVIEW_CHARS).collect(),
                    author_kind: message.author.kind,
                    author_name: message.author.name.clone(),
                    private: message.private,
                    at: message.created_at.0.clone(),
                },
            );
            if !touched.contains(&id) {
                touched.push(id);
            }
        }
        for id in touched {
            let top = self.top_seq(&id);
            if let Some(conversation) = self.conversations.get_mut(&id) {
                conversation.last_seq = conversation.last_seq.max(top);
            }
            self.read_seq.entry(id.clone()).or_insert(0);
            if self.open.as_ref() == Some(&id) {
                self.mark_read(&id);
            }
        }
    }

    /// Keeps `preview` unless a later message's is held. System messages ("Waiting for an
    /// agent") show only while there is nothing else: they would hide what people wrote.
    fn set_preview(&mut self, id: &ConversationId, preview: Preview) {
        let replaces = |held: &Preview| {
            held.seq <= preview.seq
                && (preview.author_kind != AuthorKind::System
                    || held.author_kind == AuthorKind::System)
        };
        if self.previews.get(id).is_none_or(replaces) {
            self.previews.insert(id.clone(), preview);
        }
    }

    /// A new message somewhere (`conversation.activity`): the preview, the conversation's
    /// `last_seq` (so its unread count rises unless it is on screen).
    pub fn activity(&mut self, event: &ConversationActivity) {
        let id = &event.conversation_id;
        self.set_preview(
            id,
            Preview {
                seq: event.last_seq,
                text: event.preview.chars().take(PREVIEW_CHARS).collect(),
                author_kind: event.author.kind,
                author_name: event.author.name.clone(),
                private: event.private,
                at: event.at.0.clone(),
            },
        );
        if let Some(conversation) = self.conversations.get_mut(id) {
            conversation.last_seq = conversation.last_seq.max(event.last_seq);
            // My own messages are read by definition.
            let mine = event.author.kind == AuthorKind::Agent
                && self
                    .me
                    .as_ref()
                    .is_some_and(|me| me.id.as_str() == event.author.id);
            let read = self.read_seq.entry(id.clone()).or_insert(0);
            if mine {
                *read = (*read).max(event.last_seq);
            }
            if self.open.as_ref() == Some(id) {
                self.mark_read(id);
            }
        }
    }

    /// The user read up to `seq` (a `read` frame by the user); a late, lower one changes
    /// nothing.
    pub fn user_read(&mut self, id: &ConversationId, seq: u64) {
        let read = self.user_read_seq.entry(id.clone()).or_insert(0);
        *read = (*read).max(seq);
    }

    fn update_me(&mut self, agent: &Agent) {
        if self.me.as_ref().is_some_and(|me| me.id == agent.id) {
            self.me = Some(agent.clone());
            // Group membership may have changed what belongs where.
            let ids: Vec<ConversationId> = self.conversations.keys().cloned().collect();
            for id in ids {
                self.place(&id);
            }
        }
        self.presence
            .insert(agent.id.clone(), (agent.presence, agent.connected));
    }
}
