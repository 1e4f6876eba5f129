//! The client against a scripted in-process server: buffering, matching and close codes.

use super::*;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// A server that answers the first client frame with `script`, then closes with `close`.
async fn scripted(script: Vec<String>, close: u16) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("accept");
        let mut ws = tokio_tungstenite::accept_async(tcp)
            .await
            .expect("handshake");
        let _ = ws.next().await;
        for text in script {
            ws.send(WsMessage::text(text)).await.expect("send");
        }
        let frame = CloseFrame {
            code: CloseCode::from(close),
            reason: "bye".into(),
        };
        let _ = ws.send(WsMessage::Close(Some(frame))).await;
        while let Some(Ok(_)) = ws.next().await {}
    });
    format!("http://{address}")
}

#[test]
fn ws_url_is_derived_from_the_http_base() {
    assert_eq!(ws_url("http://127.0.0.1:1/"), "ws://127.0.0.1:1/v1/ws");
    assert_eq!(ws_url("https://example.com"), "wss://example.com/v1/ws");
}

#[tokio::test]
async fn request_buffers_events_that_arrive_before_its_answer() {
    let req = "r-test-1";
    let event = r#"{"type":"presence","agent_id":"a1","presence":"online","connected":true}"#;
    let url = scripted(
        vec![
            event.to_owned(),
            format!(r#"{{"type":"error","req":"other","code":"conflict","message":"x"}}"#),
            format!(r#"{{"type":"ack","req":"{req}"}}"#),
        ],
        4001,
    )
    .await;
    let mut client = WsClient::connect(&url).await.expect("connect");
    let frame = ClientFrame::Unsubscribe(ConversationRef {
        req: req.to_owned(),
        conversation_id: "c1".into(),
    });
    let ack = client.request(&frame).await.expect("ack");
    assert_eq!(ack.req, req);
    assert_eq!(
        client.buffered().len(),
        2,
        "the event and the other error are kept"
    );
    client
        .assert_nothing(
            |f| matches!(f, ServerFrame::Presence(_)),
            Duration::from_millis(10),
        )
        .await
        .expect_err("a buffered match fails assert_nothing");
    let presence = client
        .wait_for(
            |f| matches!(f, ServerFrame::Presence(_)),
            Duration::from_millis(10),
        )
        .await
        .expect("found in the buffer");
    assert!(matches!(presence, ServerFrame::Presence(_)));
    let code = client
        .expect_close(Duration::from_secs(2))
        .await
        .expect("closed");
    assert_eq!(code, Some(4001));
    let after = client.next_event(Duration::from_millis(10)).await;
    assert!(
        matches!(after, Ok(ServerFrame::Error(_))),
        "still buffered: {after:?}"
    );
    let closed = client.next_event(Duration::from_millis(10)).await;
    assert!(
        matches!(
            closed,
            Err(ClientError::Closed {
                code: Some(4001),
                ..
            })
        ),
        "{closed:?}"
    );
}

#[tokio::test]
async fn a_refusal_carries_the_error_code_and_a_timeout_says_what_was_awaited() {
    let url = scripted(
        vec![r#"{"type":"error","req":"r-test-2","code":"not_found","message":"no"}"#.to_owned()],
        1000,
    )
    .await;
    let mut client = WsClient::connect(&url)
        .await
        .expect("connect")
        .with_label("tester");
    let frame = ClientFrame::Resolve(ConversationRef {
        req: "r-test-2".to_owned(),
        conversation_id: "c1".into(),
    });
    let error = client.request(&frame).await.expect_err("refused");
    assert_eq!(error.code(), Some(ErrorCode::NotFound));
    let timeout = client
        .wait_for(|_| false, Duration::from_millis(20))
        .await
        .expect_err("nothing matches");
    let text = timeout.to_string();
    assert!(
        text.contains("tester") && text.contains("predicate"),
        "{text}"
    );
}
