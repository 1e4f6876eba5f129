//! Why an action is not possible now (`None`: it is). Shown as the button's title. The rules
//! are the gateway's (`protocol.md` §6.1): a plain agent acts on queued and bot-held
//! conversations of its groups and on its own; a colleague's only owners and admins change;
//! taking a conversation (accept, assign to oneself) needs presence online. Also who the
//! Assign picker offers, and who gets the bulk actions.

use super::views::held_by_me;
use switchboard_protocol::{
    Agent, AgentStatus, Conversation, ConversationStatus, HolderKind, Presence,
};

pub const REOPEN_NOT_RESOLVED: &str = "only a resolved conversation can be reopened";
pub const REOPEN_OFFLINE: &str = "go online to reopen conversations";

fn online(me: &Agent) -> bool {
    me.presence == Presence::Online
}

pub const CLOSED: &str = "a resolved conversation is closed";
pub const TAKE_OFFLINE: &str = "go online to take conversations";
pub const COLLEAGUE_ASSIGN: &str = "a colleague holds it: only an owner or admin can reassign it";
pub const COLLEAGUE_TRANSFER: &str = "a colleague holds it: only an owner or admin can transfer it";
pub const COLLEAGUE_UNASSIGN: &str = "only its holder, an owner or an admin can unassign it";
pub const COLLEAGUE_RESOLVE: &str = "a colleague holds it: only an owner or admin can resolve it";

/// Whether another agent holds it (not me, not a bot).
pub fn colleague_holds(c: &Conversation, me: &Agent) -> bool {
    c.status == ConversationStatus::Assigned
        && c.assignee
            .as_ref()
            .is_some_and(|a| a.kind == HolderKind::Agent && a.id != me.id.as_str())
}

/// Whether §6.1 keeps me from changing it: a colleague's, and I am a plain agent.
fn hands_off(c: &Conversation, me: &Agent) -> bool {
    colleague_holds(c, me) && !me.role.is_admin()
}

/// "Assign to me": one click takes a queued conversation (accept) or a bot-held one (assign
/// to myself); owners and admins also take a colleague's. Only while online.
pub fn take(c: &Conversation, me: &Agent) -> Option<&'static str> {
    match c.status {
        ConversationStatus::Resolved => Some(CLOSED),
        ConversationStatus::Assigned if held_by_me(c, Some(me)) => Some("it is already yours"),
        ConversationStatus::Assigned if !me.role.is_admin() => Some(COLLEAGUE_ASSIGN),
        _ if !online(me) => Some(TAKE_OFFLINE),
        _ => None,
    }
}

/// Whether "Assign to me" concerns this conversation at all (its reason is then shown as
/// text, not only as the button's title): a queued or bot-held one.
pub fn takeable(c: &Conversation) -> bool {
    matches!(
        c.status,
        ConversationStatus::Queued | ConversationStatus::Bot
    )
}

pub fn assign(c: &Conversation, me: &Agent) -> Option<&'static str> {
    if c.status == ConversationStatus::Resolved {
        Some(CLOSED)
    } else if hands_off(c, me) {
        Some(COLLEAGUE_ASSIGN)
    } else {
        None
    }
}

pub fn transfer(c: &Conversation, me: &Agent) -> Option<&'static str> {
    if c.status == ConversationStatus::Resolved {
        Some(CLOSED)
    } else if hands_off(c, me) {
        Some(COLLEAGUE_TRANSFER)
    } else {
        None
    }
}

pub fn unassign(c: &Conversation, me: &Agent) -> Option<&'static str> {
    if c.status != ConversationStatus::Assigned {
        Some("only a conversation an agent holds can be unassigned")
    } else if hands_off(c, me) {
        Some(COLLEAGUE_UNASSIGN)
    } else {
        None
    }
}

pub fn resolve(c: &Conversation, me: &Agent) -> Option<&'static str> {
    if c.status == ConversationStatus::Resolved {
        Some("already resolved")
    } else if hands_off(c, me) {
        Some(COLLEAGUE_RESOLVE)
    } else {
        None
    }
}

/// Whom the Assign picker offers: agents who can take the conversation (members of its
/// group; owners and admins, who may hold any), verified, neither me (that is "Assign to
/// me") nor its holder; online ones first, then by name.
pub fn assign_candidates(c: &Conversation, agents: &[Agent], me: &Agent) -> Vec<Agent> {
    let holder = c
        .assignee
        .as_ref()
        .filter(|a| a.kind == HolderKind::Agent)
        .map(|a| a.id.as_str());
    let mut out: Vec<Agent> = agents
        .iter()
        .filter(|a| {
            a.id != me.id
                && Some(a.id.as_str()) != holder
                && a.status == AgentStatus::Verified
                && (a.role.is_admin() || a.group_ids.contains(&c.group_id))
        })
        .cloned()
        .collect();
    out.sort_by_key(|a| (a.presence != Presence::Online, a.full_name.to_lowercase()));
    out
}

/// Checkboxes and the bulk bar on the lists: owners and admins.
pub fn may_bulk(me: &Agent) -> bool {
    me.role.is_admin()
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
        Some("assign it to yourself to reply, or write a private note")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::*;
    use crate::store::rules;
    use switchboard_protocol::{AgentId, Assignee, GroupId, Role};

    #[test]
    fn action_rules() {
        let mut me = me();
        let q = queued("c1", T1);
        assert_eq!(rules::take(&q, &me), None);
        me.presence = Presence::Offline;
        assert!(rules::take(&q, &me).is_some());
        assert!(rules::unassign(&q, &me).is_some());
        let m = mine("c2", T1);
        assert_eq!(rules::unassign(&m, &me), None);
        assert!(rules::take(&m, &me).is_some());
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

    fn held_by(c: &mut Conversation, agent: &str) {
        c.status = ConversationStatus::Assigned;
        c.assignee = Some(Assignee {
            kind: HolderKind::Agent,
            id: agent.into(),
            name: agent.into(),
        });
    }

    #[test]
    fn a_plain_agent_leaves_a_colleagues_conversation_alone() {
        let me = me();
        let mut c = queued("c1", T1);
        assert_eq!(rules::assign(&c, &me), None);
        assert_eq!(rules::transfer(&c, &me), None);
        assert_eq!(rules::resolve(&c, &me), None);
        held_by(&mut c, "a2");
        assert_eq!(rules::assign(&c, &me), Some(rules::COLLEAGUE_ASSIGN));
        assert_eq!(rules::transfer(&c, &me), Some(rules::COLLEAGUE_TRANSFER));
        assert_eq!(rules::unassign(&c, &me), Some(rules::COLLEAGUE_UNASSIGN));
        assert_eq!(rules::resolve(&c, &me), Some(rules::COLLEAGUE_RESOLVE));
        assert!(rules::take(&c, &me).is_some());
        let mut admin = me.clone();
        admin.role = Role::Admin;
        assert_eq!(rules::assign(&c, &admin), None);
        assert_eq!(rules::transfer(&c, &admin), None);
        assert_eq!(rules::unassign(&c, &admin), None);
        assert_eq!(rules::resolve(&c, &admin), None);
        assert_eq!(rules::take(&c, &admin), None);
        // My own: everything but taking it again.
        let m = mine("c2", T1);
        assert_eq!(rules::resolve(&m, &me), None);
        assert_eq!(rules::transfer(&m, &me), None);
        assert!(rules::take(&m, &me).is_some());
    }

    #[test]
    fn assign_to_me_takes_queued_and_bot_chats_while_online() {
        let mut me = me();
        let q = queued("c1", T1);
        let b = conv("c2", ConversationStatus::Bot, T1);
        assert!(rules::takeable(&q) && rules::takeable(&b));
        assert_eq!(rules::take(&q, &me), None);
        assert_eq!(rules::take(&b, &me), None);
        me.presence = Presence::Offline;
        assert_eq!(rules::take(&q, &me), Some(rules::TAKE_OFFLINE));
        assert_eq!(rules::take(&b, &me), Some(rules::TAKE_OFFLINE));
        let r = conv("c3", ConversationStatus::Resolved, T1);
        assert!(!rules::takeable(&r));
        assert_eq!(rules::take(&r, &me), Some(rules::CLOSED));
    }

    fn agent(id: &str, name: &str, role: Role, groups: &[&str]) -> Agent {
        Agent {
            id: AgentId::from(id),
            full_name: name.into(),
            role,
            group_ids: groups.iter().map(|g| GroupId::from(*g)).collect(),
            presence: Presence::Offline,
            ..me()
        }
    }

    #[test]
    fn the_assign_picker_offers_who_can_take_it_and_not_me() {
        let me = me();
        let mut online = agent("a3", "Zoe", Role::Agent, &["g1"]);
        online.presence = Presence::Online;
        let mut pending = agent("a6", "Pat", Role::Agent, &["g1"]);
        pending.status = AgentStatus::Pending;
        let agents = vec![
            me.clone(),
            agent("a2", "Bob", Role::Agent, &["g1"]),
            online,
            agent("a4", "Other group", Role::Agent, &["g2"]),
            agent("a5", "Ann Admin", Role::Admin, &[]),
            pending,
        ];
        let mut c = queued("c1", T1);
        let names = |c: &Conversation| -> Vec<String> {
            rules::assign_candidates(c, &agents, &me)
                .into_iter()
                .map(|a| a.full_name)
                .collect()
        };
        assert_eq!(names(&c), ["Zoe", "Ann Admin", "Bob"]);
        held_by(&mut c, "a2");
        assert_eq!(names(&c), ["Zoe", "Ann Admin"], "not its holder");
    }

    #[test]
    fn bulk_actions_are_for_owners_and_admins() {
        let mut me = me();
        assert!(!rules::may_bulk(&me));
        me.role = Role::Owner;
        assert!(rules::may_bulk(&me));
    }
}
