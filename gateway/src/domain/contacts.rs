//! What agents keep about a conversation's end user: contact fields, notes and tags.
//!
//! Contact and tag changes publish `conversation.updated` to the conversation's whole
//! audience, so every desk showing it updates live. Notes are read on demand.

use super::Desk;
use crate::error::{Error, Result};
use crate::principal::{AgentPrincipal, Principal};
use crate::store::{
    ConversationFilter, ConversationOrder, ConversationQuery, ConversationState, Decision,
    NewUserNote, Outcome, Visibility,
};
use switchboard_protocol::desk::{CreateUserNote, PatchContact, SetTags, UserNote, UserNoteList};
use switchboard_protocol::{ConversationId, ConversationStatus, Patch, UserId};

/// Longest contact field values, in characters.
const MAX_NAME_CHARS: usize = 200;
const MAX_EMAIL_CHARS: usize = 254;
const MAX_PHONE_CHARS: usize = 50;
const MAX_ADDRESS_CHARS: usize = 1000;
/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;
/// Tags: each 1 to 50 characters (trimmed), at most 20 per conversation.
pub const MAX_TAG_CHARS: usize = 50;
pub const MAX_TAGS: usize = 20;

/// A contact field's patch, trimmed and checked; an empty value clears the field.
fn contact_field(
    field: &str,
    patch: Patch<String>,
    max: usize,
    multiline: bool,
) -> Result<Patch<String>> {
    let Patch::Set(value) = patch else {
        return Ok(patch);
    };
    let value = value.trim();
    if value.is_empty() {
        return Ok(Patch::Clear);
    }
    if value.chars().count() > max {
        return Err(Error::invalid(format!(
            "{field} must have at most {max} characters"
        )));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t')))
    {
        return Err(Error::invalid(format!(
            "{field} must not contain control characters"
        )));
    }
    Ok(Patch::Set(value.to_owned()))
}

/// Trims, checks and deduplicates tags, keeping their first order.
pub(crate) fn normalize_tags(tags: Vec<String>) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim();
        let chars = tag.chars().count();
        if chars == 0 || chars > MAX_TAG_CHARS {
            return Err(Error::invalid(format!(
                "each tag must have 1 to {MAX_TAG_CHARS} characters"
            )));
        }
        if tag.chars().any(char::is_control) {
            return Err(Error::invalid("tags must not contain control characters"));
        }
        if !out.iter().any(|t| t == tag) {
            out.push(tag.to_owned());
        }
    }
    if out.len() > MAX_TAGS {
        return Err(Error::invalid(format!(
            "a conversation has at most {MAX_TAGS} tags"
        )));
    }
    Ok(out)
}

/// Longest search text, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// The filter of `GET /v1/conversations?tag=&q=`: a tag is matched exactly (trimmed); a
/// blank `q` searches nothing.
pub fn list_filter(tag: Option<String>, q: Option<String>) -> Result<ConversationFilter> {
    let tag = match tag {
        Some(tag) => {
            let tag = tag.trim();
            let chars = tag.chars().count();
            if chars == 0 || chars > MAX_TAG_CHARS {
                return Err(Error::invalid(format!(
                    "tag must have 1 to {MAX_TAG_CHARS} characters"
                )));
            }
            Some(tag.to_owned())
        }
        None => None,
    };
    let text = q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
    if let Some(text) = &text {
        if text.chars().count() > MAX_SEARCH_CHARS {
            return Err(Error::invalid(format!(
                "q must have at most {MAX_SEARCH_CHARS} characters"
            )));
        }
        if text.contains('\0') {
            return Err(Error::invalid("q must not contain NUL characters"));
        }
    }
    Ok(ConversationFilter {
        tag,
        text,
        user_id: None,
        bot_id: None,
    })
}

impl Desk {
    /// `PATCH /v1/conversations/{id}/user`: the user's contact fields, by an agent who may see
    /// the conversation. Answers the conversation as it now is.
    pub async fn patch_contact(
        &self,
        agent: &AgentPrincipal,
        id: &ConversationId,
        patch: PatchContact,
    ) -> Result<ConversationState> {
        let principal = Principal::Agent(agent.clone());
        let before = self.visible_conversation(&principal, id).await?;
        let name = contact_field("name", patch.name, MAX_NAME_CHARS, false)?;
        let email = contact_field("email", patch.email, MAX_EMAIL_CHARS, false)?;
        if let Patch::Set(email) = &email
            && (!email.contains('@') || email.chars().any(char::is_whitespace))
        {
            return Err(Error::invalid("email is not an e-mail address"));
        }
        let phone = contact_field("phone", patch.phone, MAX_PHONE_CHARS, false)?;
        let address = contact_field("address", patch.address, MAX_ADDRESS_CHARS, true)?;
        let current = before.conversation.user.clone();
        let mut user = current.clone();
        user.name = name.apply(user.name);
        user.email = email.apply(user.email);
        user.phone = phone.apply(user.phone);
        user.address = address.apply(user.address);
        if user == current {
            return Ok(before);
        }
        self.store.update_user(&agent.tenant, &user).await?;
        let after = self
            .store
            .conversation(&agent.tenant, id)
            .await?
            .ok_or(Error::NotFound("conversation"))?;
        let outcome = Outcome {
            before: Some(before),
            after: after.clone(),
            messages: Vec::new(),
            state_changed: true,
        };
        self.publish_outcome(&agent.tenant, &outcome).await;
        Ok(after)
    }

    /// `PUT /v1/conversations/{id}/tags`.
    pub async fn set_tags(
        &self,
        agent: &AgentPrincipal,
        id: &ConversationId,
        body: SetTags,
    ) -> Result<ConversationState> {
        let principal = Principal::Agent(agent.clone());
        self.visible_conversation(&principal, id).await?;
        let tags = normalize_tags(body.tags)?;
        let decide = move |s: &ConversationState| {
            let mut next = s.clone();
            next.conversation.tags = tags.clone();
            Ok(Decision {
                next: Some(next),
                messages: Vec::new(),
            })
        };
        let outcome = self
            .store
            .modify_conversation(&agent.tenant, id, &decide)
            .await?;
        self.settle(&agent.tenant, &outcome).await;
        Ok(outcome.after)
    }

    /// Owners and admins reach every user of the tenant; an agent a user with at least one
    /// conversation it may see. Anyone else gets `not_found`, as for another tenant's user.
    async fn check_user_visible(&self, agent: &AgentPrincipal, user: &UserId) -> Result<()> {
        if self.store.user(&agent.tenant, user).await?.is_none() {
            return Err(Error::NotFound("user"));
        }
        if agent.is_admin() {
            return Ok(());
        }
        let query = ConversationQuery {
            statuses: vec![
                ConversationStatus::Bot,
                ConversationStatus::Queued,
                ConversationStatus::Assigned,
                ConversationStatus::Resolved,
            ],
            visibility: Visibility::Groups {
                group_ids: agent.group_ids.clone(),
                agent_id: agent.id.clone(),
            },
            held_by: None,
            order: ConversationOrder::RecentlyUpdatedFirst,
            limit: 1,
            filter: ConversationFilter {
                user_id: Some(user.clone()),
                ..ConversationFilter::default()
            },
        };
        if self
            .store
            .conversations(&agent.tenant, &query)
            .await?
            .is_empty()
        {
            return Err(Error::NotFound("user"));
        }
        Ok(())
    }

    /// `GET /v1/users/{user_id}/conversations`: the user's conversations this agent may see
    /// (the lists' rules), newest first; `not_found` as for notes.
    pub async fn user_conversations(
        &self,
        agent: &AgentPrincipal,
        user: &UserId,
    ) -> Result<Vec<ConversationState>> {
        self.check_user_visible(agent, user).await?;
        let query = ConversationQuery {
            statuses: vec![
                ConversationStatus::Bot,
                ConversationStatus::Queued,
                ConversationStatus::Assigned,
                ConversationStatus::Resolved,
            ],
            visibility: self.visibility(agent),
            held_by: None,
            order: ConversationOrder::NewestFirst,
            limit: super::conversations::MAX_LIST,
            filter: ConversationFilter {
                user_id: Some(user.clone()),
                ..ConversationFilter::default()
            },
        };
        self.store.conversations(&agent.tenant, &query).await
    }

    /// `GET /v1/users/{user_id}/notes`, oldest first.
    pub async fn user_notes(&self, agent: &AgentPrincipal, user: &UserId) -> Result<UserNoteList> {
        self.check_user_visible(agent, user).await?;
        Ok(UserNoteList {
            notes: self.store.user_notes(&agent.tenant, user).await?,
        })
    }

    /// `POST /v1/users/{user_id}/notes`.
    pub async fn add_user_note(
        &self,
        agent: &AgentPrincipal,
        user: &UserId,
        body: CreateUserNote,
    ) -> Result<UserNote> {
        self.check_user_visible(agent, user).await?;
        let text = body.text.trim();
        let chars = text.chars().count();
        if chars == 0 || chars > MAX_NOTE_CHARS {
            return Err(Error::invalid(format!(
                "text must have 1 to {MAX_NOTE_CHARS} characters"
            )));
        }
        if text.contains('\0') {
            return Err(Error::invalid("text must not contain NUL characters"));
        }
        self.store
            .insert_user_note(
                &agent.tenant,
                NewUserNote {
                    user_id: user.clone(),
                    author_id: agent.id.clone(),
                    author_name: agent.name.clone(),
                    text: text.to_owned(),
                },
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_deduplicated_and_bounded() {
        let tags = normalize_tags(vec![" vip ".into(), "vip".into(), "billing".into()]).unwrap();
        assert_eq!(tags, vec!["vip".to_owned(), "billing".to_owned()]);
        assert!(normalize_tags(vec!["  ".into()]).is_err());
        assert!(normalize_tags(vec!["x".repeat(51)]).is_err());
        assert!(normalize_tags((0..21).map(|i| format!("t{i}")).collect()).is_err());
        assert!(normalize_tags((0..20).map(|i| format!("t{i}")).collect()).is_ok());
    }

    #[test]
    fn empty_contact_values_clear() {
        let patch = contact_field("name", Patch::Set("  ".into()), 10, false).unwrap();
        assert_eq!(patch, Patch::Clear);
        assert!(contact_field("name", Patch::Set("x".repeat(11)), 10, false).is_err());
        assert!(contact_field("name", Patch::Set("a\u{7}".into()), 10, false).is_err());
    }
}
