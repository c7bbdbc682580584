//! Normalization of what sources send, before it reaches the catalog: titles
//! cleaned (entities decoded, spaces collapsed, shouting tamed), pack sizes
//! read in whatever way suppliers write them ("500 GM", "0.5kg", "1 Ltr",
//! "6 pcs") into the catalog's [`Pack`] in its smallest unit (500 g, 500 ml),
//! and the size found in a title when no field gives it.
//!
//! Equal inputs give equal outputs whatever their spelling, so a source that
//! sends the same item twice, differently spaced, changes nothing.

use pos_shared::item::{Pack, Unit};
use pos_shared::Qty;

/// The longest name the catalog keeps.
pub const MAX_TITLE: usize = 200;

/// A title as the catalog shows it: HTML entities decoded, control
/// characters and repeated spaces gone, trailing separators dropped, and an
/// all-capitals title (as POS exports shout) in title case. `None` when
/// nothing is left.
pub fn title(raw: &str) -> Option<String> {
    let decoded = decode_entities(raw);
    let words: Vec<&str> = decoded
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect();
    let mut text = words.join(" ");
    while let Some(last) = text.chars().last() {
        if matches!(last, '-' | ',' | ';' | ':' | '|' | '/') {
            text.pop();
            text = text.trim_end().to_owned();
        } else {
            break;
        }
    }
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    let shouting = letters.len() >= 4 && letters.iter().all(|c| !c.is_lowercase());
    if shouting {
        let words: Vec<&str> = text.split(' ').collect();
        text = words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                // A unit after a size stays a unit: "500 ML" → "500 ml".
                let after_size = i > 0
                    && words[i - 1]
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b == b'.');
                if after_size && unit_of(w).is_some() {
                    w.to_lowercase()
                } else {
                    title_word(w)
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
    }
    if text.is_empty() {
        return None;
    }
    Some(text.chars().take(MAX_TITLE).collect())
}

/// One shouted word in title case; pack sizes ("500GM", "1KG") and short
/// codes with digits are left as written, sizes in lower case.
fn title_word(word: &str) -> String {
    if word.chars().any(|c| c.is_ascii_digit()) {
        return word.to_lowercase();
    }
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

fn decode_entities(raw: &str) -> String {
    raw.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
}

/// The catalog's unit for a supplier's spelling of one, and how many of the
/// catalog's smallest unit one of it is (kilograms are kept as grams, litres
/// as millilitres).
fn unit_of(word: &str) -> Option<(Unit, i64)> {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    Some(match w.as_str() {
        "g" | "gm" | "gms" | "gr" | "grm" | "grams" | "gram" => (Unit::G, 1),
        "kg" | "kgs" | "kilo" | "kilos" | "kilogram" | "kilograms" => (Unit::G, 1000),
        "mg" => return None,
        "ml" | "mls" | "millilitre" | "milliliter" | "millilitres" | "milliliters" => (Unit::Ml, 1),
        "l" | "lt" | "ltr" | "ltrs" | "litre" | "liter" | "litres" | "liters" => (Unit::Ml, 1000),
        "m" | "mtr" | "mtrs" | "metre" | "meter" | "metres" | "meters" => (Unit::M, 1),
        "pc" | "pcs" | "piece" | "pieces" | "pack" | "packs" | "nos" | "no" | "units" | "unit"
        | "each" | "ea" | "n" => (Unit::Each, 1),
        _ => return None,
    })
}

/// Reads a pack size: a number and a unit, with or without a space ("500 GM",
/// "0.5kg", "1.5 Ltr", "6 pcs"). Masses become grams and volumes
/// millilitres, so "0.5kg" and "500 g" are the same pack. `Err` names what
/// is wrong.
pub fn pack(text: &str) -> Result<Pack, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number = number.replace(',', ".");
    let unit = unit.trim();
    if number.is_empty() {
        return Err(format!("{text:?} does not start with a size"));
    }
    let (unit, factor) = unit_of(unit).ok_or_else(|| {
        format!("{text:?}: the unit {unit:?} is not one of g, kg, ml, l, m or pcs")
    })?;
    let size = Qty::parse(&number).map_err(|_| format!("{text:?}: {number:?} is not a size"))?;
    let size = size
        .milli()
        .checked_mul(factor)
        .map(Qty::from_milli)
        .filter(|q| q.is_positive())
        .ok_or_else(|| format!("{text:?} is not a size a pack can have"))?;
    if unit == Unit::Each && !size.is_whole() {
        return Err(format!("{text:?}: a count of pieces is a whole number"));
    }
    if size > pos_shared::limits::MAX_LINE_QTY {
        return Err(format!("{text:?} is larger than any pack"));
    }
    Ok(Pack { size, unit })
}

/// The pack size a title ends with or holds ("Toor Dal 1kg", "Amul Milk
/// 500 ml Pouch"), when it has exactly one.
pub fn pack_in_title(title: &str) -> Option<Pack> {
    let words: Vec<&str> = title.split_whitespace().collect();
    let mut found = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if let Ok(p) = pack(word) {
            found.push(p);
        } else if word.chars().all(|c| c.is_ascii_digit() || c == '.') && i + 1 < words.len() {
            if let Ok(p) = pack(&format!("{word} {}", words[i + 1])) {
                found.push(p);
            }
        }
    }
    (found.len() == 1).then(|| found.remove(0))
}

/// Checks a required text field; the error names it.
pub fn required(field: &str, value: Option<&str>) -> Result<String, String> {
    match value.and_then(title) {
        Some(v) => Ok(v),
        None => Err(format!("{field} is required")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grams(n: i64) -> Pack {
        Pack {
            size: Qty::units(n),
            unit: Unit::G,
        }
    }

    #[test]
    fn suppliers_spellings_of_one_pack_are_one_pack() {
        for text in [
            "500 GM",
            "0.5kg",
            "500g",
            "500 gms",
            "0,5 Kg",
            " 500  grams ",
        ] {
            assert_eq!(pack(text), Ok(grams(500)), "{text}");
        }
        assert_eq!(
            pack("1 Ltr"),
            Ok(Pack {
                size: Qty::units(1000),
                unit: Unit::Ml
            })
        );
        assert_eq!(
            pack("6 pcs"),
            Ok(Pack {
                size: Qty::units(6),
                unit: Unit::Each
            })
        );
    }

    #[test]
    fn what_is_not_a_pack_is_named() {
        assert!(pack("kg").unwrap_err().contains("size"));
        assert!(pack("5 bags").unwrap_err().contains("unit"));
        assert!(pack("0 g").is_err());
        assert!(pack("1.5 pcs").unwrap_err().contains("whole"));
        assert!(pack("99999999999999 kg").is_err());
    }

    #[test]
    fn a_title_gives_its_pack_when_it_has_one() {
        assert_eq!(pack_in_title("Toor Dal 1kg"), Some(grams(1000)));
        assert_eq!(
            pack_in_title("Amul Milk 500 ml Pouch").map(|p| p.unit),
            Some(Unit::Ml)
        );
        assert_eq!(pack_in_title("Combo 1kg + 500g"), None);
        assert_eq!(pack_in_title("Paneer Tikka"), None);
    }

    #[test]
    fn titles_are_cleaned() {
        assert_eq!(title("  TOOR   DAL 1KG -").as_deref(), Some("Toor Dal 1kg"));
        assert_eq!(title("Mac &amp; Cheese").as_deref(), Some("Mac & Cheese"));
        assert_eq!(
            title("AMUL TAAZA MILK 500 ML").as_deref(),
            Some("Amul Taaza Milk 500 ml")
        );
        assert_eq!(title("Paneer\tTikka\n").as_deref(), Some("Paneer Tikka"));
        assert_eq!(title("iPhone case").as_deref(), Some("iPhone case"));
        assert_eq!(title("   "), None);
        assert_eq!(title(&"x".repeat(300)).map(|t| t.len()), Some(MAX_TITLE));
    }

    #[test]
    fn generated_packs_never_panic_and_agree_across_spellings() {
        let mut rng = fastrand::Rng::with_seed(7);
        let units = ["g", "GM", "kg", "Kg", "ml", "L", "ltr", "pcs", "bags", ""];
        for _ in 0..5000 {
            let n: String = (0..rng.usize(0..6))
                .map(|_| {
                    rng.choice(b"0123456789.,".iter())
                        .map(|b| *b as char)
                        .unwrap()
                })
                .collect();
            let u = rng.choice(units.iter()).unwrap();
            let spaced = format!("{n} {u}");
            let joined = format!("{n}{u}");
            let _ = title(&spaced);
            assert_eq!(pack(&spaced).ok(), pack(&joined).ok(), "{spaced:?}");
        }
    }
}
