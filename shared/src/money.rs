//! Money as integer minor units with a currency.
//!
//! Never floating point: a rupee amount is a count of paise. Arithmetic is checked
//! and refuses to mix currencies. Multiplying by a fixed-point [`Qty`] rounds half
//! away from zero to the minor unit, the rule stated on receipts.

use crate::qty::Qty;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An ISO 4217 currency code: three upper-case ASCII letters.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(#[cfg_attr(feature = "ts", ts(type = "string"))] [u8; 3]);

impl Currency {
    pub const INR: Currency = Currency(*b"INR");

    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let bytes = code.as_bytes();
        match bytes {
            [a, b, c] if bytes.iter().all(u8::is_ascii_uppercase) => Ok(Currency([*a, *b, *c])),
            _ => Err(MoneyError::BadCurrency(code.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        // Constructed only from ASCII upper-case letters.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// The ISO 4217 numeric code (356 for the rupee), as GS1 AIs 391n and
    /// 393n write a currency; for the currencies stores here sell in.
    pub fn iso_numeric(&self) -> Option<u16> {
        Some(match &self.0 {
            b"INR" => 356,
            b"USD" => 840,
            b"EUR" => 978,
            b"GBP" => 826,
            b"AED" => 784,
            b"SGD" => 702,
            b"LKR" => 144,
            b"NPR" => 524,
            b"BDT" => 50,
            _ => return None,
        })
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Currency::parse(&code).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("currency must be a three-letter ISO 4217 code in capitals, got {0:?}")]
    BadCurrency(String),
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount is out of range")]
    Overflow,
    #[error("{0:?} is not an amount such as 49 or 49.50")]
    BadAmount(String),
}

/// An amount of money in minor units (paise for INR): `{"minor": 4550,
/// "currency": "INR"}` is ₹45.50. Never a float.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub const fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    /// Indian rupees from paise.
    pub const fn inr(paise: i64) -> Self {
        Money::new(paise, Currency::INR)
    }

    pub const fn zero(currency: Currency) -> Self {
        Money::new(0, currency)
    }

    pub const fn minor(&self) -> i64 {
        self.minor
    }

    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount without currency, digits grouped the Indian way:
    /// `1,23,456.50` (lakh and crore), as receipts and the till show rupees.
    pub fn grouped_indian(&self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let whole = (abs / 100).to_string();
        let grouped = if whole.len() <= 3 {
            whole
        } else {
            let (head, last3) = whole.split_at(whole.len() - 3);
            let mut pairs: Vec<&str> = Vec::new();
            let mut end = head.len();
            while end > 0 {
                let start = end.saturating_sub(2);
                pairs.push(&head[start..end]);
                end = start;
            }
            pairs.reverse();
            format!("{},{last3}", pairs.join(","))
        };
        format!("{sign}{grouped}.{:02}", abs % 100)
    }

    /// Reads an amount written in major units with at most two decimals
    /// ("49", "49.5", "49.50", "-3.25"), exactly: never through a float.
    pub fn parse_decimal(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let bad = || MoneyError::BadAmount(text.to_owned());
        let trimmed = text.trim();
        let (negative, digits) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > 2 {
            return Err(bad());
        }
        if digits.ends_with('.') {
            return Err(bad());
        }
        let whole: i64 = whole.parse().map_err(|_| MoneyError::Overflow)?;
        let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
        let minor = whole
            .checked_mul(100)
            .and_then(|m| m.checked_add(cents))
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(if negative { -minor } else { minor }, currency))
    }

    pub fn is_negative(&self) -> bool {
        self.minor < 0
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// Price times quantity, rounded half away from zero to the minor unit.
    pub fn times(self, qty: Qty) -> Result<Money, MoneyError> {
        let scale = i128::from(Qty::SCALE);
        let product = i128::from(self.minor) * i128::from(qty.milli());
        let half = scale / 2;
        let rounded = if product >= 0 {
            (product + half) / scale
        } else {
            (product - half) / scale
        };
        let minor = i64::try_from(rounded).map_err(|_| MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// Sums amounts that must all be in `currency`.
    pub fn sum<'a>(
        currency: Currency,
        amounts: impl IntoIterator<Item = &'a Money>,
    ) -> Result<Money, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(*m))
    }

    fn same_currency(&self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }
}

impl fmt::Display for Money {
    /// `INR 1234.50`: plain and unambiguous; locale formatting belongs to the UI.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        write!(f, "{} {sign}{}.{:02}", self.currency, abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_group_the_indian_way() {
        let cases = [
            (0, "0.00"),
            (5, "0.05"),
            (99_999, "999.99"),
            (100_000, "1,000.00"),
            (12_345_650, "1,23,456.50"),
            (1_234_567_800, "1,23,45,678.00"),
            (-12_345_650, "-1,23,456.50"),
        ];
        for (paise, text) in cases {
            assert_eq!(Money::inr(paise).grouped_indian(), text);
        }
    }

    #[test]
    fn decimal_amounts_are_read_exactly() {
        let inr = |t| Money::parse_decimal(t, Currency::INR).map(|m| m.minor());
        assert_eq!(inr("49"), Ok(4900));
        assert_eq!(inr("49.5"), Ok(4950));
        assert_eq!(inr(" 49.05 "), Ok(4905));
        assert_eq!(inr("0.10"), Ok(10));
        assert_eq!(inr("-3.25"), Ok(-325));
        for bad in ["", "4.999", "4.", ".5", "1,000", "12a", "--1", "1e3"] {
            assert!(matches!(inr(bad), Err(MoneyError::BadAmount(_))), "{bad:?}");
        }
        assert_eq!(inr("99999999999999999999"), Err(MoneyError::Overflow));
    }

    #[test]
    fn currency_codes_are_validated() {
        assert_eq!(Currency::parse("INR").unwrap(), Currency::INR);
        for bad in ["inr", "RUPEE", "IN", "I1R", ""] {
            assert!(Currency::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies() {
        let usd = Money::new(100, Currency::parse("USD").unwrap());
        assert!(matches!(
            Money::inr(100).checked_add(usd),
            Err(MoneyError::CurrencyMismatch(_, _))
        ));
        assert_eq!(
            Money::inr(150)
                .checked_sub(Money::inr(200))
                .unwrap()
                .minor(),
            -50
        );
        assert_eq!(
            Money::inr(i64::MAX).checked_add(Money::inr(1)),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn times_rounds_half_away_from_zero() {
        // ₹0.99/kg × 0.5 kg = 49.5 paise -> 50
        assert_eq!(
            Money::inr(99)
                .times(Qty::parse("0.5").unwrap())
                .unwrap()
                .minor(),
            50
        );
        // ₹0.99 × 0.25 = 24.75 -> 25
        assert_eq!(
            Money::inr(99)
                .times(Qty::parse("0.25").unwrap())
                .unwrap()
                .minor(),
            25
        );
        // ₹0.98 × 0.25 = 24.5 -> 25; negative mirrors it
        assert_eq!(
            Money::inr(98)
                .times(Qty::parse("0.25").unwrap())
                .unwrap()
                .minor(),
            25
        );
        assert_eq!(
            Money::inr(-98)
                .times(Qty::parse("0.25").unwrap())
                .unwrap()
                .minor(),
            -25
        );
        assert_eq!(
            Money::inr(4550).times(Qty::units(3)).unwrap().minor(),
            13650
        );
    }

    #[test]
    fn serde_shape_is_minor_units_and_code() {
        let json = serde_json::to_value(Money::inr(12345)).unwrap();
        assert_eq!(json, serde_json::json!({"minor": 12345, "currency": "INR"}));
        let err = serde_json::from_str::<Money>(r#"{"minor": 1, "currency": "rs"}"#).unwrap_err();
        assert!(err.to_string().contains("ISO 4217"), "{err}");
        assert!(serde_json::from_str::<Money>(r#"{"minor": 1.5, "currency": "INR"}"#).is_err());
    }

    #[test]
    fn display_is_unambiguous() {
        assert_eq!(Money::inr(123456).to_string(), "INR 1234.56");
        assert_eq!(Money::inr(-5).to_string(), "INR -0.05");
    }
}
