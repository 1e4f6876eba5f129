//! The five views (the rail's tabs) as the desk knows them: their names, which conversation
//! belongs in which for the agent logged in, the order each list keeps, and the filter that
//! narrows one view's list. Functions of one conversation (and the agent), below the state:
//! the state places conversations with them, the UI names views and conversations with them.

use crate::http::percent_encode;
use switchboard_protocol::{
    Agent, BotId, Conversation, ConversationStatus, ConversationUser, ConversationView, GroupId,
    HolderKind,
};

/// The five tabs, in the order the rail shows them.
pub const VIEWS: [ConversationView; 5] = [
    ConversationView::Mine,
    ConversationView::Unassigned,
    ConversationView::Open,
    ConversationView::Bot,
    ConversationView::Closed,
];

/// The wire name of a view (`?view=`, test ids).
pub fn view_name(view: ConversationView) -> &'static str {
    match view {
        ConversationView::Mine => "mine",
        ConversationView::Unassigned => "unassigned",
        ConversationView::Open => "open",
        ConversationView::Bot => "bot",
        ConversationView::Closed => "closed",
    }
}

pub fn view_label(view: ConversationView) -> &'static str {
    match view {
        ConversationView::Mine => "Me",
        ConversationView::Unassigned => "Unassigned",
        ConversationView::Open => "Open",
        ConversationView::Bot => "Bot",
        ConversationView::Closed => "Closed",
    }
}

/// A narrowing of one view's list, fetched as `GET /v1/conversations?view=&tag=&q=&bot_id=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListFilter {
    pub view: ConversationView,
    /// Only conversations carrying this tag (exact, trimmed).
    pub tag: Option<String>,
    /// Only conversations whose user's name, e-mail or any message contains this (trimmed;
    /// empty: no text search).
    pub q: String,
    /// Only conversations this bot took part in (holds it, or wrote in it).
    pub bot_id: Option<BotId>,
}

impl ListFilter {
    /// The filter for `view` with an optional tag and search text; `None` when nothing filters.
    #[cfg(test)]
    pub fn new(view: ConversationView, tag: Option<&str>, q: &str) -> Option<ListFilter> {
        Self::with_bot(view, tag, q, None)
    }

    /// The filter for `view` with an optional tag, search text and bot; `None` when nothing
    /// filters.
    pub fn with_bot(
        view: ConversationView,
        tag: Option<&str>,
        q: &str,
        bot_id: Option<BotId>,
    ) -> Option<ListFilter> {
        let tag = tag
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        let q = q.trim().to_owned();
        (tag.is_some() || !q.is_empty() || bot_id.is_some()).then_some(ListFilter {
            view,
            tag,
            q,
            bot_id,
        })
    }

    /// The query string of the list request (without the `?`).
    pub fn query(&self, limit: u32) -> String {
        let mut query = format!("view={}&limit={limit}", view_name(self.view));
        if let Some(tag) = &self.tag {
            query.push_str("&tag=");
            query.push_str(&percent_encode(tag));
        }
        if !self.q.is_empty() {
            query.push_str("&q=");
            query.push_str(&percent_encode(&self.q));
        }
        if let Some(bot) = &self.bot_id {
            query.push_str("&bot_id=");
            query.push_str(&percent_encode(bot.as_str()));
        }
        query
    }

    /// What can be told locally (the gateway also matches message texts and knows which bots
    /// wrote where): the view, the tag, and for a conversation not yet among the results, the
    /// user's name or e-mail and whether the bot holds it.
    pub(super) fn admits(&self, c: &Conversation, me: Option<&Agent>, already_in: bool) -> bool {
        in_view(c, self.view, me)
            && self
                .tag
                .as_ref()
                .is_none_or(|tag| c.tags.iter().any(|t| t.trim() == tag))
            && (self.q.is_empty() || already_in || user_matches(&c.user, &self.q))
            && self
                .bot_id
                .as_ref()
                .is_none_or(|bot| already_in || held_by_bot(c, bot))
    }
}

/// Whether `bot` holds the conversation.
fn held_by_bot(c: &Conversation, bot: &BotId) -> bool {
    c.assignee
        .as_ref()
        .is_some_and(|a| a.kind == HolderKind::Bot && a.id == bot.as_str())
}

/// Whether the user's name or e-mail contains `q`, ignoring case.
fn user_matches(user: &ConversationUser, q: &str) -> bool {
    let q = q.to_lowercase();
    [&user.name, &user.email]
        .into_iter()
        .flatten()
        .any(|v| v.to_lowercase().contains(&q))
}

/// Whether `conversation` belongs in `view` for `me` (mirrors the gateway's list queries;
/// visibility itself is the gateway's business: we only ever hear of what we may see).
pub fn in_view(conversation: &Conversation, view: ConversationView, me: Option<&Agent>) -> bool {
    if !visible(conversation, me) {
        return false;
    }
    let status = conversation.status;
    match view {
        ConversationView::Mine => {
            status == ConversationStatus::Assigned && held_by_me(conversation, me)
        }
        ConversationView::Unassigned => status == ConversationStatus::Queued,
        ConversationView::Open => status != ConversationStatus::Resolved,
        ConversationView::Bot => status == ConversationStatus::Bot,
        ConversationView::Closed => status == ConversationStatus::Resolved,
    }
}

/// Whether the agent may still see it (the gateway's rule): admins see all, an agent its
/// groups' conversations and those it holds. An update can take one out of sight, e.g. a
/// transfer to another group: it then leaves every list.
pub fn visible(conversation: &Conversation, me: Option<&Agent>) -> bool {
    match me {
        Some(me) => {
            me.role.is_admin()
                || me.group_ids.contains(&conversation.group_id)
                || held_by_me(conversation, Some(me))
        }
        None => true,
    }
}

pub fn held_by_me(conversation: &Conversation, me: Option<&Agent>) -> bool {
    match (&conversation.assignee, me) {
        (Some(assignee), Some(me)) => {
            assignee.kind == HolderKind::Agent && assignee.id == me.id.as_str()
        }
        _ => false,
    }
}

/// Whether a queue concerns me: my groups', or every group for an admin who is in none (an
/// owner who set up the tenant still hears of waiting users).
pub(super) fn in_my_groups(group: &GroupId, me: Option<&Agent>) -> bool {
    me.is_some_and(|me| {
        me.group_ids.contains(group) || (me.group_ids.is_empty() && me.role.is_admin())
    })
}

/// Unassigned: oldest in the queue first. Everything else: most recently updated first.
pub(super) fn sorts_before(a: &Conversation, b: &Conversation, view: ConversationView) -> bool {
    match view {
        ConversationView::Unassigned => {
            (&a.queued_at, &a.created_at, &a.id) < (&b.queued_at, &b.created_at, &b.id)
        }
        _ => (&a.updated_at, &a.id) > (&b.updated_at, &b.id),
    }
}

/// The name to show for a conversation: the user's name, else e-mail, else a short id.
pub fn display_name(conversation: &Conversation) -> String {
    let user = &conversation.user;
    user.name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| user.email.clone().filter(|e| !e.trim().is_empty()))
        .unwrap_or_else(|| {
            let id = user.id.as_str();
            format!("Visitor {}", &id[id.len().saturating_sub(6)..])
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::*;

    #[test]
    fn display_name_falls_back() {
        let mut c = queued("c1", T1);
        c.user.name = None;
        assert_eq!(display_name(&c), "Visitor 456789");
        c.user.email = Some("x@y.z".into());
        assert_eq!(display_name(&c), "x@y.z");
    }

    #[test]
    fn a_filter_needs_a_tag_or_text_and_builds_its_query() {
        assert_eq!(ListFilter::new(ConversationView::Open, None, "  "), None);
        assert_eq!(ListFilter::new(ConversationView::Open, Some(" "), ""), None);
        let f = ListFilter::new(ConversationView::Closed, Some(" vip "), " a&b ü").unwrap();
        assert_eq!(f.tag.as_deref(), Some("vip"));
        assert_eq!(
            f.query(200),
            "view=closed&limit=200&tag=vip&q=a%26b%20%C3%BC"
        );
        let f = ListFilter::with_bot(ConversationView::Bot, None, "", Some(BotId::from("b 1")))
            .unwrap();
        assert_eq!(f.query(200), "view=bot&limit=200&bot_id=b%201");
    }

    #[test]
    fn a_bot_filter_admits_what_the_bot_holds_and_keeps_what_the_gateway_listed() {
        let f = ListFilter::with_bot(ConversationView::Open, None, "", Some(BotId::from("b1")))
            .unwrap();
        let mut held = conv("c1", ConversationStatus::Bot, T1);
        held.assignee = Some(switchboard_protocol::Assignee {
            kind: HolderKind::Bot,
            id: "b1".into(),
            name: "Helper".into(),
        });
        let me = me();
        assert!(f.admits(&held, Some(&me), false));
        let other = queued("c2", T1);
        assert!(
            !f.admits(&other, Some(&me), false),
            "unknown: the gateway decides"
        );
        assert!(
            f.admits(&other, Some(&me), true),
            "handed over by the bot: stays"
        );
    }
}
