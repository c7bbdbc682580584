//! [`Settings`]: one layer of the hub's configuration (the defaults, the
//! config file or the environment) and how layers merge.
//!
//! Every field is an `Option`: `None` means "this layer does not say", so a
//! layer on top overrides exactly what it names. The same struct is the config
//! file's schema (unknown keys are errors) and, merged, what `--print-config`
//! writes, less its secrets.

use pos_shared::Secret;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8700);
pub const DEFAULT_FEED_RETAIN: u64 = 1_000_000;
pub const DEFAULT_FEED_PRUNE_SECS: u64 = 300;
pub const DEFAULT_REPORT_FLUSH_MS: u64 = 2000;
pub const DEFAULT_SNAPSHOT_SHARE_SECS: u64 = 120;
pub const DEFAULT_RESERVATION_SWEEP_MS: u64 = 1000;
pub const DEFAULT_EXPIRY_WARN_DAYS: u32 = 3;
pub const DEFAULT_EXPIRY_CHECK_SECS: u64 = 300;
pub const DEFAULT_HOURS_CHECK_SECS: u64 = 30;
pub const DEFAULT_SESSION_HOURS: u64 = 12;
pub const DEFAULT_DELIVERY_SWEEP_MS: u64 = 1000;
pub const DEFAULT_DELIVERY_RETRY_MAX_SECS: u64 = 300;
pub const DEFAULT_WEBHOOKS_SWEEP_MS: u64 = 1000;
pub const DEFAULT_WEBHOOKS_TIMEOUT_MS: u64 = 10_000;
pub const DEFAULT_WEBHOOKS_RETRY_MAX_SECS: u64 = 3600;
pub const DEFAULT_WEBHOOKS_GIVE_UP_SECS: u64 = 24 * 3600;
pub const DEFAULT_NATS_STREAM: &str = "POS_EVENTS";
pub const DEFAULT_NATS_SUBJECT_PREFIX: &str = "pos.events";
pub const DEFAULT_NATS_SWEEP_MS: u64 = 1000;
pub const DEFAULT_INGESTION_MAX_BODY_BYTES: u64 = 4 * 1024 * 1024;
pub const DEFAULT_INGESTION_SWEEP_MS: u64 = 1000;
pub const DEFAULT_INGESTION_MAX_FEED_BYTES: u64 = 64 * 1024 * 1024;
pub const DEFAULT_LIMITS_REQUESTS_PER_SECOND: u32 = 100;
pub const DEFAULT_LIMITS_BURST: u32 = 1000;
pub const DEFAULT_LIMITS_FAILED_ATTEMPTS_PER_MINUTE: u32 = 10;
/// Each request to a delivery partner or a payment gateway.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// One layer of settings; see the module docs.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub listen: Option<SocketAddr>,
    /// Where the embedded SQLite database lives when no database URL is given.
    pub data_dir: Option<PathBuf>,
    /// `postgres://…` or `sqlite://…`; may carry a password, so never written out.
    #[serde(skip_serializing)]
    pub database_url: Option<Secret>,
    /// Turns on `POST /v1/admin/tenants`; never written out.
    #[serde(skip_serializing)]
    pub admin_token: Option<Secret>,
    /// Turns on `GET /metrics` for a scraper presenting it; never written out.
    #[serde(skip_serializing)]
    pub metrics_token: Option<Secret>,
    pub session_hours: Option<SessionHours>,
    pub reservation_sweep_ms: Option<u64>,
    pub expiry_warn_days: Option<u32>,
    /// How often batches are checked for expiry, in seconds.
    pub expiry_check_secs: Option<u64>,
    /// How often stores are checked for opening or closing by their hours, in seconds.
    pub hours_check_secs: Option<u64>,
    pub feed: FeedSettings,
    pub delivery: DeliverySettings,
    pub payments: PaymentSettings,
    pub webhooks: WebhookSettings,
    pub enrichment: EnrichmentWorkerSettings,
    /// Seals source systems' secrets at rest: base64 of 32 random bytes;
    /// never written out.
    #[serde(skip_serializing)]
    pub secret_key: Option<Secret>,
    /// A file holding the secret key; made on first start when absent.
    /// Without either, the embedded default keeps one in `data_dir`.
    pub secret_key_file: Option<PathBuf>,
    pub ingestion: IngestionSettings,
    pub nats: NatsSettings,
    pub tls: TlsSettings,
    pub limits: LimitsSettings,
}

/// `[limits]`: requests per caller, failed guesses per address (see
/// `http/limits.rs`); 0 turns a limit off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsSettings {
    /// Sustained requests a second per credential (or per address without one).
    pub requests_per_second: Option<u32>,
    /// Requests a caller may make at once above the sustained rate.
    pub burst: Option<u32>,
    /// Failed enrollments, sign-ins and invitation acceptances a minute per
    /// client address before that address is refused them for a while.
    pub failed_attempts_per_minute: Option<u32>,
}

/// `[tls]`: HTTPS on `listen` with this certificate and key (PEM files);
/// plain HTTP unless both are set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSettings {
    /// The server certificate, then any intermediates.
    pub cert: Option<PathBuf>,
    /// Its private key.
    pub key: Option<PathBuf>,
}

/// `[nats]`: the relay of the hub's events to NATS JetStream; off unless
/// `url` is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct NatsSettings {
    /// `nats://host:4222` (several separated by commas); may carry a user
    /// and password, so never written out.
    #[serde(skip_serializing)]
    pub url: Option<Secret>,
    /// The JetStream stream, created if missing.
    pub stream: Option<String>,
    /// Subjects are `<prefix>.<tenant>.<event type>`.
    pub subject_prefix: Option<String>,
    /// How often the relay looks for events, in milliseconds (it also wakes
    /// at once on a change).
    pub sweep_ms: Option<u64>,
}

/// `[ingestion]`: the webhook gateway and the task that applies what it queues.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestionSettings {
    /// The largest webhook body taken, in bytes (larger: 413).
    pub max_body_bytes: Option<u64>,
    /// How often the ingestion task looks for queued payloads, in
    /// milliseconds (it also wakes at once when one is queued).
    pub sweep_ms: Option<u64>,
    /// The largest seller feed upload taken, in bytes (larger: 413).
    pub max_feed_bytes: Option<u64>,
}

/// `[enrichment]`: the worker that suggests better catalog data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnrichmentWorkerSettings {
    /// Run the worker in this process (off: proposals wait until a hub
    /// runs it; serving and ingestion are the same either way).
    pub worker: Option<bool>,
    /// An OpenAI-compatible chat completions API's base URL; unset: no
    /// model, the rules alone.
    pub model_url: Option<String>,
    /// The model asked.
    pub model: Option<String>,
    /// Its API key. Never written out.
    #[serde(skip_serializing)]
    pub model_key: Option<Secret>,
    pub model_timeout_ms: Option<u64>,
}

/// `[webhooks]`: how the hub sends its events to HQ's subscriptions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// Let subscriptions send over plain `http://` to loopback and private
    /// addresses (a hub and its receivers on one private network).
    pub allow_private_http: Option<bool>,
    /// How often the delivery task looks for events to send, in milliseconds
    /// (it also wakes at once on a change).
    pub sweep_ms: Option<u64>,
    /// Each request to a subscriber, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// The longest wait between two tries of a failing event, in seconds.
    pub retry_max_secs: Option<u64>,
    /// A failing event is dead-lettered this long after its first try, in
    /// seconds.
    pub give_up_secs: Option<u64>,
}

/// `[delivery]`: the delivery partner packed orders are handed to; off
/// unless `base_url` is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliverySettings {
    /// The partner's name: `partner:<name>` in order steps, and the callback
    /// path `/v1/delivery/callbacks/<name>`.
    pub partner: Option<String>,
    /// The partner's assignment API.
    pub base_url: Option<String>,
    /// Sent as `Authorization: Bearer …`; never written out.
    #[serde(skip_serializing)]
    pub api_key: Option<Secret>,
    /// `whsec_…`: verifies the partner's callbacks; never written out.
    #[serde(skip_serializing)]
    pub webhook_secret: Option<Secret>,
    /// How often the hand-over task looks for work, in milliseconds.
    pub sweep_ms: Option<u64>,
    /// The longest wait between tries of a failing hand-over, in seconds.
    pub retry_max_secs: Option<u64>,
    /// Each request's timeout, in milliseconds.
    pub timeout_ms: Option<u64>,
}

/// `[payments]`: the gateway orders' authorised payments are captured
/// through; off unless `base_url` is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentSettings {
    pub base_url: Option<String>,
    pub key_id: Option<String>,
    /// Never written out.
    #[serde(skip_serializing)]
    pub key_secret: Option<Secret>,
    pub timeout_ms: Option<u64>,
}

/// `[feed]`: how much of each tenant's change feed is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedSettings {
    pub retain: Option<u64>,
    pub prune_secs: Option<u64>,
    /// How often terminals' reports (cursor, queue, version) are written.
    pub report_flush_ms: Option<u64>,
    /// How long a store's snapshot serves its other new tills (0: never).
    pub snapshot_share_secs: Option<u64>,
}

/// How long an HQ user's sign-in lasts: 1 to 720 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct SessionHours(pub u64);

impl TryFrom<u64> for SessionHours {
    type Error = String;
    fn try_from(hours: u64) -> Result<Self, String> {
        if (1..=720).contains(&hours) {
            Ok(SessionHours(hours))
        } else {
            Err("must be between 1 and 720".into())
        }
    }
}

impl From<SessionHours> for u64 {
    fn from(h: SessionHours) -> u64 {
        h.0
    }
}

/// A variable's value, `None` when unset or blank.
pub type Var<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, blank values treated as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    /// The built-in defaults as a layer, the bottom of the stack.
    pub fn defaults() -> Settings {
        Settings {
            listen: Some(DEFAULT_LISTEN),
            // No home directory is an error only if the database is not named.
            data_dir: directories::ProjectDirs::from("", "", "pos-hub")
                .map(|d| d.data_dir().to_path_buf()),
            database_url: None,
            admin_token: None,
            metrics_token: None,
            session_hours: Some(SessionHours(DEFAULT_SESSION_HOURS)),
            reservation_sweep_ms: Some(DEFAULT_RESERVATION_SWEEP_MS),
            expiry_warn_days: Some(DEFAULT_EXPIRY_WARN_DAYS),
            expiry_check_secs: Some(DEFAULT_EXPIRY_CHECK_SECS),
            hours_check_secs: Some(DEFAULT_HOURS_CHECK_SECS),
            feed: FeedSettings {
                retain: Some(DEFAULT_FEED_RETAIN),
                prune_secs: Some(DEFAULT_FEED_PRUNE_SECS),
                report_flush_ms: Some(DEFAULT_REPORT_FLUSH_MS),
                snapshot_share_secs: Some(DEFAULT_SNAPSHOT_SHARE_SECS),
            },
            // Off until a partner or gateway is named; their periods default
            // in `HubConfig::from_settings`.
            delivery: DeliverySettings::default(),
            payments: PaymentSettings::default(),
            enrichment: EnrichmentWorkerSettings {
                worker: Some(true),
                model_timeout_ms: Some(DEFAULT_TIMEOUT_MS),
                ..EnrichmentWorkerSettings::default()
            },
            webhooks: WebhookSettings {
                allow_private_http: Some(false),
                sweep_ms: Some(DEFAULT_WEBHOOKS_SWEEP_MS),
                timeout_ms: Some(DEFAULT_WEBHOOKS_TIMEOUT_MS),
                retry_max_secs: Some(DEFAULT_WEBHOOKS_RETRY_MAX_SECS),
                give_up_secs: Some(DEFAULT_WEBHOOKS_GIVE_UP_SECS),
            },
            secret_key: None,
            secret_key_file: None,
            ingestion: IngestionSettings {
                max_body_bytes: Some(DEFAULT_INGESTION_MAX_BODY_BYTES),
                sweep_ms: Some(DEFAULT_INGESTION_SWEEP_MS),
                max_feed_bytes: Some(DEFAULT_INGESTION_MAX_FEED_BYTES),
            },
            nats: NatsSettings {
                url: None,
                stream: Some(DEFAULT_NATS_STREAM.into()),
                subject_prefix: Some(DEFAULT_NATS_SUBJECT_PREFIX.into()),
                sweep_ms: Some(DEFAULT_NATS_SWEEP_MS),
            },
            tls: TlsSettings::default(),
            limits: LimitsSettings {
                requests_per_second: Some(DEFAULT_LIMITS_REQUESTS_PER_SECOND),
                burst: Some(DEFAULT_LIMITS_BURST),
                failed_attempts_per_minute: Some(DEFAULT_LIMITS_FAILED_ATTEMPTS_PER_MINUTE),
            },
        }
    }

    /// The layer the environment gives, with the messages these variables
    /// have always had.
    pub fn from_env(var: Var) -> Result<Settings, String> {
        let number = |name: &str| -> Result<Option<u64>, String> {
            var(name)
                .map(|v| {
                    v.parse()
                        .map_err(|e| format!("{name} is not a whole number: {e}"))
                })
                .transpose()
        };
        let count = |name: &str| -> Result<Option<u32>, String> {
            number(name)?
                .map(|n| u32::try_from(n).map_err(|_| format!("{name} is too large")))
                .transpose()
        };
        Ok(Settings {
            listen: var("HUB_LISTEN")
                .map(|v| {
                    v.parse().map_err(|e| {
                        format!("HUB_LISTEN is not an address such as 127.0.0.1:8700: {e}")
                    })
                })
                .transpose()?,
            data_dir: var("HUB_DATA_DIR").map(PathBuf::from),
            database_url: var("DATABASE_URL").map(Secret::new),
            admin_token: var("HUB_ADMIN_TOKEN").map(Secret::new),
            metrics_token: var("HUB_METRICS_TOKEN").map(Secret::new),
            session_hours: number("HUB_SESSION_HOURS")?
                .map(|h| {
                    SessionHours::try_from(h)
                        .map_err(|_| "HUB_SESSION_HOURS must be between 1 and 720".to_owned())
                })
                .transpose()?,
            reservation_sweep_ms: number("HUB_RESERVATION_SWEEP_MS")?,
            expiry_warn_days: number("HUB_EXPIRY_WARN_DAYS")?
                .map(|d| {
                    u32::try_from(d).map_err(|_| "HUB_EXPIRY_WARN_DAYS is too large".to_owned())
                })
                .transpose()?,
            expiry_check_secs: number("HUB_EXPIRY_CHECK_SECS")?,
            hours_check_secs: number("HUB_HOURS_CHECK_SECS")?,
            feed: FeedSettings {
                retain: number("HUB_FEED_RETAIN")?,
                prune_secs: number("HUB_FEED_PRUNE_SECS")?,
                report_flush_ms: number("HUB_FEED_REPORT_FLUSH_MS")?,
                snapshot_share_secs: number("HUB_FEED_SNAPSHOT_SHARE_SECS")?,
            },
            delivery: DeliverySettings {
                partner: var("HUB_DELIVERY_PARTNER"),
                base_url: var("HUB_DELIVERY_BASE_URL"),
                api_key: var("HUB_DELIVERY_API_KEY").map(Secret::new),
                webhook_secret: var("HUB_DELIVERY_WEBHOOK_SECRET").map(Secret::new),
                sweep_ms: number("HUB_DELIVERY_SWEEP_MS")?,
                retry_max_secs: number("HUB_DELIVERY_RETRY_MAX_SECS")?,
                timeout_ms: number("HUB_DELIVERY_TIMEOUT_MS")?,
            },
            payments: PaymentSettings {
                base_url: var("HUB_PAYMENTS_BASE_URL"),
                key_id: var("HUB_PAYMENTS_KEY_ID"),
                key_secret: var("HUB_PAYMENTS_KEY_SECRET").map(Secret::new),
                timeout_ms: number("HUB_PAYMENTS_TIMEOUT_MS")?,
            },
            enrichment: EnrichmentWorkerSettings {
                worker: var("HUB_ENRICHMENT_WORKER")
                    .map(|v| match v.trim() {
                        "true" | "1" => Ok(true),
                        "false" | "0" => Ok(false),
                        _ => Err("HUB_ENRICHMENT_WORKER is true or false".to_owned()),
                    })
                    .transpose()?,
                model_url: var("HUB_ENRICHMENT_MODEL_URL"),
                model: var("HUB_ENRICHMENT_MODEL"),
                model_key: var("HUB_ENRICHMENT_MODEL_KEY").map(Secret::new),
                model_timeout_ms: number("HUB_ENRICHMENT_MODEL_TIMEOUT_MS")?,
            },
            webhooks: WebhookSettings {
                allow_private_http: var("HUB_WEBHOOKS_ALLOW_PRIVATE_HTTP")
                    .map(|v| match v.trim() {
                        "true" | "1" => Ok(true),
                        "false" | "0" => Ok(false),
                        _ => Err("HUB_WEBHOOKS_ALLOW_PRIVATE_HTTP is true or false".to_owned()),
                    })
                    .transpose()?,
                sweep_ms: number("HUB_WEBHOOKS_SWEEP_MS")?,
                timeout_ms: number("HUB_WEBHOOKS_TIMEOUT_MS")?,
                retry_max_secs: number("HUB_WEBHOOKS_RETRY_MAX_SECS")?,
                give_up_secs: number("HUB_WEBHOOKS_GIVE_UP_SECS")?,
            },
            secret_key: var("HUB_SECRET_KEY").map(Secret::new),
            secret_key_file: var("HUB_SECRET_KEY_FILE").map(PathBuf::from),
            ingestion: IngestionSettings {
                max_body_bytes: number("HUB_INGESTION_MAX_BODY_BYTES")?,
                sweep_ms: number("HUB_INGESTION_SWEEP_MS")?,
                max_feed_bytes: number("HUB_INGESTION_MAX_FEED_BYTES")?,
            },
            nats: NatsSettings {
                url: var("HUB_NATS_URL").map(Secret::new),
                stream: var("HUB_NATS_STREAM"),
                subject_prefix: var("HUB_NATS_SUBJECT_PREFIX"),
                sweep_ms: number("HUB_NATS_SWEEP_MS")?,
            },
            tls: TlsSettings {
                cert: var("HUB_TLS_CERT").map(PathBuf::from),
                key: var("HUB_TLS_KEY").map(PathBuf::from),
            },
            limits: LimitsSettings {
                requests_per_second: count("HUB_LIMITS_REQUESTS_PER_SECOND")?,
                burst: count("HUB_LIMITS_BURST")?,
                failed_attempts_per_minute: count("HUB_LIMITS_FAILED_ATTEMPTS_PER_MINUTE")?,
            },
        })
    }

    /// `top` laid over `self`: every setting `top` names wins.
    pub fn over(self, top: Settings) -> Settings {
        Settings {
            listen: top.listen.or(self.listen),
            data_dir: top.data_dir.or(self.data_dir),
            database_url: top.database_url.or(self.database_url),
            admin_token: top.admin_token.or(self.admin_token),
            metrics_token: top.metrics_token.or(self.metrics_token),
            session_hours: top.session_hours.or(self.session_hours),
            reservation_sweep_ms: top.reservation_sweep_ms.or(self.reservation_sweep_ms),
            expiry_warn_days: top.expiry_warn_days.or(self.expiry_warn_days),
            expiry_check_secs: top.expiry_check_secs.or(self.expiry_check_secs),
            hours_check_secs: top.hours_check_secs.or(self.hours_check_secs),
            feed: FeedSettings {
                retain: top.feed.retain.or(self.feed.retain),
                prune_secs: top.feed.prune_secs.or(self.feed.prune_secs),
                report_flush_ms: top.feed.report_flush_ms.or(self.feed.report_flush_ms),
                snapshot_share_secs: top
                    .feed
                    .snapshot_share_secs
                    .or(self.feed.snapshot_share_secs),
            },
            delivery: DeliverySettings {
                partner: top.delivery.partner.or(self.delivery.partner),
                base_url: top.delivery.base_url.or(self.delivery.base_url),
                api_key: top.delivery.api_key.or(self.delivery.api_key),
                webhook_secret: top.delivery.webhook_secret.or(self.delivery.webhook_secret),
                sweep_ms: top.delivery.sweep_ms.or(self.delivery.sweep_ms),
                retry_max_secs: top.delivery.retry_max_secs.or(self.delivery.retry_max_secs),
                timeout_ms: top.delivery.timeout_ms.or(self.delivery.timeout_ms),
            },
            payments: PaymentSettings {
                base_url: top.payments.base_url.or(self.payments.base_url),
                key_id: top.payments.key_id.or(self.payments.key_id),
                key_secret: top.payments.key_secret.or(self.payments.key_secret),
                timeout_ms: top.payments.timeout_ms.or(self.payments.timeout_ms),
            },
            enrichment: EnrichmentWorkerSettings {
                worker: top.enrichment.worker.or(self.enrichment.worker),
                model_url: top.enrichment.model_url.or(self.enrichment.model_url),
                model: top.enrichment.model.or(self.enrichment.model),
                model_key: top.enrichment.model_key.or(self.enrichment.model_key),
                model_timeout_ms: top
                    .enrichment
                    .model_timeout_ms
                    .or(self.enrichment.model_timeout_ms),
            },
            webhooks: WebhookSettings {
                allow_private_http: top
                    .webhooks
                    .allow_private_http
                    .or(self.webhooks.allow_private_http),
                sweep_ms: top.webhooks.sweep_ms.or(self.webhooks.sweep_ms),
                timeout_ms: top.webhooks.timeout_ms.or(self.webhooks.timeout_ms),
                retry_max_secs: top.webhooks.retry_max_secs.or(self.webhooks.retry_max_secs),
                give_up_secs: top.webhooks.give_up_secs.or(self.webhooks.give_up_secs),
            },
            secret_key: top.secret_key.or(self.secret_key),
            secret_key_file: top.secret_key_file.or(self.secret_key_file),
            ingestion: IngestionSettings {
                max_body_bytes: top
                    .ingestion
                    .max_body_bytes
                    .or(self.ingestion.max_body_bytes),
                sweep_ms: top.ingestion.sweep_ms.or(self.ingestion.sweep_ms),
                max_feed_bytes: top
                    .ingestion
                    .max_feed_bytes
                    .or(self.ingestion.max_feed_bytes),
            },
            nats: NatsSettings {
                url: top.nats.url.or(self.nats.url),
                stream: top.nats.stream.or(self.nats.stream),
                subject_prefix: top.nats.subject_prefix.or(self.nats.subject_prefix),
                sweep_ms: top.nats.sweep_ms.or(self.nats.sweep_ms),
            },
            tls: TlsSettings {
                cert: top.tls.cert.or(self.tls.cert),
                key: top.tls.key.or(self.tls.key),
            },
            limits: LimitsSettings {
                requests_per_second: top
                    .limits
                    .requests_per_second
                    .or(self.limits.requests_per_second),
                burst: top.limits.burst.or(self.limits.burst),
                failed_attempts_per_minute: top
                    .limits
                    .failed_attempts_per_minute
                    .or(self.limits.failed_attempts_per_minute),
            },
        }
    }

    /// Loops brought into the range that works (a zero period would spin),
    /// so what `--print-config` shows is what runs.
    pub fn clamped(mut self) -> Settings {
        self.feed.prune_secs = self.feed.prune_secs.map(|s| s.max(1));
        self.feed.report_flush_ms = self.feed.report_flush_ms.map(|ms| ms.clamp(10, 60_000));
        self.feed.snapshot_share_secs = self.feed.snapshot_share_secs.map(|s| s.min(600));
        self.reservation_sweep_ms = self.reservation_sweep_ms.map(|ms| ms.max(10));
        self.expiry_check_secs = self.expiry_check_secs.map(|s| s.max(1));
        self.hours_check_secs = self.hours_check_secs.map(|s| s.max(1));
        self.delivery.sweep_ms = self.delivery.sweep_ms.map(|ms| ms.max(10));
        self.delivery.retry_max_secs = self.delivery.retry_max_secs.map(|s| s.max(1));
        self.webhooks.sweep_ms = self.webhooks.sweep_ms.map(|ms| ms.max(10));
        self.webhooks.timeout_ms = self.webhooks.timeout_ms.map(|ms| ms.max(100));
        self.webhooks.retry_max_secs = self.webhooks.retry_max_secs.map(|s| s.max(1));
        self.webhooks.give_up_secs = self.webhooks.give_up_secs.map(|s| s.max(1));
        self.ingestion.sweep_ms = self.ingestion.sweep_ms.map(|ms| ms.max(10));
        self.ingestion.max_body_bytes = self.ingestion.max_body_bytes.map(|b| b.max(1024));
        self.ingestion.max_feed_bytes = self.ingestion.max_feed_bytes.map(|b| b.max(1024));
        self.nats.sweep_ms = self.nats.sweep_ms.map(|ms| ms.max(10));
        self
    }

    /// The settings as TOML; the secrets only as comments saying whether they are set.
    pub fn to_toml(&self) -> Result<String, String> {
        let mut out =
            toml::to_string(self).map_err(|e| format!("cannot write the settings: {e}"))?;
        out += "\n# Secrets are not shown.\n";
        out += &match &self.database_url {
            Some(url) => format!(
                "# database_url is set ({})\n",
                super::backend_of(url.expose())
            ),
            None => "# database_url is not set: the embedded SQLite database in data_dir\n".into(),
        };
        out += if self.admin_token.is_some() {
            "# admin_token is set: POST /v1/admin/tenants is on\n"
        } else {
            "# admin_token is not set: POST /v1/admin/tenants is off\n"
        };
        out += if self.metrics_token.is_some() {
            "# metrics_token is set: GET /metrics is on\n"
        } else {
            "# metrics_token is not set: GET /metrics is off\n"
        };
        for (name, set) in [
            ("delivery.api_key", self.delivery.api_key.is_some()),
            (
                "delivery.webhook_secret",
                self.delivery.webhook_secret.is_some(),
            ),
            ("payments.key_secret", self.payments.key_secret.is_some()),
            ("enrichment.model_key", self.enrichment.model_key.is_some()),
            ("secret_key", self.secret_key.is_some()),
            ("nats.url", self.nats.url.is_some()),
        ] {
            out += &format!("# {name} is {}set\n", if set { "" } else { "not " });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> Result<Settings, String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_env(&|n: &str| map.get(n).cloned())
    }

    fn file(text: &str) -> Settings {
        pos_shared::config_file::parse(text, "hub.toml").unwrap()
    }

    #[test]
    fn the_environment_overrides_the_file_which_overrides_the_defaults() {
        let f = file("listen = \"0.0.0.0:9000\"\nsession_hours = 8\n[feed]\nretain = 5000\n");
        let e = env(&[("HUB_SESSION_HOURS", "24"), ("HUB_ADMIN_TOKEN", "t")]).unwrap();
        let s = Settings::defaults().over(f).over(e);
        assert_eq!(s.listen, Some("0.0.0.0:9000".parse().unwrap()));
        assert_eq!(s.session_hours, Some(SessionHours(24)));
        assert_eq!(s.feed.retain, Some(5000));
        assert_eq!(s.feed.prune_secs, Some(DEFAULT_FEED_PRUNE_SECS));
        assert_eq!(s.admin_token, Some(Secret::new("t")));
    }

    #[test]
    fn bad_environment_values_keep_their_messages() {
        for (name, value, says) in [
            ("HUB_LISTEN", "x", "HUB_LISTEN is not an address"),
            (
                "HUB_FEED_RETAIN",
                "lots",
                "HUB_FEED_RETAIN is not a whole number",
            ),
            (
                "HUB_SESSION_HOURS",
                "0",
                "HUB_SESSION_HOURS must be between 1 and 720",
            ),
            (
                "HUB_EXPIRY_WARN_DAYS",
                "99999999999",
                "HUB_EXPIRY_WARN_DAYS is too large",
            ),
            (
                "HUB_WEBHOOKS_ALLOW_PRIVATE_HTTP",
                "maybe",
                "HUB_WEBHOOKS_ALLOW_PRIVATE_HTTP is true or false",
            ),
            (
                "HUB_WEBHOOKS_GIVE_UP_SECS",
                "a day",
                "HUB_WEBHOOKS_GIVE_UP_SECS is not a whole number",
            ),
        ] {
            let e = env(&[(name, value)]).unwrap_err();
            assert!(e.starts_with(says), "{name}: {e}");
        }
    }

    #[test]
    fn the_printed_settings_hide_secrets_and_read_back() {
        let f =
            file("database_url = \"postgres://hub:pa55word@db/hub\"\nadmin_token = \"adm1n\"\n");
        let s = Settings::defaults().over(f).clamped();
        let text = s.to_toml().unwrap();
        assert!(
            !text.contains("pa55word") && !text.contains("adm1n"),
            "{text}"
        );
        assert!(text.contains("database_url is set (postgresql)"), "{text}");
        let again = Settings::defaults().over(file(&text));
        assert_eq!(
            again,
            Settings {
                database_url: None,
                admin_token: None,
                metrics_token: None,
                ..s
            }
        );
        let with_partner = file(
            "[delivery]\npartner = \"swift\"\napi_key = \"k3y\"\nwebhook_secret = \"whsec_s3cret\"\n[payments]\nkey_secret = \"p4y\"\n",
        );
        let text = Settings::defaults().over(with_partner).to_toml().unwrap();
        assert!(
            !text.contains("k3y") && !text.contains("s3cret") && !text.contains("p4y"),
            "{text}"
        );
        assert!(text.contains("partner = \"swift\""), "{text}");
        assert!(text.contains("# delivery.api_key is set"), "{text}");
    }

    #[test]
    fn loops_never_spin() {
        let s = Settings::defaults()
            .over(file("reservation_sweep_ms = 0\n[feed]\nprune_secs = 0\n"))
            .clamped();
        assert_eq!(
            (s.reservation_sweep_ms, s.feed.prune_secs),
            (Some(10), Some(1))
        );
        let w = Settings::defaults()
            .over(file("[webhooks]\nsweep_ms = 0\ngive_up_secs = 0\n"))
            .over(env(&[("HUB_WEBHOOKS_ALLOW_PRIVATE_HTTP", "true")]).unwrap())
            .clamped()
            .webhooks;
        assert_eq!(
            (w.sweep_ms, w.give_up_secs, w.allow_private_http),
            (Some(10), Some(1), Some(true))
        );
        assert_eq!(w.retry_max_secs, Some(DEFAULT_WEBHOOKS_RETRY_MAX_SECS));
    }
}
