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
pub mod config;
pub mod http;
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

/// The `cloud-hub` binary: logs to stderr, runs until Ctrl-C or SIGTERM.
pub fn cli_main() -> std::process::ExitCode {
    init_tracing();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cloud-hub: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
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

/// Runs the hub with configuration from the environment, until Ctrl-C or SIGTERM.
pub async fn run() -> Result<(), String> {
    let config = config::HubConfig::from_env()?;
    tracing::info!(?config, "starting hub");
    let hub = start(config).await?;
    hub.serve_until(shutdown_signal())
        .await
        .map_err(|e| format!("server failed: {e}"))
}

/// A hub started by [`start`]: serving on [`RunningHub::addr`] with every
/// background task running. Dropping it stops the tasks and shuts the server
/// down gracefully.
pub struct RunningHub {
    addr: std::net::SocketAddr,
    storage: storage::DynStorage,
    /// Dropped (or sent on) to begin the graceful shutdown.
    stop: tokio::sync::watch::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The background tasks; aborted when the set is dropped.
    tasks: tokio::task::JoinSet<()>,
}

impl RunningHub {
    /// Where the hub listens (the real port when the config said port 0).
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// `http://` and the address, for clients.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The hub's storage, for tests that look below the API.
    pub fn storage(&self) -> &storage::DynStorage {
        &self.storage
    }

    /// Serves until `shutdown` completes (or the server fails), then stops the
    /// background tasks and lets open requests finish.
    pub async fn serve_until(
        self,
        shutdown: impl Future<Output = ()> + Send,
    ) -> std::io::Result<()> {
        let RunningHub {
            stop,
            mut server,
            tasks,
            ..
        } = self;
        tokio::select! {
            ended = &mut server => return joined(ended),
            () = shutdown => {}
        }
        drop(tasks);
        let _ = stop.send(());
        joined(server.await)
    }

    /// Stops the hub: background tasks first, then the server, gracefully.
    pub async fn stop(self) -> std::io::Result<()> {
        self.serve_until(std::future::ready(())).await
    }
}

fn joined(ended: Result<std::io::Result<()>, tokio::task::JoinError>) -> std::io::Result<()> {
    ended.unwrap_or_else(|e| {
        Err(std::io::Error::other(format!(
            "the server task failed: {e}"
        )))
    })
}

/// Starts the hub as `config` says: opens (and migrates) the database, binds
/// the listener, starts every background task (feed pruning, reservation
/// expiry, opening-hours and batch-expiry announcements) and serves the API.
pub async fn start(config: config::HubConfig) -> Result<RunningHub, String> {
    let storage = storage::connect(&config.database_url)
        .await
        .map_err(|e| format!("cannot open the {} database: {e}", config.backend()))?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    tracing::info!(%addr, "hub listening");
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(prune_feed(
        storage.clone(),
        config.feed_retain,
        config.feed_prune_every,
    ));
    tasks.spawn(expire_reservations(
        storage.clone(),
        config.reservation_sweep_every,
    ));
    tasks.spawn(announce_hours_flips(
        storage.clone(),
        config.hours_check_every,
    ));
    tasks.spawn(announce_expiring_batches(
        storage.clone(),
        config.expiry_warn_days,
        config.expiry_check_every,
    ));
    let state = http::AppState::new(storage.clone(), config.admin_token)
        .with_session_lifetime(config.session_lifetime);
    let (stop, mut stopped) = tokio::sync::watch::channel(());
    let server = tokio::spawn(serve(listener, state, async move {
        // A send or the sender dropped: either way, time to stop.
        let _ = stopped.changed().await;
    }));
    Ok(RunningHub {
        addr,
        storage,
        stop,
        server,
        tasks,
    })
}

/// Keeps each tenant's feed to its newest `keep` changes; terminals whose cursor
/// falls below bootstrap again from a snapshot.
pub async fn prune_feed(storage: storage::DynStorage, keep: u64, every: std::time::Duration) {
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
