//! [`Settings`]: one layer of the agent's configuration (the defaults, the
//! config file or the environment) and how layers merge.
//!
//! Every field is an `Option`: `None` means "this layer does not say", so a
//! layer on top overrides exactly the settings it names. The same struct is
//! the config file's schema (unknown keys are errors) and, fully merged, what
//! `--print-config` writes.

use super::values::{
    CashRounding, HidScannerEntry, HubUrl, LanListen, Limits, Listen, MaxLineQty,
    NegativeStockPolicy, Printer, ScaleLabel, SerialScannerEntry, UpiVpa, UtcOffset, WedgeKey,
    WedgeSuffix,
};
use pos_shared::Secret;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

pub const DEFAULT_HUB_URL: &str = "http://127.0.0.1:8700";
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8710);
pub const DEFAULT_SYNC_INTERVAL_MS: u64 = 1000;
pub const DEFAULT_MAX_BACKOFF_MS: u64 = 30_000;
pub const DEFAULT_STALL_AFTER_MS: u64 = 600_000;
pub const DEFAULT_FEED_WAIT_SECS: u64 = 25;
/// +05:30, India.
pub const DEFAULT_UTC_OFFSET_MINUTES: i32 = 330;
pub const DEFAULT_FOOTER: &str = "Thank you!";
/// The most one sale line sells unless the store says otherwise: 9,999.
pub const DEFAULT_MAX_LINE_QTY: pos_shared::Qty = pos_shared::Qty::units(9999);

/// One layer of settings; see the module docs.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub hub_url: Option<HubUrl>,
    /// The CA (PEM) the hub's certificate must chain to; only it is
    /// trusted for the hub when set.
    pub hub_ca: Option<PathBuf>,
    /// Lets `hub_url` be plain `http://` to a host other than this machine
    /// (development only: the till's credential and sales would cross the
    /// network unencrypted).
    pub allow_insecure_http: Option<bool>,
    pub listen: Option<Listen>,
    /// The LAN listener for paired handhelds; `off` unless the store turns it on.
    pub lan_listen: Option<LanListen>,
    pub data_dir: Option<PathBuf>,
    /// Never written out: `--print-config` only says whether it is set.
    #[serde(skip_serializing)]
    pub enroll_code: Option<Secret>,
    pub sync: SyncSettings,
    pub receipt: ReceiptLayer,
    pub sales: SalesSettings,
    pub payments: PaymentSettings,
    pub receipts: ReceiptsSettings,
    pub messages: MessagesSettings,
    pub scanners: ScannerSettings,
    // Arrays of tables come last: TOML puts a table's keys before any sub-table.
    pub printers: Option<Vec<Printer>>,
    pub serial_scanners: Option<Vec<SerialScannerEntry>>,
    pub hid_scanners: Option<Vec<HidScannerEntry>>,
    pub scale_labels: Option<Vec<ScaleLabel>>,
}

/// `[sync]`: how often and how patiently the till talks to the hub.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncSettings {
    pub interval_ms: Option<u64>,
    pub max_backoff_ms: Option<u64>,
    pub stall_after_ms: Option<u64>,
    pub feed_wait_secs: Option<u64>,
}

/// `[receipt]`: which printer, and what the slip says around the sale.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReceiptLayer {
    pub printer: Option<String>,
    pub header: Option<Vec<String>>,
    pub footer: Option<Vec<String>>,
    pub gstin: Option<String>,
    /// A PNG file, read when the agent starts.
    pub logo: Option<PathBuf>,
    pub qr: Option<String>,
    pub utc_offset: Option<UtcOffset>,
    /// Where the fonts for text a printer's code page lacks (Hindi, Tamil, …)
    /// are: Noto from Debian's `fonts-noto-core`.
    pub font_dir: Option<PathBuf>,
    /// The longest wait between tries of an unreachable printer.
    pub retry_max_ms: Option<u64>,
}

/// `[sales]`: the store's rules for ringing up a sale.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SalesSettings {
    pub cash_rounding: Option<CashRounding>,
    pub negative_stock: Option<NegativeStockPolicy>,
    pub discount_limits: Option<Limits>,
    pub require_sign_in: Option<bool>,
    pub igst: Option<bool>,
    /// Sales (and cash refunds) only while a shift is open on this till.
    pub require_open_shift: Option<bool>,
    /// The most one sale line may sell.
    pub max_line_qty: Option<MaxLineQty>,
}

/// `[scanners]`: how the keyboard-wedge scanner frames a scan, so the UI can
/// tell a scan from typing. (Serial and HID scanners are lists of their own.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScannerSettings {
    /// The key the scanner is programmed to send before a barcode: a
    /// `KeyboardEvent.key` such as `F13`, or one character.
    pub wedge_prefix: Option<WedgeKey>,
    /// The key it sends after one: `Enter` or `Tab`.
    pub wedge_suffix: Option<WedgeSuffix>,
}

/// `[payments]`: how customers pay the store by UPI QR. Both or neither:
/// a VPA without the name customers know the store by is refused at start.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentSettings {
    pub upi_vpa: Option<UpiVpa>,
    pub upi_payee_name: Option<String>,
}

/// `[receipts]`: e-receipts, the receipt's link sent to the customer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReceiptsSettings {
    /// What a sale's receipt key is appended to; unset: the hub's URL + `/r/`.
    pub link_base: Option<String>,
}

/// `messages.provider`: who sends e-receipts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderName {
    /// Nobody: WhatsApp receipts are click-to-chat links the cashier hands over.
    #[default]
    None,
    /// Meta's WhatsApp Cloud API.
    WhatsappCloud,
    /// Twilio's SMS API.
    TwilioSms,
}

impl ProviderName {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "none" => Ok(ProviderName::None),
            "whatsapp_cloud" => Ok(ProviderName::WhatsappCloud),
            "twilio_sms" => Ok(ProviderName::TwilioSms),
            other => Err(format!(
                "{other:?} is not a provider: whatsapp_cloud, twilio_sms or none"
            )),
        }
    }
}

/// `[messages]`: the provider that sends e-receipts and its credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MessagesSettings {
    pub provider: Option<ProviderName>,
    /// The provider's API root; tests point it at a local server.
    pub base_url: Option<String>,
    pub whatsapp_phone_number_id: Option<String>,
    pub whatsapp_api_version: Option<String>,
    pub twilio_account_sid: Option<String>,
    /// The sending number (E.164) or sender id.
    pub twilio_from: Option<String>,
    /// The WhatsApp access token or Twilio auth token. Never written out.
    #[serde(skip_serializing)]
    pub token: Option<Secret>,
    /// A file holding the token (read at start-up), when it is not given itself.
    pub token_file: Option<PathBuf>,
    pub timeout_ms: Option<u64>,
    pub max_attempts: Option<u32>,
}

impl Settings {
    /// The built-in defaults as a layer, the bottom of the stack.
    pub fn defaults() -> Settings {
        Settings {
            hub_url: Some(HubUrl(DEFAULT_HUB_URL.into())),
            hub_ca: None,
            allow_insecure_http: Some(false),
            listen: Some(Listen(DEFAULT_LISTEN)),
            lan_listen: Some(LanListen::Off),
            // No home directory is an error only if nothing else names one.
            data_dir: directories::ProjectDirs::from("", "", "pos-edge-agent")
                .map(|d| d.data_dir().to_path_buf()),
            enroll_code: None,
            sync: SyncSettings {
                interval_ms: Some(DEFAULT_SYNC_INTERVAL_MS),
                max_backoff_ms: Some(DEFAULT_MAX_BACKOFF_MS),
                stall_after_ms: Some(DEFAULT_STALL_AFTER_MS),
                feed_wait_secs: Some(DEFAULT_FEED_WAIT_SECS),
            },
            receipt: ReceiptLayer {
                printer: None,
                header: Some(Vec::new()),
                footer: Some(vec![DEFAULT_FOOTER.into()]),
                gstin: None,
                logo: None,
                qr: None,
                utc_offset: Some(UtcOffset(DEFAULT_UTC_OFFSET_MINUTES)),
                font_dir: Some(PathBuf::from(crate::printing::text_image::DEFAULT_FONT_DIR)),
                retry_max_ms: Some(crate::printing::DEFAULT_RETRY_MAX.as_millis() as u64),
            },
            sales: SalesSettings {
                cash_rounding: Some(CashRounding(1)),
                negative_stock: Some(NegativeStockPolicy(Default::default())),
                discount_limits: Some(Limits(Default::default())),
                require_sign_in: Some(false),
                igst: Some(false),
                require_open_shift: Some(true),
                max_line_qty: Some(MaxLineQty(DEFAULT_MAX_LINE_QTY)),
            },
            scanners: ScannerSettings {
                wedge_prefix: None,
                wedge_suffix: Some(WedgeSuffix::Enter),
            },
            // No UPI until the store names its VPA.
            payments: PaymentSettings::default(),
            receipts: ReceiptsSettings { link_base: None },
            messages: MessagesSettings {
                provider: Some(ProviderName::None),
                whatsapp_api_version: Some(crate::messages::whatsapp::DEFAULT_API_VERSION.into()),
                timeout_ms: Some(crate::messages::DEFAULT_TIMEOUT.as_millis() as u64),
                max_attempts: Some(crate::messages::DEFAULT_MAX_ATTEMPTS),
                ..Default::default()
            },
            printers: Some(Vec::new()),
            serial_scanners: Some(Vec::new()),
            hid_scanners: Some(Vec::new()),
            scale_labels: Some(Vec::new()),
        }
    }

    /// `top` laid over `self`: every setting `top` names wins. Lists are
    /// replaced whole, never joined, so the environment can empty one.
    pub fn over(self, top: Settings) -> Settings {
        Settings {
            hub_url: top.hub_url.or(self.hub_url),
            hub_ca: top.hub_ca.or(self.hub_ca),
            allow_insecure_http: top.allow_insecure_http.or(self.allow_insecure_http),
            listen: top.listen.or(self.listen),
            lan_listen: top.lan_listen.or(self.lan_listen),
            data_dir: top.data_dir.or(self.data_dir),
            enroll_code: top.enroll_code.or(self.enroll_code),
            sync: SyncSettings {
                interval_ms: top.sync.interval_ms.or(self.sync.interval_ms),
                max_backoff_ms: top.sync.max_backoff_ms.or(self.sync.max_backoff_ms),
                stall_after_ms: top.sync.stall_after_ms.or(self.sync.stall_after_ms),
                feed_wait_secs: top.sync.feed_wait_secs.or(self.sync.feed_wait_secs),
            },
            receipt: ReceiptLayer {
                printer: top.receipt.printer.or(self.receipt.printer),
                header: top.receipt.header.or(self.receipt.header),
                footer: top.receipt.footer.or(self.receipt.footer),
                gstin: top.receipt.gstin.or(self.receipt.gstin),
                logo: top.receipt.logo.or(self.receipt.logo),
                qr: top.receipt.qr.or(self.receipt.qr),
                utc_offset: top.receipt.utc_offset.or(self.receipt.utc_offset),
                font_dir: top.receipt.font_dir.or(self.receipt.font_dir),
                retry_max_ms: top.receipt.retry_max_ms.or(self.receipt.retry_max_ms),
            },
            sales: SalesSettings {
                cash_rounding: top.sales.cash_rounding.or(self.sales.cash_rounding),
                negative_stock: top.sales.negative_stock.or(self.sales.negative_stock),
                discount_limits: top.sales.discount_limits.or(self.sales.discount_limits),
                require_sign_in: top.sales.require_sign_in.or(self.sales.require_sign_in),
                igst: top.sales.igst.or(self.sales.igst),
                require_open_shift: top
                    .sales
                    .require_open_shift
                    .or(self.sales.require_open_shift),
                max_line_qty: top.sales.max_line_qty.or(self.sales.max_line_qty),
            },
            scanners: ScannerSettings {
                wedge_prefix: top.scanners.wedge_prefix.or(self.scanners.wedge_prefix),
                wedge_suffix: top.scanners.wedge_suffix.or(self.scanners.wedge_suffix),
            },
            payments: PaymentSettings {
                upi_vpa: top.payments.upi_vpa.or(self.payments.upi_vpa),
                upi_payee_name: top.payments.upi_payee_name.or(self.payments.upi_payee_name),
            },
            receipts: ReceiptsSettings {
                link_base: top.receipts.link_base.or(self.receipts.link_base),
            },
            messages: {
                let (t, b) = (top.messages, self.messages);
                MessagesSettings {
                    provider: t.provider.or(b.provider),
                    base_url: t.base_url.or(b.base_url),
                    whatsapp_phone_number_id: t
                        .whatsapp_phone_number_id
                        .or(b.whatsapp_phone_number_id),
                    whatsapp_api_version: t.whatsapp_api_version.or(b.whatsapp_api_version),
                    twilio_account_sid: t.twilio_account_sid.or(b.twilio_account_sid),
                    twilio_from: t.twilio_from.or(b.twilio_from),
                    token: t.token.or(b.token),
                    token_file: t.token_file.or(b.token_file),
                    timeout_ms: t.timeout_ms.or(b.timeout_ms),
                    max_attempts: t.max_attempts.or(b.max_attempts),
                }
            },
            printers: top.printers.or(self.printers),
            serial_scanners: top.serial_scanners.or(self.serial_scanners),
            hid_scanners: top.hid_scanners.or(self.hid_scanners),
            scale_labels: top.scale_labels.or(self.scale_labels),
        }
    }

    /// Timings brought into the range the agent works in (a sync loop of
    /// 0 ms would spin, a feed wait past 60 s outlives proxies), so what
    /// `--print-config` shows is what runs.
    /// A value moved into range is said in the log, naming the setting.
    pub fn clamped(mut self) -> Settings {
        fn bound(name: &str, value: &mut Option<u64>, lo: u64, hi: u64) {
            if let Some(v) = *value {
                let kept = v.clamp(lo, hi);
                if kept != v {
                    tracing::warn!(
                        setting = name,
                        asked = v,
                        running = kept,
                        "sync timing out of range; using the nearest the agent runs with"
                    );
                    *value = Some(kept);
                }
            }
        }
        let s = &mut self.sync;
        bound("sync.interval_ms", &mut s.interval_ms, 50, u64::MAX);
        bound("sync.max_backoff_ms", &mut s.max_backoff_ms, 250, u64::MAX);
        bound("sync.stall_after_ms", &mut s.stall_after_ms, 1000, u64::MAX);
        bound("sync.feed_wait_secs", &mut s.feed_wait_secs, 0, 60);
        self
    }

    /// The settings as TOML, secrets left out (a comment says which are set).
    pub fn to_toml(&self) -> Result<String, String> {
        let mut out =
            toml::to_string(self).map_err(|e| format!("cannot write the settings: {e}"))?;
        if self.enroll_code.is_some() {
            out += "\n# enroll_code is set; secrets are not shown.\n";
        } else {
            out += "\n# enroll_code is not set: a terminal not yet enrolled needs one (EDGE_ENROLL_CODE).\n";
        }
        if self.messages.token.is_some() {
            out += "# messages.token is set; secrets are not shown.\n";
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Settings {
        pos_shared::config_file::parse(text, "test.toml").unwrap()
    }

    #[test]
    fn a_layer_overrides_only_what_it_names() {
        let f = file("hub_url = \"https://hub.example.in\"\n[sync]\ninterval_ms = 500\n");
        let env = Settings {
            sync: SyncSettings {
                interval_ms: Some(200),
                ..Default::default()
            },
            ..Default::default()
        };
        let merged = Settings::defaults().over(f).over(env);
        assert_eq!(
            merged.hub_url,
            Some(HubUrl("https://hub.example.in".into()))
        );
        assert_eq!(merged.sync.interval_ms, Some(200));
        assert_eq!(merged.sync.feed_wait_secs, Some(DEFAULT_FEED_WAIT_SECS));
        assert_eq!(merged.listen, Some(Listen(DEFAULT_LISTEN)));
    }

    #[test]
    fn lists_are_replaced_whole() {
        let f = file("[[hid_scanners]]\nvendor = \"0c2e\"\nproduct = \"0b61\"\n");
        assert_eq!(f.hid_scanners.as_ref().map(Vec::len), Some(1));
        let env = Settings {
            hid_scanners: Some(Vec::new()),
            ..Default::default()
        };
        assert_eq!(f.clone().over(env).hid_scanners, Some(Vec::new()));
        assert_eq!(
            f.clone().over(Settings::default()).hid_scanners,
            f.hid_scanners
        );
    }

    #[test]
    fn timings_are_clamped_before_they_are_shown() {
        let f = file("[sync]\ninterval_ms = 0\nfeed_wait_secs = 600\n");
        let s = Settings::defaults().over(f).clamped();
        assert_eq!(s.sync.interval_ms, Some(50));
        assert_eq!(s.sync.feed_wait_secs, Some(60));
    }

    #[test]
    fn the_printed_settings_read_back_the_same_and_hide_the_code() {
        let text = r#"
enroll_code = "ENROLL-123456"
[receipt]
header = ["Kirana Mart", "MG Road"]
utc_offset = "-04:30"
[sales]
cash_rounding = 100
negative_stock = "warn"
discount_limits = { cashier = 7.5, manager = 50 }
[[printers]]
name = "front"
uri = "tcp://192.168.1.50"
profile = "epson-tm-t82"
[[printers]]
name = "slip"
uri = "serial:///dev/ttyS1"
baud = 19200
profile = "custom"
paper = 58
codepages = ["pc858", "cp437"]
qr = false
[[printers]]
name = "shelf"
uri = "tcp://192.168.1.60:9100"
language = "tspl"
label = "60x40"
[[serial_scanners]]
path = "/dev/ttyACM0"
frame = "7E1"
suffix = "crlf"
[[scale_labels]]
prefix = 22
item_digits = 4
measure = "price"
value_digits = 5
decimals = 2
check_digit = true
"#;
        let merged = Settings::defaults().over(file(text));
        let shelf = &merged.printers.as_ref().unwrap()[2].0;
        assert_eq!(shelf.language, pos_shared::labels::LabelFormat::Tspl);
        assert_eq!((shelf.label.width_mm, shelf.label.height_mm), (60, 40));
        let printed = merged.to_toml().unwrap();
        assert!(!printed.contains("ENROLL-123456"), "{printed}");
        assert!(printed.contains("enroll_code is set"), "{printed}");
        let again = Settings::defaults().over(file(&printed));
        assert_eq!(
            again,
            Settings {
                enroll_code: None,
                ..merged
            },
            "{printed}"
        );
    }
}
