//! Quantities as fixed-point integers (thousandths of a unit).
//!
//! Weighed goods (1.250 kg) and counted goods (3) share one type so a ledger of
//! mixed movements sums exactly. On the wire a quantity is a decimal string such as
//! `"1.25"`; whole numbers may also be sent as JSON integers. JSON floats are refused
//! because they cannot carry an exact quantity.
//!
//! Sums are checked: there is no `+` on quantities, only [`Qty::checked_add`]
//! and friends, so a ledger never wraps or panics on a large input.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::ops::Neg;

/// A quantity in thousandths of a unit. On the wire an exact decimal string
/// such as `"1.25"` or `"3"` (at most three decimals); never a float.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Qty(#[cfg_attr(feature = "ts", ts(type = "string"))] i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QtyError {
    #[error("quantity {0:?} is not a decimal number with at most 3 decimal places")]
    Malformed(String),
    #[error("quantity {0:?} is out of range")]
    OutOfRange(String),
}

impl Qty {
    /// Thousandths per unit.
    pub const SCALE: i64 = 1000;
    pub const ZERO: Qty = Qty(0);

    pub const fn from_milli(milli: i64) -> Self {
        Qty(milli)
    }

    /// `n` whole units; for literals (a quantity read from outside comes
    /// through [`Qty::parse`] or serde, which refuse what does not fit).
    pub const fn units(n: i64) -> Self {
        Qty(n * Self::SCALE)
    }

    /// `n` whole units, or `None` when that is beyond an `i64` of thousandths.
    pub const fn checked_units(n: i64) -> Option<Self> {
        match n.checked_mul(Self::SCALE) {
            Some(milli) => Some(Qty(milli)),
            None => None,
        }
    }

    pub const fn milli(&self) -> i64 {
        self.0
    }

    pub fn is_positive(&self) -> bool {
        self.0 > 0
    }

    /// Parses `"3"`, `"-2"`, `"1.5"`, `"0.125"`.
    pub fn parse(text: &str) -> Result<Self, QtyError> {
        let malformed = || QtyError::Malformed(text.to_owned());
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || frac.len() > 3 {
            return Err(malformed());
        }
        if digits.ends_with('.') {
            return Err(malformed());
        }
        let out_of_range = || QtyError::OutOfRange(text.to_owned());
        let whole: i64 = whole.parse().map_err(|_| out_of_range())?;
        let frac_milli: i64 = format!("{frac:0<3}").parse().map_err(|_| malformed())?;
        let magnitude = whole
            .checked_mul(Self::SCALE)
            .and_then(|w| w.checked_add(frac_milli))
            .ok_or_else(out_of_range)?;
        Ok(Qty(if negative { -magnitude } else { magnitude }))
    }

    /// Whether it is a whole number of units (`3`, not `1.5`).
    pub const fn is_whole(&self) -> bool {
        self.0 % Self::SCALE == 0
    }

    /// The size without its sign, in thousandths.
    pub const fn abs_milli(&self) -> u64 {
        self.0.unsigned_abs()
    }

    pub fn checked_add(self, other: Qty) -> Option<Qty> {
        self.0.checked_add(other.0).map(Qty)
    }

    pub fn checked_sub(self, other: Qty) -> Option<Qty> {
        self.0.checked_sub(other.0).map(Qty)
    }

    /// The sum of `items`, or `None` when it leaves the range.
    pub fn checked_sum(items: impl IntoIterator<Item = Qty>) -> Option<Qty> {
        items
            .into_iter()
            .try_fold(Qty::ZERO, |acc, q| acc.checked_add(q))
    }
}

impl Neg for Qty {
    type Output = Qty;
    /// The opposite quantity (a sale's movement is minus its line). Nothing
    /// that parses or deserializes is `i64::MIN` thousandths, the one value
    /// without an opposite; should one be built by hand it saturates rather
    /// than panic.
    fn neg(self) -> Qty {
        Qty(self.0.saturating_neg())
    }
}

impl fmt::Display for Qty {
    /// Shortest exact decimal: `3`, `1.5`, `0.125`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (whole, frac) = (abs / 1000, abs % 1000);
        if frac == 0 {
            write!(f, "{sign}{whole}")
        } else {
            let frac = format!("{frac:03}");
            write!(f, "{sign}{whole}.{}", frac.trim_end_matches('0'))
        }
    }
}

impl Serialize for Qty {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Qty {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct QtyVisitor;
        impl Visitor<'_> for QtyVisitor {
            type Value = Qty;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a quantity as a decimal string such as \"1.25\", or a whole number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Qty, E> {
                Qty::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Qty, E> {
                v.checked_mul(Qty::SCALE)
                    .map(Qty)
                    .ok_or_else(|| E::custom(QtyError::OutOfRange(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Qty, E> {
                let v =
                    i64::try_from(v).map_err(|_| E::custom(QtyError::OutOfRange(v.to_string())))?;
                self.visit_i64(v)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Qty, E> {
                Err(E::custom(format!(
                    "quantity {v} is a floating-point number; send it as a decimal string such as \"{v}\""
                )))
            }
        }
        d.deserialize_any(QtyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_exact_decimals() {
        for (text, milli, shown) in [
            ("3", 3000, "3"),
            ("1.5", 1500, "1.5"),
            ("0.125", 125, "0.125"),
            ("-2.25", -2250, "-2.25"),
            ("0.010", 10, "0.01"),
        ] {
            let q = Qty::parse(text).unwrap();
            assert_eq!(q.milli(), milli, "{text}");
            assert_eq!(q.to_string(), shown);
            assert_eq!(Qty::parse(&q.to_string()).unwrap(), q, "round trip {text}");
        }
    }

    #[test]
    fn refuses_what_is_not_an_exact_quantity() {
        for bad in [
            "",
            "1.",
            ".5",
            "1.2345",
            "1,5",
            "abc",
            "1e3",
            "--1",
            "99999999999999999",
        ] {
            assert!(Qty::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn json_accepts_strings_and_integers_but_not_floats() {
        assert_eq!(
            serde_json::from_str::<Qty>("\"1.5\"").unwrap().milli(),
            1500
        );
        assert_eq!(serde_json::from_str::<Qty>("2").unwrap().milli(), 2000);
        let err = serde_json::from_str::<Qty>("1.5").unwrap_err().to_string();
        assert!(err.contains("decimal string"), "{err}");
        assert_eq!(
            serde_json::to_string(&Qty::from_milli(1250)).unwrap(),
            "\"1.25\""
        );
    }

    #[test]
    fn weighed_quantities_sum_exactly() {
        let total = Qty::checked_sum((0..1000).map(|_| Qty::parse("0.001").unwrap()));
        assert_eq!(total, Some(Qty::units(1)));
    }

    #[test]
    fn sums_that_leave_the_range_are_refused_not_wrapped() {
        let big = Qty::from_milli(i64::MAX - 1);
        assert_eq!(
            big.checked_add(Qty::from_milli(1)),
            Some(Qty::from_milli(i64::MAX))
        );
        assert_eq!(big.checked_add(Qty::from_milli(2)), None);
        assert_eq!(
            Qty::from_milli(i64::MIN).checked_sub(Qty::from_milli(1)),
            None
        );
        assert_eq!(Qty::checked_sum([big, Qty::units(1)]), None);
        assert_eq!(Qty::checked_units(i64::MAX / 1000 + 1), None);
        assert_eq!(Qty::checked_units(-2), Some(Qty::from_milli(-2000)));
        assert_eq!(-Qty::from_milli(i64::MIN), Qty::from_milli(i64::MAX));
        assert!(Qty::units(3).is_whole() && !Qty::parse("1.5").unwrap().is_whole());
        // The outside check's delta: a thousand of them fill an i64 to
        // within a unit, and one unit more cannot be held.
        let huge = Qty::parse("9223372036854.775").unwrap();
        let full = Qty::checked_sum(std::iter::repeat_n(huge, 1000)).unwrap();
        assert_eq!(full.checked_add(Qty::units(1)), None);
    }
}
