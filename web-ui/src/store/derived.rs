//! What the UI reads from the state without changing it: a view's count and the ids shown
//! (the filtered list when the filter is on that view), the messages held and where a
//! (re)subscription resumes, unread counts, the "Seen" marker, my presence. Derived on
//! every read, never stored, so they cannot drift from the state.
//!
//! Tested where the state they read is built: the lists' tests (counts, the ids shown) and
//! the reducer's tests (`reducer/tests.rs`: unread counts, the "Seen" marker, resuming).

use super::state::DeskState;
use switchboard_protocol::{AuthorKind, ConversationId, ConversationView, Message, Presence};

impl DeskState {
    pub fn count(&self, view: ConversationView) -> usize {
        self.lists.get(&view).map_or(0, Vec::len)
    }

    pub fn list(&self, view: ConversationView) -> &[ConversationId] {
        self.lists.get(&view).map_or(&[], Vec::as_slice)
    }

    /// Where live changes stand now: take it before fetching a list, pass it to `load_view`.
    pub fn event_mark(&self) -> u64 {
        self.event_serial
    }
    /// The ids shown for `view`: the filtered list when the filter is on this view.
    pub fn shown(&self, view: ConversationView) -> &[ConversationId] {
        match (&self.filter, &self.filtered) {
            (Some(filter), Some(list)) if filter.view == view => list,
            (Some(filter), None) if filter.view == view => &[],
            _ => self.list(view),
        }
    }

    /// Whether the filtered list of `view` is still being fetched.
    pub fn filter_pending(&self, view: ConversationView) -> bool {
        self.filter.as_ref().is_some_and(|f| f.view == view) && self.filtered.is_none()
    }
    /// The lowest `seq` held (`None`: none).
    pub fn bottom_seq(&self, id: &ConversationId) -> Option<u64> {
        self.messages.get(id).and_then(|m| m.keys().next().copied())
    }

    /// Whether older messages than those held exist (seq starts at 1, agents see no gaps).
    pub fn has_older(&self, id: &ConversationId) -> bool {
        self.bottom_seq(id).is_some_and(|seq| seq > 1)
    }

    /// The `after_seq` to (re)subscribe with: the end of the unbroken run of messages that
    /// starts at the lowest one held, so a gap (missed while unsubscribed or disconnected) is
    /// refilled. With nothing held, the last `window` messages.
    pub fn resume_after(&self, id: &ConversationId, window: u64) -> u64 {
        match self.messages.get(id) {
            Some(held) if !held.is_empty() => {
                let mut keys = held.keys().copied();
                let mut top = keys.next().unwrap_or(0);
                for seq in keys {
                    if seq != top + 1 {
                        break;
                    }
                    top = seq;
                }
                top
            }
            _ => {
                let last = self.conversations.get(id).map_or(0, |c| c.last_seq);
                last.saturating_sub(window)
            }
        }
    }

    pub fn messages_of(&self, id: &ConversationId) -> Vec<Message> {
        self.messages
            .get(id)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Unread messages of a conversation: those above what the agent has seen.
    pub fn unread(&self, id: &ConversationId) -> u64 {
        let last = self
            .conversations
            .get(id)
            .map_or(0, |c| c.last_seq)
            .max(self.top_seq(id));
        last.saturating_sub(self.read_seq.get(id).copied().unwrap_or(last))
    }
    /// Where the "Seen" marker goes: the `seq` of the last agent or bot message (private notes
    /// excluded: the user never gets them) the user has read; `None` while there is none.
    pub fn seen_seq(&self, id: &ConversationId) -> Option<u64> {
        let read = self.user_read_seq.get(id).copied()?;
        self.messages
            .get(id)?
            .range(..=read)
            .rev()
            .find(|(_, m)| {
                !m.private && matches!(m.author.kind, AuthorKind::Agent | AuthorKind::Bot)
            })
            .map(|(seq, _)| *seq)
    }
    pub fn my_presence(&self) -> Presence {
        self.me.as_ref().map_or(Presence::Offline, |me| me.presence)
    }
}
