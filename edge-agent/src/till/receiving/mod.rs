//! Goods receipt (GRN) at the store: whoever is signed in takes a supplier's
//! delivery in by scanning it, against a purchase order the hub sent or
//! against none (a supplier the store has ordered from), offline too.
//!
//! Each scan adds to the line of its item and batch: a GS1 label gives the
//! batch and expiry (or they are typed for a pack without one), its count
//! or weight, and a typed quantity counts a case. A pack refused at the
//! door is scanned as damaged: it goes back with the driver and moves no
//! stock. The sheet shows the delivery against the order line by line
//! (short, excess, not ordered) before anyone posts it.
//!
//! Posting writes the receipt movements into their batches, the receipt's
//! fact to the outbox and the posted mark in one transaction: the shelf
//! stock is sellable at once, and the hub compares the delivery with the
//! order when the fact arrives. Each receipt is one delivery.

use super::stock_takes::{scan_qty, scanned_product, signed_in};
use super::{Till, TillError};
use crate::store::receiving::{self as db, ReceiptHeader, ReceiptLine, ReceiptState};
use crate::store::{apply_movement, outbox, StoreResult};
use sheet::{receivable_now, sheet_now, sheet_of};
pub use sheet::{
    AgainstOrder, DeliveredLine, ExpectedItem, KnownSupplier, OrderToReceive, ReceiptSheet,
    Receivable,
};

mod sheet;
use pos_shared::purchase::{GoodsReceived, ReceivedLine, MAX_BILL_NO, MAX_PURCHASE_LINES};
use pos_shared::scan_code::ScannedCode;
use pos_shared::sync::{Batch, Fact};
use pos_shared::{MovementId, Qty, Timestamp, VariantId};
use rusqlite::Connection;
use serde::Serialize;
use uuid::Uuid;

fn invalid(field: &'static str, detail: impl Into<String>) -> TillError {
    TillError::Invalid {
        field,
        detail: detail.into(),
    }
}

/// A scan taken in: the item and where its line stands.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceivedScan {
    pub variant_id: VariantId,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub batch: Option<Batch>,
    /// What this scan added, and whether as damaged.
    pub added: Qty,
    pub damaged: bool,
    /// The line (item and batch) now.
    pub line_received: Qty,
    pub line_damaged: Qty,
    pub message: String,
}

/// A receipt as someone starts it.
#[derive(Debug, Clone, Default)]
pub struct NewReceipt {
    pub po_id: Option<Uuid>,
    pub supplier_id: Option<Uuid>,
    pub bill_no: String,
    pub note: String,
}

/// The receipt, if it is still being scanned.
fn open_receipt(conn: &Connection, id: Uuid) -> StoreResult<Result<ReceiptHeader, TillError>> {
    let Some(header) = db::receipt(conn, id)? else {
        return Ok(Err(TillError::NotFound("goods receipt")));
    };
    if header.state != ReceiptState::Open {
        let (how, who) = match (&header.state, &header.closed) {
            (ReceiptState::Posted, Some((at, by))) => {
                ("posted", format!(" by {} at {at}", by.name))
            }
            (_, Some((at, by))) => ("cancelled", format!(" by {} at {at}", by.name)),
            _ => ("closed", String::new()),
        };
        return Ok(Err(TillError::Conflict {
            kind: "receipt_closed",
            message: format!(
                "This delivery from {} was {how}{who}: start a new receipt for more goods.",
                header.supplier_name
            ),
        }));
    }
    Ok(Ok(header))
}

fn nudged<T>(till: &Till, done: Result<T, TillError>) -> Result<T, TillError> {
    if done.is_ok() {
        till.sync.nudge.notify_one();
    }
    done
}

/// The orders the store can receive against, and its known suppliers.
pub async fn receivable(till: &Till) -> Result<Receivable, TillError> {
    Ok(till.store.call(|c| receivable_now(c)).await?)
}

/// This terminal's receipts, open ones first.
pub async fn list(till: &Till) -> Result<Vec<ReceiptSheet>, TillError> {
    Ok(till
        .store
        .call(|c| {
            db::receipts(c, 50)?
                .into_iter()
                .map(|h| sheet_of(c, h))
                .collect()
        })
        .await?)
}

pub async fn sheet(till: &Till, id: Uuid) -> Result<ReceiptSheet, TillError> {
    till.store.call(move |c| sheet_now(c, id)).await?
}

/// Starts taking a delivery in: against an order the store expects, or
/// from a supplier it knows.
pub async fn start(till: &Till, new: NewReceipt) -> Result<ReceiptSheet, TillError> {
    let who = signed_in(till)?;
    till.sync.credential().ok_or(TillError::NotEnrolled)?;
    let bill_no = pos_shared::text::line("bill_no", &new.bill_no, MAX_BILL_NO, true)
        .map_err(|why| invalid("bill_no", why))?;
    let note = new.note.trim().to_owned();
    if note.chars().count() > pos_shared::purchase::MAX_PURCHASE_NOTE {
        return Err(invalid(
            "note",
            format!(
                "the note must be at most {} characters",
                pos_shared::purchase::MAX_PURCHASE_NOTE
            ),
        ));
    }
    till.store
        .call(move |c| {
            let (po_id, supplier_id, supplier_name) = match (new.po_id, new.supplier_id) {
                (Some(po), _) => {
                    let Some(order) = db::order(c, po)? else {
                        return Ok(Err(invalid(
                            "po_id",
                            format!("no purchase order {po} has reached this till"),
                        )));
                    };
                    if !order.state.expecting() {
                        return Ok(Err(TillError::Conflict {
                            kind: "order_not_expected",
                            message: format!(
                                "{} is {}: HQ expects nothing more against it. Receive the goods without an order, and tell HQ.",
                                order.number,
                                order.state.as_str().replace('_', " ")
                            ),
                        }));
                    }
                    if new.supplier_id.is_some_and(|s| s != order.supplier_id) {
                        return Ok(Err(invalid(
                            "supplier_id",
                            format!("{} is ordered from {}", order.number, order.supplier_name),
                        )));
                    }
                    (Some(po), order.supplier_id, order.supplier_name)
                }
                (None, Some(supplier)) => {
                    let known = receivable_now(c)?
                        .suppliers
                        .into_iter()
                        .find(|s| s.supplier_id == supplier);
                    let Some(known) = known else {
                        return Ok(Err(invalid(
                            "supplier_id",
                            format!("supplier {supplier} is not one this store has ordered from"),
                        )));
                    };
                    (None, supplier, known.name)
                }
                (None, None) => {
                    return Ok(Err(invalid(
                        "po_id",
                        "name the purchase order the delivery is against, or its supplier",
                    )))
                }
            };
            if let Some(po) = po_id {
                if let Some(open) = db::open_for_order(c, po)? {
                    return Ok(Err(TillError::Conflict {
                        kind: "receipt_open",
                        message: format!(
                            "This order is already being received on this till (started by {} at {}): continue that delivery instead.",
                            open.started_by.name, open.started_at
                        ),
                    }));
                }
            }
            if !bill_no.is_empty() {
                if let Some(earlier) = db::of_bill(c, supplier_id, &bill_no)? {
                    return Ok(Err(TillError::Conflict {
                        kind: "bill_already_received",
                        message: format!(
                            "Bill {bill_no} from {supplier_name} is already on a delivery of this till (started by {} at {}): check the bill number.",
                            earlier.started_by.name, earlier.started_at
                        ),
                    }));
                }
            }
            let header = ReceiptHeader {
                receipt_id: Uuid::now_v7(),
                po_id,
                supplier_id,
                supplier_name,
                started_at: Timestamp::now(),
                started_by: who,
                bill_no,
                note,
                state: ReceiptState::Open,
                closed: None,
            };
            db::insert_receipt(c, &header)?;
            Ok(Ok(sheet_of(c, header)?))
        })
        .await?
}

/// The batch a scan takes stock into: the symbol's (AI 10 with AI 17, or
/// AI 15 where the pack has no expiry), else what was typed.
fn batch_of(code: &ScannedCode, typed: Option<Batch>) -> Result<Option<Batch>, TillError> {
    let from_label = match (
        &code.batch,
        code.expiry.as_ref().or(code.best_before.as_ref()),
    ) {
        (Some(lot), Some(day)) => Some(Batch {
            code: lot.clone(),
            expires_on: day.clone(),
        }),
        (Some(lot), None) if typed.is_none() => {
            return Err(TillError::ScanRefused {
                kind: "expiry_needed",
                message: format!(
                    "The label gives batch {lot} but no expiry date: type the expiry from the pack."
                ),
            })
        }
        _ => None,
    };
    if let (Some(label), Some(typed)) = (&from_label, &typed) {
        if label != typed {
            return Err(TillError::ScanRefused {
                kind: "batch_differs",
                message: format!(
                    "The label gives batch {} expiring {}: clear the batch typed ({} expiring {}), which is for packs without one.",
                    label.code, label.expires_on, typed.code, typed.expires_on
                ),
            });
        }
    }
    let batch = from_label.or(typed);
    if let Some(b) = &batch {
        b.validate().map_err(|(field, detail)| TillError::Invalid {
            field: if field == "code" {
                "batch.code"
            } else {
                "batch.expires_on"
            },
            detail,
        })?;
    }
    Ok(batch)
}

/// Whether stock of `variant` in batch `b` may go in: its date must be the
/// one the batch is known under (the store's, once the hub has said), and
/// an expired pack goes back as damaged, never `into_stock`.
fn batch_allowed(
    conn: &rusqlite::Connection,
    variant: VariantId,
    name: &str,
    b: &Batch,
    into_stock: bool,
) -> StoreResult<Result<(), TillError>> {
    let known = db::known_expiries(conn, variant, &b.code)?;
    if let Some(other) = known.iter().find(|d| **d != b.expires_on) {
        return Ok(Err(TillError::ScanRefused {
            kind: "batch_expiry_differs",
            message: format!(
                "Batch {} of {name} is known expiring {other}, and this says {}: check the pack, and set it aside for HQ if they differ.",
                b.code, b.expires_on
            ),
        }));
    }
    let today = time::OffsetDateTime::now_utc().date();
    let expired = pos_shared::sync::parse_day(&b.expires_on).is_some_and(|d| d < today);
    if expired && into_stock {
        return Ok(Err(TillError::ScanRefused {
            kind: "expired",
            message: format!(
                "{name} batch {} expired on {}: send it back (tick Damaged and scan it again).",
                b.code, b.expires_on
            ),
        }));
    }
    Ok(Ok(()))
}

/// How much one scan takes in: a typed quantity counts packs like the one
/// scanned, so with a label that carries its weight or count it is that
/// many labels' worth (a case of 12 tins, three 25 kg sacks); otherwise as
/// a count takes it.
fn receive_qty(
    code: &ScannedCode,
    typed: Option<Qty>,
    measured: bool,
    name: &str,
) -> Result<Qty, TillError> {
    let per_pack = code
        .net_weight
        .or(code.count.map(|n| Qty::from_milli(i64::from(n) * 1000)));
    let (Some(packs), Some(pack)) = (typed, per_pack) else {
        return scan_qty(code, typed, measured, name);
    };
    if !packs.is_positive() || packs.milli() % 1000 != 0 {
        return Err(invalid(
            "qty",
            format!("type how many packs, a whole number: each label says {pack}"),
        ));
    }
    let qty = pack
        .milli()
        .checked_mul(packs.milli() / 1000)
        .map(Qty::from_milli)
        .filter(|q| *q <= pos_shared::limits::MAX_LINE_QTY)
        .ok_or_else(|| {
            invalid(
                "qty",
                format!("at most {} a scan", pos_shared::limits::MAX_LINE_QTY),
            )
        })?;
    // The label's own quantity, checked as a scan of one pack is.
    scan_qty(code, None, measured, name)?;
    Ok(qty)
}

/// Takes a scanned item into the receipt: adds to its line (item and
/// batch), as received or as damaged.
pub async fn scan(
    till: &Till,
    id: Uuid,
    code: ScannedCode,
    typed: Option<Qty>,
    typed_batch: Option<Batch>,
    damaged: bool,
) -> Result<ReceivedScan, TillError> {
    signed_in(till)?;
    let batch = batch_of(&code, typed_batch)?;
    till.store
        .call(move |c| {
            let header = match open_receipt(c, id)? {
                Ok(h) => h,
                Err(e) => return Ok(Err(e)),
            };
            let product = match scanned_product(
                c,
                &code,
                "set the pack aside and ask HQ to add the item before it is received.",
            )? {
                Ok(p) => p,
                Err(e) => return Ok(Err(e)),
            };
            let measured = product.unit.is_some_and(|u| u.is_measured());
            let added = match receive_qty(&code, typed, measured, &product.name) {
                Ok(q) => q,
                Err(e) => return Ok(Err(e)),
            };
            let variant = product.variant_id;
            if let Some(b) = &batch {
                if let Err(e) = batch_allowed(c, variant, &product.name, b, !damaged)? {
                    return Ok(Err(e));
                }
            }
            let batch_code = batch.as_ref().map(|b| b.code.clone()).unwrap_or_default();
            let (was_received, was_damaged) =
                db::line(c, id, variant, &batch_code)?.unwrap_or((Qty::ZERO, Qty::ZERO));
            if was_received == Qty::ZERO
                && was_damaged == Qty::ZERO
                && db::lines(c, id)?.len() >= MAX_PURCHASE_LINES
            {
                return Ok(Err(invalid(
                    "code",
                    format!("a receipt has at most {MAX_PURCHASE_LINES} lines: post this one and start another"),
                )));
            }
            let grow = |q: Qty| {
                q.checked_add(added)
                    .filter(|n| *n <= pos_shared::limits::MAX_LINE_QTY)
            };
            let (received, broken) = match damaged {
                false => (grow(was_received), Some(was_damaged)),
                true => (Some(was_received), grow(was_damaged)),
            };
            let (Some(received), Some(broken)) = (received, broken) else {
                return Ok(Err(invalid(
                    "qty",
                    format!("a line holds at most {}", pos_shared::limits::MAX_LINE_QTY),
                )));
            };
            db::set_line(c, id, variant, batch.as_ref(), received, broken)?;
            let mut message = match damaged {
                false => format!("{}: {received} received", product.name),
                true => format!("{}: {broken} damaged, going back", product.name),
            };
            if let Some(b) = &batch {
                message.push_str(&format!(" (batch {}, expires {})", b.code, b.expires_on));
            }
            if let Some(po) = header.po_id.map(|p| db::order(c, p)).transpose()?.flatten() {
                if !po.lines.iter().any(|l| l.variant_id == variant) {
                    message.push_str(&format!(
                        ". Not on {}: it will show as not ordered.",
                        po.number
                    ));
                }
            }
            Ok(Ok(ReceivedScan {
                variant_id: variant,
                name: product.name,
                batch,
                added,
                damaged,
                line_received: received,
                line_damaged: broken,
                message,
            }))
        })
        .await?
}

/// Sets a line's figures (a recount); both zero takes the line out.
pub async fn set_line(
    till: &Till,
    id: Uuid,
    variant: VariantId,
    batch: Option<Batch>,
    received: Qty,
    damaged: Qty,
) -> Result<ReceiptSheet, TillError> {
    signed_in(till)?;
    for (field, qty) in [("received", received), ("damaged", damaged)] {
        if qty.milli() < 0 || qty > pos_shared::limits::MAX_LINE_QTY {
            return Err(invalid(
                field,
                format!(
                    "{field} must be between 0 and {}",
                    pos_shared::limits::MAX_LINE_QTY
                ),
            ));
        }
    }
    if let Some(b) = &batch {
        b.validate().map_err(|(field, detail)| TillError::Invalid {
            field: if field == "code" {
                "batch.code"
            } else {
                "batch.expires_on"
            },
            detail,
        })?;
    }
    till.store
        .call(move |c| {
            if let Err(e) = open_receipt(c, id)? {
                return Ok(Err(e));
            }
            let Some(unit) = crate::store::catalog::unit_of(c, variant)? else {
                return Ok(Err(invalid(
                    "variant_id",
                    format!("no item {variant} in this store's catalog"),
                )));
            };
            if !unit.is_measured() && (received.milli() % 1000 != 0 || damaged.milli() % 1000 != 0)
            {
                return Ok(Err(invalid(
                    "received",
                    "this item is received in whole pieces",
                )));
            }
            // A recount meets the rules a scan does: the batch's date, and no
            // expired stock taken in.
            if let Some(b) = &batch {
                let (_, name) = crate::store::catalog::sku_and_name(c, variant)?;
                if let Err(e) = batch_allowed(c, variant, &name, b, received.is_positive())? {
                    return Ok(Err(e));
                }
            }
            db::set_line(c, id, variant, batch.as_ref(), received, damaged)?;
            sheet_now(c, id)
        })
        .await?
}

/// Posts the receipt: its receipt movements into the local ledger, its
/// fact into the outbox and its posted mark, in one transaction.
pub async fn post(till: &Till, id: Uuid) -> Result<ReceiptSheet, TillError> {
    let who = signed_in(till)?;
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    let done = till
        .store
        .call(move |c| {
            // Posted already (a retry after a lost answer): the same answer.
            if db::receipt(c, id)?.is_some_and(|h| h.state == ReceiptState::Posted) {
                return sheet_now(c, id);
            }
            let header = match open_receipt(c, id)? {
                Ok(h) => h,
                Err(e) => return Ok(Err(e)),
            };
            let lines: Vec<ReceiptLine> = db::lines(c, id)?;
            if lines.is_empty() {
                return Ok(Err(invalid(
                    "lines",
                    "nothing has been scanned into this receipt: scan the delivery, or cancel it",
                )));
            }
            let received_at = Timestamp::now();
            let fact = GoodsReceived {
                receipt_id: id,
                po_id: header.po_id,
                supplier_id: header.supplier_id,
                store_id: device.store_id,
                terminal_id: device.terminal_id,
                started_at: header.started_at,
                received_at,
                received_by: who.clone(),
                bill_no: header.bill_no.clone(),
                note: header.note.clone(),
                lines: lines
                    .into_iter()
                    .map(|l| ReceivedLine {
                        movement_id: l.received.is_positive().then(MovementId::new),
                        variant_id: l.variant_id,
                        batch: l.batch,
                        received: l.received,
                        damaged: l.damaged,
                    })
                    .collect(),
            };
            if let Err(e) = fact.validate() {
                return Ok(Err(TillError::Internal(format!(
                    "the receipt does not add up: {e}"
                ))));
            }
            let tx = c.transaction()?;
            for movement in fact.movements() {
                apply_movement(&tx, &movement, "local")?;
            }
            outbox::enqueue(&tx, &device, id, received_at, Fact::GoodsReceived(fact))?;
            db::close(&tx, id, ReceiptState::Posted, received_at, &who)?;
            tx.commit()?;
            sheet_now(c, id)
        })
        .await?;
    nudged(till, done)
}

/// Cancels the receipt: nothing moves.
pub async fn cancel(till: &Till, id: Uuid) -> Result<ReceiptSheet, TillError> {
    let who = signed_in(till)?;
    till.store
        .call(move |c| {
            if db::receipt(c, id)?.is_some_and(|h| h.state == ReceiptState::Cancelled) {
                return sheet_now(c, id);
            }
            if let Err(e) = open_receipt(c, id)? {
                return Ok(Err(e));
            }
            db::close(c, id, ReceiptState::Cancelled, Timestamp::now(), &who)?;
            sheet_now(c, id)
        })
        .await?
}
