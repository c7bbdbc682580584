//! The rules a count keeps: the batch a scan counts into on arrival, no more
//! than was asked for or sent (nor than a batch sent), no more sent than the
//! store holds, and what arrived put into the batches sent.

use super::sheet::Known;
use crate::store::transfers as db;
use crate::store::StoreResult;
use crate::till::TillError;
use pos_shared::scan_code::ScannedCode;
use pos_shared::sync::Batch;
use pos_shared::transfer::{allot_arrivals, ArrivedLine, Transfer, TransferBatch};
use pos_shared::{MovementId, Qty};
use rusqlite::Connection;
use uuid::Uuid;

/// The batch a scan counts into: on arrival, the label's batch if the
/// transfer sent that batch; none when the transfer names no batches or
/// the goods are going out.
pub(super) fn batch_for(
    known: &Known,
    code: &ScannedCode,
    name: &str,
) -> Result<Option<TransferBatch>, TillError> {
    let Known::Receive(t) = known else {
        return Ok(None);
    };
    let (Some(lot), false) = (&code.batch, t.batches.is_empty()) else {
        return Ok(None);
    };
    match t.batches.iter().find(|b| &b.code == lot) {
        Some(sent) => {
            let label = code.expiry.as_ref().or(code.best_before.as_ref());
            if label.is_some_and(|day| *day != sent.expires_on) {
                return Err(TillError::ScanRefused {
                    kind: "batch_expiry_differs",
                    message: format!(
                        "Batch {lot} of {name} was sent expiring {}, and this label says {}: set the pack aside for HQ.",
                        sent.expires_on,
                        label.map(String::as_str).unwrap_or_default()
                    ),
                });
            }
            Ok(Some(sent.clone()))
        }
        None => Err(TillError::ScanRefused {
            kind: "batch_not_sent",
            message: format!(
                "Batch {lot} of {name} was not recorded as sent in this transfer (it sent {}): if the pack came with it, type its barcode alone to count it into the batches sent, and tell HQ.",
                t.batches
                    .iter()
                    .map(|b| b.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

/// Checks a new count of `batch` (or of no batch) against what the
/// transfer allows, and keeps it.
pub(super) fn count_to(
    conn: &Connection,
    known: &Known,
    id: Uuid,
    batch: Option<&TransferBatch>,
    qty: Qty,
) -> StoreResult<Result<(), TillError>> {
    let code = batch.map(|b| b.code.as_str());
    let others: i64 = db::counts(conn, id)?
        .iter()
        .filter(|(b, _)| b.as_ref().map(|b| b.code.as_str()) != code)
        .map(|(_, q)| q.milli())
        .sum();
    if let Some(sent) = batch.filter(|b| qty > b.qty) {
        return Ok(Err(TillError::ScanRefused {
            kind: "more_than_expected",
            message: format!(
                "Only {} of batch {} were sent: count again, or set the extra aside.",
                sent.qty, sent.code
            ),
        }));
    }
    let expected = known.expected();
    if others + qty.milli() > expected.milli() {
        let what = match known {
            Known::Send(_) => "were asked for",
            Known::Receive(_) => "were sent",
        };
        return Ok(Err(TillError::ScanRefused {
            kind: "more_than_expected",
            message: format!(
                "Only {expected} {what}; this would count {}: count again, or set the extra aside.",
                Qty::from_milli(others + qty.milli())
            ),
        }));
    }
    if let Err(e) = within_stock(conn, known, Qty::from_milli(others + qty.milli()))? {
        return Ok(Err(e));
    }
    let batch = batch.map(|b| Batch {
        code: b.code.clone(),
        expires_on: b.expires_on.clone(),
    });
    db::set_count(conn, id, batch.as_ref(), qty)?;
    Ok(Ok(()))
}

/// Goods going out may not pass what the store holds as this till knows it:
/// more on the shelf than in the ledger wants a stock take first, or the
/// store's stock would go below nothing at the hub.
pub(super) fn within_stock(
    conn: &Connection,
    known: &Known,
    counted: Qty,
) -> StoreResult<Result<(), TillError>> {
    let Known::Send(request) = known else {
        return Ok(Ok(()));
    };
    let held = crate::store::on_hand(conn, request.variant_id)?;
    if counted > held {
        return Ok(Err(TillError::ScanRefused {
            kind: "more_than_in_stock",
            message: format!(
                "The store holds only {} as this till knows it; this would send {counted}. Send what is there, or have the item counted (a stock take) if the shelf holds more.",
                held.max(Qty::ZERO)
            ),
        }));
    }
    Ok(Ok(()))
}

/// What arrived, line by line: counted batches as counted, and what was
/// counted without a batch put into the batches sent first expiry first
/// (as far as each still has room), the rest without a batch.
pub(super) fn arrived_lines(t: &Transfer, counts: &[(Option<Batch>, Qty)]) -> Vec<ArrivedLine> {
    let in_batch = |code: &str| {
        counts
            .iter()
            .find(|(b, _)| b.as_ref().is_some_and(|b| b.code == code))
            .map_or(0, |(_, q)| q.milli())
    };
    let loose: i64 = counts
        .iter()
        .filter(|(b, _)| b.is_none())
        .map(|(_, q)| q.milli())
        .sum();
    let room: Vec<i64> = t
        .batches
        .iter()
        .map(|b| (b.qty.milli() - in_batch(&b.code)).max(0))
        .collect();
    let allotted = allot_arrivals(&room, loose);
    let mut lines = Vec::new();
    for (b, extra) in t.batches.iter().zip(&allotted) {
        let qty = in_batch(&b.code) + extra;
        if qty > 0 {
            lines.push(ArrivedLine {
                batch: Some(Batch {
                    code: b.code.clone(),
                    expires_on: b.expires_on.clone(),
                }),
                qty: Qty::from_milli(qty),
                movement_id: MovementId::new(),
            });
        }
    }
    let rest = loose - allotted.iter().sum::<i64>();
    if rest > 0 {
        lines.push(ArrivedLine {
            batch: None,
            qty: Qty::from_milli(rest),
            movement_id: MovementId::new(),
        });
    }
    lines
}
