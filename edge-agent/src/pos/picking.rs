//! The rules of picking a delivery order, with no I/O: the pick sheet a
//! picker walks (lines by zone and bin, what is picked of each, what is
//! left), which line a scanned item belongs to, the checks on it (the wrong
//! item, a pack past its expiry, a later batch while an earlier one is on
//! the shelf, a weight for a weighed item, too many), and the packed order
//! the picks come to.

use pos_shared::orders::{PackedLine, PackedOrder, Pick, PickLine, PickOrder, Picker};
use pos_shared::sync::Batch;
use pos_shared::{Money, Qty, Timestamp, VariantId};
use serde::Serialize;
use std::collections::BTreeSet;

/// Where a line stands.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// More to pick.
    Open,
    /// All of it picked (a weighed line: within a tenth of the weight).
    Done,
    /// Closed short by the picker: what is picked is all there is.
    Short,
}

/// One line of the sheet, as the picker sees it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetLine {
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub line: PickLine,
    /// Sold by weight: the picker weighs it (or scans its weight label).
    pub weighed: bool,
    /// Of the ordered item itself.
    pub picked: Qty,
    /// Of substitutes taken for what was short.
    pub substituted: Qty,
    pub status: LineStatus,
    pub picks: Vec<Pick>,
    /// The batch to take first: the earliest to expire with stock left.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub take_batch: Option<Batch>,
}

impl SheetLine {
    /// What remains to pick of the ordered item.
    pub fn remaining(&self) -> Qty {
        self.line
            .qty
            .checked_sub(self.picked)
            .unwrap_or(Qty::ZERO)
            .max(Qty::ZERO)
    }
}

/// The lines in walk order: by zone, then bin, unslotted last; the order's
/// own order among equals.
/// `today` (`YYYY-MM-DD`, the store's day) keeps expired batches out of
/// the one to take first: they are pulled from the shelf, not picked.
pub fn sheet_lines(
    order: &PickOrder,
    picks: &[(u32, Pick)],
    short: &[u32],
    weighed: impl Fn(VariantId) -> bool,
    today: &str,
) -> Vec<SheetLine> {
    let mut lines: Vec<SheetLine> = order
        .lines
        .iter()
        .map(|line| {
            let mine: Vec<Pick> = picks
                .iter()
                .filter(|(l, _)| *l == line.line)
                .map(|(_, p)| p.clone())
                .collect();
            let sum = |own: bool| {
                Qty::checked_sum(
                    mine.iter()
                        .filter(|p| (p.variant_id == line.variant_id) == own)
                        .map(|p| p.qty),
                )
                .unwrap_or(Qty::ZERO)
            };
            let (picked, substituted) = (sum(true), sum(false));
            let weighed = weighed(line.variant_id);
            let enough = line.enough(weighed);
            let status = if short.contains(&line.line) {
                LineStatus::Short
            } else if picked >= enough {
                LineStatus::Done
            } else {
                LineStatus::Open
            };
            let take_batch = line
                .batches
                .iter()
                .find(|b| b.batch.expires_on.as_str() >= today && batch_left(b, &mine) > 0)
                .map(|b| b.batch.clone());
            SheetLine {
                line: line.clone(),
                weighed,
                picked,
                substituted,
                status,
                picks: mine,
                take_batch,
            }
        })
        .collect();
    lines.sort_by(|a, b| {
        let key = |l: &SheetLine| {
            (
                l.line.zone.is_none(),
                l.line.zone.clone(),
                l.line.bin.is_none(),
                l.line.bin.clone(),
                l.line.line,
            )
        };
        key(a).cmp(&key(b))
    });
    lines
}

/// What is left on the shelf of `batch`, less what this order took of it.
fn batch_left(batch: &pos_shared::orders::BatchStock, picks: &[Pick]) -> i64 {
    let taken: i64 = picks
        .iter()
        .filter(|p| p.batch.as_ref() == Some(&batch.batch))
        .map(|p| p.qty.milli())
        .sum();
    batch.on_hand.milli() - taken
}

/// Why a scan is not picked: a kind the screen reacts to and words for the
/// picker. `confirmable` ones are picked when the picker confirms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickRefusal {
    pub kind: &'static str,
    pub message: String,
    pub confirmable: bool,
}

fn refuse(kind: &'static str, message: String) -> PickRefusal {
    PickRefusal {
        kind,
        message,
        confirmable: false,
    }
}

/// A scanned item as the pick rules need it.
pub struct ScannedItem<'a> {
    pub variant_id: VariantId,
    pub name: &'a str,
    pub batch: Option<Batch>,
    /// AI 17, `YYYY-MM-DD`.
    pub expires_on: Option<&'a str>,
    /// From the symbol: net weight (kg) or count.
    pub weight: Option<Qty>,
    pub count: Option<u32>,
}

/// What the picker asked along with the scan.
#[derive(Debug, Clone, Default)]
pub struct ScanIntent {
    /// The quantity picked, when the symbol does not say (a weight typed in).
    pub qty: Option<Qty>,
    /// The line this item substitutes for.
    pub substitute_for: Option<u32>,
    /// Take a later batch although an earlier one is on the shelf.
    pub accept_later_batch: bool,
}

/// The line a scan is picked on and how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub line: u32,
    pub qty: Qty,
    pub substitute: bool,
}

/// Decides where a scanned item goes on the sheet, or why it does not.
pub fn place_scan(
    lines: &[SheetLine],
    item: &ScannedItem<'_>,
    intent: &ScanIntent,
    today: &str,
) -> Result<Placement, PickRefusal> {
    if let Some(expires) = item.expires_on {
        if expires < today {
            return Err(refuse(
                "expired_batch",
                format!(
                    "{} expired on {expires}: put this pack aside and take another.",
                    item.name
                ),
            ));
        }
    }
    let needs: Vec<&str> = lines
        .iter()
        .filter(|l| l.status == LineStatus::Open)
        .map(|l| l.line.name.as_str())
        .collect();
    let wrong = || {
        refuse(
            "wrong_item",
            if needs.is_empty() {
                format!(
                    "Wrong item: {}. Every line of this order is picked.",
                    item.name
                )
            } else {
                format!(
                    "Wrong item: this is {}. The order still needs {}.",
                    item.name,
                    needs.join(", ")
                )
            },
        )
    };
    let line = match intent.substitute_for {
        Some(n) => {
            let line = lines
                .iter()
                .find(|l| l.line.line == n)
                .ok_or_else(|| refuse("no_such_line", format!("The order has no line {n}.")))?;
            if line.line.price_of(item.variant_id).is_none()
                || item.variant_id == line.line.variant_id
            {
                let offered: Vec<&str> = line
                    .line
                    .substitutes
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect();
                return Err(refuse(
                    "wrong_item",
                    if offered.is_empty() {
                        format!("No substitute is offered for {}.", line.line.name)
                    } else {
                        format!(
                            "{} is not offered instead of {}. Offered: {}.",
                            item.name,
                            line.line.name,
                            offered.join(", ")
                        )
                    },
                ));
            }
            line
        }
        None => {
            let own: Vec<&SheetLine> = lines
                .iter()
                .filter(|l| l.line.variant_id == item.variant_id)
                .collect();
            match own
                .iter()
                .find(|l| l.status == LineStatus::Open)
                .or(own.first())
            {
                Some(line) => line,
                // An offered substitute for a line closed short goes there.
                None => lines
                    .iter()
                    .find(|l| {
                        l.status == LineStatus::Short
                            && l.line
                                .substitutes
                                .iter()
                                .any(|s| s.variant_id == item.variant_id)
                    })
                    .ok_or_else(wrong)?,
            }
        }
    };
    let substitute = item.variant_id != line.line.variant_id;
    if substitute && line.status != LineStatus::Short {
        return Err(refuse(
            "line_not_short",
            format!(
                "Mark {} short before picking a substitute for it.",
                line.line.name
            ),
        ));
    }
    let qty = if line.weighed && !substitute {
        match item.weight.or(intent.qty) {
            Some(w) if w.is_positive() => w,
            _ => {
                return Err(refuse(
                    "weight_needed",
                    format!("Weigh the {} and enter the weight in kg.", line.line.name),
                ))
            }
        }
    } else {
        match (item.count, intent.qty) {
            (Some(n), _) => Qty::units(i64::from(n)),
            (None, Some(q)) if q.is_positive() => q,
            (None, Some(_)) => {
                return Err(refuse(
                    "invalid_qty",
                    "The quantity must be positive.".into(),
                ))
            }
            (None, None) => Qty::units(1),
        }
    };
    if substitute {
        let short_by = line.remaining();
        let room = short_by.checked_sub(line.substituted).unwrap_or(Qty::ZERO);
        if qty > room {
            return Err(refuse(
                "too_many",
                format!(
                    "Only {room} more may be substituted for {} (short by {short_by}).",
                    line.line.name
                ),
            ));
        }
    } else {
        let most = line.line.most(line.weighed);
        let after = line
            .picked
            .checked_add(qty)
            .unwrap_or(Qty::from_milli(i64::MAX));
        if after > most {
            return Err(refuse(
                if line.status == LineStatus::Open {
                    "too_many"
                } else {
                    "line_complete"
                },
                if line.status == LineStatus::Open {
                    format!(
                        "Too many: {} needs {} and {} is picked; at most {} in all.",
                        line.line.name, line.line.qty, line.picked, most
                    )
                } else {
                    format!(
                        "{} is already picked: {} of {}.",
                        line.line.name, line.picked, line.line.qty
                    )
                },
            ));
        }
        // First to expire, first out: a later batch while an earlier one
        // is on the shelf is taken only when the picker says so.
        if let (Some(batch), false) = (&item.batch, intent.accept_later_batch) {
            let earlier = line.line.batches.iter().find(|b| {
                b.batch.expires_on < batch.expires_on
                    && b.batch.expires_on.as_str() >= today
                    && batch_left(b, &line.picks) > 0
            });
            if let Some(earlier) = earlier {
                return Err(PickRefusal {
                    kind: "earlier_batch_in_stock",
                    message: format!(
                        "Batch {} expires {}, but batch {} expires sooner ({}){}: take that first, or confirm to take this one.",
                        batch.code,
                        batch.expires_on,
                        earlier.batch.code,
                        earlier.batch.expires_on,
                        line.line.bin.as_deref().map(|b| format!(" in {b}")).unwrap_or_default()
                    ),
                    confirmable: true,
                });
            }
        }
    }
    Ok(Placement {
        line: line.line.line,
        qty,
        substitute,
    })
}

/// Lines not yet picked nor closed short: they keep the order from packing.
pub fn open_lines(lines: &[SheetLine]) -> Vec<&SheetLine> {
    lines
        .iter()
        .filter(|l| l.status == LineStatus::Open)
        .collect()
}

/// The packed order the picks come to, checked by the same rule the hub
/// applies.
pub fn packed_order(
    order: &PickOrder,
    lines: &[SheetLine],
    picker: Picker,
    pack_id: uuid::Uuid,
    started_at: Timestamp,
    packed_at: Timestamp,
    wrong_scans: u32,
) -> Result<PackedOrder, pos_shared::orders::PackRefused> {
    let weighed: BTreeSet<VariantId> = lines
        .iter()
        .filter(|l| l.weighed)
        .map(|l| l.line.variant_id)
        .collect();
    let mut packed_lines = Vec::with_capacity(lines.len());
    let mut total = Money::zero(order.total.currency());
    let mut by_line: Vec<&SheetLine> = lines.iter().collect();
    by_line.sort_by_key(|l| l.line.line);
    for line in by_line {
        let amount = line.line.check_picks(&line.picks, line.weighed)?;
        total = total
            .checked_add(amount)
            .map_err(|e| pos_shared::orders::PackRefused {
                field: "packed_total",
                detail: e.to_string(),
            })?;
        packed_lines.push(PackedLine {
            line: line.line.line,
            picks: line.picks.clone(),
            amount,
        });
    }
    let packed = PackedOrder {
        pack_id,
        order_id: order.order_id,
        store_id: order.store_id,
        picker,
        started_at,
        packed_at,
        lines: packed_lines,
        packed_total: total,
        wrong_scans,
    };
    order.check_pack(&packed, |v| weighed.contains(&v))?;
    Ok(packed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pos_shared::orders::{BatchStock, OrderState, SubstituteOffer};
    use pos_shared::{MovementId, StoreId};

    fn order() -> PickOrder {
        let batch = |code: &str, expires: &str, qty: i64| BatchStock {
            batch: Batch {
                code: code.into(),
                expires_on: expires.into(),
            },
            on_hand: Qty::units(qty),
        };
        let line =
            |n: u32, name: &str, qty: &str, zone: Option<&str>, bin: Option<&str>| PickLine {
                line: n,
                variant_id: VariantId::new(),
                name: name.into(),
                qty: Qty::parse(qty).unwrap(),
                unit_price: Money::inr(10_000),
                bin: bin.map(str::to_owned),
                zone: zone.map(str::to_owned),
                batches: Vec::new(),
                substitutes: Vec::new(),
            };
        let mut milk = line(0, "Milk 1L", "2", Some("chilled"), Some("C-01"));
        milk.batches = vec![batch("M1", "2026-12-05", 1), batch("M2", "2026-12-09", 10)];
        let mut dal = line(1, "Toor Dal 1kg", "1", Some("ambient"), Some("A-09"));
        dal.substitutes = vec![SubstituteOffer {
            variant_id: VariantId::new(),
            name: "Toor Dal 1kg (Tata)".into(),
            unit_price: Money::inr(9_000),
        }];
        let rice = line(2, "Rice (kg)", "1.5", Some("ambient"), Some("A-02"));
        let loose = line(3, "Bag", "1", None, None);
        PickOrder {
            order_id: uuid::Uuid::now_v7(),
            store_id: StoreId::new(),
            state: OrderState::Picking,
            channel: "app".into(),
            placed_at: Timestamp::now(),
            due_at: None,
            picker: None,
            lines: vec![milk, dal, rice, loose],
            total: Money::inr(55_000),
        }
    }

    fn item<'a>(line: &PickLine, name: &'a str) -> ScannedItem<'a> {
        ScannedItem {
            variant_id: line.variant_id,
            name,
            batch: None,
            expires_on: None,
            weight: None,
            count: None,
        }
    }

    fn pick(variant: VariantId, qty: &str, batch: Option<&str>) -> Pick {
        Pick {
            movement_id: MovementId::new(),
            variant_id: variant,
            qty: Qty::parse(qty).unwrap(),
            batch: batch.map(|c| Batch {
                code: c.into(),
                expires_on: if c == "M1" {
                    "2026-12-05"
                } else {
                    "2026-12-09"
                }
                .into(),
            }),
            picked_at: Timestamp::now(),
        }
    }

    #[test]
    fn the_sheet_walks_zone_then_bin() {
        let o = order();
        let rice = o.lines[2].variant_id;
        let lines = sheet_lines(&o, &[], &[], |v| v == rice, "2026-12-03");
        let walk: Vec<&str> = lines.iter().map(|l| l.line.name.as_str()).collect();
        assert_eq!(walk, ["Rice (kg)", "Toor Dal 1kg", "Milk 1L", "Bag"]);
        assert_eq!(lines[2].take_batch.as_ref().unwrap().code, "M1");
    }

    #[test]
    fn expired_batches_are_neither_taken_first_nor_held_up_as_earlier() {
        let mut o = order();
        let milk = o.lines[0].variant_id;
        // A lot that expired yesterday is still on the books.
        o.lines[0].batches.insert(
            0,
            BatchStock {
                batch: Batch {
                    code: "M0".into(),
                    expires_on: "2026-12-02".into(),
                },
                on_hand: Qty::units(4),
            },
        );
        let lines = sheet_lines(&o, &[], &[], |_| false, "2026-12-03");
        let milk_line = lines.iter().find(|l| l.line.variant_id == milk).unwrap();
        assert_eq!(milk_line.take_batch.as_ref().unwrap().code, "M1");
        let m1 = ScannedItem {
            batch: Some(Batch {
                code: "M1".into(),
                expires_on: "2026-12-05".into(),
            }),
            expires_on: Some("2026-12-05"),
            ..item(&o.lines[0], "Milk 1L")
        };
        assert!(place_scan(&lines, &m1, &ScanIntent::default(), "2026-12-03").is_ok());
    }

    #[test]
    fn scans_are_placed_checked_and_refused_in_words() {
        let o = order();
        let (milk, dal, rice) = (&o.lines[0], &o.lines[1], &o.lines[2]);
        let today = "2026-12-03";
        let lines = sheet_lines(&o, &[], &[], |v| v == rice.variant_id, "2026-12-03");
        let none = ScanIntent::default();
        // The ordered item goes on its line, one at a time.
        let placed = place_scan(&lines, &item(milk, "Milk 1L"), &none, today).unwrap();
        assert_eq!((placed.line, placed.qty), (0, Qty::units(1)));
        // Something else is the wrong item, naming what is needed.
        let stranger = ScannedItem {
            variant_id: VariantId::new(),
            ..item(milk, "Soap")
        };
        let e = place_scan(&lines, &stranger, &none, today).unwrap_err();
        assert_eq!(e.kind, "wrong_item");
        assert!(
            e.message.contains("Soap") && e.message.contains("Milk 1L"),
            "{}",
            e.message
        );
        // Past its expiry.
        let old = ScannedItem {
            expires_on: Some("2026-12-01"),
            ..item(milk, "Milk 1L")
        };
        assert_eq!(
            place_scan(&lines, &old, &none, today).unwrap_err().kind,
            "expired_batch"
        );
        // A later batch while the earlier one is in stock: warned, then taken on confirmation.
        let later = ScannedItem {
            batch: Some(Batch {
                code: "M2".into(),
                expires_on: "2026-12-09".into(),
            }),
            expires_on: Some("2026-12-09"),
            ..item(milk, "Milk 1L")
        };
        let e = place_scan(&lines, &later, &none, today).unwrap_err();
        assert_eq!(e.kind, "earlier_batch_in_stock");
        assert!(
            e.confirmable && e.message.contains("M1") && e.message.contains("C-01"),
            "{}",
            e.message
        );
        let confirmed = ScanIntent {
            accept_later_batch: true,
            ..ScanIntent::default()
        };
        assert!(place_scan(&lines, &later, &confirmed, today).is_ok());
        // Once the earlier batch's only unit is picked, the later one is fine.
        let picked = vec![(0, pick(milk.variant_id, "1", Some("M1")))];
        let lines = sheet_lines(&o, &picked, &[], |v| v == rice.variant_id, "2026-12-03");
        assert!(place_scan(&lines, &later, &none, today).is_ok());
        // A weighed item wants its weight.
        let e = place_scan(&lines, &item(rice, "Rice"), &none, today).unwrap_err();
        assert_eq!(e.kind, "weight_needed");
        let weighed = ScannedItem {
            weight: Some(Qty::parse("1.52").unwrap()),
            ..item(rice, "Rice")
        };
        assert_eq!(
            place_scan(&lines, &weighed, &none, today).unwrap().qty,
            Qty::parse("1.52").unwrap()
        );
        let heavy = ScannedItem {
            weight: Some(Qty::parse("1.7").unwrap()),
            ..item(rice, "Rice")
        };
        assert_eq!(
            place_scan(&lines, &heavy, &none, today).unwrap_err().kind,
            "too_many"
        );
        // A substitute only for a line closed short, and only one offered.
        let sub = &dal.substitutes[0];
        let tata = ScannedItem {
            variant_id: sub.variant_id,
            ..item(dal, "Tata Dal")
        };
        assert_eq!(
            place_scan(&lines, &tata, &none, today).unwrap_err().kind,
            "wrong_item"
        );
        let lines = sheet_lines(&o, &picked, &[1], |v| v == rice.variant_id, "2026-12-03");
        let placed = place_scan(&lines, &tata, &none, today).unwrap();
        assert_eq!((placed.line, placed.substitute), (1, true));
        let with_sub = vec![(1, pick(sub.variant_id, "1", None))];
        let lines = sheet_lines(&o, &with_sub, &[1], |v| v == rice.variant_id, "2026-12-03");
        assert_eq!(
            place_scan(&lines, &tata, &none, today).unwrap_err().kind,
            "too_many"
        );
    }

    #[test]
    fn picks_pack_into_the_order_the_hub_will_accept() {
        let o = order();
        let (milk, dal, rice, bag) = (&o.lines[0], &o.lines[1], &o.lines[2], &o.lines[3]);
        let sub = dal.substitutes[0].variant_id;
        let picks = vec![
            (0, pick(milk.variant_id, "2", Some("M1"))),
            (1, pick(sub, "1", None)),
            (2, pick(rice.variant_id, "1.42", None)),
            (3, pick(bag.variant_id, "1", None)),
        ];
        let lines = sheet_lines(&o, &picks, &[1], |v| v == rice.variant_id, "2026-12-03");
        assert!(
            open_lines(&lines).is_empty(),
            "1.42 of 1.5 kg is within a tenth"
        );
        let picker = Picker {
            terminal_id: pos_shared::TerminalId::new(),
            staff_id: pos_shared::StaffId::new(),
            name: "Asha".into(),
        };
        let packed = packed_order(
            &o,
            &lines,
            picker,
            uuid::Uuid::now_v7(),
            Timestamp::now(),
            Timestamp::now(),
            2,
        )
        .unwrap();
        assert_eq!(packed.wrong_scans, 2);
        assert_eq!(
            packed.packed_total,
            Money::inr(20_000 + 9_000 + 14_200 + 10_000)
        );
        assert_eq!(packed.movements().len(), 4);
    }
}
