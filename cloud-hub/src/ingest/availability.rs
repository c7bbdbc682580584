//! A restaurant POS's item on/off toggle (PetPooja's item stock shape):
//! `{"restID": "…", "type": "item", "inStock": false, "itemID": ["…"]}`.
//! Each item listed is one entity; `restID` names the store (every store the
//! source feeds when it is absent). Add-ons cannot be switched off at the
//! hub (they are options of an item), so such a toggle is refused by name.

use super::{flag, id_text, AvailabilityChange, Command, Parsed};
use serde_json::{Map, Value};

pub const FORMAT: &str = "availability";

/// Whether the payload is an availability toggle.
pub fn is_toggle(body: &Map<String, Value>) -> bool {
    body.contains_key("inStock") && (body.contains_key("itemID") || body.contains_key("itemId"))
}

pub fn read(body: &Map<String, Value>) -> Parsed {
    let mut parsed = Parsed::new(FORMAT);
    let location = id_text(body.get("restID"));
    let kind = body.get("type").and_then(Value::as_str).unwrap_or("item");
    let items: Vec<Option<String>> = match body.get("itemID").or_else(|| body.get("itemId")) {
        Some(Value::Array(ids)) => ids.iter().map(|v| id_text(Some(v))).collect(),
        one => vec![id_text(one)],
    };
    let Some(available) = flag(body.get("inStock")) else {
        parsed.refuse("toggle".into(), Some("inStock"), "inStock is true or false");
        return parsed;
    };
    for (i, item) in items.into_iter().enumerate() {
        let entity = item
            .as_ref()
            .map_or_else(|| format!("itemID[{i}]"), |id| format!("item {id}"));
        match (kind, item) {
            ("item", Some(item)) => parsed.push(
                entity,
                location.clone(),
                Command::Availability(AvailabilityChange {
                    location: location.clone(),
                    item,
                    available,
                }),
            ),
            ("item", None) => {
                parsed.refuse(entity, Some("itemID"), "an item id is text or a number")
            }
            (other, _) => parsed.refuse(
                entity,
                Some("type"),
                format!("only items can be switched on or off at the hub, not {other:?}"),
            ),
        }
    }
    parsed
}
