//! Per-socket message continuity: the last `seq` each socket received per conversation.
//!
//! Pub/sub may drop, reorder or repeat; the store may not. A `message.created` at or below what
//! the socket already has is a duplicate and is dropped; one beyond the next expected `seq`
//! reveals a gap, which the session fills from the store before going on. After a bus outage the
//! session refills every conversation it tracks.

use std::collections::HashMap;
use switchboard_protocol::ConversationId;

/// Conversations tracked per socket; the oldest entries make room beyond this.
const MAX_TRACKED: usize = 256;

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Deliver,
    Duplicate,
    /// Messages after `after` are missing: refill from the store.
    Gap {
        after: u64,
    },
}

#[derive(Default)]
pub struct SeqTracker {
    last_seq: HashMap<ConversationId, (u64, u64)>,
    /// Orders entries by last use, for eviction.
    clock: u64,
}

impl SeqTracker {
    /// What to do with `message.created` number `seq` of a conversation. The first message seen
    /// of a conversation is delivered as is: only what follows it is checked.
    pub fn check(&self, conversation: &ConversationId, seq: u64) -> Verdict {
        match self.last_seq.get(conversation) {
            Some(&(last, _)) if seq <= last => Verdict::Duplicate,
            Some(&(last, _)) if seq > last + 1 => Verdict::Gap { after: last },
            _ => Verdict::Deliver,
        }
    }

    /// The socket now has every message of the conversation up to `seq`.
    pub fn record(&mut self, conversation: &ConversationId, seq: u64) {
        self.clock += 1;
        if !self.last_seq.contains_key(conversation) && self.last_seq.len() >= MAX_TRACKED {
            let oldest = self
                .last_seq
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(id, _)| id.clone());
            if let Some(oldest) = oldest {
                self.last_seq.remove(&oldest);
            }
        }
        let entry = self.last_seq.entry(conversation.clone()).or_insert((0, 0));
        entry.0 = entry.0.max(seq);
        entry.1 = self.clock;
    }

    #[cfg(test)]
    pub fn last(&self, conversation: &ConversationId) -> Option<u64> {
        self.last_seq.get(conversation).map(|(seq, _)| *seq)
    }

    pub fn tracked(&self) -> Vec<(ConversationId, u64)> {
        self.last_seq
            .iter()
            .map(|(id, (seq, _))| (id.clone(), *seq))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_dropped_and_gaps_found() {
        let c: ConversationId = "c1".into();
        let mut tracker = SeqTracker::default();
        assert_eq!(tracker.check(&c, 5), Verdict::Deliver);
        tracker.record(&c, 5);
        assert_eq!(tracker.check(&c, 5), Verdict::Duplicate);
        assert_eq!(tracker.check(&c, 3), Verdict::Duplicate);
        assert_eq!(tracker.check(&c, 6), Verdict::Deliver);
        assert_eq!(tracker.check(&c, 9), Verdict::Gap { after: 5 });
    }

    #[test]
    fn the_least_recently_used_conversation_makes_room() {
        let mut tracker = SeqTracker::default();
        for i in 0..MAX_TRACKED {
            tracker.record(&format!("c{i}").as_str().into(), 1);
        }
        tracker.record(&"c0".into(), 2);
        tracker.record(&"new".into(), 1);
        assert_eq!(tracker.tracked().len(), MAX_TRACKED);
        assert_eq!(tracker.last(&"c0".into()), Some(2));
        assert_eq!(tracker.last(&"c1".into()), None);
    }
}
