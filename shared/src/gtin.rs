//! GTIN (EAN-8, UPC-A, EAN-13, GTIN-14) with check-digit validation.
//!
//! A GTIN is kept in its 14-digit form, as GS1 recommends for databases, so a
//! UPC-A scanned as 12 digits and the same code printed as EAN-13 with a leading
//! zero find the same item.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A GTIN with a valid check digit. Answered as 14 digits (`"08901234567890"`);
/// 8, 12, 13 or 14 digits are accepted.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GtinError {
    #[error("barcode {0:?} must be 8, 12, 13 or 14 digits")]
    BadLength(String),
    #[error("barcode {0:?} contains a character that is not a digit")]
    NotDigits(String),
    #[error("barcode {code:?} has check digit {found}, expected {expected}")]
    BadCheckDigit {
        code: String,
        found: u8,
        expected: u8,
    },
}

impl Gtin {
    pub fn parse(code: &str) -> Result<Self, GtinError> {
        let code = code.trim();
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(GtinError::NotDigits(code.to_owned()));
        }
        if !matches!(code.len(), 8 | 12 | 13 | 14) {
            return Err(GtinError::BadLength(code.to_owned()));
        }
        let digits: Vec<u8> = code.bytes().map(|b| b - b'0').collect();
        let (body, check) = digits.split_at(digits.len() - 1);
        let expected = check_digit(body);
        if check[0] != expected {
            return Err(GtinError::BadCheckDigit {
                code: code.to_owned(),
                found: check[0],
                expected,
            });
        }
        Ok(Gtin(format!("{code:0>14}")))
    }

    /// Completes a code from its digits without the check digit (7, 11, 12 or
    /// 13 of them), as when a store numbers its own items (prefix 2).
    pub fn with_check_digit(body: &str) -> Result<Self, GtinError> {
        if !body.bytes().all(|b| b.is_ascii_digit()) {
            return Err(GtinError::NotDigits(body.to_owned()));
        }
        let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
        Gtin::parse(&format!("{body}{}", check_digit(&digits)))
    }

    /// The 14-digit form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// GS1 mod-10: weights 3,1,3,… from the rightmost digit of the body.
fn check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| u32::from(d) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Gtin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Gtin {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Gtin::parse(&code).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_codes_of_every_length() {
        for code in [
            "96385074",
            "036000291452",
            "4006381333931",
            "10614141000415",
        ] {
            assert!(Gtin::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn upc_a_and_its_ean13_form_are_the_same_gtin() {
        assert_eq!(
            Gtin::parse("036000291452").unwrap(),
            Gtin::parse("0036000291452").unwrap()
        );
        assert_eq!(
            Gtin::parse("036000291452").unwrap().as_str(),
            "00036000291452"
        );
    }

    #[test]
    fn refuses_bad_codes_with_the_reason() {
        assert_eq!(
            Gtin::parse("4006381333932"),
            Err(GtinError::BadCheckDigit {
                code: "4006381333932".into(),
                found: 2,
                expected: 1
            })
        );
        assert!(matches!(Gtin::parse("12345"), Err(GtinError::BadLength(_))));
        assert!(matches!(
            Gtin::parse("40063813339a1"),
            Err(GtinError::NotDigits(_))
        ));
        assert!(matches!(Gtin::parse(""), Err(GtinError::BadLength(_))));
    }

    #[test]
    fn check_digits_are_computed_for_a_body() {
        assert_eq!(
            Gtin::with_check_digit("400638133393").unwrap(),
            Gtin::parse("4006381333931").unwrap()
        );
        assert!(Gtin::with_check_digit("40063813339").is_ok(), "UPC-A body");
        assert!(matches!(
            Gtin::with_check_digit("12345"),
            Err(GtinError::BadLength(_))
        ));
        assert!(matches!(
            Gtin::with_check_digit("12a"),
            Err(GtinError::NotDigits(_))
        ));
    }

    #[test]
    fn every_single_digit_error_is_caught() {
        let good = b"4006381333931";
        for pos in 0..good.len() {
            for d in b'0'..=b'9' {
                if d == good[pos] {
                    continue;
                }
                let mut bad = good.to_vec();
                bad[pos] = d;
                let bad = String::from_utf8(bad).unwrap();
                assert!(Gtin::parse(&bad).is_err(), "{bad} passed");
            }
        }
    }
}
