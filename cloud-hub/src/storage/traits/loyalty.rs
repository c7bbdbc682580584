//! Loyalty points (`domain::loyalty`): HQ's rules, a customer's points and
//! statement, HQ's adjustments; a till's top-up of its grant at a bill paid
//! in points online. Bills that earn or redeem points and the tills'
//! releases arrive as facts (`FactStorage`). SQL in `sql/loyalty.rs`.

use crate::domain::loyalty::{PointsAdjustment, PointsReport, PointsStatement};
use crate::domain::stores::DeviceIdentity;
use crate::storage::DbResult;
use pos_shared::loyalty::{LoyaltyAccount, LoyaltyRules};
use pos_shared::TenantId;

#[async_trait::async_trait]
pub trait LoyaltyStorage: Send + Sync {
    /// Sets the tenant's rules; every store's tills hear them.
    async fn set_loyalty_rules(&self, tenant: TenantId, rules: &LoyaltyRules) -> DbResult<()>;
    async fn loyalty_rules(&self, tenant: TenantId) -> DbResult<Option<LoyaltyRules>>;
    /// A customer's points with every entry; not found when they have none.
    async fn points_statement(&self, tenant: TenantId, phone: &str) -> DbResult<PointsStatement>;
    /// Adds HQ's adjustment (once per id) and regrants the tills; `false`
    /// when the same adjustment was made before.
    async fn adjust_points(
        &self,
        tenant: TenantId,
        adjustment: &PointsAdjustment,
    ) -> DbResult<(PointsReport, bool)>;
    /// Raises the till's grant by what it needs for a bill paid in points
    /// now, as far as the points the hub holds free allow.
    async fn loyalty_top_up(
        &self,
        device: &DeviceIdentity,
        phone: &str,
        need: i64,
    ) -> DbResult<LoyaltyAccount>;
}
