//! A transfer as this till counts it: a request to send or a transfer to
//! receive, read from the replica with this till's counts and what it did,
//! and whether it may still be counted.

use crate::store::transfers as db;
use crate::store::StoreResult;
use crate::till::TillError;
use pos_shared::sync::Batch;
use pos_shared::transfer::{
    Transfer, TransferBatch, TransferRequest, TransferRequestState, TransferState,
};
use pos_shared::{Qty, Timestamp, VariantId};
use rusqlite::Connection;
use serde::Serialize;
use uuid::Uuid;

/// Which way the goods go from this store.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// HQ asked this store to send them.
    Send,
    /// They are on their way here.
    Receive,
}

/// What was counted of one batch, or without one.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountedBatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub batch: Option<Batch>,
    pub qty: Qty,
}

/// What this till did with it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoneHere {
    pub at: Timestamp,
    pub by: String,
    pub qty: Qty,
}

/// A request to send or a transfer to receive, as this till counts it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferSheet {
    /// The request's id (to send) or the transfer's (to receive).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub id: Uuid,
    pub direction: Direction,
    pub variant_id: VariantId,
    pub name: String,
    pub sku: String,
    /// The store the goods go to (to send) or come from (to receive).
    pub other_store: String,
    /// Asked for (to send) or sent (to receive).
    pub expected: Qty,
    pub counted: Qty,
    pub counts: Vec<CountedBatch>,
    /// The batches that were sent (to receive), first expiry first.
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<Vec<TransferBatch>>"))]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sent_batches: Vec<TransferBatch>,
    #[serde(skip_serializing_if = "String::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<String>"))]
    pub note: String,
    /// When HQ asked (to send) or the source dispatched (to receive).
    pub since: Timestamp,
    /// Where the hub last said it stands: `open`, `dispatched`,
    /// `cancelled` (a request), `in_transit`, `received` (a transfer).
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub done_here: Option<DoneHere>,
}

/// The store's transfers still to do.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransfersAtStore {
    pub to_send: Vec<TransferSheet>,
    pub to_receive: Vec<TransferSheet>,
}

/// A scan taken in, and the sheet after it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferScan {
    pub added: Qty,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub batch: Option<Batch>,
    pub message: String,
    pub sheet: TransferSheet,
}

/// One of the two kinds, as the till knows it.
pub(super) enum Known {
    Send(TransferRequest),
    Receive(Transfer),
}

impl Known {
    pub(super) fn find(conn: &Connection, id: Uuid) -> StoreResult<Option<Known>> {
        if let Some(r) = db::request(conn, id)? {
            return Ok(Some(Known::Send(r)));
        }
        Ok(db::transfer(conn, id)?.map(Known::Receive))
    }

    pub(super) fn variant(&self) -> VariantId {
        match self {
            Known::Send(r) => r.variant_id,
            Known::Receive(t) => t.variant_id,
        }
    }

    pub(super) fn expected(&self) -> Qty {
        match self {
            Known::Send(r) => r.qty,
            Known::Receive(t) => t.qty,
        }
    }
}

pub(super) fn sheet_of(conn: &Connection, known: &Known) -> StoreResult<TransferSheet> {
    let (id, direction, other, note, since, state, sent_batches) = match known {
        Known::Send(r) => (
            r.request_id,
            Direction::Send,
            r.to_store_name.clone(),
            r.note.clone(),
            r.raised_at,
            r.state.as_str(),
            Vec::new(),
        ),
        Known::Receive(t) => (
            t.transfer_id,
            Direction::Receive,
            t.from_store_name.clone(),
            t.note.clone(),
            t.dispatched_at,
            t.state.as_str(),
            t.batches.clone(),
        ),
    };
    let (sku, name) = crate::store::catalog::sku_and_name(conn, known.variant())?;
    let counts: Vec<CountedBatch> = db::counts(conn, id)?
        .into_iter()
        .map(|(batch, qty)| CountedBatch { batch, qty })
        .collect();
    let counted = Qty::from_milli(counts.iter().map(|c| c.qty.milli()).sum());
    Ok(TransferSheet {
        id,
        direction,
        variant_id: known.variant(),
        name,
        sku,
        other_store: other,
        expected: known.expected(),
        counted,
        counts,
        sent_batches,
        note,
        since,
        state: state.to_owned(),
        done_here: db::done(conn, id)?.map(|d| DoneHere {
            at: d.at,
            by: d.by.name,
            qty: d.qty,
        }),
    })
}

/// The transfer, if this till may still count it; else why not.
pub(super) fn still_open(conn: &Connection, id: Uuid) -> StoreResult<Result<Known, TillError>> {
    let Some(known) = Known::find(conn, id)? else {
        return Ok(Err(TillError::NotFound("transfer")));
    };
    if let Some(done) = db::done(conn, id)? {
        let what = match known {
            Known::Send(_) => "dispatched",
            Known::Receive(_) => "received",
        };
        return Ok(Err(TillError::Conflict {
            kind: "transfer_done",
            message: format!(
                "This till already {what} it ({} by {} at {}).",
                done.qty, done.by.name, done.at
            ),
        }));
    }
    let closed = match &known {
        Known::Send(r) => match r.state {
            TransferRequestState::Open => None,
            TransferRequestState::Dispatched => {
                Some("Another till of the store already dispatched this request.")
            }
            TransferRequestState::Cancelled => {
                Some("HQ cancelled this request: keep the goods on the shelf.")
            }
        },
        Known::Receive(t) => match t.state {
            TransferState::InTransit => None,
            TransferState::Received => Some("This transfer was already received at the store."),
        },
    };
    if let Some(message) = closed {
        return Ok(Err(TillError::Conflict {
            kind: "transfer_closed",
            message: message.into(),
        }));
    }
    Ok(Ok(known))
}
