//! Transfers at the store, offline too: whoever is signed in scans out the
//! goods HQ asked this store to send (a transfer request) and dispatches
//! them, or scans in a transfer on its way here and receives it.
//!
//! Counting checks each scan against what the transfer is: the item it
//! moves, no more than was asked for or sent, and on arrival the batches
//! that were sent (a GS1 label's batch must be one of them; a plain scan is
//! put into the sent batches first expiry first when it is received).
//! Dispatching or receiving writes the movements, the fact and this till's
//! record of it in one transaction: the stock leaves or arrives at once,
//! and the hub hears of it when the till is online. Outgoing stock leaves
//! the store's batches first expiry first at the hub, as all outgoing stock
//! that names no batch does.

use super::stock_takes::{scan_qty, scanned_product, signed_in};
use super::{Till, TillError};
use crate::store::transfers::{self as db, Done};
use crate::store::{apply_movement, outbox, StoreResult};
use pos_shared::scan_code::ScannedCode;
use pos_shared::sync::{Batch, Fact};
use pos_shared::transfer::{TransferDispatched, TransferReceived};
use pos_shared::{Qty, Timestamp};
use rusqlite::Connection;
use uuid::Uuid;

mod counting;
mod sheet;

use counting::{arrived_lines, batch_for, count_to, within_stock};
use sheet::{sheet_of, still_open, Known};
pub use sheet::{CountedBatch, Direction, DoneHere, TransferScan, TransferSheet, TransfersAtStore};

pub(super) fn invalid(field: &'static str, detail: impl Into<String>) -> TillError {
    TillError::Invalid {
        field,
        detail: detail.into(),
    }
}

/// What the store still has to send and to receive.
pub async fn list(till: &Till) -> Result<TransfersAtStore, TillError> {
    Ok(till
        .store
        .call(|c| {
            // Those this till already did are waiting for the hub's word.
            let still = |sheet: &TransferSheet| sheet.done_here.is_none();
            let mut to_send = Vec::new();
            for r in db::open_requests(c)? {
                to_send.push(sheet_of(c, &Known::Send(r))?);
            }
            to_send.retain(still);
            let mut to_receive = Vec::new();
            for t in db::in_transit(c)? {
                to_receive.push(sheet_of(c, &Known::Receive(t))?);
            }
            to_receive.retain(still);
            Ok(TransfersAtStore {
                to_send,
                to_receive,
            })
        })
        .await?)
}

pub async fn sheet(till: &Till, id: Uuid) -> Result<TransferSheet, TillError> {
    till.store
        .call(move |c| match Known::find(c, id)? {
            Some(known) => Ok(Ok(sheet_of(c, &known)?)),
            None => Ok(Err(TillError::NotFound("transfer"))),
        })
        .await?
}

/// Counts a scanned item out (a request) or in (a transfer).
pub async fn scan(
    till: &Till,
    id: Uuid,
    code: ScannedCode,
    typed: Option<Qty>,
) -> Result<TransferScan, TillError> {
    signed_in(till)?;
    till.store
        .call(move |c| {
            let known = match still_open(c, id)? {
                Ok(k) => k,
                Err(e) => return Ok(Err(e)),
            };
            let product = match scanned_product(c, &code, "set the pack aside.")? {
                Ok(p) => p,
                Err(e) => return Ok(Err(e)),
            };
            if product.variant_id != known.variant() {
                let (_, wanted) = crate::store::catalog::sku_and_name(c, known.variant())?;
                return Ok(Err(TillError::ScanRefused {
                    kind: "not_in_transfer",
                    message: format!(
                        "{} is not in this transfer, which moves {wanted}: set it aside.",
                        product.name
                    ),
                }));
            }
            let measured = product.unit.is_some_and(|u| u.is_measured());
            let added = match scan_qty(&code, typed, measured, &product.name) {
                Ok(q) => q,
                Err(e) => return Ok(Err(e)),
            };
            let batch = match batch_for(&known, &code, &product.name) {
                Ok(b) => b,
                Err(e) => return Ok(Err(e)),
            };
            let code_of = batch.as_ref().map(|b| b.code.as_str());
            let was = db::counts(c, id)?
                .into_iter()
                .find(|(b, _)| b.as_ref().map(|b| b.code.as_str()) == code_of)
                .map_or(Qty::ZERO, |(_, q)| q);
            let Some(now) = was.checked_add(added) else {
                return Ok(Err(invalid("qty", "too many")));
            };
            if let Err(e) = count_to(c, &known, id, batch.as_ref(), now)? {
                return Ok(Err(e));
            }
            let sheet = sheet_of(c, &known)?;
            let mut message = format!(
                "{}: {} of {} counted",
                product.name, sheet.counted, sheet.expected
            );
            if let Some(b) = &batch {
                message.push_str(&format!(" (batch {}: {now})", b.code));
            }
            if let (Known::Send(_), Some(lot)) = (&known, &code.batch) {
                message.push_str(&format!(
                    ". The label's batch {lot} is not recorded: the store's stock goes out first to expire first"
                ));
            }
            Ok(Ok(TransferScan {
                added,
                batch: batch.map(|b| Batch {
                    code: b.code,
                    expires_on: b.expires_on,
                }),
                message,
                sheet,
            }))
        })
        .await?
}

/// Sets a count (a recount) of one batch, or of no batch; zero takes it out.
pub async fn set_count(
    till: &Till,
    id: Uuid,
    batch_code: Option<String>,
    qty: Qty,
) -> Result<TransferSheet, TillError> {
    signed_in(till)?;
    if qty.milli() < 0 || qty > pos_shared::limits::MAX_LINE_QTY {
        return Err(invalid(
            "qty",
            format!(
                "qty must be between 0 and {}",
                pos_shared::limits::MAX_LINE_QTY
            ),
        ));
    }
    till.store
        .call(move |c| {
            let known = match still_open(c, id)? {
                Ok(k) => k,
                Err(e) => return Ok(Err(e)),
            };
            let batch_code = batch_code.filter(|c| !c.trim().is_empty());
            let batch = match (&known, batch_code) {
                (_, None) => None,
                (Known::Receive(t), Some(code)) => match t.batches.iter().find(|b| b.code == code) {
                    Some(b) => Some(b.clone()),
                    None => {
                        return Ok(Err(invalid(
                            "batch_code",
                            format!("batch {code} was not sent in this transfer"),
                        )))
                    }
                },
                (Known::Send(_), Some(_)) => {
                    return Ok(Err(invalid(
                        "batch_code",
                        "goods going out are counted without batches: the hub takes the first to expire",
                    )))
                }
            };
            let Some(unit) = crate::store::catalog::unit_of(c, known.variant())? else {
                return Ok(Err(invalid("qty", "the item is not in this till's catalog")));
            };
            if !unit.is_measured() && qty.milli() % 1000 != 0 {
                return Ok(Err(invalid("qty", "this item is counted in whole pieces")));
            }
            if let Err(e) = count_to(c, &known, id, batch.as_ref(), qty)? {
                // A recount's refusal is of the quantity typed.
                return Ok(Err(match e {
                    TillError::ScanRefused { message, .. } => invalid("qty", message),
                    other => other,
                }));
            }
            Ok(Ok(sheet_of(c, &known)?))
        })
        .await?
}

fn nudged<T>(till: &Till, done: Result<T, TillError>) -> Result<T, TillError> {
    if done.is_ok() {
        till.sync.nudge.notify_one();
    }
    done
}

/// Where finishing a transfer starts: this till already did it (the same
/// answer again), or it may still be done.
enum Finishing {
    Again(TransferSheet),
    Go(Known),
}

fn finishing(
    conn: &Connection,
    id: Uuid,
    way: Direction,
) -> StoreResult<Result<Finishing, TillError>> {
    let Some(known) = Known::find(conn, id)? else {
        return Ok(Err(TillError::NotFound("transfer")));
    };
    match (&known, way) {
        (Known::Send(_), Direction::Receive) => {
            return Ok(Err(invalid(
                "id",
                "this is a request for this store to send goods: it is dispatched here and received at the store it goes to",
            )))
        }
        (Known::Receive(_), Direction::Send) => {
            return Ok(Err(invalid(
                "id",
                "this transfer comes to this store: it is received here, and was dispatched by the store it comes from",
            )))
        }
        _ => {}
    }
    if db::done(conn, id)?.is_some() {
        return Ok(Ok(Finishing::Again(sheet_of(conn, &known)?)));
    }
    Ok(still_open(conn, id)?.map(Finishing::Go))
}

/// Writes what this till did in one transaction: the fact's movements, the
/// fact in the outbox, and the till's record of it (`out` or `in`).
fn record_done(
    conn: &mut Connection,
    device: &pos_shared::sync::DeviceCredential,
    id: Uuid,
    direction: &str,
    fact: Fact,
    done: &Done,
) -> StoreResult<()> {
    let tx = conn.transaction()?;
    for movement in fact.movements() {
        apply_movement(&tx, &movement, "local")?;
    }
    outbox::enqueue(&tx, device, done.fact_id, done.at, fact)?;
    db::mark_done(&tx, id, direction, done)?;
    tx.commit()?;
    Ok(())
}

/// Dispatches a request for what was scanned out: its `transfer_out`
/// movement, its fact and this till's record, in one transaction. Again,
/// the same answer.
pub async fn dispatch(till: &Till, id: Uuid) -> Result<TransferSheet, TillError> {
    let who = signed_in(till)?;
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    let done = till
        .store
        .call(move |c| {
            let known = match finishing(c, id, Direction::Send)? {
                Ok(Finishing::Go(known)) => known,
                Ok(Finishing::Again(sheet)) => return Ok(Ok(sheet)),
                Err(e) => return Ok(Err(e)),
            };
            let Known::Send(request) = &known else {
                return Ok(Err(TillError::Internal(
                    "a request to send was not one".into(),
                )));
            };
            let counted = sheet_of(c, &known)?.counted;
            if !counted.is_positive() {
                return Ok(Err(invalid(
                    "counted",
                    "nothing has been scanned out: scan the goods as they are packed",
                )));
            }
            // Sales since the count may have taken some of it.
            if let Err(e) = within_stock(c, &known, counted)? {
                return Ok(Err(match e {
                    TillError::ScanRefused { message, .. } => invalid("counted", message),
                    other => other,
                }));
            }
            let now = Timestamp::now();
            let fact = TransferDispatched {
                transfer_id: Uuid::now_v7(),
                request_id: request.request_id,
                store_id: device.store_id,
                terminal_id: device.terminal_id,
                variant_id: request.variant_id,
                qty: counted,
                dispatched_at: now,
                dispatched_by: who.clone(),
            };
            if let Err(e) = fact.validate() {
                return Ok(Err(TillError::Internal(format!(
                    "the dispatch does not add up: {e}"
                ))));
            }
            let done = Done {
                fact_id: fact.transfer_id,
                qty: counted,
                at: now,
                by: who,
            };
            record_done(c, &device, id, "out", Fact::TransferDispatched(fact), &done)?;
            Ok(Ok(sheet_of(c, &known)?))
        })
        .await?;
    nudged(till, done)
}

/// Receives a transfer for what was scanned in (nothing, only when
/// `nothing_arrived` says so): its `transfer_in` movements into batches,
/// its fact and this till's record, in one transaction. Again, the same.
pub async fn receive(
    till: &Till,
    id: Uuid,
    nothing_arrived: bool,
) -> Result<TransferSheet, TillError> {
    let who = signed_in(till)?;
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    let done = till
        .store
        .call(move |c| {
            let known = match finishing(c, id, Direction::Receive)? {
                Ok(Finishing::Go(known)) => known,
                Ok(Finishing::Again(sheet)) => return Ok(Ok(sheet)),
                Err(e) => return Ok(Err(e)),
            };
            let Known::Receive(transfer) = &known else {
                return Ok(Err(TillError::Internal(
                    "a transfer to receive was not one".into(),
                )));
            };
            let lines = arrived_lines(transfer, &db::counts(c, id)?);
            match (lines.is_empty(), nothing_arrived) {
                (true, false) => return Ok(Err(invalid(
                    "counted",
                    "nothing has been scanned in: scan what arrived, or confirm that nothing did",
                ))),
                (false, true) => return Ok(Err(invalid(
                    "nothing_arrived",
                    "goods were counted in: receive what was counted, or set the counts to 0 first",
                ))),
                _ => {}
            }
            let now = Timestamp::now();
            let fact = TransferReceived {
                receipt_id: Uuid::now_v7(),
                transfer_id: transfer.transfer_id,
                store_id: device.store_id,
                terminal_id: device.terminal_id,
                variant_id: transfer.variant_id,
                received_at: now,
                received_by: who.clone(),
                lines,
            };
            if let Err(e) = fact.validate() {
                return Ok(Err(TillError::Internal(format!(
                    "the receipt does not add up: {e}"
                ))));
            }
            let done = Done {
                fact_id: fact.receipt_id,
                qty: fact.arrived(),
                at: now,
                by: who,
            };
            record_done(c, &device, id, "in", Fact::TransferReceived(fact), &done)?;
            Ok(Ok(sheet_of(c, &known)?))
        })
        .await?;
    nudged(till, done)
}
