//! Who is calling: the authenticated principal every domain operation and store query is
//! scoped by.

use std::sync::Arc;
use switchboard_protocol::{
    AgentId, Author, AuthorKind, BotId, ClientRole, GroupId, Role, TenantId, UserId,
};

#[derive(Clone, Debug)]
pub struct AgentPrincipal {
    pub tenant: TenantId,
    pub id: AgentId,
    pub name: String,
    pub role: Role,
    pub group_ids: Vec<GroupId>,
}

impl AgentPrincipal {
    pub fn is_admin(&self) -> bool {
        self.role.is_admin()
    }
}

#[derive(Clone, Debug)]
pub struct UserPrincipal {
    pub tenant: TenantId,
    pub id: UserId,
    pub name: Option<String>,
}

#[derive(Clone, Debug)]
pub struct BotPrincipal {
    pub tenant: TenantId,
    pub id: BotId,
    pub name: String,
}

#[derive(Clone, Debug)]
pub enum Principal {
    Agent(AgentPrincipal),
    User(UserPrincipal),
    Bot(BotPrincipal),
}

/// A principal's identity without its details: compares sockets of the same party.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PrincipalKey {
    pub role: ClientRole,
    pub id: Arc<str>,
}

impl Principal {
    pub fn tenant(&self) -> &TenantId {
        match self {
            Principal::Agent(p) => &p.tenant,
            Principal::User(p) => &p.tenant,
            Principal::Bot(p) => &p.tenant,
        }
    }

    pub fn role(&self) -> ClientRole {
        match self {
            Principal::Agent(_) => ClientRole::Agent,
            Principal::User(_) => ClientRole::User,
            Principal::Bot(_) => ClientRole::Bot,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Principal::Agent(p) => p.id.as_str(),
            Principal::User(p) => p.id.as_str(),
            Principal::Bot(p) => p.id.as_str(),
        }
    }

    pub fn key(&self) -> PrincipalKey {
        PrincipalKey {
            role: self.role(),
            id: Arc::from(self.id()),
        }
    }

    /// How this principal appears as the author of messages, typing and read events.
    pub fn author(&self) -> Author {
        match self {
            Principal::Agent(p) => Author {
                kind: AuthorKind::Agent,
                id: p.id.0.clone(),
                name: p.name.clone(),
            },
            Principal::User(p) => Author {
                kind: AuthorKind::User,
                id: p.id.0.clone(),
                name: p.name.clone().unwrap_or_default(),
            },
            Principal::Bot(p) => Author {
                kind: AuthorKind::Bot,
                id: p.id.0.clone(),
                name: p.name.clone(),
            },
        }
    }
}
