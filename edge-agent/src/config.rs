//! Agent configuration from the environment.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `EDGE_DATA_DIR` | local database and device credential | the platform data dir |
//! | `EDGE_HUB_URL` | the hub's base URL | `http://127.0.0.1:8700` |
//! | `EDGE_LISTEN` | local API address; must be loopback | `127.0.0.1:8710` |
//! | `EDGE_ENROLL_CODE` | one-time code, used if not yet enrolled | unset |
//! | `EDGE_SYNC_INTERVAL_MS` | pause between syncs when all is well | `1000` |
//! | `EDGE_FEED_WAIT_SECS` | how long the hub may hold a feed request open (long-poll) | `25` |
//! | `EDGE_SERIAL_SCANNERS` | serial scanners, comma-separated `path[@baud][:cr\|lf\|crlf\|tab]`, 8N1 | none |
//! | `EDGE_SYNC_MAX_BACKOFF_MS` | longest pause between retries while the hub fails | `30000` |

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct AgentConfig {
    pub data_dir: PathBuf,
    pub hub_url: String,
    pub listen: SocketAddr,
    pub enroll_code: Option<String>,
    pub sync_interval: Duration,
    pub max_backoff: Duration,
    pub feed_wait_secs: u64,
    pub serial_scanners: Vec<crate::serial_scanner::SerialScanner>,
}

impl AgentConfig {
    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let data_dir = match var("EDGE_DATA_DIR") {
            Some(d) => PathBuf::from(d),
            None => directories::ProjectDirs::from("", "", "pos-edge-agent")
                .ok_or("no home directory: set EDGE_DATA_DIR")?
                .data_dir()
                .to_path_buf(),
        };
        let listen: SocketAddr = var("EDGE_LISTEN")
            .unwrap_or_else(|| "127.0.0.1:8710".into())
            .parse()
            .map_err(|e| format!("EDGE_LISTEN is not an address such as 127.0.0.1:8710: {e}"))?;
        let millis = |name: &str, default: u64| -> Result<Duration, String> {
            match var(name) {
                None => Ok(Duration::from_millis(default)),
                Some(v) => v
                    .parse()
                    .map(Duration::from_millis)
                    .map_err(|e| format!("{name} is not a number of milliseconds: {e}")),
            }
        };
        let config = AgentConfig {
            data_dir,
            hub_url: var("EDGE_HUB_URL").unwrap_or_else(|| "http://127.0.0.1:8700".into()),
            listen,
            enroll_code: var("EDGE_ENROLL_CODE"),
            sync_interval: millis("EDGE_SYNC_INTERVAL_MS", 1000)?.max(Duration::from_millis(50)),
            feed_wait_secs: match var("EDGE_FEED_WAIT_SECS") {
                None => 25,
                Some(v) => v
                    .parse::<u64>()
                    .map_err(|e| format!("EDGE_FEED_WAIT_SECS is not a number of seconds: {e}"))?
                    .min(60),
            },
            serial_scanners: var("EDGE_SERIAL_SCANNERS")
                .map(|specs| {
                    specs
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(crate::serial_scanner::SerialScanner::parse)
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?
                .unwrap_or_default(),
            max_backoff: millis("EDGE_SYNC_MAX_BACKOFF_MS", 30_000)?
                .max(Duration::from_millis(250)),
        };
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), String> {
        // The local API has no authentication of its own yet: it must not be
        // reachable from the store network.
        if !self.listen.ip().is_loopback() {
            return Err(format!(
                "EDGE_LISTEN {} is not a loopback address; the till API serves this machine only",
                self.listen
            ));
        }
        if !(self.hub_url.starts_with("http://") || self.hub_url.starts_with("https://")) {
            return Err(format!(
                "EDGE_HUB_URL {:?} must start with http:// or https://",
                self.hub_url
            ));
        }
        Ok(())
    }
}
