//! Recommendations (`domain::recommendations`): what a store's customers buy
//! with an item and what stands in for it. SQL in `sql/recommendations.rs`.

use crate::domain::recommendations::Recommendations;
use crate::storage::DbResult;
use pos_shared::{StoreId, TenantId, VariantId};

#[async_trait::async_trait]
pub trait RecommendationStorage: Send + Sync {
    /// What the store's sales of the last `days` bought with `item`, and its
    /// substitutes, at most `limit` of each, every one orderable at the store
    /// now. Not found: the store, or the item (deleted, another tenant's).
    async fn recommendations(
        &self,
        tenant: TenantId,
        store: StoreId,
        item: VariantId,
        days: u32,
        limit: usize,
    ) -> DbResult<Recommendations>;
}
