//! The `switchboard` command line (contract section 1).

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use switchboard::{Config, app, edge};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Switchboard: a real-time chat gateway for customer support"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway (the default).
    Serve(ServeArgs),
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a tenant with its owner; prints {"tenant_id","app_key","owner_id","identity_secret"}.
    Create(TenantCreateArgs),
}

#[derive(Args, Clone)]
struct StoreArgs {
    /// sqlite://PATH or postgres://... (default: SQLite in the data dir)
    #[arg(long, env = "SWITCHBOARD_DATABASE_URL")]
    database_url: Option<String>,
    #[arg(
        long,
        env = "SWITCHBOARD_DATA_DIR",
        default_value = "./switchboard-data"
    )]
    data_dir: PathBuf,
}

#[derive(Args, Clone)]
struct ServeArgs {
    #[arg(long, env = "SWITCHBOARD_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// redis://... (default: the in-process bus)
    #[arg(long, env = "SWITCHBOARD_REDIS_URL")]
    redis_url: Option<String>,
    /// Prefix of every Redis channel and key (several clusters may share one Redis)
    #[arg(long, env = "SWITCHBOARD_REDIS_PREFIX", default_value = "sb:")]
    redis_prefix: String,
    /// Cluster mode: seconds after which a dead node's connections stop counting
    #[arg(long, env = "SWITCHBOARD_PRESENCE_TTL_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(3..=3600))]
    presence_ttl_secs: u64,
    /// The JWT signing secret (default: generated once into the data dir)
    #[arg(long, env = "SWITCHBOARD_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    /// The built agent desk to serve at / (scripts/build-web; default: web-ui/dist if built)
    #[arg(long, env = "SWITCHBOARD_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// Seconds between two sweeps of the auto queues by this node (tests shorten it)
    #[arg(long, env = "SWITCHBOARD_QUEUE_SWEEP_SECS", hide = true, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    queue_sweep_secs: u64,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
struct TenantCreateArgs {
    #[arg(long)]
    name: String,
    #[arg(long)]
    owner_login: String,
    #[arg(long)]
    owner_password: String,
    #[arg(long)]
    owner_email: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

impl ServeArgs {
    fn config(&self) -> Config {
        Config {
            listen: self.listen,
            database_url: self.store.database_url.clone(),
            redis_url: self.redis_url.clone(),
            redis_prefix: self.redis_prefix.clone(),
            presence_ttl: std::time::Duration::from_secs(self.presence_ttl_secs),
            data_dir: self.store.data_dir.clone(),
            jwt_secret: self.jwt_secret.clone(),
            web_dir: self.web_dir.clone().or_else(edge::web_desk::default_dir),
            queue_sweep: std::time::Duration::from_secs(self.queue_sweep_secs),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("SWITCHBOARD_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        None => serve(cli.serve.config()).await,
        Some(Command::Serve(args)) => serve(args.config()).await,
        Some(Command::Tenant(TenantCommand::Create(args))) => create_tenant(args).await,
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    // A configured desk that is not built is a mistake: say so before serving.
    let web = config
        .web_dir
        .as_deref()
        .map(edge::WebDesk::open)
        .transpose()?;
    let desk = app::build(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let address = listener.local_addr()?;
    // The one line on stdout: scripts and tests read the URL from it.
    println!("listening on http://{address}");
    tracing::info!(%address, database = %redact(&config.database_url()), "Switchboard is serving");
    match &web {
        Some(web) => tracing::info!(web_dir = %web.dir().display(), "serving the desk at /"),
        None => tracing::info!("no desk to serve (scripts/build-web builds it)"),
    }
    app::serve(listener, desk, web, shutdown_signal()).await?;
    Ok(())
}

/// The URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: closing sockets with 1001");
}

async fn create_tenant(args: TenantCreateArgs) -> anyhow::Result<()> {
    let config = Config {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: args.store.database_url,
        redis_url: None,
        redis_prefix: String::new(),
        presence_ttl: std::time::Duration::from_secs(30),
        data_dir: args.store.data_dir,
        jwt_secret: None,
        web_dir: None,
        queue_sweep: switchboard::domain::timers::DEFAULT_QUEUE_SWEEP,
    };
    let desk = app::build(&config).await?;
    let created = desk
        .create_tenant(
            &args.name,
            &args.owner_login,
            &args.owner_password,
            args.owner_email.as_deref(),
        )
        .await
        .map_err(|err| anyhow::anyhow!("{}", err.public_message()))?;
    println!("{}", serde_json::to_string(&created)?);
    Ok(())
}
