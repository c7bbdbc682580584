//! In-store labels from the scales: restricted-circulation EAN-13 codes
//! (prefixes 20–29) carrying a weight or a price, read by the store's layouts,
//! and every sale line's barcode made concrete (what to look up, how much).

use super::sale::{SaleLineRequest, SaleRejection};
use pos_shared::gs1::VariableMeasureRule;
use pos_shared::{Gtin, Qty};

/// Parses a scale label layout: `prefix:item_digits:weight|price:value_digits:decimals[:check]`,
/// e.g. `21:5:weight:5:3` (kg to the gram) or `22:4:price:5:2:check`.
pub fn parse_scale_rule(spec: &str) -> Result<VariableMeasureRule, String> {
    let bad = |why: &str| format!("scale label layout {spec:?}: {why}");
    let parts: Vec<&str> = spec.trim().split(':').collect();
    if !(5..=6).contains(&parts.len()) {
        return Err(bad(
            "expected prefix:item_digits:weight|price:value_digits:decimals[:check]",
        ));
    }
    let num = |s: &str, what: &str| {
        s.parse::<u8>()
            .map_err(|_| bad(&format!("{what} {s:?} is not a number")))
    };
    let measure = match parts[2] {
        "weight" => pos_shared::gs1::Measure::Weight,
        "price" => pos_shared::gs1::Measure::Price,
        other => return Err(bad(&format!("{other:?} is not weight or price"))),
    };
    let value_check_digit = match parts.get(5) {
        None => false,
        Some(&"check") => true,
        Some(other) => return Err(bad(&format!("{other:?} is not check"))),
    };
    let rule = VariableMeasureRule {
        prefix: num(parts[0], "prefix")?,
        item_digits: num(parts[1], "item digits")?,
        value_check_digit,
        value_digits: num(parts[3], "value digits")?,
        measure,
        decimals: num(parts[4], "decimals")?,
    };
    rule.validate().map_err(|e| bad(&e.to_string()))?;
    Ok(rule)
}

/// A request line made concrete: which barcode to look up and how much.
pub struct ResolvedLine {
    pub(crate) lookup: Gtin,
    pub(crate) qty: Qty,
    /// The quantity is a weight the store's scale printed on the label: a
    /// measurement, sold as weighed whatever unit the catalog gives the item.
    pub(crate) weighed: bool,
    /// A price-embedded label's price, in minor units: one pack at that price.
    pub(crate) label_price: Option<i64>,
}

/// Reads a line's barcode, including in-store weighed and priced labels.
pub fn resolve_line(
    i: usize,
    line: &SaleLineRequest,
    rules: &[VariableMeasureRule],
) -> Result<ResolvedLine, SaleRejection> {
    let field = format!("lines[{i}].barcode");
    let qty_field = format!("lines[{i}].qty");
    let measured = pos_shared::gs1::parse_variable_measure(&line.barcode, rules)
        .map_err(|e| SaleRejection::invalid(&field, e.to_string()))?;
    let Some(vm) = measured else {
        let lookup = Gtin::parse(&line.barcode)
            .map_err(|e| SaleRejection::invalid(&field, e.to_string()))?;
        let qty = line
            .qty
            .ok_or_else(|| SaleRejection::invalid(&qty_field, "quantity is required"))?;
        if !qty.is_positive() {
            return Err(SaleRejection::invalid(
                qty_field,
                "quantity must be positive",
            ));
        }
        return Ok(ResolvedLine {
            lookup,
            qty,
            weighed: false,
            label_price: None,
        });
    };
    if line.qty.is_some() {
        return Err(SaleRejection::invalid(
            qty_field,
            "this label carries its own weight or price; leave qty out",
        ));
    }
    // The catalog lists a weighed item under its label with the value zeroed.
    let body = format!("{:0<12}", vm.item_code);
    let lookup =
        Gtin::with_check_digit(&body).map_err(|e| SaleRejection::invalid(&field, e.to_string()))?;
    let zero = || SaleRejection::invalid(&field, "the label's weight or price is zero");
    match (vm.weight(), vm.price_minor(2)) {
        (Some(w), _) if w.is_positive() => Ok(ResolvedLine {
            lookup,
            qty: w,
            weighed: true,
            label_price: None,
        }),
        (_, Some(p)) if p > 0 => Ok(ResolvedLine {
            lookup,
            qty: Qty::units(1),
            weighed: false,
            label_price: Some(p),
        }),
        _ => Err(zero()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_label_layouts_parse_or_say_why_not() {
        let r = parse_scale_rule("22:4:price:5:2:check").unwrap();
        assert_eq!(
            (r.prefix, r.item_digits, r.value_check_digit),
            (22, 4, true)
        );
        for (bad, says) in [
            ("21:5:weight:5", "expected"),
            ("21:5:volume:5:3", "volume"),
            ("21:x:weight:5:3", "item digits"),
            ("19:5:weight:5:3", "layout"),
            ("21:6:weight:5:3", "layout"),
            ("22:4:price:5:2:yes", "check"),
        ] {
            let e = parse_scale_rule(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
