//! The agent's setting values that are more than a number or a string, each
//! with its config file form: checked as the file is read (so a bad value is
//! reported at its own key and line) and written back for `--print-config`.
//!
//! Printers, scanners, scale label layouts and discount limits are tables in
//! the file and small strings in the environment; both forms end up in the
//! same internal types (`PrinterConfig`, `SerialScanner`, …) through the same
//! parsers, so the two cannot drift apart.

use crate::devices::hid::HidScanner;
use crate::devices::serial::SerialScanner;
use crate::pos::discounts::DiscountLimits;
use crate::pos::sale::NegativeStock;
use crate::pos::upi::Vpa;
use crate::printing::profile::PrinterProfile;
use crate::printing::transport::Transport;
use crate::printing::PrinterConfig;
use pos_shared::gs1::{Measure, VariableMeasureRule};
use pos_shared::Qty;
use serde::{de::Error as _, Deserialize, Deserializer, Serialize};
use std::net::SocketAddr;
use std::num::NonZeroU32;

/// Reads an optional `T` and checks it with `check`; the error lands on the
/// value's own key and line.
fn checked<'de, D, T>(d: D, check: impl Fn(&T) -> Result<(), String>) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let value = T::deserialize(d)?;
    check(&value).map_err(D::Error::custom)?;
    Ok(value)
}

/// The hub's base URL, `http://` or `https://`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct HubUrl(pub String);

impl TryFrom<String> for HubUrl {
    type Error = String;
    fn try_from(url: String) -> Result<Self, String> {
        if url.starts_with("http://") || url.starts_with("https://") {
            Ok(HubUrl(url))
        } else {
            Err(format!("{url:?} must start with http:// or https://"))
        }
    }
}

impl From<HubUrl> for String {
    fn from(url: HubUrl) -> String {
        url.0
    }
}

/// The local API's address: loopback only, the till API serves this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct Listen(pub SocketAddr);

impl TryFrom<String> for Listen {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let addr: SocketAddr = text
            .parse()
            .map_err(|_| format!("{text:?} is not an address such as 127.0.0.1:8710"))?;
        if !addr.ip().is_loopback() {
            return Err(format!(
                "{addr} is not a loopback address; the till API serves this machine only"
            ));
        }
        Ok(Listen(addr))
    }
}

impl From<Listen> for String {
    fn from(listen: Listen) -> String {
        listen.0.to_string()
    }
}

/// The LAN listener for paired handhelds: an address such as `0.0.0.0:8766`,
/// or `off` (the default). Any address is allowed: unlike the till's API, the
/// LAN listener serves only paired devices, so it may face the store network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub enum LanListen {
    Off,
    At(SocketAddr),
}

impl LanListen {
    /// The address to listen on, when on.
    pub fn addr(self) -> Option<SocketAddr> {
        match self {
            LanListen::Off => None,
            LanListen::At(addr) => Some(addr),
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(LanListen::Off);
        }
        text.parse()
            .map(LanListen::At)
            .map_err(|_| format!("{text:?} is not an address such as 0.0.0.0:8766, or off"))
    }
}

impl TryFrom<String> for LanListen {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        LanListen::parse(&text)
    }
}

impl From<LanListen> for String {
    fn from(lan: LanListen) -> String {
        match lan {
            LanListen::Off => "off".into(),
            LanListen::At(addr) => addr.to_string(),
        }
    }
}

/// The store's UPI address (VPA), `handle@psp`, checked as it is read.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct UpiVpa(pub Vpa);

impl TryFrom<String> for UpiVpa {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Vpa::parse(text.trim())
            .map(UpiVpa)
            .map_err(|e| e.to_string())
    }
}

impl From<UpiVpa> for String {
    fn from(vpa: UpiVpa) -> String {
        vpa.0.as_str().to_owned()
    }
}

/// The store's offset from UTC for printed times, in minutes east.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct UtcOffset(pub i32);

impl UtcOffset {
    /// `+05:30`, `-04:00`, `Z`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not an offset such as +05:30");
        if text == "Z" {
            return Ok(UtcOffset(0));
        }
        let (sign, rest) = match text.as_bytes().first() {
            Some(b'+') => (1, &text[1..]),
            Some(b'-') => (-1, &text[1..]),
            _ => return Err(bad()),
        };
        let (h, m) = rest.split_once(':').ok_or_else(bad)?;
        let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if !(0..=14).contains(&h) || !(0..=59).contains(&m) {
            return Err(bad());
        }
        Ok(UtcOffset(sign * (h * 60 + m)))
    }
}

impl TryFrom<String> for UtcOffset {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        UtcOffset::parse(&text)
    }
}

impl From<UtcOffset> for String {
    fn from(offset: UtcOffset) -> String {
        let sign = if offset.0 < 0 { '-' } else { '+' };
        let m = offset.0.unsigned_abs();
        format!("{sign}{:02}:{:02}", m / 60, m % 60)
    }
}

/// Cash bills round half up to this many paise, 1 to 1000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct CashRounding(pub i64);

impl TryFrom<i64> for CashRounding {
    type Error = String;
    fn try_from(n: i64) -> Result<Self, String> {
        if (1..=1000).contains(&n) {
            Ok(CashRounding(n))
        } else {
            Err(format!(
                "{n} is not a cash unit in paise from 1 to 1000 (100 = nearest rupee)"
            ))
        }
    }
}

impl From<CashRounding> for i64 {
    fn from(c: CashRounding) -> i64 {
        c.0
    }
}

/// The most one sale line may sell: more than zero and at most the shared
/// bound ([`pos_shared::limits::MAX_LINE_QTY`], which keeps a bill's sums
/// inside their integers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct MaxLineQty(pub Qty);

impl TryFrom<String> for MaxLineQty {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let most = pos_shared::limits::MAX_LINE_QTY;
        Qty::parse(text.trim())
            .ok()
            .filter(|q| q.is_positive() && *q <= most)
            .map(MaxLineQty)
            .ok_or_else(|| format!("{text:?} is not a quantity from 0.001 to {most}"))
    }
}

impl From<MaxLineQty> for String {
    fn from(q: MaxLineQty) -> String {
        q.0.to_string()
    }
}

/// The key a keyboard-wedge scanner sends before a barcode, as the browser
/// names it (`KeyboardEvent.key`): a function key `F1` to `F24`, or one
/// printable character the store's barcodes never start with.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct WedgeKey(pub String);

impl TryFrom<String> for WedgeKey {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let function_key = text
            .strip_prefix('F')
            .and_then(|n| n.parse::<u8>().ok())
            .is_some_and(|n| (1..=24).contains(&n) && text == format!("F{n}"));
        let mut chars = text.chars();
        let one_char = matches!((chars.next(), chars.next()), (Some(c), None) if !c.is_control() && !c.is_whitespace());
        if function_key || one_char {
            Ok(WedgeKey(text))
        } else {
            Err(format!(
                "{text:?} is not a key a scanner can send first: a function key F1 to F24 (as the browser names it), or one printable character"
            ))
        }
    }
}

impl From<WedgeKey> for String {
    fn from(k: WedgeKey) -> String {
        k.0
    }
}

/// The key a keyboard-wedge scanner sends after a barcode: `Enter` or `Tab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub enum WedgeSuffix {
    Enter,
    Tab,
}

impl WedgeSuffix {
    /// The browser's name for the key (`KeyboardEvent.key`).
    pub fn key(self) -> &'static str {
        match self {
            WedgeSuffix::Enter => "Enter",
            WedgeSuffix::Tab => "Tab",
        }
    }
}

impl TryFrom<String> for WedgeSuffix {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        match text.as_str() {
            "Enter" => Ok(WedgeSuffix::Enter),
            "Tab" => Ok(WedgeSuffix::Tab),
            other => Err(format!(
                "{other:?} is not a key a scanner ends a barcode with: Enter or Tab"
            )),
        }
    }
}

impl From<WedgeSuffix> for String {
    fn from(k: WedgeSuffix) -> String {
        k.key().to_owned()
    }
}

/// `allow`, `warn` or `block`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct NegativeStockPolicy(pub NegativeStock);

impl TryFrom<String> for NegativeStockPolicy {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        NegativeStock::parse(&text).map(NegativeStockPolicy)
    }
}

impl From<NegativeStockPolicy> for String {
    fn from(p: NegativeStockPolicy) -> String {
        p.0.as_str().to_owned()
    }
}

/// `discount_limits = { cashier = 5, supervisor = 20, manager = 100 }`, percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(from = "LimitsTable", into = "LimitsTable")]
pub struct Limits(pub DiscountLimits);

#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct LimitsTable {
    #[serde(
        default,
        deserialize_with = "percent",
        serialize_with = "bp_as_percent"
    )]
    cashier: Option<u32>,
    #[serde(
        default,
        deserialize_with = "percent",
        serialize_with = "bp_as_percent"
    )]
    supervisor: Option<u32>,
    #[serde(
        default,
        deserialize_with = "percent",
        serialize_with = "bp_as_percent"
    )]
    manager: Option<u32>,
}

/// A percent written as `5`, `12.5` or `"12.5"`, read exactly into basis points.
fn percent<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Whole(i64),
        Decimal(f64),
        Text(String),
    }
    let text = match Written::deserialize(d)? {
        Written::Whole(n) => n.to_string(),
        // f64's Display is the shortest text that reads back the same: 12.5 is "12.5".
        Written::Decimal(x) => x.to_string(),
        Written::Text(t) => t,
    };
    crate::pos::discounts::percent_bp(text.trim())
        .map(Some)
        .map_err(D::Error::custom)
}

fn bp_as_percent<S: serde::Serializer>(bp: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
    match bp {
        Some(bp) if bp % 100 == 0 => s.serialize_u32(bp / 100),
        Some(bp) => s.serialize_f64(f64::from(*bp) / 100.0),
        None => s.serialize_none(),
    }
}

impl From<LimitsTable> for Limits {
    fn from(t: LimitsTable) -> Self {
        let d = DiscountLimits::default();
        Limits(DiscountLimits {
            cashier_bp: t.cashier.unwrap_or(d.cashier_bp),
            supervisor_bp: t.supervisor.unwrap_or(d.supervisor_bp),
            manager_bp: t.manager.unwrap_or(d.manager_bp),
        })
    }
}

impl From<Limits> for LimitsTable {
    fn from(l: Limits) -> Self {
        LimitsTable {
            cashier: Some(l.0.cashier_bp),
            supervisor: Some(l.0.supervisor_bp),
            manager: Some(l.0.manager_bp),
        }
    }
}

/// `[[printers]]`: a name, an address and the profile settings, each its own key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "PrinterTable", into = "PrinterTable")]
pub struct Printer(pub PrinterConfig);

#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct PrinterTable {
    #[serde(deserialize_with = "printer_name")]
    name: String,
    #[serde(deserialize_with = "printer_uri")]
    uri: String,
    /// `escpos` (the default), `zpl` or `tspl`.
    #[serde(default, deserialize_with = "printer_language")]
    language: Option<String>,
    /// A label printer's label size, `WIDTHxHEIGHT` in mm (`50x30`).
    #[serde(default, deserialize_with = "label_size")]
    label: Option<String>,
    #[serde(default, deserialize_with = "printer_profile")]
    profile: Option<String>,
    #[serde(default)]
    baud: Option<NonZeroU32>,
    #[serde(default)]
    paper: Option<NonZeroU32>,
    #[serde(default)]
    columns: Option<NonZeroU32>,
    #[serde(default)]
    columns_b: Option<NonZeroU32>,
    #[serde(default)]
    dots: Option<NonZeroU32>,
    #[serde(default, deserialize_with = "code_pages")]
    codepages: Option<Vec<String>>,
    #[serde(default)]
    cutter: Option<bool>,
    #[serde(default)]
    qr: Option<bool>,
}

fn printer_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    checked(d, |name: &String| PrinterConfig::check_name(name))
}

fn printer_uri<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    checked(d, |uri: &String| {
        if uri.contains('?') {
            return Err(format!(
                "{uri:?}: give printer settings as their own keys (profile = …, baud = …), not after ?"
            ));
        }
        Transport::parse(uri, &[]).map(drop)
    })
}

fn printer_profile<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    checked(d, |name: &String| {
        PrinterProfile::from_params(&[("profile".to_owned(), name.clone())]).map(drop)
    })
    .map(Some)
}

fn printer_language<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    checked(d, |v: &String| {
        pos_shared::labels::LabelFormat::parse(v)
            .map(drop)
            .ok_or_else(|| format!("language {v:?} is not escpos, zpl or tspl"))
    })
    .map(Some)
}

fn label_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    checked(d, |v: &String| {
        crate::printing::parse_label_size(v).map(drop)
    })
    .map(Some)
}

fn code_pages<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    checked(d, |pages: &Vec<String>| {
        if pages.is_empty() {
            return Err("list at least one code page".into());
        }
        pages
            .iter()
            .try_for_each(|p| crate::printing::codepage::CodePage::parse(p).map(drop))
    })
    .map(Some)
}

impl TryFrom<PrinterTable> for Printer {
    type Error = String;
    fn try_from(t: PrinterTable) -> Result<Self, String> {
        let mut params = Vec::new();
        let mut set = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                params.push((k.to_owned(), v));
            }
        };
        let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
        // `paper` before the column counts: a narrow paper resets them.
        set("language", t.language);
        set("label", t.label);
        set("profile", t.profile);
        set("baud", t.baud.map(|n| n.to_string()));
        set("paper", t.paper.map(|n| n.to_string()));
        set("columns", t.columns.map(|n| n.to_string()));
        set("columns_b", t.columns_b.map(|n| n.to_string()));
        set("dots", t.dots.map(|n| n.to_string()));
        set("codepages", t.codepages.map(|p| p.join("+")));
        set("cutter", t.cutter.map(yes_no));
        set("qr", t.qr.map(yes_no));
        PrinterConfig::from_parts(&t.name, &t.uri, &params).map(Printer)
    }
}

impl From<Printer> for PrinterTable {
    /// Only what differs from the named profile is written, so the printed
    /// config reads like one a person would write.
    fn from(Printer(p): Printer) -> Self {
        let base_name = if p.profile.name == "custom" {
            "generic-80mm"
        } else {
            p.profile.name.as_str()
        };
        let base = PrinterProfile::named(base_name).unwrap_or_else(|| p.profile.clone());
        let (uri, baud) = match &p.transport {
            Transport::Serial { path, baud } => {
                (format!("serial://{path}"), NonZeroU32::new(*baud))
            }
            other => (other.describe(), None),
        };
        let differs = |a: u32, b: u32| (a != b).then(|| NonZeroU32::new(a)).flatten();
        let paper = differs(p.profile.paper_mm, base.paper_mm);
        // A narrow paper resets the column counts, so they go with it.
        let all = paper.is_some();
        let pick = |a: u32, b: u32| {
            if all {
                NonZeroU32::new(a)
            } else {
                differs(a, b)
            }
        };
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let label_printer = p.is_label_printer();
        PrinterTable {
            name: p.name.clone(),
            uri,
            language: label_printer.then(|| p.language.as_str().to_owned()),
            label: (label_printer && p.label != pos_shared::labels::LabelSize::default())
                .then(|| format!("{}x{}", p.label.width_mm, p.label.height_mm)),
            profile: Some(p.profile.name.clone()),
            baud,
            paper,
            columns: pick(count(p.profile.columns_a), count(base.columns_a)),
            columns_b: pick(count(p.profile.columns_b), count(base.columns_b)),
            dots: pick(p.profile.dots, base.dots),
            codepages: (p.profile.code_pages != base.code_pages).then(|| {
                p.profile
                    .code_pages
                    .iter()
                    .map(|c| c.name().to_owned())
                    .collect()
            }),
            cutter: (p.profile.cutter != base.cutter).then_some(p.profile.cutter),
            qr: (p.profile.qr != base.qr).then_some(p.profile.qr),
        }
    }
}

/// `[[serial_scanners]]`: `path`, and `baud` (9600), `frame` (`8N1`), `suffix` (`cr`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "SerialScannerTable", into = "SerialScannerTable")]
pub struct SerialScannerEntry(pub SerialScanner);

#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct SerialScannerTable {
    path: String,
    #[serde(default)]
    baud: Option<NonZeroU32>,
    #[serde(default, deserialize_with = "serial_frame")]
    frame: Option<String>,
    #[serde(default, deserialize_with = "scan_suffix")]
    suffix: Option<String>,
}

fn serial_frame<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    checked(d, |f: &String| {
        crate::devices::serial::parse_frame("", f)
            .map(drop)
            .map_err(|_| {
                format!("{f:?} is not like 8N1 (data bits 5-8, parity N/E/O, stop bits 1-2)")
            })
    })
    .map(Some)
}

fn scan_suffix<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    checked(d, |s: &String| {
        crate::devices::serial::parse_suffix("", s)
            .map(drop)
            .map_err(|_| format!("{s:?} is not one of cr, lf, crlf, tab"))
    })
    .map(Some)
}

impl TryFrom<SerialScannerTable> for SerialScannerEntry {
    type Error = String;
    fn try_from(t: SerialScannerTable) -> Result<Self, String> {
        if t.path.trim().is_empty() {
            return Err("a serial scanner needs its port path".into());
        }
        let frame = t.frame.as_deref().unwrap_or("8N1");
        let (data_bits, parity, stop_bits) = crate::devices::serial::parse_frame(&t.path, frame)?;
        Ok(SerialScannerEntry(SerialScanner {
            baud: t.baud.map_or(9600, NonZeroU32::get),
            data_bits,
            parity,
            stop_bits,
            suffix: crate::devices::serial::parse_suffix(
                &t.path,
                t.suffix.as_deref().unwrap_or("cr"),
            )?,
            path: t.path,
        }))
    }
}

impl From<SerialScannerEntry> for SerialScannerTable {
    fn from(SerialScannerEntry(s): SerialScannerEntry) -> Self {
        SerialScannerTable {
            baud: NonZeroU32::new(s.baud),
            frame: Some(s.frame_name()),
            suffix: Some(s.suffix_name().to_owned()),
            path: s.path,
        }
    }
}

/// `[[hid_scanners]]`: `vendor` and `product` ids in hex, `"0c2e"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "HidScannerTable", into = "HidScannerTable")]
pub struct HidScannerEntry(pub HidScanner);

#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct HidScannerTable {
    #[serde(deserialize_with = "hex_id")]
    vendor: String,
    #[serde(deserialize_with = "hex_id")]
    product: String,
}

fn hex_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    checked(d, |id: &String| {
        u16::from_str_radix(id.trim(), 16)
            .map(drop)
            .map_err(|_| format!("{id:?} is not a USB id in hex, e.g. \"0c2e\""))
    })
}

impl TryFrom<HidScannerTable> for HidScannerEntry {
    type Error = String;
    fn try_from(t: HidScannerTable) -> Result<Self, String> {
        HidScanner::parse(&format!("{}:{}", t.vendor, t.product)).map(HidScannerEntry)
    }
}

impl From<HidScannerEntry> for HidScannerTable {
    fn from(HidScannerEntry(h): HidScannerEntry) -> Self {
        HidScannerTable {
            vendor: format!("{:04x}", h.vendor),
            product: format!("{:04x}", h.product),
        }
    }
}

/// `[[scale_labels]]`: one prefix's layout, `prefix = 21`, `item_digits = 5`,
/// `measure = "weight"`, `value_digits = 5`, `decimals = 3`, `check_digit = false`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "ScaleLabelTable", into = "ScaleLabelTable")]
pub struct ScaleLabel(pub VariableMeasureRule);

#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ScaleLabelTable {
    prefix: u8,
    item_digits: u8,
    measure: MeasureName,
    value_digits: u8,
    decimals: u8,
    #[serde(default)]
    check_digit: bool,
}

#[derive(Clone, Copy, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
enum MeasureName {
    Weight,
    Price,
}

impl TryFrom<ScaleLabelTable> for ScaleLabel {
    type Error = String;
    fn try_from(t: ScaleLabelTable) -> Result<Self, String> {
        // The same parser as EDGE_SCALE_LABELS, so both forms accept the same layouts.
        let measure = match t.measure {
            MeasureName::Weight => "weight",
            MeasureName::Price => "price",
        };
        let check = if t.check_digit { ":check" } else { "" };
        crate::pos::scale_labels::parse_scale_rule(&format!(
            "{}:{}:{measure}:{}:{}{check}",
            t.prefix, t.item_digits, t.value_digits, t.decimals
        ))
        .map(ScaleLabel)
    }
}

impl From<ScaleLabel> for ScaleLabelTable {
    fn from(ScaleLabel(r): ScaleLabel) -> Self {
        ScaleLabelTable {
            prefix: r.prefix,
            item_digits: r.item_digits,
            measure: match r.measure {
                Measure::Weight => MeasureName::Weight,
                Measure::Price => MeasureName::Price,
            },
            value_digits: r.value_digits,
            decimals: r.decimals,
            check_digit: r.value_check_digit,
        }
    }
}
