//! Loyalty points as HQ keeps them (`pos_shared::loyalty` has the scheme):
//! a customer's points across the chain, each till's grant on them, HQ's
//! adjustments, and the statement. Grants follow the escrow of
//! [`super::escrow`], with the points the hub holds free as the limit.

use pos_shared::{StoreId, TerminalId, Timestamp};
use serde::Serialize;
use uuid::Uuid;

/// The longest reason HQ gives for an adjustment.
pub const MAX_REASON: usize = 200;

/// One till's standing on a customer's points, as the hub has heard it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PointsShare {
    pub terminal_id: TerminalId,
    /// Cumulative grant, never lowered.
    pub granted: i64,
    /// Cumulative points the till gave back.
    pub released: i64,
    /// Earned on bills at this till.
    pub earned: i64,
    /// Redeemed on bills at this till.
    pub redeemed: i64,
}

impl super::escrow::Holding for PointsShare {
    fn terminal(&self) -> TerminalId {
        self.terminal_id
    }
    fn granted(&self) -> i64 {
        self.granted
    }
    fn set_granted(&mut self, granted: i64) {
        self.granted = granted;
    }
    fn released(&self) -> i64 {
        self.released
    }
    fn used(&self) -> i64 {
        self.redeemed
    }
    fn returned(&self) -> i64 {
        self.earned
    }
}

/// A customer's points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PointsReport {
    pub phone: String,
    /// Earned + adjusted − taken back − redeemed.
    pub balance: i64,
    pub earned: i64,
    pub redeemed: i64,
    /// HQ's adjustments, added up.
    pub adjusted: i64,
    /// Taken back for returns of bills that earned them.
    pub taken_back: i64,
    /// What each till of the stores that know the customer holds offline.
    pub keep: i64,
    pub tills: Vec<PointsShare>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl PointsReport {
    /// The escrow's limit: what the hub gives out on its own account, on
    /// top of what the tills earned, net of what returns took back there
    /// (which they hold until they give it back).
    pub fn limit(&self) -> i64 {
        self.adjusted
    }
}

/// A line of a customer's points statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PointsEntry {
    /// The bill's id, or the adjustment's.
    pub id: Uuid,
    /// `bill` or `adjustment`.
    pub kind: String,
    pub occurred_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_id: Option<StoreId>,
    /// Points earned (or HQ's adjustment, which may be negative).
    pub earned: i64,
    pub redeemed: i64,
    /// HQ's adjustment (either way).
    pub adjusted: i64,
    /// Taken back by this return of what its bill earned.
    pub taken_back: i64,
    /// The bill's number, or HQ's reason.
    pub reference: String,
    /// The balance after this entry.
    pub balance: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PointsStatement {
    pub account: PointsReport,
    /// Oldest first.
    pub entries: Vec<PointsEntry>,
}

/// HQ's adjustment, already checked.
#[derive(Debug, Clone)]
pub struct PointsAdjustment {
    pub adjustment_id: Uuid,
    pub phone: String,
    pub points: i64,
    pub reason: String,
}

pub use pos_shared::loyalty::taken_back;
