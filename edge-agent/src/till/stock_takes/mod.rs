//! Stock takes at the store: a manager starts a count (the whole store, a
//! category, or only what is counted), staff count by scanning on any of the
//! store's terminals, offline too, bin by bin, and a manager approves it.
//!
//! The counts live in the store's `stock_takes` document
//! ([`crate::store::stock_takes`]): each terminal's count of an item in a bin
//! is its own entry, so counts made apart add up when the documents meet.
//! An item's expected figure is what the counting terminal's ledger said when
//! it first counted the item, so sales after the count do not show as
//! missing: the approval's adjustment is `counted - expected`, added to the
//! ledger like any movement, and the sales made since stand. Another take's
//! approval since counts as part of what was expected (it corrected the
//! same shelf), so overlapping takes adjust an item once
//! ([`doc::expected_figures`]).
//!
//! Approval writes the adjustments to the local ledger and the approval's
//! facts (parts of at most 1,000 lines) to the outbox in one transaction.
//! Two terminals approving the same take while apart both write facts; the
//! hub takes the first it hears of and refuses the other, which its
//! terminal quarantines for HQ to see.

use super::session::authorize_action;
use super::{Till, TillError};
use crate::pos::discounts::Approval;
use crate::store::stock_takes::{
    self as doc, Closing, Expected, TakeClosed, TakeHeader, TakeState,
};
use crate::store::{apply_movement, outbox, StoreResult};
use pos_shared::sale::SaleCashier;
use pos_shared::scan_code::ScannedCode;
use pos_shared::staff::Role;
use pos_shared::stock_take::{
    CountScope, CountedLine, StockTakeApproved, MAX_STOCK_TAKE_NAME, MAX_STOCK_TAKE_PART_LINES,
};
use pos_shared::sync::Fact;
use pos_shared::{MovementId, Qty, Timestamp, VariantId};
use rusqlite::Connection;
use serde::Serialize;
use uuid::Uuid;

mod sheet;

use crate::store::on_hand;
use sheet::{in_replica, sheet_now, sheet_of, stocked_in_scope};
pub use sheet::{BinCount, CountedItem, TakeSheet, UncountedItem, UncountedItems};

/// The most characters a bin's label has.
pub const MAX_BIN: usize = 20;

/// A scan counted: the item and where its count stands.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountedScan {
    pub variant_id: VariantId,
    pub name: String,
    pub bin: String,
    /// What this scan added.
    pub added: Qty,
    /// This terminal's count of the item in this bin, now.
    pub here: Qty,
    /// Every bin and terminal, as this terminal knows them.
    pub counted: Qty,
    pub message: String,
}

/// What an approval sent.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApprovedTake {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub approval_id: Uuid,
    /// The facts it is sent to the hub in.
    pub parts: u32,
    pub lines: u32,
    /// Items whose count differed: one adjustment each.
    pub adjusted: u32,
    pub missing: Qty,
    pub found: Qty,
    pub sheet: TakeSheet,
}

/// A take as someone starts it.
#[derive(Debug, Clone)]
pub struct NewTake {
    pub name: String,
    pub scope: CountScope,
    pub blind: bool,
}

fn invalid(field: &'static str, detail: impl Into<String>) -> TillError {
    TillError::Invalid {
        field,
        detail: detail.into(),
    }
}

/// A bin label as typed: trimmed, at most [`MAX_BIN`] characters.
pub fn bin_label(raw: &str) -> Result<String, TillError> {
    pos_shared::text::line("bin", raw, MAX_BIN, true).map_err(|why| invalid("bin", why))
}

/// Tells the sync loop the document changed (and, after an approval, that
/// facts wait), when the use case went through.
fn nudged<T>(till: &Till, done: Result<T, TillError>, facts: bool) -> Result<T, TillError> {
    if done.is_ok() {
        till.sync.docs_nudge.notify_one();
        if facts {
            till.sync.nudge.notify_one();
        }
    }
    done
}

/// A manager's authority for `action` (signed in, or by `approval`), on an
/// enrolled till: the till and who acted.
async fn manager(
    till: &Till,
    approval: Option<&Approval>,
    action: &'static str,
) -> Result<(pos_shared::sync::DeviceCredential, SaleCashier), TillError> {
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    let who = authorize_action(till, approval, Role::Manager, action)
        .await?
        .ok_or(TillError::SignInRequired)?;
    Ok((device, who))
}

pub(super) fn signed_in(till: &Till) -> Result<SaleCashier, TillError> {
    let who = till.session.current().ok_or(TillError::SignInRequired)?;
    Ok(SaleCashier {
        staff_id: who.staff_id,
        name: who.name,
    })
}

fn open_take(conn: &Connection, id: Uuid) -> StoreResult<Result<TakeState, TillError>> {
    let Some(take) = doc::take(conn, id)? else {
        return Ok(Err(TillError::NotFound("stock take")));
    };
    if let Some(closed) = take.closed.first() {
        let how = match closed.closing {
            Closing::Approved => "approved",
            Closing::Cancelled => "cancelled",
        };
        return Ok(Err(TillError::Conflict {
            kind: "stock_take_closed",
            message: format!(
                "Stock take \"{}\" was {how} by {} at {}: start a new one to count again.",
                take.header.name, closed.by.name, closed.at
            ),
        }));
    }
    Ok(Ok(take))
}

/// Whoever is signed in sees a blind count's expected figures only if they
/// are a manager.
fn may_see_expected(till: &Till) -> bool {
    till.session
        .current()
        .is_some_and(|s| s.role >= Role::Manager)
}

/// The store's takes, the latest first.
pub async fn list(till: &Till) -> Result<Vec<TakeSheet>, TillError> {
    let show = may_see_expected(till);
    Ok(till
        .store
        .call(move |c| {
            doc::takes(c)?
                .into_iter()
                .map(|t| sheet_of(c, t, show))
                .collect()
        })
        .await?)
}

pub async fn sheet(till: &Till, id: Uuid) -> Result<TakeSheet, TillError> {
    let show = may_see_expected(till);
    till.store
        .call(move |c| match doc::take(c, id)? {
            Some(take) => Ok(Ok(sheet_of(c, take, show)?)),
            None => Ok(Err(TillError::NotFound("stock take"))),
        })
        .await?
}

/// Starts a take; a manager's (signed in, or approving).
pub async fn start(
    till: &Till,
    new: NewTake,
    approval: Option<&Approval>,
) -> Result<TakeSheet, TillError> {
    let name = pos_shared::text::line("name", &new.name, MAX_STOCK_TAKE_NAME, false)
        .map_err(|why| invalid("name", why))?;
    let (device, who) = manager(till, approval, "starting a stock take").await?;
    let header = TakeHeader {
        take_id: Uuid::now_v7(),
        name,
        scope: new.scope,
        blind: new.blind,
        started_at: Timestamp::now(),
        started_by: who,
        started_on: device.terminal_id,
    };
    let done = till
        .store
        .call(move |c| {
            if let CountScope::Category { category_id } = &header.scope {
                if !in_replica(c, "categories", &category_id.to_string())? {
                    return Ok(Err(invalid(
                        "scope.category_id",
                        format!("no category {category_id} in this store's catalog"),
                    )));
                }
            }
            doc::start(c, &header)?;
            Ok(Ok(sheet_now(c, header.take_id, true)?))
        })
        .await?;
    nudged(till, done, false)
}

/// The item a scan names, or the refusal to scan it in words, ending with
/// `then` (what to do with the pack here).
pub(super) fn scanned_product(
    conn: &Connection,
    code: &ScannedCode,
    then: &str,
) -> crate::store::StoreResult<Result<crate::pos::product::ProductView, TillError>> {
    let product =
        crate::store::catalog::product_for_scan(conn, &code.gtin, code.alternative.as_ref())?;
    Ok(product.ok_or_else(|| TillError::ScanRefused {
        kind: "unknown_item",
        message: format!(
            "Barcode {} is not in the store's catalog: {then}",
            code.gtin.as_str()
        ),
    }))
}

/// How much one scan counts: the weight or count the symbol carries, the
/// quantity typed, else one piece; a loose item needs its weight.
pub(super) fn scan_qty(
    code: &ScannedCode,
    typed: Option<Qty>,
    measured: bool,
    name: &str,
) -> Result<Qty, TillError> {
    let qty = match (typed, code.net_weight, code.count) {
        (Some(q), _, _) => q,
        (None, Some(w), _) => w,
        (None, None, Some(n)) => Qty::from_milli(i64::from(n) * 1000),
        (None, None, None) if measured => {
            return Err(TillError::ScanRefused {
                kind: "weight_needed",
                message: format!("{name} is sold loose: weigh it and type the weight."),
            })
        }
        (None, None, None) => Qty::from_milli(1000),
    };
    if !qty.is_positive() || qty > pos_shared::limits::MAX_LINE_QTY {
        return Err(invalid(
            "qty",
            format!(
                "a count must be more than zero and at most {}",
                pos_shared::limits::MAX_LINE_QTY
            ),
        ));
    }
    if !measured && qty.milli() % 1000 != 0 {
        return Err(invalid("qty", format!("{name} is counted in whole pieces")));
    }
    Ok(qty)
}

/// Counts a scanned item in `bin` on this terminal: adds to what it
/// counted there. Anyone signed in may count.
pub async fn count_scan(
    till: &Till,
    id: Uuid,
    code: ScannedCode,
    bin: String,
    typed: Option<Qty>,
) -> Result<CountedScan, TillError> {
    signed_in(till)?;
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    let done = till
        .store
        .call(move |c| {
            let take = match open_take(c, id)? {
                Ok(t) => t,
                Err(e) => return Ok(Err(e)),
            };
            let product =
                match scanned_product(c, &code, "count it on paper and tell the manager.")? {
                    Ok(p) => p,
                    Err(e) => return Ok(Err(e)),
                };
            let measured = product.unit.is_some_and(|u| u.is_measured());
            let added = match scan_qty(&code, typed, measured, &product.name) {
                Ok(q) => q,
                Err(e) => return Ok(Err(e)),
            };
            let variant = product.variant_id;
            let before = take
                .counts
                .get(&variant)
                .and_then(|bins| bins.get(&bin))
                .and_then(|by| by.get(&device.terminal_id))
                .copied()
                .unwrap_or(Qty::ZERO);
            let Some(here) = before
                .checked_add(added)
                .filter(|q| *q <= pos_shared::limits::MAX_POSITION)
            else {
                return Ok(Err(invalid("qty", "that count is beyond any stock")));
            };
            let expected = Expected {
                milli: on_hand(c, variant)?.milli(),
                at_ms: Timestamp::now().unix_millis(),
            };
            doc::set_count(c, id, device.terminal_id, variant, &bin, here, expected)?;
            let counted =
                Qty::from_milli(take.counted(variant).milli() - before.milli() + here.milli());
            let place = if bin.is_empty() {
                String::new()
            } else {
                format!(" in {bin}")
            };
            Ok(Ok(CountedScan {
                variant_id: variant,
                message: format!("{}: {here}{place} (all counted: {counted})", product.name),
                name: product.name,
                bin,
                added,
                here,
                counted,
            }))
        })
        .await?;
    nudged(till, done, false)
}

/// Sets this terminal's count of an item in `bin` (a recount; zero takes
/// it back).
pub async fn set_count(
    till: &Till,
    id: Uuid,
    variant: VariantId,
    bin: String,
    qty: Qty,
) -> Result<TakeSheet, TillError> {
    signed_in(till)?;
    if qty.milli() < 0 || qty > pos_shared::limits::MAX_LINE_QTY {
        return Err(invalid(
            "qty",
            format!(
                "a count must be between 0 and {}",
                pos_shared::limits::MAX_LINE_QTY
            ),
        ));
    }
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    let show = may_see_expected(till);
    let done = till
        .store
        .call(move |c| {
            if let Err(e) = open_take(c, id)? {
                return Ok(Err(e));
            }
            if !in_replica(c, "variants", &variant.to_string())? {
                return Ok(Err(invalid(
                    "variant_id",
                    format!("no item {variant} in this store's catalog"),
                )));
            }
            // A piece is counted whole, whichever way the count is typed.
            let measured =
                crate::store::catalog::unit_of(c, variant)?.is_some_and(|u| u.is_measured());
            if !measured && qty.milli() % 1000 != 0 {
                return Ok(Err(invalid(
                    "qty",
                    format!("{qty} is not a whole number: this item is counted in whole pieces"),
                )));
            }
            let expected = Expected {
                milli: on_hand(c, variant)?.milli(),
                at_ms: Timestamp::now().unix_millis(),
            };
            doc::set_count(c, id, device.terminal_id, variant, &bin, qty, expected)?;
            Ok(Ok(sheet_now(c, id, show)?))
        })
        .await?;
    nudged(till, done, false)
}

/// The lines an approval of `take` makes: every item counted, and every
/// item in scope with stock that nobody counted (as counted zero).
fn approval_lines(conn: &Connection, take: &TakeState) -> StoreResult<Vec<CountedLine>> {
    let mut lines = Vec::new();
    for (variant, expected) in doc::expected_figures(conn, take)? {
        lines.push(CountedLine {
            variant_id: variant,
            counted: take.counted(variant),
            expected,
            movement_id: None,
        });
    }
    for (variant, _, _, qty) in stocked_in_scope(conn, &take.header.scope)? {
        if !take.counts.contains_key(&variant) {
            lines.push(CountedLine {
                variant_id: variant,
                counted: Qty::ZERO,
                expected: qty,
                movement_id: None,
            });
        }
    }
    for line in &mut lines {
        if line.variance() != Qty::ZERO {
            line.movement_id = Some(MovementId::new());
        }
    }
    Ok(lines)
}

/// Approves the take (a manager's): its adjustments go into the local
/// ledger and its facts into the outbox, in one transaction.
pub async fn approve(
    till: &Till,
    id: Uuid,
    approval: Option<&Approval>,
) -> Result<ApprovedTake, TillError> {
    let (device, who) =
        manager(till, approval, "closing a stock take with its adjustments").await?;
    let done = till
        .store
        .call(move |c| {
            let take = match open_take(c, id)? {
                Ok(t) => t,
                Err(e) => return Ok(Err(e)),
            };
            let lines = approval_lines(c, &take)?;
            let approved_at = Timestamp::now();
            let approval_id = Uuid::now_v7();
            let chunks: Vec<&[CountedLine]> = if lines.is_empty() {
                vec![&[]]
            } else {
                lines.chunks(MAX_STOCK_TAKE_PART_LINES).collect()
            };
            let parts = u32::try_from(chunks.len()).unwrap_or(u32::MAX);
            let tx = c.transaction()?;
            for (i, chunk) in chunks.iter().enumerate() {
                let part = StockTakeApproved {
                    part_id: Uuid::now_v7(),
                    approval_id,
                    take_id: id,
                    part: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    parts,
                    store_id: device.store_id,
                    terminal_id: device.terminal_id,
                    name: take.header.name.clone(),
                    scope: take.header.scope.clone(),
                    blind: take.header.blind,
                    started_at: take.header.started_at,
                    approved_at,
                    approved_by: who.clone(),
                    lines: chunk.to_vec(),
                };
                for movement in part.movements() {
                    apply_movement(&tx, &movement, "local")?;
                }
                outbox::enqueue(
                    &tx,
                    &device,
                    part.part_id,
                    approved_at,
                    Fact::StockTakeApproved(part),
                )?;
            }
            let closed = TakeClosed {
                closing: Closing::Approved,
                by: who,
                at: approved_at,
                terminal_id: device.terminal_id,
                approval_id: Some(approval_id),
            };
            let record = doc::ApprovalRecord {
                approval_id,
                lines: lines.clone(),
            };
            doc::close(&tx, id, &closed, Some(&record))?;
            tx.commit()?;
            let (mut missing, mut found) = (0i64, 0i64);
            for line in &lines {
                let v = line.variance().milli();
                if v < 0 {
                    missing -= v;
                } else {
                    found += v;
                }
            }
            Ok(Ok(ApprovedTake {
                approval_id,
                parts,
                lines: u32::try_from(lines.len()).unwrap_or(u32::MAX),
                adjusted: u32::try_from(lines.iter().filter(|l| l.movement_id.is_some()).count())
                    .unwrap_or(u32::MAX),
                missing: Qty::from_milli(missing),
                found: Qty::from_milli(found),
                sheet: sheet_now(c, id, true)?,
            }))
        })
        .await?;
    nudged(till, done, true)
}

/// Cancels the take (a manager's): nothing moves.
pub async fn cancel(
    till: &Till,
    id: Uuid,
    approval: Option<&Approval>,
) -> Result<TakeSheet, TillError> {
    let (device, who) = manager(till, approval, "cancelling a stock take").await?;
    let done = till
        .store
        .call(move |c| {
            if let Err(e) = open_take(c, id)? {
                return Ok(Err(e));
            }
            let closed = TakeClosed {
                closing: Closing::Cancelled,
                by: who,
                at: Timestamp::now(),
                terminal_id: device.terminal_id,
                approval_id: None,
            };
            doc::close(c, id, &closed, None)?;
            Ok(Ok(sheet_now(c, id, true)?))
        })
        .await?;
    nudged(till, done, false)
}
