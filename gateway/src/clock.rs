//! Time and id generation, in one place so every timestamp has the same format.

use chrono::{DateTime, SecondsFormat, Utc};
use switchboard_protocol::Timestamp;

/// Now, as the contract's RFC 3339 UTC text with millisecond precision (sorts lexicographically).
pub fn now() -> Timestamp {
    format(Utc::now())
}

pub fn format(at: DateTime<Utc>) -> Timestamp {
    Timestamp(at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// A new opaque id. UUIDv7 is time-ordered, which keeps index inserts local.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// `len` random bytes as URL-safe base64: app keys, secrets, invite tokens.
pub fn random_token(len: usize) -> String {
    use base64::Engine;
    let mut bytes = vec![0u8; len];
    rand::fill(&mut bytes[..]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
