//! What a source's ids mean at the hub: its ids mapped to the hub's records
//! (`source_entities`; own or adopted), who else maps a record, and the
//! catalog records an adapter looks up by them (a variant by SKU, a
//! product's variants, a hold's reason). SQL in `sql/source_map.rs`.

use crate::storage::DbResult;
use async_trait::async_trait;
use pos_shared::sync::VariantRecord;
use pos_shared::{TenantId, VariantId};
use uuid::Uuid;

/// The kinds of record a source's ids are mapped for.
pub const ENTITIES: [&str; 4] = ["store", "category", "product", "variant"];

/// A source's ids and the records they name; SQL in `sql/source_map.rs`.
#[async_trait]
pub trait SourceMapStorage: Send + Sync {
    /// The hub's id for a source's `external` id of `entity` (one of [`ENTITIES`]).
    async fn source_entity(
        &self,
        tenant: TenantId,
        source: Uuid,
        entity: &'static str,
        external: &str,
    ) -> DbResult<Option<Uuid>>;
    /// Maps a source's id to the hub's (replacing an older mapping).
    async fn map_source_entity(
        &self,
        tenant: TenantId,
        source: Uuid,
        entity: &'static str,
        external: &str,
        canonical: Uuid,
    ) -> DbResult<()>;
    /// Maps a source's id to a record it did not make (it uses it, never
    /// renames or moves it).
    async fn adopt_source_entity(
        &self,
        tenant: TenantId,
        source: Uuid,
        entity: &'static str,
        external: &str,
        canonical: Uuid,
    ) -> DbResult<()>;
    /// Whether the source's id is mapped to a record it adopted.
    async fn source_entity_adopted(
        &self,
        tenant: TenantId,
        source: Uuid,
        entity: &'static str,
        external: &str,
    ) -> DbResult<bool>;
    /// Every id of `entity` the source has mapped: (its id, the hub's).
    async fn source_entities(
        &self,
        tenant: TenantId,
        source: Uuid,
        entity: &'static str,
    ) -> DbResult<Vec<(String, Uuid)>>;
    /// Which sources map `canonical` (of `entity`), under which of their ids.
    async fn entity_owners(
        &self,
        tenant: TenantId,
        entity: &'static str,
        canonical: Uuid,
    ) -> DbResult<Vec<(Uuid, String)>>;
    /// Why an item's stock at a store is held, if it is.
    async fn block_reason(
        &self,
        tenant: TenantId,
        store: pos_shared::StoreId,
        variant: VariantId,
    ) -> DbResult<Option<String>>;
    /// The live variant with this SKU, if any.
    async fn variant_by_sku(&self, tenant: TenantId, sku: &str) -> DbResult<Option<VariantRecord>>;
    /// The live variants of a product.
    async fn variants_of(
        &self,
        tenant: TenantId,
        product: pos_shared::ProductId,
    ) -> DbResult<Vec<VariantId>>;
}
