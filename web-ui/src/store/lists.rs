//! REST lists into the state: a view's list (`GET /v1/conversations?view=`), which must not
//! undo what changed live while it was in flight, and the filtered list of one view (a tag,
//! the closed tab's search), which an older search answering late must not replace. Also
//! placing a conversation in exactly the views (and the filtered list) it belongs to, which
//! the reducer does for every change it hears.

use super::state::DeskState;
use super::views::{ListFilter, VIEWS, in_view, sorts_before};
use switchboard_protocol::{Conversation, ConversationId, ConversationView};

impl DeskState {
    /// A fresh list from `GET /v1/conversations?view=` requested at `since` (see
    /// [`Self::event_mark`]): replaces that view, updates the conversations (never moving a newer
    /// one back in time), keeps what was read, and keeps what changed live during the fetch.
    pub fn load_view(
        &mut self,
        view: ConversationView,
        conversations: Vec<Conversation>,
        since: u64,
    ) {
        let mut ids = Vec::with_capacity(conversations.len());
        for conversation in conversations {
            ids.push(conversation.id.clone());
            self.read_seq
                .entry(conversation.id.clone())
                .or_insert(conversation.last_seq);
            self.store_conversation(conversation);
        }
        self.lists.insert(view, ids);
        // A conversation now in another view (changed while the list was in flight) follows
        // the state we hold.
        let mut held: Vec<ConversationId> = self.list(view).to_vec();
        held.extend(
            self.touched
                .iter()
                .filter(|(_, serial)| **serial > since)
                .map(|(id, _)| id.clone()),
        );
        for id in held {
            self.place(&id);
        }
    }

    /// Stores `conversation` unless what we hold is newer; returns whether it was stored.
    pub(super) fn store_conversation(&mut self, conversation: Conversation) -> bool {
        if let Some(held) = self.conversations.get(&conversation.id)
            && held.updated_at > conversation.updated_at
        {
            return false;
        }
        let last_seq = self.top_seq(&conversation.id).max(conversation.last_seq);
        let mut conversation = conversation;
        conversation.last_seq = last_seq;
        self.conversations
            .insert(conversation.id.clone(), conversation);
        true
    }

    /// Puts `id` into exactly the views it belongs to, at its sorted place.
    pub(super) fn place(&mut self, id: &ConversationId) {
        let Some(conversation) = self.conversations.get(id) else {
            return;
        };
        let me = self.me.as_ref();
        for view in VIEWS {
            let belongs = in_view(conversation, view, me);
            let list = self.lists.entry(view).or_default();
            list.retain(|other| other != id);
            if belongs {
                let at = list
                    .iter()
                    .position(|other| {
                        self.conversations
                            .get(other)
                            .is_none_or(|other| sorts_before(conversation, other, view))
                    })
                    .unwrap_or(list.len());
                list.insert(at, id.clone());
            }
        }
        if let (Some(filter), Some(list)) = (&self.filter, self.filtered.as_mut()) {
            let already_in = list.contains(id);
            list.retain(|other| other != id);
            if filter.admits(conversation, me, already_in) {
                let at = list
                    .iter()
                    .position(|other| {
                        self.conversations
                            .get(other)
                            .is_none_or(|other| sorts_before(conversation, other, filter.view))
                    })
                    .unwrap_or(list.len());
                list.insert(at, id.clone());
            }
        }
    }
    /// Conversations fetched for another purpose (the user's earlier ones, in the contact
    /// panel): kept unless what we hold is newer, placed in the views they belong to, read up
    /// to their end, and no notices (nothing happened; we only looked).
    pub fn remember(&mut self, conversations: Vec<Conversation>) {
        for conversation in conversations {
            let id = conversation.id.clone();
            self.read_seq
                .entry(id.clone())
                .or_insert(conversation.last_seq);
            if self.store_conversation(conversation) {
                self.place(&id);
            }
        }
    }

    /// Sets (or clears) the filter; a different one starts empty until its answer arrives.
    pub fn set_filter(&mut self, filter: Option<ListFilter>) {
        if self.filter != filter {
            self.filter = filter;
            self.filtered = None;
            self.filter_error = None;
        }
    }

    /// The filtered list request for `filter` failed: an empty list with the reason.
    pub fn fail_filtered(&mut self, filter: &ListFilter, reason: String) {
        if self.filter.as_ref() == Some(filter) && self.filtered.is_none() {
            self.filtered = Some(Vec::new());
            self.filter_error = Some(reason);
        }
    }

    /// The answer to the filtered list request for `filter`; ignored when the filter changed
    /// meanwhile (an older search answering late).
    pub fn load_filtered(&mut self, filter: &ListFilter, conversations: Vec<Conversation>) {
        if self.filter.as_ref() != Some(filter) {
            return;
        }
        let mut ids = Vec::with_capacity(conversations.len());
        for conversation in conversations {
            let id = conversation.id.clone();
            self.read_seq
                .entry(id.clone())
                .or_insert(conversation.last_seq);
            let listed = self.lists.values().any(|l| l.contains(&id));
            if self.store_conversation(conversation) && listed {
                self.place(&id);
            }
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        // What we hold may be newer than the answer (a tag removed meanwhile).
        let me = self.me.as_ref();
        ids.retain(|id| {
            self.conversations
                .get(id)
                .is_some_and(|c| filter.admits(c, me, true))
        });
        self.filtered = Some(ids);
        self.filter_error = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::*;
    use switchboard_protocol::*;

    #[test]
    fn lists_load_and_count() {
        let mut s = DeskState::new(me());
        s.load_view(
            ConversationView::Mine,
            vec![mine("c1", T1), mine("c2", T2)],
            0,
        );
        assert_eq!(s.count(ConversationView::Mine), 2);
        // Sorted like the gateway sorts: most recently updated first.
        assert_eq!(s.list(ConversationView::Mine), &[id("c2"), id("c1")]);
    }

    #[test]
    fn loading_lists_raises_no_notices() {
        let mut s = DeskState::new(me());
        s.load_view(ConversationView::Unassigned, vec![queued("c1", T1)], 0);
        s.load_view(ConversationView::Mine, vec![mine("c2", T1)], 0);
        assert!(s.take_notices().is_empty());
    }

    #[test]
    fn the_filtered_list_replaces_its_view_only() {
        let mut s = DeskState::new(me());
        s.load_view(
            ConversationView::Mine,
            vec![tagged("c1", T1, &["vip"]), tagged("c2", T2, &[])],
            0,
        );
        let f = ListFilter::new(ConversationView::Mine, Some("vip"), "").unwrap();
        s.set_filter(Some(f.clone()));
        assert!(s.filter_pending(ConversationView::Mine));
        assert!(s.shown(ConversationView::Mine).is_empty());
        s.load_filtered(&f, vec![tagged("c1", T1, &["vip"])]);
        assert_eq!(s.shown(ConversationView::Mine), &[id("c1")]);
        assert_eq!(
            s.shown(ConversationView::Open).len(),
            2,
            "other views unfiltered"
        );
        assert_eq!(s.count(ConversationView::Mine), 2, "counts stay unfiltered");
        s.set_filter(None);
        assert_eq!(s.shown(ConversationView::Mine).len(), 2);
    }

    #[test]
    fn remembered_conversations_are_placed_without_notices() {
        let mut s = DeskState::new(me());
        let mut old = conv("c9", ConversationStatus::Resolved, T1);
        old.last_seq = 7;
        s.remember(vec![old, queued("c8", T2)]);
        assert_eq!(s.list(ConversationView::Closed), &[id("c9")]);
        assert_eq!(s.list(ConversationView::Unassigned), &[id("c8")]);
        assert_eq!(s.unread(&id("c9")), 0);
        assert!(s.take_notices().is_empty());
        // Never back in time.
        s.upsert_conversation(mine("c8", T3));
        s.remember(vec![queued("c8", T2)]);
        assert_eq!(s.list(ConversationView::Mine), &[id("c8")]);
    }

    #[test]
    fn a_late_answer_for_an_older_filter_is_ignored() {
        let mut s = DeskState::new(me());
        let old = ListFilter::new(ConversationView::Closed, None, "inv").unwrap();
        let new = ListFilter::new(ConversationView::Closed, None, "invoice").unwrap();
        s.set_filter(Some(old.clone()));
        s.set_filter(Some(new.clone()));
        s.load_filtered(&old, vec![conv("c1", ConversationStatus::Resolved, T1)]);
        assert!(s.filtered.is_none());
        s.fail_filtered(&old, "late".into());
        assert!(s.filtered.is_none() && s.filter_error.is_none());
        s.fail_filtered(&new, "gateway down".into());
        assert_eq!(s.filter_error.as_deref(), Some("gateway down"));
        assert!(!s.filter_pending(ConversationView::Closed));
        s.load_filtered(&new, vec![]);
        assert_eq!(s.filtered.as_deref(), Some(&[][..]));
        assert!(s.filter_error.is_none());
    }
}
