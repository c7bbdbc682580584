//! The rule-based enricher, the default: what it can tell from an item's
//! own record without asking anyone. Each rule is a fixpoint: a record that
//! took its suggestion gets none from it again, so the worker meeting the
//! accepted edit in the feed proposes nothing more.
//!
//! - The name cleaned: spaces, stray punctuation at either end, a word said
//!   twice, sizes written one way ("500GM" → "500 g", "1 LTR" → "1 l"), and
//!   a name in capitals (or all small letters) in title case, short
//!   capitalised words (brands like MDH) kept.
//! - The pack, when the item has none and its name says one size.
//! - Attributes the name states: meat, fish or egg is `diet: non-veg`,
//!   "veg" is `diet: veg`; "organic", "sugar free", "gluten free" are flags.
//! - Synonyms from the shipped table for words of the name.

use super::Suggestion;
use crate::search::{canonical_unit, Synonyms};
use pos_shared::item::{Pack, Unit};
use pos_shared::sync::VariantRecord;
use pos_shared::Qty;
use serde_json::{json, Value};

/// Words after which the word before names a flavour, not what the item
/// is: "chicken masala" is a spice blend, "mango flavour" a drink.
const FLAVOURS: [&str; 9] = [
    "masala",
    "seasoning",
    "spice",
    "flavour",
    "flavor",
    "flavoured",
    "flavored",
    "essence",
    "style",
];

/// Words that make an item non-vegetarian.
const NON_VEG: [&str; 14] = [
    "chicken", "mutton", "fish", "egg", "eggs", "prawn", "prawns", "meat", "keema", "lamb", "pork",
    "beef", "murgh", "gosht",
];

/// Everything the rules suggest for `record`.
pub fn suggest(record: &VariantRecord, synonyms: &Synonyms) -> Vec<Suggestion> {
    let mut found = Vec::new();
    let name = clean_name(&record.name);
    if name != record.name && !name.is_empty() {
        let case_changed = name.to_lowercase() != spaced_lower(&record.name);
        found.push(Suggestion {
            field: "name".into(),
            proposed: Value::String(name.clone()),
            confidence: if case_changed { 0.8 } else { 0.9 },
            reason: "name cleaned: spacing, sizes, capitals".into(),
        });
    }
    let words = words(&name);
    if record.details.pack.is_none() && record.details.unit.is_each() {
        if let Some(pack) = pack_of(&words) {
            found.push(Suggestion {
                field: "pack".into(),
                proposed: serde_json::to_value(&pack).unwrap_or(Value::Null),
                confidence: 0.85,
                reason: "the name says one size".into(),
            });
        }
    }
    let attributes = &record.details.attributes;
    let has = |w: &str| words.iter().any(|x| x == w);
    let pair = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
    // A word the item is made of, not a flavour it has ("chicken masala")
    // nor what it is free of ("sugar free").
    let stated = |i: usize| {
        words
            .get(i + 1)
            .is_none_or(|next| !FLAVOURS.contains(&next.as_str()) && next != "free")
    };
    if !attributes.contains_key("diet") {
        let meat = words
            .iter()
            .enumerate()
            .find(|(i, w)| NON_VEG.contains(&w.as_str()) && stated(*i))
            .map(|(_, w)| w);
        if let Some(w) = meat {
            found.push(attribute(
                "diet",
                json!("non-veg"),
                0.9,
                &format!("the name says {w:?}"),
            ));
        } else if has("veg") && !pair("non", "veg") {
            found.push(attribute(
                "diet",
                json!("veg"),
                0.8,
                "the name says \"veg\"",
            ));
        }
    }
    for (key, present, why) in [
        ("organic", has("organic"), "the name says \"organic\""),
        (
            "sugar_free",
            pair("sugar", "free"),
            "the name says \"sugar free\"",
        ),
        (
            "gluten_free",
            pair("gluten", "free"),
            "the name says \"gluten free\"",
        ),
    ] {
        if present && !attributes.contains_key(key) {
            found.push(attribute(key, json!(true), 0.9, why));
        }
    }
    let known: Vec<String> = record
        .placement
        .synonyms
        .iter()
        .map(|s| s.trim().to_lowercase())
        .collect();
    let mut more: Vec<String> = Vec::new();
    for run in 1..=Synonyms::LONGEST {
        for (at, window) in words.windows(run).enumerate() {
            if !stated(at + run - 1) {
                continue;
            }
            let run: Vec<&str> = window.iter().map(String::as_str).collect();
            for other in synonyms.of(&run) {
                let other = other.join(" ");
                let in_name = other.split(' ').all(&has);
                if !in_name && !known.contains(&other) && !more.contains(&other) {
                    more.push(other);
                }
            }
        }
    }
    let room = pos_shared::catalog::MAX_SYNONYMS.saturating_sub(known.len());
    more.truncate(room);
    if !more.is_empty() {
        let mut all = record.placement.synonyms.clone();
        all.extend(more);
        found.push(Suggestion {
            field: "synonyms".into(),
            proposed: json!(all),
            confidence: 0.7,
            reason: "words shoppers use for it (the synonym table)".into(),
        });
    }
    found
}

fn attribute(key: &str, value: Value, confidence: f64, reason: &str) -> Suggestion {
    Suggestion {
        field: format!("attributes.{key}"),
        proposed: value,
        confidence,
        reason: reason.into(),
    }
}

/// The name's words, lower case, sizes split from their numbers.
fn words(name: &str) -> Vec<String> {
    crate::search::spaced(name)
        .split(|c: char| !c.is_alphanumeric() && c != '.')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn spaced_lower(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// One size in the name, as a pack: `500 g`, `1 kg`, `1.5 l`; none when it
/// names none or more than one.
fn pack_of(words: &[String]) -> Option<Pack> {
    let mut packs = Vec::new();
    for pair in words.windows(2) {
        let unit = match canonical_unit(&pair[1]) {
            Some("g") => Unit::G,
            Some("kg") => Unit::Kg,
            Some("ml") => Unit::Ml,
            Some("l") => Unit::L,
            _ => continue,
        };
        let Ok(size) = Qty::parse(&pair[0]) else {
            continue;
        };
        if size.is_positive() {
            packs.push(Pack { size, unit });
        }
    }
    (packs.len() == 1).then(|| packs.remove(0))
}

/// The name with its spacing, sizes and capitals put right.
pub fn clean_name(name: &str) -> String {
    let junk = |c: char| {
        matches!(
            c,
            '*' | '-' | '_' | '.' | ',' | '#' | '~' | '|' | '/' | '!' | '?' | ';' | ':'
        ) || c.is_whitespace()
    };
    let trimmed = name.trim().trim_matches(junk).trim();
    let spaced = crate::search::spaced(trimmed);
    let mut tokens: Vec<String> = Vec::new();
    let raw: Vec<&str> = spaced.split_whitespace().collect();
    let mut i = 0;
    while i < raw.len() {
        let token = raw[i];
        // A number and its unit: "500 GM" → "500 g", "1 . 5 kg" is left.
        if token.chars().all(|c| c.is_ascii_digit() || c == '.') && i + 1 < raw.len() {
            if let Some(unit) = canonical_unit(raw[i + 1]) {
                tokens.push(format!("{token} {unit}"));
                i += 2;
                continue;
            }
        }
        if tokens
            .last()
            .is_some_and(|last| last.eq_ignore_ascii_case(token))
        {
            i += 1;
            continue;
        }
        tokens.push(token.to_owned());
        i += 1;
    }
    let letters: Vec<char> = tokens
        .iter()
        .flat_map(|t| t.chars())
        .filter(|c| c.is_alphabetic())
        .collect();
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    let shouting = letters.len() > 3 && upper * 10 >= letters.len() * 8;
    let whispering = letters.len() > 3 && upper == 0 && letters.iter().all(|c| c.is_lowercase());
    if shouting || whispering {
        for token in &mut tokens {
            let is_size = token.contains(' ');
            // A short word of capitals without a vowel is a brand's
            // letters (MDH), not a shouted word (DAL).
            let short_caps = shouting
                && token.chars().count() <= 3
                && token
                    .chars()
                    .all(|c| c.is_uppercase() && !"AEIOU".contains(c));
            if !is_size && !short_caps {
                *token = title_case(token);
            }
        }
    }
    tokens.join(" ")
}

fn title_case(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for (i, c) in word.chars().enumerate() {
        if i == 0 {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_and_clean_names_left_alone() {
        assert_eq!(
            clean_name("  TATA SAMPANN TOOR DAL 1KG **"),
            "Tata Sampann Toor Dal 1 kg"
        );
        assert_eq!(
            clean_name("MDH garam masala 100GM"),
            "MDH garam masala 100 g"
        );
        assert_eq!(
            clean_name("fortune  sunflower oil 1 LTR"),
            "Fortune Sunflower Oil 1 l"
        );
        assert_eq!(clean_name("Amul Amul Butter 500 gms"), "Amul Butter 500 g");
        assert_eq!(
            clean_name("MDH CHANA MASALA 100 G"),
            "MDH Chana Masala 100 g"
        );
        for clean in [
            "Tata Sampann Toor Dal 1 kg",
            "MDH Chana Masala 100 g",
            "Paneer 200 g",
        ] {
            assert_eq!(clean_name(clean), clean);
        }
    }

    #[test]
    fn a_flavour_or_what_it_is_free_of_is_not_what_it_is() {
        let table = Synonyms::parse("cheeni, sugar\nmurgi, chicken\n");
        let record = |name: &str| -> VariantRecord {
            serde_json::from_value(json!({
                "variant_id": pos_shared::VariantId::new(), "product_id": pos_shared::ProductId::new(),
                "name": name, "sku": "X", "barcode": "8901000000019",
                "price": {"minor": 100, "currency": "INR"}
            }))
            .unwrap()
        };
        let fields = |name: &str| -> Vec<(String, Value)> {
            suggest(&record(name), &table)
                .into_iter()
                .filter(|s| s.field != "name" && s.field != "pack")
                .map(|s| (s.field, s.proposed))
                .collect()
        };
        assert!(fields("Chicken Masala 100 g").is_empty());
        assert_eq!(
            fields("Sugar Free Atta 5 kg"),
            [("attributes.sugar_free".to_owned(), json!(true))]
        );
        assert_eq!(
            fields("Chicken Breast 500 g"),
            [
                ("attributes.diet".to_owned(), json!("non-veg")),
                ("synonyms".to_owned(), json!(["murgi"]))
            ]
        );
        assert_eq!(clean_name("Paneer 200gm  !!"), "Paneer 200 g");
    }

    #[test]
    fn one_size_is_a_pack_and_two_are_none() {
        let words = |s: &str| words(s);
        assert_eq!(
            pack_of(&words("Toor Dal 1 kg")),
            Some(Pack {
                size: Qty::units(1),
                unit: Unit::Kg
            })
        );
        assert_eq!(
            pack_of(&words("Oil 1.5 l")),
            Some(Pack {
                size: Qty::parse("1.5").unwrap(),
                unit: Unit::L
            })
        );
        assert_eq!(pack_of(&words("Combo 1 kg + 500 g")), None);
        assert_eq!(pack_of(&words("Pencils 10 pc")), None);
    }
}
