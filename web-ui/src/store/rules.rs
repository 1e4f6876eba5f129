//! Why an action is not possible now (`None`: it is). Shown as the button's title.

use super::views::held_by_me;
use switchboard_protocol::{Agent, Conversation, ConversationStatus, Presence};

pub const REOPEN_NOT_RESOLVED: &str = "only a resolved conversation can be reopened";
pub const REOPEN_OFFLINE: &str = "go online to reopen conversations";

fn online(me: &Agent) -> bool {
    me.presence == Presence::Online
}

pub fn accept(c: &Conversation, me: &Agent) -> Option<&'static str> {
    if c.status != ConversationStatus::Queued {
        Some("only a queued conversation can be accepted")
    } else if !online(me) {
        Some("go online to accept conversations")
    } else {
        None
    }
}

pub fn assign(c: &Conversation, _me: &Agent) -> Option<&'static str> {
    (c.status == ConversationStatus::Resolved).then_some("a resolved conversation is closed")
}

pub fn transfer(c: &Conversation, _me: &Agent) -> Option<&'static str> {
    (c.status == ConversationStatus::Resolved).then_some("a resolved conversation is closed")
}

pub fn unassign(c: &Conversation, me: &Agent) -> Option<&'static str> {
    if c.status != ConversationStatus::Assigned {
        Some("only a conversation an agent holds can be unassigned")
    } else if !held_by_me(c, Some(me)) && !me.role.is_admin() {
        Some("only its holder or an admin can unassign it")
    } else {
        None
    }
}

pub fn resolve(c: &Conversation, _me: &Agent) -> Option<&'static str> {
    (c.status == ConversationStatus::Resolved).then_some("already resolved")
}

/// Reopening gives the conversation to me, so I must be online.
pub fn reopen(c: &Conversation, me: &Agent) -> Option<&'static str> {
    if c.status != ConversationStatus::Resolved {
        Some(REOPEN_NOT_RESOLVED)
    } else if !online(me) {
        Some(REOPEN_OFFLINE)
    } else {
        None
    }
}

/// Why the composer cannot send a public reply (private notes are always allowed on an
/// unresolved conversation).
pub fn reply(
    c: &Conversation,
    me: &Agent,
    private: bool,
    accept_first: bool,
) -> Option<&'static str> {
    if c.status == ConversationStatus::Resolved {
        Some("resolved: reopen it, or the user's next message will")
    } else if !private && accept_first && !held_by_me(c, Some(me)) {
        Some("accept the conversation to reply, or write a private note")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::*;
    use crate::store::rules;

    #[test]
    fn action_rules() {
        let mut me = me();
        let q = queued("c1", T1);
        assert_eq!(rules::accept(&q, &me), None);
        me.presence = Presence::Offline;
        assert!(rules::accept(&q, &me).is_some());
        assert!(rules::unassign(&q, &me).is_some());
        let m = mine("c2", T1);
        assert_eq!(rules::unassign(&m, &me), None);
        assert!(rules::accept(&m, &me).is_some());
        assert_eq!(rules::reopen(&m, &me), Some(rules::REOPEN_NOT_RESOLVED));
        let r = conv("c3", ConversationStatus::Resolved, T1);
        assert!(rules::resolve(&r, &me).is_some());
        assert_eq!(rules::reopen(&r, &me), Some(rules::REOPEN_OFFLINE));
        me.presence = Presence::Online;
        assert_eq!(rules::reopen(&r, &me), None);
        assert!(rules::reopen(&q, &me).is_some());
        me.presence = Presence::Offline;
        assert!(rules::reply(&q, &me, false, true).is_some());
        assert_eq!(rules::reply(&q, &me, true, true), None);
        assert_eq!(rules::reply(&q, &me, false, false), None);
    }
}
