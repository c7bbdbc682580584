//! The cloud hub: owner of the canonical catalog and the stock ledger.
//!
//! HQ manages a tenant's stores, terminals, products and stock through the `/v1`
//! API (API keys or signed-in users, tenant-scoped); terminals enroll with a one-time code, pull
//! the change feed and upload their outbox of sales. Storage is PostgreSQL when a
//! database URL is given, else an embedded SQLite file.
//!
//! [`start`] is the one way to run a hub: the binary, the demo and every test
//! call it, so what is tested is what runs in production, background tasks
//! and all.

pub mod acting;
pub mod auth;
pub mod baskets;
pub mod config;
pub mod domain;
pub mod enrichment;
pub mod event_bus;
pub mod events_out;
pub mod feed_wake;
pub mod followers;
pub mod fulfilment;
pub mod http;
pub mod ingest;
pub mod metrics;
pub mod passwords;
pub mod relay;
pub mod roles;
pub mod sealing;
pub mod search;
pub mod signatures;
pub mod snapshot;
pub mod startup;
pub mod storage;
pub mod terminal_reports;
pub mod tls;

pub use startup::{start, RunningHub};

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
    if let Err(e) = pos_shared::logging::init("HUB_LOG_FORMAT") {
        eprintln!("cloud-hub: {e}");
        return std::process::ExitCode::FAILURE;
    }
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

/// Logs to stderr, filtered by `RUST_LOG` (default `info`), as text or, with
/// `HUB_LOG_FORMAT=json`, JSON lines.
pub fn init_tracing() {
    let _ = pos_shared::logging::init("HUB_LOG_FORMAT");
}

/// Runs the hub with `config`, until Ctrl-C or SIGTERM.
pub async fn run(config: config::HubConfig) -> Result<(), String> {
    tracing::info!(?config, "starting hub");
    #[cfg(unix)]
    if config.tls.is_none() {
        tokio::spawn(hangups_ignored());
    }
    let hub = start(config).await?;
    hub.serve_until(shutdown_signal())
        .await
        .map_err(|e| format!("server failed: {e}"))
}

/// SIGHUP reloads the TLS certificate when there is one (`tls.rs`); without
/// one it must still not end the hub, as it would by default (`systemctl
/// reload`, `kill -HUP` after renewing certificates for another service).
#[cfg(unix)]
async fn hangups_ignored() {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        return;
    };
    while hangups.recv().await.is_some() {
        tracing::info!("SIGHUP: nothing to reload (no TLS certificate configured)");
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
