//! The cloud hub: owner of the canonical catalog and the stock ledger.
//!
//! HQ manages a tenant's stores, terminals, products and stock through the `/v1`
//! API (API-key auth, tenant-scoped); terminals enroll with a one-time code, pull
//! the change feed and upload their outbox of sales. Storage is PostgreSQL when a
//! database URL is given, else an embedded SQLite file.

pub mod auth;
pub mod config;
pub mod http;
pub mod storage;

use std::future::Future;
use tokio::net::TcpListener;

/// Serves the hub on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: http::AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, http::router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Runs the hub binary: configuration from the environment, until Ctrl-C or SIGTERM.
pub async fn run() -> Result<(), String> {
    let config = config::HubConfig::from_env()?;
    tracing::info!(?config, "starting hub");
    let storage = storage::connect(&config.database_url)
        .await
        .map_err(|e| format!("cannot open the {} database: {e}", config.backend()))?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    tracing::info!(addr = %config.listen, "hub listening");
    let state = http::AppState {
        storage,
        admin_token: config.admin_token,
    };
    serve(listener, state, shutdown_signal())
        .await
        .map_err(|e| format!("server failed: {e}"))
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
