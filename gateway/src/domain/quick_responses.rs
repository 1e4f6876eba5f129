//! Quick responses: a tenant's canned answers, read by every agent, managed by owners and
//! admins. Shortcuts are unique per tenant.

use super::Desk;
use crate::error::{Error, Result};
use crate::principal::AgentPrincipal;
use switchboard_protocol::MAX_TEXT_CHARS;
use switchboard_protocol::desk::{
    CreateQuickResponse, PatchQuickResponse, QuickResponse, QuickResponseList,
};

/// Longest shortcut, in characters.
pub const MAX_SHORTCUT_CHARS: usize = 50;

fn check_shortcut(shortcut: &str) -> Result<String> {
    let shortcut = shortcut.trim();
    let chars = shortcut.chars().count();
    if chars == 0 || chars > MAX_SHORTCUT_CHARS {
        return Err(Error::invalid(format!(
            "shortcut must have 1 to {MAX_SHORTCUT_CHARS} characters"
        )));
    }
    if shortcut
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Error::invalid("shortcut must not contain spaces"));
    }
    Ok(shortcut.to_owned())
}

fn check_text(text: &str) -> Result<String> {
    let chars = text.chars().count();
    if text.trim().is_empty() {
        return Err(Error::invalid("text must not be empty"));
    }
    if chars > MAX_TEXT_CHARS {
        return Err(Error::TooLarge(format!(
            "text is longer than {MAX_TEXT_CHARS} characters"
        )));
    }
    if text.contains('\0') {
        return Err(Error::invalid("text must not contain NUL characters"));
    }
    Ok(text.to_owned())
}

fn require_admin(agent: &AgentPrincipal) -> Result<()> {
    if agent.is_admin() {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only the owner and admins manage quick responses",
        ))
    }
}

impl Desk {
    /// `GET /v1/quick-responses`, by shortcut.
    pub async fn quick_responses(&self, agent: &AgentPrincipal) -> Result<QuickResponseList> {
        Ok(QuickResponseList {
            quick_responses: self.store.quick_responses(&agent.tenant).await?,
        })
    }

    /// `POST /v1/quick-responses` (owner, admin).
    pub async fn create_quick_response(
        &self,
        agent: &AgentPrincipal,
        body: CreateQuickResponse,
    ) -> Result<QuickResponse> {
        require_admin(agent)?;
        let shortcut = check_shortcut(&body.shortcut)?;
        let text = check_text(&body.text)?;
        self.store
            .insert_quick_response(&agent.tenant, &shortcut, &text)
            .await
    }

    /// `PATCH /v1/quick-responses/{id}` (owner, admin).
    pub async fn patch_quick_response(
        &self,
        agent: &AgentPrincipal,
        id: &str,
        body: PatchQuickResponse,
    ) -> Result<QuickResponse> {
        require_admin(agent)?;
        let mut quick = self
            .store
            .quick_response(&agent.tenant, id)
            .await?
            .ok_or(Error::NotFound("quick response"))?;
        if let Some(shortcut) = &body.shortcut {
            quick.shortcut = check_shortcut(shortcut)?;
        }
        if let Some(text) = &body.text {
            quick.text = check_text(text)?;
        }
        self.store
            .update_quick_response(&agent.tenant, &quick)
            .await?;
        Ok(quick)
    }

    /// `DELETE /v1/quick-responses/{id}` (owner, admin).
    pub async fn delete_quick_response(&self, agent: &AgentPrincipal, id: &str) -> Result<()> {
        require_admin(agent)?;
        self.store.delete_quick_response(&agent.tenant, id).await
    }
}
