//! Delivery orders with dark stores; SQL in `sql/orders.rs`.

use crate::domain::orders::{NewOrder, Order, OrderState, Placement};
use crate::storage::DbResult;
use pos_shared::{StoreId, TenantId};

/// Placing orders (store selection and every reservation in one
/// transaction), their steps, and reading them back.
#[async_trait::async_trait]
pub trait OrderStorage: Send + Sync {
    /// Chooses a store by the tenant's strategy and holds every line there,
    /// all or none; the same key and body again is the same order, another
    /// body under the key a conflict on `idempotency_key`.
    async fn place_order(&self, tenant: TenantId, order: &NewOrder) -> DbResult<Placement>;
    async fn order(&self, tenant: TenantId, id: uuid::Uuid) -> DbResult<Order>;
    /// Moves an order one step (checked by the state machine), recorded with
    /// `actor`; cancelling releases its held stock.
    async fn transition_order(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        to: OrderState,
        actor: &str,
        reason: Option<&str>,
    ) -> DbResult<Order>;
    /// Orders by creation, oldest first, optionally of one state and store,
    /// after the cursor (an order id).
    async fn orders(
        &self,
        tenant: TenantId,
        state: Option<OrderState>,
        store: Option<StoreId>,
        after: Option<uuid::Uuid>,
        limit: u32,
    ) -> DbResult<Vec<Order>>;
    /// The tenant's store-selection strategy (`nearest`, `balanced`).
    async fn set_order_strategy(&self, tenant: TenantId, strategy: &str) -> DbResult<()>;
}
