//! Health and metrics endpoints.

mod support;

use std::time::Duration;
use support::TestGateway;

async fn metric(base_url: &str, name: &str) -> f64 {
    let text = reqwest::get(format!("{base_url}/metrics"))
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("body");
    text.lines()
        .filter(|line| line.starts_with(name))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn metrics_count_connections_and_messages() {
    let gw = TestGateway::start().await;
    let tenant = gw.create_tenant("metrics").await;
    let response = reqwest::get(format!("{}/metrics", gw.base_url))
        .await
        .expect("GET /metrics");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("application/openmetrics-text"),
        "{:?}",
        response.headers()
    );
    assert_eq!(
        metric(&gw.base_url, "switchboard_messages_total").await,
        0.0
    );
    let user = tenant.user().await;
    let mut ws = gw.connect(&user.token, "user").await;
    ws.send_message(None, "m1", "hello").await.expect("send");
    ws.send_message(None, "m1", "hello")
        .await
        .expect("a retry stores nothing new");
    assert_eq!(
        metric(&gw.base_url, "switchboard_messages_total").await,
        1.0
    );
    assert_eq!(
        metric(&gw.base_url, "switchboard_connections{role=\"user\"}").await,
        1.0
    );
    ws.close().await.expect("close");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while metric(&gw.base_url, "switchboard_connections{role=\"user\"}").await != 0.0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the closed socket is no longer counted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
