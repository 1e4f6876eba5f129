//! Property tests of everything a client can send: mutated frames on a socket and mutated JSON
//! bodies on every HTTP call that takes one (issue 13, contract 3 and 5). Whatever arrives, the
//! gateway answers with a contract error code (never `internal`, never a 5xx), the socket stays
//! open, and the process keeps serving.
//!
//! The cases come from proptest's deterministic runner, so a failure names a case that repeats
//! on the next run; they are then sent one by one to a real gateway (proptest's own runner
//! cannot drive async I/O).

mod support;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use support::*;
use switchboard_protocol::*;

/// How many mutated inputs each seed gets.
const CASES_PER_SEED: usize = 12;

/// One edit of a text: at a position (taken modulo the text's length, in chars).
#[derive(Clone, Debug)]
enum Edit {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: String },
    Replace { at: usize, with: char },
    Truncate { at: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    let token = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just(",".to_owned()),
        Just(":".to_owned()),
        Just("null".to_owned()),
        Just("-1".to_owned()),
        Just("1e999".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("\\u0000".to_owned()),
        Just("\\ud800".to_owned()),
        Just("\u{0}".to_owned()),
        Just("\"type\":\"ping\"".to_owned()),
        any::<String>(),
    ];
    prop_oneof![
        (any::<usize>(), 1usize..8).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), token).prop_map(|(at, text)| Edit::Insert { at, text }),
        (any::<usize>(), any::<char>()).prop_map(|(at, with)| Edit::Replace { at, with }),
        any::<usize>().prop_map(|at| Edit::Truncate { at }),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for edit in edits {
        let len = chars.len().max(1);
        match edit {
            Edit::Delete { at, len: n } => {
                let start = at % len;
                let end = (start + n).min(chars.len());
                if start < end {
                    chars.drain(start..end);
                }
            }
            Edit::Insert { at, text } => {
                let at = (at % len).min(chars.len());
                chars.splice(at..at, text.chars());
            }
            Edit::Replace { at, with } => {
                if !chars.is_empty() {
                    let at = at % chars.len();
                    chars[at] = *with;
                }
            }
            Edit::Truncate { at } => chars.truncate(at % len),
        }
    }
    chars.into_iter().collect()
}

/// A JSON value of any shape, small.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        Just(json!(u64::MAX)),
        ".{0,40}".prop_map(Value::from),
        Just(Value::from("x".repeat(20_000))),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// One change of a JSON object's fields.
#[derive(Clone, Debug)]
enum FieldEdit {
    Remove(usize),
    Retype(usize, Value),
    Add(String, Value),
}

fn field_edit() -> impl Strategy<Value = FieldEdit> {
    prop_oneof![
        any::<usize>().prop_map(FieldEdit::Remove),
        (any::<usize>(), any_json()).prop_map(|(i, v)| FieldEdit::Retype(i, v)),
        (".{0,12}", any_json()).prop_map(|(k, v)| FieldEdit::Add(k, v)),
    ]
}

fn apply_fields(body: &Value, edits: &[FieldEdit]) -> Value {
    let mut body = body.clone();
    let Some(object) = body.as_object_mut() else {
        return body;
    };
    for edit in edits {
        let keys: Vec<String> = object.keys().cloned().collect();
        match edit {
            FieldEdit::Remove(i) if !keys.is_empty() => {
                object.remove(&keys[i % keys.len()]);
            }
            FieldEdit::Retype(i, value) if !keys.is_empty() => {
                object.insert(keys[i % keys.len()].clone(), value.clone());
            }
            FieldEdit::Add(key, value) => {
                object.insert(key.clone(), value.clone());
            }
            _ => {}
        }
    }
    body
}

/// `n` values of `strategy` from a runner seeded the same way on every run.
fn samples<S: Strategy>(strategy: S, n: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..n)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .expect("generate a case")
                .current()
        })
        .collect()
}

/// Contract codes a mutated input may earn: anything but `unavailable`, which is how an internal
/// error (a bug, here) shows to clients.
fn acceptable(code: ErrorCode) -> bool {
    code != ErrorCode::Unavailable
}

#[tokio::test]
async fn mutated_frames_answer_contract_errors_and_the_socket_survives() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("fuzzframes").await;
    let user = tenant.user().await;
    let mut user_ws = gw.connect(&user.token, "user").await;
    let opened = user_ws
        .send_message(None, "fuzz-open", "hello")
        .await
        .expect("open a conversation");
    let conversation = opened.conversation_id.clone();
    let mut owner_ws = gw.connect(&tenant.owner_token, "owner").await;
    let c = conversation.as_str();
    let seeds = [
        json!({"type": "ping", "req": "p"}).to_string(),
        json!({"type": "message.send", "req": "s", "conversation_id": c, "client_msg_id": "m1", "text": "hi"}).to_string(),
        json!({"type": "message.send", "req": "s", "conversation_id": c, "client_msg_id": "m2", "text": "note", "private": true}).to_string(),
        json!({"type": "conversation.subscribe", "req": "b", "conversation_id": c, "after_seq": 0}).to_string(),
        json!({"type": "history", "req": "h", "conversation_id": c, "before_seq": 5, "limit": 10}).to_string(),
        json!({"type": "conversation.transfer", "req": "t", "conversation_id": c, "group_id": "g"}).to_string(),
        json!({"type": "conversation.assign", "req": "a", "conversation_id": c, "agent_id": "x"}).to_string(),
        json!({"type": "presence.set", "req": "ps", "presence": "online"}).to_string(),
        json!({"type": "typing", "conversation_id": c}).to_string(),
        json!({"type": "read", "conversation_id": c, "seq": 1}).to_string(),
    ];
    let cases = samples(
        (0..seeds.len(), prop::collection::vec(edit(), 1..5)),
        seeds.len() * CASES_PER_SEED,
    );
    let mut invalid = 0;
    for (i, (seed, edits)) in cases.iter().enumerate() {
        let text = apply(&seeds[*seed], edits);
        // Pace the sender below the frame rate limit (20/s, bursts of 40): this test is about
        // what a frame says, not how many arrive.
        if i % 30 == 29 {
            tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
        }
        owner_ws
            .send_raw(&text)
            .await
            .expect("send a mutated frame");
        // Every error the socket sends back is a contract code.
        for frame in owner_ws.take_buffered() {
            if let ServerFrame::Error(error) = &frame {
                assert!(acceptable(error.code), "{text:?} earned {error:?}");
                invalid += usize::from(error.code == ErrorCode::Invalid);
            }
        }
        owner_ws
            .pump(std::time::Duration::from_millis(5))
            .await
            .unwrap_or_else(|e| panic!("the socket closed after {text:?}: {e}"));
    }
    owner_ws
        .ping()
        .await
        .expect("the socket still answers after every mutated frame");
    for frame in owner_ws.take_buffered() {
        if let ServerFrame::Error(error) = &frame {
            assert!(acceptable(error.code), "a mutated frame earned {error:?}");
            invalid += usize::from(error.code == ErrorCode::Invalid);
        }
    }
    // The mutations reach the decoder: most of them break the frame.
    assert!(
        invalid >= cases.len() / 3,
        "only {invalid} of {} mutated frames were refused as invalid",
        cases.len()
    );
    assert_eq!(
        gw.api().healthz().await.expect("healthz").status,
        "ok",
        "the gateway still serves"
    );
}

#[tokio::test]
async fn mutated_json_bodies_answer_contract_errors() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("fuzzbodies").await;
    let user = tenant.user().await;
    let mut user_ws = gw.connect(&user.token, "user").await;
    let opened = user_ws
        .send_message(None, "fuzz-open", "hello")
        .await
        .expect("open a conversation");
    let agent = tenant.agent("fuzzed").await;
    let bot = tenant.bot("fuzzbot").await;
    let owner = tenant.owner_token.clone();
    let app_key = tenant.created.app_key.clone();
    let c = opened.conversation_id.as_str().to_owned();
    let u = user.user_id.as_str().to_owned();
    let a = agent.id().as_str().to_owned();
    let g = tenant.default_group.as_str().to_owned();
    let b = bot.id.as_str().to_owned();
    // (method, path, token, a valid body)
    let seeds: Vec<(&str, String, Option<String>, Value)> = vec![
        (
            "POST",
            "/v1/auth/login".into(),
            None,
            json!({"login": "nobody", "password": "pw-pw-pw-pw"}),
        ),
        (
            "POST",
            "/v1/agents".into(),
            Some(owner.clone()),
            json!({"login": "new-one", "full_name": "New One", "email": "n@example.com", "role": "agent", "password": "password-123", "group_ids": [g]}),
        ),
        (
            "PATCH",
            format!("/v1/agents/{a}"),
            Some(owner.clone()),
            json!({"full_name": "Renamed", "role": "agent", "capacity": 3}),
        ),
        (
            "POST",
            "/v1/groups".into(),
            Some(owner.clone()),
            json!({"name": "Sales", "assignment": "auto"}),
        ),
        (
            "PATCH",
            format!("/v1/groups/{g}"),
            Some(owner.clone()),
            json!({"name": "Support"}),
        ),
        (
            "PUT",
            format!("/v1/groups/{g}/members"),
            Some(owner.clone()),
            json!({"agent_ids": [a]}),
        ),
        (
            "POST",
            "/v1/bots".into(),
            Some(owner.clone()),
            json!({"name": "Helper"}),
        ),
        (
            "PATCH",
            format!("/v1/bots/{b}"),
            Some(owner.clone()),
            json!({"name": "Helper 2", "group_ids": [g]}),
        ),
        (
            "PATCH",
            "/v1/settings".into(),
            Some(owner.clone()),
            json!({"routing": "least_busy", "bot_timeout_secs": 30, "human_chat_enabled": true}),
        ),
        (
            "POST",
            "/v1/widget/sessions".into(),
            None,
            json!({"app_key": app_key}),
        ),
        (
            "POST",
            "/v1/invites/no-such-invite/accept".into(),
            None,
            json!({"password": "password-123"}),
        ),
        (
            "PATCH",
            format!("/v1/conversations/{c}/user"),
            Some(owner.clone()),
            json!({"name": "Dana", "email": "d@example.com"}),
        ),
        (
            "PUT",
            format!("/v1/conversations/{c}/tags"),
            Some(owner.clone()),
            json!({"tags": ["vip"]}),
        ),
        (
            "POST",
            format!("/v1/users/{u}/notes"),
            Some(owner.clone()),
            json!({"text": "called back"}),
        ),
        (
            "POST",
            "/v1/quick-responses".into(),
            Some(owner.clone()),
            json!({"shortcut": "hi", "text": "Hello!"}),
        ),
    ];
    let cases = samples(
        (0..seeds.len(), prop::collection::vec(field_edit(), 1..4)),
        seeds.len() * CASES_PER_SEED,
    );
    let http = reqwest::Client::new();
    let mut refused = 0;
    for (seed, edits) in &cases {
        let (method, path, token, body) = &seeds[*seed];
        let body = apply_fields(body, edits);
        let mut request = http
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).expect("a method"),
                format!("{}{path}", gw.base_url),
            )
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the gateway answers");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(
            status.as_u16() < 500,
            "{method} {path} with {body} answered {status}: {text}"
        );
        if status.is_client_error() {
            let error: ErrorBody = serde_json::from_str(&text).unwrap_or_else(|e| {
                panic!(
                    "{method} {path} with {body}: {status} without a contract error ({e}): {text}"
                )
            });
            assert!(
                acceptable(error.error.code),
                "{method} {path} with {body}: {error:?}"
            );
            refused += 1;
        }
    }
    // The mutations reach the decoders: many bodies are refused.
    assert!(
        refused >= cases.len() / 3,
        "only {refused} of {} mutated bodies were refused",
        cases.len()
    );
    assert_eq!(
        gw.api().healthz().await.expect("healthz").status,
        "ok",
        "the gateway still serves"
    );
}
