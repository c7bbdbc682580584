//! Recommendations (`domain::recommendations`): what customers buy with an
//! item (at a store, across the chain, as a till's add-ons), what stands in
//! for it, what is selling more. SQL in `sql/recommendations.rs`.

use crate::domain::recommendations::{
    ChainRecommendations, RecommendationRules, Recommendations, Trending,
};
use crate::storage::DbResult;
use pos_shared::{StoreId, TenantId, VariantId};

#[async_trait::async_trait]
pub trait RecommendationStorage: Send + Sync {
    /// What the store's sales of the last `days` bought with `item` (then,
    /// with `chain`, the chain's), and its substitutes, at most `limit` of
    /// each, every one orderable at the store now. Not found: the store, or
    /// the item (deleted, another tenant's).
    async fn recommendations(
        &self,
        tenant: TenantId,
        store: StoreId,
        item: VariantId,
        days: u32,
        limit: usize,
        chain: bool,
    ) -> DbResult<Recommendations>;
    /// What the chain's sales of the last `days` bought with `item`, HQ's
    /// pins first and its exclusions left out, at most `limit`. Not found:
    /// the item.
    async fn chain_recommendations(
        &self,
        tenant: TenantId,
        item: VariantId,
        days: u32,
        limit: usize,
    ) -> DbResult<ChainRecommendations>;
    /// The add-ons a till at `store` shows beside `item`: HQ's pins, the
    /// store's pairs, then the chain's, at most `limit`, unchecked against
    /// stock (the till knows its own). Not found: the item.
    async fn add_ons(
        &self,
        tenant: TenantId,
        store: StoreId,
        item: VariantId,
        limit: usize,
    ) -> DbResult<Vec<pos_shared::addons::AddOn>>;
    /// Replaces HQ's rules for `item` (checked by the caller with
    /// `validate`). Not found: the item. An item in a list that is not a
    /// live item of the tenant: `AtItem`, numbered through `pinned` then
    /// `excluded`.
    async fn set_recommendation_rules(
        &self,
        tenant: TenantId,
        item: VariantId,
        rules: &RecommendationRules,
    ) -> DbResult<RecommendationRules>;
    /// HQ's rules for `item` (empty lists when it has none), naming live
    /// items only. Not found: the item.
    async fn recommendation_rules(
        &self,
        tenant: TenantId,
        item: VariantId,
    ) -> DbResult<RecommendationRules>;
    /// The store's items sold in the last `days`, the biggest rise over the
    /// `days` before first, at most `limit`. Not found: the store.
    async fn trending(
        &self,
        tenant: TenantId,
        store: StoreId,
        days: u32,
        limit: usize,
    ) -> DbResult<Trending>;
}
