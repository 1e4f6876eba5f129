//! Assembling a gateway from its configuration, and serving it.
//!
//! The top of the library: it builds the domain's [`Desk`] from its parts (store, bus and hub,
//! connection registry, token keys) and serves [`crate::router`]'s table. Its failures are
//! [`StartError`]s, which `main` reports and exits on; nothing here reaches a client.

use crate::auth::TokenKeys;
use crate::bus::{MemoryBus, RedisBus};
use crate::config::{Config, load_or_create_secret};
use crate::connections::{ConnectionRegistry, LocalConnections, RedisConnections};
use crate::domain::Desk;
use crate::edge::{AppState, WebDesk};
use crate::hub::Hub;
use crate::principal::PrincipalKey;
use crate::store::{PostgresStore, SqliteStore, Store};
use axum::serve::ListenerExt;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::{AgentId, ClientRole, TenantId};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Why a gateway could not be built or stopped serving. Each says what was being done; the
/// cause follows as its `source`.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("creating the data dir {}", .path.display())]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("opening {url}")]
    OpenSqlite {
        url: String,
        #[source]
        source: crate::Error,
    },
    #[error("opening the PostgreSQL database")]
    OpenPostgres(#[source] crate::Error),
    #[error("unknown database URL {0:?}: expected sqlite://PATH or postgres://...")]
    UnknownDatabase(String),
    #[error("reading the JWT secret")]
    Secret(#[source] std::io::Error),
    /// The message is the cause's own (`redis url: …`, `connecting to redis: …`).
    #[error("{0}")]
    Redis(crate::Error),
    #[error("serving")]
    Serve(#[source] std::io::Error),
}

fn create_data_dir(config: &Config) -> Result<(), StartError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
        path: config.data_dir.clone(),
        source,
    })
}

/// Opens the store named by the configuration.
pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, StartError> {
    let url = config.database_url();
    if url.starts_with("sqlite:") {
        create_data_dir(config)?;
        let store = SqliteStore::open(&url)
            .await
            .map_err(|source| StartError::OpenSqlite {
                url: url.clone(),
                source,
            })?;
        Ok(Arc::new(store))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let store = PostgresStore::open(&url)
            .await
            .map_err(StartError::OpenPostgres)?;
        Ok(Arc::new(store))
    } else {
        Err(StartError::UnknownDatabase(url))
    }
}

/// Builds the domain: store, hub and bus, token keys; starts the node's timer loop and sweep.
pub async fn build(config: &Config) -> Result<Arc<Desk>, StartError> {
    let store = open_store(config).await?;
    let secret = match &config.jwt_secret {
        Some(secret) => secret.clone(),
        None => {
            create_data_dir(config)?;
            load_or_create_secret(&config.jwt_secret_path()).map_err(StartError::Secret)?
        }
    };
    let mut lapsed = None;
    let (hub, connections): (Arc<Hub>, Arc<dyn ConnectionRegistry>) = match &config.redis_url {
        None => (
            Hub::new(|sink| Arc::new(MemoryBus::new(sink))),
            Arc::new(LocalConnections::default()),
        ),
        Some(url) => {
            let (client, publisher) = RedisBus::connect(url).await.map_err(StartError::Redis)?;
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
    // Durable timers and the queue sweep: every node runs both (`domain::timers`).
    crate::domain::timers::spawn_upkeep(&desk, config.queue_sweep);
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
    web: Option<WebDesk>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let token = CancellationToken::new();
    let state = AppState {
        desk,
        shutdown: token.clone(),
        web,
    };
    let router = crate::router::router(state);
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
    server.await.map_err(StartError::Serve)?;
    // Upgraded sockets are not tracked by the server: give sessions a moment to send 1001.
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(())
}
