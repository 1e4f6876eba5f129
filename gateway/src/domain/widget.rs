//! The end-user widget's side of a tenant: which web origins may use it, its public config,
//! its sessions (anonymous or with an identity signed by the customer's backend), the user's
//! current conversation, and the identity secret admins can read and rotate.
//!
//! Origins are a browser protection: a browser always sends `Origin` on cross-origin calls and
//! on WebSocket upgrades, and a page cannot forge it. Non-browser clients (bots, scripts) send
//! none and are let through; they could forge it anyway. The widget's iframe is served by the
//! gateway itself, so its calls are same-origin and pass; whether that iframe may be embedded
//! at all is enforced by the browser through the frame's `frame-ancestors` policy
//! ([`Desk::frame_ancestors`]).

use super::Desk;
use super::validate::{normalize_origin, require_admin, required};
use crate::auth::{self, Audience};
use crate::clock;
use crate::error::{Error, Result};
use crate::principal::{AgentPrincipal, UserPrincipal};
use crate::store::{NewUser, TenantRecord};
use switchboard_protocol::api::{
    IdentitySecret, WidgetConfig, WidgetConversation, WidgetSession, WidgetSessionRequest,
};
use switchboard_protocol::{ConversationStatus, QueuePosition};

/// Where a browser request came from: its `Origin` header, and the `Host` it was sent to.
#[derive(Clone, Debug, Default)]
pub struct CallerOrigin {
    pub origin: Option<String>,
    pub host: Option<String>,
}

impl CallerOrigin {
    /// Whether the request may act for a tenant that allows `allowed` (empty: every origin).
    pub fn allowed_by(&self, allowed: &[String]) -> bool {
        let Some(origin) = self.origin.as_deref() else {
            return true; // not a browser
        };
        if allowed.is_empty() || self.is_same_origin(origin) {
            return true;
        }
        normalize_origin(origin).is_ok_and(|origin| allowed.contains(&origin))
    }

    /// The gateway's own pages (the widget's iframe): the origin names the host the request
    /// was sent to. Behind a proxy this needs the original `Host` passed through.
    fn is_same_origin(&self, origin: &str) -> bool {
        let Some(host) = self.host.as_deref() else {
            return false;
        };
        origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
    }
}

impl Desk {
    async fn widget_tenant(&self, app_key: &str) -> Result<TenantRecord> {
        self.store
            .tenant_by_app_key(app_key)
            .await?
            .ok_or(Error::NotFound("app key"))
    }

    fn check_origin(tenant: &TenantRecord, caller: &CallerOrigin) -> Result<()> {
        if caller.allowed_by(&tenant.settings.widget_origins) {
            Ok(())
        } else {
            Err(Error::forbidden(
                "this web origin may not use the widget: add it to the tenant's widget origins",
            ))
        }
    }

    /// What the widget loader asks before it shows the launcher.
    pub async fn widget_config(
        &self,
        app_key: &str,
        caller: &CallerOrigin,
    ) -> Result<WidgetConfig> {
        let tenant = self.widget_tenant(app_key).await?;
        Self::check_origin(&tenant, caller)?;
        Ok(WidgetConfig {
            app_key: tenant.app_key,
            human_chat_enabled: tenant.settings.human_chat_enabled,
            identity_required: tenant.settings.widget_identity_required,
        })
    }

    /// The widget iframe's `frame-ancestors` source list: the allowed origins, or `*`.
    pub async fn frame_ancestors(&self, app_key: &str) -> Result<String> {
        let tenant = self.widget_tenant(app_key).await?;
        let origins = &tenant.settings.widget_origins;
        Ok(if origins.is_empty() {
            "*".to_owned()
        } else {
            origins.join(" ")
        })
    }

    /// `POST /v1/widget/sessions`: an anonymous user, or the user named by a verified identity
    /// (the same user on every device and every later session).
    pub async fn widget_session(
        &self,
        request: &WidgetSessionRequest,
        caller: &CallerOrigin,
    ) -> Result<WidgetSession> {
        let tenant = self
            .store
            .tenant_by_app_key(&request.app_key)
            .await?
            .ok_or(Error::Unauthorized)?;
        Self::check_origin(&tenant, caller)?;
        let user = match &request.identity {
            Some(identity) => {
                let claims = auth::verify_identity(identity, &tenant.identity_secret)?;
                let external_id = required("identity sub", &claims.sub)?;
                self.store
                    .upsert_user_by_external_id(
                        &tenant.id,
                        NewUser {
                            external_id: Some(external_id),
                            name: claims.name,
                            email: claims.email,
                        },
                    )
                    .await?
            }
            None if tenant.settings.widget_identity_required => {
                return Err(Error::Unauthorized);
            }
            None => {
                self.store
                    .insert_user(&tenant.id, NewUser::default())
                    .await?
            }
        };
        let token = self
            .tokens
            .issue(Audience::User, tenant.id.as_str(), user.id.as_str())?;
        Ok(WidgetSession {
            token,
            user_id: user.id,
        })
    }

    /// A widget user's socket: refused when it comes from an origin the tenant does not allow
    /// (the token may have leaked to another site), or when the tenant now requires verified
    /// identities and this user is anonymous (a session opened before the switch).
    pub async fn admit_user_socket(
        &self,
        user: &UserPrincipal,
        caller: &CallerOrigin,
    ) -> Result<()> {
        let tenant = self.store.tenant(&user.tenant).await?;
        Self::check_origin(&tenant, caller)?;
        self.check_identity_rule(&tenant, user).await
    }

    async fn check_identity_rule(&self, tenant: &TenantRecord, user: &UserPrincipal) -> Result<()> {
        if tenant.settings.widget_identity_required
            && !self.store.user_is_identified(&tenant.id, &user.id).await?
        {
            return Err(Error::Unauthorized);
        }
        Ok(())
    }

    /// The conversation a widget shows after a reload or on a new device.
    pub async fn widget_conversation(&self, user: &UserPrincipal) -> Result<WidgetConversation> {
        let tenant = self.store.tenant(&user.tenant).await?;
        self.check_identity_rule(&tenant, user).await?;
        let state = self
            .store
            .current_conversation(&user.tenant, &user.id)
            .await?;
        let queue_position = match &state {
            Some(s) if s.status() == ConversationStatus::Queued => {
                let group = &s.conversation.group_id;
                let queue = self.store.queue(&user.tenant, group).await?;
                queue
                    .iter()
                    .position(|(id, _)| id == s.id())
                    .map(|index| QueuePosition {
                        conversation_id: s.id().clone(),
                        position: index as u32 + 1,
                        queue_length: queue.len() as u32,
                    })
            }
            _ => None,
        };
        Ok(WidgetConversation {
            conversation: state.map(|s| s.conversation),
            queue_position,
        })
    }

    pub async fn identity_secret(&self, by: &AgentPrincipal) -> Result<IdentitySecret> {
        require_admin(by)?;
        Ok(IdentitySecret {
            identity_secret: self.store.tenant(&by.tenant).await?.identity_secret,
        })
    }

    /// A new secret; identities signed with the old one are refused from now on.
    pub async fn rotate_identity_secret(&self, by: &AgentPrincipal) -> Result<IdentitySecret> {
        require_admin(by)?;
        let secret = clock::random_token(32);
        self.store.set_identity_secret(&by.tenant, &secret).await?;
        tracing::info!(tenant = %by.tenant, agent = %by.id, "identity secret rotated");
        Ok(IdentitySecret {
            identity_secret: secret,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(origin: Option<&str>, host: &str) -> CallerOrigin {
        CallerOrigin {
            origin: origin.map(str::to_owned),
            host: Some(host.to_owned()),
        }
    }

    #[test]
    fn the_origin_rule() {
        let allowed = vec!["https://shop.example".to_owned()];
        assert!(
            caller(None, "gw.example").allowed_by(&allowed),
            "no browser"
        );
        assert!(
            caller(Some("https://evil.example"), "gw.example").allowed_by(&[]),
            "no list"
        );
        assert!(caller(Some("https://shop.example"), "gw.example").allowed_by(&allowed));
        assert!(
            caller(Some("https://gw.example"), "GW.example").allowed_by(&allowed),
            "the gateway's own pages"
        );
        assert!(!caller(Some("https://evil.example"), "gw.example").allowed_by(&allowed));
        assert!(!caller(Some("null"), "gw.example").allowed_by(&allowed));
        assert!(
            !caller(Some("https://shop.example.evil.example"), "gw.example").allowed_by(&allowed)
        );
    }
}
