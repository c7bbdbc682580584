//! Hub configuration from the environment.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `HUB_LISTEN` | address to serve on | `127.0.0.1:8700` |
//! | `DATABASE_URL` | `postgres://…` or `sqlite://…` | SQLite file in the data dir |
//! | `HUB_DATA_DIR` | where the embedded database lives | the platform data dir |
//! | `HUB_ADMIN_TOKEN` | enables `POST /v1/admin/tenants` | unset (off) |
//! | `HUB_FEED_RETAIN` | newest feed changes kept per tenant; older cursors re-bootstrap | `1000000` |
//! | `HUB_FEED_PRUNE_SECS` | how often the feed is pruned | `300` |
//! | `HUB_RESERVATION_SWEEP_MS` | how often expired reservations are settled | `1000` |
//! | `HUB_EXPIRY_WARN_DAYS` | batches expiring within this many days are announced | `3` |
//! | `HUB_EXPIRY_CHECK_SECS` | how often batches are checked for expiry | `300` |
//! | `HUB_HOURS_CHECK_SECS` | how often stores are checked for opening or closing by their hours | `30` |
//! | `HUB_SESSION_HOURS` | how long an HQ user's sign-in lasts | `12` |

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone)]
pub struct HubConfig {
    pub listen: SocketAddr,
    pub database_url: String,
    pub admin_token: Option<String>,
    pub feed_retain: u64,
    pub feed_prune_every: std::time::Duration,
    /// How often held reservations past their expiry are settled.
    pub reservation_sweep_every: std::time::Duration,
    /// Batches expiring within this many days are announced.
    pub expiry_warn_days: u32,
    /// How often batches are checked for expiry.
    pub expiry_check_every: std::time::Duration,
    /// How often stores are checked for opening or closing by their hours.
    pub hours_check_every: std::time::Duration,
    /// How long an HQ user's session lasts from sign-in.
    pub session_lifetime: std::time::Duration,
}

impl fmt::Debug for HubConfig {
    /// Never prints secrets: the URL may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubConfig")
            .field("listen", &self.listen)
            .field("backend", &self.backend())
            .field("admin_api", &self.admin_token.is_some())
            .finish()
    }
}

impl HubConfig {
    /// The defaults, on `database_url`, listening on `127.0.0.1:8700`.
    pub fn new(database_url: impl Into<String>) -> HubConfig {
        HubConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8700)),
            database_url: database_url.into(),
            admin_token: None,
            feed_retain: 1_000_000,
            feed_prune_every: std::time::Duration::from_secs(300),
            reservation_sweep_every: std::time::Duration::from_millis(1000),
            expiry_warn_days: 3,
            expiry_check_every: std::time::Duration::from_secs(300),
            hours_check_every: std::time::Duration::from_secs(30),
            session_lifetime: std::time::Duration::from_secs(12 * 3600),
        }
    }

    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let listen = var("HUB_LISTEN")
            .unwrap_or_else(|| "127.0.0.1:8700".into())
            .parse()
            .map_err(|e| format!("HUB_LISTEN is not an address such as 127.0.0.1:8700: {e}"))?;
        let database_url = match var("DATABASE_URL") {
            Some(url) => url,
            None => {
                let dir = match var("HUB_DATA_DIR") {
                    Some(dir) => PathBuf::from(dir),
                    None => directories::ProjectDirs::from("", "", "pos-hub")
                        .ok_or("no home directory: set HUB_DATA_DIR")?
                        .data_dir()
                        .to_path_buf(),
                };
                std::fs::create_dir_all(&dir)
                    .map_err(|e| format!("cannot create data dir {}: {e}", dir.display()))?;
                format!("sqlite://{}", dir.join("hub.db").display())
            }
        };
        // The defaults are `HubConfig::new`'s, in the units of each variable.
        let d = HubConfig::new(String::new());
        let number = |name: &str, default: u64| -> Result<u64, String> {
            var(name).map_or(Ok(default), |v| {
                v.parse()
                    .map_err(|e| format!("{name} is not a whole number: {e}"))
            })
        };
        Ok(HubConfig {
            listen,
            database_url,
            admin_token: var("HUB_ADMIN_TOKEN"),
            feed_retain: number("HUB_FEED_RETAIN", d.feed_retain)?,
            feed_prune_every: std::time::Duration::from_secs(
                number("HUB_FEED_PRUNE_SECS", d.feed_prune_every.as_secs())?.max(1),
            ),
            reservation_sweep_every: std::time::Duration::from_millis(
                number(
                    "HUB_RESERVATION_SWEEP_MS",
                    d.reservation_sweep_every.as_millis() as u64,
                )?
                .max(10),
            ),
            expiry_warn_days: u32::try_from(number(
                "HUB_EXPIRY_WARN_DAYS",
                d.expiry_warn_days.into(),
            )?)
            .map_err(|_| "HUB_EXPIRY_WARN_DAYS is too large".to_owned())?,
            expiry_check_every: std::time::Duration::from_secs(
                number("HUB_EXPIRY_CHECK_SECS", d.expiry_check_every.as_secs())?.max(1),
            ),
            hours_check_every: std::time::Duration::from_secs(
                number("HUB_HOURS_CHECK_SECS", d.hours_check_every.as_secs())?.max(1),
            ),
            session_lifetime: match number(
                "HUB_SESSION_HOURS",
                d.session_lifetime.as_secs() / 3600,
            )? {
                hours @ 1..=720 => std::time::Duration::from_secs(hours * 3600),
                _ => return Err("HUB_SESSION_HOURS must be between 1 and 720".into()),
            },
        })
    }

    pub fn backend(&self) -> &'static str {
        if self.database_url.starts_with("postgres") {
            "postgresql"
        } else {
            "sqlite"
        }
    }
}
