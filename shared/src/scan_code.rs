//! Reading a scan: what a barcode scanner (or a cashier typing) hands over,
//! turned into the item it names and what the symbol says about the goods in
//! hand — batch, expiry, best-before, net weight, price, serial.
//!
//! One reading for every source (keyboard wedge, serial, HID, the search
//! box): the AIM symbology identifier decides how the data is read when the
//! scanner sends one (`]E0` EAN-13/UPC-A/UPC-E, `]E4` EAN-8, `]C1` GS1-128,
//! `]d2` GS1 DataMatrix, `]Q3` GS1 QR, `]e0` GS1 DataBar); without one the
//! shape of the data decides (FNC1 or a human-readable `(01)…` form: GS1
//! element strings; 8, 12, 13 or 14 digits: a GTIN; longer digits: element
//! strings). A restricted-circulation EAN-13 that matches one of the store's
//! scale-label layouts is read as that label. Refusals are in words a cashier
//! can act on; [`ScanProblem::detail`] keeps the technical reason.

use crate::gs1::{
    parse_element_strings, parse_variable_measure, split_symbology, upce_to_upca, Gs1Date,
    Gs1Error, Symbology, VariableMeasureRule, GS,
};
use crate::{Gtin, GtinError, Qty};
use serde::Serialize;

/// How the code was written.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeForm {
    Ean13,
    Ean8,
    UpcA,
    UpcE,
    Gtin14,
    /// GS1 element strings (GS1-128, DataMatrix, QR, DataBar).
    Gs1,
    /// A store's own label from its scales, weight or price embedded.
    ScaleLabel,
}

/// What a scan says.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScannedCode {
    pub form: CodeForm,
    /// The item to look up, as 14 digits. For a scale label, the item's own
    /// label with the value zeroed, as the catalog lists it.
    pub gtin: Gtin,
    /// Another reading of the same digits to try when the first names no
    /// item (8 digits without an identifier: EAN-8, else UPC-E).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub alternative: Option<Gtin>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub batch: Option<String>,
    /// `YYYY-MM-DD`, AI 17.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub expiry: Option<String>,
    /// `YYYY-MM-DD`, AI 15.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub best_before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub serial: Option<String>,
    /// Kilograms: AI 310n, or a weighed scale label.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub net_weight: Option<Qty>,
    /// The pack's price in minor units (paise): AI 392n, or a priced scale
    /// label.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub price_minor: Option<i64>,
    /// AI 393n's ISO 4217 numeric currency, when the symbol names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub price_currency: Option<u16>,
    /// How many items (AI 30 or 37).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub count: Option<u32>,
}

/// Why a scan names no item: words for the cashier, and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ScanProblem {
    pub message: String,
    pub detail: String,
}

fn problem(message: &str, detail: impl std::fmt::Display) -> ScanProblem {
    ScanProblem {
        message: message.to_owned(),
        detail: detail.to_string(),
    }
}

const MISREAD: &str =
    "The barcode's check digit does not match: it was misread or misprinted. Scan it again or type the number under the bars.";
const CUT_SHORT: &str = "The barcode did not scan completely. Scan it again.";
const UNREADABLE: &str =
    "This is not a barcode the till can read. Scan it again or search for the item.";

fn gtin_problem(e: GtinError) -> ScanProblem {
    match e {
        GtinError::BadCheckDigit { .. } => problem(MISREAD, e),
        _ => problem(UNREADABLE, e),
    }
}

fn gs1_problem(e: Gs1Error) -> ScanProblem {
    match e {
        Gs1Error::Gtin(g) => gtin_problem(g),
        Gs1Error::BadKeyCheck(..) | Gs1Error::BadPriceCheck(..) => problem(MISREAD, e),
        Gs1Error::Truncated(_) => problem(CUT_SHORT, e),
        Gs1Error::BadValue { ref ai, .. } if matches!(ai.as_str(), "11" | "13" | "15" | "16" | "17") => {
            problem("The date in the barcode is not a real date: it was misread or misprinted. Scan it again.", e)
        }
        _ => problem(UNREADABLE, e),
    }
}

fn day(d: Option<Gs1Date>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// Rescales digits with `from` decimals to `to` decimals, to the nearest
/// (halves up: ₹12.345 is ₹12.35); `None` past what an `i64` holds.
fn rescale(value: u64, from: u8, to: u8) -> Option<i64> {
    let v = i64::try_from(value).ok()?;
    if to >= from {
        v.checked_mul(10_i64.checked_pow(u32::from(to - from))?)
    } else {
        let unit = 10_i64.checked_pow(u32::from(from - to))?;
        Some(v.checked_add(unit / 2)? / unit)
    }
}

/// Reads `raw` (whitespace around it ignored) under the store's scale-label
/// `rules`; `current_year` anchors two-digit years.
pub fn read_scan(
    raw: &str,
    rules: &[VariableMeasureRule],
    current_year: i32,
) -> Result<ScannedCode, ScanProblem> {
    let raw = raw.trim_matches(|c: char| c.is_whitespace());
    let (symbology, data) = split_symbology(raw);
    if data.is_empty() {
        return Err(problem(CUT_SHORT, "the scan holds no data"));
    }
    let digits_only = data.bytes().all(|b| b.is_ascii_digit());
    match symbology {
        Some(ref s) if s.is_gs1() => element_strings(data, current_year),
        Some(Symbology::Other(ref id)) if id == "]e0" => element_strings(data, current_year),
        Some(Symbology::Ean13) => match data.len() {
            8 if digits_only => upc_e(data),
            12 | 13 if digits_only => plain(data, rules),
            _ => Err(problem(
                CUT_SHORT,
                format!("an EAN/UPC symbol carries 8, 12 or 13 digits, not {data:?}"),
            )),
        },
        Some(Symbology::Ean8) => match data.len() {
            8 if digits_only => plain(data, rules),
            _ => Err(problem(
                CUT_SHORT,
                format!("an EAN-8 symbol carries 8 digits, not {data:?}"),
            )),
        },
        _ if data.starts_with(GS) => element_strings(data, current_year),
        _ if data.starts_with('(') => element_strings(&from_brackets(data)?, current_year),
        _ if digits_only && data.len() == 8 => {
            // EAN-8 and UPC-E look alike without an identifier: the EAN-8
            // reading when its check digit holds, the UPC-E one as well.
            let upce = upc_e(data).ok().map(|c| c.gtin);
            match plain(data, rules) {
                Ok(mut code) => {
                    code.alternative = upce;
                    Ok(code)
                }
                Err(e) => upc_e(data).map_err(|_| e),
            }
        }
        _ if digits_only && matches!(data.len(), 12..=14) => plain(data, rules),
        _ if data.len() > 14 => element_strings(data, current_year),
        _ => Err(problem(
            UNREADABLE,
            format!("{data:?} is neither a GTIN (8, 12, 13 or 14 digits) nor GS1 element strings"),
        )),
    }
}

/// A GTIN written as it is: EAN-13 (or a scale label), EAN-8, UPC-A, GTIN-14.
fn plain(data: &str, rules: &[VariableMeasureRule]) -> Result<ScannedCode, ScanProblem> {
    let gtin = Gtin::parse(data).map_err(gtin_problem)?;
    if let Some(vm) = parse_variable_measure(data, rules).map_err(gs1_problem)? {
        let lookup =
            Gtin::with_check_digit(&format!("{:0<12}", vm.item_code)).map_err(gtin_problem)?;
        return Ok(ScannedCode {
            net_weight: vm.weight(),
            price_minor: vm.price_minor(2),
            ..code(CodeForm::ScaleLabel, lookup)
        });
    }
    let form = match data.len() {
        8 => CodeForm::Ean8,
        12 => CodeForm::UpcA,
        13 => CodeForm::Ean13,
        _ => CodeForm::Gtin14,
    };
    Ok(code(form, gtin))
}

fn upc_e(data: &str) -> Result<ScannedCode, ScanProblem> {
    let gtin = upce_to_upca(data).map_err(gs1_problem)?;
    Ok(code(CodeForm::UpcE, gtin))
}

fn code(form: CodeForm, gtin: Gtin) -> ScannedCode {
    ScannedCode {
        form,
        gtin,
        alternative: None,
        batch: None,
        expiry: None,
        best_before: None,
        serial: None,
        net_weight: None,
        price_minor: None,
        price_currency: None,
        count: None,
    }
}

fn element_strings(data: &str, current_year: i32) -> Result<ScannedCode, ScanProblem> {
    let e = parse_element_strings(data, current_year).map_err(gs1_problem)?;
    let gtin =
        match (e.gtin, e.content, e.sscc) {
            (Some(g), _, _) | (None, Some(g), _) => g,
            (None, None, Some(sscc)) => {
                return Err(problem(
                    "This is a shipping label (SSCC), not an item. Scan the barcode on the pack.",
                    format!("SSCC {sscc} names a logistic unit"),
                ))
            }
            (None, None, None) => return Err(problem(
                "This GS1 barcode names no item (it has no GTIN). Scan the item's other barcode.",
                "no AI (01) or (02)",
            )),
        };
    let price_minor = match e.price {
        Some((value, decimals)) => Some(rescale(value, decimals, 2).ok_or_else(|| {
            problem(
                UNREADABLE,
                format!("the price {value} is larger than any bill"),
            )
        })?),
        None => None,
    };
    Ok(ScannedCode {
        batch: e.batch,
        expiry: day(e.expiry),
        best_before: day(e.best_before),
        serial: e.serial,
        net_weight: e.net_weight,
        price_minor,
        price_currency: e.price_currency,
        count: e.count,
        ..code(CodeForm::Gs1, gtin)
    })
}

/// The human-readable form, `(01)09501101020917(17)271231(10)LOT`, as
/// element strings with a separator after every value (harmless after a
/// fixed-length one).
fn from_brackets(data: &str) -> Result<String, ScanProblem> {
    let mut out = String::new();
    let mut rest = data;
    while !rest.is_empty() {
        let inner = rest
            .strip_prefix('(')
            .and_then(|r| r.split_once(')'))
            .filter(|(ai, _)| {
                (2..=4).contains(&ai.len()) && ai.bytes().all(|b| b.is_ascii_digit())
            });
        let Some((ai, after)) = inner else {
            return Err(problem(
                UNREADABLE,
                format!("{data:?}: each element must start with its AI in brackets"),
            ));
        };
        let end = after.find('(').unwrap_or(after.len());
        if !out.is_empty() {
            out.push(GS);
        }
        out.push_str(ai);
        out.push_str(&after[..end]);
        rest = &after[end..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gs1::Measure;

    fn read(raw: &str) -> Result<ScannedCode, ScanProblem> {
        let rules = [VariableMeasureRule {
            prefix: 21,
            item_digits: 5,
            value_check_digit: false,
            value_digits: 5,
            measure: Measure::Weight,
            decimals: 3,
        }];
        read_scan(raw, &rules, 2026)
    }

    #[test]
    fn every_symbology_names_its_item() {
        let gs1_128 = read("]C1010950110102091717271231\x1d10LOT42\x1d3103000750").unwrap();
        assert_eq!(gs1_128.gtin.as_str(), "09501101020917");
        assert_eq!(gs1_128.expiry.as_deref(), Some("2027-12-31"));
        assert_eq!(gs1_128.batch.as_deref(), Some("LOT42"));
        assert_eq!(gs1_128.net_weight, Some(Qty::parse("0.75").unwrap()));
        for raw in [
            "]d2010950110102091710LOT",
            "]Q3010950110102091710LOT",
            "\x1d010950110102091710LOT",
            "010950110102091710LOT",
            "(01)09501101020917(10)LOT",
        ] {
            let c = read(raw).unwrap();
            assert_eq!(
                (c.gtin.as_str(), c.batch.as_deref()),
                ("09501101020917", Some("LOT")),
                "{raw:?}"
            );
        }
        let upce = read("]E001234565").unwrap();
        assert_eq!(
            (upce.form, upce.gtin.as_str()),
            (CodeForm::UpcE, "00012345000065")
        );
        let ean8 = read("]E496385074").unwrap();
        assert_eq!(
            (ean8.form, ean8.gtin.as_str()),
            (CodeForm::Ean8, "00000096385074")
        );
        let ean13 = read("]E08901234567890").unwrap();
        assert_eq!(ean13.gtin.as_str(), "08901234567890");
        let label_code = Gtin::with_check_digit("211234500750").unwrap().as_str()[1..].to_owned();
        let label = read(&label_code).unwrap();
        // More decimals than the till keeps: the nearest gram, the nearest paisa.
        let fine = read("]C1010950110102091731050123453923123456").unwrap();
        assert_eq!(fine.net_weight, Some(Qty::parse("0.123").unwrap()));
        assert_eq!(fine.price_minor, Some(12346));
        let up = read("]C10109501101020917310400123539221").unwrap();
        assert_eq!(up.net_weight, Some(Qty::parse("0.124").unwrap()));
        assert_eq!(
            label.gtin.as_str(),
            Gtin::with_check_digit("211234500000").unwrap().as_str()
        );
        assert_eq!(label.form, CodeForm::ScaleLabel);
        assert_eq!(label.net_weight, Some(Qty::parse("0.75").unwrap()));
    }

    #[test]
    fn bad_scans_are_refused_in_words() {
        let truncated = read("]d201595148010114").unwrap_err();
        assert_eq!(truncated.message, CUT_SHORT, "{truncated:?}");
        let misread = read("8901234567891").unwrap_err();
        assert_eq!(misread.message, MISREAD);
        assert!(read("]C100106141411234567897")
            .unwrap_err()
            .message
            .contains("shipping label"));
        assert!(read("]C11726013110ABC")
            .unwrap_err()
            .message
            .contains("names no item"));
        assert!(read("hello").is_err());
        assert!(read("]E0123").is_err());
        assert!(read("]C1010950110102091717261399")
            .unwrap_err()
            .message
            .contains("date"));
    }
}
