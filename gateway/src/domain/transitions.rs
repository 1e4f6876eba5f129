//! The conversation state machine, as pure functions of the current state.
//!
//! Each function is the `decide` step of one change: it checks that the transition is allowed
//! from the state the store just read (inside the write transaction) and returns the next state
//! and the messages to append. Every status change appends a `system` message, so a
//! conversation's history tells the whole story.

use crate::error::{Error, Result};
use crate::principal::AgentPrincipal;
use crate::store::{AgentRecord, BotRecord, ConversationState, Decision, GroupRecord, NewMessage};
use switchboard_protocol::{
    Assignee, Author, AuthorKind, ConversationStatus as Status, HolderKind, ReplyPolicy, Timestamp,
};

/// A system message; `private` ones are for agents only.
pub fn system(text: impl Into<String>, private: bool) -> NewMessage {
    NewMessage {
        author: Author {
            kind: AuthorKind::System,
            id: String::new(),
            name: "System".to_owned(),
        },
        text: text.into(),
        private,
        client_msg_id: None,
        attachments: Vec::new(),
    }
}

fn holder_name(state: &ConversationState) -> String {
    state
        .conversation
        .assignee
        .as_ref()
        .map(|a| a.name.clone())
        .unwrap_or_default()
}

fn agent_assignee(id: &str, name: &str) -> Assignee {
    Assignee {
        kind: HolderKind::Agent,
        id: id.to_owned(),
        name: name.to_owned(),
    }
}

/// The next state with a new status and holder.
fn with_holder(
    state: &ConversationState,
    status: Status,
    assignee: Option<Assignee>,
) -> ConversationState {
    let mut next = state.clone();
    next.conversation.status = status;
    if let Some(a) = assignee.as_ref().filter(|a| a.kind == HolderKind::Agent) {
        next.last_agent_id = Some(a.id.clone().into());
    }
    next.conversation.assignee = assignee;
    if status != Status::Resolved {
        next.conversation.resolved_at = None;
    }
    next
}

fn reject_resolved(state: &ConversationState) -> Result<()> {
    if state.status() == Status::Resolved {
        return Err(Error::conflict("the conversation is resolved"));
    }
    Ok(())
}

/// A user or bot asks for a human: `bot` → `queued` in `group`.
pub fn handover(
    state: &ConversationState,
    group: &GroupRecord,
    reason: Option<&str>,
    now: &Timestamp,
) -> Result<Decision> {
    match state.status() {
        Status::Bot => {}
        Status::Queued | Status::Assigned => {
            return Err(Error::conflict(
                "the conversation is already with the human team",
            ));
        }
        Status::Resolved => return Err(Error::conflict("the conversation is resolved")),
    }
    let mut next = with_holder(state, Status::Queued, None);
    next.conversation.group_id = group.id.clone();
    next.conversation.queued_at = Some(now.clone());
    let mut messages = vec![system("You are being transferred to an agent", false)];
    if let Some(reason) = reason.filter(|r| !r.trim().is_empty()) {
        messages.push(system(format!("Handover reason: {reason}"), true));
    }
    Ok(Decision {
        next: Some(next),
        messages,
    })
}

/// An agent takes a queued conversation.
pub fn accept(state: &ConversationState, agent: &AgentPrincipal) -> Result<Decision> {
    match state.status() {
        Status::Queued => {}
        Status::Assigned if state.holder(HolderKind::Agent) == Some(agent.id.as_str()) => {
            return Ok(Decision::unchanged());
        }
        Status::Assigned | Status::Bot => {
            return Err(Error::conflict(format!(
                "{} holds this conversation",
                holder_name(state)
            )));
        }
        Status::Resolved => return Err(Error::conflict("the conversation is resolved")),
    }
    Ok(take_from_queue(state, agent.id.as_str(), &agent.name))
}

/// Auto-assignment gives the oldest queued conversation to an agent; `None` if it is no
/// longer queued.
pub fn auto_assign(
    state: &ConversationState,
    agent_id: &str,
    agent_name: &str,
) -> Option<Decision> {
    (state.status() == Status::Queued).then(|| take_from_queue(state, agent_id, agent_name))
}

fn take_from_queue(state: &ConversationState, agent_id: &str, agent_name: &str) -> Decision {
    let next = with_holder(
        state,
        Status::Assigned,
        Some(agent_assignee(agent_id, agent_name)),
    );
    Decision {
        next: Some(next),
        messages: vec![system(format!("{agent_name} joined"), false)],
    }
}

/// The holding bot failed the user (not connected, or silent too long): to the human queue,
/// telling the user why. Only while that bot still holds the conversation and, when
/// `unanswered_seq` is given, nothing was written since that user message.
pub fn bot_failed(
    state: &ConversationState,
    bot_id: &str,
    unanswered_seq: Option<u64>,
    why: &str,
    now: &Timestamp,
) -> Decision {
    let still_held = state.status() == Status::Bot && state.holder(HolderKind::Bot) == Some(bot_id);
    let still_unanswered = unanswered_seq.is_none_or(|seq| state.conversation.last_seq == seq);
    if !still_held || !still_unanswered {
        return Decision::unchanged();
    }
    let mut next = with_holder(state, Status::Queued, None);
    next.conversation.queued_at = Some(now.clone());
    Decision {
        next: Some(next),
        messages: vec![
            system(why, false),
            system("You are being transferred to an agent", false),
        ],
    }
}

/// Someone gives the conversation to an agent (who must be able to see its group).
pub fn assign_to_agent(
    state: &ConversationState,
    target: &AgentRecord,
    by: &AgentPrincipal,
) -> Result<Decision> {
    reject_resolved(state)?;
    if state.holder(HolderKind::Agent) == Some(target.id.as_str()) {
        return Ok(Decision::unchanged());
    }
    if !target.role.is_admin() && !target.group_ids.contains(&state.conversation.group_id) {
        return Err(Error::forbidden(format!(
            "{} is not a member of the conversation's group",
            target.full_name
        )));
    }
    let next = with_holder(
        state,
        Status::Assigned,
        Some(agent_assignee(target.id.as_str(), &target.full_name)),
    );
    let held_by_another = state.holder(HolderKind::Agent).is_some();
    let mut messages = vec![if held_by_another {
        system(
            format!("You are being transferred to {}", target.full_name),
            false,
        )
    } else {
        system(format!("{} joined", target.full_name), false)
    }];
    if by.id != target.id {
        messages.push(system(
            format!(
                "{} assigned the conversation to {}",
                by.name, target.full_name
            ),
            true,
        ));
    }
    Ok(Decision {
        next: Some(next),
        messages,
    })
}

/// Someone gives the conversation (back) to a bot.
pub fn assign_to_bot(state: &ConversationState, bot: &BotRecord) -> Result<Decision> {
    reject_resolved(state)?;
    if state.holder(HolderKind::Bot) == Some(bot.id.as_str()) {
        return Ok(Decision::unchanged());
    }
    let assignee = Assignee {
        kind: HolderKind::Bot,
        id: bot.id.0.clone(),
        name: bot.name.clone(),
    };
    let next = with_holder(state, Status::Bot, Some(assignee));
    Ok(Decision {
        next: Some(next),
        messages: vec![system(format!("{} joined", bot.name), false)],
    })
}

/// To another group's queue, at its end.
pub fn transfer(
    state: &ConversationState,
    group: &GroupRecord,
    now: &Timestamp,
) -> Result<Decision> {
    reject_resolved(state)?;
    let mut next = with_holder(state, Status::Queued, None);
    next.conversation.group_id = group.id.clone();
    next.conversation.queued_at = Some(now.clone());
    Ok(Decision {
        next: Some(next),
        messages: vec![system(
            format!("You are being transferred to {}", group.name),
            false,
        )],
    })
}

/// Back to its group's queue, keeping its original place.
pub fn unassign(state: &ConversationState, now: &Timestamp) -> Result<Decision> {
    if state.status() != Status::Assigned {
        return Err(Error::conflict(
            "the conversation is not assigned to an agent",
        ));
    }
    let mut next = with_holder(state, Status::Queued, None);
    if next.conversation.queued_at.is_none() {
        next.conversation.queued_at = Some(now.clone());
    }
    Ok(Decision {
        next: Some(next),
        messages: vec![system(
            format!("{} left the conversation", holder_name(state)),
            false,
        )],
    })
}

pub fn resolve(state: &ConversationState, now: &Timestamp) -> Result<Decision> {
    reject_resolved(state)?;
    let mut next = with_holder(state, Status::Resolved, None);
    next.conversation.resolved_at = Some(now.clone());
    Ok(Decision {
        next: Some(next),
        messages: vec![system("Resolved", false)],
    })
}

/// An agent reopens a resolved conversation (`conversation.reopen`) and takes it: `resolved` →
/// `assigned` to that agent, with a public notice. Capacity is not checked: reopening for
/// oneself is the agent's explicit choice.
pub fn reopen_by_agent(
    state: &ConversationState,
    agent_id: &str,
    agent_name: &str,
) -> Result<Decision> {
    if state.status() != Status::Resolved {
        return Err(Error::conflict("the conversation is not resolved"));
    }
    let next = with_holder(
        state,
        Status::Assigned,
        Some(agent_assignee(agent_id, agent_name)),
    );
    Ok(Decision {
        next: Some(next),
        messages: vec![system(format!("Reopened by {agent_name}"), false)],
    })
}

/// Where a reopened conversation goes (chosen by routing before the change).
#[derive(Clone, Debug)]
pub enum Reopen {
    /// Back to the agent who had it.
    ToAgent { id: String, name: String },
    /// To the entry bot.
    ToBot(BotRecord),
    /// To its group's queue.
    ToQueue,
}

/// A user writes: into a resolved conversation, the message reopens it to `reopen`.
pub fn user_message(
    state: &ConversationState,
    message: NewMessage,
    reopen: &Reopen,
    now: &Timestamp,
) -> Decision {
    if state.status() != Status::Resolved {
        return Decision {
            next: None,
            messages: vec![message],
        };
    }
    let notice = match reopen {
        Reopen::ToAgent { name, .. } => format!("Reopened; {name} joined"),
        Reopen::ToBot(_) | Reopen::ToQueue => "Reopened".to_owned(),
    };
    let messages = vec![message, system(notice, false)];
    let next = match reopen {
        Reopen::ToAgent { id, name } => {
            with_holder(state, Status::Assigned, Some(agent_assignee(id, name)))
        }
        Reopen::ToBot(bot) => {
            let assignee = Assignee {
                kind: HolderKind::Bot,
                id: bot.id.0.clone(),
                name: bot.name.clone(),
            };
            with_holder(state, Status::Bot, Some(assignee))
        }
        Reopen::ToQueue => {
            let mut next = with_holder(state, Status::Queued, None);
            next.conversation.queued_at = Some(now.clone());
            next
        }
    };
    Decision {
        next: Some(next),
        messages,
    }
}

/// A bot may write only into conversations it holds.
pub fn bot_message(
    state: &ConversationState,
    bot_id: &str,
    message: NewMessage,
) -> Result<Decision> {
    if state.holder(HolderKind::Bot) != Some(bot_id) {
        return Err(Error::NotAssignee);
    }
    Ok(Decision {
        next: None,
        messages: vec![message],
    })
}

/// An agent writes. Private notes are always allowed; replies follow the reply policy.
pub fn agent_message(
    state: &ConversationState,
    agent: &AgentPrincipal,
    message: NewMessage,
    policy: ReplyPolicy,
) -> Result<Decision> {
    if message.private || state.holder(HolderKind::Agent) == Some(agent.id.as_str()) {
        return Ok(Decision {
            next: None,
            messages: vec![message],
        });
    }
    reject_resolved(state)?;
    match (policy, state.status()) {
        (ReplyPolicy::ReplyAssigns, Status::Queued | Status::Bot) => {
            let next = with_holder(
                state,
                Status::Assigned,
                Some(agent_assignee(agent.id.as_str(), &agent.name)),
            );
            Ok(Decision {
                next: Some(next),
                messages: vec![system(format!("{} joined", agent.name), false), message],
            })
        }
        _ => Err(Error::NotAssignee),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::{Conversation, ConversationUser, Role};

    fn now() -> Timestamp {
        Timestamp("2026-11-21T10:00:00.000Z".into())
    }

    fn state(status: Status, assignee: Option<Assignee>) -> ConversationState {
        ConversationState {
            conversation: Conversation {
                id: "c1".into(),
                status,
                group_id: "g1".into(),
                assignee,
                user: ConversationUser {
                    id: "u1".into(),
                    name: None,
                    email: None,
                    phone: None,
                    address: None,
                },
                tags: vec![],
                last_seq: 3,
                created_at: now(),
                updated_at: now(),
                queued_at: Some(Timestamp("2026-11-21T09:00:00.000Z".into())),
                resolved_at: None,
            },
            last_agent_id: None,
        }
    }

    fn alice() -> AgentPrincipal {
        AgentPrincipal {
            tenant: "t1".into(),
            id: "a1".into(),
            name: "Alice".into(),
            role: Role::Agent,
            group_ids: vec!["g1".into()],
        }
    }

    fn held_by_alice() -> Option<Assignee> {
        Some(agent_assignee("a1", "Alice"))
    }

    fn bot_holder() -> Option<Assignee> {
        Some(Assignee {
            kind: HolderKind::Bot,
            id: "b1".into(),
            name: "Bot".into(),
        })
    }

    fn group(id: &str) -> GroupRecord {
        GroupRecord {
            id: id.into(),
            name: "Billing".into(),
            assignment: switchboard_protocol::Assignment::Manual,
            member_ids: vec![],
            business_hours: None,
        }
    }

    fn text(t: &str) -> NewMessage {
        NewMessage {
            author: Author {
                kind: AuthorKind::Agent,
                id: "a1".into(),
                name: "Alice".into(),
            },
            text: t.into(),
            private: false,
            client_msg_id: None,
            attachments: Vec::new(),
        }
    }

    #[test]
    fn handover_moves_a_bot_conversation_to_the_queue_with_a_public_notice() {
        let decision = handover(
            &state(Status::Bot, bot_holder()),
            &group("g2"),
            Some("asked for a person"),
            &now(),
        )
        .expect("allowed");
        let next = decision.next.expect("changes");
        assert_eq!(next.conversation.status, Status::Queued);
        assert_eq!(next.conversation.group_id.as_str(), "g2");
        assert!(next.conversation.assignee.is_none());
        assert_eq!(decision.messages.len(), 2);
        assert!(!decision.messages[0].private && decision.messages[1].private);
    }

    #[test]
    fn handover_of_a_queued_conversation_is_a_conflict() {
        let err = handover(&state(Status::Queued, None), &group("g1"), None, &now()).unwrap_err();
        assert!(matches!(err, Error::Conflict(_)));
    }

    #[test]
    fn accept_takes_a_queued_conversation_and_remembers_the_agent() {
        let next = accept(&state(Status::Queued, None), &alice())
            .expect("allowed")
            .next
            .expect("changes");
        assert_eq!(next.conversation.status, Status::Assigned);
        assert_eq!(next.last_agent_id.as_ref().map(|a| a.as_str()), Some("a1"));
    }

    #[test]
    fn accept_of_a_conversation_someone_else_holds_is_a_conflict() {
        let other = Some(agent_assignee("a2", "Bob"));
        assert!(matches!(
            accept(&state(Status::Assigned, other), &alice()),
            Err(Error::Conflict(_))
        ));
        assert!(matches!(
            accept(&state(Status::Bot, bot_holder()), &alice()),
            Err(Error::Conflict(_))
        ));
        assert!(
            accept(&state(Status::Assigned, held_by_alice()), &alice())
                .expect("own")
                .next
                .is_none()
        );
    }

    #[test]
    fn unassign_keeps_the_original_queue_place_and_transfer_goes_to_the_end() {
        let held = state(Status::Assigned, held_by_alice());
        let unassigned = unassign(&held, &now())
            .expect("allowed")
            .next
            .expect("changes");
        assert_eq!(
            unassigned.conversation.queued_at,
            held.conversation.queued_at
        );
        let transferred = transfer(&held, &group("g2"), &now())
            .expect("allowed")
            .next
            .expect("changes");
        assert_eq!(transferred.conversation.queued_at, Some(now()));
    }

    #[test]
    fn a_user_message_reopens_a_resolved_conversation() {
        let resolved = resolve(&state(Status::Assigned, held_by_alice()), &now())
            .expect("allowed")
            .next
            .expect("changes");
        assert!(matches!(
            resolve(&resolved, &now()),
            Err(Error::Conflict(_))
        ));
        let decision = user_message(&resolved, text("hello again"), &Reopen::ToQueue, &now());
        assert_eq!(
            decision.next.expect("reopens").conversation.status,
            Status::Queued
        );
        assert_eq!(decision.messages.len(), 2);
    }

    #[test]
    fn an_agent_reopens_only_a_resolved_conversation_and_takes_it() {
        let mut resolved = resolve(&state(Status::Assigned, held_by_alice()), &now())
            .expect("allowed")
            .next
            .expect("changes");
        assert!(resolved.conversation.resolved_at.is_some());
        resolved.last_agent_id = None;
        let decision = reopen_by_agent(&resolved, "a2", "Bob").expect("allowed");
        let next = decision.next.expect("changes");
        assert_eq!(next.conversation.status, Status::Assigned);
        assert_eq!(
            next.conversation.assignee,
            Some(agent_assignee("a2", "Bob"))
        );
        assert_eq!(next.conversation.resolved_at, None);
        assert_eq!(next.last_agent_id.as_ref().map(|a| a.as_str()), Some("a2"));
        assert_eq!(decision.messages.len(), 1);
        assert_eq!(decision.messages[0].text, "Reopened by Bob");
        assert_eq!(decision.messages[0].author.kind, AuthorKind::System);
        assert!(!decision.messages[0].private);
        for open in [
            state(Status::Queued, None),
            state(Status::Assigned, held_by_alice()),
            state(Status::Bot, bot_holder()),
        ] {
            match reopen_by_agent(&open, "a1", "Alice") {
                Err(Error::Conflict(why)) => assert_eq!(why, "the conversation is not resolved"),
                other => panic!("expected a conflict, got {other:?}"),
            }
        }
    }

    #[test]
    fn reply_policy_decides_whether_a_non_holder_may_reply() {
        let queued = state(Status::Queued, None);
        assert!(matches!(
            agent_message(&queued, &alice(), text("hi"), ReplyPolicy::AcceptFirst),
            Err(Error::NotAssignee)
        ));
        let mut note = text("note");
        note.private = true;
        assert!(agent_message(&queued, &alice(), note, ReplyPolicy::AcceptFirst).is_ok());
        let taken = agent_message(
            &state(Status::Bot, bot_holder()),
            &alice(),
            text("hi"),
            ReplyPolicy::ReplyAssigns,
        )
        .expect("assigns");
        let next = taken.next.expect("changes");
        assert_eq!(
            next.conversation.assignee.expect("held").kind,
            HolderKind::Agent
        );
        let other = state(Status::Assigned, Some(agent_assignee("a2", "Bob")));
        assert!(matches!(
            agent_message(&other, &alice(), text("hi"), ReplyPolicy::ReplyAssigns),
            Err(Error::NotAssignee)
        ));
    }

    #[test]
    fn a_bot_may_only_write_into_conversations_it_holds() {
        let queued = state(Status::Queued, None);
        assert!(matches!(
            bot_message(&queued, "b1", text("hi")),
            Err(Error::NotAssignee)
        ));
        assert!(bot_message(&state(Status::Bot, bot_holder()), "b1", text("hi")).is_ok());
    }
}

#[cfg(test)]
mod routing_tests {
    use super::*;
    use switchboard_protocol::{Conversation, ConversationUser};

    fn state(status: Status, assignee: Option<Assignee>, last_seq: u64) -> ConversationState {
        let now = Timestamp("2026-11-21T10:00:00.000Z".into());
        ConversationState {
            conversation: Conversation {
                id: "c1".into(),
                status,
                group_id: "g1".into(),
                assignee,
                user: ConversationUser {
                    id: "u1".into(),
                    name: None,
                    email: None,
                    phone: None,
                    address: None,
                },
                tags: vec![],
                last_seq,
                created_at: now.clone(),
                updated_at: now,
                queued_at: None,
                resolved_at: None,
            },
            last_agent_id: Some("a1".into()),
        }
    }

    fn bot() -> Option<Assignee> {
        Some(Assignee {
            kind: HolderKind::Bot,
            id: "b1".into(),
            name: "Bot".into(),
        })
    }

    #[test]
    fn a_bot_that_answered_keeps_the_conversation() {
        let now = Timestamp("2026-11-21T10:00:30.000Z".into());
        let answered = bot_failed(
            &state(Status::Bot, bot(), 5),
            "b1",
            Some(4),
            "The assistant did not answer",
            &now,
        );
        assert!(answered.next.is_none());
        let silent = bot_failed(
            &state(Status::Bot, bot(), 4),
            "b1",
            Some(4),
            "The assistant did not answer",
            &now,
        );
        let next = silent.next.expect("handed over");
        assert_eq!(next.conversation.status, Status::Queued);
        assert!(silent.messages.iter().all(|m| !m.private));
        assert!(
            bot_failed(&state(Status::Queued, None, 4), "b1", None, "x", &now)
                .next
                .is_none()
        );
    }

    #[test]
    fn a_reopened_conversation_goes_where_routing_says() {
        let now = Timestamp("2026-11-21T10:00:30.000Z".into());
        let resolved = state(Status::Resolved, None, 4);
        let text = NewMessage {
            author: Author {
                kind: AuthorKind::User,
                id: "u1".into(),
                name: String::new(),
            },
            text: "again".into(),
            private: false,
            client_msg_id: None,
            attachments: Vec::new(),
        };
        let to_agent = user_message(
            &resolved,
            text.clone(),
            &Reopen::ToAgent {
                id: "a1".into(),
                name: "Alice".into(),
            },
            &now,
        );
        assert_eq!(
            to_agent.next.expect("reopens").conversation.status,
            Status::Assigned
        );
        let to_bot = user_message(
            &resolved,
            text.clone(),
            &Reopen::ToBot(BotRecord {
                id: "b1".into(),
                name: "Bot".into(),
                group_ids: Vec::new(),
            }),
            &now,
        );
        assert_eq!(
            to_bot.next.expect("reopens").conversation.status,
            Status::Bot
        );
        let to_queue = user_message(&resolved, text, &Reopen::ToQueue, &now);
        assert_eq!(
            to_queue.next.expect("reopens").conversation.queued_at,
            Some(now)
        );
    }
}
