//! Tenants' directories: login and tokens, agents, invites, groups, bots and settings.

use super::Desk;
use super::validate::{MAX_WAIT_SECS, email, normalize_origins, require_admin, required, within};
use crate::auth::{self, Audience};
use crate::bus::Control;
use crate::clock;
use crate::error::{Error, Result};
use crate::principal::{AgentPrincipal, BotPrincipal, Principal, PrincipalKey, UserPrincipal};
use crate::store::{
    AgentRecord, BotRecord, ConversationOrder, ConversationQuery, NewAgent, NewGroup, NewTenant,
    Visibility,
};
use crate::topics::Topic;
use sha2::{Digest, Sha256};
use switchboard_protocol::api::*;
use switchboard_protocol::{
    Agent, AgentId, AgentStatus, Assignment, BotId, ClientRole, ConversationStatus, Group, GroupId,
    Patch, Role, Settings, TenantId,
};

fn invite_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Desk {
    /// Creates a tenant with its owner and default group (the CLI's `tenant create`).
    pub async fn create_tenant(
        &self,
        name: &str,
        owner_login: &str,
        owner_password: &str,
        owner_email: Option<&str>,
    ) -> Result<TenantCreated> {
        let name = required("name", name)?;
        let login = required("owner login", owner_login)?;
        let email = match owner_email {
            Some(value) => email(value)?,
            None => String::new(),
        };
        let password_hash = auth::hash_password(owner_password).await?;
        let tenant = NewTenant {
            name: name.clone(),
            app_key: format!("ak_{}", clock::random_token(18)),
            identity_secret: clock::random_token(32),
            default_group_name: "Support".to_owned(),
        };
        let owner = NewAgent {
            full_name: name_from_login(&login),
            login,
            email,
            role: Role::Owner,
            status: AgentStatus::Verified,
            password_hash: Some(password_hash),
            invite_token_hash: None,
            // The store puts the owner in the default group it creates.
            group_ids: Vec::new(),
        };
        let (tenant, owner) = self.store.create_tenant(tenant, owner).await?;
        Ok(TenantCreated {
            tenant_id: tenant.id,
            app_key: tenant.app_key,
            owner_id: owner.id,
            identity_secret: tenant.identity_secret,
        })
    }

    pub async fn login(&self, request: &LoginRequest) -> Result<AgentSession> {
        let agent = self
            .store
            .agent_by_login(request.login.trim())
            .await?
            .ok_or(Error::Unauthorized)?;
        let Some(hash) = agent.password_hash.as_deref() else {
            return Err(Error::Unauthorized);
        };
        if !auth::verify_password(&request.password, hash).await? {
            return Err(Error::Unauthorized);
        }
        self.agent_session(&agent).await
    }

    async fn agent_session(&self, agent: &AgentRecord) -> Result<AgentSession> {
        let token =
            self.tokens
                .issue(Audience::Agent, agent.tenant_id.as_str(), agent.id.as_str())?;
        Ok(AgentSession {
            token,
            agent: self.agent_view(agent).await,
        })
    }

    /// The principal behind a token issued to one of `audiences`; the principal must still exist.
    pub async fn authenticate(&self, token: &str, audiences: &[Audience]) -> Result<Principal> {
        let claims = self.tokens.verify(token, audiences)?;
        let tenant = TenantId(claims.tenant);
        match claims.aud {
            Audience::Agent => {
                let agent = self
                    .store
                    .agent(&tenant, &claims.sub.into())
                    .await?
                    .ok_or(Error::Unauthorized)?;
                Ok(Principal::Agent(agent_principal(&agent)))
            }
            Audience::User => {
                let user = self
                    .store
                    .user(&tenant, &claims.sub.into())
                    .await?
                    .ok_or(Error::Unauthorized)?;
                Ok(Principal::User(UserPrincipal {
                    tenant,
                    id: user.id,
                    name: user.name,
                }))
            }
            Audience::Bot => {
                let bot = self
                    .store
                    .bot(&tenant, &claims.sub.into())
                    .await?
                    .ok_or(Error::Unauthorized)?;
                Ok(Principal::Bot(BotPrincipal {
                    tenant,
                    id: bot.id,
                    name: bot.name,
                }))
            }
        }
    }

    pub async fn me(&self, agent: &AgentPrincipal) -> Result<Agent> {
        let record = self
            .store
            .agent(&agent.tenant, &agent.id)
            .await?
            .ok_or(Error::NotFound("agent"))?;
        Ok(self.agent_view(&record).await)
    }

    pub async fn list_agents(&self, agent: &AgentPrincipal) -> Result<AgentList> {
        let records = self.store.agents(&agent.tenant).await?;
        Ok(AgentList {
            agents: self.agent_views(&agent.tenant, &records).await,
        })
    }

    /// `public_base` is where the desk is reached (for the invite link).
    pub async fn create_agent(
        &self,
        by: &AgentPrincipal,
        request: CreateAgent,
        public_base: &str,
    ) -> Result<CreatedAgent> {
        require_admin(by)?;
        let role = request.role.unwrap_or(Role::Agent);
        if role == Role::Owner {
            return Err(Error::forbidden("a tenant has one owner"));
        }
        let (status, password_hash, invite) = match request.password.as_deref() {
            Some(password) => (
                AgentStatus::Verified,
                Some(auth::hash_password(password).await?),
                None,
            ),
            None => (AgentStatus::Pending, None, Some(clock::random_token(24))),
        };
        let record = self
            .store
            .insert_agent(
                &by.tenant,
                NewAgent {
                    full_name: required("full_name", &request.full_name)?,
                    login: required("login", &request.login)?,
                    email: email(&request.email)?,
                    role,
                    status,
                    password_hash,
                    invite_token_hash: invite.as_deref().map(invite_hash),
                    // Checked in the insert's transaction: an unknown group creates nothing.
                    group_ids: request.group_ids.clone().unwrap_or_default(),
                },
            )
            .await?;
        if !record.group_ids.is_empty() {
            // The new member may take queued conversations of its groups.
            for group in &record.group_ids {
                self.routing_event(self.drain_queue(&by.tenant, group).await);
            }
        }
        Ok(CreatedAgent {
            agent: self.agent_view(&record).await,
            invite_url: invite
                .map(|token| format!("{}/invite/{token}", public_base.trim_end_matches('/'))),
        })
    }

    pub async fn patch_agent(
        &self,
        by: &AgentPrincipal,
        id: &AgentId,
        patch: PatchAgent,
    ) -> Result<Agent> {
        let mut record = self
            .store
            .agent(&by.tenant, id)
            .await?
            .ok_or(Error::NotFound("agent"))?;
        let is_self = by.id == record.id;
        let by_owner = by.role == Role::Owner;
        if record.role == Role::Owner && !by_owner {
            return Err(Error::forbidden("only the owner may change the owner"));
        }
        if !is_self && !by.is_admin() {
            return Err(Error::forbidden("agents may only change themselves"));
        }
        let old_role = record.role;
        if let Some(name) = &patch.full_name {
            record.full_name = required("full_name", name)?;
        }
        if let Some(password) = &patch.password {
            record.password_hash = Some(auth::hash_password(password).await?);
        }
        if patch.role.is_some() || !patch.capacity.is_keep() {
            require_admin(by)?;
        }
        if let Some(role) = patch.role {
            if (role == Role::Owner || record.role == Role::Owner) && role != record.role {
                return Err(Error::forbidden(
                    "the owner's role cannot be given or taken",
                ));
            }
            record.role = role;
        }
        let capacity_changed = !patch.capacity.is_keep();
        record.capacity = patch.capacity.apply(record.capacity);
        if patch.login.is_some() || patch.email.is_some() {
            if !by_owner {
                return Err(Error::forbidden(
                    "only the owner may change logins and e-mail addresses",
                ));
            }
            if let Some(login) = &patch.login {
                record.login = required("login", login)?;
            }
            if let Some(value) = &patch.email {
                record.email = email(value)?;
            }
        }
        self.store.update_agent(&by.tenant, &record).await?;
        if capacity_changed {
            self.routing_event(self.drain_for_agent(&by.tenant, &record.id).await);
        }
        if record.role != old_role {
            self.publish_control(Topic::agent(&by.tenant, &record.id), Control::Reload)
                .await;
        }
        Ok(self.agent_view(&record).await)
    }

    /// Removes an agent; its open conversations go back to their group's queue. Messages keep
    /// the agent's name: customer history is never deleted.
    pub async fn delete_agent(&self, by: &AgentPrincipal, id: &AgentId) -> Result<()> {
        require_admin(by)?;
        let record = self
            .store
            .agent(&by.tenant, id)
            .await?
            .ok_or(Error::NotFound("agent"))?;
        if record.role == Role::Owner {
            return Err(Error::forbidden("the owner cannot be deleted"));
        }
        if record.id == by.id {
            return Err(Error::forbidden("you cannot delete yourself"));
        }
        self.store.delete_agent(&by.tenant, id).await?;
        self.publish_control(Topic::agent(&by.tenant, id), Control::Disconnect)
            .await;
        let held = self
            .store
            .conversations(
                &by.tenant,
                &ConversationQuery {
                    statuses: vec![ConversationStatus::Assigned],
                    visibility: Visibility::All,
                    held_by: Some(id.clone()),
                    order: ConversationOrder::OldestQueuedFirst,
                    limit: u32::MAX,
                    filter: Default::default(),
                },
            )
            .await?;
        for state in held {
            self.requeue_from(&by.tenant, state.id(), id).await?;
        }
        Ok(())
    }

    pub async fn accept_invite(&self, token: &str, request: &AcceptInvite) -> Result<AgentSession> {
        let mut record = self
            .store
            .agent_by_invite(&invite_hash(token))
            .await?
            .ok_or(Error::NotFound("invite"))?;
        record.password_hash = Some(auth::hash_password(&request.password).await?);
        record.status = AgentStatus::Verified;
        record.invite_token_hash = None;
        self.store
            .update_agent(&record.tenant_id.clone(), &record)
            .await?;
        self.agent_session(&record).await
    }

    pub async fn list_groups(&self, agent: &AgentPrincipal) -> Result<GroupList> {
        let records = self.store.groups(&agent.tenant).await?;
        Ok(GroupList {
            groups: self.group_views(&agent.tenant, &records).await?,
        })
    }

    pub async fn create_group(&self, by: &AgentPrincipal, request: CreateGroup) -> Result<Group> {
        require_admin(by)?;
        if let Some(hours) = &request.business_hours {
            super::hours::validate(hours)?;
        }
        let record = self
            .store
            .insert_group(
                &by.tenant,
                NewGroup {
                    name: required("name", &request.name)?,
                    assignment: request.assignment.unwrap_or(Assignment::Manual),
                    business_hours: request.business_hours,
                },
            )
            .await?;
        self.group_view(&by.tenant, &record).await
    }

    pub async fn patch_group(
        &self,
        by: &AgentPrincipal,
        id: &GroupId,
        patch: PatchGroup,
    ) -> Result<Group> {
        require_admin(by)?;
        let mut record = self
            .store
            .group(&by.tenant, id)
            .await?
            .ok_or(Error::NotFound("group"))?;
        if let Some(name) = &patch.name {
            record.name = required("name", name)?;
        }
        if let Some(assignment) = patch.assignment {
            record.assignment = assignment;
        }
        if let Patch::Set(hours) = &patch.business_hours {
            super::hours::validate(hours)?;
        }
        record.business_hours = patch.business_hours.apply(record.business_hours);
        self.store.update_group(&by.tenant, &record).await?;
        self.routing_event(self.drain_queue(&by.tenant, &record.id).await);
        self.group_view(&by.tenant, &record).await
    }

    pub async fn set_group_members(
        &self,
        by: &AgentPrincipal,
        id: &GroupId,
        request: GroupMembers,
    ) -> Result<Group> {
        require_admin(by)?;
        let before = self
            .store
            .group(&by.tenant, id)
            .await?
            .ok_or(Error::NotFound("group"))?;
        let mut members = request.agent_ids;
        members.sort();
        members.dedup();
        self.store
            .set_group_members(&by.tenant, id, &members)
            .await?;
        self.routing_event(self.drain_queue(&by.tenant, id).await);
        let after = self
            .store
            .group(&by.tenant, id)
            .await?
            .ok_or(Error::NotFound("group"))?;
        // Old and new members resubscribe to their groups' topics.
        let mut affected: Vec<&AgentId> = before
            .member_ids
            .iter()
            .chain(after.member_ids.iter())
            .collect();
        affected.sort();
        affected.dedup();
        for agent in affected {
            self.publish_control(Topic::agent(&by.tenant, agent), Control::Reload)
                .await;
        }
        self.group_view(&by.tenant, &after).await
    }

    pub async fn create_bot(&self, by: &AgentPrincipal, request: &CreateBot) -> Result<CreatedBot> {
        require_admin(by)?;
        let bot = self
            .store
            .insert_bot(&by.tenant, &required("name", &request.name)?)
            .await?;
        let token = self
            .tokens
            .issue(Audience::Bot, by.tenant.as_str(), bot.id.as_str())?;
        Ok(CreatedBot {
            id: bot.id,
            name: bot.name,
            token,
        })
    }

    pub async fn list_bots(&self, agent: &AgentPrincipal) -> Result<BotList> {
        let bots = self.store.bots(&agent.tenant).await?;
        let keys: Vec<PrincipalKey> = bots
            .iter()
            .map(|b| PrincipalKey {
                role: ClientRole::Bot,
                id: b.id.as_str().into(),
            })
            .collect();
        let connected = self.connections.connected(&agent.tenant, &keys).await;
        Ok(BotList {
            bots: bots
                .into_iter()
                .zip(connected)
                .map(|(b, connected)| bot_info(b, connected))
                .collect(),
        })
    }

    /// Renames a bot or replaces the groups that serve it (owners and admins).
    pub async fn patch_bot(
        &self,
        by: &AgentPrincipal,
        id: &BotId,
        patch: PatchBot,
    ) -> Result<BotInfo> {
        require_admin(by)?;
        let current = self
            .store
            .bot(&by.tenant, id)
            .await?
            .ok_or(Error::NotFound("bot"))?;
        let name = match &patch.name {
            Some(name) => required("name", name)?,
            None => current.name,
        };
        let updated = self
            .store
            .update_bot(&by.tenant, id, &name, patch.group_ids.as_deref())
            .await?
            .ok_or(Error::NotFound("bot"))?;
        let key = PrincipalKey {
            role: ClientRole::Bot,
            id: updated.id.as_str().into(),
        };
        let connected = self
            .connections
            .connected(&by.tenant, std::slice::from_ref(&key))
            .await
            .first()
            .copied()
            .unwrap_or(false);
        Ok(bot_info(updated, connected))
    }

    /// Deleting a bot revokes its token at once and closes its sockets.
    pub async fn delete_bot(&self, by: &AgentPrincipal, id: &BotId) -> Result<()> {
        require_admin(by)?;
        self.store
            .bot(&by.tenant, id)
            .await?
            .ok_or(Error::NotFound("bot"))?;
        self.store.delete_bot(&by.tenant, id).await?;
        let mut settings = self.store.tenant(&by.tenant).await?.settings;
        if settings.entry_bot_id.as_ref() == Some(id) {
            settings.entry_bot_id = None;
            self.store.update_settings(&by.tenant, &settings).await?;
        }
        self.publish_control(Topic::bot(&by.tenant, id), Control::Disconnect)
            .await;
        Ok(())
    }

    pub async fn settings(&self, tenant: &TenantId) -> Result<Settings> {
        Ok(self.store.tenant(tenant).await?.settings)
    }

    pub async fn patch_settings(
        &self,
        by: &AgentPrincipal,
        patch: PatchSettings,
    ) -> Result<Settings> {
        require_admin(by)?;
        let mut settings = self.settings(&by.tenant).await?;
        if let Some(enabled) = patch.human_chat_enabled {
            settings.human_chat_enabled = enabled;
        }
        if let Some(routing) = patch.routing {
            settings.routing = routing;
        }
        if let Some(policy) = patch.reply_policy {
            settings.reply_policy = policy;
        }
        if let Some(after) = patch.after_resolve {
            settings.after_resolve = after;
        }
        if let Some(fallback) = patch.reopen_fallback {
            settings.reopen_fallback = fallback;
        }
        if let Some(secs) = patch.bot_timeout_secs {
            settings.bot_timeout_secs = within("bot_timeout_secs", secs, MAX_WAIT_SECS)?;
        }
        if let Some(secs) = patch.offline_grace_secs {
            settings.offline_grace_secs = within("offline_grace_secs", secs, MAX_WAIT_SECS)?;
        }
        if let Some(origins) = &patch.widget_origins {
            settings.widget_origins = normalize_origins(origins)?;
        }
        if let Some(required) = patch.widget_identity_required {
            settings.widget_identity_required = required;
        }
        if let Patch::Set(bot) = &patch.entry_bot_id {
            self.store
                .bot(&by.tenant, bot)
                .await?
                .ok_or(Error::NotFound("bot"))?;
        }
        settings.entry_bot_id = patch.entry_bot_id.apply(settings.entry_bot_id);
        match patch.default_group_id {
            Patch::Keep => {}
            Patch::Clear => return Err(Error::invalid("a tenant always has a default group")),
            Patch::Set(group) => {
                self.store
                    .group(&by.tenant, &group)
                    .await?
                    .ok_or(Error::NotFound("group"))?;
                settings.default_group_id = group;
            }
        }
        let routing_changed = patch.routing.is_some();
        self.store.update_settings(&by.tenant, &settings).await?;
        if routing_changed {
            for group in self.store.groups(&by.tenant).await? {
                self.routing_event(self.drain_queue(&by.tenant, &group.id).await);
            }
        }
        Ok(settings)
    }
}

fn bot_info(bot: BotRecord, connected: bool) -> BotInfo {
    BotInfo {
        connected,
        id: bot.id,
        name: bot.name,
        group_ids: bot.group_ids,
    }
}

pub(crate) fn agent_principal(agent: &AgentRecord) -> AgentPrincipal {
    AgentPrincipal {
        tenant: agent.tenant_id.clone(),
        id: agent.id.clone(),
        name: agent.full_name.clone(),
        role: agent.role,
        group_ids: agent.group_ids.clone(),
    }
}

/// "alice.smith" → "Alice Smith": a readable default name for the owner.
fn name_from_login(login: &str) -> String {
    login
        .split(|c: char| !c.is_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
