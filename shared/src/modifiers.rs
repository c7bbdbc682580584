//! Modifiers and add-ons for restaurant menus: groups of options on a variant
//! ("Size: regular or large", "Extras: up to 3"), each group with how many
//! options must and may be chosen, each option with its price on top.

use crate::Money;
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModifierOption {
    /// Unique within the variant's groups, e.g. `extra-cheese`.
    pub code: String,
    pub name: String,
    /// Added to the item's price; zero for a free choice.
    pub price: Money,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModifierGroup {
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 60, pattern = "\\S")
    )]
    pub name: String,
    /// At least this many options must be chosen (0: optional).
    pub min: u32,
    /// At most this many.
    pub max: u32,
    pub options: Vec<ModifierOption>,
}

/// An option as chosen on a sale line.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChosenModifier {
    pub group: String,
    pub code: String,
    pub name: String,
    pub price: Money,
}

/// Checks a variant's groups; the error names the field (relative to the groups).
pub fn validate_groups(groups: &[ModifierGroup], price: Money) -> Result<(), (String, String)> {
    let mut codes: Vec<&str> = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let at = |f: &str| format!("[{g}].{f}");
        if group.name.trim().is_empty() || group.name.chars().count() > 60 {
            return Err((
                at("name"),
                "a group needs a name of 1 to 60 characters".into(),
            ));
        }
        if group.options.is_empty() || group.options.len() > 50 {
            return Err((at("options"), "a group has 1 to 50 options".into()));
        }
        if group.min > group.max || group.max == 0 || group.max as usize > group.options.len() {
            return Err((
                at("max"),
                format!(
                    "min {} and max {} must satisfy min ≤ max, 1 ≤ max ≤ {} options",
                    group.min,
                    group.max,
                    group.options.len()
                ),
            ));
        }
        for (o, option) in group.options.iter().enumerate() {
            let at = |f: &str| format!("[{g}].options[{o}].{f}");
            let code_ok = !option.code.is_empty()
                && option.code.len() <= 40
                && option
                    .code
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !code_ok {
                return Err((
                    at("code"),
                    "a code is 1 to 40 letters, digits, - or _".into(),
                ));
            }
            if codes.contains(&option.code.as_str()) {
                return Err((at("code"), format!("code {:?} appears twice", option.code)));
            }
            codes.push(&option.code);
            if option.name.trim().is_empty() || option.name.chars().count() > 60 {
                return Err((
                    at("name"),
                    "an option needs a name of 1 to 60 characters".into(),
                ));
            }
            if option.price.is_negative() || option.price.currency() != price.currency() {
                return Err((
                    at("price"),
                    format!(
                        "the price must be a {} amount of zero or more",
                        price.currency()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The options chosen by `codes`, checked against each group's min and max;
/// the error says which group and what is wrong.
pub fn choose(groups: &[ModifierGroup], codes: &[String]) -> Result<Vec<ChosenModifier>, String> {
    let mut chosen = Vec::new();
    for code in codes {
        let found = groups
            .iter()
            .find_map(|g| g.options.iter().find(|o| &o.code == code).map(|o| (g, o)));
        let Some((group, option)) = found else {
            return Err(format!("{code:?} is not a modifier of this item"));
        };
        if chosen.iter().any(|c: &ChosenModifier| &c.code == code) {
            return Err(format!("{} is chosen twice", option.name));
        }
        chosen.push(ChosenModifier {
            group: group.name.clone(),
            code: option.code.clone(),
            name: option.name.clone(),
            price: option.price,
        });
    }
    for group in groups {
        let n = chosen.iter().filter(|c| c.group == group.name).count() as u32;
        if n < group.min || n > group.max {
            let want = if group.min == group.max {
                format!("exactly {}", group.min)
            } else {
                format!("{} to {}", group.min, group.max)
            };
            return Err(format!("{}: choose {want}, not {n}", group.name));
        }
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Vec<ModifierGroup> {
        let o = |code: &str, name: &str, p: i64| ModifierOption {
            code: code.into(),
            name: name.into(),
            price: Money::inr(p),
        };
        vec![
            ModifierGroup {
                name: "Size".into(),
                min: 1,
                max: 1,
                options: vec![o("regular", "Regular", 0), o("large", "Large", 4000)],
            },
            ModifierGroup {
                name: "Extras".into(),
                min: 0,
                max: 2,
                options: vec![
                    o("cheese", "Extra cheese", 3000),
                    o("olives", "Olives", 2000),
                    o("jalapeno", "Jalapeño", 2000),
                ],
            },
        ]
    }

    fn codes(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn choices_follow_each_groups_min_and_max() {
        let g = groups();
        validate_groups(&g, Money::inr(19900)).unwrap();
        let chosen = choose(&g, &codes(&["large", "cheese", "olives"])).unwrap();
        assert_eq!(chosen.iter().map(|c| c.price.minor()).sum::<i64>(), 9000);
        assert!(choose(&g, &codes(&["cheese"]))
            .unwrap_err()
            .contains("Size: choose exactly 1, not 0"));
        assert!(choose(&g, &codes(&["regular", "large"]))
            .unwrap_err()
            .contains("Size"));
        assert!(
            choose(&g, &codes(&["regular", "cheese", "olives", "jalapeno"]))
                .unwrap_err()
                .contains("Extras: choose 0 to 2, not 3")
        );
        assert!(choose(&g, &codes(&["regular", "anchovies"]))
            .unwrap_err()
            .contains("anchovies"));
        assert!(choose(&g, &codes(&["regular", "cheese", "cheese"]))
            .unwrap_err()
            .contains("twice"));
    }

    #[test]
    fn groups_are_checked_when_hq_sets_them() {
        let mut g = groups();
        g[1].max = 4;
        assert_eq!(validate_groups(&g, Money::inr(1)).unwrap_err().0, "[1].max");
        let mut g = groups();
        g[1].options[2].code = "cheese".into();
        assert_eq!(
            validate_groups(&g, Money::inr(1)).unwrap_err().0,
            "[1].options[2].code"
        );
        let mut g = groups();
        g[0].options[1].price = Money::inr(-1);
        assert_eq!(
            validate_groups(&g, Money::inr(1)).unwrap_err().0,
            "[0].options[1].price"
        );
    }
}
