//! Malformed, oversized, unauthenticated and flooding input on the socket (contract 3 and 5,
//! decisions 7, 8 and 11): each is answered as the contract says, and changes nothing.

mod support;

use std::time::Duration;
use support::*;
use switchboard_load_tests::{ClientError, WsClient, frame};
use switchboard_protocol::*;
use tokio::time::Instant;

/// Sends raw text and returns the `error` that answers it (the first `error` frame).
async fn error_for_raw(ws: &mut WsClient, text: &str) -> ErrorFrame {
    ws.send_raw(text).await.expect("send raw");
    match ws
        .wait_for(|f| matches!(f, ServerFrame::Error(_)), T)
        .await
        .unwrap_or_else(|e| panic!("no error answered {text:?}: {e}"))
    {
        ServerFrame::Error(error) => error,
        other => panic!("not an error: {other:?}"),
    }
}

async fn user_socket(
    gw: &TestGateway,
    tenant: &Tenant,
) -> (WsClient, switchboard_protocol::api::WidgetSession) {
    let user = tenant.user().await;
    (gw.connect(&user.token, "user").await, user)
}

#[tokio::test]
async fn a_frame_that_is_not_json_answers_invalid_and_the_connection_keeps_working() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("notjson").await;
    let (mut ws, _) = user_socket(&gw, &tenant).await;
    for text in ["hello", "{\"type\": \"ping\"", "", "[1,2,3]", "42", "null"] {
        let error = error_for_raw(&mut ws, text).await;
        assert_eq!(error.code, ErrorCode::Invalid, "{text:?}: {error:?}");
        ws.ping()
            .await
            .unwrap_or_else(|e| panic!("after {text:?} the socket still works: {e}"));
    }
}

#[tokio::test]
async fn an_unknown_type_answers_invalid_with_its_req() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("unknowntype").await;
    let (mut ws, _) = user_socket(&gw, &tenant).await;
    let error = error_for_raw(
        &mut ws,
        r#"{"type":"conversation.explode","req":"bad-1","conversation_id":"x"}"#,
    )
    .await;
    assert_eq!(error.code, ErrorCode::Invalid);
    assert_eq!(error.req.as_deref(), Some("bad-1"));
    let error = error_for_raw(&mut ws, r#"{"req":"bad-2"}"#).await;
    assert_eq!(
        (error.code, error.req.as_deref()),
        (ErrorCode::Invalid, Some("bad-2")),
        "no type at all"
    );
    ws.ping().await.expect("the socket still works");
}

#[tokio::test]
async fn a_missing_field_answers_invalid_with_its_req_and_changes_nothing() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("missing").await;
    let (mut ws, _) = user_socket(&gw, &tenant).await;
    // message.send without client_msg_id, then without text.
    let error = error_for_raw(
        &mut ws,
        r#"{"type":"message.send","req":"bad-3","text":"hi"}"#,
    )
    .await;
    assert_eq!(
        (error.code, error.req.as_deref()),
        (ErrorCode::Invalid, Some("bad-3"))
    );
    let error = error_for_raw(
        &mut ws,
        r#"{"type":"message.send","req":"bad-4","client_msg_id":"c"}"#,
    )
    .await;
    assert_eq!(
        (error.code, error.req.as_deref()),
        (ErrorCode::Invalid, Some("bad-4"))
    );
    let error = error_for_raw(&mut ws, r#"{"type":"history","req":"bad-5"}"#).await;
    assert_eq!(
        (error.code, error.req.as_deref()),
        (ErrorCode::Invalid, Some("bad-5"))
    );
    ws.ping().await.expect("the socket still works");
    let open = tenant
        .owner
        .conversations(ConversationView::Open)
        .await
        .expect("open view");
    assert!(open.is_empty(), "no conversation was opened: {open:#?}");
}

#[tokio::test]
async fn a_mistyped_field_answers_invalid_with_its_req_and_changes_nothing() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("mistyped").await;
    let (mut ws, _) = user_socket(&gw, &tenant).await;
    for (req, text) in [
        (
            "bad-6",
            r#"{"type":"message.send","req":"bad-6","client_msg_id":"c1","text":42}"#,
        ),
        (
            "bad-7",
            r#"{"type":"message.send","req":"bad-7","client_msg_id":["c2"],"text":"hi"}"#,
        ),
        (
            "bad-8",
            r#"{"type":"message.send","req":"bad-8","client_msg_id":"c3","text":"hi","private":"no"}"#,
        ),
        (
            "bad-9",
            r#"{"type":"history","req":"bad-9","conversation_id":"x","after_seq":"ten"}"#,
        ),
        (
            "bad-10",
            r#"{"type":"read","req":"bad-10","conversation_id":"x","seq":-1}"#,
        ),
    ] {
        let error = error_for_raw(&mut ws, text).await;
        assert_eq!(
            (error.code, error.req.as_deref()),
            (ErrorCode::Invalid, Some(req)),
            "{text}"
        );
    }
    ws.ping().await.expect("the socket still works");
    let open = tenant
        .owner
        .conversations(ConversationView::Open)
        .await
        .expect("open view");
    assert!(open.is_empty(), "no conversation was opened: {open:#?}");
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("unknownfield").await;
    let (mut ws, _) = user_socket(&gw, &tenant).await;
    ws.send_raw(r#"{"type":"message.send","req":"extra-1","client_msg_id":"c1","text":"hi","mood":"happy"}"#)
        .await
        .expect("send");
    let answer = ws
        .wait_for(
            |f| switchboard_load_tests::ws::is_answer_to(f, "extra-1"),
            T,
        )
        .await
        .expect("an answer");
    assert!(
        matches!(answer, ServerFrame::Ack(_)),
        "an unknown field is ignored: {answer:?}"
    );
}

#[tokio::test]
async fn ping_answers_pong_carrying_its_req() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("ping").await;
    let (mut ws, _) = user_socket(&gw, &tenant).await;
    ws.send_raw(r#"{"type":"ping","req":"p-1"}"#)
        .await
        .expect("send");
    let pong = ws
        .wait_for(|f| matches!(f, ServerFrame::Pong(_)), T)
        .await
        .expect("pong");
    assert_eq!(
        pong,
        ServerFrame::Pong(Ping {
            req: Some("p-1".into())
        })
    );
    ws.send_raw(r#"{"type":"ping"}"#).await.expect("send");
    let pong = ws
        .wait_for(|f| matches!(f, ServerFrame::Pong(_)), T)
        .await
        .expect("pong");
    assert_eq!(
        pong,
        ServerFrame::Pong(Ping { req: None }),
        "a ping without req gets a bare pong"
    );
}

#[tokio::test]
async fn text_over_16000_characters_is_too_large_and_not_stored() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("toolarge").await;
    let (mut ws, _) = user_socket(&gw, &tenant).await;
    let first = ws.send_message(None, "u-1", "Hi").await.expect("u-1");
    let conv = first.conversation_id.clone();

    let long = "a".repeat(MAX_TEXT_CHARS + 1);
    assert_refused(
        ws.send_message(&conv, "u-long", &long).await,
        ErrorCode::TooLarge,
    );
    // The limit counts characters, not bytes: 16,000 two-byte characters fit.
    let wide = "é".repeat(MAX_TEXT_CHARS);
    let stored = ws
        .send_message(&conv, "u-wide", &wide)
        .await
        .expect("16,000 characters are allowed");
    assert_eq!(stored.text.chars().count(), MAX_TEXT_CHARS);
    let history = ws.history(&conv, None).await.expect("history");
    assert!(
        history
            .messages
            .iter()
            .all(|m| m.client_msg_id.as_deref() != Some("u-long")),
        "the long text was not stored"
    );
    ws.ping().await.expect("the socket still works");
}

#[tokio::test]
async fn a_frame_over_64_kib_closes_the_connection_with_1009() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("bigframe").await;
    let (mut ws, _) = user_socket(&gw, &tenant).await;
    // Just under the limit is served (the padding is an unknown field, ignored).
    let req = ws
        .send_padded_ping(60 * 1024)
        .await
        .expect("send a 60 KiB frame");
    ws.wait_for(
        |f| matches!(f, ServerFrame::Pong(p) if p.req.as_deref() == Some(req.as_str())),
        T,
    )
    .await
    .expect("a 60 KiB frame is answered");

    ws.send_padded_ping(MAX_FRAME_BYTES + 1)
        .await
        .expect("send a frame of 64 KiB + 1");
    let code = ws
        .expect_close(T)
        .await
        .expect("the gateway closes the connection");
    assert_eq!(code, Some(close_code::MESSAGE_TOO_BIG));
}

#[tokio::test]
async fn a_connection_without_auth_is_closed_with_4001_after_10_seconds() {
    let gw = TestGateway::start().await;
    let started = Instant::now();
    let mut ws = gw.connect_unauthenticated("silent client").await;
    let code = ws
        .expect_close(Duration::from_secs(AUTH_TIMEOUT_SECS + 5))
        .await
        .expect("the gateway closes a connection that never authenticates");
    let waited = started.elapsed();
    assert_eq!(code, Some(close_code::UNAUTHORIZED));
    assert!(
        waited >= Duration::from_secs(AUTH_TIMEOUT_SECS - 1),
        "closed too early, after {waited:?}"
    );
}

#[tokio::test]
async fn frames_before_auth_are_refused_unauthorized_and_never_executed() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("preauth").await;
    let (_alice, mut alice_ws) = online_agent(&gw, &tenant, "Alice").await;
    let (mut user_ws, user) = user_socket(&gw, &tenant).await;
    let first = user_ws.send_message(None, "u-1", "Hi").await.expect("u-1");
    let conv = first.conversation_id.clone();

    let mut early = gw.connect_unauthenticated("early bird").await;
    for f in [
        frame::message_send(Some(&conv), "ghost-1", "ghost"),
        frame::message_send(None, "ghost-2", "ghost"),
        frame::accept(&conv),
        frame::history(&conv, None),
    ] {
        let error = early
            .request_refused(&f)
            .await
            .unwrap_or_else(|e| panic!("{} before auth: {e}", f.type_name()));
        assert_eq!(error.code, ErrorCode::Unauthorized, "{f:?}: {error:?}");
        assert_eq!(
            error.req.as_deref(),
            f.req(),
            "the refusal carries the frame's req"
        );
    }
    // The connection still waits for auth, and then works.
    let welcome = early
        .auth(&user.token)
        .await
        .expect("auth after refused frames");
    assert_eq!(welcome.role, ClientRole::User);
    let history = alice_ws.history(&conv, None).await.expect("history");
    assert!(
        history.messages.iter().all(|m| m.text != "ghost"),
        "no frame before auth was executed: {:#?}",
        history.messages
    );
    let open = tenant
        .owner
        .conversations(ConversationView::Open)
        .await
        .expect("open view");
    assert_eq!(open.len(), 1, "no second conversation was opened");
    assert_eq!(
        open[0].status,
        ConversationStatus::Queued,
        "the accept was not executed"
    );
}

#[tokio::test]
async fn a_bad_token_gets_unauthorized_and_close_4001() {
    let gw = TestGateway::start().await;
    assert_socket_refuses_token(&gw, "definitely-not-a-token", "garbage token").await;
}

#[tokio::test]
async fn flooding_is_rate_limited_and_then_closed_with_4029() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("flood").await;
    let (mut ws, _) = user_socket(&gw, &tenant).await;

    // A burst above 40: every ping is answered once, some with rate_limited.
    let burst = (RATE_BURST as usize) + 10;
    let mut reqs = Vec::new();
    for _ in 0..burst {
        let ping = frame::ping();
        reqs.push(ping.req().unwrap_or_default().to_owned());
        ws.send(&ping).await.expect("send ping");
    }
    let mut pongs = 0;
    let mut limited = 0;
    for req in &reqs {
        let answer = ws
            .wait_for(
                |f| match f {
                    ServerFrame::Pong(p) => p.req.as_deref() == Some(req.as_str()),
                    ServerFrame::Error(e) => e.req.as_deref() == Some(req.as_str()),
                    _ => false,
                },
                T,
            )
            .await
            .unwrap_or_else(|e| {
                panic!("ping {req} got no answer (pongs {pongs}, limited {limited}): {e}")
            });
        match answer {
            ServerFrame::Pong(_) => pongs += 1,
            ServerFrame::Error(e) => {
                assert_eq!(e.code, ErrorCode::RateLimited, "{e:?}");
                limited += 1;
            }
            _ => unreachable!(),
        }
    }
    assert!(
        limited >= 1,
        "a burst of {burst} is rate limited (pongs {pongs})"
    );
    // The burst is served (a little slack: the auth frame may count against it).
    assert!(
        pongs >= RATE_BURST as usize - 5,
        "the burst of 40 is served (pongs {pongs}, limited {limited})"
    );

    // Keep flooding, one frame at a time as fast as the answers come: the gateway gives up.
    let started = Instant::now();
    let mut sent = 0;
    while ws.closed().is_none() && started.elapsed() < Duration::from_secs(10) {
        if ws.send(&frame::ping()).await.is_err() {
            break;
        }
        sent += 1;
        // Whatever the answer, read it before the next frame: nothing is in flight when
        // the gateway closes, so its close frame cannot be lost to a TCP reset.
        match ws.next_event(T).await {
            Ok(_) => {}
            Err(ClientError::Closed { .. }) => break,
            Err(e) => panic!("after {sent} more pings: {e}"),
        }
    }
    let code = ws.closed().map(|c| c.code);
    assert_eq!(
        code,
        Some(Some(close_code::RATE_LIMITED)),
        "after {sent} more pings, close: {:?}",
        ws.closed()
    );
}

/// A real flooding client has frames in flight when the gateway closes. The close code
/// must still reach it, which needs the gateway to keep reading (a lingering close) instead
/// of dropping a socket with unread input, which makes the kernel send a reset that can
/// discard the close frame before the client reads it.
#[tokio::test]
async fn a_flooding_client_with_frames_in_flight_still_receives_close_4029() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("flood2").await;
    let (mut ws, _) = user_socket(&gw, &tenant).await;
    // Empty the bucket first, then keep sending in bursts of 100 frames.
    let first: Vec<ClientFrame> = (0..RATE_BURST).map(|_| frame::ping()).collect();
    ws.send_many(&first).await.expect("send the first burst");
    ws.pump(Duration::from_millis(50)).await.expect("read");
    let started = Instant::now();
    while ws.closed().is_none() && started.elapsed() < Duration::from_secs(10) {
        let burst: Vec<ClientFrame> = (0..100).map(|_| frame::ping()).collect();
        if ws.send_many(&burst).await.is_err() {
            break;
        }
        ws.pump(Duration::from_millis(200))
            .await
            .expect("read while flooding");
    }
    let code = match ws.closed() {
        Some(closed) => closed.code,
        None => ws
            .expect_close(T)
            .await
            .expect("the gateway closes a flooding client"),
    };
    assert_eq!(
        code,
        Some(close_code::RATE_LIMITED),
        "close detail: {:?}",
        ws.closed()
    );
}
