//! Restricted-circulation EAN-13s from a store's scales: prefixes 20–29
//! carrying an item code and a weight or a price, read by the store's own
//! layouts, with GS1's price/weight check digits.

use crate::gs1::Gs1Error;
use crate::{Gtin, Qty};

/// GS1 weighting factors for price/weight check digits (General Specifications 7.9.2).
fn two_minus(d: u8) -> u8 {
    let p = d * 2;
    (p % 10 + 10 - p / 10) % 10
}
fn three(d: u8) -> u8 {
    (d * 3) % 10
}
fn five_plus(d: u8) -> u8 {
    let p = d * 5;
    (p % 10 + p / 10) % 10
}
fn five_minus(d: u8) -> u8 {
    let p = d * 5;
    (p % 10 + 10 - p / 10) % 10
}

/// The check digit GS1 defines for a 4- or 5-digit price or weight field.
pub fn price_check_digit(value: &str) -> Option<u8> {
    let d: Vec<u8> = value.bytes().map(|b| b.wrapping_sub(b'0')).collect();
    if d.iter().any(|&x| x > 9) {
        return None;
    }
    match d.len() {
        4 => {
            let sum = u32::from(two_minus(d[0]) + two_minus(d[1]) + three(d[2]) + five_minus(d[3]));
            Some(((sum * 3) % 10) as u8)
        }
        5 => {
            let sum = u32::from(
                five_plus(d[0])
                    + two_minus(d[1])
                    + five_minus(d[2])
                    + five_plus(d[3])
                    + two_minus(d[4]),
            );
            let target = ((10 - sum % 10) % 10) as u8;
            (0..10).find(|&c| five_minus(c) == target)
        }
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Price,
    Weight,
}

/// How a store's scales print one restricted-circulation prefix (20–29): after
/// the two prefix digits, `item_digits` of item code, an optional price/weight
/// check digit, then `value_digits` of value with `decimals` decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VariableMeasureRule {
    pub prefix: u8,
    pub item_digits: u8,
    pub value_check_digit: bool,
    pub value_digits: u8,
    pub measure: Measure,
    pub decimals: u8,
}

impl VariableMeasureRule {
    pub fn validate(&self) -> Result<(), Gs1Error> {
        let total = 2 + self.item_digits + u8::from(self.value_check_digit) + self.value_digits;
        if !(20..=29).contains(&self.prefix)
            || total != 12
            || !(4..=5).contains(&self.value_digits)
            || self.decimals > 3
        {
            return Err(Gs1Error::BadLayout(self.prefix));
        }
        Ok(())
    }
}

/// A weighed or priced item read from an in-store EAN-13.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableMeasure {
    /// The prefix and item digits, which identify the item (e.g. `2012345`).
    pub item_code: String,
    pub measure: Measure,
    /// The value's digits, to be read with `decimals` decimals.
    pub value: u64,
    pub decimals: u8,
}

impl VariableMeasure {
    /// A weight as a quantity (kg with up to 3 decimals).
    pub fn weight(&self) -> Option<Qty> {
        (self.measure == Measure::Weight)
            .then(|| Qty::from_milli(scale(self.value, self.decimals, 3)))
    }

    /// A price in minor units of a currency with `minor_digits` decimals.
    pub fn price_minor(&self, minor_digits: u8) -> Option<i64> {
        (self.measure == Measure::Price).then(|| scale(self.value, self.decimals, minor_digits))
    }
}

/// Rescales a fixed-point value from `from` to `to` decimals (rounding halves up).
pub(crate) fn scale(value: u64, from: u8, to: u8) -> i64 {
    let v = value as i64;
    if to >= from {
        v * 10_i64.pow(u32::from(to - from))
    } else {
        // Fewer decimals than the symbol gives: the nearest, halves up
        // (0.12345 kg is 0.123 kg; 0.1235 kg is 0.124 kg).
        let unit = 10_i64.pow(u32::from(from - to));
        (v + unit / 2) / unit
    }
}

/// Reads an EAN-13 with a restricted-circulation prefix under the store's rules;
/// `Ok(None)` when the code is not one of them (an ordinary GTIN).
pub fn parse_variable_measure(
    code: &str,
    rules: &[VariableMeasureRule],
) -> Result<Option<VariableMeasure>, Gs1Error> {
    let code = code.trim();
    if code.len() != 13 {
        return Ok(None);
    }
    Gtin::parse(code)?;
    let prefix: u8 = code[..2].parse().unwrap_or(0);
    let Some(rule) = rules.iter().find(|r| r.prefix == prefix) else {
        return Ok(None);
    };
    rule.validate()?;
    let item_end = 2 + usize::from(rule.item_digits);
    let value_start = item_end + usize::from(rule.value_check_digit);
    let value_digits = &code[value_start..12];
    if rule.value_check_digit {
        let found = code.as_bytes()[item_end] - b'0';
        let expected = price_check_digit(value_digits).unwrap_or(10);
        if found != expected {
            return Err(Gs1Error::BadPriceCheck(code.to_owned(), found, expected));
        }
    }
    Ok(Some(VariableMeasure {
        item_code: code[..item_end].to_owned(),
        measure: rule.measure,
        value: value_digits.parse().unwrap_or(0),
        decimals: rule.decimals,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_check_digits_match_the_specification_examples() {
        // GS1 General Specifications 7.9.3 and 7.9.4 worked examples.
        assert_eq!(price_check_digit("2875"), Some(9));
        assert_eq!(price_check_digit("14685"), Some(6));
        assert_eq!(price_check_digit("123"), None);
    }

    #[test]
    fn weighed_and_priced_items_follow_the_store_layout() {
        let rules = [
            VariableMeasureRule {
                prefix: 23,
                item_digits: 6,
                value_check_digit: false,
                value_digits: 4,
                measure: Measure::Weight,
                decimals: 3,
            },
            VariableMeasureRule {
                prefix: 20,
                item_digits: 5,
                value_check_digit: true,
                value_digits: 4,
                measure: Measure::Price,
                decimals: 2,
            },
        ];
        let body = "231234561250";
        let code = Gtin::with_check_digit(body).unwrap().as_str()[1..].to_owned();
        let m = parse_variable_measure(&code, &rules).unwrap().unwrap();
        assert_eq!(m.item_code, "23123456");
        assert_eq!(m.weight(), Some(Qty::parse("1.25").unwrap()));
        assert_eq!(m.price_minor(2), None);

        let value = "2875";
        let body = format!("2012345{}{value}", price_check_digit(value).unwrap());
        let code = Gtin::with_check_digit(&body).unwrap().as_str()[1..].to_owned();
        let m = parse_variable_measure(&code, &rules).unwrap().unwrap();
        assert_eq!(m.price_minor(2), Some(2875));
        let bad = Gtin::with_check_digit("201234502875").unwrap().as_str()[1..].to_owned();
        assert!(matches!(
            parse_variable_measure(&bad, &rules),
            Err(Gs1Error::BadPriceCheck(..))
        ));
        assert_eq!(
            parse_variable_measure("4006381333931", &rules).unwrap(),
            None
        );
    }
}
