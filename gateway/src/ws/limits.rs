//! Parsing client frames and limiting their rate.

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::Deserialize;
use std::num::NonZeroU32;
use switchboard_protocol::{ClientFrame, ErrorCode, ErrorFrame, RATE_BURST, RATE_PER_SECOND};

/// Just the `req` of a frame that failed to parse, so the error can still carry it.
#[derive(Deserialize)]
struct ReqProbe {
    req: Option<serde_json::Value>,
}

/// The `req` of any JSON object text, when it is a string.
pub fn probe_req(text: &str) -> Option<String> {
    match serde_json::from_str::<ReqProbe>(text).ok()?.req? {
        serde_json::Value::String(req) => Some(req),
        _ => None,
    }
}

/// A client frame, or the `invalid` error that answers it.
pub fn parse(text: &str) -> Result<ClientFrame, ErrorFrame> {
    serde_json::from_str::<ClientFrame>(text).map_err(|err| ErrorFrame {
        req: probe_req(text),
        code: ErrorCode::Invalid,
        message: format!("invalid frame: {err}"),
    })
}

/// 20 frames a second sustained, bursts of 40 (contract section 5). A client that keeps
/// sending into a full bucket for this many frames in a row is closed with 4029.
pub const REJECTIONS_BEFORE_CLOSE: u32 = RATE_BURST;

pub fn frame_limiter() -> DefaultDirectRateLimiter {
    let rate = NonZeroU32::new(RATE_PER_SECOND).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(RATE_BURST).unwrap_or(NonZeroU32::MIN);
    RateLimiter::direct(Quota::per_second(rate).allow_burst(burst))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    #[test]
    fn a_bad_frame_keeps_its_req_when_readable() {
        let err = parse(r#"{"type":"nope","req":"r1"}"#).unwrap_err();
        assert_eq!(err.req.as_deref(), Some("r1"));
        assert_eq!(err.code, ErrorCode::Invalid);
        assert_eq!(parse("not json").unwrap_err().req, None);
        assert_eq!(
            parse(r#"{"type":"message.send","req":7}"#).unwrap_err().req,
            None
        );
    }

    proptest::proptest! {
        /// Any text at all: the decoder answers, never panics, and a refusal is `invalid`.
        #[test]
        fn any_text_parses_or_is_invalid(text in proptest::prelude::any::<String>()) {
            if let Err(error) = parse(&text) {
                proptest::prop_assert_eq!(error.code, ErrorCode::Invalid);
            }
        }

        /// Any bytes a client could send as text (lossily decoded, as tungstenite would
        /// refuse invalid UTF-8 before us).
        #[test]
        fn any_bytes_parse_or_are_invalid(bytes in proptest::collection::vec(0u8..=255, 0..512)) {
            let text = String::from_utf8_lossy(&bytes);
            if let Err(error) = parse(&text) {
                proptest::prop_assert_eq!(error.code, ErrorCode::Invalid);
            }
        }

        /// A valid frame with one field's value replaced by anything: still answered, and a
        /// string `req` that survived is carried into the error.
        #[test]
        fn a_frame_with_a_retyped_field_keeps_its_req(
            field in proptest::sample::select(vec!["type", "conversation_id", "client_msg_id", "text", "private", "after_seq", "limit"]),
            value in proptest::prelude::any::<i64>().prop_map(serde_json::Value::from),
        ) {
            let mut frame = serde_json::json!({
                "type": "message.send", "req": "r1", "conversation_id": "c1",
                "client_msg_id": "m1", "text": "hi",
            });
            frame[field] = value;
            if let Err(error) = parse(&frame.to_string()) {
                proptest::prop_assert_eq!(error.code, ErrorCode::Invalid);
                proptest::prop_assert_eq!(error.req.as_deref(), Some("r1"));
            }
        }
    }

    #[test]
    fn the_limiter_allows_a_burst_then_refuses() {
        let limiter = frame_limiter();
        let allowed = (0..100).filter(|_| limiter.check().is_ok()).count();
        assert!(
            (RATE_BURST as usize..RATE_BURST as usize + 3).contains(&allowed),
            "allowed {allowed}"
        );
    }
}
