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
//! | `metrics_token` (secret) | `HUB_METRICS_TOKEN`: enables `GET /metrics` (Prometheus) for a scraper sending it as a bearer token | unset (off) |
//! | `feed.retain` | `HUB_FEED_RETAIN`: newest feed changes kept per tenant; older cursors re-bootstrap | `1000000` |
//! | `feed.prune_secs` | `HUB_FEED_PRUNE_SECS`: how often the feed is pruned | `300` |
//! | `feed.report_flush_ms` | `HUB_FEED_REPORT_FLUSH_MS`: how often terminals' reports are written, in one batch (10 to 60000) | `2000` |
//! | `feed.snapshot_share_secs` | `HUB_FEED_SNAPSHOT_SHARE_SECS`: how long a store's snapshot serves its other new tills (0 to 600; 0: each takes its own) | `120` |
//! | `reservation_sweep_ms` | `HUB_RESERVATION_SWEEP_MS`: how often expired reservations are settled | `1000` |
//! | `expiry_warn_days` | `HUB_EXPIRY_WARN_DAYS`: batches expiring within this many days are announced | `3` |
//! | `expiry_check_secs` | `HUB_EXPIRY_CHECK_SECS`: how often batches are checked for expiry | `300` |
//! | `hours_check_secs` | `HUB_HOURS_CHECK_SECS`: how often stores are checked for opening or closing by their hours | `30` |
//! | `session_hours` | `HUB_SESSION_HOURS`: how long an HQ user's sign-in lasts, 1 to 720 | `12` |
//! | `delivery.partner` | `HUB_DELIVERY_PARTNER`: the partner's name (`a-z`, `0-9`, `-`, `_`) | required with `base_url` |
//! | `delivery.base_url` | `HUB_DELIVERY_BASE_URL`: the partner's assignment API; turns hand-over on | unset (off) |
//! | `delivery.api_key` (secret) | `HUB_DELIVERY_API_KEY`: bearer token to the partner | required with `base_url` |
//! | `delivery.webhook_secret` (secret) | `HUB_DELIVERY_WEBHOOK_SECRET`: `whsec_…`, verifies the partner's callbacks | required with `base_url` |
//! | `delivery.sweep_ms` | `HUB_DELIVERY_SWEEP_MS`: how often the hand-over task looks for work | `1000` |
//! | `delivery.retry_max_secs` | `HUB_DELIVERY_RETRY_MAX_SECS`: the longest wait between tries | `300` |
//! | `delivery.timeout_ms` | `HUB_DELIVERY_TIMEOUT_MS`: each request to the partner | `10000` |
//! | `payments.base_url` | `HUB_PAYMENTS_BASE_URL`: the gateway's REST API; turns payments on | unset (off) |
//! | `payments.key_id` | `HUB_PAYMENTS_KEY_ID`: basic-auth user | required with `base_url` |
//! | `payments.key_secret` (secret) | `HUB_PAYMENTS_KEY_SECRET`: basic-auth password | required with `base_url` |
//! | `payments.timeout_ms` | `HUB_PAYMENTS_TIMEOUT_MS`: each request to the gateway | `10000` |
//! | `enrichment.worker` | `HUB_ENRICHMENT_WORKER`: run the enrichment worker in this process | `true` |
//! | `enrichment.model_url` | `HUB_ENRICHMENT_MODEL_URL`: an OpenAI-compatible chat completions API asked beside the rules | none (the rules alone) |
//! | `enrichment.model` | `HUB_ENRICHMENT_MODEL`: the model asked (needed with `model_url`) | none |
//! | `enrichment.model_key` | `HUB_ENRICHMENT_MODEL_KEY`: its API key, sent as a bearer token | none |
//! | `enrichment.model_timeout_ms` | `HUB_ENRICHMENT_MODEL_TIMEOUT_MS`: each request to the model | `10000` |
//! | `webhooks.allow_private_http` | `HUB_WEBHOOKS_ALLOW_PRIVATE_HTTP`: subscriptions may use `http://` to loopback and private addresses | `false` |
//! | `webhooks.sweep_ms` | `HUB_WEBHOOKS_SWEEP_MS`: how often the event delivery task looks for work (it also wakes on changes) | `1000` |
//! | `webhooks.timeout_ms` | `HUB_WEBHOOKS_TIMEOUT_MS`: each request to a subscriber | `10000` |
//! | `webhooks.retry_max_secs` | `HUB_WEBHOOKS_RETRY_MAX_SECS`: the longest wait between tries of a failing event | `3600` |
//! | `secret_key` (secret) | `HUB_SECRET_KEY`: base64 of 32 random bytes; seals source systems' secrets at rest | unset |
//! | `secret_key_file` | `HUB_SECRET_KEY_FILE`: a file holding the key, made on first start | `secret.key` in `data_dir` (embedded SQLite only) |
//! | `ingestion.max_body_bytes` | `HUB_INGESTION_MAX_BODY_BYTES`: the largest webhook body taken | `4194304` |
//! | `ingestion.max_feed_bytes` | `HUB_INGESTION_MAX_FEED_BYTES`: the largest seller feed upload taken | `67108864` |
//! | `ingestion.sweep_ms` | `HUB_INGESTION_SWEEP_MS`: how often queued webhooks are looked for (it also wakes when one comes) | `1000` |
//! | `tls.cert`, `tls.key` | `HUB_TLS_CERT`, `HUB_TLS_KEY`: PEM files; the hub serves HTTPS on `listen` and reloads them on SIGHUP | unset: plain HTTP |
//! | `nats.url` (secret) | `HUB_NATS_URL`: `nats://host:4222`; turns on the relay of events to NATS JetStream | unset (off) |
//! | `nats.stream` | `HUB_NATS_STREAM`: the JetStream stream, created if missing | `POS_EVENTS` |
//! | `nats.subject_prefix` | `HUB_NATS_SUBJECT_PREFIX`: events go out on `<prefix>.<tenant>.<event type>` | `pos.events` |
//! | `nats.sweep_ms` | `HUB_NATS_SWEEP_MS`: how often the relay looks for events (it also wakes on changes) | `1000` |
//! | `limits.requests_per_second` | `HUB_LIMITS_REQUESTS_PER_SECOND`: sustained requests a second per credential (per address without one); over it, 429 with `Retry-After`; 0: off | `100` |
//! | `limits.burst` | `HUB_LIMITS_BURST`: requests a caller may make at once above that rate | `1000` |
//! | `limits.failed_attempts_per_minute` | `HUB_LIMITS_FAILED_ATTEMPTS_PER_MINUTE`: failed enrollments, sign-ins and invitations per address before that address is refused them for a while; 0: off | `10` |
//! | `webhooks.give_up_secs` | `HUB_WEBHOOKS_GIVE_UP_SECS`: a failing event is dead-lettered this long after its first try | `86400` |

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
    /// The bearer token `GET /metrics` asks for; `None`: metrics are off.
    pub metrics_token: Option<Secret>,
    pub feed_retain: u64,
    pub feed_prune_every: Duration,
    /// How often terminals' reports are written in a batch.
    pub report_flush_every: Duration,
    /// How long a store's snapshot serves its other new tills.
    pub snapshot_share: Duration,
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
    /// The delivery partner packed orders are handed to; `None`: off.
    pub delivery: Option<crate::fulfilment::PartnerConfig>,
    /// The gateway authorised payments are captured through; `None`: off.
    pub payments: Option<crate::fulfilment::GatewayConfig>,
    /// How often the hand-over task looks for work.
    pub delivery_sweep_every: Duration,
    /// The longest wait between tries of failing hand-over or payment work.
    pub delivery_retry_max: Duration,
    /// Run the enrichment worker in this process (`[enrichment] worker`).
    pub enrichment_worker: bool,
    /// The language model the worker asks beside the rules; `None`: none.
    pub enrichment_model: Option<crate::enrichment::model::ModelConfig>,
    /// How events go out to HQ's subscriptions.
    pub webhooks: WebhookConfig,
    /// Where the key sealing source systems' secrets comes from.
    pub secret_key: SecretKeySource,
    /// The largest webhook body the gateway takes.
    pub ingestion_max_body: usize,
    /// How often the ingestion task looks for queued payloads.
    pub ingestion_sweep_every: Duration,
    /// The largest seller feed upload taken.
    pub feed_max_body: usize,
    /// Where events are relayed to; `None`: off.
    pub nats: Option<crate::event_bus::NatsConfig>,
    /// The certificate and key HTTPS is served with; `None`: plain HTTP.
    pub tls: Option<crate::tls::TlsFiles>,
    /// Requests per caller and failed guesses per address.
    pub limits: crate::http::limits::LimitsConfig,
}

/// Where the hub's secret key comes from.
#[derive(Clone, Debug)]
pub enum SecretKeySource {
    /// Given in the config or the environment.
    Given(Secret),
    /// Kept in a file, made on first start.
    File(PathBuf),
    /// None: source systems cannot be registered.
    None,
}

impl SecretKeySource {
    /// The key, reading (or making) its file; `None` when there is none.
    pub fn load(&self) -> Result<Option<crate::sealing::SecretKey>, String> {
        match self {
            SecretKeySource::Given(text) => crate::sealing::SecretKey::parse(text.expose())
                .map(Some)
                .map_err(|e| format!("secret_key (HUB_SECRET_KEY): {e}")),
            SecretKeySource::File(path) => {
                crate::sealing::SecretKey::load_or_create(path).map(Some)
            }
            SecretKeySource::None => Ok(None),
        }
    }
}

/// How events go out to HQ's subscriptions (`[webhooks]`).
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Subscriptions may send over `http://` to loopback and private addresses.
    pub allow_private_http: bool,
    pub sweep_every: Duration,
    /// Each request to a subscriber.
    pub timeout: Duration,
    /// When a failing event is tried again and given up.
    pub schedule: crate::domain::subscriptions::Schedule,
}

impl fmt::Debug for HubConfig {
    /// What the start-up log needs: the backend, not the URL.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubConfig")
            .field("listen", &self.listen)
            .field("backend", &self.backend())
            .field("admin_api", &self.admin_token.is_some())
            .field("delivery_partner", &self.delivery.as_ref().map(|d| &d.name))
            .field("payments", &self.payments.is_some())
            .field("nats_relay", &self.nats.is_some())
            .field("tls", &self.tls.is_some())
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
            metrics_token: None,
            feed_retain: DEFAULT_FEED_RETAIN,
            feed_prune_every: Duration::from_secs(DEFAULT_FEED_PRUNE_SECS),
            report_flush_every: Duration::from_millis(DEFAULT_REPORT_FLUSH_MS),
            snapshot_share: Duration::from_secs(DEFAULT_SNAPSHOT_SHARE_SECS),
            reservation_sweep_every: Duration::from_millis(DEFAULT_RESERVATION_SWEEP_MS),
            expiry_warn_days: DEFAULT_EXPIRY_WARN_DAYS,
            expiry_check_every: Duration::from_secs(DEFAULT_EXPIRY_CHECK_SECS),
            hours_check_every: Duration::from_secs(DEFAULT_HOURS_CHECK_SECS),
            session_lifetime: Duration::from_secs(DEFAULT_SESSION_HOURS * 3600),
            delivery: None,
            payments: None,
            delivery_sweep_every: Duration::from_millis(DEFAULT_DELIVERY_SWEEP_MS),
            delivery_retry_max: Duration::from_secs(DEFAULT_DELIVERY_RETRY_MAX_SECS),
            enrichment_worker: true,
            enrichment_model: None,
            webhooks: webhook_config(&Settings::defaults().webhooks),
            secret_key: SecretKeySource::None,
            ingestion_max_body: DEFAULT_INGESTION_MAX_BODY_BYTES as usize,
            ingestion_sweep_every: Duration::from_millis(DEFAULT_INGESTION_SWEEP_MS),
            feed_max_body: DEFAULT_INGESTION_MAX_FEED_BYTES as usize,
            nats: None,
            tls: None,
            limits: crate::http::limits::LimitsConfig {
                requests_per_second: DEFAULT_LIMITS_REQUESTS_PER_SECOND,
                burst: DEFAULT_LIMITS_BURST,
                failed_attempts_per_minute: DEFAULT_LIMITS_FAILED_ATTEMPTS_PER_MINUTE,
            },
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
        let key_dir = data_dir.clone();
        Ok(HubConfig {
            listen: s.listen.unwrap_or(DEFAULT_LISTEN),
            database_url,
            data_dir,
            admin_token: s.admin_token.clone(),
            metrics_token: s.metrics_token.clone(),
            feed_retain: s.feed.retain.unwrap_or(DEFAULT_FEED_RETAIN),
            feed_prune_every: Duration::from_secs(
                s.feed.prune_secs.unwrap_or(DEFAULT_FEED_PRUNE_SECS),
            ),
            report_flush_every: Duration::from_millis(
                s.feed.report_flush_ms.unwrap_or(DEFAULT_REPORT_FLUSH_MS),
            ),
            snapshot_share: Duration::from_secs(
                s.feed
                    .snapshot_share_secs
                    .unwrap_or(DEFAULT_SNAPSHOT_SHARE_SECS),
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
            delivery: delivery_config(&s.delivery)?,
            payments: payments_config(&s.payments)?,
            delivery_sweep_every: Duration::from_millis(
                s.delivery.sweep_ms.unwrap_or(DEFAULT_DELIVERY_SWEEP_MS),
            ),
            delivery_retry_max: Duration::from_secs(
                s.delivery
                    .retry_max_secs
                    .unwrap_or(DEFAULT_DELIVERY_RETRY_MAX_SECS),
            ),
            enrichment_worker: s.enrichment.worker.unwrap_or(true),
            enrichment_model: model_config(&s.enrichment)?,
            webhooks: webhook_config(&s.webhooks),
            secret_key: match (&s.secret_key, &s.secret_key_file, &key_dir) {
                (Some(key), _, _) => SecretKeySource::Given(key.clone()),
                (None, Some(file), _) => SecretKeySource::File(file.clone()),
                (None, None, Some(dir)) => SecretKeySource::File(dir.join("secret.key")),
                (None, None, None) => SecretKeySource::None,
            },
            ingestion_max_body: usize::try_from(
                s.ingestion
                    .max_body_bytes
                    .unwrap_or(DEFAULT_INGESTION_MAX_BODY_BYTES),
            )
            .unwrap_or(usize::MAX),
            ingestion_sweep_every: Duration::from_millis(
                s.ingestion.sweep_ms.unwrap_or(DEFAULT_INGESTION_SWEEP_MS),
            ),
            feed_max_body: usize::try_from(
                s.ingestion
                    .max_feed_bytes
                    .unwrap_or(DEFAULT_INGESTION_MAX_FEED_BYTES),
            )
            .unwrap_or(usize::MAX),
            nats: nats_config(&s.nats)?,
            limits: crate::http::limits::LimitsConfig {
                requests_per_second: s
                    .limits
                    .requests_per_second
                    .unwrap_or(DEFAULT_LIMITS_REQUESTS_PER_SECOND),
                burst: s.limits.burst.unwrap_or(DEFAULT_LIMITS_BURST),
                failed_attempts_per_minute: s
                    .limits
                    .failed_attempts_per_minute
                    .unwrap_or(DEFAULT_LIMITS_FAILED_ATTEMPTS_PER_MINUTE),
            },
            tls: match (&s.tls.cert, &s.tls.key) {
                (None, None) => None,
                (Some(cert), Some(key)) => Some(crate::tls::TlsFiles {
                    cert: cert.clone(),
                    key: key.clone(),
                }),
                (Some(_), None) => {
                    return Err("tls.cert (HUB_TLS_CERT) is set but tls.key (HUB_TLS_KEY) is not: HTTPS needs both".into())
                }
                (None, Some(_)) => {
                    return Err("tls.key (HUB_TLS_KEY) is set but tls.cert (HUB_TLS_CERT) is not: HTTPS needs both".into())
                }
            },
        })
    }

    pub fn backend(&self) -> &'static str {
        backend_of(self.database_url.expose())
    }
}

/// The `[webhooks]` section, whatever it leaves unset at its default.
fn webhook_config(w: &settings::WebhookSettings) -> WebhookConfig {
    use settings::*;
    WebhookConfig {
        allow_private_http: w.allow_private_http.unwrap_or(false),
        sweep_every: Duration::from_millis(w.sweep_ms.unwrap_or(DEFAULT_WEBHOOKS_SWEEP_MS)),
        timeout: Duration::from_millis(w.timeout_ms.unwrap_or(DEFAULT_WEBHOOKS_TIMEOUT_MS)),
        schedule: crate::domain::subscriptions::Schedule {
            retry_max: Duration::from_secs(
                w.retry_max_secs.unwrap_or(DEFAULT_WEBHOOKS_RETRY_MAX_SECS),
            ),
            give_up_after: Duration::from_secs(
                w.give_up_secs.unwrap_or(DEFAULT_WEBHOOKS_GIVE_UP_SECS),
            ),
        },
    }
}

/// The relay to NATS, when `[nats] url` is set.
fn nats_config(n: &settings::NatsSettings) -> Result<Option<crate::event_bus::NatsConfig>, String> {
    use settings::*;
    let Some(url) = &n.url else {
        return Ok(None);
    };
    let token_ok = |t: &str| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    let stream = n.stream.clone().unwrap_or(DEFAULT_NATS_STREAM.into());
    if !token_ok(&stream) {
        return Err(format!(
            "nats.stream (HUB_NATS_STREAM) {stream:?} is not a stream name: letters, digits, - and _"
        ));
    }
    let prefix = n
        .subject_prefix
        .clone()
        .unwrap_or(DEFAULT_NATS_SUBJECT_PREFIX.into());
    if !prefix.split('.').all(token_ok) {
        return Err(format!(
            "nats.subject_prefix (HUB_NATS_SUBJECT_PREFIX) {prefix:?} is not a subject: dot-separated tokens of letters, digits, - and _"
        ));
    }
    for server in url.expose().split(',') {
        let server = server.trim();
        let scheme_ok = ["nats://", "tls://"].iter().any(|s| server.starts_with(s));
        if !scheme_ok || server.parse::<reqwest::Url>().is_err() {
            return Err(
                "nats.url (HUB_NATS_URL) must be nats://host:port (or tls://…), several separated by commas".into(),
            );
        }
    }
    Ok(Some(crate::event_bus::NatsConfig {
        url: url.clone(),
        stream,
        subject_prefix: prefix,
        sweep_every: Duration::from_millis(n.sweep_ms.unwrap_or(DEFAULT_NATS_SWEEP_MS)),
    }))
}

/// An `http(s)://` URL from `key`.
fn service_url(key: &str, text: &str) -> Result<reqwest::Url, String> {
    let url: reqwest::Url = text
        .parse()
        .map_err(|e| format!("{key} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(format!("{key} must be an http:// or https:// URL"));
    }
    Ok(url)
}

/// A setting `base_url` needs, named by its key and variable when missing.
fn needed<T: Clone>(value: &Option<T>, key: &str, var: &str) -> Result<T, String> {
    value
        .clone()
        .ok_or_else(|| format!("{key} ({var}) is required when its base_url is set"))
}

/// The partner, when `[delivery] base_url` is set; every other key of the
/// section set without it is a mistake worth stopping for.
fn delivery_config(
    d: &settings::DeliverySettings,
) -> Result<Option<crate::fulfilment::PartnerConfig>, String> {
    let Some(base) = &d.base_url else {
        if d.partner.is_some() || d.api_key.is_some() || d.webhook_secret.is_some() {
            return Err(
                "delivery.base_url (HUB_DELIVERY_BASE_URL) is not set, but other delivery settings are".into(),
            );
        }
        return Ok(None);
    };
    let name = needed(&d.partner, "delivery.partner", "HUB_DELIVERY_PARTNER")?;
    let slug = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
    if name.is_empty() || name.len() > 40 || !name.chars().all(slug) {
        return Err("delivery.partner is 1 to 40 of a-z, 0-9, - and _".into());
    }
    let secret = needed(
        &d.webhook_secret,
        "delivery.webhook_secret",
        "HUB_DELIVERY_WEBHOOK_SECRET",
    )?;
    Ok(Some(crate::fulfilment::PartnerConfig {
        name,
        base_url: service_url("delivery.base_url", base)?,
        api_key: needed(&d.api_key, "delivery.api_key", "HUB_DELIVERY_API_KEY")?,
        webhook_secret: crate::signatures::WebhookSecret::parse(secret.expose())
            .map_err(|e| format!("delivery.webhook_secret: {e}"))?,
        timeout: Duration::from_millis(
            d.timeout_ms
                .unwrap_or(settings::DEFAULT_TIMEOUT_MS)
                .max(100),
        ),
    }))
}

/// The gateway, when `[payments] base_url` is set.
fn model_config(
    e: &settings::EnrichmentWorkerSettings,
) -> Result<Option<crate::enrichment::model::ModelConfig>, String> {
    let Some(url) = &e.model_url else {
        if e.model.is_some() || e.model_key.is_some() {
            return Err(
                "enrichment.model_url (HUB_ENRICHMENT_MODEL_URL) is not set, but other model settings are".into(),
            );
        }
        return Ok(None);
    };
    Ok(Some(crate::enrichment::model::ModelConfig {
        url: service_url("enrichment.model_url", url)?.to_string(),
        model: needed(&e.model, "enrichment.model", "HUB_ENRICHMENT_MODEL")?,
        key: e.model_key.clone(),
        timeout: Duration::from_millis(
            e.model_timeout_ms
                .unwrap_or(settings::DEFAULT_TIMEOUT_MS)
                .max(100),
        ),
    }))
}

fn payments_config(
    p: &settings::PaymentSettings,
) -> Result<Option<crate::fulfilment::GatewayConfig>, String> {
    let Some(base) = &p.base_url else {
        if p.key_id.is_some() || p.key_secret.is_some() {
            return Err(
                "payments.base_url (HUB_PAYMENTS_BASE_URL) is not set, but other payment settings are".into(),
            );
        }
        return Ok(None);
    };
    Ok(Some(crate::fulfilment::GatewayConfig {
        base_url: service_url("payments.base_url", base)?,
        key_id: needed(&p.key_id, "payments.key_id", "HUB_PAYMENTS_KEY_ID")?,
        key_secret: needed(
            &p.key_secret,
            "payments.key_secret",
            "HUB_PAYMENTS_KEY_SECRET",
        )?,
        timeout: Duration::from_millis(
            p.timeout_ms
                .unwrap_or(settings::DEFAULT_TIMEOUT_MS)
                .max(100),
        ),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Result<HubConfig, String> {
        let file: Settings = pos_shared::config_file::parse(text, "hub.toml").unwrap();
        HubConfig::from_settings(&Settings::defaults().over(file))
    }

    #[test]
    fn the_nats_relay_is_off_until_a_url_is_named_and_names_what_is_wrong() {
        let base = "database_url = \"sqlite://x.db\"\n";
        assert!(config(base).unwrap().nats.is_none());
        let on = config(&format!(
            "{base}[nats]\nurl = \"nats://a:4222, nats://b:4222\"\n"
        ))
        .unwrap();
        let nats = on.nats.unwrap();
        assert_eq!(
            (nats.stream.as_str(), nats.subject_prefix.as_str()),
            ("POS_EVENTS", "pos.events")
        );
        assert!(!format!(
            "{:?}",
            config(&format!(
                "{base}[nats]\nurl = \"nats://u:hunter2@a:4222\"\n"
            ))
            .unwrap()
        )
        .contains("hunter2"));
        for (text, says) in [
            ("url = \"http://a:4222\"\n", "nats.url"),
            (
                "url = \"nats://a:4222\"\nstream = \"pos events\"\n",
                "nats.stream",
            ),
            (
                "url = \"nats://a:4222\"\nsubject_prefix = \"pos.>\"\n",
                "nats.subject_prefix",
            ),
            (
                "url = \"nats://a:4222\"\nsubject_prefix = \"pos..events\"\n",
                "nats.subject_prefix",
            ),
        ] {
            let e = config(&format!("{base}[nats]\n{text}")).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }

    #[test]
    fn delivery_and_payments_are_off_until_named_and_then_complete() {
        let off = config("database_url = \"sqlite://x.db\"\n").unwrap();
        assert!(off.delivery.is_none() && off.payments.is_none());
        let on = config(
            "database_url = \"sqlite://x.db\"\n[delivery]\npartner = \"swift\"\nbase_url = \"https://p.example/v1\"\napi_key = \"k\"\nwebhook_secret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n[payments]\nbase_url = \"https://g.example\"\nkey_id = \"rzp\"\nkey_secret = \"s\"\n",
        )
        .unwrap();
        assert_eq!(on.delivery.unwrap().name, "swift");
        assert_eq!(on.payments.unwrap().key_id, "rzp");
        for (text, says) in [
            ("[delivery]\napi_key = \"k\"\n", "delivery.base_url"),
            ("[delivery]\nbase_url = \"https://p\"\npartner = \"s\"\nwebhook_secret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n", "delivery.api_key"),
            ("[delivery]\nbase_url = \"https://p\"\npartner = \"Big Co\"\n", "delivery.partner"),
            ("[delivery]\nbase_url = \"ftp://p\"\npartner = \"s\"\napi_key = \"k\"\nwebhook_secret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n", "delivery.base_url"),
            ("[delivery]\nbase_url = \"https://p\"\npartner = \"s\"\napi_key = \"k\"\nwebhook_secret = \"short\"\n", "delivery.webhook_secret"),
            ("[payments]\nbase_url = \"https://g\"\nkey_id = \"k\"\n", "payments.key_secret"),
        ] {
            let e = config(&format!("database_url = \"sqlite://x.db\"\n{text}")).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
