//! Held (parked) bills, shared by every terminal of the store through the
//! store's `held_bills` Automerge document, so a bill parked on one till can
//! be resumed on another, even while the hub is unreachable.
//!
//! Each bill is a handful of top-level keys (`<bill id>/lines`, `/held_by`,
//! `/held_at`, `/note`, `/resumed_by`), written once each, so terminals never
//! create competing nested objects. Resuming writes `/resumed_by`; two
//! terminals that resume the same bill while apart both write it, and after
//! they sync Automerge keeps both values as a conflict, which is shown rather
//! than silently resolved.

use super::{catalog, documents, StoreError, StoreResult};
use crate::pos::line::resolve_line;
use crate::pos::sale::{SaleLineRequest, SalePolicy};
use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use pos_shared::sync::DocPurpose;
use pos_shared::Timestamp;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    pub lines: Vec<SaleLineRequest>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub note: Option<String>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldBill {
    pub bill_id: String,
    pub lines: Vec<HeldLine>,
    pub note: Option<String>,
    pub held_by: String,
    pub held_at: Timestamp,
    /// Terminals that resumed it; more than one means it was resumed twice.
    pub resumed_by: Vec<String>,
    pub conflict: bool,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldLine {
    pub barcode: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub qty: Option<pos_shared::Qty>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub modifiers: Vec<String>,
}

/// Why a hold or resume is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoldRejection {
    #[error("{field}: {detail}")]
    Invalid { field: String, detail: String },
    #[error("there is no held bill {0}")]
    Unknown(String),
    #[error("bill {bill} was already resumed by {by}")]
    AlreadyResumed { bill: String, by: String },
}

fn doc_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Document(e.to_string())
}

fn key(bill: &str, field: &str) -> String {
    format!("{bill}/{field}")
}

/// Parks a bill for any terminal of the store to resume.
pub fn hold(
    conn: &Connection,
    terminal: &str,
    policy: &SalePolicy,
    request: &HoldRequest,
) -> StoreResult<Result<HeldBill, HoldRejection>> {
    if request.lines.is_empty() {
        return Ok(Err(HoldRejection::Invalid {
            field: "lines".into(),
            detail: "a held bill needs at least one line".into(),
        }));
    }
    if request
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > 200)
    {
        return Ok(Err(HoldRejection::Invalid {
            field: "note".into(),
            detail: "note must be at most 200 characters".into(),
        }));
    }
    for (i, line) in request.lines.iter().enumerate() {
        let resolved = match resolve_line(i, line, policy, &policy.today()) {
            Ok(r) => r,
            Err(e) => {
                return Ok(Err(HoldRejection::Invalid {
                    field: format!("lines[{i}]"),
                    detail: e.to_string(),
                }))
            }
        };
        if catalog::product_for_scan(conn, &resolved.lookup, resolved.alternative.as_ref())?
            .is_none()
        {
            return Ok(Err(HoldRejection::Invalid {
                field: format!("lines[{i}].barcode"),
                detail: format!(
                    "no product with barcode {} in this store's catalog",
                    line.barcode.trim()
                ),
            }));
        }
    }
    let lines: Vec<HeldLine> = request
        .lines
        .iter()
        .map(|l| HeldLine {
            barcode: l.barcode.trim().to_owned(),
            qty: l.qty,
            modifiers: l.modifiers.clone(),
        })
        .collect();
    let bill = Uuid::now_v7().to_string();
    let mut doc = documents::load(conn, DocPurpose::HeldBills)?;
    let lines_json = serde_json::to_string(&lines).map_err(doc_error)?;
    doc.put(ROOT, key(&bill, "lines"), lines_json)
        .map_err(doc_error)?;
    doc.put(ROOT, key(&bill, "held_by"), terminal)
        .map_err(doc_error)?;
    doc.put(ROOT, key(&bill, "held_at"), Timestamp::now().unix_millis())
        .map_err(doc_error)?;
    if let Some(note) = request
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        doc.put(ROOT, key(&bill, "note"), note).map_err(doc_error)?;
    }
    documents::save(conn, DocPurpose::HeldBills, &mut doc)?;
    Ok(Ok(read(&doc)?.remove(&bill).expect("the bill just held")))
}

/// Marks a held bill resumed by `terminal` and returns it for the cart.
pub fn resume(
    conn: &Connection,
    terminal: &str,
    bill: &str,
) -> StoreResult<Result<HeldBill, HoldRejection>> {
    let mut doc = documents::load(conn, DocPurpose::HeldBills)?;
    let Some(current) = read(&doc)?.remove(bill) else {
        return Ok(Err(HoldRejection::Unknown(bill.to_owned())));
    };
    if let Some(by) = current.resumed_by.first() {
        return Ok(Err(HoldRejection::AlreadyResumed {
            bill: bill.to_owned(),
            by: by.clone(),
        }));
    }
    let stamp = format!("{terminal} at {}", Timestamp::now());
    doc.put(ROOT, key(bill, "resumed_by"), stamp)
        .map_err(doc_error)?;
    documents::save(conn, DocPurpose::HeldBills, &mut doc)?;
    Ok(Ok(read(&doc)?.remove(bill).expect("the bill just resumed")))
}

/// Every bill in the store's document, oldest first.
pub fn all(conn: &Connection) -> StoreResult<Vec<HeldBill>> {
    let doc = documents::load(conn, DocPurpose::HeldBills)?;
    let mut bills: Vec<HeldBill> = read(&doc)?.into_values().collect();
    bills.sort_by(|a, b| (a.held_at, &a.bill_id).cmp(&(b.held_at, &b.bill_id)));
    Ok(bills)
}

fn read(doc: &impl ReadDoc) -> StoreResult<BTreeMap<String, HeldBill>> {
    let mut bills: BTreeMap<String, HeldBill> = BTreeMap::new();
    let text = |k: &str| -> Option<String> {
        doc.get(ROOT, k)
            .ok()
            .flatten()
            .and_then(|(v, _)| v.as_str().map(str::to_owned))
    };
    for k in doc.keys(ROOT) {
        let Some((bill, "lines")) = k.split_once('/') else {
            continue;
        };
        let Some(lines) = text(&k) else { continue };
        let lines: Vec<HeldLine> = serde_json::from_str(&lines)
            .map_err(|e| StoreError::Document(format!("held bill {bill}: {e}")))?;
        let held_at = doc
            .get(ROOT, key(bill, "held_at"))
            .ok()
            .flatten()
            .and_then(|(v, _)| v.as_i64())
            .unwrap_or(0);
        // Every concurrent value, so a double resume shows as two.
        let resumed_by: Vec<String> = doc
            .get_all(ROOT, key(bill, "resumed_by"))
            .map_err(doc_error)?
            .into_iter()
            .filter_map(|(v, _)| v.as_str().map(str::to_owned))
            .collect();
        bills.insert(
            bill.to_owned(),
            HeldBill {
                bill_id: bill.to_owned(),
                lines,
                note: text(&key(bill, "note")),
                held_by: text(&key(bill, "held_by")).unwrap_or_default(),
                held_at: Timestamp::from_unix_millis(held_at),
                conflict: resumed_by.len() > 1,
                resumed_by,
            },
        );
    }
    Ok(bills)
}
