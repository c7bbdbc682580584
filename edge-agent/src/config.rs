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
//! | `EDGE_STALL_AFTER_MS` | how long the oldest unsent fact may wait, the hub answering, before the sync is `stalled` | `600000` |
//! | `EDGE_HID_SCANNERS` | USB HID POS scanners, comma-separated `vendor:product` in hex | none |
//! | `EDGE_PRINTERS` | printers, `;`-separated `name=address?settings` (see [`crate::printing::PrinterConfig::parse`]) | none |
//! | `EDGE_RECEIPT_PRINTER` | the printer that prints receipts | the first printer |
//! | `EDGE_RECEIPT_HEADER` | store name and address lines, `\|`-separated | none |
//! | `EDGE_RECEIPT_FOOTER` | closing lines, `\|`-separated | `Thank you!` |
//! | `EDGE_STORE_GSTIN` | the store's GSTIN, printed under the header | none |
//! | `EDGE_RECEIPT_LOGO` | a PNG printed at the top of receipts | none |
//! | `EDGE_RECEIPT_QR` | QR code under the footer; `{sale_id}` and `{receipt_no}` are filled in | none |
//! | `EDGE_CASH_ROUNDING` | cash bills round half up to this many paise (`100` = nearest rupee) | `1` (exact) |
//! | `EDGE_SCALE_LABELS` | in-store weighed/priced EAN-13 layouts, comma-separated `prefix:item_digits:weight\|price:value_digits:decimals[:check]` | none |
//! | `EDGE_NEGATIVE_STOCK` | selling beyond the till's stock: `allow`, `warn` (sale header `x-stock-warning`) or `block` | `allow` |
//! | `EDGE_DISCOUNT_LIMITS` | largest discount per role without approval, `cashier=5,supervisor=20,manager=100` (percent) | those |
//! | `EDGE_REQUIRE_SIGN_IN` | `yes`: sales only with staff signed in (`POST /v1/session`) | `no` |
//! | `EDGE_GST_IGST` | `yes` for inter-state supply: GST charged as IGST | `no` (CGST + SGST) |
//! | `EDGE_UTC_OFFSET` | the store's offset from UTC for printed times, `+05:30` | `+05:30` |

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
    /// How long the oldest unsent fact may wait, with the hub answering,
    /// before the till says its sync is `stalled`.
    pub stall_after: Duration,
    pub feed_wait_secs: u64,
    pub serial_scanners: Vec<crate::serial_scanner::SerialScanner>,
    pub hid_scanners: Vec<crate::hid_scanner::HidScanner>,
    pub printing: crate::printing::PrintSettings,
    pub sale_policy: crate::store::sales::SalePolicy,
}

/// `+05:30`, `-04:00`, `Z` as minutes east of UTC.
fn parse_offset(text: &str) -> Result<i32, String> {
    let bad = || format!("EDGE_UTC_OFFSET {text:?} is not an offset such as +05:30");
    if text == "Z" {
        return Ok(0);
    }
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').ok_or_else(bad)?;
    let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 14 || m > 59 {
        return Err(bad());
    }
    Ok(sign * (h * 60 + m))
}

fn printing_from_env(
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<crate::printing::PrintSettings, String> {
    let lines = |name: &str| -> Vec<String> {
        var(name)
            .map(|v| {
                v.split('|')
                    .map(|l| l.trim().to_owned())
                    .filter(|l| !l.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let printers = var("EDGE_PRINTERS")
        .map(|specs| {
            specs
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(crate::printing::PrinterConfig::parse)
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let logo_png = match var("EDGE_RECEIPT_LOGO") {
        Some(path) => {
            Some(std::fs::read(&path).map_err(|e| format!("EDGE_RECEIPT_LOGO {path}: {e}"))?)
        }
        None => None,
    };
    let footer = match lines("EDGE_RECEIPT_FOOTER") {
        f if f.is_empty() => vec!["Thank you!".to_owned()],
        f => f,
    };
    Ok(crate::printing::PrintSettings {
        printers,
        receipt_printer: var("EDGE_RECEIPT_PRINTER"),
        receipt: crate::printing::receipt::ReceiptSettings {
            header: lines("EDGE_RECEIPT_HEADER"),
            gstin: var("EDGE_STORE_GSTIN"),
            footer,
            logo_png,
            qr_template: var("EDGE_RECEIPT_QR"),
            utc_offset_minutes: parse_offset(
                &var("EDGE_UTC_OFFSET").unwrap_or_else(|| "+05:30".into()),
            )?,
        },
    })
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
            hid_scanners: var("EDGE_HID_SCANNERS")
                .map(|specs| {
                    specs
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(crate::hid_scanner::HidScanner::parse)
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?
                .unwrap_or_default(),
            printing: printing_from_env(&var)?,
            sale_policy: crate::store::sales::SalePolicy {
                cash_rounding_minor: match var("EDGE_CASH_ROUNDING") {
                    None => 1,
                    Some(v) => v.parse::<i64>().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| {
                        format!("EDGE_CASH_ROUNDING {v:?} is not a cash unit in paise from 1 to 1000 (100 = nearest rupee)")
                    })?,
                },
                scale_rules: var("EDGE_SCALE_LABELS")
                    .map(|specs| {
                        specs
                            .split(',')
                            .filter(|s| !s.trim().is_empty())
                            .map(crate::store::scale_labels::parse_scale_rule)
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .transpose()?
                    .unwrap_or_default(),
                negative_stock: var("EDGE_NEGATIVE_STOCK")
                    .map(|v| crate::store::sales::NegativeStock::parse(&v))
                    .transpose()
                    .map_err(|e| format!("EDGE_NEGATIVE_STOCK: {e}"))?
                    .unwrap_or_default(),
                discount_limits: var("EDGE_DISCOUNT_LIMITS")
                    .map(|v| crate::store::discounts::DiscountLimits::parse(&v))
                    .transpose()
                    .map_err(|e| format!("EDGE_DISCOUNT_LIMITS: {e}"))?
                    .unwrap_or_default(),
                require_sign_in: match var("EDGE_REQUIRE_SIGN_IN").as_deref() {
                    None | Some("no") => false,
                    Some("yes") => true,
                    Some(other) => {
                        return Err(format!("EDGE_REQUIRE_SIGN_IN {other:?} is not yes or no"))
                    }
                },
                igst: match var("EDGE_GST_IGST").as_deref() {
                    None | Some("no") => false,
                    Some("yes") => true,
                    Some(other) => {
                        return Err(format!("EDGE_GST_IGST {other:?} is not yes or no"))
                    }
                },
            },
            max_backoff: millis("EDGE_SYNC_MAX_BACKOFF_MS", 30_000)?
                .max(Duration::from_millis(250)),
            stall_after: millis("EDGE_STALL_AFTER_MS", 600_000)?.max(Duration::from_secs(1)),
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
