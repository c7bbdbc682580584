//! In-store labels from the scales: restricted-circulation EAN-13 codes
//! (prefixes 20–29) carrying a weight or a price, and the store's layouts
//! for reading them (read with every other scan in [`super::line`]).

use pos_shared::gs1::VariableMeasureRule;

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
