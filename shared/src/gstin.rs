//! GSTIN, the 15-character GST identification number printed on tax invoices:
//! two digits of state code, the holder's PAN, an entity number, a default
//! `Z` (kept as read), and a check character computed over the first 14.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

const CHARS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// A GSTIN with a valid check character, as 15 capitals and digits.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Gstin(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GstinError {
    #[error("GSTIN {0:?} is not 15 letters and digits")]
    Shape(String),
    #[error("GSTIN {0:?} does not start with a state code (01 to 38, or 97)")]
    State(String),
    #[error(
        "GSTIN {0:?} does not hold a PAN (5 letters, 4 digits, a letter) at characters 3 to 12"
    )]
    Pan(String),
    #[error("GSTIN {0:?} has check character {1}, expected {2}")]
    Check(String, char, char),
}

/// The check character for the first 14 characters (GSTN's mod-36 scheme).
fn check_char(body: &[u8]) -> char {
    let mut sum = 0u32;
    for (i, b) in body.iter().enumerate() {
        let value = CHARS.iter().position(|c| c == b).unwrap_or(0) as u32;
        let product = value * if i % 2 == 0 { 1 } else { 2 };
        sum += product / 36 + product % 36;
    }
    CHARS[((36 - sum % 36) % 36) as usize] as char
}

impl Gstin {
    pub fn parse(text: &str) -> Result<Self, GstinError> {
        let g = text.trim().to_ascii_uppercase();
        let b = g.as_bytes();
        if b.len() != 15 || !b.iter().all(u8::is_ascii_alphanumeric) {
            return Err(GstinError::Shape(g));
        }
        let state: u8 = g[..2].parse().map_err(|_| GstinError::State(g.clone()))?;
        if !((1..=38).contains(&state) || state == 97) {
            return Err(GstinError::State(g));
        }
        let pan = &b[2..12];
        let pan_ok = pan[..5].iter().all(u8::is_ascii_alphabetic)
            && pan[5..9].iter().all(u8::is_ascii_digit)
            && pan[9].is_ascii_alphabetic();
        if !pan_ok {
            return Err(GstinError::Pan(g));
        }
        let expected = check_char(&b[..14]);
        let found = b[14] as char;
        if found != expected {
            return Err(GstinError::Check(g, found, expected));
        }
        Ok(Gstin(g))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The state the holder is registered in (its first two digits).
    pub fn state_code(&self) -> &str {
        &self.0[..2]
    }
}

impl fmt::Display for Gstin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Gstin {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Gstin::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_gstins_pass_and_damaged_ones_say_why() {
        // GSTINs printed in public GST notices and examples.
        for ok in [
            "27AAPFU0939F1ZV",
            "07AAGFF2194N1Z1",
            "33AAACH7409R1Z8",
            " 27aapfu0939f1zv ",
        ] {
            assert!(Gstin::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Gstin::parse("27AAPFU0939F1ZV").unwrap().state_code(), "27");
        assert!(matches!(
            Gstin::parse("27AAPFU0939F1ZA"),
            Err(GstinError::Check(_, 'A', 'V'))
        ));
        assert!(matches!(
            Gstin::parse("27AAPFU0939F1Z"),
            Err(GstinError::Shape(_))
        ));
        assert!(matches!(
            Gstin::parse("45AAPFU0939F1ZV"),
            Err(GstinError::State(_))
        ));
        assert!(matches!(
            Gstin::parse("27AAP1U0939F1ZV"),
            Err(GstinError::Pan(_))
        ));
        assert!(matches!(
            Gstin::parse("27AAPFU-939F1ZV"),
            Err(GstinError::Shape(_))
        ));
    }
}
