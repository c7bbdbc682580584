//! In-store barcodes and shelf labels at the hub.
//!
//! - `GET`/`PUT /v1/settings/in-store-barcodes`: the tenant's in-store
//!   prefix (two digits, 20–29; default `29`) and the next item number.
//! - `POST /v1/variants/{variant_id}/barcode`: gives a variant the next
//!   in-store EAN-13 (`replace: true` is required, since every variant has a
//!   barcode; a variant created without one gets one on creation). Tills hear
//!   of it in the change feed like any variant change.
//! - `POST /v1/stores/{store_id}/labels`: shelf labels for chosen variants at
//!   the store's prices now, rendered as ZPL, TSPL or ESC/POS; the answer is
//!   the bytes to send to the printer (TCP 9100) as they are.

use super::openapi::{Conflict, NotFound, Refused};
use super::AppState;
use crate::auth::Hq;
use crate::domain::catalog::InStoreBarcodes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use pos_shared::http::{ApiError, JsonBody, PathIds};
use pos_shared::labels::{self, Label, LabelFormat, LabelSize, MAX_LABELS};
use pos_shared::pricing::POS_CHANNEL;
use pos_shared::sync::VariantRecord;
use pos_shared::{StoreId, Timestamp, VariantId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(in_store_barcodes, set_in_store_barcodes))
        .routes(routes!(assign_barcode))
        .routes(routes!(store_labels))
}

/// The tenant's in-store barcode numbering.
#[utoipa::path(
    get, path = "/v1/settings/in-store-barcodes", tag = "catalog", security(("hq" = [])),
    responses((status = 200, description = "OK", body = InStoreBarcodes), Refused)
)]
async fn in_store_barcodes(
    State(app): State<AppState>,
    hq: Hq,
) -> Result<Json<InStoreBarcodes>, ApiError> {
    Ok(Json(app.storage.in_store_barcodes(hq.tenant).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PrefixBody {
    /// Two digits, 20 to 29 (GS1's numbers for a company's own items). Pick
    /// one the stores' scales do not print weighed or priced labels under
    /// (the tills' scale rules): a till reads such a label by its rule.
    prefix: String,
}

/// Sets the in-store prefix; numbering continues from the next item number.
#[utoipa::path(
    put, path = "/v1/settings/in-store-barcodes", tag = "catalog", security(("hq" = [])),
    request_body = PrefixBody,
    responses((status = 200, description = "OK", body = InStoreBarcodes), Refused)
)]
async fn set_in_store_barcodes(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<PrefixBody>,
) -> Result<Json<InStoreBarcodes>, ApiError> {
    let prefix = body.prefix.trim();
    labels::check_in_store_prefix(prefix)
        .map_err(|e| ApiError::invalid("prefix", e.to_string()))?;
    Ok(Json(
        app.storage.set_in_store_prefix(hq.tenant, prefix).await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
struct AssignBody {
    /// Replace the barcode the variant has (it stops scanning as this item).
    #[serde(default)]
    replace: bool,
}

/// Gives a variant the tenant's next in-store EAN-13 (prefix, ten-digit item
/// number, check digit), unique across the tenant. The variant's barcode is
/// replaced only with `replace: true` (else 409 naming `replace`).
#[utoipa::path(
    post, path = "/v1/variants/{variant_id}/barcode", tag = "catalog", security(("hq" = [])),
    params(("variant_id" = VariantId, Path)),
    request_body = AssignBody,
    responses((status = 200, description = "The variant with its new barcode", body = VariantRecord), Refused, NotFound, Conflict)
)]
async fn assign_barcode(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(variant): PathIds<VariantId>,
    JsonBody(body): JsonBody<AssignBody>,
) -> Result<Json<VariantRecord>, ApiError> {
    Ok(Json(
        app.storage
            .assign_in_store_barcode(hq.tenant, variant, body.replace)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct LabelItem {
    variant_id: VariantId,
    /// 1 to 500; 1 if left out.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 500)]
    copies: Option<u32>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct LabelsBody {
    /// `zpl`, `tspl` or `escpos`.
    format: LabelFormat,
    /// The label stock; 50 × 30 mm if left out (ignored for `escpos`).
    #[serde(default)]
    size: Option<LabelSize>,
    /// 1 to 200 items.
    #[schema(min_items = 1, max_items = 200)]
    items: Vec<LabelItem>,
    /// A date to print on every label (packed on, best before), up to 40 characters.
    #[serde(default)]
    #[schema(max_length = 40)]
    date: Option<String>,
}

/// Shelf labels for chosen variants at the store's prices now (its price
/// windows included): name, price, the MRP when above the price, the unit
/// price of measured and packed items, and the barcode as EAN-13. The answer
/// is the printer's bytes (`text/plain` for ZPL and TSPL,
/// `application/octet-stream` for ESC/POS), to be sent to TCP 9100 unchanged.
#[utoipa::path(
    post, path = "/v1/stores/{store_id}/labels", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    request_body = LabelsBody,
    responses((status = 200, description = "The labels in the printer's language", content_type = "application/octet-stream"), Refused, NotFound)
)]
async fn store_labels(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    JsonBody(body): JsonBody<LabelsBody>,
) -> Result<Response, ApiError> {
    let size = body.size.unwrap_or_default();
    size.validate()
        .map_err(|(field, detail)| ApiError::invalid(field, detail))?;
    if body.items.is_empty() || body.items.len() > MAX_LABELS {
        return Err(ApiError::invalid(
            "items",
            format!("ask for 1 to {MAX_LABELS} items"),
        ));
    }
    let date = body
        .date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    if date.is_some_and(|d| d.chars().count() > 40) {
        return Err(ApiError::invalid("date", "a date is at most 40 characters"));
    }
    app.storage.store(hq.tenant, store).await?;
    let now = Timestamp::now();
    let mut out = Vec::with_capacity(body.items.len());
    for (i, item) in body.items.iter().enumerate() {
        let at = |e: ApiError| e.with_field(format!("items[{i}].variant_id"));
        let variant = app
            .storage
            .catalog_item(hq.tenant, item.variant_id)
            .await
            .map_err(|e| at(e.into()))?;
        let price = app
            .storage
            .effective_price(hq.tenant, store, item.variant_id, POS_CHANNEL, now)
            .await
            .map_err(|e| at(e.into()))?;
        let mut label = Label::new(
            &variant.name,
            price.price,
            price.mrp,
            variant.barcode.clone(),
            &variant.details,
        );
        label.copies = item.copies.unwrap_or(1);
        label.date = date.map(str::to_owned);
        label
            .validate()
            .map_err(|(f, d)| ApiError::invalid(format!("items[{i}].{f}"), d))?;
        out.push(label);
    }
    let bytes = labels::render(&out, size, body.format);
    let content_type = match body.format {
        LabelFormat::Escpos => "application/octet-stream",
        _ => "text/plain; charset=us-ascii",
    };
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}
