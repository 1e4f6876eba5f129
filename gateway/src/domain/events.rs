//! Who receives what, and publishing.
//!
//! An event is serialized once and published on the topics whose subscribers make up its
//! audience (contract section 3, "sent to"):
//! - `message.created`: explicit subscribers, the holder (agent or bot), the user unless private;
//! - `conversation.updated`: the same plus the old holder, the group's members (old and new
//!   group) and the admins;
//! - `typing`, `read`: like a public message, minus the author's own sockets.
//! - `conversation.activity` (an addition): for every new message, the agents who may see the
//!   conversation (its group's members, the admins, its holding agent), never users or bots.

use super::Desk;
use crate::bus::{Control, ConversationMark, Envelope, Payload};
use crate::principal::PrincipalKey;
use crate::store::{ConversationState, Outcome};
use crate::topics::Topic;
use std::sync::Arc;
use switchboard_protocol::{
    ACTIVITY_PREVIEW_CHARS, ConversationActivity, ConversationUpdated, HolderKind, Message,
    MessageCreated, ServerFrame, TenantId,
};

/// The holder's own topic.
fn holder_topic(tenant: &TenantId, state: &ConversationState) -> Option<Topic> {
    let assignee = state.conversation.assignee.as_ref()?;
    Some(match assignee.kind {
        HolderKind::Agent => Topic::agent(tenant, &assignee.id.as_str().into()),
        HolderKind::Bot => Topic::bot(tenant, &assignee.id.as_str().into()),
    })
}

fn push_unique(topics: &mut Vec<Topic>, topic: Topic) {
    if !topics.contains(&topic) {
        topics.push(topic);
    }
}

/// The participants of a conversation: subscribers, holder and (for public events) the user.
pub(crate) fn participant_topics(
    tenant: &TenantId,
    state: &ConversationState,
    include_user: bool,
) -> Vec<Topic> {
    let mut topics = vec![Topic::conversation(tenant, &state.conversation.id)];
    if let Some(holder) = holder_topic(tenant, state) {
        topics.push(holder);
    }
    if include_user {
        topics.push(Topic::user(tenant, &state.conversation.user.id));
    }
    topics
}

/// Everyone who may see the conversation before or after a change.
fn audience_topics(
    tenant: &TenantId,
    before: Option<&ConversationState>,
    after: &ConversationState,
) -> Vec<Topic> {
    let mut topics = participant_topics(tenant, after, true);
    if let Some(old_holder) = before.and_then(|b| holder_topic(tenant, b)) {
        push_unique(&mut topics, old_holder);
    }
    push_unique(
        &mut topics,
        Topic::group(tenant, &after.conversation.group_id),
    );
    if let Some(before) = before {
        push_unique(
            &mut topics,
            Topic::group(tenant, &before.conversation.group_id),
        );
    }
    topics.push(Topic::admins(tenant));
    topics
}

/// The agents who may see the conversation, for `conversation.activity`: its group's members,
/// the owners and admins, and its holder when that is an agent (who may be outside the group).
/// Users and bots are on none of these topics.
fn activity_topics(tenant: &TenantId, state: &ConversationState) -> Vec<Topic> {
    let mut topics = vec![
        Topic::group(tenant, &state.conversation.group_id),
        Topic::admins(tenant),
    ];
    let assignee = state.conversation.assignee.as_ref();
    if let Some(agent) = assignee.filter(|a| a.kind == HolderKind::Agent) {
        push_unique(&mut topics, Topic::agent(tenant, &agent.id.as_str().into()));
    }
    topics
}

/// The `conversation.activity` for one new message of the conversation in `state`.
fn activity(state: &ConversationState, message: &Message) -> ServerFrame {
    ServerFrame::ConversationActivity(ConversationActivity {
        conversation_id: message.conversation_id.clone(),
        group_id: state.conversation.group_id.clone(),
        last_seq: message.seq,
        preview: message.text.chars().take(ACTIVITY_PREVIEW_CHARS).collect(),
        author: message.author.clone(),
        private: message.private,
        at: message.created_at.clone(),
    })
}

/// Who receives an event (see the module comment).
pub(crate) struct Audience {
    pub topics: Vec<Topic>,
    /// The author of `typing` and `read`, whose own sockets are skipped.
    pub exclude: Option<PrincipalKey>,
    pub hidden_from_users: bool,
    pub mark: Option<ConversationMark>,
}

impl Audience {
    pub fn to(topics: Vec<Topic>) -> Self {
        Audience {
            topics,
            exclude: None,
            hidden_from_users: false,
            mark: None,
        }
    }
}

impl Desk {
    /// Publishes what a committed change means to its audience: the conversation's new state if
    /// it changed, then each appended message in `seq` order.
    pub(crate) async fn publish_outcome(&self, tenant: &TenantId, outcome: &Outcome) {
        if outcome.state_changed {
            let frame = ServerFrame::ConversationUpdated(ConversationUpdated {
                conversation: outcome.after.conversation.clone(),
            });
            let mut audience = Audience::to(audience_topics(
                tenant,
                outcome.before.as_ref(),
                &outcome.after,
            ));
            audience.mark = Some(ConversationMark {
                conversation_id: outcome.after.conversation.id.clone(),
                seq: None,
            });
            self.publish_frame(audience, &frame).await;
        }
        for message in &outcome.messages {
            let frame = ServerFrame::MessageCreated(MessageCreated {
                message: message.clone(),
            });
            let mut audience =
                Audience::to(participant_topics(tenant, &outcome.after, !message.private));
            audience.hidden_from_users = message.private;
            audience.mark = Some(ConversationMark {
                conversation_id: message.conversation_id.clone(),
                seq: Some(message.seq),
            });
            self.publish_frame(audience, &frame).await;
            // Desks keep list previews and unread counts live without subscribing. No mark on
            // it: it must not count as the socket having received the message itself.
            let mut audience = Audience::to(activity_topics(tenant, &outcome.after));
            audience.hidden_from_users = true;
            self.publish_frame(audience, &activity(&outcome.after, message))
                .await;
        }
    }

    /// Serializes `frame` once and publishes it. A failed publish is logged, never returned:
    /// what was committed stays committed, and clients recover it with `after_seq`.
    pub(crate) async fn publish_frame(&self, audience: Audience, frame: &ServerFrame) {
        let bytes = match serde_json::to_string(frame) {
            Ok(text) => text,
            Err(err) => {
                tracing::error!(error = %err, "serializing an event");
                return;
            }
        };
        let envelope = Envelope {
            topics: audience.topics,
            exclude: audience.exclude,
            hidden_from_users: audience.hidden_from_users,
            mark: audience.mark,
            payload: Payload::Frame(bytes.into()),
        };
        if let Err(err) = self.hub.bus().publish(Arc::new(envelope)).await {
            tracing::error!(error = %err, "publishing an event");
        }
    }

    /// Tells every session of the principal behind `topic` to act (reload, disconnect).
    pub(crate) async fn publish_control(&self, topic: Topic, control: Control) {
        let envelope = Envelope {
            topics: vec![topic],
            exclude: None,
            hidden_from_users: false,
            mark: None,
            payload: Payload::Control(control),
        };
        if let Err(err) = self.hub.bus().publish(Arc::new(envelope)).await {
            tracing::error!(error = %err, "publishing a control message");
        }
    }
}
