//! GS1 and retail barcodes beyond the plain GTIN: symbology identifiers, UPC-E,
//! restricted-circulation EAN-13 with an embedded price or weight, and GS1
//! element strings (GS1-128, GS1 DataMatrix, GS1 QR).
//!
//! ```
//! use pos_shared::gs1::{parse_element_strings, split_symbology, Symbology};
//! let (symbology, data) = split_symbology("]C10109501101020917\x1d17250131");
//! assert_eq!(symbology, Some(Symbology::Gs1_128));
//! let parsed = parse_element_strings(data, 2026).unwrap();
//! assert_eq!(parsed.gtin.unwrap().as_str(), "09501101020917");
//! assert_eq!(parsed.expiry.unwrap().to_string(), "2025-01-31");
//! ```

use crate::{gs1_ai, Gtin, GtinError, Qty};
use std::fmt;

/// The group separator that stands for FNC1 in scanned data.
pub const GS: char = '\u{1d}';

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Gs1Error {
    #[error(transparent)]
    Gtin(#[from] GtinError),
    #[error("UPC-E code {0:?} must be 8 digits starting with 0 or 1")]
    BadUpcE(String),
    #[error("{0:?} is not an application identifier this till reads")]
    UnknownAi(String),
    #[error("AI ({ai}) needs {expected}, got {got:?}")]
    BadValue {
        ai: String,
        expected: &'static str,
        got: String,
    },
    #[error("the data ends inside AI ({0})")]
    Truncated(String),
    #[error("AI ({0}) appears twice")]
    Repeated(String),
    #[error("AI ({0}) value {1:?} has a wrong check digit")]
    BadKeyCheck(String, String),
    #[error("{0:?} has a price/weight check digit {1}, expected {2}")]
    BadPriceCheck(String, u8, u8),
    #[error("layout for prefix {0} does not add up to 12 digits before the check digit")]
    BadLayout(u8),
}

/// The symbology a scanner reported in its AIM identifier (`]C1`, `]E0`, …).
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Symbology {
    /// `]E0`: EAN-13, UPC-A or UPC-E.
    Ean13,
    /// `]E4`: EAN-8.
    Ean8,
    /// `]C0`: plain Code 128.
    Code128,
    /// `]C1`: GS1-128.
    Gs1_128,
    /// `]d2`: GS1 DataMatrix.
    Gs1DataMatrix,
    /// `]Q3`: GS1 QR Code.
    Gs1Qr,
    /// Any other identifier, kept as sent.
    Other(String),
}

impl Symbology {
    /// Whether the data is GS1 element strings.
    pub fn is_gs1(&self) -> bool {
        matches!(
            self,
            Symbology::Gs1_128 | Symbology::Gs1DataMatrix | Symbology::Gs1Qr
        )
    }
}

/// Splits a leading AIM symbology identifier (`]` + letter + digit) off `raw`.
pub fn split_symbology(raw: &str) -> (Option<Symbology>, &str) {
    let bytes = raw.as_bytes();
    if bytes.len() < 3
        || bytes[0] != b']'
        || !bytes[1].is_ascii_alphabetic()
        || !bytes[2].is_ascii_alphanumeric()
    {
        return (None, raw);
    }
    let id = &raw[..3];
    let symbology = match id {
        "]E0" => Symbology::Ean13,
        "]E4" => Symbology::Ean8,
        "]C0" => Symbology::Code128,
        "]C1" => Symbology::Gs1_128,
        "]d2" => Symbology::Gs1DataMatrix,
        "]Q3" => Symbology::Gs1Qr,
        other => Symbology::Other(other.to_owned()),
    };
    (Some(symbology), &raw[3..])
}

/// Expands an 8-digit UPC-E code to the UPC-A it stands for.
pub fn upce_to_upca(code: &str) -> Result<Gtin, Gs1Error> {
    let bad = || Gs1Error::BadUpcE(code.to_owned());
    let d: Vec<u8> = code.bytes().map(|b| b.wrapping_sub(b'0')).collect();
    if d.len() != 8 || d.iter().any(|&x| x > 9) || d[0] > 1 {
        return Err(bad());
    }
    let (ns, p, check) = (d[0], &d[1..7], d[7]);
    let (maker, item): ([u8; 5], [u8; 5]) = match p[5] {
        0..=2 => ([p[0], p[1], p[5], 0, 0], [0, 0, p[2], p[3], p[4]]),
        3 => ([p[0], p[1], p[2], 0, 0], [0, 0, 0, p[3], p[4]]),
        4 => ([p[0], p[1], p[2], p[3], 0], [0, 0, 0, 0, p[4]]),
        _ => ([p[0], p[1], p[2], p[3], p[4]], [0, 0, 0, 0, p[5]]),
    };
    let upca: String = std::iter::once(ns)
        .chain(maker)
        .chain(item)
        .chain(std::iter::once(check))
        .map(|x| char::from(b'0' + x))
        .collect();
    Ok(Gtin::parse(&upca)?)
}

pub use crate::gs1_rcn::{
    parse_variable_measure, price_check_digit, Measure, VariableMeasure, VariableMeasureRule,
};

/// A GS1 date (YYMMDD); day 0 means the last day of the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Gs1Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl fmt::Display for Gs1Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Reads YYMMDD with GS1's century rule: the year lies within 49 years before
/// and 50 after `current_year`. Day 00 becomes the month's last day.
fn parse_date(ai: &str, digits: &str, current_year: i32) -> Result<Gs1Date, Gs1Error> {
    let bad = || Gs1Error::BadValue {
        ai: ai.to_owned(),
        expected: "a valid date YYMMDD",
        got: digits.to_owned(),
    };
    let n = |r: std::ops::Range<usize>| digits[r].parse::<i32>().map_err(|_| bad());
    let (yy, month, day) = (n(0..2)?, n(2..4)?, n(4..6)?);
    let base = current_year - current_year.rem_euclid(100);
    let mut year = base + yy;
    if year - current_year > 50 {
        year -= 100;
    } else if current_year - year > 49 {
        year += 100;
    }
    if !(1..=12).contains(&month) {
        return Err(bad());
    }
    let last = days_in_month(year, month as u8);
    let day = if day == 0 { last } else { day as u8 };
    if day > last {
        return Err(bad());
    }
    Ok(Gs1Date {
        year,
        month: month as u8,
        day,
    })
}

/// What GS1 element strings say about the goods in hand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ElementStrings {
    /// AI 01: the trade item.
    pub gtin: Option<Gtin>,
    /// AI 02: the trade items a logistic unit holds.
    pub content: Option<Gtin>,
    /// AI 00: a logistic unit (pallet, case), not an item.
    pub sscc: Option<String>,
    /// AI 10.
    pub batch: Option<String>,
    /// AI 11.
    pub production: Option<Gs1Date>,
    /// AI 15.
    pub best_before: Option<Gs1Date>,
    /// AI 16.
    pub sell_by: Option<Gs1Date>,
    /// AI 17.
    pub expiry: Option<Gs1Date>,
    /// AI 21.
    pub serial: Option<String>,
    /// AI 30 or 37: how many items.
    pub count: Option<u32>,
    /// AI 310n, in kilograms.
    pub net_weight: Option<Qty>,
    /// AI 392n (or 393n): the digits and their number of decimals.
    pub price: Option<(u64, u8)>,
    /// AI 393n's ISO 4217 numeric currency (356 for the rupee).
    pub price_currency: Option<u16>,
    /// Every element as read, AI then value, in order.
    pub elements: Vec<(String, String)>,
}

fn value_chars_ok(value: &str, numeric: bool) -> bool {
    if numeric {
        value.bytes().all(|b| b.is_ascii_digit())
    } else {
        // GS1 character set 82: printable ASCII but a few punctuation marks.
        value.bytes().all(|b| {
            b.is_ascii_graphic()
                && !matches!(
                    b,
                    b'#' | b'$'
                        | b'@'
                        | b'['
                        | b'\\'
                        | b']'
                        | b'^'
                        | b'`'
                        | b'{'
                        | b'|'
                        | b'}'
                        | b'~'
                )
        })
    }
}

/// The GS1 mod-10 check of a key (SSCC, GLN, GSRN, …) of any length.
fn key_check_ok(value: &str) -> bool {
    let d: Vec<u32> = value.bytes().map(|b| u32::from(b - b'0')).collect();
    let Some((check, body)) = d.split_last() else {
        return false;
    };
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| if i % 2 == 0 { x * 3 } else { x })
        .sum();
    (10 - sum % 10) % 10 == *check
}

/// Checks one element's value against its AI's format.
fn check_value(
    digits: &str,
    entry: &gs1_ai::Ai,
    value: &str,
    current_year: i32,
) -> Result<(), Gs1Error> {
    use gs1_ai::Value;
    let bad = |expected: &'static str| Gs1Error::BadValue {
        ai: digits.to_owned(),
        expected,
        got: value.to_owned(),
    };
    let (min, max) = entry.lengths();
    if value.len() < min || value.len() > max {
        return Err(match min == max {
            true => bad("a value of its fixed length"),
            false => bad("a value of the right length"),
        });
    }
    let numeric_part = match entry.value {
        Value::Text { .. } => 0,
        Value::DigitsThenText { digits, .. } => usize::from(digits),
        _ => value.len(),
    };
    if !value_chars_ok(&value[..numeric_part], true) {
        return Err(bad("digits only"));
    }
    if !value_chars_ok(&value[numeric_part..], false) {
        return Err(bad("GS1 characters only"));
    }
    match entry.value {
        Value::Key { len: 14 } => Gtin::parse(value).map(|_| ()).map_err(Gs1Error::from),
        Value::Key { .. } if !key_check_ok(value) => {
            Err(Gs1Error::BadKeyCheck(digits.to_owned(), value.to_owned()))
        }
        Value::Date => parse_date(digits, value, current_year).map(|_| ()),
        Value::DateTime => {
            parse_date(digits, &value[..6], current_year)?;
            let field =
                |r: std::ops::Range<usize>| value.get(r).map(|v| v.parse::<u8>().unwrap_or(99));
            let ok = field(6..8).is_some_and(|h| h < 24)
                && field(8..10).is_none_or(|m| m < 60)
                && field(10..12).is_none_or(|s| s < 60)
                && matches!(value.len(), 8 | 10 | 12);
            ok.then_some(())
                .ok_or_else(|| bad("a date and time YYMMDDHH[MM[SS]]"))
        }
        _ => Ok(()),
    }
}

/// Parses GS1 element strings as scanned: FNC1 as the GS character (a
/// leading one allowed), every AI of [`gs1_ai::TABLE`], a separator after
/// each variable-length value that is not the last. `current_year` anchors
/// the century of two-digit years.
pub fn parse_element_strings(data: &str, current_year: i32) -> Result<ElementStrings, Gs1Error> {
    let mut rest = data.trim_start_matches(GS);
    let mut out = ElementStrings::default();
    if rest.is_empty() {
        return Err(Gs1Error::Truncated("01".into()));
    }
    while !rest.is_empty() {
        let (digits, entry) = gs1_ai::lookup(rest)
            .ok_or_else(|| Gs1Error::UnknownAi(rest.chars().take(4).collect()))?;
        let after = &rest[digits.len()..];
        let (value, next) = if gs1_ai::predefined_length(digits) {
            let len = entry.lengths().1;
            let value = after
                .get(..len)
                .filter(|v| !v.contains(GS))
                .ok_or_else(|| Gs1Error::Truncated(digits.to_owned()))?;
            (value, &after[len..])
        } else {
            let end = after.find(GS).unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        if value.is_empty() {
            return Err(Gs1Error::Truncated(digits.to_owned()));
        }
        check_value(digits, entry, value, current_year)?;
        if out.elements.iter().any(|(ai, _)| ai == digits) {
            return Err(Gs1Error::Repeated(digits.to_owned()));
        }
        out.elements.push((digits.to_owned(), value.to_owned()));
        let decimals = entry.decimals(digits);
        match entry.code {
            "00" => out.sscc = Some(value.to_owned()),
            "01" => out.gtin = Some(Gtin::parse(value)?),
            "02" => out.content = Some(Gtin::parse(value)?),
            "10" => out.batch = Some(value.to_owned()),
            "11" => out.production = Some(parse_date(digits, value, current_year)?),
            "15" => out.best_before = Some(parse_date(digits, value, current_year)?),
            "16" => out.sell_by = Some(parse_date(digits, value, current_year)?),
            "17" => out.expiry = Some(parse_date(digits, value, current_year)?),
            "21" => out.serial = Some(value.to_owned()),
            "30" | "37" => out.count = value.parse().ok(),
            "310n" => {
                let digits: u64 = value.parse().unwrap_or(0);
                out.net_weight = Some(Qty::from_milli(crate::gs1_rcn::scale(
                    digits,
                    decimals.unwrap_or(0),
                    3,
                )));
            }
            "392n" | "393n" => {
                if out.price.is_some() {
                    return Err(Gs1Error::Repeated(digits.to_owned()));
                }
                let (currency, amount) = match entry.code {
                    "393n" => (value[..3].parse().ok(), &value[3..]),
                    _ => (None, value),
                };
                out.price = Some((amount.parse().unwrap_or(0), decimals.unwrap_or(0)));
                out.price_currency = currency;
            }
            _ => {}
        }
        rest = next.trim_start_matches(GS);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbology_identifiers_are_split_off() {
        assert_eq!(
            split_symbology("]E04006381333931"),
            (Some(Symbology::Ean13), "4006381333931")
        );
        assert_eq!(
            split_symbology("]d201095011010209171719050810ABCD1234"),
            (
                Some(Symbology::Gs1DataMatrix),
                "01095011010209171719050810ABCD1234"
            )
        );
        assert_eq!(split_symbology("4006381333931"), (None, "4006381333931"));
        assert_eq!(
            split_symbology("]X9abc").0,
            Some(Symbology::Other("]X9".into()))
        );
        assert!(Symbology::Gs1Qr.is_gs1() && !Symbology::Ean13.is_gs1());
    }

    #[test]
    fn upce_expands_by_the_last_digit_rule() {
        // GS1 General Specifications, UPC-E examples.
        assert_eq!(upce_to_upca("01234565").unwrap().as_str(), "00012345000065");
        assert_eq!(upce_to_upca("04252614").unwrap().as_str(), "00042100005264");
        assert!(matches!(
            upce_to_upca("21234565"),
            Err(Gs1Error::BadUpcE(_))
        ));
        assert!(
            matches!(upce_to_upca("01234566"), Err(Gs1Error::Gtin(_))),
            "check digit carried over"
        );
    }

    #[test]
    fn element_strings_with_fixed_and_variable_fields() {
        let data =
            "\u{1d}0109501101020917\u{1d}10ABC123\u{1d}17250100310300125021S/N-1\u{1d}3922149";
        let e = parse_element_strings(data, 2026).unwrap();
        assert_eq!(e.gtin.unwrap().as_str(), "09501101020917");
        assert_eq!(e.batch.as_deref(), Some("ABC123"));
        assert_eq!(
            e.expiry,
            Some(Gs1Date {
                year: 2025,
                month: 1,
                day: 31
            }),
            "day 00 is the month's end"
        );
        assert_eq!(e.net_weight, Some(Qty::parse("1.25").unwrap()));
        assert_eq!(e.serial.as_deref(), Some("S/N-1"));
        assert_eq!(e.price, Some((149, 2)));
    }

    #[test]
    fn bad_element_strings_say_what_is_wrong() {
        assert!(matches!(
            parse_element_strings("0109501101020918", 2026),
            Err(Gs1Error::Gtin(_))
        ));
        assert!(matches!(
            parse_element_strings("01095011010209", 2026),
            Err(Gs1Error::Truncated(_))
        ));
        assert!(matches!(
            parse_element_strings("04ABC", 2026),
            Err(Gs1Error::UnknownAi(_))
        ));
        assert!(matches!(
            parse_element_strings("17251301", 2026),
            Err(Gs1Error::BadValue { .. })
        ));
        assert!(matches!(
            parse_element_strings("10A\u{1d}10B", 2026),
            Err(Gs1Error::Repeated(_))
        ));
        assert!(matches!(
            parse_element_strings("10", 2026),
            Err(Gs1Error::Truncated(_))
        ));
        assert!(matches!(
            parse_element_strings("00123456789012345678", 2026),
            Err(Gs1Error::BadKeyCheck(..))
        ));
        assert!(matches!(
            parse_element_strings("8008261231256", 2026),
            Err(Gs1Error::BadValue { .. })
        ));
    }

    #[test]
    fn the_whole_table_is_read() {
        let e = parse_element_strings(
            "00106141411234567897\x1d0209501101020917152606303024\x1d70011234567890123\x1d8008260131154500\x1d3932356149\x1d90inside",
            2026,
        )
        .unwrap();
        assert_eq!(e.sscc.as_deref(), Some("106141411234567897"));
        assert_eq!(e.content.unwrap().as_str(), "09501101020917");
        assert_eq!(e.best_before.unwrap().to_string(), "2026-06-30");
        assert_eq!(e.count, Some(24));
        assert_eq!((e.price, e.price_currency), (Some((149, 2)), Some(356)));
        assert_eq!(e.elements.len(), 8);
    }

    #[test]
    fn two_digit_years_take_the_nearest_century() {
        assert_eq!(parse_date("17", "750101", 2026).unwrap().year, 2075);
        assert_eq!(parse_date("17", "770101", 2026).unwrap().year, 1977);
        assert_eq!(parse_date("17", "240229", 2026).unwrap().day, 29);
        assert!(parse_date("17", "250229", 2026).is_err());
    }
}
