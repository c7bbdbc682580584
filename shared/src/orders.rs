//! Delivery orders as both ends see them: where an order stands
//! ([`OrderState`]), the pick list a dark store's devices receive through the
//! feed ([`PickOrder`]), and the two facts a store sends back — a picker's
//! claim ([`OrderClaim`]) and the packed order ([`PackedOrder`]) with what was
//! really taken off the shelf.
//!
//! The rules a packed order must keep are here, once: what a line may hold
//! (the ordered item up to its quantity, or an offered substitute for what
//! was short), the movements packing makes, and the packed total. The device
//! checks them before it records the fact; the hub checks them again before
//! it commits the order's stock.

use crate::sync::{Batch, MovementReason, MovementRecord};
use crate::{Money, MovementId, Qty, StaffId, StoreId, TerminalId, Timestamp, VariantId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where an order stands. Each state has one successor; `cancelled` is
/// reachable only before picking starts.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    Pending,
    Confirmed,
    AssignedToStore,
    Picking,
    Packed,
    AssignedToPartner,
    PickedUp,
    InTransit,
    Delivered,
    Closed,
    Cancelled,
}

/// The forward path, in order.
pub const FORWARD_PATH: [OrderState; 10] = [
    OrderState::Pending,
    OrderState::Confirmed,
    OrderState::AssignedToStore,
    OrderState::Picking,
    OrderState::Packed,
    OrderState::AssignedToPartner,
    OrderState::PickedUp,
    OrderState::InTransit,
    OrderState::Delivered,
    OrderState::Closed,
];

impl OrderState {
    pub const ALL: [OrderState; 11] = [
        OrderState::Pending,
        OrderState::Confirmed,
        OrderState::AssignedToStore,
        OrderState::Picking,
        OrderState::Packed,
        OrderState::AssignedToPartner,
        OrderState::PickedUp,
        OrderState::InTransit,
        OrderState::Delivered,
        OrderState::Closed,
        OrderState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Pending => "pending",
            OrderState::Confirmed => "confirmed",
            OrderState::AssignedToStore => "assigned_to_store",
            OrderState::Picking => "picking",
            OrderState::Packed => "packed",
            OrderState::AssignedToPartner => "assigned_to_partner",
            OrderState::PickedUp => "picked_up",
            OrderState::InTransit => "in_transit",
            OrderState::Delivered => "delivered",
            OrderState::Closed => "closed",
            OrderState::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The one state that may follow on the forward path, if any.
    pub fn next(self) -> Option<OrderState> {
        let at = FORWARD_PATH.iter().position(|s| *s == self)?;
        FORWARD_PATH.get(at + 1).copied()
    }

    /// Whether the order may still be cancelled (nothing picked yet).
    pub fn cancellable(self) -> bool {
        matches!(
            self,
            OrderState::Pending | OrderState::Confirmed | OrderState::AssignedToStore
        )
    }

    /// No step follows.
    pub fn terminal(self) -> bool {
        matches!(self, OrderState::Closed | OrderState::Cancelled)
    }

    /// Counts against its store's order capacity.
    pub fn open(self) -> bool {
        !self.terminal() && self != OrderState::Delivered
    }

    /// The store may pick it: assigned to it and not yet packed.
    pub fn pickable(self) -> bool {
        matches!(self, OrderState::AssignedToStore | OrderState::Picking)
    }

    /// The domain event a step into this state is announced as.
    pub fn event_type(self) -> &'static str {
        match self {
            OrderState::Pending => "order.created",
            OrderState::Confirmed => "order.confirmed",
            OrderState::AssignedToStore => "order.assigned_to_store",
            OrderState::Picking => "order.picking",
            OrderState::Packed => "order.packed",
            OrderState::AssignedToPartner => "order.assigned_to_partner",
            OrderState::PickedUp => "order.picked_up",
            OrderState::InTransit => "order.in_transit",
            OrderState::Delivered => "order.delivered",
            OrderState::Closed => "order.closed",
            OrderState::Cancelled => "order.cancelled",
        }
    }
}

/// Who picks an order: the store terminal that claimed it and the picker
/// signed in there.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Picker {
    pub terminal_id: TerminalId,
    pub staff_id: StaffId,
    pub name: String,
}

/// A batch of an item in the store, with how much of it is on hand.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchStock {
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub batch: Batch,
    pub on_hand: Qty,
}

/// An item the picker may take instead of a line's own when it is short,
/// at the price the customer was promised (never more than the line's).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubstituteOffer {
    pub variant_id: VariantId,
    pub name: String,
    pub unit_price: Money,
}

/// One line of a pick list.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickLine {
    /// The line's place in the order.
    pub line: u32,
    pub variant_id: VariantId,
    pub name: String,
    pub qty: Qty,
    /// Per unit of `qty` (per kilogram for a weighed item).
    pub unit_price: Money,
    /// Where it is picked from in the store, if slotted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub bin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub zone: Option<String>,
    /// The store's batches of the item on hand, the first to expire first.
    #[serde(default)]
    pub batches: Vec<BatchStock>,
    #[serde(default)]
    pub substitutes: Vec<SubstituteOffer>,
}

/// An order as the store's devices receive it through the feed (protocol 6):
/// on assignment and on every later step, so a cancelled or handed-over
/// order leaves the pickers' queue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickOrder {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub order_id: Uuid,
    pub store_id: StoreId,
    pub state: OrderState,
    pub channel: String,
    pub placed_at: Timestamp,
    /// When the store's SLA target says it must be out of the door.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub due_at: Option<Timestamp>,
    /// The claim the hub took first, once it has heard of one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub picker: Option<Picker>,
    pub lines: Vec<PickLine>,
    /// What the customer was charged for, at order prices.
    pub total: Money,
}

/// A picker at a store terminal starting on an order (a fact). The hub takes
/// the first claim it hears of; a later claim by another terminal is kept
/// but loses, and the feed tells every device who won.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderClaim {
    pub claim_id: Uuid,
    pub order_id: Uuid,
    pub store_id: StoreId,
    pub picker: Picker,
    pub claimed_at: Timestamp,
}

/// What was taken off the shelf for a line: the ordered item or a substitute.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    /// The stock movement this pick makes; minted when it is scanned.
    pub movement_id: MovementId,
    pub variant_id: VariantId,
    pub qty: Qty,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub batch: Option<Batch>,
    pub picked_at: Timestamp,
}

/// A line as packed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackedLine {
    pub line: u32,
    pub picks: Vec<Pick>,
    /// What the line comes to at order prices (a substitute at its offer).
    pub amount: Money,
}

/// An order packed at the store (a fact): its picks become sale movements
/// with their batches, what was not picked is released, and the order's
/// total becomes `packed_total`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackedOrder {
    pub pack_id: Uuid,
    pub order_id: Uuid,
    pub store_id: StoreId,
    pub picker: Picker,
    pub started_at: Timestamp,
    pub packed_at: Timestamp,
    pub lines: Vec<PackedLine>,
    pub packed_total: Money,
    /// Scans refused as the wrong item while picking it: what pick
    /// accuracy is measured by.
    #[serde(default)]
    pub wrong_scans: u32,
}

impl Picker {
    /// The picker's name is what people read in the order's history.
    pub fn validate(&self) -> Result<(), String> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err("picker.name: 1 to 80 characters".into());
        }
        Ok(())
    }
}

impl PackedOrder {
    /// The shape a packed order keeps on its own (the order it belongs to
    /// is checked by [`PickOrder::check_pack`]); the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        self.picker.validate()?;
        if self.lines.len() > crate::limits::MAX_SALE_LINES {
            return Err(format!(
                "lines: at most {} lines",
                crate::limits::MAX_SALE_LINES
            ));
        }
        if self.packed_at.unix_millis() < self.started_at.unix_millis() {
            return Err("packed_at: before started_at".into());
        }
        for line in &self.lines {
            if line.picks.len() > crate::limits::MAX_SALE_LINES {
                return Err(format!("lines[{}].picks: too many picks", line.line));
            }
            for pick in &line.picks {
                if !pick.qty.is_positive() {
                    return Err(format!(
                        "lines[{}].picks: a pick's quantity must be positive",
                        line.line
                    ));
                }
                if let Some(batch) = &pick.batch {
                    batch
                        .validate()
                        .map_err(|(f, e)| format!("lines[{}].picks.batch.{f}: {e}", line.line))?;
                }
            }
        }
        Ok(())
    }
}

/// How a packed order went, for the store's pick performance.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PackStats {
    pub lines: u32,
    /// Lines with less of the ordered item than asked.
    pub short_lines: u32,
    /// Lines made up (in part) with a substitute.
    pub substituted_lines: u32,
    /// Items scanned onto the order.
    pub picks: u32,
    pub wrong_scans: u32,
}

impl PickOrder {
    /// What `packed` came to against this order; `weighed` as for
    /// [`PickOrder::check_pack`].
    pub fn pack_stats(
        &self,
        packed: &PackedOrder,
        weighed: impl Fn(VariantId) -> bool,
    ) -> PackStats {
        let picks_of = |line: u32| {
            packed
                .lines
                .iter()
                .find(|p| p.line == line)
                .map_or(&[][..], |p| &p.picks[..])
        };
        let count = |f: &dyn Fn(&PickLine) -> bool| {
            u32::try_from(self.lines.iter().filter(|l| f(l)).count()).unwrap_or(u32::MAX)
        };
        PackStats {
            lines: u32::try_from(self.lines.len()).unwrap_or(u32::MAX),
            short_lines: count(&|l| l.short_in(picks_of(l.line), weighed(l.variant_id))),
            substituted_lines: count(&|l| {
                picks_of(l.line)
                    .iter()
                    .any(|p| p.variant_id != l.variant_id)
            }),
            picks: u32::try_from(packed.lines.iter().map(|l| l.picks.len()).sum::<usize>())
                .unwrap_or(u32::MAX),
            wrong_scans: packed.wrong_scans,
        }
    }
}

/// How far past the ordered weight a weighed line may be packed (a loose
/// item is rarely exactly the weight asked): a tenth, in thousandths.
pub const WEIGHED_OVERPICK_PER_MILLE: i64 = 100;

/// Why a pick or a packed order does not fit its order; the text says
/// which line and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackRefused {
    pub field: &'static str,
    pub detail: String,
}

impl std::fmt::Display for PackRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.detail)
    }
}

fn refused(field: &'static str, detail: String) -> PackRefused {
    PackRefused { field, detail }
}

impl PickLine {
    /// The most that may be packed of the ordered item itself.
    pub fn most(&self, weighed: bool) -> Qty {
        if weighed {
            let extra = self.qty.milli() * WEIGHED_OVERPICK_PER_MILLE / 1_000;
            Qty::from_milli(self.qty.milli().saturating_add(extra))
        } else {
            self.qty
        }
    }

    /// The least of the ordered item that fills the line: all of it, or for
    /// a weighed item nine tenths (a loose item is rarely the exact weight).
    pub fn enough(&self, weighed: bool) -> Qty {
        if weighed {
            Qty::from_milli(self.qty.milli() - self.qty.milli() / 10)
        } else {
            self.qty
        }
    }

    /// Whether `picks` leave the line short of its own item.
    pub fn short_in(&self, picks: &[Pick], weighed: bool) -> bool {
        let own: i64 = picks
            .iter()
            .filter(|p| p.variant_id == self.variant_id)
            .map(|p| p.qty.milli())
            .sum();
        own < self.enough(weighed).milli()
    }

    /// The price a pick of `variant` is charged at on this line, if it may
    /// be packed here at all.
    pub fn price_of(&self, variant: VariantId) -> Option<Money> {
        if variant == self.variant_id {
            return Some(self.unit_price);
        }
        self.substitutes
            .iter()
            .find(|s| s.variant_id == variant)
            .map(|s| s.unit_price)
    }

    /// Checks the picks of this line: only the item or its offered
    /// substitutes; the item up to its quantity (a little over for a
    /// weighed one); substitutes only for what the item was short by.
    /// Answers the line's amount at order prices.
    pub fn check_picks(&self, picks: &[Pick], weighed: bool) -> Result<Money, PackRefused> {
        let mut own = Qty::ZERO;
        let mut others = Qty::ZERO;
        let mut amount = Money::new(0, self.unit_price.currency());
        for pick in picks {
            if !pick.qty.is_positive() {
                return Err(refused(
                    "picks",
                    format!("line {}: a pick's quantity must be positive", self.line),
                ));
            }
            if let Some(batch) = &pick.batch {
                batch.validate().map_err(|(_, e)| {
                    refused("picks", format!("line {}: batch: {e}", self.line))
                })?;
            }
            let Some(price) = self.price_of(pick.variant_id) else {
                return Err(refused(
                    "picks",
                    format!(
                        "line {}: {} is neither the ordered item nor one of its offered substitutes",
                        self.line, pick.variant_id
                    ),
                ));
            };
            let total = |q: Qty, add: Qty| q.checked_add(add).ok_or_else(overflow);
            if pick.variant_id == self.variant_id {
                own = total(own, pick.qty)?;
            } else {
                others = total(others, pick.qty)?;
            }
            amount = amount
                .checked_add(price.times(pick.qty).map_err(|_| overflow())?)
                .map_err(|_| overflow())?;
        }
        if own > self.most(weighed) {
            return Err(refused(
                "picks",
                format!(
                    "line {}: {own} picked of the {} ordered",
                    self.line, self.qty
                ),
            ));
        }
        let short = self.qty.checked_sub(own).unwrap_or(Qty::ZERO);
        if others > Qty::ZERO.max(short) {
            return Err(refused(
                "picks",
                format!(
                    "line {}: substitutes of {others} for a shortfall of {short}",
                    self.line
                ),
            ));
        }
        Ok(amount)
    }
}

fn overflow() -> PackRefused {
    refused("picks", "quantities or amounts out of range".into())
}

impl PickOrder {
    /// Checks `packed` against this order and answers the packed total;
    /// `weighed` tells a weighed item (sold by weight) from a counted one.
    pub fn check_pack(
        &self,
        packed: &PackedOrder,
        weighed: impl Fn(VariantId) -> bool,
    ) -> Result<Money, PackRefused> {
        if packed.order_id != self.order_id || packed.store_id != self.store_id {
            return Err(refused(
                "order_id",
                format!(
                    "the pack names order {} at store {}, not this order",
                    packed.order_id, packed.store_id
                ),
            ));
        }
        let mut total = Money::new(0, self.total.currency());
        let mut seen = std::collections::BTreeSet::new();
        let mut movements = std::collections::BTreeSet::new();
        for line in &packed.lines {
            let Some(ordered) = self.lines.iter().find(|l| l.line == line.line) else {
                return Err(refused(
                    "lines",
                    format!("the order has no line {}", line.line),
                ));
            };
            if !seen.insert(line.line) {
                return Err(refused(
                    "lines",
                    format!("line {} is packed twice", line.line),
                ));
            }
            for pick in &line.picks {
                if !movements.insert(pick.movement_id) {
                    return Err(refused(
                        "picks",
                        format!("movement {} is used twice", pick.movement_id),
                    ));
                }
            }
            let amount = ordered.check_picks(&line.picks, weighed(ordered.variant_id))?;
            if amount != line.amount {
                return Err(refused(
                    "lines",
                    format!(
                        "line {} comes to {amount}, not the {} it says",
                        line.line, line.amount
                    ),
                ));
            }
            total = total.checked_add(amount).map_err(|_| overflow())?;
        }
        if total != packed.packed_total {
            return Err(refused(
                "packed_total",
                format!(
                    "the picks come to {total}, not the {} packed",
                    packed.packed_total
                ),
            ));
        }
        Ok(total)
    }
}

impl PackedOrder {
    /// One sale movement per pick, off the store's shelf, under the pick's
    /// own movement id and batch.
    pub fn movements(&self) -> Vec<MovementRecord> {
        self.lines
            .iter()
            .flat_map(|line| line.picks.iter())
            .map(|pick| MovementRecord {
                movement_id: pick.movement_id,
                store_id: self.store_id,
                variant_id: pick.variant_id,
                delta: -pick.qty,
                reason: MovementReason::Sale,
                sale_id: None,
                terminal_id: Some(self.picker.terminal_id),
                occurred_at: pick.picked_at,
                batch: pick.batch.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(qty: &str) -> PickLine {
        PickLine {
            line: 0,
            variant_id: VariantId::new(),
            name: "Toor Dal 1kg".into(),
            qty: Qty::parse(qty).unwrap(),
            unit_price: Money::inr(15_000),
            bin: Some("A-01".into()),
            zone: Some("ambient".into()),
            batches: Vec::new(),
            substitutes: vec![SubstituteOffer {
                variant_id: VariantId::new(),
                name: "Toor Dal 1kg (other brand)".into(),
                unit_price: Money::inr(14_000),
            }],
        }
    }

    fn pick(variant: VariantId, qty: &str) -> Pick {
        Pick {
            movement_id: MovementId::new(),
            variant_id: variant,
            qty: Qty::parse(qty).unwrap(),
            batch: None,
            picked_at: Timestamp::now(),
        }
    }

    #[test]
    fn states_walk_forward_one_step_at_a_time() {
        for pair in FORWARD_PATH.windows(2) {
            assert_eq!(pair[0].next(), Some(pair[1]));
        }
        assert!(OrderState::AssignedToStore.pickable());
        assert!(!OrderState::Packed.pickable());
        for s in OrderState::ALL {
            assert_eq!(OrderState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn a_line_takes_its_item_up_to_the_quantity_and_substitutes_for_the_rest() {
        let l = line("3");
        let sub = l.substitutes[0].variant_id;
        let amount = l
            .check_picks(&[pick(l.variant_id, "2"), pick(sub, "1")], false)
            .unwrap();
        assert_eq!(amount, Money::inr(2 * 15_000 + 14_000));
        // Over the ordered quantity.
        let e = l
            .check_picks(&[pick(l.variant_id, "4")], false)
            .unwrap_err();
        assert!(e.detail.contains("4 picked of the 3"), "{e}");
        // A substitute beyond the shortfall.
        let e = l
            .check_picks(&[pick(l.variant_id, "3"), pick(sub, "1")], false)
            .unwrap_err();
        assert!(e.detail.contains("shortfall"), "{e}");
        // Something else entirely.
        let e = l
            .check_picks(&[pick(VariantId::new(), "1")], false)
            .unwrap_err();
        assert!(e.detail.contains("neither the ordered item"), "{e}");
        // A short pick is fine and comes to less.
        assert_eq!(
            l.check_picks(&[pick(l.variant_id, "1")], false).unwrap(),
            Money::inr(15_000)
        );
    }

    #[test]
    fn a_weighed_line_may_go_a_tenth_over() {
        let l = line("1.000");
        assert!(l.check_picks(&[pick(l.variant_id, "1.080")], true).is_ok());
        assert!(l
            .check_picks(&[pick(l.variant_id, "1.080")], false)
            .is_err());
        assert!(l.check_picks(&[pick(l.variant_id, "1.150")], true).is_err());
    }

    #[test]
    fn a_pack_must_add_up_and_name_each_line_once() {
        let l = line("2");
        let order = PickOrder {
            order_id: Uuid::now_v7(),
            store_id: StoreId::new(),
            state: OrderState::Picking,
            channel: "app".into(),
            placed_at: Timestamp::now(),
            due_at: None,
            picker: None,
            lines: vec![l.clone()],
            total: Money::inr(30_000),
        };
        let picks = vec![pick(l.variant_id, "2")];
        let mut packed = PackedOrder {
            pack_id: Uuid::now_v7(),
            order_id: order.order_id,
            store_id: order.store_id,
            picker: Picker {
                terminal_id: TerminalId::new(),
                staff_id: StaffId::new(),
                name: "Asha".into(),
            },
            started_at: Timestamp::now(),
            packed_at: Timestamp::now(),
            lines: vec![PackedLine {
                line: 0,
                picks,
                amount: Money::inr(30_000),
            }],
            packed_total: Money::inr(30_000),
            wrong_scans: 1,
        };
        assert_eq!(order.check_pack(&packed, |_| false), Ok(Money::inr(30_000)));
        let stats = order.pack_stats(&packed, |_| false);
        assert_eq!(
            (
                stats.lines,
                stats.short_lines,
                stats.picks,
                stats.wrong_scans
            ),
            (1, 0, 1, 1)
        );
        assert_eq!(packed.movements().len(), 1);
        assert_eq!(packed.movements()[0].delta, -Qty::parse("2").unwrap());
        packed.packed_total = Money::inr(1);
        assert_eq!(
            order.check_pack(&packed, |_| false).unwrap_err().field,
            "packed_total"
        );
        packed.packed_total = Money::inr(60_000);
        packed.lines.push(packed.lines[0].clone());
        assert!(order
            .check_pack(&packed, |_| false)
            .unwrap_err()
            .detail
            .contains("twice"));
    }
}
