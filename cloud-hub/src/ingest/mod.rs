//! Ingestion: what source systems push, read by one adapter per format into
//! canonical commands, normalised, and applied to the catalog and the ledger
//! with the source's ids mapped to the hub's.
//!
//! - `menu.rs`: a restaurant POS's menu push (PetPooja/UrbanPiper shape:
//!   categories, items, variations, add-on groups, taxes, availability);
//! - `availability.rs`: a restaurant POS's item on/off toggle;
//! - `inventory.rs`: an ERP/WMS's inventory (Unicommerce shape: absolute
//!   snapshots and deltas per SKU and facility);
//! - `normalize.rs`: titles cleaned, units and packs read ("500 GM",
//!   "0.5kg" → 500 g), required fields checked;
//! - `seller.rs`: a seller's bulk feed (CSV or JSON Lines, the columns of
//!   `hubctl import`'s catalog file, `pos_shared::catalog_row`), row by row;
//! - `apply.rs`: the commands applied through storage, entity by entity, as
//!   one run with its counts, errors and events; `holds.rs` the source's
//!   holds on items (toggles, items off the menu), `stock.rs` stock lines in
//!   batches;
//! - `worker.rs`: the task that takes archived webhooks off the durable
//!   queue and applies them;
//! - `seller_worker.rs`: the task that applies queued seller feeds, row by
//!   row, keeping the rows it refuses for review.
//!
//! Adapters are pure: bytes in, commands (or per-entity errors) out, no I/O,
//! so they are tested with generated payloads by the thousand.

pub mod apply;
pub mod availability;
pub mod fuzz;
mod holds;
pub mod inventory;
pub mod menu;
pub mod normalize;
pub mod seller;
pub mod seller_worker;
mod stock;
pub mod worker;

use crate::domain::ingestion::{RunError, SourceKind};
use pos_shared::item::ItemDetails;
use pos_shared::modifiers::ModifierGroup;
use pos_shared::tax::TaxClass;
use pos_shared::{Currency, Gtin, Money, Qty, Timestamp};

/// Where a command's item belongs in the category tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryRef {
    /// A category the same source sent, by its id.
    External(String),
    /// A path of names from the top ("Dairy > Milk"); missing levels are made.
    Path(Vec<String>),
}

/// A category as the source has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryUpsert {
    pub external_id: String,
    pub name: String,
    pub parent: Option<String>,
    pub position: u32,
}

/// One sellable variant of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantUpsert {
    pub external_id: String,
    /// `None`: the hub names it `<source code>-<external id>`.
    pub sku: Option<String>,
    pub name: String,
    /// `None`: a variant new to the catalog gets an in-store EAN-13, and an
    /// existing one keeps its barcode.
    pub barcode: Option<Gtin>,
    pub price: Money,
    pub tax: Option<TaxClass>,
    pub modifiers: Vec<ModifierGroup>,
    pub details: ItemDetails,
    /// Barcodes besides `barcode`; `None`: as they are (none for a new one).
    pub extra_barcodes: Option<Vec<Gtin>>,
    /// Its key on the quick-key grid; `None`: as it is.
    pub quick_key: Option<Option<u16>>,
    /// What the source did not say, left as the catalog has it.
    pub keep: Keep,
}

/// Fields of a variant a source's input may leave out (a catalog file
/// without that column): an existing variant keeps them as they are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Keep {
    pub tax: bool,
    pub unit: bool,
    pub pack: bool,
    pub image_urls: bool,
    pub attributes: bool,
}

/// An item (a product and its variants) as the source has it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemUpsert {
    pub external_id: String,
    pub name: String,
    pub brand: Option<String>,
    pub category: Option<CategoryRef>,
    pub synonyms: Vec<String>,
    pub variants: Vec<VariantUpsert>,
    /// Whether it can be sold at the payload's stores now (`None`: not said).
    pub available: Option<bool>,
}

/// An item switched on or off at some of the source's stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilityChange {
    /// The source's id of the store; `None`: every store it feeds.
    pub location: Option<String>,
    /// The source's item (or variation) id.
    pub item: String,
    pub available: bool,
}

/// An absolute stock figure: `quantity` on hand at `location` as of `as_of`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockFigure {
    pub sku: String,
    pub location: String,
    pub quantity: Qty,
    pub as_of: Timestamp,
}

/// A change to stock the source made, once by its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockChange {
    pub external_id: String,
    pub sku: String,
    pub location: String,
    pub change: Qty,
    pub at: Timestamp,
}

/// What a payload asks of the hub, entity by entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Category(CategoryUpsert),
    Item(ItemUpsert),
    Availability(AvailabilityChange),
    StockFigure(StockFigure),
    StockChange(StockChange),
}

/// A command and what the input calls its entity, for errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub name: String,
    /// The payload's store for this entity (a menu's `restID`), when it has one.
    pub location: Option<String>,
    pub command: Command,
}

/// A payload read: its format, its commands in the order to apply them, and
/// the entities that could not be read (each refused alone).
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub format: &'static str,
    pub entities: Vec<Entity>,
    pub errors: Vec<RunError>,
    /// For a full listing (a menu push): every item id it names, read or
    /// refused, and the store it is for. The source's items it leaves out
    /// are off that store's menu.
    pub listing: Option<Listing>,
}

/// The items a full listing names, at one of the source's stores (`None`:
/// every store it feeds).
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub location: Option<String>,
    pub items: std::collections::HashSet<String>,
}

impl Parsed {
    pub fn new(format: &'static str) -> Self {
        Parsed {
            format,
            ..Default::default()
        }
    }

    pub fn push(&mut self, name: String, location: Option<String>, command: Command) {
        self.entities.push(Entity {
            name,
            location,
            command,
        });
    }

    pub fn refuse(&mut self, entity: String, field: Option<&str>, detail: impl Into<String>) {
        self.errors.push(RunError {
            entity,
            field: field.map(str::to_owned),
            detail: detail.into(),
        });
    }
}

/// What adapters need to know of the tenant.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub currency: Currency,
    /// The hub's clock as the payload is read.
    pub now: Timestamp,
}

/// A payload none of the source's adapters can read at all: not JSON, or
/// not a shape its kind sends.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(pub String);

/// Reads a payload with the adapter its source's kind and its shape call for.
pub fn read(kind: SourceKind, body: &[u8], ctx: Context) -> Result<Parsed, Unreadable> {
    // A byte-order mark, as some Windows exporters write one, is not JSON.
    let body = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body);
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Unreadable(format!("the body is not JSON: {e}")))?;
    let object = value
        .as_object()
        .ok_or_else(|| Unreadable("the body is not a JSON object".into()))?;
    match kind {
        SourceKind::RestaurantPos if menu::is_menu(object) => Ok(menu::read(object, ctx)),
        SourceKind::RestaurantPos if availability::is_toggle(object) => {
            Ok(availability::read(object))
        }
        SourceKind::RestaurantPos => Err(Unreadable(
            "neither a menu push (items, categories) nor an item availability toggle (type, inStock, itemID)".into(),
        )),
        SourceKind::Erp => inventory::read(object, ctx.now),
        SourceKind::Seller => Err(Unreadable(
            "a seller's catalog comes as a feed (POST /v1/sources/{source_id}/feeds), not a webhook".into(),
        )),
    }
}

/// Reads a JSON value as a money amount in major units ("250", "249.50",
/// 249.5), exactly (no floating point: the text is read as decimal).
pub fn money(value: &serde_json::Value, currency: Currency) -> Result<Money, String> {
    let text = match value {
        serde_json::Value::String(s) => s.trim().to_owned(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return Err("not a price".into()),
    };
    Money::parse_decimal(&text, currency).map_err(|e| e.to_string())
}

/// A JSON string or number as text (ids are sent either way).
pub fn id_text(value: Option<&serde_json::Value>) -> Option<String> {
    match value? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A flag sent as `true`, `1`, `"1"`, `"true"`, `"yes"` (and their opposites).
pub fn flag(value: Option<&serde_json::Value>) -> Option<bool> {
    match value? {
        serde_json::Value::Bool(b) => Some(*b),
        serde_json::Value::Number(n) => n.as_i64().map(|n| n != 0),
        serde_json::Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "y" => Some(true),
            "0" | "false" | "no" | "n" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn seeds() -> Vec<(SourceKind, serde_json::Value)> {
        vec![
            (
                SourceKind::RestaurantPos,
                json!({
                    "restaurants": [{"restaurantid": "R1"}],
                    "categories": [{"categoryid": "C1", "categoryname": "Mains", "parent_category_id": "0"}],
                    "taxes": [{"taxid": "T1", "tax": "2.5"}, {"taxid": "T2", "tax": "2.5"}],
                    "addongroups": [{"addongroupid": "A1", "addongroup_name": "Extras",
                        "addongroupitems": [{"addonitemid": "X", "addonitem_name": "Cheese", "addonitem_price": "20"}]}],
                    "items": [{"itemid": "I1", "itemname": "DAL 500 GM", "item_categoryid": "C1", "price": "120",
                        "item_tax": "T1,T2", "addon": [{"addon_group_id": "A1", "addon_item_selection_max": "1"}],
                        "variation": [{"variationid": "V1", "name": "Half", "price": "70"}]}]
                }),
            ),
            (
                SourceKind::RestaurantPos,
                json!({"restID": "R1", "type": "item", "inStock": false, "itemID": ["I1", 7]}),
            ),
            (
                SourceKind::Erp,
                json!({"updated": "2026-12-01T10:00:00Z", "inventorySnapshots": [
                    {"itemSKU": "A", "facilityCode": "W", "inventory": 3}]}),
            ),
            (
                SourceKind::Erp,
                json!({"inventoryAdjustments": [{"adjustmentId": "1", "itemSKU": "A", "facilityCode": "W",
                    "quantity": 2, "adjustmentType": "REMOVE", "updated": "2026-12-01T10:00:00Z"}]}),
            ),
        ]
    }

    #[test]
    fn the_seeds_read_whole() {
        let ctx = Context {
            currency: Currency::INR,
            now: Timestamp::now(),
        };
        for (kind, seed) in seeds() {
            let parsed = read(kind, seed.to_string().as_bytes(), ctx).expect("readable");
            assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
            assert!(!parsed.entities.is_empty());
        }
    }

    /// Thousands of generated payloads per adapter: every one is read into
    /// commands or refused in words, never a panic; every item read passes
    /// or fails the catalog's checks by name.
    #[test]
    fn generated_payloads_are_read_or_refused_never_a_panic() {
        let ctx = Context {
            currency: Currency::INR,
            now: Timestamp::now(),
        };
        let mut rng = fastrand::Rng::with_seed(42);
        let mut outcomes = [0usize; 3];
        for (kind, seed) in seeds() {
            for _ in 0..2500 {
                let body = fuzz::mutate(&mut |n| rng.usize(0..n), seed.clone());
                match read(kind, body.to_string().as_bytes(), ctx) {
                    Err(Unreadable(why)) => {
                        assert!(!why.is_empty());
                        outcomes[0] += 1;
                    }
                    Ok(parsed) => {
                        for e in &parsed.errors {
                            assert!(!e.detail.is_empty(), "{e:?}");
                        }
                        outcomes[if parsed.errors.is_empty() { 1 } else { 2 }] += 1;
                        for entity in &parsed.entities {
                            if let Command::Item(item) = &entity.command {
                                for v in &item.variants {
                                    let _ = apply::check_variant(v);
                                }
                            }
                        }
                    }
                }
            }
        }
        // The generator reaches every outcome: unreadable, clean, refused lines.
        assert!(outcomes.iter().all(|n| *n > 50), "{outcomes:?}");
        let _ = read(SourceKind::Seller, b"{}", ctx);
        assert!(read(SourceKind::Erp, b"\xff\xfe", ctx).is_err());
    }
}
