//! Starting the hub: [`start`] opens the database, binds the listener, starts
//! every background task and serves the API; [`RunningHub`] is the handle
//! that stops it. The background tasks live here too: feed pruning,
//! reservation expiry, and the opening-hours and batch-expiry announcements;
//! the hand-over task (`fulfilment::handover`) is started here when a
//! delivery partner or a payment gateway is configured, and the task that
//! sends events to HQ's webhook subscriptions (`events_out`) always, and the
//! relay of events to NATS JetStream (`event_bus`) when `[nats] url` is set.
//! The `cloud-hub` binary, the demo and every test start the hub this way.

use crate::{config, http, storage};
use std::future::Future;
use tokio::net::TcpListener;

/// Serves the hub on `listener` until `shutdown` completes. Private: a hub
/// is started with [`start`], background tasks and all.
async fn serve<L>(
    listener: L,
    state: http::AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener,
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
    http::limits::Peer:
        for<'a> axum::extract::connect_info::Connected<axum::serve::IncomingStream<'a, L>>,
{
    let closing = state.clone();
    // A router served as it is is rebuilt for every connection (axum turns
    // every route into a service up front, about 370 KB for this API); as a
    // make-service each connection shares it and only the route a request
    // takes is made ready. 5,000 terminals hold a connection each.
    axum::serve(
        listener,
        http::router(state).into_make_service_with_connect_info::<http::limits::Peer>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        closing.begin_shutdown();
    })
    .await
}

/// A hub started by [`start`]: serving on [`RunningHub::addr`] with every
/// background task running. Dropping it stops the tasks and shuts the server
/// down gracefully.
pub struct RunningHub {
    addr: std::net::SocketAddr,
    /// `https` when the hub serves TLS, else `http`.
    scheme: &'static str,
    storage: storage::DynStorage,
    /// Dropped (or sent on) to begin the graceful shutdown.
    stop: tokio::sync::watch::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The background tasks; aborted when the set is dropped.
    tasks: tokio::task::JoinSet<()>,
    /// Terminals' reports not yet written, written once more on the way out.
    reports: std::sync::Arc<crate::terminal_reports::TerminalReports>,
}

impl RunningHub {
    /// Where the hub listens (the real port when the config said port 0).
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// `http://` (or `https://`) and the address, for clients.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
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
            reports,
            storage,
            ..
        } = self;
        tokio::select! {
            ended = &mut server => return joined(ended),
            () = shutdown => {}
        }
        drop(tasks);
        let _ = stop.send(());
        let served = joined(server.await);
        if let Err(e) = reports.flush(&storage).await {
            tracing::warn!(error = %e, "writing terminals' last reports failed");
        }
        served
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
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    // A certificate that cannot be read stops the start, naming the file.
    let certificates = config
        .tls
        .clone()
        .map(crate::tls::Certificates::load)
        .transpose()?;
    let scheme = if certificates.is_some() {
        "https"
    } else {
        "http"
    };
    tracing::info!(%addr, scheme, "hub listening");
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
    let boundaries = boundaries(&config)?;
    if boundaries.partner.is_some() || boundaries.gateway.is_some() {
        tasks.spawn(crate::fulfilment::handover::run(
            storage.clone(),
            boundaries,
            config.delivery_sweep_every,
            config.delivery_retry_max,
        ));
    }
    let secret_key = config.secret_key.load()?;
    tasks.spawn(crate::events_out::run(
        storage.clone(),
        crate::events_out::sender::Sender::new(config.webhooks.timeout)?,
        config.webhooks.schedule,
        config.webhooks.sweep_every,
        secret_key.clone(),
    ));
    if let Some(nats) = &config.nats {
        tracing::info!(stream = %nats.stream, subjects = %format!("{}.>", nats.subject_prefix), "relaying events to NATS JetStream");
        tasks.spawn(crate::event_bus::run(storage.clone(), nats.clone()));
    }
    if secret_key.is_none() {
        tracing::warn!("no secret key (secret_key, HUB_SECRET_KEY or secret_key_file): source systems cannot be registered");
    }
    let ingest_wake = std::sync::Arc::new(tokio::sync::Notify::new());
    tasks.spawn(crate::ingest::worker::run(
        storage.clone(),
        ingest_wake.clone(),
        config.ingestion_sweep_every,
    ));
    let feed_wake = std::sync::Arc::new(tokio::sync::Notify::new());
    tasks.spawn(crate::ingest::seller_worker::run(
        storage.clone(),
        feed_wake.clone(),
        config.ingestion_sweep_every,
    ));
    let feed_waker = std::sync::Arc::new(crate::feed_wake::FeedWaker::default());
    tasks.spawn(crate::feed_wake::run(storage.clone(), feed_waker.clone()));
    let reports = std::sync::Arc::new(crate::terminal_reports::TerminalReports::default());
    tasks.spawn(crate::terminal_reports::run(
        storage.clone(),
        reports.clone(),
        config.report_flush_every,
    ));
    let admin_token = config.admin_token.as_ref().map(|t| t.expose().to_owned());
    let state = http::AppState::new(storage.clone(), admin_token)
        .with_session_lifetime(config.session_lifetime)
        .with_snapshot_share(config.snapshot_share)
        .with_limits(config.limits)
        .with_delivery(config.delivery.as_ref().map(|d| http::PartnerCallbacks {
            partner: d.name.clone(),
            secret: d.webhook_secret.clone(),
        }))
        .with_payments(config.payments.is_some())
        .with_private_webhooks(config.webhooks.allow_private_http)
        .with_ingestion(secret_key, ingest_wake, config.ingestion_max_body)
        .with_feeds(feed_wake, config.feed_max_body)
        .with_terminals(feed_waker, reports.clone())
        .with_metrics_token(config.metrics_token.as_ref().map(|t| t.expose().to_owned()));
    tasks.spawn(crate::search::run(state.search.clone()));
    tasks.spawn(crate::baskets::run(
        storage.clone(),
        std::sync::Arc::default(),
    ));
    if config.enrichment_worker {
        let enricher = match &config.enrichment_model {
            None => crate::enrichment::Enricher::rules(),
            Some(model) => crate::enrichment::Enricher::with_model(std::sync::Arc::new(
                crate::enrichment::model::OpenAiCompatible::new(model.clone())
                    .map_err(|e| format!("enrichment model: {e}"))?,
            )),
        };
        tasks.spawn(crate::enrichment::run(storage.clone(), enricher));
    }
    let (stop, mut stopped) = tokio::sync::watch::channel(());
    let shutdown = async move {
        // A send or the sender dropped: either way, time to stop.
        let _ = stopped.changed().await;
    };
    let server = match certificates {
        None => tokio::spawn(serve(listener, state, shutdown)),
        Some(certificates) => {
            let tls = crate::tls::TlsListener::new(listener, certificates.server_config()?)
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            tasks.spawn(crate::tls::reload_on_hangup(certificates));
            tokio::spawn(serve(tls, state, shutdown))
        }
    };
    Ok(RunningHub {
        addr,
        scheme,
        storage,
        stop,
        server,
        tasks,
        reports,
    })
}

/// The real clients of the partner and the gateway the config names.
fn boundaries(
    config: &config::HubConfig,
) -> Result<crate::fulfilment::handover::Boundaries, String> {
    use crate::fulfilment::{DeliveryPartner, HttpGateway, HttpPartner, PaymentGateway};
    let partner = config
        .delivery
        .as_ref()
        .map(|d| {
            HttpPartner::new(d)
                .map(|p| std::sync::Arc::new(p) as std::sync::Arc<dyn DeliveryPartner>)
        })
        .transpose()?;
    let gateway = config
        .payments
        .as_ref()
        .map(|g| {
            HttpGateway::new(g)
                .map(|g| std::sync::Arc::new(g) as std::sync::Arc<dyn PaymentGateway>)
        })
        .transpose()?;
    Ok(crate::fulfilment::handover::Boundaries { partner, gateway })
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
async fn expire_reservations(storage: storage::DynStorage, every: std::time::Duration) {
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
async fn announce_hours_flips(storage: storage::DynStorage, every: std::time::Duration) {
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
async fn announce_expiring_batches(
    storage: storage::DynStorage,
    warn_days: u32,
    every: std::time::Duration,
) {
    loop {
        let today = time::OffsetDateTime::now_utc().date();
        let cutoff = crate::domain::batches::expiry_cutoff(today, warn_days);
        match storage.announce_expiring_batches(&cutoff).await {
            Ok(0) => {}
            Ok(announced) => tracing::info!(announced, %cutoff, "batches announced as expiring"),
            Err(e) => tracing::warn!(error = %e, "announcing expiring batches failed"),
        }
        tokio::time::sleep(every).await;
    }
}
