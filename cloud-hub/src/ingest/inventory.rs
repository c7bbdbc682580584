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
use std::collections::HashMap;

pub const SNAPSHOT: &str = "inventory_snapshot";
pub const DELTA: &str = "inventory_delta";
pub const BOTH: &str = "inventory_snapshot_and_delta";

/// How far ahead of the hub's clock a line's `updated` may be (clock
/// drift); later is refused, since it would hide every figure until then.
pub const FUTURE_TOLERANCE_MS: i64 = 5 * 60 * 1000;

/// Reads the snapshots and the adjustments of one payload (either or both:
/// snapshots first, as their `updated` times order them anyway).
pub fn read(body: &Map<String, Value>, now: Timestamp) -> Result<Parsed, Unreadable> {
    let default_at = body.get("updated");
    let list = |key: &str| -> Result<Option<&Vec<Value>>, Unreadable> {
        body.get(key)
            .map(|l| {
                l.as_array()
                    .ok_or_else(|| Unreadable(format!("{key} is not a list")))
            })
            .transpose()
    };
    let (snapshots, adjustments) = (list("inventorySnapshots")?, list("inventoryAdjustments")?);
    let format = match (snapshots, adjustments) {
        (None, None) => {
            return Err(Unreadable(
                "an inventory update has inventorySnapshots or inventoryAdjustments".into(),
            ))
        }
        (Some(_), None) => SNAPSHOT,
        (None, Some(_)) => DELTA,
        (Some(_), Some(_)) => BOTH,
    };
    let mut parsed = Parsed::new(format);
    let latest = now.unix_millis() + FUTURE_TOLERANCE_MS;
    let mut seen: HashMap<(String, String, i64), Qty> = HashMap::new();
    for (i, line) in snapshots.into_iter().flatten().enumerate() {
        let entity = entity(line, i);
        match figure(line, default_at).and_then(|f| not_ahead(f.as_of, latest).map(|()| f)) {
            Ok(f) => {
                // One figure per item, place and time: a second one that
                // differs cannot both be true.
                let key = (f.sku.clone(), f.location.clone(), f.as_of.unix_millis());
                match seen.insert(key, f.quantity) {
                    Some(earlier) if earlier != f.quantity => parsed.refuse(
                        entity,
                        Some("inventory"),
                        format!("a second figure ({}) for the same item, facility and time as an earlier line ({earlier})", f.quantity),
                    ),
                    Some(_) => {}
                    None => parsed.push(entity, Some(f.location.clone()), Command::StockFigure(f)),
                }
            }
            Err((field, detail)) => parsed.refuse(entity, Some(field), detail),
        }
    }
    for (i, line) in adjustments.into_iter().flatten().enumerate() {
        let entity = entity(line, i);
        match change(line, default_at).and_then(|c| not_ahead(c.at, latest).map(|()| c)) {
            Ok(c) => parsed.push(entity, Some(c.location.clone()), Command::StockChange(c)),
            Err((field, detail)) => parsed.refuse(entity, Some(field), detail),
        }
    }
    Ok(parsed)
}

fn not_ahead(at: Timestamp, latest: i64) -> Result<(), Refused> {
    if at.unix_millis() > latest {
        return Err((
            "updated",
            format!("{at} is ahead of the hub's clock ({}); a time in the future would hide every figure until then", Timestamp::from_unix_millis(latest - FUTURE_TOLERANCE_MS)),
        ));
    }
    Ok(())
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
    pos_shared::limits::check_line_qty(size).map_err(|e| ("quantity", e.to_string()))?;
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
