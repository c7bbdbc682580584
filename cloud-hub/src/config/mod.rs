//! The hub's configuration: where it is found, how its layers stack, and the
//! [`HubConfig`] the service runs with.
//!
//! Layers, each overriding the one before: the built-in defaults, the config
//! file `cloud-hub.toml`, the environment variables. The file is the one named
//! by `--config <path>`, else by `HUB_CONFIG`, else `cloud-hub.toml` in the
//! platform config directory (on Linux `~/.config/pos-hub/`); a named file
//! must exist, the default one may be missing. `cloud-hub.example.toml`
//! beside the crate documents every key.
//!
//! | file key | variable | default |
//! |---|---|---|
//! | `listen` | `HUB_LISTEN` | `127.0.0.1:8700` |
//! | `database_url` (secret) | `DATABASE_URL`: `postgres://…` or `sqlite://…` | SQLite file in `data_dir` |
//! | `data_dir` | `HUB_DATA_DIR` | the platform data dir |
//! | `admin_token` (secret) | `HUB_ADMIN_TOKEN`: enables `POST /v1/admin/tenants` | unset (off) |
//! | `feed.retain` | `HUB_FEED_RETAIN`: newest feed changes kept per tenant; older cursors re-bootstrap | `1000000` |
//! | `feed.prune_secs` | `HUB_FEED_PRUNE_SECS`: how often the feed is pruned | `300` |
//! | `reservation_sweep_ms` | `HUB_RESERVATION_SWEEP_MS`: how often expired reservations are settled | `1000` |
//! | `expiry_warn_days` | `HUB_EXPIRY_WARN_DAYS`: batches expiring within this many days are announced | `3` |
//! | `expiry_check_secs` | `HUB_EXPIRY_CHECK_SECS`: how often batches are checked for expiry | `300` |
//! | `hours_check_secs` | `HUB_HOURS_CHECK_SECS`: how often stores are checked for opening or closing by their hours | `30` |
//! | `session_hours` | `HUB_SESSION_HOURS`: how long an HQ user's sign-in lasts, 1 to 720 | `12` |

pub mod settings;

pub use settings::Settings;

use pos_shared::Secret;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The file's name in the platform config directory.
pub const FILE_NAME: &str = "cloud-hub.toml";

#[derive(Clone)]
pub struct HubConfig {
    pub listen: SocketAddr,
    pub database_url: Secret,
    /// The embedded database's directory, created on start; `None` when the
    /// database URL was given.
    pub data_dir: Option<PathBuf>,
    pub admin_token: Option<Secret>,
    pub feed_retain: u64,
    pub feed_prune_every: Duration,
    /// How often held reservations past their expiry are settled.
    pub reservation_sweep_every: Duration,
    /// Batches expiring within this many days are announced.
    pub expiry_warn_days: u32,
    /// How often batches are checked for expiry.
    pub expiry_check_every: Duration,
    /// How often stores are checked for opening or closing by their hours.
    pub hours_check_every: Duration,
    /// How long an HQ user's session lasts from sign-in.
    pub session_lifetime: Duration,
}

impl fmt::Debug for HubConfig {
    /// What the start-up log needs: the backend, not the URL.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubConfig")
            .field("listen", &self.listen)
            .field("backend", &self.backend())
            .field("admin_api", &self.admin_token.is_some())
            .finish()
    }
}

/// Which config file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigFile {
    /// Named by `--config` or `HUB_CONFIG`: it must exist.
    Named(PathBuf),
    /// The platform default: read if it exists.
    Default(PathBuf),
    /// No home directory, nothing named: defaults and environment only.
    None,
}

impl ConfigFile {
    /// `--config` first, then `HUB_CONFIG`, then the platform config directory.
    pub fn locate(flag: Option<PathBuf>, var: settings::Var) -> ConfigFile {
        match flag.or_else(|| var("HUB_CONFIG").map(PathBuf::from)) {
            Some(path) => ConfigFile::Named(path),
            None => directories::ProjectDirs::from("", "", "pos-hub")
                .map_or(ConfigFile::None, |d| {
                    ConfigFile::Default(d.config_dir().join(FILE_NAME))
                }),
        }
    }

    /// The file's layer; empty when there is no file to read.
    pub fn read(&self) -> Result<Settings, String> {
        let (path, required) = match self {
            ConfigFile::Named(path) => (path, true),
            ConfigFile::Default(path) => (path, false),
            ConfigFile::None => return Ok(Settings::default()),
        };
        match std::fs::read_to_string(path) {
            Ok(text) => pos_shared::config_file::parse(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                Ok(Settings::default())
            }
            Err(e) => Err(format!("cannot read config file {}: {e}", path.display())),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            ConfigFile::Named(p) => p.display().to_string(),
            ConfigFile::Default(p) if p.exists() => p.display().to_string(),
            ConfigFile::Default(p) => format!("{} (not present)", p.display()),
            ConfigFile::None => "none".into(),
        }
    }
}

/// Defaults, then the file, then the environment, clamped to what runs.
pub fn load(file: &ConfigFile, var: settings::Var) -> Result<Settings, String> {
    let from_file = file.read()?;
    let from_env = Settings::from_env(var)?;
    Ok(Settings::defaults()
        .over(from_file)
        .over(from_env)
        .clamped())
}

/// What `--print-config` writes: where the settings came from, then the
/// merged settings as TOML.
pub fn print_config(file: &ConfigFile, settings: &Settings) -> Result<String, String> {
    Ok(format!(
        "# cloud-hub: effective configuration\n# config file: {}\n# precedence: environment variables, then the file, then defaults\n\n{}",
        file.describe(),
        settings.to_toml()?
    ))
}

fn backend_of(url: &str) -> &'static str {
    if url.starts_with("postgres") {
        "postgresql"
    } else {
        "sqlite"
    }
}

impl HubConfig {
    /// The defaults, on `database_url`, listening on `127.0.0.1:8700`: what
    /// the demo and the test harnesses start from.
    pub fn new(database_url: impl Into<String>) -> HubConfig {
        use settings::*;
        HubConfig {
            listen: DEFAULT_LISTEN,
            database_url: Secret::new(database_url.into()),
            data_dir: None,
            admin_token: None,
            feed_retain: DEFAULT_FEED_RETAIN,
            feed_prune_every: Duration::from_secs(DEFAULT_FEED_PRUNE_SECS),
            reservation_sweep_every: Duration::from_millis(DEFAULT_RESERVATION_SWEEP_MS),
            expiry_warn_days: DEFAULT_EXPIRY_WARN_DAYS,
            expiry_check_every: Duration::from_secs(DEFAULT_EXPIRY_CHECK_SECS),
            hours_check_every: Duration::from_secs(DEFAULT_HOURS_CHECK_SECS),
            session_lifetime: Duration::from_secs(DEFAULT_SESSION_HOURS * 3600),
        }
    }

    /// The config the binary runs with when given no flags: the default (or
    /// `HUB_CONFIG`) file and the process environment.
    pub fn from_env() -> Result<Self, String> {
        let file = ConfigFile::locate(None, &settings::process_env);
        Self::from_settings(&load(&file, &settings::process_env)?)
    }

    /// Resolves merged settings; whatever a layer left unset takes its
    /// default. Touches no files: [`HubConfig::data_dir`] is created on start.
    pub fn from_settings(s: &Settings) -> Result<Self, String> {
        use settings::*;
        let (database_url, data_dir) = match &s.database_url {
            Some(url) => {
                // The scheme is not secret; the rest of the URL may be.
                let known = ["postgres://", "postgresql://", "sqlite:"];
                if !known.iter().any(|k| url.expose().starts_with(k)) {
                    let scheme = match url.expose().split_once("://") {
                        Some((scheme, _)) if scheme.len() <= 20 => format!("{scheme:?}"),
                        _ => "(none)".to_owned(),
                    };
                    return Err(format!(
                        "database_url (DATABASE_URL): the scheme {scheme} is not a database this hub runs on; use postgres://… or sqlite://…"
                    ));
                }
                (url.clone(), None)
            }
            None => {
                let dir = s
                    .data_dir
                    .clone()
                    .ok_or("no home directory: set HUB_DATA_DIR")?;
                let url = format!("sqlite://{}", dir.join("hub.db").display());
                (Secret::new(url), Some(dir))
            }
        };
        let hours = s.session_hours.map_or(DEFAULT_SESSION_HOURS, |h| h.0);
        Ok(HubConfig {
            listen: s.listen.unwrap_or(DEFAULT_LISTEN),
            database_url,
            data_dir,
            admin_token: s.admin_token.clone(),
            feed_retain: s.feed.retain.unwrap_or(DEFAULT_FEED_RETAIN),
            feed_prune_every: Duration::from_secs(
                s.feed.prune_secs.unwrap_or(DEFAULT_FEED_PRUNE_SECS),
            ),
            reservation_sweep_every: Duration::from_millis(
                s.reservation_sweep_ms
                    .unwrap_or(DEFAULT_RESERVATION_SWEEP_MS),
            ),
            expiry_warn_days: s.expiry_warn_days.unwrap_or(DEFAULT_EXPIRY_WARN_DAYS),
            expiry_check_every: Duration::from_secs(
                s.expiry_check_secs.unwrap_or(DEFAULT_EXPIRY_CHECK_SECS),
            ),
            hours_check_every: Duration::from_secs(
                s.hours_check_secs.unwrap_or(DEFAULT_HOURS_CHECK_SECS),
            ),
            session_lifetime: Duration::from_secs(hours * 3600),
        })
    }

    pub fn backend(&self) -> &'static str {
        backend_of(self.database_url.expose())
    }
}
