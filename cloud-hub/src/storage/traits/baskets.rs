//! The recommendations' projection (`domain::baskets`): the basket worker's
//! place in each tenant's events, the sales it reads there, and what it
//! adds. SQL in `sql/baskets.rs`.

use crate::domain::baskets::{BasketTally, SoldEvent};
use crate::storage::DbResult;
use pos_shared::TenantId;

#[async_trait::async_trait]
pub trait BasketStorage: Send + Sync {
    /// Every tenant and the number of its last event.
    async fn event_heads(&self) -> DbResult<Vec<(TenantId, u64)>>;
    /// How far into the tenant's events the projection has read; `None`
    /// before it was first built.
    async fn basket_place(&self, tenant: TenantId) -> DbResult<Option<u64>>;
    /// The sales among the tenant's events after `after`, up to and with
    /// `upto`, in their order. `CursorExpired` when the events after `after`
    /// were pruned.
    async fn sold_events(
        &self,
        tenant: TenantId,
        after: u64,
        upto: u64,
    ) -> DbResult<Vec<SoldEvent>>;
    /// Adds `tally` to the projection and moves its place from `from` to
    /// `through`, in one transaction. `false`, with nothing written, when the
    /// place is no longer `from` (another hub's worker moved it).
    async fn record_baskets(
        &self,
        tenant: TenantId,
        from: u64,
        through: u64,
        tally: &BasketTally,
    ) -> DbResult<bool>;
    /// Builds the tenant's projection again from its sales ledger since
    /// `since_ms`, with its place at the events the ledger read reflects, if
    /// the place is still `was` (`None`: never built). The new place, or
    /// `None` when another hub's worker moved it.
    async fn rebuild_baskets(
        &self,
        tenant: TenantId,
        was: Option<u64>,
        since_ms: i64,
    ) -> DbResult<Option<u64>>;
    /// Drops the projection's days before `before_day`.
    async fn prune_baskets(&self, tenant: TenantId, before_day: i64) -> DbResult<()>;
}
