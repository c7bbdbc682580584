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
//! ledger like any movement, and the sales made since stand.
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
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The most characters a bin's label has.
pub const MAX_BIN: usize = 20;

/// How many of the items in scope nobody counted a sheet lists by name.
const UNCOUNTED_LISTED: usize = 200;

/// A take on the screen.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TakeSheet {
    #[serde(flatten)]
    pub header: TakeHeader,
    /// `counting`, `approved` or `cancelled`.
    pub state: &'static str,
    /// How it was closed (the earliest, when two terminals closed it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub closed: Option<TakeClosed>,
    /// Said when more than one till approved the take while apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub note: Option<String>,
    /// Whether expected figures and variances are shown: always for an open
    /// count, to a manager for a blind one.
    pub expected_shown: bool,
    /// Every item counted, by SKU.
    pub items: Vec<CountedItem>,
    /// Items in scope with stock on the ledger that nobody counted: taken to
    /// be missing when the take is approved.
    pub uncounted: UncountedItems,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountedItem {
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
    pub counted: Qty,
    /// Where it was counted: each bin's count, every terminal's added up.
    pub bins: Vec<BinCount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub expected: Option<Qty>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub variance: Option<Qty>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BinCount {
    /// Empty when counted without a bin.
    pub bin: String,
    pub qty: Qty,
    /// How many terminals counted here.
    pub terminals: u32,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UncountedItems {
    pub count: u64,
    /// The first of them by SKU, with what the ledger holds (when shown).
    pub items: Vec<UncountedItem>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UncountedItem {
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub expected: Option<Qty>,
}

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
    let bin = raw.trim();
    if bin.chars().count() > MAX_BIN || bin.chars().any(char::is_control) {
        return Err(invalid(
            "bin",
            format!("bin must be at most {MAX_BIN} characters, without control characters"),
        ));
    }
    Ok(bin.to_owned())
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

/// The sheet of take `id` as it stands after a write.
fn sheet_now(conn: &Connection, id: Uuid, show_expected: bool) -> StoreResult<TakeSheet> {
    let take = doc::take(conn, id)?
        .ok_or_else(|| crate::store::StoreError::Corrupt(format!("stock take {id} not kept")))?;
    sheet_of(conn, take, show_expected)
}

fn signed_in(till: &Till) -> Result<SaleCashier, TillError> {
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

fn on_hand(conn: &Connection, variant: VariantId) -> StoreResult<Qty> {
    let milli: Option<i64> = conn
        .query_row(
            "SELECT on_hand_milli FROM stock WHERE variant_id = ?1",
            [variant.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(Qty::from_milli(milli.unwrap_or(0)))
}

/// The items of `scope` with stock on the ledger, with their SKU, name and
/// what the ledger holds, by SKU. `Counted` has none: only what is counted
/// is in it.
fn stocked_in_scope(
    conn: &Connection,
    scope: &CountScope,
) -> StoreResult<Vec<(VariantId, String, String, Qty)>> {
    let (filter, category) = match scope {
        CountScope::Counted => return Ok(Vec::new()),
        CountScope::Store => ("", None),
        CountScope::Category { category_id } => (
            "AND v.category_id IN (WITH RECURSIVE tree(id) AS (SELECT ?1 UNION \
             SELECT c.id FROM categories c JOIN tree ON c.parent_id = tree.id) SELECT id FROM tree)",
            Some(category_id.to_string()),
        ),
    };
    let sql = format!(
        "SELECT v.id, v.sku, v.name, s.on_hand_milli FROM stock s JOIN variants v ON v.id = s.variant_id \
         WHERE s.on_hand_milli != 0 {filter} ORDER BY v.sku"
    );
    let mut stmt = conn.prepare(&sql)?;
    let map = |r: &rusqlite::Row<'_>| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    };
    let rows = match &category {
        Some(c) => stmt.query_map([c], map)?.collect::<Result<Vec<_>, _>>()?,
        None => stmt.query_map([], map)?.collect::<Result<Vec<_>, _>>()?,
    };
    Ok(rows
        .into_iter()
        .filter_map(|(id, sku, name, milli)| {
            Some((id.parse().ok()?, sku, name, Qty::from_milli(milli)))
        })
        .collect())
}

fn names(
    conn: &Connection,
    variants: &[VariantId],
) -> StoreResult<BTreeMap<VariantId, (String, String)>> {
    let mut stmt = conn.prepare_cached("SELECT sku, name FROM variants WHERE id = ?1")?;
    let mut found = BTreeMap::new();
    for v in variants {
        let row: Option<(String, String)> = stmt
            .query_row([v.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        // An item HQ has since deleted keeps its count under its id.
        found.insert(*v, row.unwrap_or_else(|| (String::new(), v.to_string())));
    }
    Ok(found)
}

/// The sheet of `take` as this terminal knows it.
fn sheet_of(conn: &Connection, take: TakeState, show_expected: bool) -> StoreResult<TakeSheet> {
    let show = show_expected || !take.header.blind;
    // An approved take shows what its approval adjusted (the one the hub
    // keeps: not one it refused here), not counts that came in after.
    let mut approvals = Vec::new();
    for closed in take
        .closed
        .iter()
        .filter(|c| c.closing == Closing::Approved)
    {
        if let Some(record) = take.approvals.get(&closed.terminal_id) {
            let standing = doc::standing(conn, record.approval_id)?;
            if standing != doc::Standing::Refused {
                approvals.push((standing, closed, record));
            }
        }
    }
    // The one accepted here first, then the earliest (closings are in time order).
    approvals.sort_by_key(|(standing, ..)| *standing);
    let approved_count = take
        .closed
        .iter()
        .filter(|c| c.closing == Closing::Approved)
        .count();
    let figures: Vec<(VariantId, Qty, Qty)> = match approvals.first() {
        Some((_, _, record)) => record
            .lines
            .iter()
            .map(|l| (l.variant_id, l.counted, l.expected))
            .collect(),
        None => {
            let mut figures = Vec::with_capacity(take.counts.len());
            for &variant in take.counts.keys() {
                let expected = match take.expected.get(&variant) {
                    Some(e) => Qty::from_milli(e.milli),
                    None => on_hand(conn, variant)?,
                };
                figures.push((variant, take.counted(variant), expected));
            }
            figures
        }
    };
    let variants: Vec<VariantId> = figures.iter().map(|(v, ..)| *v).collect();
    let named = names(conn, &variants)?;
    let mut items = Vec::with_capacity(figures.len());
    for (variant, counted, expected) in figures {
        let (sku, name) = named.get(&variant).cloned().unwrap_or_default();
        let bins = take
            .counts
            .get(&variant)
            .map(|bins| {
                bins.iter()
                    .map(|(bin, by)| BinCount {
                        bin: bin.clone(),
                        qty: Qty::from_milli(by.values().map(|q| q.milli()).sum()),
                        terminals: u32::try_from(by.len()).unwrap_or(u32::MAX),
                    })
                    .collect()
            })
            .unwrap_or_default();
        items.push(CountedItem {
            variant_id: variant,
            sku,
            name,
            counted,
            bins,
            expected: show.then_some(expected),
            variance: show
                .then(|| Qty::from_milli(counted.milli().saturating_sub(expected.milli()))),
        });
    }
    items.sort_by(|a, b| a.sku.cmp(&b.sku));
    let uncounted: Vec<_> = if take.closed.is_empty() {
        stocked_in_scope(conn, &take.header.scope)?
            .into_iter()
            .filter(|(v, ..)| !take.counts.contains_key(v))
            .collect()
    } else {
        Vec::new()
    };
    let closed = approvals
        .first()
        .map(|(_, c, _)| (*c).clone())
        .or_else(|| take.closed.first().cloned());
    let state = match closed.as_ref().map(|c| c.closing) {
        None => "counting",
        Some(Closing::Approved) => "approved",
        Some(Closing::Cancelled) => "cancelled",
    };
    let note = (approved_count > 1).then(|| {
        format!(
            "Approved on {approved_count} tills while they were apart: the hub keeps the approval it heard of first; the others moved no stock and are set aside for HQ."
        )
    });
    Ok(TakeSheet {
        state,
        closed,
        note,
        expected_shown: show,
        items,
        uncounted: UncountedItems {
            count: uncounted.len() as u64,
            items: uncounted
                .into_iter()
                .take(UNCOUNTED_LISTED)
                .map(|(variant_id, sku, name, qty)| UncountedItem {
                    variant_id,
                    sku,
                    name,
                    expected: show.then_some(qty),
                })
                .collect(),
        },
        header: take.header,
    })
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
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_STOCK_TAKE_NAME {
        return Err(invalid(
            "name",
            format!("name must be 1 to {MAX_STOCK_TAKE_NAME} characters"),
        ));
    }
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
                let known: Option<String> = c
                    .query_row(
                        "SELECT id FROM categories WHERE id = ?1",
                        [category_id.to_string()],
                        |r| r.get(0),
                    )
                    .optional()?;
                if known.is_none() {
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

/// How much one scan counts: the weight or count the symbol carries, the
/// quantity typed, else one piece; a loose item needs its weight.
fn scan_qty(
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
            let product = crate::store::catalog::product_for_scan(c, &code.gtin, code.alternative.as_ref())?;
            let Some(product) = product else {
                return Ok(Err(TillError::ScanRefused {
                    kind: "unknown_item",
                    message: format!(
                        "Barcode {} is not in the store's catalog: count it on paper and tell the manager.",
                        code.gtin.as_str()
                    ),
                }));
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
            let Some(here) = before.checked_add(added).filter(|q| *q <= pos_shared::limits::MAX_POSITION) else {
                return Ok(Err(invalid("qty", "that count is beyond any stock")));
            };
            let expected = Expected {
                milli: on_hand(c, variant)?.milli(),
                at_ms: Timestamp::now().unix_millis(),
            };
            doc::set_count(c, id, device.terminal_id, variant, &bin, here, expected)?;
            let counted = Qty::from_milli(take.counted(variant).milli() - before.milli() + here.milli());
            let place = if bin.is_empty() { String::new() } else { format!(" in {bin}") };
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
            let known: Option<String> = c
                .query_row(
                    "SELECT id FROM variants WHERE id = ?1",
                    [variant.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            if known.is_none() {
                return Ok(Err(invalid(
                    "variant_id",
                    format!("no item {variant} in this store's catalog"),
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
    for &variant in take.counts.keys() {
        let expected = match take.expected.get(&variant) {
            Some(e) => Qty::from_milli(e.milli),
            None => on_hand(conn, variant)?,
        };
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
