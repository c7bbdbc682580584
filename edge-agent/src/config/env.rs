//! The environment layer: every `EDGE_*` variable the agent has ever read,
//! with its string form and its error messages unchanged, read into a
//! [`Settings`] layer that overrides the config file.

use super::settings::{
    MessagesSettings, PaymentSettings, ProviderName, ReceiptLayer, ReceiptsSettings, SalesSettings,
    ScannerSettings, Settings, SyncSettings,
};
use super::values::{
    CashRounding, HidScannerEntry, HubUrl, LanListen, Limits, Listen, MaxLineQty,
    NegativeStockPolicy, Printer, ScaleLabel, SerialScannerEntry, UpiVpa, UtcOffset, WedgeKey,
    WedgeSuffix,
};
use pos_shared::Secret;
use std::path::PathBuf;

/// A variable's value, `None` when unset or blank.
pub type Var<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, blank values treated as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `sep`-separated items, each parsed by `parse`.
fn list<T>(
    var: Var,
    name: &str,
    sep: char,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<Vec<T>>, String> {
    var(name)
        .map(|specs| {
            specs
                .split(sep)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(&parse)
                .collect()
        })
        .transpose()
}

/// `EDGE_SERIAL_SCANNERS` split into scanners. The list is comma-separated
/// but a scanner's frame follows a comma too (`/dev/ttyS0@9600,7E1:lf`), so a
/// piece that is only a frame (and suffix) belongs to the scanner before it.
fn serial_specs(specs: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in specs.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let frame = piece.split(':').next().unwrap_or("");
        let is_frame = crate::devices::serial::parse_frame("", frame).is_ok();
        match out.last_mut() {
            Some(prev) if is_frame && prev.contains('@') && !prev.contains(',') => {
                prev.push(',');
                prev.push_str(piece);
            }
            _ => out.push(piece.to_owned()),
        }
    }
    out
}

/// `|`-separated receipt lines.
fn lines(var: Var, name: &str) -> Option<Vec<String>> {
    let lines: Vec<String> = var(name)?
        .split('|')
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    // As before files existed: a footer of only separators is no footer setting.
    (!lines.is_empty()).then_some(lines)
}

fn number(var: Var, name: &str, unit: &str) -> Result<Option<u64>, String> {
    var(name)
        .map(|v| {
            v.parse()
                .map_err(|e| format!("{name} is not a number of {unit}: {e}"))
        })
        .transpose()
}

fn yes_no(var: Var, name: &str) -> Result<Option<bool>, String> {
    match var(name).as_deref() {
        None => Ok(None),
        Some("no") => Ok(Some(false)),
        Some("yes") => Ok(Some(true)),
        Some(other) => Err(format!("{name} {other:?} is not yes or no")),
    }
}

impl Settings {
    /// The layer the environment gives. Values are checked here, with the
    /// messages they have always had; where the address of the local API is
    /// not loopback, [`super::AgentConfig::validate`] says so.
    pub fn from_env(var: Var) -> Result<Settings, String> {
        let listen = var("EDGE_LISTEN")
            .map(|v| {
                v.parse().map(Listen).map_err(|e| {
                    format!("EDGE_LISTEN is not an address such as 127.0.0.1:8710: {e}")
                })
            })
            .transpose()?;
        Ok(Settings {
            hub_url: var("EDGE_HUB_URL").map(HubUrl),
            hub_ca: var("EDGE_HUB_CA").map(PathBuf::from),
            allow_insecure_http: yes_no(var, "EDGE_ALLOW_INSECURE_HTTP")?,
            listen,
            lan_listen: var("EDGE_LAN_LISTEN")
                .map(|v| LanListen::parse(&v).map_err(|e| format!("EDGE_LAN_LISTEN {e}")))
                .transpose()?,
            data_dir: var("EDGE_DATA_DIR").map(PathBuf::from),
            enroll_code: var("EDGE_ENROLL_CODE").map(Secret::new),
            sync: SyncSettings {
                interval_ms: number(var, "EDGE_SYNC_INTERVAL_MS", "milliseconds")?,
                max_backoff_ms: number(var, "EDGE_SYNC_MAX_BACKOFF_MS", "milliseconds")?,
                stall_after_ms: number(var, "EDGE_STALL_AFTER_MS", "milliseconds")?,
                feed_wait_secs: number(var, "EDGE_FEED_WAIT_SECS", "seconds")?,
            },
            receipt: ReceiptLayer {
                printer: var("EDGE_RECEIPT_PRINTER"),
                header: lines(var, "EDGE_RECEIPT_HEADER"),
                footer: lines(var, "EDGE_RECEIPT_FOOTER"),
                gstin: var("EDGE_STORE_GSTIN"),
                logo: var("EDGE_RECEIPT_LOGO").map(PathBuf::from),
                qr: var("EDGE_RECEIPT_QR"),
                utc_offset: var("EDGE_UTC_OFFSET")
                    .map(|v| UtcOffset::parse(&v).map_err(|e| format!("EDGE_UTC_OFFSET {e}")))
                    .transpose()?,
                font_dir: var("EDGE_RECEIPT_FONT_DIR").map(PathBuf::from),
                retry_max_ms: number(var, "EDGE_PRINT_RETRY_MAX_MS", "milliseconds")?,
            },
            sales: SalesSettings {
                cash_rounding: var("EDGE_CASH_ROUNDING")
                    .map(|v| {
                        v.parse::<i64>()
                            .ok()
                            .and_then(|n| CashRounding::try_from(n).ok())
                            .ok_or_else(|| {
                                format!("EDGE_CASH_ROUNDING {v:?} is not a cash unit in paise from 1 to 1000 (100 = nearest rupee)")
                            })
                    })
                    .transpose()?,
                negative_stock: var("EDGE_NEGATIVE_STOCK")
                    .map(NegativeStockPolicy::try_from)
                    .transpose()
                    .map_err(|e| format!("EDGE_NEGATIVE_STOCK: {e}"))?,
                discount_limits: var("EDGE_DISCOUNT_LIMITS")
                    .map(|v| crate::pos::discounts::DiscountLimits::parse(&v).map(Limits))
                    .transpose()
                    .map_err(|e| format!("EDGE_DISCOUNT_LIMITS: {e}"))?,
                require_sign_in: yes_no(var, "EDGE_REQUIRE_SIGN_IN")?,
                igst: yes_no(var, "EDGE_GST_IGST")?,
                require_open_shift: yes_no(var, "EDGE_REQUIRE_OPEN_SHIFT")?,
                max_line_qty: var("EDGE_MAX_LINE_QTY")
                    .map(MaxLineQty::try_from)
                    .transpose()
                    .map_err(|e| format!("EDGE_MAX_LINE_QTY: {e}"))?,
            },
            scanners: ScannerSettings {
                wedge_prefix: var("EDGE_WEDGE_PREFIX")
                    .map(WedgeKey::try_from)
                    .transpose()
                    .map_err(|e| format!("EDGE_WEDGE_PREFIX: {e}"))?,
                wedge_suffix: var("EDGE_WEDGE_SUFFIX")
                    .map(WedgeSuffix::try_from)
                    .transpose()
                    .map_err(|e| format!("EDGE_WEDGE_SUFFIX: {e}"))?,
            },
            payments: PaymentSettings {
                upi_vpa: var("EDGE_UPI_VPA")
                    .map(|v| UpiVpa::try_from(v).map_err(|e| format!("EDGE_UPI_VPA {e}")))
                    .transpose()?,
                upi_payee_name: var("EDGE_UPI_PAYEE_NAME"),
            },
            receipts: ReceiptsSettings {
                link_base: var("EDGE_RECEIPT_LINK_BASE"),
            },
            messages: MessagesSettings {
                provider: var("EDGE_MESSAGES_PROVIDER")
                    .map(|v| ProviderName::parse(&v).map_err(|e| format!("EDGE_MESSAGES_PROVIDER {e}")))
                    .transpose()?,
                base_url: var("EDGE_MESSAGES_BASE_URL"),
                whatsapp_phone_number_id: var("EDGE_WHATSAPP_PHONE_NUMBER_ID"),
                whatsapp_api_version: var("EDGE_WHATSAPP_API_VERSION"),
                twilio_account_sid: var("EDGE_TWILIO_ACCOUNT_SID"),
                twilio_from: var("EDGE_TWILIO_FROM"),
                token: var("EDGE_MESSAGES_TOKEN").map(Secret::new),
                token_file: var("EDGE_MESSAGES_TOKEN_FILE").map(PathBuf::from),
                timeout_ms: number(var, "EDGE_MESSAGES_TIMEOUT_MS", "milliseconds")?,
                max_attempts: number(var, "EDGE_MESSAGES_MAX_ATTEMPTS", "tries")?
                    .map(|n| u32::try_from(n).map_err(|_| format!("EDGE_MESSAGES_MAX_ATTEMPTS {n} is too many tries")))
                    .transpose()?,
            },
            printers: list(var, "EDGE_PRINTERS", ';', |s| {
                crate::printing::PrinterConfig::parse(s).map(Printer)
            })?,
            serial_scanners: var("EDGE_SERIAL_SCANNERS")
                .map(|specs| {
                    serial_specs(&specs)
                        .iter()
                        .map(|s| crate::devices::serial::SerialScanner::parse(s).map(SerialScannerEntry))
                        .collect()
                })
                .transpose()?,
            hid_scanners: list(var, "EDGE_HID_SCANNERS", ',', |s| {
                crate::devices::hid::HidScanner::parse(s).map(HidScannerEntry)
            })?,
            scale_labels: list(var, "EDGE_SCALE_LABELS", ',', |s| {
                crate::pos::scale_labels::parse_scale_rule(s).map(ScaleLabel)
            })?,
        })
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
        Settings::from_env(&|name: &str| map.get(name).filter(|v| !v.trim().is_empty()).cloned())
    }

    #[test]
    fn the_string_forms_still_read() {
        let s = env(&[
            (
                "EDGE_PRINTERS",
                "front=tcp://10.0.0.5?profile=epson-tm-t82; slip=file:///tmp/x",
            ),
            (
                "EDGE_SERIAL_SCANNERS",
                "/dev/ttyACM0@19200,7E1:lf, /dev/ttyS1:tab",
            ),
            ("EDGE_HID_SCANNERS", "0c2e:0b61"),
            ("EDGE_SCALE_LABELS", "21:5:weight:5:3,22:4:price:5:2:check"),
            ("EDGE_RECEIPT_HEADER", "Kirana | MG Road"),
            ("EDGE_DISCOUNT_LIMITS", "cashier=10"),
            ("EDGE_GST_IGST", "yes"),
            ("EDGE_LAN_LISTEN", "0.0.0.0:8766"),
        ])
        .unwrap();
        assert_eq!(
            s.lan_listen.and_then(LanListen::addr),
            Some("0.0.0.0:8766".parse().unwrap())
        );
        assert_eq!(
            env(&[("EDGE_LAN_LISTEN", "OFF")]).unwrap().lan_listen,
            Some(LanListen::Off),
            "the environment can turn off what the file turned on"
        );
        assert_eq!(s.printers.as_ref().map(Vec::len), Some(2));
        let scanner = &s.serial_scanners.as_ref().unwrap()[0].0;
        assert_eq!(
            (scanner.baud, scanner.frame_name(), scanner.suffix_name()),
            (19200, "7E1".into(), "lf")
        );
        assert_eq!(s.serial_scanners.as_ref().unwrap()[1].0.path, "/dev/ttyS1");
        assert_eq!(s.serial_scanners.as_ref().map(Vec::len), Some(2));
        assert_eq!(s.hid_scanners.as_ref().unwrap()[0].0.vendor, 0x0c2e);
        assert_eq!(s.scale_labels.as_ref().map(Vec::len), Some(2));
        assert_eq!(
            s.receipt.header,
            Some(vec!["Kirana".into(), "MG Road".into()])
        );
        assert_eq!(s.sales.discount_limits.unwrap().0.cashier_bp, 1000);
        assert_eq!(s.sales.igst, Some(true));
        assert_eq!(
            s.sync,
            SyncSettings::default(),
            "unset variables say nothing"
        );
    }

    #[test]
    fn bad_values_keep_their_named_errors() {
        for (name, value, says) in [
            ("EDGE_LISTEN", "nowhere", "EDGE_LISTEN is not an address"),
            (
                "EDGE_LAN_LISTEN",
                "store-wifi",
                "EDGE_LAN_LISTEN \"store-wifi\" is not an address such as 0.0.0.0:8766, or off",
            ),
            (
                "EDGE_SYNC_INTERVAL_MS",
                "soon",
                "EDGE_SYNC_INTERVAL_MS is not a number of milliseconds",
            ),
            (
                "EDGE_FEED_WAIT_SECS",
                "-1",
                "EDGE_FEED_WAIT_SECS is not a number of seconds",
            ),
            (
                "EDGE_UTC_OFFSET",
                "IST",
                "EDGE_UTC_OFFSET \"IST\" is not an offset",
            ),
            (
                "EDGE_CASH_ROUNDING",
                "0",
                "EDGE_CASH_ROUNDING \"0\" is not a cash unit",
            ),
            (
                "EDGE_NEGATIVE_STOCK",
                "maybe",
                "EDGE_NEGATIVE_STOCK: negative stock policy",
            ),
            ("EDGE_DISCOUNT_LIMITS", "boss=5", "EDGE_DISCOUNT_LIMITS: "),
            (
                "EDGE_REQUIRE_SIGN_IN",
                "true",
                "EDGE_REQUIRE_SIGN_IN \"true\" is not yes or no",
            ),
            (
                "EDGE_PRINTERS",
                "front",
                "printer \"front\" is not name=address",
            ),
            ("EDGE_SCALE_LABELS", "21:5:volume:5:3", "scale label layout"),
            (
                "EDGE_UPI_VPA",
                "kirana store@ybl",
                "EDGE_UPI_VPA \"kirana store@ybl\" is not a UPI address",
            ),
        ] {
            let e = env(&[(name, value)]).unwrap_err();
            assert!(e.starts_with(says), "{name}={value}: {e}");
        }
    }
}
