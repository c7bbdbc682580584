//! The agent's configuration: where it is found, how its layers stack, and
//! the [`AgentConfig`] the daemon runs with.
//!
//! Layers, each overriding the one before: the built-in defaults, the config
//! file `edge-agent.toml`, the `EDGE_*` environment variables. The file is the
//! one named by `--config <path>`, else by `EDGE_CONFIG`, else
//! `edge-agent.toml` in the platform config directory (on Linux
//! `~/.config/pos-edge-agent/`); a named file must exist, the default one may
//! be missing. `edge-agent.example.toml` beside the crate documents every key.
//!
//! | file key | variable | default |
//! |---|---|---|
//! | `data_dir` | `EDGE_DATA_DIR` | the platform data dir |
//! | `hub_url` | `EDGE_HUB_URL`: `https://…`; plain `http://` only to this machine unless `allow_insecure_http` | `http://127.0.0.1:8700` |
//! | `hub_ca` | `EDGE_HUB_CA`: a PEM file; the hub's certificate must chain to it (platform roots are not used for the hub then) | unset: the platform's roots |
//! | `allow_insecure_http` | `EDGE_ALLOW_INSECURE_HTTP`: development only, `http://` to another host | `false` |
//! | `listen` | `EDGE_LISTEN` (loopback only) | `127.0.0.1:8710` |
//! | `lan_listen` | `EDGE_LAN_LISTEN`, an address such as `0.0.0.0:8766` or `off` (paired handhelds only) | `off` |
//! | `enroll_code` (secret) | `EDGE_ENROLL_CODE` | unset |
//! | `sync.interval_ms` | `EDGE_SYNC_INTERVAL_MS` | `1000` (50 at least) |
//! | `sync.max_backoff_ms` | `EDGE_SYNC_MAX_BACKOFF_MS` | `30000` (250 at least) |
//! | `sync.stall_after_ms` | `EDGE_STALL_AFTER_MS` | `600000` (1000 at least) |
//! | `sync.feed_wait_secs` | `EDGE_FEED_WAIT_SECS` | `25` (60 at most) |
//! | `[[printers]]` | `EDGE_PRINTERS`, `;`-separated `name=address?settings` | none |
//! | `receipt.printer` | `EDGE_RECEIPT_PRINTER` | the first printer |
//! | `receipt.header` | `EDGE_RECEIPT_HEADER`, `\|`-separated | none |
//! | `receipt.footer` | `EDGE_RECEIPT_FOOTER`, `\|`-separated | `Thank you!` |
//! | `receipt.gstin` | `EDGE_STORE_GSTIN` | none |
//! | `receipt.logo` | `EDGE_RECEIPT_LOGO` (a PNG) | none |
//! | `receipt.qr` | `EDGE_RECEIPT_QR` (`{sale_id}`, `{receipt_no}` filled in) | none |
//! | `receipt.utc_offset` | `EDGE_UTC_OFFSET` | `+05:30` |
//! | `receipt.font_dir` | `EDGE_RECEIPT_FONT_DIR` (Noto fonts for Indic text) | `/usr/share/fonts/truetype/noto` |
//! | `receipt.retry_max_ms` | `EDGE_PRINT_RETRY_MAX_MS` (backoff cap, 250 at least) | `30000` |
//! | `sales.cash_rounding` | `EDGE_CASH_ROUNDING` (paise, 1 to 1000) | `1` |
//! | `sales.negative_stock` | `EDGE_NEGATIVE_STOCK`: `allow`, `warn`, `block` | `allow` |
//! | `sales.discount_limits` | `EDGE_DISCOUNT_LIMITS`, `cashier=5,supervisor=20,manager=100` | those |
//! | `sales.require_sign_in` | `EDGE_REQUIRE_SIGN_IN` (`yes`/`no`) | `false` |
//! | `sales.igst` | `EDGE_GST_IGST` (`yes`/`no`) | `false` |
//! | `payments.upi_vpa` | `EDGE_UPI_VPA` (`handle@psp`; UPI by dynamic QR) | none: no UPI QR |
//! | `payments.upi_payee_name` | `EDGE_UPI_PAYEE_NAME` (required with a VPA) | none |
//! | `receipts.link_base` | `EDGE_RECEIPT_LINK_BASE` (a sale's receipt key is appended) | `hub_url` + `/r/` |
//! | `messages.provider` | `EDGE_MESSAGES_PROVIDER`: `whatsapp_cloud`, `twilio_sms`, `none` | `none` |
//! | `messages.base_url` | `EDGE_MESSAGES_BASE_URL` | the provider's own |
//! | `messages.whatsapp_phone_number_id` | `EDGE_WHATSAPP_PHONE_NUMBER_ID` | none |
//! | `messages.whatsapp_api_version` | `EDGE_WHATSAPP_API_VERSION` | `v21.0` |
//! | `messages.twilio_account_sid` | `EDGE_TWILIO_ACCOUNT_SID` | none |
//! | `messages.twilio_from` | `EDGE_TWILIO_FROM` | none |
//! | `messages.token` (secret) | `EDGE_MESSAGES_TOKEN` | none |
//! | `messages.token_file` | `EDGE_MESSAGES_TOKEN_FILE` (the token's file) | none |
//! | `messages.timeout_ms` | `EDGE_MESSAGES_TIMEOUT_MS` (100 at least) | `10000` |
//! | `messages.max_attempts` | `EDGE_MESSAGES_MAX_ATTEMPTS` | `8` |
//! | `sales.require_open_shift` | `EDGE_REQUIRE_OPEN_SHIFT` (`yes`/`no`): sales and cash refunds only with a shift open | `true` |
//! | `sales.max_line_qty` | `EDGE_MAX_LINE_QTY` (a quantity, at most 100000) | `9999` |
//! | `scanners.wedge_prefix` | `EDGE_WEDGE_PREFIX`: the wedge scanner's prefix key, `F1`–`F24` or one character | none |
//! | `scanners.wedge_suffix` | `EDGE_WEDGE_SUFFIX`: `Enter` or `Tab` | `Enter` |
//! | `[[serial_scanners]]` | `EDGE_SERIAL_SCANNERS`, `path[@baud[,frame]][:cr\|lf\|crlf\|tab]` | none |
//! | `[[hid_scanners]]` | `EDGE_HID_SCANNERS`, `vendor:product` in hex | none |
//! | `[[scale_labels]]` | `EDGE_SCALE_LABELS`, `prefix:item_digits:weight\|price:value_digits:decimals[:check]` | none |

pub mod env;
pub mod settings;
pub mod values;

pub use settings::Settings;

use pos_shared::Secret;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The file's name in the platform config directory.
pub const FILE_NAME: &str = "edge-agent.toml";

#[derive(Debug, Clone)]
pub struct AgentConfig {
    pub data_dir: PathBuf,
    pub hub_url: String,
    /// The CA certificate (PEM) the hub must present a chain to; `None`:
    /// the platform's roots.
    pub hub_ca: Option<Vec<u8>>,
    /// `http://` to a host other than this one is allowed (development).
    pub allow_insecure_http: bool,
    pub listen: SocketAddr,
    /// The LAN listener for paired handhelds, off unless the store turns it on.
    pub lan: LanConfig,
    pub enroll_code: Option<Secret>,
    pub sync_interval: Duration,
    pub max_backoff: Duration,
    /// How long the oldest unsent fact may wait, with the hub answering,
    /// before the till says its sync is `stalled`.
    pub stall_after: Duration,
    pub feed_wait_secs: u64,
    pub serial_scanners: Vec<crate::devices::serial::SerialScanner>,
    pub hid_scanners: Vec<crate::devices::hid::HidScanner>,
    pub printing: crate::printing::PrintSettings,
    pub sale_policy: crate::pos::sale::SalePolicy,
    /// Who customers pay by UPI QR; `None` turns UPI QR off.
    pub upi: Option<crate::pos::upi::UpiPayee>,
    /// E-receipts: the link base and the provider that sends them.
    pub messages: crate::messages::MessagesConfig,
    /// How the keyboard-wedge scanner frames a scan, for the UI.
    pub wedge: Wedge,
}

/// The keyboard-wedge scanner's programmed prefix and suffix
/// (`scanners.wedge_prefix`, `scanners.wedge_suffix`), as the browser names
/// the keys: the UI tells a scan from typing by them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wedge {
    pub prefix: Option<String>,
    pub suffix: String,
}

impl Default for Wedge {
    fn default() -> Self {
        Wedge {
            prefix: None,
            suffix: "Enter".into(),
        }
    }
}

/// The opt-in LAN listener for paired handhelds (`api::lan`).
#[derive(Debug, Clone)]
pub struct LanConfig {
    /// Where it listens; `None` keeps the agent on loopback only.
    pub listen: Option<SocketAddr>,
    /// How long a pairing code issued at the till may be claimed. Not a
    /// setting: ten minutes is the store's rule; tests shorten it.
    pub pairing_code_ttl: Duration,
}

/// How long a pairing code lives: long enough to walk to the handheld and type it.
pub const PAIRING_CODE_TTL: Duration = Duration::from_secs(600);

impl Default for LanConfig {
    fn default() -> Self {
        LanConfig {
            listen: None,
            pairing_code_ttl: PAIRING_CODE_TTL,
        }
    }
}

/// Which config file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigFile {
    /// Named by `--config` or `EDGE_CONFIG`: it must exist.
    Named(PathBuf),
    /// The platform default: read if it exists.
    Default(PathBuf),
    /// No home directory, nothing named: defaults and environment only.
    None,
}

impl ConfigFile {
    /// `--config` first, then `EDGE_CONFIG`, then the platform config directory.
    pub fn locate(flag: Option<PathBuf>, var: env::Var) -> ConfigFile {
        match flag.or_else(|| var("EDGE_CONFIG").map(PathBuf::from)) {
            Some(path) => ConfigFile::Named(path),
            None => directories::ProjectDirs::from("", "", "pos-edge-agent")
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
pub fn load(file: &ConfigFile, var: env::Var) -> Result<Settings, String> {
    let from_file = file.read()?;
    let from_env = Settings::from_env(var)?;
    Ok(Settings::defaults()
        .over(from_file)
        .over(from_env)
        .clamped())
}

impl AgentConfig {
    /// The config the binary runs with when given no flags: the default (or
    /// `EDGE_CONFIG`) file and the process environment.
    pub fn from_env() -> Result<Self, String> {
        let file = ConfigFile::locate(None, &env::process_env);
        Self::from_settings(&load(&file, &env::process_env)?)
    }

    /// Resolves merged settings; whatever a layer left unset takes its default.
    pub fn from_settings(s: &Settings) -> Result<Self, String> {
        use settings::*;
        let data_dir = match &s.data_dir {
            Some(dir) => dir.clone(),
            None => return Err("no home directory: set EDGE_DATA_DIR or data_dir".into()),
        };
        let ms = |v: Option<u64>, default| Duration::from_millis(v.unwrap_or(default));
        let r = &s.receipt;
        let logo_png = match &r.logo {
            Some(path) => Some(std::fs::read(path).map_err(|e| {
                format!("EDGE_RECEIPT_LOGO (receipt.logo) {}: {e}", path.display())
            })?),
            None => None,
        };
        let upi = upi_payee(&s.payments)?;
        let messages = messages_config(s)?;
        let config = AgentConfig {
            upi,
            messages,
            data_dir,
            hub_url: s
                .hub_url
                .as_ref()
                .map_or(DEFAULT_HUB_URL.into(), |u| u.0.clone()),
            hub_ca: s
                .hub_ca
                .as_ref()
                .map(|path| {
                    std::fs::read(path)
                        .map_err(|e| format!("EDGE_HUB_CA (hub_ca) {}: {e}", path.display()))
                })
                .transpose()?,
            allow_insecure_http: s.allow_insecure_http.unwrap_or(false),
            listen: s.listen.map_or(DEFAULT_LISTEN, |l| l.0),
            lan: LanConfig {
                listen: s.lan_listen.and_then(values::LanListen::addr),
                pairing_code_ttl: PAIRING_CODE_TTL,
            },
            enroll_code: s.enroll_code.clone(),
            sync_interval: ms(s.sync.interval_ms, DEFAULT_SYNC_INTERVAL_MS),
            max_backoff: ms(s.sync.max_backoff_ms, DEFAULT_MAX_BACKOFF_MS),
            stall_after: ms(s.sync.stall_after_ms, DEFAULT_STALL_AFTER_MS),
            feed_wait_secs: s.sync.feed_wait_secs.unwrap_or(DEFAULT_FEED_WAIT_SECS),
            serial_scanners: inner(&s.serial_scanners, |e| e.0),
            hid_scanners: inner(&s.hid_scanners, |e| e.0),
            printing: crate::printing::PrintSettings {
                printers: inner(&s.printers, |p| p.0),
                receipt_printer: r.printer.clone(),
                receipt: crate::printing::receipt::ReceiptSettings {
                    header: r.header.clone().unwrap_or_default(),
                    gstin: r.gstin.clone(),
                    footer: r
                        .footer
                        .clone()
                        .unwrap_or_else(|| vec![DEFAULT_FOOTER.into()]),
                    logo_png,
                    qr_template: r.qr.clone(),
                    utc_offset_minutes: r.utc_offset.map_or(DEFAULT_UTC_OFFSET_MINUTES, |o| o.0),
                    font_dir: r
                        .font_dir
                        .clone()
                        .unwrap_or_else(|| crate::printing::text_image::DEFAULT_FONT_DIR.into()),
                },
                retry_max: ms(
                    r.retry_max_ms.map(|m| m.max(250)),
                    crate::printing::DEFAULT_RETRY_MAX.as_millis() as u64,
                ),
            },
            sale_policy: crate::pos::sale::SalePolicy {
                cash_rounding_minor: s.sales.cash_rounding.map_or(1, |c| c.0),
                scale_rules: inner(&s.scale_labels, |l| l.0),
                negative_stock: s.sales.negative_stock.map(|n| n.0).unwrap_or_default(),
                discount_limits: s.sales.discount_limits.map(|l| l.0).unwrap_or_default(),
                require_sign_in: s.sales.require_sign_in.unwrap_or(false),
                igst: s.sales.igst.unwrap_or(false),
                require_open_shift: s.sales.require_open_shift.unwrap_or(true),
                max_line_qty: s.sales.max_line_qty.map_or(DEFAULT_MAX_LINE_QTY, |q| q.0),
                // The receipt's zone is the store's: one clock for both.
                utc_offset_minutes: s
                    .receipt
                    .utc_offset
                    .map_or(DEFAULT_UTC_OFFSET_MINUTES, |o| o.0),
            },
            wedge: Wedge {
                prefix: s.scanners.wedge_prefix.clone().map(|k| k.0),
                suffix: s
                    .scanners
                    .wedge_suffix
                    .map_or("Enter", values::WedgeSuffix::key)
                    .to_owned(),
            },
        };
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), String> {
        self.messages.validate()?;
        // The store's GSTIN is printed on every tax invoice: a wrong one
        // must not reach paper.
        if let Some(g) = &self.printing.receipt.gstin {
            pos_shared::gstin::Gstin::parse(g)
                .map_err(|e| format!("receipt.gstin (EDGE_STORE_GSTIN) {g:?}: {e}"))?;
        }
        // The local API has no authentication of its own yet: it must not be
        // reachable from the store network.
        if !self.listen.ip().is_loopback() {
            return Err(format!(
                "EDGE_LISTEN {} is not a loopback address; the till API serves this machine only",
                self.listen
            ));
        }
        // Port 0 (tests) picks two different ports; any other shared address
        // would fail to bind with a less helpful message.
        if let Some(lan) = self.lan.listen {
            if lan == self.listen && lan.port() != 0 {
                return Err(format!(
                    "EDGE_LAN_LISTEN (lan_listen) {lan} is the till API's own address (EDGE_LISTEN); give the LAN listener a port of its own"
                ));
            }
        }
        if !(self.hub_url.starts_with("http://") || self.hub_url.starts_with("https://")) {
            return Err(format!(
                "EDGE_HUB_URL {:?} must start with http:// or https://",
                self.hub_url
            ));
        }
        if self.hub_url.starts_with("http://") {
            // The device token and every sale go to the hub: in the clear
            // only to this machine, unless a developer says otherwise.
            if !self.allow_insecure_http && !is_this_machine(&self.hub_url) {
                return Err(format!(
                    "EDGE_HUB_URL {:?} is plain http:// to another machine: use https://, \
                     or set EDGE_ALLOW_INSECURE_HTTP=yes (allow_insecure_http = true) for development",
                    self.hub_url
                ));
            }
            if self.hub_ca.is_some() {
                return Err(format!(
                    "EDGE_HUB_CA (hub_ca) is set but EDGE_HUB_URL {:?} is plain http://: the CA is for https://",
                    self.hub_url
                ));
            }
        }
        Ok(())
    }
}

/// Whether an `http://` URL names this machine: `localhost`, or a loopback
/// address.
fn is_this_machine(url: &str) -> bool {
    let rest = url.trim_start_matches("http://");
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The UPI payee from `[payments]`: both keys or neither, so a till never
/// shows customers a QR without the name they know the store by.
fn upi_payee(p: &settings::PaymentSettings) -> Result<Option<crate::pos::upi::UpiPayee>, String> {
    match (&p.upi_vpa, &p.upi_payee_name) {
        (None, None) => Ok(None),
        (Some(vpa), Some(name)) => crate::pos::upi::UpiPayee::new(vpa.0.clone(), name)
            .map(Some)
            .map_err(|e| format!("payments.upi_payee_name (EDGE_UPI_PAYEE_NAME) {name:?}: {e}")),
        (Some(_), None) => Err(
            "payments.upi_vpa (EDGE_UPI_VPA) is set but payments.upi_payee_name \
             (EDGE_UPI_PAYEE_NAME) is not: give the store's name as customers' UPI apps should show it"
                .into(),
        ),
        (None, Some(_)) => Err(
            "payments.upi_payee_name (EDGE_UPI_PAYEE_NAME) is set but payments.upi_vpa \
             (EDGE_UPI_VPA) is not: give the store's UPI address, such as kiranastore@okicici"
                .into(),
        ),
    }
}

/// `[messages]` and `receipts.link_base` resolved: the provider with its
/// default API root, the token from the setting or its file.
fn messages_config(s: &Settings) -> Result<crate::messages::MessagesConfig, String> {
    use crate::messages::{twilio, whatsapp, MessagesConfig, Provider};
    let m = &s.messages;
    let token = match (&m.token, &m.token_file) {
        (Some(t), _) => t.clone(),
        (None, Some(path)) => Secret::new(
            std::fs::read_to_string(path)
                .map_err(|e| {
                    format!(
                        "messages.token_file (EDGE_MESSAGES_TOKEN_FILE) {}: {e}",
                        path.display()
                    )
                })?
                .trim(),
        ),
        (None, None) => Secret::new(""),
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let provider = match m.provider.unwrap_or_default() {
        settings::ProviderName::None => None,
        settings::ProviderName::WhatsappCloud => Some(Provider::WhatsappCloud {
            base_url: m
                .base_url
                .clone()
                .unwrap_or_else(|| whatsapp::DEFAULT_BASE_URL.into()),
            api_version: m
                .whatsapp_api_version
                .clone()
                .unwrap_or_else(|| whatsapp::DEFAULT_API_VERSION.into()),
            phone_number_id: text(&m.whatsapp_phone_number_id),
            token,
        }),
        settings::ProviderName::TwilioSms => Some(Provider::TwilioSms {
            base_url: m
                .base_url
                .clone()
                .unwrap_or_else(|| twilio::DEFAULT_BASE_URL.into()),
            account_sid: text(&m.twilio_account_sid),
            from: text(&m.twilio_from),
            auth_token: token,
        }),
    };
    Ok(MessagesConfig {
        provider,
        link_base: s.receipts.link_base.clone(),
        timeout: Duration::from_millis(
            m.timeout_ms
                .unwrap_or(crate::messages::DEFAULT_TIMEOUT.as_millis() as u64)
                .max(100),
        ),
        max_attempts: m
            .max_attempts
            .unwrap_or(crate::messages::DEFAULT_MAX_ATTEMPTS),
    })
}

/// A list setting's internal values; unset is empty.
fn inner<E: Clone, T>(list: &Option<Vec<E>>, f: impl Fn(E) -> T) -> Vec<T> {
    list.iter().flatten().cloned().map(f).collect()
}

/// What `--print-config` writes: where the settings came from, then the
/// merged settings as TOML.
pub fn print_config(file: &ConfigFile, settings: &Settings) -> Result<String, String> {
    Ok(format!(
        "# edge-agent: effective configuration\n# config file: {}\n# precedence: EDGE_* variables, then the file, then defaults\n\n{}",
        file.describe(),
        settings.to_toml()?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The config a file of `text` gives, over the defaults.
    fn config(text: &str) -> Result<AgentConfig, String> {
        let mut file: Settings = toml::from_str(text).map_err(|e| e.to_string())?;
        file.data_dir = Some(std::env::temp_dir());
        AgentConfig::from_settings(&Settings::defaults().over(file))
    }

    #[test]
    fn plain_http_goes_to_this_machine_only_unless_a_developer_says_so() {
        for local in [
            "http://127.0.0.1:8700",
            "http://127.0.0.2:8700/",
            "http://localhost:8700",
            "http://LOCALHOST",
            "http://[::1]:8700",
            "https://10.0.0.5:8700",
            "https://hub.example.in",
        ] {
            config(&format!("hub_url = {local:?}\n")).unwrap_or_else(|e| panic!("{local}: {e}"));
        }
        for remote in [
            "http://10.0.0.5:8700",
            "http://hub.example.in",
            "http://127.0.0.1.evil.example:8700",
            "http://user@192.168.1.20",
            "http://[fe80::1]:8700",
        ] {
            let err = config(&format!("hub_url = {remote:?}\n")).unwrap_err();
            assert!(
                err.contains("EDGE_HUB_URL") && err.contains("EDGE_ALLOW_INSECURE_HTTP"),
                "{remote}: {err}"
            );
            config(&format!(
                "hub_url = {remote:?}\nallow_insecure_http = true\n"
            ))
            .unwrap_or_else(|e| panic!("{remote} with the flag: {e}"));
        }
    }

    #[test]
    fn a_pinned_ca_is_read_and_needs_https() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let err = config(&format!(
            "hub_url = \"https://hub.example.in\"\nhub_ca = {:?}\n",
            missing.display().to_string()
        ))
        .unwrap_err();
        assert!(
            err.contains("EDGE_HUB_CA") && err.contains("missing.pem"),
            "{err}"
        );
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\n").unwrap();
        let on = config(&format!(
            "hub_url = \"https://hub.example.in\"\nhub_ca = {:?}\n",
            ca.display().to_string()
        ))
        .unwrap();
        assert!(on.hub_ca.is_some());
        let err = config(&format!(
            "hub_url = \"http://127.0.0.1:8700\"\nhub_ca = {:?}\n",
            ca.display().to_string()
        ))
        .unwrap_err();
        assert!(
            err.contains("EDGE_HUB_CA") && err.contains("https://"),
            "{err}"
        );
    }
}
