//! The cloud hub: owner of the canonical catalog and the stock ledger.
//!
//! HQ manages a tenant's stores, terminals, products and stock through the `/v1`
//! API (API keys or signed-in users, tenant-scoped); terminals enroll with a one-time code, pull
//! the change feed and upload their outbox of sales. Storage is PostgreSQL when a
//! database URL is given, else an embedded SQLite file.

pub mod acting;
pub mod auth;
pub mod config;
pub mod http;
pub mod hubctl;
pub mod passwords;
pub mod relay;
pub mod roles;
pub mod snapshot;
pub mod storage;

use std::future::Future;
use tokio::net::TcpListener;

/// Serves the hub on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: http::AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let closing = state.clone();
    axum::serve(listener, http::router(state))
        .with_graceful_shutdown(async move {
            shutdown.await;
            closing.begin_shutdown();
        })
        .await
}

/// The `cloud-hub` command line.
#[derive(clap::Parser)]
#[command(
    name = "cloud-hub",
    version,
    about = "The hub: HQ API, change feed and outbox intake"
)]
struct Cli {
    /// The config file (else HUB_CONFIG, else cloud-hub.toml in the platform
    /// config directory). Environment variables override it.
    #[arg(long, value_name = "PATH")]
    config: Option<std::path::PathBuf>,
    /// Print the effective settings (defaults, file and environment merged)
    /// as TOML, secrets left out, and exit.
    #[arg(long)]
    print_config: bool,
}

/// The `cloud-hub` binary: logs to stderr, runs until Ctrl-C or SIGTERM.
pub fn cli_main() -> std::process::ExitCode {
    let cli = <Cli as clap::Parser>::parse();
    let file = config::ConfigFile::locate(cli.config, &config::settings::process_env);
    let loaded = config::load(&file, &config::settings::process_env).and_then(|settings| {
        let config = config::HubConfig::from_settings(&settings)?;
        Ok((settings, config))
    });
    let config = match loaded {
        Ok((settings, _)) if cli.print_config => {
            return match config::print_config(&file, &settings) {
                Ok(text) => {
                    print!("{text}");
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("cloud-hub: {e}");
                    std::process::ExitCode::FAILURE
                }
            };
        }
        Ok((_, config)) => config,
        Err(e) => {
            eprintln!("cloud-hub: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    init_tracing();
    tracing::info!(config = %file.describe(), "configuration read");
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cloud-hub: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("cloud-hub: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
pub fn init_tracing() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs the hub with `config`, until Ctrl-C or SIGTERM.
pub async fn run(config: config::HubConfig) -> Result<(), String> {
    tracing::info!(?config, "starting hub");
    if let Some(dir) = &config.data_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create data dir {}: {e}", dir.display()))?;
    }
    let storage = storage::connect(config.database_url.expose())
        .await
        .map_err(|e| format!("cannot open the {} database: {e}", config.backend()))?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    tracing::info!(addr = %config.listen, "hub listening");
    tokio::spawn(prune_feed(
        storage.clone(),
        config.feed_retain,
        config.feed_prune_every,
    ));
    tokio::spawn(expire_reservations(
        storage.clone(),
        config.reservation_sweep_every,
    ));
    tokio::spawn(announce_hours_flips(
        storage.clone(),
        std::time::Duration::from_secs(30),
    ));
    tokio::spawn(announce_expiring_batches(
        storage.clone(),
        config.expiry_warn_days,
        std::time::Duration::from_secs(300),
    ));
    let admin_token = config.admin_token.as_ref().map(|t| t.expose().to_owned());
    let state =
        http::AppState::new(storage, admin_token).with_session_lifetime(config.session_lifetime);
    serve(listener, state, shutdown_signal())
        .await
        .map_err(|e| format!("server failed: {e}"))
}

/// Keeps each tenant's feed to its newest `keep` changes; terminals whose cursor
/// falls below bootstrap again from a snapshot.
async fn prune_feed(storage: storage::DynStorage, keep: u64, every: std::time::Duration) {
    loop {
        tokio::time::sleep(every).await;
        match storage.prune_feed(keep).await {
            Ok(0) => {}
            Ok(dropped) => tracing::info!(dropped, keep, "pruned the change feed"),
            Err(e) => tracing::warn!(error = %e, "pruning the change feed failed"),
        }
    }
}

/// Settles held reservations past their expiry, every `every`, so their stock
/// is free again for the orders that come next.
pub async fn expire_reservations(storage: storage::DynStorage, every: std::time::Duration) {
    loop {
        tokio::time::sleep(every).await;
        match storage
            .expire_reservations(pos_shared::Timestamp::now())
            .await
        {
            Ok(0) => {}
            Ok(expired) => tracing::info!(expired, "reservations expired"),
            Err(e) => tracing::warn!(error = %e, "expiring reservations failed"),
        }
    }
}

/// Announces stores opening and closing by their hours, looking every `every`.
pub async fn announce_hours_flips(storage: storage::DynStorage, every: std::time::Duration) {
    loop {
        match storage
            .announce_hours_flips(pos_shared::Timestamp::now())
            .await
        {
            Ok(0) => {}
            Ok(announced) => tracing::info!(announced, "stores opened or closed by their hours"),
            Err(e) => tracing::warn!(error = %e, "announcing opening-hours flips failed"),
        }
        tokio::time::sleep(every).await;
    }
}

/// Announces batches about to expire, every `every`, each once.
pub async fn announce_expiring_batches(
    storage: storage::DynStorage,
    warn_days: u32,
    every: std::time::Duration,
) {
    loop {
        let today = time::OffsetDateTime::now_utc().date();
        let cutoff = storage::batches::expiry_cutoff(today, warn_days);
        match storage.announce_expiring_batches(&cutoff).await {
            Ok(0) => {}
            Ok(announced) => tracing::info!(announced, %cutoff, "batches announced as expiring"),
            Err(e) => tracing::warn!(error = %e, "announcing expiring batches failed"),
        }
        tokio::time::sleep(every).await;
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
