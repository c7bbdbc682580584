//! Whether a store can take an order for an item now, and if not, every reason
//! why: the store's status, its assortment, and stock not already held.

use super::stores::Store;
use pos_shared::pricing::PriceSource;
use pos_shared::{Money, Qty, Timestamp, VariantId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StoreStatus {
    #[default]
    Open,
    Closed,
    /// Shut for work on the store; orders wait.
    Maintenance,
}

impl StoreStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreStatus::Open => "open",
            StoreStatus::Closed => "closed",
            StoreStatus::Maintenance => "maintenance",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "open" => StoreStatus::Open,
            "closed" => StoreStatus::Closed,
            "maintenance" => StoreStatus::Maintenance,
            _ => return None,
        })
    }
}

/// What, besides its stock, decides whether an item can be ordered at a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gates {
    pub status: StoreStatus,
    /// Open by status, but not at this hour of its opening hours.
    pub outside_hours: bool,
    /// In the store's assortment.
    pub listed: bool,
    /// HQ has stopped orders for the item at every store.
    pub disabled: bool,
    /// HQ has taken the item out of the catalog.
    pub deleted: bool,
    /// The item's stock at this store is on hold (a quality check, a recall).
    pub blocked: bool,
}

/// Every reason an order cannot be taken; none means it can.
pub fn reasons(gates: Gates, available: Qty) -> Vec<&'static str> {
    let mut why = Vec::new();
    match gates.status {
        StoreStatus::Open => {}
        StoreStatus::Closed => why.push("store_closed"),
        StoreStatus::Maintenance => why.push("store_maintenance"),
    }
    if gates.outside_hours {
        why.push("outside_hours");
    }
    if gates.deleted {
        why.push("item_deleted");
    }
    if gates.disabled {
        why.push("item_disabled");
    }
    if !gates.listed {
        why.push("not_in_assortment");
    }
    if gates.blocked {
        why.push("blocked");
    }
    if !available.is_positive() {
        why.push("zero_stock");
    }
    why
}

/// What decides whether one item can be ordered at one store, read inside a
/// transaction so a change can say whether it flipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderState {
    pub status: StoreStatus,
    pub outside_hours: bool,
    pub listed: bool,
    pub disabled: bool,
    pub deleted: bool,
    pub blocked: bool,
    pub on_hand_milli: i64,
    /// Held by reservations not past their expiry.
    pub held_milli: i64,
    /// The store's reorder point for the item, when it has one.
    pub reorder_point_milli: Option<i64>,
}

impl OrderState {
    pub fn available(&self) -> Qty {
        Qty::from_milli(self.on_hand_milli.saturating_sub(self.held_milli))
    }

    pub fn reasons(&self) -> Vec<&'static str> {
        reasons(self.gates(), self.available())
    }

    pub fn gates(&self) -> Gates {
        Gates {
            status: self.status,
            outside_hours: self.outside_hours,
            listed: self.listed,
            disabled: self.disabled,
            deleted: self.deleted,
            blocked: self.blocked,
        }
    }

    /// Down to its reorder point or below.
    pub fn low(&self) -> bool {
        self.reorder_point_milli
            .is_some_and(|point| self.available().milli() <= point)
    }

    /// `inventory.stock.low` when `self` → `after` takes the item down to its
    /// reorder point, `inventory.stock.replenished` when it climbs back above.
    /// Clearing the reorder point raises neither ([`OrderState::point_change`]
    /// says so).
    pub fn stock_alert(
        &self,
        after: &OrderState,
        store: pos_shared::StoreId,
        variant: VariantId,
    ) -> Option<super::events::NewEvent> {
        let point = after.reorder_point_milli?;
        let event_type = match (self.low(), after.low()) {
            (false, true) => "inventory.stock.low",
            (true, false) => "inventory.stock.replenished",
            _ => return None,
        };
        Some(super::events::by_hub(
            event_type,
            Some(store),
            serde_json::json!({
                "store_id": store, "variant_id": variant,
                "available": after.available(), "reorder_point": Qty::from_milli(point),
            }),
        ))
    }

    /// `inventory.reorder_point.changed` when `self` → `after` sets, moves
    /// or removes (`reorder_point` null) the item's reorder point: what is
    /// available against it and whether the item is low now, so a follower
    /// of the low alerts knows where the item stands (a point removed
    /// leaves no alert standing).
    pub fn point_change(
        &self,
        after: &OrderState,
        store: pos_shared::StoreId,
        variant: VariantId,
    ) -> Option<super::events::NewEvent> {
        (self.reorder_point_milli != after.reorder_point_milli).then(|| {
            super::events::by_hub(
                "inventory.reorder_point.changed",
                Some(store),
                serde_json::json!({
                    "store_id": store, "variant_id": variant,
                    "reorder_point": after.reorder_point_milli.map(Qty::from_milli),
                    "available": after.available(), "low": after.low(),
                }),
            )
        })
    }

    /// The `inventory.orderability.changed` event, when `self` → `after`
    /// turns the item orderable or stops it being so.
    pub fn flip(
        &self,
        after: &OrderState,
        store: pos_shared::StoreId,
        variant: VariantId,
    ) -> Option<super::events::NewEvent> {
        let (was, is) = (self.reasons().is_empty(), after.reasons());
        (was != is.is_empty()).then(|| {
            super::events::by_hub(
                "inventory.orderability.changed",
                Some(store),
                serde_json::json!({
                    "store_id": store, "variant_id": variant, "orderable": is.is_empty(),
                    "reasons": is, "available": after.available(),
                }),
            )
        })
    }
}

/// An item with a reorder point at a store, and where its stock stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReorderLine {
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
    pub reorder_point: Qty,
    /// On hand less what orders hold.
    pub available: Qty,
    /// At the reorder point or below: time to reorder.
    pub low: bool,
}

/// One item as a store's customers see it, in the one-call catalog view.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CatalogItem {
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
    pub barcode: String,
    /// In this store's assortment.
    pub listed: bool,
    pub price: Money,
    pub price_source: PriceSource,
    pub on_hand: Qty,
    pub reserved: Qty,
    pub available: Qty,
    pub orderable: bool,
    pub reasons: Vec<&'static str>,
    /// The bin pickers take it from, and the bin's zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
}

impl From<CatalogItem> for super::ledger::Position {
    fn from(item: CatalogItem) -> Self {
        super::ledger::Position {
            variant_id: item.variant_id,
            sku: item.sku,
            name: item.name,
            barcode: item.barcode,
            on_hand: item.on_hand,
            reserved: item.reserved,
            available: item.available,
            listed: item.listed,
            orderable: item.orderable,
            reasons: item.reasons,
            bin: item.bin,
            zone: item.zone,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CatalogView {
    pub store: Store,
    pub channel: String,
    pub at: Timestamp,
    /// In SKU order.
    pub items: Vec<CatalogItem>,
    /// Pass back as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_flip_of_orderability_is_an_event() {
        let open = OrderState {
            status: StoreStatus::Open,
            outside_hours: false,
            listed: true,
            disabled: false,
            deleted: false,
            blocked: false,
            on_hand_milli: 2_000,
            held_milli: 1_000,
            reorder_point_milli: None,
        };
        let (store, variant) = (pos_shared::StoreId::new(), VariantId::new());
        let fewer = OrderState {
            on_hand_milli: 1_500,
            ..open
        };
        assert!(open.flip(&fewer, store, variant).is_none());
        let gone = OrderState {
            held_milli: 2_000,
            ..open
        };
        let event = open.flip(&gone, store, variant).expect("flip");
        assert_eq!(event.event_type, "inventory.orderability.changed");
        assert_eq!(event.data["orderable"], false);
        assert_eq!(event.data["reasons"], serde_json::json!(["zero_stock"]));
        assert!(gone.flip(&open, store, variant).is_some());
        // A closed store stays unorderable whatever its stock does.
        let closed = OrderState {
            status: StoreStatus::Closed,
            ..open
        };
        let closed_gone = OrderState {
            held_milli: 2_000,
            ..closed
        };
        assert!(closed.flip(&closed_gone, store, variant).is_none());
    }

    #[test]
    fn every_reason_is_given() {
        let open = Gates {
            status: StoreStatus::Open,
            outside_hours: false,
            listed: true,
            disabled: false,
            deleted: false,
            blocked: false,
        };
        assert!(reasons(open, Qty::units(1)).is_empty());
        let everything = Gates {
            status: StoreStatus::Closed,
            outside_hours: true,
            listed: false,
            disabled: true,
            deleted: true,
            blocked: true,
        };
        assert_eq!(
            reasons(everything, Qty::ZERO),
            [
                "store_closed",
                "outside_hours",
                "item_deleted",
                "item_disabled",
                "not_in_assortment",
                "blocked",
                "zero_stock"
            ]
        );
        let maintenance = Gates {
            status: StoreStatus::Maintenance,
            ..open
        };
        assert_eq!(
            reasons(maintenance, Qty::units(-2)),
            ["store_maintenance", "zero_stock"]
        );
    }
}
