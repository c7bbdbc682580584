//! The catalog: the category tree, brands, products and their variants (with
//! their version history), and prices (base prices and scheduled windows).
//! Every change tills must see is appended to the feed in its transaction.

use crate::domain::catalog::{
    CatalogPage, CatalogQuery, EffectivePrice, InStoreBarcodes, ItemVersion, NewProduct, Product,
    VariantPatch,
};
use crate::storage::DbResult;
use async_trait::async_trait;
use pos_shared::catalog::{BrandRecord, CategoryRecord};
use pos_shared::pricing::PriceWindow;
use pos_shared::sync::VariantRecord;
use pos_shared::{Money, PriceId, StoreId, TenantId, Timestamp, VariantId};

/// Categories, brands, products and reading the catalog; SQL in `sql/catalog.rs`.
#[async_trait]
pub trait CatalogStorage: Send + Sync {
    /// Adds a category; its parent must exist. Tills hear of it in the feed.
    async fn create_category(
        &self,
        tenant: TenantId,
        category: &CategoryRecord,
    ) -> DbResult<CategoryRecord>;
    /// Renames, reorders or moves a category; a move under itself or one of
    /// its descendants is refused.
    async fn update_category(
        &self,
        tenant: TenantId,
        category: &CategoryRecord,
    ) -> DbResult<CategoryRecord>;
    /// The tenant's category tree, parents before children, siblings in order.
    async fn categories(&self, tenant: TenantId) -> DbResult<Vec<CategoryRecord>>;
    /// One page of the tenant's variants, filtered and sorted.
    async fn catalog(&self, tenant: TenantId, query: &CatalogQuery) -> DbResult<CatalogPage>;
    async fn catalog_item(&self, tenant: TenantId, variant: VariantId) -> DbResult<VariantRecord>;
    /// A variant's distinct states, oldest first.
    async fn item_versions(
        &self,
        tenant: TenantId,
        variant: VariantId,
    ) -> DbResult<Vec<ItemVersion>>;
    async fn create_brand(&self, tenant: TenantId, brand: &BrandRecord) -> DbResult<BrandRecord>;
    async fn brands(&self, tenant: TenantId) -> DbResult<Vec<BrandRecord>>;
    /// Creates a product and its variants; its brand and category must exist.
    /// A variant without a barcode gets the tenant's next in-store EAN-13.
    async fn create_product(&self, tenant: TenantId, product: &NewProduct) -> DbResult<Product>;
    /// Adds a variant to an existing product, placed (brand, category,
    /// synonyms) as its other variants are.
    async fn add_variant(
        &self,
        tenant: TenantId,
        product: pos_shared::ProductId,
        variant: &crate::domain::catalog::NewVariant,
    ) -> DbResult<VariantRecord>;
    /// The tenant's in-store barcode prefix and next item number.
    async fn in_store_barcodes(&self, tenant: TenantId) -> DbResult<InStoreBarcodes>;
    /// Sets the prefix (checked by the caller: 20–29); numbering goes on.
    async fn set_in_store_prefix(
        &self,
        tenant: TenantId,
        prefix: &str,
    ) -> DbResult<InStoreBarcodes>;
}

/// Changing, deleting and restoring a variant; SQL in `sql/variants.rs`.
#[async_trait]
pub trait VariantStorage: Send + Sync {
    /// Applies `patch` if the variant still equals `based_on` (what the caller
    /// validated it against), else a [`DbError::State`](crate::storage::DbError::State) on `variant_id`. A
    /// patch that changes nothing makes no version and reaches no till.
    async fn update_variant(
        &self,
        tenant: TenantId,
        based_on: &VariantRecord,
        patch: &VariantPatch,
    ) -> DbResult<VariantRecord>;
    /// Gives a variant the tenant's next in-store EAN-13 as its barcode, in
    /// one transaction with the counter, the version and the feed change. A
    /// variant that has a barcode keeps it unless `replace` (a
    /// [`DbError::State`](crate::storage::DbError::State) on `replace`).
    async fn assign_in_store_barcode(
        &self,
        tenant: TenantId,
        variant: VariantId,
        replace: bool,
    ) -> DbResult<VariantRecord>;
    /// Deletes a variant from the catalog and tells tills; `false` when it was
    /// already deleted (nothing changes).
    async fn delete_variant(&self, tenant: TenantId, variant: VariantId) -> DbResult<bool>;
    /// Brings a deleted variant back, as it was.
    async fn restore_variant(
        &self,
        tenant: TenantId,
        variant: VariantId,
    ) -> DbResult<VariantRecord>;
}

/// Base prices and scheduled price windows; SQL in `sql/prices.rs`.
#[async_trait]
pub trait PriceStorage: Send + Sync {
    /// Sets many base prices at once, all or none; whether each changed.
    async fn set_prices(
        &self,
        tenant: TenantId,
        prices: &[(VariantId, Money)],
    ) -> DbResult<Vec<bool>>;
    async fn set_price(
        &self,
        tenant: TenantId,
        variant: VariantId,
        price: Money,
    ) -> DbResult<VariantRecord>;
    /// Schedules a price window; one that overlaps another of the same
    /// variant, scope and channel is refused. Tills hear of till-channel windows.
    async fn schedule_price(&self, tenant: TenantId, window: &PriceWindow)
        -> DbResult<PriceWindow>;
    /// Ends a window at `at` (or at once, if it has not started by then).
    async fn end_price(
        &self,
        tenant: TenantId,
        price: PriceId,
        at: Timestamp,
    ) -> DbResult<PriceWindow>;
    /// A variant's windows, every scope and channel, oldest start first.
    async fn price_windows(
        &self,
        tenant: TenantId,
        variant: VariantId,
    ) -> DbResult<Vec<PriceWindow>>;
    /// The price of `variant` for `store` on `channel` at `at`, in one query.
    async fn effective_price(
        &self,
        tenant: TenantId,
        store: StoreId,
        variant: VariantId,
        channel: &str,
        at: Timestamp,
    ) -> DbResult<EffectivePrice>;
}
