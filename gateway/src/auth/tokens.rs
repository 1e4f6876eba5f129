//! Session tokens: HS256 JWTs with `exp`, `iat`, `aud` (the kind of client) and `tenant`.
//! The algorithm is pinned on verify, so `alg: none` and algorithm confusion are refused.

use crate::error::{Error, Result};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

/// The kind of client a token was issued to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Agent,
    User,
    Bot,
}

impl Audience {
    fn as_str(self) -> &'static str {
        match self {
            Audience::Agent => "agent",
            Audience::User => "user",
            Audience::Bot => "bot",
        }
    }

    /// How long a token of this kind lives. Agents log in daily; the widget keeps its user for
    /// a month; a bot token lives until the bot is deleted.
    fn lifetime_secs(self) -> u64 {
        match self {
            Audience::Agent => 24 * 3600,
            Audience::User => 30 * 24 * 3600,
            Audience::Bot => 10 * 365 * 24 * 3600,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The agent, user or bot id.
    pub sub: String,
    pub tenant: String,
    pub aud: Audience,
    pub iat: u64,
    pub exp: u64,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn validation(audiences: &[&str]) -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(audiences);
    validation.set_required_spec_claims(&["exp", "aud", "sub"]);
    validation.leeway = 5;
    validation
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    pub fn issue(&self, audience: Audience, tenant: &str, subject: &str) -> Result<String> {
        let iat = now_secs();
        let claims = Claims {
            sub: subject.to_owned(),
            tenant: tenant.to_owned(),
            aud: audience,
            iat,
            exp: iat + audience.lifetime_secs(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|err| Error::internal(format!("signing a token: {err}")))
    }

    /// Verifies a token issued to one of `audiences`.
    pub fn verify(&self, token: &str, audiences: &[Audience]) -> Result<Claims> {
        let names: Vec<&str> = audiences.iter().map(|a| a.as_str()).collect();
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation(&names))
            .map(|data| data.claims)
            .map_err(|_| Error::Unauthorized)
    }
}

/// What a customer's backend asserts about its user when it signs a widget identity.
#[derive(Clone, Debug, Deserialize)]
pub struct IdentityClaims {
    pub sub: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// Verifies an identity JWT (HS256, with `sub`; `exp` checked when present) signed with the
/// tenant's secret.
pub fn verify_identity(token: &str, secret: &str) -> Result<IdentityClaims> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_aud = false;
    // The contract lists `sub`, `name?` and `email?`: an `exp` is checked when present, not
    // required (customers should still set a short one).
    validation.set_required_spec_claims(&["sub"]);
    validation.leeway = 5;
    jsonwebtoken::decode::<IdentityClaims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .map(|data| data.claims)
    .map_err(|_| Error::Unauthorized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_accepted_only_for_its_audience() {
        let keys = TokenKeys::new(b"secret");
        let token = keys.issue(Audience::User, "t1", "u1").expect("issue");
        assert!(keys.verify(&token, &[Audience::User]).is_ok());
        assert!(
            keys.verify(&token, &[Audience::Agent, Audience::Bot])
                .is_err()
        );
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let token = TokenKeys::new(b"other")
            .issue(Audience::Agent, "t1", "a1")
            .expect("issue");
        assert!(
            TokenKeys::new(b"secret")
                .verify(&token, &[Audience::Agent])
                .is_err()
        );
    }

    #[test]
    fn an_identity_needs_no_exp_but_an_expired_one_is_refused() {
        let key = EncodingKey::from_secret(b"identity");
        let header = Header::new(Algorithm::HS256);
        let plain = jsonwebtoken::encode(
            &header,
            &serde_json::json!({"sub": "u1", "name": "Ann"}),
            &key,
        )
        .expect("sign");
        assert_eq!(
            verify_identity(&plain, "identity").expect("valid").sub,
            "u1"
        );
        let expired = jsonwebtoken::encode(
            &header,
            &serde_json::json!({"sub": "u1", "exp": 1000}),
            &key,
        )
        .expect("sign");
        assert!(verify_identity(&expired, "identity").is_err());
        assert!(verify_identity(&plain, "another secret").is_err());
    }

    #[test]
    fn an_unsigned_token_is_refused() {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = b64.encode(
            format!(
                r#"{{"sub":"a1","tenant":"t1","aud":"agent","iat":1,"exp":{}}}"#,
                now_secs() + 60
            )
            .as_bytes(),
        );
        let token = format!("{header}.{claims}.");
        assert!(
            TokenKeys::new(b"secret")
                .verify(&token, &[Audience::Agent])
                .is_err()
        );
    }
}
