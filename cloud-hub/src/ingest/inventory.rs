//! An ERP's or WMS's inventory, in the shape of Unicommerce's updates:
//! absolute snapshots, `{"inventorySnapshots": [{"itemSKU", "facilityCode",
//! "inventory", "updated"}]}`, and deltas, `{"inventoryAdjustments":
//! [{"adjustmentId", "itemSKU", "facilityCode", "quantity",
//! "adjustmentType": "ADD" | "REMOVE", "updated"}]}`. `facilityCode` names
//! the store at the source; `updated` (RFC 3339) orders snapshots and deltas,
//! and may be given once at the top for every line.
//!
//! A snapshot line says what is on hand as of then, so sending it again
//! changes nothing; a delta is applied once by its `adjustmentId`.

use super::{id_text, Command, Parsed, StockChange, StockFigure, Unreadable};
use pos_shared::{Qty, Timestamp};
use serde_json::{Map, Value};

pub const SNAPSHOT: &str = "inventory_snapshot";
pub const DELTA: &str = "inventory_delta";

pub fn read(body: &Map<String, Value>) -> Result<Parsed, Unreadable> {
    let default_at = body.get("updated");
    if let Some(lines) = body.get("inventorySnapshots") {
        let lines = lines
            .as_array()
            .ok_or_else(|| Unreadable("inventorySnapshots is not a list".into()))?;
        let mut parsed = Parsed::new(SNAPSHOT);
        for (i, line) in lines.iter().enumerate() {
            let entity = entity(line, i);
            match figure(line, default_at) {
                Ok(f) => parsed.push(entity, Some(f.location.clone()), Command::StockFigure(f)),
                Err((field, detail)) => parsed.refuse(entity, Some(field), detail),
            }
        }
        return Ok(parsed);
    }
    if let Some(lines) = body.get("inventoryAdjustments") {
        let lines = lines
            .as_array()
            .ok_or_else(|| Unreadable("inventoryAdjustments is not a list".into()))?;
        let mut parsed = Parsed::new(DELTA);
        for (i, line) in lines.iter().enumerate() {
            let entity = entity(line, i);
            match change(line, default_at) {
                Ok(c) => parsed.push(entity, Some(c.location.clone()), Command::StockChange(c)),
                Err((field, detail)) => parsed.refuse(entity, Some(field), detail),
            }
        }
        return Ok(parsed);
    }
    Err(Unreadable(
        "an inventory update has inventorySnapshots or inventoryAdjustments".into(),
    ))
}

fn entity(line: &Value, i: usize) -> String {
    match (
        id_text(line.get("itemSKU")),
        id_text(line.get("facilityCode")),
    ) {
        (Some(sku), Some(facility)) => format!("{sku} at {facility}"),
        _ => format!("line {i}"),
    }
}

type Refused = (&'static str, String);

fn common(
    line: &Value,
    default_at: Option<&Value>,
) -> Result<(String, String, Timestamp), Refused> {
    let sku =
        id_text(line.get("itemSKU")).ok_or(("itemSKU", "the line has no itemSKU".to_owned()))?;
    let location = id_text(line.get("facilityCode"))
        .ok_or(("facilityCode", "the line has no facilityCode".to_owned()))?;
    let at = line
        .get("updated")
        .or(default_at)
        .ok_or(("updated", "the line has no updated time".to_owned()))?;
    let at: Timestamp = serde_json::from_value(at.clone())
        .map_err(|_| ("updated", format!("{at} is not an RFC 3339 time")))?;
    Ok((sku, location, at))
}

fn quantity(value: Option<&Value>, field: &'static str) -> Result<Qty, Refused> {
    let text = match value {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.trim().to_owned(),
        _ => return Err((field, format!("{field} is a number"))),
    };
    let q = Qty::parse(&text).map_err(|_| (field, format!("{text:?} is not a quantity")))?;
    if q.abs_milli() > pos_shared::limits::MAX_POSITION.abs_milli() {
        return Err((field, format!("{text} is beyond any stock position")));
    }
    Ok(q)
}

fn figure(line: &Value, default_at: Option<&Value>) -> Result<StockFigure, Refused> {
    let (sku, location, as_of) = common(line, default_at)?;
    let quantity = quantity(line.get("inventory"), "inventory")?;
    if quantity.milli() < 0 {
        return Err(("inventory", "stock on hand is not negative".into()));
    }
    Ok(StockFigure {
        sku,
        location,
        quantity,
        as_of,
    })
}

fn change(line: &Value, default_at: Option<&Value>) -> Result<StockChange, Refused> {
    let (sku, location, at) = common(line, default_at)?;
    let external_id = id_text(line.get("adjustmentId"))
        .ok_or(("adjustmentId", "the line has no adjustmentId".to_owned()))?;
    let size = quantity(line.get("quantity"), "quantity")?;
    if !size.is_positive() {
        return Err(("quantity", "an adjustment moves more than nothing".into()));
    }
    let change = match line
        .get("adjustmentType")
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("ADD") => size,
        Some("REMOVE") => Qty::from_milli(-size.milli()),
        _ => return Err(("adjustmentType", "adjustmentType is ADD or REMOVE".into())),
    };
    Ok(StockChange {
        external_id,
        sku,
        location,
        change,
        at,
    })
}
