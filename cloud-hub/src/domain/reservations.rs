//! Stock held for orders: a reservation takes stock out of what a store can
//! promise until it is released, committed (the goods left the store) or
//! expires. The hub's sweeper settles expired ones.

use pos_shared::{Qty, StoreId, Timestamp, VariantId};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReservationState {
    Held,
    Released,
    Committed,
    Expired,
}

impl ReservationState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationState::Held => "held",
            ReservationState::Released => "released",
            ReservationState::Committed => "committed",
            ReservationState::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "held" => ReservationState::Held,
            "released" => ReservationState::Released,
            "committed" => ReservationState::Committed,
            "expired" => ReservationState::Expired,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Reservation {
    pub reservation_id: Uuid,
    pub store_id: StoreId,
    pub variant_id: VariantId,
    pub qty: Qty,
    /// The order system's reference, for people reading the ledger.
    pub order_ref: String,
    pub state: ReservationState,
    pub expires_at: Timestamp,
    pub created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settled_at: Option<Timestamp>,
}

impl Reservation {
    /// The reservation as its holder knows it at `now`: past its expiry a
    /// held one is expired, as committing or releasing it answers, whether
    /// or not the sweep has marked it yet (its stock stays held until then,
    /// `storage::sql::projection::Held::UntilReleased`).
    pub fn as_at(mut self, now: pos_shared::Timestamp) -> Self {
        if self.state == ReservationState::Held
            && self.expires_at.unix_millis() <= now.unix_millis()
        {
            self.state = ReservationState::Expired;
        }
        self
    }
}

#[derive(Debug, Clone)]
pub struct NewReservation {
    /// Lets order systems retry: the same id and request return the same reservation.
    pub reservation_id: Uuid,
    pub store_id: StoreId,
    pub variant_id: VariantId,
    pub qty: Qty,
    pub order_ref: String,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReservationOutcome {
    Created(Reservation),
    /// The same request again: the reservation as it stands.
    Existing(Reservation),
}

/// What a reservation is settled as, by whoever holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    Release,
    Commit,
}
