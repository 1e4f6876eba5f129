//! Every JSON example of `docs/protocol.md` that is marked as a frame or body must parse into
//! this crate's types and serialize back to exactly the same JSON, so a renamed or removed
//! field breaks the build instead of leaving the integrators' guide stale.
//!
//! A marked example is a ```json block right after one of these lines:
//! `<!-- frame: client -->`, `<!-- frame: server -->`, `<!-- body: TYPE -->` (an HTTP body,
//! `TYPE` one of the names in [`check_body`]).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::Path;
use switchboard_protocol::api::*;
use switchboard_protocol::*;

/// Parses `text` as `T` and serializes it back; the result must equal the example.
fn round_trip<T: Serialize + DeserializeOwned>(text: &str) -> Result<(), String> {
    let example: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let typed: T = serde_json::from_str(text).map_err(|e| format!("does not parse: {e}"))?;
    let back = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    if back == example {
        Ok(())
    } else {
        Err(format!(
            "does not round-trip; the types write it as\n{}",
            serde_json::to_string_pretty(&back).unwrap_or_default()
        ))
    }
}

fn check_body(kind: &str, text: &str) -> Result<(), String> {
    match kind {
        "CreateBot" => round_trip::<CreateBot>(text),
        "CreatedBot" => round_trip::<CreatedBot>(text),
        "PatchSettings" => round_trip::<PatchSettings>(text),
        "Settings" => round_trip::<Settings>(text),
        "LoginRequest" => round_trip::<LoginRequest>(text),
        "WidgetSessionRequest" => round_trip::<WidgetSessionRequest>(text),
        "WidgetSession" => round_trip::<WidgetSession>(text),
        "WidgetConfig" => round_trip::<WidgetConfig>(text),
        "WidgetConversation" => round_trip::<WidgetConversation>(text),
        "IdentitySecret" => round_trip::<IdentitySecret>(text),
        "BotList" => round_trip::<BotList>(text),
        "ErrorBody" => round_trip::<ErrorBody>(text),
        other => Err(format!(
            "unknown body type {other:?} (add it to check_body)"
        )),
    }
}

#[test]
fn every_marked_example_in_docs_protocol_md_round_trips() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .join("docs/protocol.md");
    let doc = std::fs::read_to_string(&path).expect("read docs/protocol.md");
    let lines: Vec<&str> = doc.lines().collect();
    let mut failures = Vec::new();
    let (mut clients, mut servers, mut bodies) = (0, 0, 0);
    let mut i = 0;
    while i < lines.len() {
        let marker = lines[i].trim();
        i += 1;
        let Some(kind) = marker
            .strip_prefix("<!-- ")
            .and_then(|m| m.strip_suffix(" -->"))
            .filter(|m| m.starts_with("frame:") || m.starts_with("body:"))
        else {
            continue;
        };
        let at = i;
        if lines.get(i).map(|l| l.trim()) != Some("```json") {
            failures.push(format!(
                "line {at}: `{marker}` is not followed by a ```json block"
            ));
            continue;
        }
        let start = i + 1;
        let end = (start..lines.len())
            .find(|&j| lines[j].trim() == "```")
            .unwrap_or_else(|| panic!("line {at}: unterminated ```json block"));
        let text = lines[start..end].join("\n");
        i = end + 1;
        let result = match kind.split_once(':').map(|(k, v)| (k, v.trim())) {
            Some(("frame", "client")) => {
                clients += 1;
                round_trip::<ClientFrame>(&text)
            }
            Some(("frame", "server")) => {
                servers += 1;
                round_trip::<ServerFrame>(&text)
            }
            Some(("body", ty)) => {
                bodies += 1;
                check_body(ty, &text)
            }
            _ => Err(format!("unknown marker `{marker}`")),
        };
        if let Err(why) = result {
            failures.push(format!(
                "line {}: `{marker}` example {why}\n{text}",
                start + 1
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "docs/protocol.md has examples the protocol types do not accept:\n\n{}",
        failures.join("\n\n")
    );
    // Guard against the markers silently disappearing.
    assert!(
        clients >= 6 && servers >= 8 && bodies >= 4,
        "too few marked examples: {clients} client frames, {servers} server frames, {bodies} bodies"
    );
}
