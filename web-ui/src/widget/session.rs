//! The end user's session, kept in the frame's `localStorage` (one entry per app key) so that a
//! reload continues the same conversation, and the rules for when it must be replaced.
//!
//! A verified identity (a JWT the customer's backend signed) names the user by its `sub`. The
//! frame reads `sub` without checking the signature (the gateway checks it when the session is
//! created) only to tell whether the stored session belongs to that user.

use serde::{Deserialize, Serialize};
use switchboard_protocol::{ConversationId, UserId};

/// What is stored per app key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSession {
    pub token: String,
    pub user_id: UserId,
    /// The identity's `sub` the session was opened with; `None` for an anonymous visitor.
    #[serde(default)]
    pub identity_sub: Option<String>,
    /// The highest `seq` the user has seen, so the unread count survives a reload.
    #[serde(default)]
    pub read_seq: u64,
    /// The highest `seq` an agent has read and in which conversation, so "Seen" survives a
    /// reload (the gateway does not store reads).
    #[serde(default)]
    pub agent_read: Option<(ConversationId, u64)>,
}

/// Whether `stored` may serve a visitor who presents `identity_sub` (`None`: anonymous).
///
/// The same identified user continues; an anonymous page keeps an anonymous session. A page
/// that stops naming a user (they logged out of the customer's site) gets a fresh anonymous
/// session rather than the previous user's conversation, and a different user never sees
/// another's.
pub fn reusable(stored: &StoredSession, identity_sub: Option<&str>) -> bool {
    stored.identity_sub.as_deref() == identity_sub
}

fn storage_key(app_key: &str) -> String {
    format!("switchboard.widget.{app_key}")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub fn load(app_key: &str) -> Option<StoredSession> {
    let text = storage()?.get_item(&storage_key(app_key)).ok()??;
    serde_json::from_str(&text).ok()
}

pub fn save(app_key: &str, session: &StoredSession) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(session)) {
        let _ = storage.set_item(&storage_key(app_key), &text);
    }
}

pub fn forget(app_key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(&storage_key(app_key));
    }
}

/// The `sub` claim of a JWT, read without verification; `None` when it is not a JWT with one.
pub fn identity_sub(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64url_decode(payload)?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    match claims.get("sub")? {
        serde_json::Value::String(sub) => Some(sub.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Base64url without padding (padding tolerated), as JWTs use it.
fn base64url_decode(input: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        } as u32)
    }
    let input = input.trim_end_matches('=').as_bytes();
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    for chunk in input.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

/// A query parameter of the page's address, percent-decoded.
pub fn query_param(search: &str, name: &str) -> Option<String> {
    search.trim_start_matches('?').split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| percent_decode(value))
    })
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let hex = |b: u8| (b as char).to_digit(16);
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sub_from_a_jwt_without_checking_it() {
        // {"alg":"HS256","typ":"JWT"} . {"sub":"user-42","name":"Zoë","exp":1}
        let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIiwibmFtZSI6Ilpvw6siLCJleHAiOjF9.sig";
        assert_eq!(identity_sub(token).as_deref(), Some("user-42"));
        assert_eq!(identity_sub("not a jwt"), None);
        assert_eq!(identity_sub("a.!!!.c"), None);
    }

    #[test]
    fn base64url_round_trips_every_length() {
        assert_eq!(base64url_decode("").as_deref(), Some(&b""[..]));
        assert_eq!(base64url_decode("YQ").as_deref(), Some(&b"a"[..]));
        assert_eq!(base64url_decode("YWI").as_deref(), Some(&b"ab"[..]));
        assert_eq!(base64url_decode("YWJj").as_deref(), Some(&b"abc"[..]));
        assert_eq!(base64url_decode("YWJjZA==").as_deref(), Some(&b"abcd"[..]));
        assert_eq!(base64url_decode("-_8").as_deref(), Some(&[0xfb, 0xff][..]));
    }

    #[test]
    fn a_session_serves_only_the_user_it_was_opened_for() {
        let stored = |sub: Option<&str>| StoredSession {
            token: "t".into(),
            user_id: "u".into(),
            identity_sub: sub.map(str::to_owned),
            read_seq: 0,
            agent_read: None,
        };
        assert!(reusable(&stored(None), None));
        assert!(reusable(&stored(Some("42")), Some("42")));
        assert!(!reusable(&stored(Some("42")), Some("43")));
        assert!(!reusable(&stored(None), Some("42")));
        assert!(!reusable(&stored(Some("42")), None));
    }

    #[test]
    fn query_params_are_decoded() {
        assert_eq!(
            query_param("?app_key=ak_1%2B2&x=1", "app_key").as_deref(),
            Some("ak_1+2")
        );
        assert_eq!(query_param("?x=1", "app_key"), None);
        assert_eq!(query_param("?a=%zz%", "a").as_deref(), Some("%zz%"));
    }
}
