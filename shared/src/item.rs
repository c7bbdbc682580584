//! What an item is, beyond how it is found and priced: the unit its
//! quantities count (each, or kilograms for loose rice), what one pack holds
//! (250 g of tea, a 6-pack), pictures of it, and free-form attributes (a
//! colour, a shelf life, an allergen list) for HQ, the web shop and labels.

use crate::Qty;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const MAX_IMAGES: usize = 8;
pub const MAX_IMAGE_URL: usize = 2048;
/// Attributes travel to every till with the item: kept small.
pub const MAX_ATTRIBUTES_BYTES: usize = 4096;
pub const MAX_ATTRIBUTES: usize = 50;

/// A unit of measure.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Counted in whole pieces.
    #[default]
    Each,
    Kg,
    G,
    L,
    Ml,
    M,
}

impl Unit {
    pub fn is_each(&self) -> bool {
        *self == Unit::Each
    }

    /// Sold loose by weight, volume or length: any quantity, not whole pieces.
    pub fn is_measured(&self) -> bool {
        !self.is_each()
    }

    /// The smallest amount a quantity of this unit moves by: one piece of an
    /// `each` item, a whole gram or millilitre, and a thousandth (a gram, a
    /// millilitre, a millimetre) of a kilogram, litre or metre.
    pub const fn step(&self) -> Qty {
        match self {
            Unit::Each | Unit::G | Unit::Ml => Qty::units(1),
            Unit::Kg | Unit::L | Unit::M => Qty::from_milli(1),
        }
    }

    /// Whether `qty` is a quantity of this unit: a whole number of pieces,
    /// grams or millilitres, or kilograms, litres or metres to the thousandth.
    /// The error is words for the person who typed it.
    pub fn check_qty(&self, qty: Qty) -> Result<(), String> {
        let step = self.step().milli();
        if qty.milli() % step == 0 {
            return Ok(());
        }
        Err(match self {
            Unit::Each => format!("{qty} is not a whole number; this item is sold in whole pieces"),
            _ => format!(
                "{qty} {} is not a whole number of {}",
                self.as_str(),
                self.as_str()
            ),
        })
    }

    /// The name on the wire and in the databases: `each`, `kg`, `g`, …
    pub const fn as_str(&self) -> &'static str {
        match self {
            Unit::Each => "each",
            Unit::Kg => "kg",
            Unit::G => "g",
            Unit::L => "l",
            Unit::Ml => "ml",
            Unit::M => "m",
        }
    }

    pub fn parse(text: &str) -> Option<Unit> {
        [Unit::Each, Unit::Kg, Unit::G, Unit::L, Unit::Ml, Unit::M]
            .into_iter()
            .find(|u| u.as_str() == text)
    }
}

/// What one unit of the item holds: `{"size": "250", "unit": "g"}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    pub size: Qty,
    pub unit: Unit,
}

/// An item's measure, pictures and attributes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemDetails {
    /// What its quantities count: `each` (whole pieces, the default) or a
    /// measure (`kg`, `g`, `l`, `ml`, `m`) for items sold loose.
    #[serde(default, skip_serializing_if = "Unit::is_each")]
    pub unit: Unit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack: Option<Pack>,
    /// Pictures of it, `http(s)` addresses, the first the main one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_urls: Vec<String>,
    /// Anything else worth knowing, as a JSON object.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: Map<String, Value>,
}

impl ItemDetails {
    /// Checks the details; the error names the field (`image_urls[1]`).
    pub fn validate(&self) -> Result<(), (String, String)> {
        if let Some(pack) = &self.pack {
            if !pack.size.is_positive() {
                return Err(("pack.size".into(), "a pack holds more than nothing".into()));
            }
            if pack.size > crate::limits::MAX_LINE_QTY {
                return Err((
                    "pack.size".into(),
                    format!("a pack holds at most {}", crate::limits::MAX_LINE_QTY),
                ));
            }
        }
        if self.image_urls.len() > MAX_IMAGES {
            return Err(("image_urls".into(), format!("at most {MAX_IMAGES} images")));
        }
        for (i, url) in self.image_urls.iter().enumerate() {
            if let Some(why) = bad_url(url) {
                return Err((format!("image_urls[{i}]"), why));
            }
        }
        if self.attributes.len() > MAX_ATTRIBUTES {
            return Err((
                "attributes".into(),
                format!("at most {MAX_ATTRIBUTES} attributes"),
            ));
        }
        if let Some(key) = self
            .attributes
            .keys()
            .find(|k| k.trim().is_empty() || k.chars().count() > 60)
        {
            return Err((
                "attributes".into(),
                format!("attribute name {key:?} must be 1 to 60 characters"),
            ));
        }
        let size = serde_json::to_string(&self.attributes).map_or(usize::MAX, |s| s.len());
        if size > MAX_ATTRIBUTES_BYTES {
            return Err((
                "attributes".into(),
                format!(
                    "attributes take at most {MAX_ATTRIBUTES_BYTES} bytes of JSON ({size} here)"
                ),
            ));
        }
        Ok(())
    }
}

/// Why `url` is not an image address a browser can load, if it is not.
fn bad_url(url: &str) -> Option<String> {
    if url.len() > MAX_IMAGE_URL {
        return Some(format!(
            "an image address has at most {MAX_IMAGE_URL} characters"
        ));
    }
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return Some(format!("{url:?} is not an http(s) address"));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!(
            "{url:?} is not an address such as https://cdn.example.com/tea.jpg"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_details_are_absent_on_the_wire() {
        assert_eq!(
            serde_json::to_value(ItemDetails::default()).unwrap(),
            json!({})
        );
        let tea: ItemDetails = serde_json::from_value(json!({
            "pack": {"size": "250", "unit": "g"},
            "image_urls": ["https://cdn.example.com/tea.jpg"],
            "attributes": {"origin": "Assam", "organic": true}
        }))
        .unwrap();
        assert!(tea.unit.is_each());
        assert_eq!(tea.pack.as_ref().unwrap().unit, Unit::G);
        assert!(tea.validate().is_ok());
        let rice: ItemDetails = serde_json::from_value(json!({"unit": "kg"})).unwrap();
        assert!(rice.unit.is_measured());
    }

    #[test]
    fn quantities_follow_the_unit() {
        let q = |t: &str| Qty::parse(t).unwrap();
        assert!(Unit::Each.check_qty(q("3")).is_ok());
        let e = Unit::Each.check_qty(q("0.001")).unwrap_err();
        assert!(e.contains("whole pieces"), "{e}");
        assert!(
            Unit::Each.check_qty(q("-2")).is_ok(),
            "a count may be negative"
        );
        assert!(Unit::Kg.check_qty(q("1.25")).is_ok());
        assert!(Unit::Kg.check_qty(q("0.001")).is_ok());
        assert!(Unit::L.check_qty(q("0.5")).is_ok());
        assert!(Unit::M.check_qty(q("2.375")).is_ok());
        assert!(Unit::G.check_qty(q("250")).is_ok());
        assert!(Unit::G.check_qty(q("250.5")).is_err());
        assert!(Unit::Ml.check_qty(q("0.5")).is_err());
        for u in [Unit::Each, Unit::Kg, Unit::G, Unit::L, Unit::Ml, Unit::M] {
            assert_eq!(Unit::parse(u.as_str()), Some(u));
            assert_eq!(
                serde_json::to_value(u).unwrap(),
                serde_json::Value::String(u.as_str().into())
            );
        }
        assert_eq!(Unit::parse("dozen"), None);
    }

    #[test]
    fn bad_details_are_named() {
        let field = |v: serde_json::Value| {
            serde_json::from_value::<ItemDetails>(v)
                .unwrap()
                .validate()
                .unwrap_err()
                .0
        };
        assert_eq!(
            field(json!({"pack": {"size": "0", "unit": "g"}})),
            "pack.size"
        );
        assert_eq!(
            field(json!({"image_urls": ["https://a.example/x.jpg", "ftp://a/x.jpg"]})),
            "image_urls[1]"
        );
        assert_eq!(
            field(json!({"image_urls": ["https:///x.jpg"]})),
            "image_urls[0]"
        );
        assert_eq!(
            field(json!({"attributes": {"notes": "x".repeat(5000)}})),
            "attributes"
        );
        assert_eq!(field(json!({"attributes": {" ": 1}})), "attributes");
        assert!(serde_json::from_value::<ItemDetails>(json!({"unit": "dozen"})).is_err());
    }
}
