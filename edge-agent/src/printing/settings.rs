//! The printers a till has, from its configuration: each printer's name,
//! address and profile, which one prints receipts, and the queue's retry
//! bound.

use super::profile::PrinterProfile;
use super::receipt::ReceiptSettings;
use super::transport::Transport;
use super::DEFAULT_RETRY_MAX;
use pos_shared::labels::{LabelFormat, LabelSize};
use std::time::Duration;

/// One printer from the config: `name=address?profile=…&…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterConfig {
    pub name: String,
    pub transport: Transport,
    pub profile: PrinterProfile,
    /// What the printer speaks: `escpos` (receipt printers, the default),
    /// `zpl` or `tspl` (label printers, for shelf labels only).
    pub language: LabelFormat,
    /// The label stock of a label printer (`label=50x30`, in mm).
    pub label: LabelSize,
}

impl PrinterConfig {
    /// `front=tcp://192.168.1.50:9100?profile=epson-tm-t82`,
    /// `slip=serial:///dev/ttyS1?baud=19200&profile=generic-58mm`,
    /// `lp=file:///dev/usb/lp0?profile=custom&paper=58&codepages=pc858`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (name, address) = spec.split_once('=').ok_or_else(|| {
            format!("printer {spec:?} is not name=address, e.g. front=tcp://10.0.0.5:9100")
        })?;
        let (url, query) = address
            .trim()
            .split_once('?')
            .unwrap_or((address.trim(), ""));
        let params: Vec<(String, String)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect();
        Self::from_parts(name.trim(), url, &params)
    }

    /// The settings a printer takes, in the string form and as config file keys.
    pub const SETTINGS: [&'static str; 11] = [
        "language",
        "label",
        "profile",
        "paper",
        "columns",
        "columns_b",
        "dots",
        "codepages",
        "cutter",
        "qr",
        "baud",
    ];

    /// A printer from its name, address and `key=value` settings: the one
    /// place both the `EDGE_PRINTERS` string and the config file's
    /// `[[printers]]` tables end up.
    pub fn from_parts(name: &str, url: &str, params: &[(String, String)]) -> Result<Self, String> {
        Self::check_name(name)?;
        for (k, _) in params {
            if !Self::SETTINGS.contains(&k.as_str()) {
                return Err(format!(
                    "printer {name}: setting {k:?} is not one of {}",
                    Self::SETTINGS.join(", ")
                ));
            }
        }
        let get = |key: &str| {
            params
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        let language = match get("language") {
            None => LabelFormat::Escpos,
            Some(v) => LabelFormat::parse(v).ok_or_else(|| {
                format!("printer {name}: language {v:?} is not escpos, zpl or tspl")
            })?,
        };
        let label = match get("label") {
            None => LabelSize::default(),
            Some(v) => parse_label_size(v).map_err(|e| format!("printer {name}: {e}"))?,
        };
        Ok(PrinterConfig {
            name: name.to_owned(),
            transport: Transport::parse(url, params).map_err(|e| format!("printer {name}: {e}"))?,
            profile: PrinterProfile::from_params(params)
                .map_err(|e| format!("printer {name}: {e}"))?,
            language,
            label,
        })
    }

    /// A printer that takes only labels (ZPL or TSPL), never receipts.
    pub fn is_label_printer(&self) -> bool {
        self.language != LabelFormat::Escpos
    }

    /// Printer names go into URLs of the local API and into the config.
    pub fn check_name(name: &str) -> Result<(), String> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(format!(
                "printer name {name:?} must be letters, digits, - or _"
            ));
        }
        Ok(())
    }
}

/// `50x30`: a label's width and height in millimetres.
pub fn parse_label_size(v: &str) -> Result<LabelSize, String> {
    let bad = || format!("label size {v:?} is not WIDTHxHEIGHT in mm, e.g. 50x30");
    let (w, h) = v.trim().split_once(['x', 'X']).ok_or_else(bad)?;
    let size = LabelSize {
        width_mm: w.trim().parse().map_err(|_| bad())?,
        height_mm: h.trim().parse().map_err(|_| bad())?,
    };
    size.validate()
        .map_err(|(_, d)| format!("label size {v:?}: {d}"))?;
    Ok(size)
}

/// Printing settings from the agent config.
#[derive(Debug, Clone)]
pub struct PrintSettings {
    pub printers: Vec<PrinterConfig>,
    /// Which printer gets receipts (and opens the cash drawer); the first
    /// ESC/POS one if unset.
    pub receipt_printer: Option<String>,
    pub receipt: ReceiptSettings,
    /// The cap on the backoff between tries of an unreachable printer.
    pub retry_max: Duration,
}

impl Default for PrintSettings {
    fn default() -> Self {
        PrintSettings {
            printers: Vec::new(),
            receipt_printer: None,
            receipt: ReceiptSettings::default(),
            retry_max: DEFAULT_RETRY_MAX,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_specs_parse() {
        let p = PrinterConfig::parse("front=tcp://10.0.0.5?profile=epson-tm-t82").unwrap();
        assert_eq!(p.name, "front");
        assert_eq!(p.transport, Transport::Tcp("10.0.0.5:9100".into()));
        assert_eq!(p.profile.name, "epson-tm-t82");
        let p = PrinterConfig::parse("lp=file:///dev/usb/lp0?profile=custom&paper=58&cutter=no")
            .unwrap();
        assert_eq!((p.profile.columns_a, p.profile.cutter), (32, false));
        let l = PrinterConfig::parse("shelf=tcp://10.0.0.9?language=zpl&label=60x40").unwrap();
        assert!(l.is_label_printer());
        assert_eq!((l.label.width_mm, l.label.height_mm), (60, 40));
        assert_eq!(p.language, LabelFormat::Escpos);
        for (bad, says) in [
            ("shelf=tcp://x?language=pdf", "pdf"),
            ("shelf=tcp://x?language=zpl&label=5x3", "label"),
            ("tcp://x", "name=address"),
            ("a b=tcp://x", "name"),
            ("front=tcp://x?speed=9", "speed"),
            ("front=tcp://x?profile=nope", "nope"),
        ] {
            let e = PrinterConfig::parse(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
