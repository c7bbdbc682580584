//! A stock take (a physical count of the store's stock) as the store
//! approves it: what was counted against what the till expected, and the
//! adjustment movements that make the ledger say what is on the shelf.
//!
//! Counting happens at the store's terminals, offline if need be, in the
//! store's `stock_takes` Automerge document; only the approval is a fact.
//! A big count is approved in parts of at most [`MAX_STOCK_TAKE_PART_LINES`]
//! lines, each a fact of its own, all under one `approval_id`: the hub takes
//! the first approval of a take it hears of and refuses another, so a take
//! approved on two tills offline moves stock once.

use crate::sale::SaleCashier;
use crate::sync::{MovementReason, MovementRecord};
use crate::{CategoryId, MovementId, Qty, StoreId, TerminalId, Timestamp, VariantId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most lines one part of an approval carries.
pub const MAX_STOCK_TAKE_PART_LINES: usize = 1_000;

/// How the hub's refusal of a second approval of a take begins. The till
/// that made it takes its adjustments back at once on hearing this (they
/// never reached the ledger), and keeps the approval in quarantine for HQ.
pub const SUPERSEDED_APPROVAL: &str = "approval_id: another approval of this stock take came first";

/// The most characters a take's name has.
pub const MAX_STOCK_TAKE_NAME: usize = 80;

/// What a take counts: what is in scope and not counted is taken to be not
/// there (counted as zero) when the take is approved.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CountScope {
    /// Every item of the store.
    Store,
    /// The items of a category and of the categories under it.
    Category { category_id: CategoryId },
    /// Only the items counted: nothing uncounted is taken to be missing (a
    /// spot check of some shelves).
    Counted,
}

/// One item of an approved take.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountedLine {
    pub variant_id: VariantId,
    /// On the shelves, every bin and terminal added up.
    pub counted: Qty,
    /// What the ledger said when the item was first counted (or, for an item
    /// in scope nobody counted, when the take was approved).
    pub expected: Qty,
    /// The adjustment of `counted - expected`; absent when they agree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub movement_id: Option<MovementId>,
}

impl CountedLine {
    /// What the count changes in the ledger.
    pub fn variance(&self) -> Qty {
        Qty::from_milli(self.counted.milli().saturating_sub(self.expected.milli()))
    }
}

/// One part of a take's approval (a fact).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockTakeApproved {
    /// This part's own id (the fact's).
    pub part_id: Uuid,
    /// The same in every part of one approval.
    pub approval_id: Uuid,
    pub take_id: Uuid,
    /// 1 to `parts`.
    pub part: u32,
    pub parts: u32,
    pub store_id: StoreId,
    /// Where it was approved.
    pub terminal_id: TerminalId,
    pub name: String,
    pub scope: CountScope,
    /// Counted without the expected figures shown.
    pub blind: bool,
    pub started_at: Timestamp,
    pub approved_at: Timestamp,
    pub approved_by: SaleCashier,
    pub lines: Vec<CountedLine>,
}

impl StockTakeApproved {
    /// The adjustments this part makes, stamped with the approval's time.
    pub fn movements(&self) -> Vec<MovementRecord> {
        self.lines
            .iter()
            .filter_map(|line| {
                Some(MovementRecord {
                    movement_id: line.movement_id?,
                    store_id: self.store_id,
                    variant_id: line.variant_id,
                    delta: line.variance(),
                    reason: MovementReason::Adjustment,
                    sale_id: None,
                    terminal_id: Some(self.terminal_id),
                    occurred_at: self.approved_at,
                    batch: None,
                })
            })
            .collect()
    }

    /// The shape a part keeps on its own; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_STOCK_TAKE_NAME {
            return Err(format!("name: 1 to {MAX_STOCK_TAKE_NAME} characters"));
        }
        let who = self.approved_by.name.trim();
        if who.is_empty() || who.chars().count() > 80 {
            return Err("approved_by.name: 1 to 80 characters".into());
        }
        if self.parts == 0 || self.part == 0 || self.part > self.parts {
            return Err(format!(
                "part: {} is not a part of {}",
                self.part, self.parts
            ));
        }
        if self.lines.len() > MAX_STOCK_TAKE_PART_LINES {
            return Err(format!(
                "lines: at most {MAX_STOCK_TAKE_PART_LINES} lines a part"
            ));
        }
        if self.approved_at.unix_millis() < self.started_at.unix_millis() {
            return Err("approved_at: before started_at".into());
        }
        let mut seen = std::collections::HashSet::with_capacity(self.lines.len());
        for (i, line) in self.lines.iter().enumerate() {
            if !seen.insert(line.variant_id) {
                return Err(format!(
                    "lines[{i}].variant_id: {} is counted twice",
                    line.variant_id
                ));
            }
            for (field, qty) in [("counted", line.counted), ("expected", line.expected)] {
                if qty.milli().abs() > crate::limits::MAX_POSITION.milli() {
                    return Err(format!("lines[{i}].{field}: {qty} is out of range"));
                }
            }
            if line.counted.milli() < 0 {
                return Err(format!(
                    "lines[{i}].counted: {} is below zero",
                    line.counted
                ));
            }
            match (line.variance() == Qty::ZERO, line.movement_id) {
                (true, Some(_)) => {
                    return Err(format!(
                        "lines[{i}].movement_id: counted equals expected, so nothing moves"
                    ))
                }
                (false, None) => {
                    return Err(format!(
                        "lines[{i}].movement_id: needed for a variance of {}",
                        line.variance()
                    ))
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(lines: Vec<CountedLine>) -> StockTakeApproved {
        StockTakeApproved {
            part_id: Uuid::now_v7(),
            approval_id: Uuid::now_v7(),
            take_id: Uuid::now_v7(),
            part: 1,
            parts: 1,
            store_id: StoreId::new(),
            terminal_id: TerminalId::new(),
            name: "Aisle 3".into(),
            scope: CountScope::Counted,
            blind: false,
            started_at: Timestamp::from_unix_millis(1_000),
            approved_at: Timestamp::from_unix_millis(2_000),
            approved_by: SaleCashier {
                staff_id: crate::StaffId::new(),
                name: "Meena".into(),
            },
            lines,
        }
    }

    fn line(counted: i64, expected: i64, moved: bool) -> CountedLine {
        CountedLine {
            variant_id: VariantId::new(),
            counted: Qty::from_milli(counted),
            expected: Qty::from_milli(expected),
            movement_id: moved.then(MovementId::new),
        }
    }

    #[test]
    fn a_variance_is_one_adjustment_and_agreement_none() {
        let take = part(vec![line(5_000, 7_000, true), line(2_000, 2_000, false)]);
        take.validate().unwrap();
        let moves = take.movements();
        assert_eq!(moves.len(), 1);
        assert_eq!(moves[0].delta, Qty::from_milli(-2_000));
        assert_eq!(moves[0].reason, MovementReason::Adjustment);
        assert_eq!(moves[0].occurred_at, take.approved_at);
    }

    #[test]
    fn a_part_that_does_not_add_up_is_refused_by_field() {
        let err = |t: StockTakeApproved| t.validate().unwrap_err();
        assert!(err(part(vec![line(1_000, 2_000, false)])).starts_with("lines[0].movement_id"));
        assert!(err(part(vec![line(1_000, 1_000, true)])).starts_with("lines[0].movement_id"));
        assert!(err(part(vec![line(-1_000, 0, true)])).starts_with("lines[0].counted"));
        let twice = line(1_000, 1_000, false);
        assert!(err(part(vec![twice.clone(), twice])).contains("counted twice"));
        let mut p = part(vec![]);
        p.part = 2;
        assert!(err(p).starts_with("part:"));
        let mut p = part(vec![]);
        p.name = " ".into();
        assert!(err(p).starts_with("name:"));
        let mut p = part(vec![]);
        p.approved_at = Timestamp::from_unix_millis(500);
        assert!(err(p).starts_with("approved_at"));
    }
}
