//! The store's stock-takes Automerge document: the takes under way, and what
//! each terminal counted of each item in each bin, merged across the store's
//! terminals by the hub's relay.
//!
//! Every entry is its own top-level key, and a terminal writes only keys
//! with its own id in them, so terminals counting apart never overwrite
//! each other; when their documents meet, the counts add up:
//! - `take/<take>`: the take (JSON [`TakeHeader`]), written once where it starts;
//! - `count/<take>/<terminal>/<variant>/<bin>`: what that terminal counted
//!   there, in milli-units (a recount replaces it);
//! - `expected/<take>/<terminal>/<variant>`: what the terminal's ledger said
//!   when it first counted the item (JSON [`Expected`]);
//! - `closed/<take>/<terminal>`: an approval or cancellation made there
//!   (JSON [`TakeClosed`]); a take is closed once any terminal closed it;
//! - `approval/<take>/<terminal>`: what an approval made there adjusted
//!   (JSON [`ApprovalRecord`]), so every till shows the approved figures,
//!   not counts that came in after.

use super::{documents, StoreError, StoreResult};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ReadDoc, ROOT};
use pos_shared::sale::SaleCashier;
use pos_shared::stock_take::CountScope;
use pos_shared::sync::DocPurpose;
use pos_shared::{Qty, TerminalId, Timestamp, VariantId};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A take as it was started.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakeHeader {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub take_id: Uuid,
    pub name: String,
    pub scope: CountScope,
    /// Counters are not shown what the ledger expects.
    pub blind: bool,
    pub started_at: Timestamp,
    pub started_by: SaleCashier,
    pub started_on: TerminalId,
}

/// How a take ended.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Closing {
    Approved,
    Cancelled,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakeClosed {
    pub closing: Closing,
    pub by: SaleCashier,
    pub at: Timestamp,
    pub terminal_id: TerminalId,
    /// The approval's id, as its facts carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "string"))]
    pub approval_id: Option<Uuid>,
}

/// What an approval took from the counts, item by item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRecord {
    pub approval_id: Uuid,
    pub lines: Vec<pos_shared::stock_take::CountedLine>,
}

/// What a terminal's ledger said of an item when it first counted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    pub milli: i64,
    pub at_ms: i64,
}

/// Everything the document holds of one take, every terminal's merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakeState {
    pub header: TakeHeader,
    /// Every closing, the earliest first.
    pub closed: Vec<TakeClosed>,
    /// Every approval's record, by the terminal it was made at.
    pub approvals: BTreeMap<TerminalId, ApprovalRecord>,
    /// Per item: per bin, what each terminal counted there.
    pub counts: BTreeMap<VariantId, BTreeMap<String, BTreeMap<TerminalId, Qty>>>,
    /// Per item, the earliest expectation any terminal recorded.
    pub expected: BTreeMap<VariantId, Expected>,
}

impl TakeState {
    /// What was counted of `variant`, every bin and terminal added up.
    pub fn counted(&self, variant: VariantId) -> Qty {
        self.counts.get(&variant).map_or(Qty::ZERO, |bins| {
            Qty::from_milli(
                bins.values()
                    .flat_map(|by| by.values())
                    .map(|q| q.milli())
                    .sum(),
            )
        })
    }
}

fn doc_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Document(e.to_string())
}

fn load(conn: &Connection) -> StoreResult<AutoCommit> {
    documents::load(conn, DocPurpose::StockTakes)
}

fn save(conn: &Connection, doc: &mut AutoCommit) -> StoreResult<()> {
    documents::save(conn, DocPurpose::StockTakes, doc)
}

fn put_json(doc: &mut AutoCommit, key: String, value: &impl Serialize) -> StoreResult<()> {
    let text = serde_json::to_string(value).map_err(doc_error)?;
    doc.put(ROOT, key, text).map_err(doc_error)
}

fn get_json<T: serde::de::DeserializeOwned>(doc: &AutoCommit, key: &str) -> Option<T> {
    let (value, _) = doc.get(ROOT, key).ok()??;
    // An entry another version wrote in a shape this one does not read is
    // left for that version, not an error here.
    value.as_str().and_then(|t| serde_json::from_str(t).ok())
}

pub fn start(conn: &Connection, header: &TakeHeader) -> StoreResult<()> {
    let mut doc = load(conn)?;
    put_json(&mut doc, format!("take/{}", header.take_id), header)?;
    save(conn, &mut doc)
}

/// Sets what `terminal` counted of `variant` in `bin` (zero removes it), and
/// records `expected` for the item if this terminal has not yet.
pub fn set_count(
    conn: &Connection,
    take: Uuid,
    terminal: TerminalId,
    variant: VariantId,
    bin: &str,
    qty: Qty,
    expected: Expected,
) -> StoreResult<()> {
    let mut doc = load(conn)?;
    let key = format!("count/{take}/{terminal}/{variant}/{bin}");
    if qty == Qty::ZERO {
        if doc.get(ROOT, key.as_str()).map_err(doc_error)?.is_some() {
            doc.delete(ROOT, key).map_err(doc_error)?;
        }
    } else {
        doc.put(ROOT, key, qty.milli()).map_err(doc_error)?;
    }
    let expected_key = format!("expected/{take}/{terminal}/{variant}");
    if doc
        .get(ROOT, expected_key.as_str())
        .map_err(doc_error)?
        .is_none()
    {
        put_json(&mut doc, expected_key, &expected)?;
    }
    save(conn, &mut doc)
}

/// Closes the take at `closed.terminal_id`, with what an approval adjusted.
pub fn close(
    conn: &Connection,
    take: Uuid,
    closed: &TakeClosed,
    approval: Option<&ApprovalRecord>,
) -> StoreResult<()> {
    let mut doc = load(conn)?;
    put_json(
        &mut doc,
        format!("closed/{take}/{}", closed.terminal_id),
        closed,
    )?;
    if let Some(record) = approval {
        put_json(
            &mut doc,
            format!("approval/{take}/{}", closed.terminal_id),
            record,
        )?;
    }
    save(conn, &mut doc)
}

/// What this terminal knows of how the hub took an approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    /// Made here and accepted: the hub's approval of the take.
    Kept,
    /// Made elsewhere, or not yet answered.
    Unknown,
    /// Made here and refused: another approval of the take came first.
    Refused,
}

/// How the hub took approval `approval_id`, as far as this terminal's
/// outbox says.
pub fn standing(conn: &Connection, approval_id: Uuid) -> StoreResult<Standing> {
    let (acked, refused): (i64, i64) = conn.query_row(
        "SELECT COALESCE(SUM(acked_at_ms IS NOT NULL), 0), \
                COALESCE(SUM(quarantined_at_ms IS NOT NULL AND substr(quarantine_reason, 1, length(?1)) = ?1), 0) \
         FROM outbox WHERE event_type = 'pos.stock_take.approved' \
         AND json_extract(envelope, '$.data.approval_id') = ?2",
        rusqlite::params![
            pos_shared::stock_take::SUPERSEDED_APPROVAL,
            approval_id.to_string()
        ],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(if refused > 0 {
        Standing::Refused
    } else if acked > 0 {
        Standing::Kept
    } else {
        Standing::Unknown
    })
}

/// What each item `take` counted was expected to be: what the ledger said
/// when it was first counted, plus the adjustments other takes' approvals
/// made to it after (found by their movement ids in this till's ledger), so
/// what the ledger would have said then had those corrections been in. A
/// take approved in between already set the ledger to what was on the
/// shelf, so this one corrects only what remains: two spot checks of one
/// item approved one after the other adjust it once, where each alone
/// would take the whole difference out. An item counted with no
/// expectation recorded is expected at what is on hand now.
pub fn expected_figures(
    conn: &Connection,
    take: &TakeState,
) -> StoreResult<BTreeMap<VariantId, Qty>> {
    let mut corrections: Vec<(VariantId, pos_shared::MovementId)> = Vec::new();
    for other in takes(conn)? {
        if other.header.take_id == take.header.take_id {
            continue;
        }
        for record in other.approvals.values() {
            corrections.extend(
                record
                    .lines
                    .iter()
                    .filter(|l| take.expected.contains_key(&l.variant_id))
                    .filter_map(|l| Some((l.variant_id, l.movement_id?))),
            );
        }
    }
    let mut moved = conn.prepare_cached(
        "SELECT delta_milli, occurred_at_ms FROM movements WHERE id = ?1 AND variant_id = ?2",
    )?;
    let mut figures = BTreeMap::new();
    for &variant in take.counts.keys() {
        let figure = match take.expected.get(&variant) {
            Some(e) => {
                let mut milli = e.milli;
                for (_, id) in corrections.iter().filter(|(v, _)| *v == variant) {
                    let found: Option<(i64, i64)> = moved
                        .query_row([id.to_string(), variant.to_string()], |r| {
                            Ok((r.get(0)?, r.get(1)?))
                        })
                        .optional()?;
                    if let Some((delta, _)) = found.filter(|(_, at)| *at >= e.at_ms) {
                        milli = milli.saturating_add(delta);
                    }
                }
                Qty::from_milli(milli)
            }
            None => super::on_hand(conn, variant)?,
        };
        figures.insert(variant, figure);
    }
    Ok(figures)
}

/// Every take the document holds, the latest started first.
pub fn takes(conn: &Connection) -> StoreResult<Vec<TakeState>> {
    let doc = load(conn)?;
    let mut found: BTreeMap<Uuid, TakeState> = doc
        .keys(ROOT)
        .filter_map(|k| k.strip_prefix("take/").map(str::to_owned))
        .filter_map(|id| {
            let header: TakeHeader = get_json(&doc, &format!("take/{id}"))?;
            Some((
                header.take_id,
                TakeState {
                    header,
                    closed: Vec::new(),
                    approvals: BTreeMap::new(),
                    counts: BTreeMap::new(),
                    expected: BTreeMap::new(),
                },
            ))
        })
        .collect();
    for key in doc.keys(ROOT) {
        let mut parts = key.splitn(5, '/');
        let kind = parts.next().unwrap_or_default();
        let Some(take) = parts.next().and_then(|t| t.parse::<Uuid>().ok()) else {
            continue;
        };
        let Some(state) = found.get_mut(&take) else {
            continue;
        };
        let terminal = parts.next().and_then(|t| t.parse::<TerminalId>().ok());
        match (kind, terminal) {
            ("approval", Some(terminal)) => {
                if let Some(record) = get_json::<ApprovalRecord>(&doc, &key) {
                    state.approvals.insert(terminal, record);
                }
            }
            ("closed", Some(_)) => {
                if let Some(closed) = get_json::<TakeClosed>(&doc, &key) {
                    state.closed.push(closed);
                }
            }
            ("count", Some(terminal)) => {
                let variant = parts.next().and_then(|v| v.parse::<VariantId>().ok());
                let bin = parts.next().unwrap_or_default().to_owned();
                let qty = doc
                    .get(ROOT, key.as_str())
                    .ok()
                    .flatten()
                    .and_then(|(v, _)| v.as_i64());
                if let (Some(variant), Some(milli)) = (variant, qty) {
                    state
                        .counts
                        .entry(variant)
                        .or_default()
                        .entry(bin)
                        .or_default()
                        .insert(terminal, Qty::from_milli(milli));
                }
            }
            ("expected", Some(_)) => {
                let variant = parts.next().and_then(|v| v.parse::<VariantId>().ok());
                if let (Some(variant), Some(seen)) = (variant, get_json::<Expected>(&doc, &key)) {
                    let earliest = state.expected.entry(variant).or_insert(seen);
                    if seen.at_ms < earliest.at_ms {
                        *earliest = seen;
                    }
                }
            }
            _ => {}
        }
    }
    let mut takes: Vec<TakeState> = found.into_values().collect();
    for take in &mut takes {
        take.closed
            .sort_by_key(|c| (c.at.unix_millis(), c.terminal_id));
    }
    takes.sort_by_key(|t| std::cmp::Reverse(t.header.started_at.unix_millis()));
    Ok(takes)
}

pub fn take(conn: &Connection, id: Uuid) -> StoreResult<Option<TakeState>> {
    Ok(takes(conn)?.into_iter().find(|t| t.header.take_id == id))
}
