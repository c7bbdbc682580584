//! Delivery orders fulfilled by dark stores, as pure rules: the order's
//! state machine (which step may follow which, and what each step announces),
//! the distance between two places, and how a store is chosen for an order
//! (`StoreSelection`, one strategy per tenant: `nearest` or `balanced`).

use pos_shared::StoreId;
use serde::{Deserialize, Serialize};

pub use pos_shared::orders::{OrderState, FORWARD_PATH as PATH};

/// A step the state machine refuses: where the order is and what was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionRefused {
    pub current: OrderState,
    pub asked: OrderState,
}

impl std::fmt::Display for TransitionRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let allowed: Vec<&str> = allowed_from(self.current)
            .into_iter()
            .map(OrderState::as_str)
            .collect();
        write!(
            f,
            "the order is {}; it cannot become {} (allowed: {})",
            self.current.as_str(),
            self.asked.as_str(),
            if allowed.is_empty() {
                "none".to_owned()
            } else {
                allowed.join(", ")
            }
        )
    }
}

/// The states an order in `current` may step to.
pub fn allowed_from(current: OrderState) -> Vec<OrderState> {
    let mut allowed: Vec<OrderState> = current.next().into_iter().collect();
    if current.cancellable() {
        allowed.push(OrderState::Cancelled);
    }
    allowed
}

/// Checks one step of the state machine.
pub fn transition(current: OrderState, asked: OrderState) -> Result<(), TransitionRefused> {
    if allowed_from(current).contains(&asked) {
        Ok(())
    } else {
        Err(TransitionRefused { current, asked })
    }
}

/// Great-circle distance in metres between two points given in degrees
/// (haversine, mean Earth radius).
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// A dark store as store selection sees it for one order.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub store_id: StoreId,
    pub distance_m: f64,
    pub radius_m: u32,
    /// Open by its status and its hours now.
    pub open: bool,
    pub open_orders: u32,
    pub capacity: u32,
    /// Every line is orderable there in full.
    pub lines_fit: bool,
    /// The smallest ratio of available stock to the quantity asked over the
    /// order's lines (1.0 is just enough).
    pub cover: f64,
}

impl Candidate {
    pub fn in_range(&self) -> bool {
        self.distance_m <= f64::from(self.radius_m)
    }

    pub fn under_capacity(&self) -> bool {
        self.open_orders < self.capacity
    }

    /// Can take the order now.
    pub fn eligible(&self) -> bool {
        self.in_range() && self.open && self.under_capacity() && self.lines_fit
    }

    /// Its share of capacity in use, 0 to 1.
    pub fn load(&self) -> f64 {
        f64::from(self.open_orders) / f64::from(self.capacity.max(1))
    }
}

/// Why no store could take an order, the first gate every candidate failed
/// (checked in this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoStore {
    NoStoreInRange,
    NoStoreOpen,
    NoStoreUnderCapacity,
    /// Some store in range, open and under capacity, but short of or not
    /// selling a line (the lines say which).
    LinesNotAvailable,
}

/// Chooses the store for an order among candidates: a strategy per tenant.
pub trait StoreSelection: Send + Sync {
    /// The name a tenant setting chooses it by.
    fn name(&self) -> &'static str;

    /// Lower is better; only eligible candidates are scored.
    fn score(&self, candidate: &Candidate) -> f64;

    /// The best eligible candidate (ties to the smaller store id, so the
    /// choice is stable), or why there is none.
    fn choose(&self, candidates: &[Candidate]) -> Result<StoreId, NoStore> {
        candidates
            .iter()
            .filter(|c| c.eligible())
            .min_by(|a, b| {
                self.score(a)
                    .total_cmp(&self.score(b))
                    .then_with(|| a.store_id.as_uuid().cmp(&b.store_id.as_uuid()))
            })
            .map(|c| c.store_id)
            .ok_or_else(|| why_none(candidates))
    }
}

/// The first gate that left no candidate.
pub fn why_none(candidates: &[Candidate]) -> NoStore {
    let in_range: Vec<&Candidate> = candidates.iter().filter(|c| c.in_range()).collect();
    if in_range.is_empty() {
        return NoStore::NoStoreInRange;
    }
    let open: Vec<&&Candidate> = in_range.iter().filter(|c| c.open).collect();
    if open.is_empty() {
        return NoStore::NoStoreOpen;
    }
    if !open.iter().any(|c| c.under_capacity()) {
        return NoStore::NoStoreUnderCapacity;
    }
    NoStore::LinesNotAvailable
}

/// The closest store that can take the order.
pub struct Nearest;

impl StoreSelection for Nearest {
    fn name(&self) -> &'static str {
        "nearest"
    }

    fn score(&self, candidate: &Candidate) -> f64 {
        candidate.distance_m
    }
}

/// Weighs distance (as a share of the store's radius), load (share of
/// capacity in use) and stock cover (thin cover scores worse), so a slightly
/// farther store with room and stock takes the order from a busy one.
pub struct Balanced;

impl StoreSelection for Balanced {
    fn name(&self) -> &'static str {
        "balanced"
    }

    fn score(&self, c: &Candidate) -> f64 {
        let distance = c.distance_m / f64::from(c.radius_m.max(1));
        // Cover of 3x the order or more counts as plenty.
        let thin = 1.0 - (c.cover / 3.0).clamp(0.0, 1.0);
        0.5 * distance + 0.3 * c.load() + 0.2 * thin
    }
}

/// The strategies a tenant may choose, by name.
pub const STRATEGIES: [&str; 2] = ["nearest", "balanced"];

/// The default strategy: `nearest`.
pub fn strategy(name: &str) -> Option<Box<dyn StoreSelection>> {
    match name {
        "nearest" => Some(Box::new(Nearest)),
        "balanced" => Some(Box::new(Balanced)),
        _ => None,
    }
}

/// A line as the order system asks for it: the item by variant id or by
/// barcode (resolved by the hub), and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<pos_shared::VariantId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    pub qty: pos_shared::Qty,
}

/// An order as placed, checked for shape by the HTTP layer.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub idempotency_key: String,
    /// A fingerprint of the body: the same key with another body is refused.
    pub request_hash: String,
    pub channel: String,
    pub lat: f64,
    pub lon: f64,
    pub contact: String,
    pub lines: Vec<LineRequest>,
    /// How long its stock is held before the sweeper lets it go.
    pub hold: std::time::Duration,
    /// Authorised at the channel's checkout; `None` is cash on delivery.
    pub payment: Option<super::delivery::NewPayment>,
    /// The stores the placing key is limited to; empty for every store.
    pub stores: Vec<StoreId>,
}

/// One line of a placed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderLine {
    pub variant_id: pos_shared::VariantId,
    #[schema(value_type = String)]
    pub qty: pos_shared::Qty,
    pub reservation_id: uuid::Uuid,
    /// What the customer is charged per unit: the store's price for the
    /// order's channel when it was placed (absent on orders placed before
    /// orders were priced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<pos_shared::Money>,
}

/// One step an order took: from, to, who and when.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Transition {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<OrderState>,
    pub to: OrderState,
    /// The API key, user or device that asked (`api_key:…`, `user:…`), or
    /// `hub` for the hub's own sweeps.
    pub actor: String,
    pub at: pos_shared::Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Order {
    pub id: uuid::Uuid,
    pub store_id: StoreId,
    pub state: OrderState,
    pub channel: String,
    pub idempotency_key: String,
    pub customer_lat: f64,
    pub customer_lon: f64,
    pub contact: String,
    /// From the store to the customer, in metres.
    pub distance_m: u64,
    pub lines: Vec<OrderLine>,
    /// The lines at their prices, as placed.
    pub total: pos_shared::Money,
    /// What was picked, at order prices, once packed: the amount to charge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packed_total: Option<pos_shared::Money>,
    /// The claim the hub heard of first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picker: Option<pos_shared::orders::Picker>,
    /// How the pack went, once packed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pack_stats: Option<pos_shared::orders::PackStats>,
    pub created_at: pos_shared::Timestamp,
    /// When the SLA clock started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<pos_shared::Timestamp>,
    /// Confirmation plus the store's SLA target, while it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<pos_shared::Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    pub transitions: Vec<Transition>,
    /// Absent for cash on delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment: Option<super::delivery::OrderPayment>,
    /// Once the hand-over to a delivery partner was tried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<super::delivery::OrderDelivery>,
}

impl Order {
    /// When it was delivered, if it was.
    pub fn delivered_at(&self) -> Option<pos_shared::Timestamp> {
        self.transitions
            .iter()
            .find(|t| t.to == OrderState::Delivered)
            .map(|t| t.at)
    }

    /// Past its SLA at `now`: delivered after its due time, or not delivered
    /// (nor cancelled) by it.
    pub fn sla_breached(&self, now: pos_shared::Timestamp) -> bool {
        let Some(due) = self.due_at else { return false };
        if self.state == OrderState::Cancelled {
            return false;
        }
        self.delivered_at().unwrap_or(now).unix_millis() > due.unix_millis()
    }
}

/// How a store has done with its orders over a window ending at `at`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Performance {
    pub store_id: StoreId,
    pub from: pos_shared::Timestamp,
    pub at: pos_shared::Timestamp,
    /// Orders placed in the window.
    pub placed: u64,
    /// Placed per hour of the window.
    pub orders_per_hour: f64,
    pub delivered: u64,
    pub cancelled: u64,
    /// Orders of the window past their SLA at `at`.
    pub sla_breaches: u64,
    /// Orders of the window still counting against capacity.
    pub open: u64,
    /// Orders of the window packed.
    pub packed: u64,
    /// Of the packed orders' lines, the share packed in full (1.0: none
    /// short); absent when nothing was packed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pick_accuracy: Option<f64>,
    /// Of the scans onto packed orders, the share that was the right item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan_accuracy: Option<f64>,
    /// Lines packed with a substitute.
    pub substituted_lines: u64,
}

impl Performance {
    /// Tallies `orders` (those placed in the window) of one store.
    pub fn of(
        store_id: StoreId,
        from: pos_shared::Timestamp,
        at: pos_shared::Timestamp,
        orders: &[Order],
    ) -> Self {
        let count = |f: &dyn Fn(&Order) -> bool| orders.iter().filter(|o| f(o)).count() as u64;
        let hours = ((at.unix_millis() - from.unix_millis()).max(1) as f64) / 3_600_000.0;
        #[derive(Default)]
        struct Totals {
            lines: u64,
            short_lines: u64,
            substituted_lines: u64,
            picks: u64,
            wrong_scans: u64,
        }
        let stats = orders
            .iter()
            .filter_map(|o| o.pack_stats)
            .fold(Totals::default(), |t, s| Totals {
                lines: t.lines + u64::from(s.lines),
                short_lines: t.short_lines + u64::from(s.short_lines),
                substituted_lines: t.substituted_lines + u64::from(s.substituted_lines),
                picks: t.picks + u64::from(s.picks),
                wrong_scans: t.wrong_scans + u64::from(s.wrong_scans),
            });
        Performance {
            store_id,
            from,
            at,
            placed: orders.len() as u64,
            orders_per_hour: orders.len() as f64 / hours,
            delivered: count(&|o| o.delivered_at().is_some()),
            cancelled: count(&|o| o.state == OrderState::Cancelled),
            sla_breaches: count(&|o| o.sla_breached(at)),
            open: count(&|o| o.state.open()),
            packed: count(&|o| o.pack_stats.is_some()),
            pick_accuracy: (stats.lines > 0)
                .then(|| 1.0 - stats.short_lines as f64 / stats.lines as f64),
            scan_accuracy: (stats.picks + stats.wrong_scans > 0)
                .then(|| stats.picks as f64 / (stats.picks + stats.wrong_scans) as f64),
            substituted_lines: stats.substituted_lines,
        }
    }
}

/// The smallest UUIDv7 minted at `at`: orders after it were placed at `at`
/// or later (their ids are UUIDv7).
pub fn first_id_at(at: pos_shared::Timestamp) -> uuid::Uuid {
    let ms = u64::try_from(at.unix_millis()).unwrap_or(0);
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    bytes[6] = 0x70;
    bytes[8] = 0x80;
    uuid::Uuid::from_bytes(bytes)
}

/// Why a line cannot be had at the store the order was weighed against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum LineProblem {
    /// No variant with that id or barcode (a deleted one is `not_orderable`
    /// with `item_deleted`).
    UnknownItem,
    /// Not orderable there, with the orderability reasons.
    NotOrderable { reasons: Vec<String> },
    /// Orderable but short by this much.
    Short {
        #[schema(value_type = String)]
        short_by: pos_shared::Qty,
    },
}

/// A line that could not be had, with items to offer instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LineRefusal {
    /// The line's place in the order's `lines`.
    pub index: usize,
    #[serde(flatten)]
    pub problem: LineProblem,
    /// The item's substitutes at the candidate store (those of its
    /// recommendations: the same category, the same brand first)
    /// that can be ordered there in the line's quantity.
    pub substitutes: Vec<pos_shared::VariantId>,
}

/// An order no store could take: why, the store it was weighed against (the
/// nearest in range, if any) and what is wrong with each line there.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = OrderRefusal)]
pub struct Refusal {
    pub reason: NoStore,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate_store_id: Option<StoreId>,
    pub lines: Vec<LineRefusal>,
}

/// What placing an order came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Placement {
    Created(Order),
    /// The same key and body again: the order as it stands.
    Existing(Order),
    Refused(Refusal),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forward_path_is_one_step_at_a_time() {
        for pair in PATH.windows(2) {
            assert_eq!(transition(pair[0], pair[1]), Ok(()));
            assert_eq!(pair[0].next(), Some(pair[1]));
        }
        assert_eq!(OrderState::Closed.next(), None);
        assert_eq!(OrderState::Cancelled.next(), None);
    }

    #[test]
    fn every_other_step_is_refused_naming_both_states() {
        for from in OrderState::ALL {
            for to in OrderState::ALL {
                let ok =
                    from.next() == Some(to) || (to == OrderState::Cancelled && from.cancellable());
                assert_eq!(transition(from, to).is_ok(), ok, "{from:?} -> {to:?}");
                if let Err(e) = transition(from, to) {
                    let text = e.to_string();
                    assert!(
                        text.contains(from.as_str()) && text.contains(to.as_str()),
                        "{text}"
                    );
                }
            }
        }
        assert!(transition(OrderState::Picking, OrderState::Cancelled).is_err());
        assert!(transition(OrderState::AssignedToStore, OrderState::Cancelled).is_ok());
    }

    #[test]
    fn states_and_events_have_stable_names() {
        for s in OrderState::ALL {
            assert_eq!(OrderState::parse(s.as_str()), Some(s));
            assert!(s.event_type().starts_with("order."));
        }
        assert_eq!(OrderState::Pending.event_type(), "order.created");
        assert_eq!(OrderState::parse("PICKING"), None);
    }

    #[test]
    fn the_first_id_at_a_time_sorts_before_every_later_order() {
        let at = pos_shared::Timestamp::now();
        let first = first_id_at(at);
        let minted = uuid::Uuid::now_v7();
        assert!(first <= minted);
        let earlier = first_id_at(pos_shared::Timestamp::from_unix_millis(
            at.unix_millis() - 1,
        ));
        assert!(earlier < first);
    }

    #[test]
    fn distance_is_haversine() {
        // Bengaluru MG Road to Indiranagar: about 3.7 km.
        let d = distance_m(12.9756, 77.6066, 12.9784, 77.6408);
        assert!((3_600.0..3_800.0).contains(&d), "{d}");
        assert_eq!(distance_m(10.0, 20.0, 10.0, 20.0), 0.0);
        // A degree of latitude is about 111.2 km.
        let d = distance_m(0.0, 0.0, 1.0, 0.0);
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
    }

    fn candidate(distance_m: f64, open_orders: u32, cover: f64) -> Candidate {
        Candidate {
            store_id: StoreId::new(),
            distance_m,
            radius_m: 5_000,
            open: true,
            open_orders,
            capacity: 10,
            lines_fit: true,
            cover,
        }
    }

    #[test]
    fn nearest_takes_the_closest_eligible_store() {
        let near_full = Candidate {
            open_orders: 10,
            ..candidate(500.0, 0, 5.0)
        };
        let mid = candidate(1_500.0, 9, 1.0);
        let far = candidate(4_000.0, 0, 10.0);
        let out = candidate(6_000.0, 0, 10.0);
        let all = [near_full, mid.clone(), far.clone(), out];
        assert_eq!(Nearest.choose(&all), Ok(mid.store_id));
        // Balanced prefers the idle, well-stocked store a little farther.
        let idle = candidate(2_000.0, 0, 10.0);
        assert_eq!(
            Balanced.choose(&[mid.clone(), idle.clone()]),
            Ok(idle.store_id)
        );
        assert_eq!(Nearest.choose(&[mid.clone(), idle]), Ok(mid.store_id));
        assert_eq!(strategy("balanced").unwrap().name(), "balanced");
        assert!(strategy("random").is_none());
    }

    #[test]
    fn no_store_names_the_first_gate_every_store_failed() {
        let out = candidate(6_000.0, 0, 1.0);
        assert_eq!(
            Nearest.choose(std::slice::from_ref(&out)),
            Err(NoStore::NoStoreInRange)
        );
        assert_eq!(Nearest.choose(&[]), Err(NoStore::NoStoreInRange));
        let closed = Candidate {
            open: false,
            ..candidate(100.0, 0, 1.0)
        };
        assert_eq!(
            Nearest.choose(&[out.clone(), closed.clone()]),
            Err(NoStore::NoStoreOpen)
        );
        let full = Candidate {
            open_orders: 10,
            ..candidate(100.0, 0, 1.0)
        };
        assert_eq!(
            Nearest.choose(&[closed.clone(), full.clone()]),
            Err(NoStore::NoStoreUnderCapacity)
        );
        let short = Candidate {
            lines_fit: false,
            ..candidate(100.0, 0, 0.5)
        };
        assert_eq!(
            Balanced.choose(&[closed, full, short]),
            Err(NoStore::LinesNotAvailable)
        );
    }
}
