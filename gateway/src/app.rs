//! Assembling a gateway from its configuration, and serving it.

use crate::auth::TokenKeys;
use crate::bus::{MemoryBus, RedisBus};
use crate::config::{Config, load_or_create_secret};
use crate::connections::{ConnectionRegistry, LocalConnections, RedisConnections};
use crate::domain::Desk;
use crate::hub::Hub;
use crate::principal::PrincipalKey;
use crate::store::{PostgresStore, SqliteStore, Store};
use anyhow::{Context, bail};
use axum::serve::ListenerExt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::{AgentId, ClientRole, TenantId};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// What every handler and session shares.
#[derive(Clone)]
pub struct AppState {
    pub desk: Arc<Desk>,
    /// Cancelled when the node shuts down: sessions close with 1001 so clients reconnect
    /// elsewhere.
    pub shutdown: CancellationToken,
    /// The agent desk's static files; `None`: the gateway serves the API only.
    pub web: Option<crate::http::web::WebDesk>,
}

/// Opens the store named by the configuration.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let url = config.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating the data dir {}", config.data_dir.display()))?;
        let store = SqliteStore::open(&url)
            .await
            .with_context(|| format!("opening {url}"))?;
        Ok(Arc::new(store))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let store = PostgresStore::open(&url)
            .await
            .context("opening the PostgreSQL database")?;
        Ok(Arc::new(store))
    } else {
        bail!("unknown database URL {url:?}: expected sqlite://PATH or postgres://...")
    }
}

/// Builds the domain: store, hub and bus, token keys.
pub async fn build(config: &Config) -> anyhow::Result<Arc<Desk>> {
    let store = open_store(config).await?;
    let secret = match &config.jwt_secret {
        Some(secret) => secret.clone(),
        None => {
            std::fs::create_dir_all(&config.data_dir)?;
            load_or_create_secret(&config.jwt_secret_path()).context("reading the JWT secret")?
        }
    };
    let mut lapsed = None;
    let (hub, connections): (Arc<Hub>, Arc<dyn ConnectionRegistry>) = match &config.redis_url {
        None => (
            Hub::new(|sink| Arc::new(MemoryBus::new(sink))),
            Arc::new(LocalConnections::default()),
        ),
        Some(url) => {
            let (client, publisher) = RedisBus::connect(url)
                .await
                .map_err(|err| anyhow::anyhow!("{err}"))?;
            let prefix = config.redis_prefix.clone();
            let (connections, receiver) =
                RedisConnections::start(publisher.clone(), prefix.clone(), config.presence_ttl);
            lapsed = Some(receiver);
            (
                Hub::new(move |sink| RedisBus::start(client, publisher, prefix, sink)),
                connections,
            )
        }
    };
    let tokens = TokenKeys::new(secret.as_bytes());
    let desk = Desk::new(store, hub, tokens, connections);
    if let Some(receiver) = lapsed {
        tokio::spawn(announce_lapsed(Arc::downgrade(&desk), receiver));
    }
    Ok(desk)
}

/// Agents whose node died without saying goodbye: tell their tenant they are gone.
async fn announce_lapsed(
    desk: std::sync::Weak<Desk>,
    mut lapsed: tokio::sync::mpsc::UnboundedReceiver<(TenantId, PrincipalKey)>,
) {
    while let Some((tenant, key)) = lapsed.recv().await {
        let Some(desk) = desk.upgrade() else { return };
        if key.role == ClientRole::Agent {
            desk.publish_presence(&tenant, &AgentId(key.id.to_string()))
                .await;
        }
    }
}

/// Serves HTTP and WebSocket on `listener` until `shutdown` resolves, then closes every socket
/// with "going away" and waits briefly for them to finish.
pub async fn serve(
    listener: TcpListener,
    desk: Arc<Desk>,
    web: Option<crate::http::web::WebDesk>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let token = CancellationToken::new();
    let state = AppState {
        desk,
        shutdown: token.clone(),
        web,
    };
    let router = crate::http::router(state);
    let stop = token.clone();
    tokio::spawn(async move {
        shutdown.await;
        stop.cancel();
    });
    let graceful = token.clone();
    // TCP_NODELAY: a socket that sees a frame now and then otherwise waits for the peer's
    // delayed ACK (40 ms on Linux) before its next small write; the load tests measured a
    // steady 44 ms p99 without it (docs/benchmarks.md).
    let listener = listener.tap_io(|stream| {
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY on an accepted socket: {err}");
        }
    });
    let server = axum::serve(listener, router)
        .with_graceful_shutdown(async move { graceful.cancelled().await });
    server.await.context("serving")?;
    // Upgraded sockets are not tracked by the server: give sessions a moment to send 1001.
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(())
}
