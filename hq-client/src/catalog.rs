//! The tenant's catalog: categories, brands, products with their variants,
//! and prices (the current price and scheduled windows).

use crate::{HqClient, HqResult, Page};
use pos_shared::catalog::{BrandRecord, CategoryRecord};
use pos_shared::sync::VariantRecord;
use pos_shared::{CategoryId, Money};
use serde_json::{json, Value};

impl HqClient {
    /// The category tree, parents before their children.
    pub async fn categories(&self) -> HqResult<Vec<CategoryRecord>> {
        self.get("/v1/categories").await
    }

    /// Creates a category (under `parent`, if given).
    pub async fn create_category(
        &self,
        name: &str,
        parent: Option<CategoryId>,
        position: Option<u32>,
    ) -> HqResult<CategoryRecord> {
        let mut body = json!({ "name": name, "parent_id": parent });
        if let Some(position) = position {
            body["position"] = json!(position);
        }
        self.post("/v1/categories", &body).await
    }

    /// Renames, reorders or moves a category.
    pub async fn update_category(
        &self,
        id: &str,
        name: &str,
        parent: Option<&str>,
        position: u32,
    ) -> HqResult<Value> {
        let body = json!({"name": name, "parent_id": parent, "position": position});
        self.put(&format!("/v1/categories/{id}"), &body).await
    }

    pub async fn brands(&self) -> HqResult<Vec<BrandRecord>> {
        self.get("/v1/brands").await
    }

    pub async fn create_brand(&self, name: &str) -> HqResult<BrandRecord> {
        self.post("/v1/brands", &json!({ "name": name })).await
    }

    /// One page of the catalog's variants as tills see them.
    pub async fn catalog_page(
        &self,
        limit: u32,
        cursor: Option<&str>,
    ) -> HqResult<Page<VariantRecord>> {
        let path = match cursor {
            Some(c) => format!("/v1/catalog?limit={limit}&cursor={c}"),
            None => format!("/v1/catalog?limit={limit}"),
        };
        self.get(&path).await
    }

    /// Creates a product from its full body (`name`, `variants`, …); the
    /// answer lists its variants with their ids.
    pub async fn create_product(&self, product: &Value) -> HqResult<Value> {
        self.post("/v1/products", product).await
    }

    /// Creates a one-variant product priced in INR; returns the variant id.
    pub async fn create_simple_product(
        &self,
        name: &str,
        sku: &str,
        barcode: &str,
        price_paise: i64,
    ) -> HqResult<String> {
        let body = json!({"name": name, "variants": [{"sku": sku, "barcode": barcode,
            "price": {"minor": price_paise, "currency": "INR"}}]});
        let product = self.create_product(&body).await?;
        first_variant_id(&product)
    }

    /// Changes a variant's details (`PATCH /v1/variants/{id}`).
    pub async fn edit_variant(&self, variant: &str, changes: &Value) -> HqResult<Value> {
        self.patch(&format!("/v1/variants/{variant}"), changes)
            .await
    }

    /// Deletes a variant from the catalog; tills hear a tombstone.
    pub async fn delete_variant(&self, variant: &str) -> HqResult<()> {
        self.delete(&format!("/v1/variants/{variant}")).await
    }

    /// Gives a variant the tenant's next in-store EAN-13
    /// (`POST /v1/variants/{id}/barcode`); `replace` must be true for a
    /// variant that has a barcode.
    pub async fn assign_in_store_barcode(&self, variant: &str, replace: bool) -> HqResult<Value> {
        self.post(
            &format!("/v1/variants/{variant}/barcode"),
            &serde_json::json!({ "replace": replace }),
        )
        .await
    }

    /// The tenant's in-store barcode prefix and next item number.
    pub async fn in_store_barcodes(&self) -> HqResult<Value> {
        self.get("/v1/settings/in-store-barcodes").await
    }

    /// Sets the tenant's in-store prefix (two digits, 20–29).
    pub async fn set_in_store_prefix(&self, prefix: &str) -> HqResult<Value> {
        self.put(
            "/v1/settings/in-store-barcodes",
            &serde_json::json!({ "prefix": prefix }),
        )
        .await
    }

    /// Shelf labels for a store, rendered by the hub
    /// (`POST /v1/stores/{id}/labels`): the printer's bytes. `request` is
    /// `{"format": "zpl"|"tspl"|"escpos", "items": [{"variant_id", "copies"}],
    /// "size": {"width_mm", "height_mm"}, "date"}`.
    pub async fn store_labels(&self, store: &str, request: &Value) -> HqResult<Vec<u8>> {
        self.post_for_bytes(&format!("/v1/stores/{store}/labels"), request)
            .await
    }

    pub async fn restore_variant(&self, variant: &str) -> HqResult<Value> {
        self.post_empty(&format!("/v1/variants/{variant}/restore"))
            .await
    }

    /// Sets a variant's price.
    pub async fn set_price(&self, variant: &str, price: Money) -> HqResult<Value> {
        self.put(
            &format!("/v1/variants/{variant}/price"),
            &json!({ "price": price }),
        )
        .await
    }

    /// Schedules a price window for a variant (`price`, `store_id`,
    /// `effective_from`, …); returns the window.
    pub async fn schedule_price(&self, variant: &str, window: &Value) -> HqResult<Value> {
        self.post(&format!("/v1/variants/{variant}/prices"), window)
            .await
    }
}

/// The id of a created product's first variant.
pub fn first_variant_id(product: &Value) -> HqResult<String> {
    product["variants"][0]["variant_id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| crate::HqError::UnexpectedAnswer {
            method: crate::Method::POST,
            path: "/v1/products".into(),
            status: crate::StatusCode::CREATED,
            detail: format!("no variant id in {product}"),
        })
}
