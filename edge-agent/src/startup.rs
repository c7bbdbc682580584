//! Starting the agent: the database, the credential, the local API (and the
//! LAN listener for paired handhelds, when configured), the sync loop, the
//! scanners, the print workers and the e-receipt sender; and the `edge-agent` command line.

use crate::config::{self, AgentConfig};
use crate::{api, devices, messages, printing, private_files, store, sync, till};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// A started agent: its local API address and its tasks.
pub struct RunningAgent {
    pub addr: SocketAddr,
    /// The LAN listener's address, when `lan_listen` turned it on.
    pub lan_addr: Option<SocketAddr>,
    pub state: api::AgentState,
    server: JoinHandle<()>,
    lan_server: Option<JoinHandle<()>>,
    sync: JoinHandle<()>,
    print_workers: Vec<JoinHandle<()>>,
    /// The e-receipt sender, when a provider is configured.
    messenger: Option<JoinHandle<()>>,
    /// Stops the scanner threads when the agent goes.
    _scanners: devices::ScannerThreads,
}

impl RunningAgent {
    /// Waits until the server stops (it runs until the process ends).
    pub async fn wait(self) {
        let _ = self.server.await;
        self.lan_server.iter().for_each(JoinHandle::abort);
        self.sync.abort();
        self.print_workers.iter().for_each(JoinHandle::abort);
        self.messenger.iter().for_each(JoinHandle::abort);
    }

    /// Stops both tasks. Every step they take is idempotent, so stopping anywhere is safe.
    pub fn stop(self) {
        self.server.abort();
        self.lan_server.iter().for_each(JoinHandle::abort);
        self.sync.abort();
        self.print_workers.iter().for_each(JoinHandle::abort);
        self.messenger.iter().for_each(JoinHandle::abort);
    }
}

/// Opens the local database, loads the credential and starts the API and the sync loop.
pub async fn start(config: AgentConfig) -> Result<RunningAgent, String> {
    config.validate()?;
    private_files::create_dir(&config.data_dir)
        .map_err(|e| format!("cannot create data dir {}: {e}", config.data_dir.display()))?;
    let db_path = config.data_dir.join("edge.db");
    let store = store::LocalStore::open(&db_path)
        .map_err(|e| format!("cannot open {}: {e}", db_path.display()))?;
    let shared = Arc::new(sync::SyncShared::default());
    shared.stall_after_ms.store(
        u64::try_from(config.stall_after.as_millis()).unwrap_or(u64::MAX),
        std::sync::atomic::Ordering::Relaxed,
    );
    *shared.credential.write().unwrap_or_else(|e| e.into_inner()) =
        sync::credential::load(&config.data_dir)?;

    let client = sync::hub_client::HubClient::trusting(&config.hub_url, config.hub_ca.as_deref())?;
    let syncer = sync::Syncer {
        store: store.clone(),
        client,
        data_dir: config.data_dir.clone(),
        enroll_code: config.enroll_code.as_ref().map(|c| c.expose().to_owned()),
        shared: shared.clone(),
        interval: config.sync_interval,
        max_backoff: config.max_backoff,
        feed_wait: config.feed_wait_secs,
    };
    let printers = printing::Printers::new(config.printing.clone(), store.clone())?;
    let messaging = messages::Messaging::new(
        &config.messages,
        &config.hub_url,
        config.printing.receipt.header.first().map(String::as_str),
    );
    let sender = config
        .messages
        .provider
        .as_ref()
        .map(|p| p.sender(config.messages.timeout))
        .transpose()?;
    let messenger = sender.map(|sender| messages::Messenger {
        store: store.clone(),
        sender,
        wake: messaging.wake.clone(),
        max_attempts: config.messages.max_attempts,
        max_backoff: config.max_backoff,
        poll: config.sync_interval,
    });
    let state = api::AgentState {
        till: till::Till {
            store,
            sync: shared,
            printers,
            sale_policy: config.sale_policy.clone(),
            session: till::session::Session::default(),
            payments: Arc::new(till::payment::ManualEntry),
            handhelds: till::handhelds::Handhelds::new(config.lan.pairing_code_ttl),
            upi: config.upi.clone(),
            messaging,
        },
        scans: devices::scan::Scans::new(devices::scan::Reading {
            scale_rules: config.sale_policy.scale_rules.clone(),
            utc_offset_minutes: config.sale_policy.utc_offset_minutes,
        }),
        devices: devices::Devices::default(),
        hub_url: config.hub_url.clone(),
        display: api::display::CustomerDisplay::default(),
        wedge: config.wedge.clone(),
        metrics: Default::default(),
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // Bound before anything starts, so a taken LAN port stops the agent with
    // its name rather than leaving a till the handhelds cannot find.
    let lan_listener =
        match config.lan.listen {
            Some(lan) => Some(tokio::net::TcpListener::bind(lan).await.map_err(|e| {
                format!("cannot listen on {lan} (EDGE_LAN_LISTEN, lan_listen): {e}")
            })?),
            None => None,
        };
    let lan_addr = lan_listener
        .as_ref()
        .map(|l| l.local_addr().map_err(|e| e.to_string()))
        .transpose()?;
    let scanners = devices::start(
        &config.serial_scanners,
        &config.hid_scanners,
        &state.scans,
        &state.devices,
    );
    let print_workers = state.till.printers.start();
    let app = api::router(state.clone());
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "local API stopped");
        }
    });
    let lan_server = lan_listener.map(|listener| {
        let lan_app = api::lan::router(state.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, lan_app).await {
                tracing::error!(error = %e, "LAN listener for handhelds stopped");
            }
        })
    });
    if let Some(lan) = lan_addr {
        tracing::info!(%lan, "LAN listener for paired handhelds running");
    }
    let sync = tokio::spawn(syncer.run());
    let messenger = messenger.map(|m| tokio::spawn(m.run()));
    tracing::info!(%addr, hub = %config.hub_url, "edge agent running");
    Ok(RunningAgent {
        addr,
        lan_addr,
        state,
        server,
        lan_server,
        sync,
        print_workers,
        messenger,
        _scanners: scanners,
    })
}

/// The `edge-agent` command line.
#[derive(clap::Parser)]
#[command(name = "edge-agent", version, about = "The store terminal daemon")]
struct Cli {
    /// The config file (else EDGE_CONFIG, else edge-agent.toml in the
    /// platform config directory). EDGE_* variables override it.
    #[arg(long, value_name = "PATH")]
    config: Option<std::path::PathBuf>,
    /// Print the effective settings (defaults, file and environment merged)
    /// as TOML, secrets left out, and exit.
    #[arg(long)]
    print_config: bool,
}

/// The `edge-agent` binary: logs to stderr, runs until Ctrl-C.
pub fn cli_main() -> std::process::ExitCode {
    let cli = <Cli as clap::Parser>::parse();
    // Logging first: reading the settings has things to say (a timing
    // moved into range).
    if let Err(e) = pos_shared::logging::init("EDGE_LOG_FORMAT") {
        eprintln!("edge-agent: {e}");
        return std::process::ExitCode::FAILURE;
    }
    let file = config::ConfigFile::locate(cli.config, &config::env::process_env);
    let config = config::load(&file, &config::env::process_env).and_then(|settings| {
        let config = AgentConfig::from_settings(&settings)?;
        Ok((settings, config))
    });
    let config = match config {
        Ok((settings, _)) if cli.print_config => {
            return match config::print_config(&file, &settings) {
                Ok(text) => {
                    print!("{text}");
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("edge-agent: {e}");
                    std::process::ExitCode::FAILURE
                }
            };
        }
        Ok((_, config)) => config,
        Err(e) => {
            eprintln!("edge-agent: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("edge-agent: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    tracing::info!(config = %file.describe(), "configuration read");
    let result = runtime.block_on(async {
        let agent = start(config).await?;
        // Logged, not printed: with EDGE_LOG_FORMAT=json every line the
        // agent writes is one a log shipper can read.
        tracing::info!(url = %format!("http://{}", agent.addr), "edge-agent listening");
        if let Some(lan) = agent.lan_addr {
            tracing::info!(url = %format!("http://{lan}"), "serving paired handhelds on the LAN");
        }
        // SIGTERM is how a service manager stops the agent: the same orderly
        // stop as Ctrl-C.
        #[cfg(unix)]
        let terminated = async {
            use tokio::signal::unix::{signal, SignalKind};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    term.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminated = std::future::pending::<()>();
        tokio::select! {
            _ = agent.wait() => {}
            _ = tokio::signal::ctrl_c() => tracing::info!("shutting down"),
            _ = terminated => tracing::info!("shutting down (SIGTERM)"),
        }
        Ok::<(), String>(())
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("edge-agent: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
