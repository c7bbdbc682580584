//! A stock take's sheet as the screens show it: the counts every till made,
//! merged per item and bin, against what was expected; the items in scope
//! nobody counted; and, once approved, the figures of the approval the hub
//! keeps rather than counts that came in after.

use crate::store::stock_takes::{self as doc, Closing, TakeClosed, TakeHeader, TakeState};
use crate::store::StoreResult;
use pos_shared::stock_take::CountScope;
use pos_shared::{Qty, VariantId};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

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

/// The sheet of take `id` as it stands after a write.
pub(super) fn sheet_now(
    conn: &Connection,
    id: Uuid,
    show_expected: bool,
) -> StoreResult<TakeSheet> {
    let take = doc::take(conn, id)?
        .ok_or_else(|| crate::store::StoreError::Corrupt(format!("stock take {id} not kept")))?;
    sheet_of(conn, take, show_expected)
}

/// Whether the replica's `table` (variants, categories) holds row `id`.
pub(super) fn in_replica(conn: &Connection, table: &str, id: &str) -> StoreResult<bool> {
    let found: Option<String> = conn
        .query_row(
            &format!("SELECT id FROM {table} WHERE id = ?1"),
            [id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(found.is_some())
}

/// The items of `scope` with stock on the ledger, with their SKU, name and
/// what the ledger holds, by SKU. `Counted` has none: only what is counted
/// is in it.
pub(super) fn stocked_in_scope(
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

pub(super) fn names(
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
pub(super) fn sheet_of(
    conn: &Connection,
    take: TakeState,
    show_expected: bool,
) -> StoreResult<TakeSheet> {
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
        None => doc::expected_figures(conn, &take)?
            .into_iter()
            .map(|(variant, expected)| (variant, take.counted(variant), expected))
            .collect(),
    };
    let approved = !approvals.is_empty();
    let variants: Vec<VariantId> = figures.iter().map(|(v, ..)| *v).collect();
    let named = names(conn, &variants)?;
    let mut items = Vec::with_capacity(figures.len());
    for (variant, counted, expected) in figures {
        let (sku, name) = named.get(&variant).cloned().unwrap_or_default();
        // Where it was counted, while counting; an approval keeps only
        // its totals (another till's bins may have come in after).
        let bins = (!approved)
            .then(|| take.counts.get(&variant))
            .flatten()
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
