//! Held (parked) bills, shared by every terminal of the store through the
//! store's `held_bills` Automerge document, so a bill parked on one till can
//! be resumed on another, even while the hub is unreachable.
//!
//! A bill keeps everything the cart had: each line as rung up (quantity,
//! modifiers, discount, price override, selling past use-by) with its name,
//! the bill discount, the customer, who held it, the senior who approved its
//! discounts (name and staff id, never a PIN) and its total, all as priced
//! at hold time ([`crate::till::held_bills`] prices it as a quote does).
//!
//! Each bill is a handful of top-level keys (`<bill id>/lines`, `/held_by`,
//! `/held_at`, `/note`, `/cashier`, `/customer`, `/bill_discount`,
//! `/approved_by`, `/total`, `/resumed_by`), written once each, so terminals
//! never create competing nested objects. Resuming writes `/resumed_by`; two
//! terminals that resume the same bill while apart both write it, and after
//! they sync Automerge keeps both values as a conflict, which is shown rather
//! than silently resolved.
//!
//! Bills held by older agents have only `lines` (barcode, qty, modifiers),
//! `held_by`, `held_at` and `note`: they still read, each line named by its
//! barcode and the total zero (nothing was priced then; the cart's quote
//! prices them on resume).

use super::{documents, StoreError, StoreResult};
use crate::pos::discounts::DiscountRequest;
use crate::pos::sale::{PriceOverrideRequest, SaleLineRequest};
use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use pos_shared::sale::SaleCashier;
use pos_shared::sync::DocPurpose;
use pos_shared::{Money, Timestamp};
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
    /// A discount on the whole bill, as a sale takes it.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub bill_discount: Option<DiscountRequest>,
    /// A senior's code and PIN, for discounts or overrides beyond the
    /// cashier's limit: checked now and kept as their name, never the PIN.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub approval: Option<crate::pos::discounts::Approval>,
    /// The customer's mobile number, if they gave it.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub customer_phone: Option<String>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldBill {
    pub bill_id: String,
    pub lines: Vec<HeldLine>,
    pub note: Option<String>,
    /// The terminal it was held on.
    pub held_by: String,
    pub held_at: Timestamp,
    /// Terminals that resumed it; more than one means it was resumed twice.
    pub resumed_by: Vec<String>,
    pub conflict: bool,
    /// What the bill came to when it was held (zero for a bill an older
    /// agent held: it kept no total).
    pub total: Money,
    /// Who was signed in when it was held.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub cashier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub customer_phone: Option<String>,
    /// The store's name for that customer, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub customer_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub bill_discount: Option<DiscountRequest>,
    /// The senior who approved its discounts or overrides: their name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub approved_by: Option<String>,
    /// That senior's staff id and name, for the sale that resumes the bill.
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub approver: Option<SaleCashier>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldLine {
    pub barcode: String,
    /// The item's name when the bill was held (the barcode for a bill an
    /// older agent held).
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub qty: Option<pos_shared::Qty>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub modifiers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub discount: Option<DiscountRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub price_override: Option<PriceOverrideRequest>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<bool>"))]
    pub sell_expired: bool,
}

impl HeldLine {
    /// The line as the cart rang it up, with its name at hold time.
    pub fn new(line: &SaleLineRequest, name: String) -> Self {
        HeldLine {
            barcode: line.barcode.trim().to_owned(),
            name,
            qty: line.qty,
            modifiers: line.modifiers.clone(),
            discount: line.discount.clone(),
            price_override: line.price_override.clone(),
            sell_expired: line.sell_expired,
        }
    }

    /// Whether `line` asks for the same authority as this held line: the
    /// same item with the same discount, price override and use-by call.
    pub fn same_authority(&self, line: &SaleLineRequest) -> bool {
        self.barcode == line.barcode.trim()
            && self.discount == line.discount
            && self.price_override == line.price_override
            && self.sell_expired == line.sell_expired
    }
}

/// A bill priced and checked by the till, ready to park.
#[derive(Debug, Clone)]
pub struct NewHeldBill {
    pub lines: Vec<HeldLine>,
    pub note: Option<String>,
    pub bill_discount: Option<DiscountRequest>,
    pub customer: Option<HeldCustomer>,
    pub cashier: Option<String>,
    pub approver: Option<SaleCashier>,
    pub total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldCustomer {
    pub phone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
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

/// Checks what a hold asks before anything is priced: lines, note.
pub fn check(request: &HoldRequest) -> Result<(), HoldRejection> {
    if request.lines.is_empty() {
        return Err(HoldRejection::Invalid {
            field: "lines".into(),
            detail: "a held bill needs at least one line".into(),
        });
    }
    if let Some(note) = &request.note {
        if let Err(detail) = pos_shared::text::line("note", note, 200, true) {
            return Err(HoldRejection::Invalid {
                field: "note".into(),
                detail,
            });
        }
    }
    Ok(())
}

/// Parks a bill, priced and checked by the till, for any terminal of the
/// store to resume.
pub fn hold(conn: &Connection, terminal: &str, bill: &NewHeldBill) -> StoreResult<HeldBill> {
    let id = Uuid::now_v7().to_string();
    let mut doc = documents::load(conn, DocPurpose::HeldBills)?;
    doc.put(ROOT, key(&id, "lines"), json(&bill.lines)?)
        .map_err(doc_error)?;
    doc.put(ROOT, key(&id, "held_by"), terminal)
        .map_err(doc_error)?;
    doc.put(ROOT, key(&id, "held_at"), Timestamp::now().unix_millis())
        .map_err(doc_error)?;
    doc.put(ROOT, key(&id, "total"), json(&bill.total)?)
        .map_err(doc_error)?;
    if let Some(note) = bill
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        doc.put(ROOT, key(&id, "note"), note).map_err(doc_error)?;
    }
    if let Some(cashier) = &bill.cashier {
        doc.put(ROOT, key(&id, "cashier"), cashier.as_str())
            .map_err(doc_error)?;
    }
    if let Some(customer) = &bill.customer {
        doc.put(ROOT, key(&id, "customer"), json(customer)?)
            .map_err(doc_error)?;
    }
    if let Some(discount) = &bill.bill_discount {
        doc.put(ROOT, key(&id, "bill_discount"), json(discount)?)
            .map_err(doc_error)?;
    }
    if let Some(approver) = &bill.approver {
        doc.put(ROOT, key(&id, "approved_by"), json(approver)?)
            .map_err(doc_error)?;
    }
    documents::save(conn, DocPurpose::HeldBills, &mut doc)?;
    Ok(read(&doc)?.remove(&id).expect("the bill just held"))
}

/// One bill of the store's document, resumed or not.
pub fn get(conn: &Connection, bill: &str) -> StoreResult<Option<HeldBill>> {
    let doc = documents::load(conn, DocPurpose::HeldBills)?;
    Ok(read(&doc)?.remove(bill))
}

/// A value kept in the document as JSON text.
fn json<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(doc_error)
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
        let mut lines: Vec<HeldLine> = serde_json::from_str(&lines)
            .map_err(|e| StoreError::Document(format!("held bill {bill}: {e}")))?;
        for line in &mut lines {
            if line.name.is_empty() {
                line.name = line.barcode.clone();
            }
        }
        // Keys an older agent never wrote read as absent.
        fn parsed<T: serde::de::DeserializeOwned>(
            bill: &str,
            field: &str,
            text: Option<String>,
        ) -> StoreResult<Option<T>> {
            text.map(|t| {
                serde_json::from_str(&t)
                    .map_err(|e| StoreError::Document(format!("held bill {bill} {field}: {e}")))
            })
            .transpose()
        }
        let customer: Option<HeldCustomer> =
            parsed(bill, "customer", text(&key(bill, "customer")))?;
        let approver: Option<SaleCashier> =
            parsed(bill, "approved_by", text(&key(bill, "approved_by")))?;
        let total: Option<Money> = parsed(bill, "total", text(&key(bill, "total")))?;
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
                total: total.unwrap_or(Money::inr(0)),
                cashier: text(&key(bill, "cashier")),
                customer_phone: customer.as_ref().map(|c| c.phone.clone()),
                customer_name: customer.and_then(|c| c.name),
                bill_discount: parsed(bill, "bill_discount", text(&key(bill, "bill_discount")))?,
                approved_by: approver.as_ref().map(|a| a.name.clone()),
                approver,
            },
        );
    }
    Ok(bills)
}
