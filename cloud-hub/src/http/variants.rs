//! HQ edits to one variant: change its details, delete it from the catalog
//! (tills hear a tombstone), restore it. Its price has its own endpoint.

use super::openapi::{Conflict, NotFound, Refused};
use super::{required_text, AppState};
use crate::auth::Hq;
use crate::domain::catalog::VariantPatch;
use crate::storage::DbError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use pos_shared::catalog::Placement;
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::http::{NoBody, PathIds};
use pos_shared::item::{ItemDetails, Pack, Unit};
use pos_shared::modifiers::ModifierGroup;
use pos_shared::sync::VariantRecord;
use pos_shared::tax::TaxClass;
use pos_shared::{BrandId, CategoryId, Gtin, VariantId};
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(update, delete))
        .routes(routes!(restore))
        .routes(routes!(disable))
        .routes(routes!(enable))
}

/// Whether orders for a variant are stopped at every store.
#[derive(serde::Serialize, ToSchema)]
struct Ordering {
    variant_id: VariantId,
    disabled: bool,
}

async fn set_disabled(
    app: AppState,
    hq: Hq,
    variant_id: VariantId,
    disabled: bool,
) -> Result<Json<Ordering>, ApiError> {
    app.storage
        .set_disabled(hq.tenant, variant_id, disabled)
        .await?;
    Ok(Json(Ordering {
        variant_id,
        disabled,
    }))
}

/// Stops orders for the item at every store (`item_disabled` in the
/// catalog view); tills keep selling what is on their shelves.
#[utoipa::path(
    post, path = "/v1/variants/{variant_id}/disable", tag = "catalog", security(("hq" = [])),
    params(("variant_id" = VariantId, Path)),
    responses((status = 200, description = "Disabled (or already)", body = Ordering), Refused, NotFound)
)]
async fn disable(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(variant): PathIds<VariantId>,
    _: NoBody,
) -> Result<Json<Ordering>, ApiError> {
    set_disabled(app, hq, variant, true).await
}

/// Lets orders for the item be taken again.
#[utoipa::path(
    post, path = "/v1/variants/{variant_id}/enable", tag = "catalog", security(("hq" = [])),
    params(("variant_id" = VariantId, Path)),
    responses((status = 200, description = "Enabled (or already)", body = Ordering), Refused, NotFound)
)]
async fn enable(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(variant): PathIds<VariantId>,
    _: NoBody,
) -> Result<Json<Ordering>, ApiError> {
    set_disabled(app, hq, variant, false).await
}

/// Tells a field sent as `null` (clear it) from one left out (keep it).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The fields to change: one left out is kept, `null` clears an optional one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = VariantPatch)]
struct PatchBody {
    name: Option<String>,
    sku: Option<String>,
    barcode: Option<Gtin>,
    /// Barcodes besides `barcode`, replacing the ones it had (`null`: none).
    #[serde(default, deserialize_with = "present")]
    barcodes: Option<Option<Vec<Gtin>>>,
    #[serde(default, deserialize_with = "present")]
    tax: Option<Option<TaxClass>>,
    /// Replaces the groups it had (`null`: none).
    #[serde(default, deserialize_with = "present")]
    modifiers: Option<Option<Vec<ModifierGroup>>>,
    #[serde(default, deserialize_with = "present")]
    quick_key: Option<Option<u16>>,
    /// Replaces the synonyms it had (`null`: none).
    #[serde(default, deserialize_with = "present")]
    synonyms: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "present")]
    brand_id: Option<Option<BrandId>>,
    #[serde(default, deserialize_with = "present")]
    category_id: Option<Option<CategoryId>>,
    unit: Option<Unit>,
    #[serde(default, deserialize_with = "present")]
    pack: Option<Option<Pack>>,
    /// Replaces the pictures it had (`null`: none).
    #[serde(default, deserialize_with = "present")]
    image_urls: Option<Option<Vec<String>>>,
    /// Replaces the attributes it had (`null`: none).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Object>)]
    attributes: Option<Option<serde_json::Map<String, serde_json::Value>>>,
}

/// Checks the patch against the variant it will change, naming the field at fault.
fn checked_patch(body: &PatchBody, current: &VariantRecord) -> Result<VariantPatch, ApiError> {
    let name = body
        .name
        .as_deref()
        .map(|n| required_text("name", n, 200))
        .transpose()?;
    let sku = body
        .sku
        .as_deref()
        .map(|s| required_text("sku", s, 64))
        .transpose()?;
    if let Some(Some(tax)) = &body.tax {
        tax.validate()
            .map_err(|(f, m)| ApiError::invalid(format!("tax.{f}"), m))?;
    }
    if let Some(Some(groups)) = &body.modifiers {
        pos_shared::modifiers::validate_groups(groups, current.price)
            .map_err(|(at, detail)| ApiError::invalid(format!("modifiers{at}"), detail))?;
        super::check_modifier_prices("modifiers", groups, current.price.currency())?;
    }
    let placement = Placement {
        synonyms: body
            .synonyms
            .clone()
            .map(Option::unwrap_or_default)
            .unwrap_or_else(|| current.placement.synonyms.clone()),
        extra_barcodes: body
            .barcodes
            .clone()
            .map(Option::unwrap_or_default)
            .unwrap_or_else(|| current.placement.extra_barcodes.clone()),
        ..Default::default()
    };
    let details = (body.unit.is_some()
        || body.pack.is_some()
        || body.image_urls.is_some()
        || body.attributes.is_some())
    .then(|| ItemDetails {
        unit: body.unit.unwrap_or(current.details.unit),
        pack: body
            .pack
            .clone()
            .unwrap_or_else(|| current.details.pack.clone()),
        image_urls: body
            .image_urls
            .clone()
            .map(Option::unwrap_or_default)
            .unwrap_or_else(|| current.details.image_urls.clone()),
        attributes: body
            .attributes
            .clone()
            .map(Option::unwrap_or_default)
            .unwrap_or_else(|| current.details.attributes.clone()),
    });
    if let Some(details) = &details {
        details
            .validate()
            .map_err(|(at, detail)| ApiError::invalid(at, detail))?;
    }
    let barcode = body.barcode.as_ref().unwrap_or(&current.barcode);
    placement
        .validate(barcode)
        .map_err(|(at, detail)| ApiError::invalid(at, detail))?;
    Ok(VariantPatch {
        name,
        sku,
        barcode: body.barcode.clone(),
        extra_barcodes: body.barcodes.clone().map(Option::unwrap_or_default),
        tax: body.tax.clone(),
        modifiers: body.modifiers.clone().map(Option::unwrap_or_default),
        quick_key: body.quick_key,
        synonyms: body
            .synonyms
            .as_ref()
            .map(|s| s.iter().flatten().map(|s| s.trim().to_owned()).collect()),
        brand: body.brand_id,
        category: body.category_id,
        details,
        price: None,
    })
}

/// Changes a variant's details; an edit that changes nothing makes no version
/// and reaches no till.
#[utoipa::path(
    patch, path = "/v1/variants/{variant_id}", tag = "catalog", security(("hq" = [])),
    params(("variant_id" = VariantId, Path)),
    request_body = PatchBody,
    responses((status = 200, description = "OK", body = VariantRecord), Refused, NotFound, Conflict)
)]
async fn update(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(variant): PathIds<VariantId>,
    JsonBody(body): JsonBody<PatchBody>,
) -> Result<Json<VariantRecord>, ApiError> {
    // The patch is checked against what it changes; should another edit land
    // in between, it is checked again against that.
    let mut attempts = 0;
    loop {
        let current = app.storage.catalog_item(hq.tenant, variant).await?;
        let patch = checked_patch(&body, &current)?;
        match app
            .storage
            .update_variant(hq.tenant, &current, &patch)
            .await
        {
            Err(DbError::State { .. }) if attempts < 3 => attempts += 1,
            result => return result.map(Json).map_err(ApiError::from),
        }
    }
}

/// Takes a variant out of the catalog (a soft delete; tills get a tombstone).
#[utoipa::path(
    delete, path = "/v1/variants/{variant_id}", tag = "catalog", security(("hq" = [])),
    params(("variant_id" = VariantId, Path)),
    responses((status = 204, description = "Deleted, or already deleted"), Refused, NotFound)
)]
async fn delete(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(variant): PathIds<VariantId>,
    _: NoBody,
) -> Result<StatusCode, ApiError> {
    // Deleting twice is not an error: a retried request must not fail.
    app.storage.delete_variant(hq.tenant, variant).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Brings a deleted variant back as it was.
#[utoipa::path(
    post, path = "/v1/variants/{variant_id}/restore", tag = "catalog", security(("hq" = [])),
    params(("variant_id" = VariantId, Path)),
    responses((status = 200, description = "OK", body = VariantRecord), Refused, NotFound, Conflict)
)]
async fn restore(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(variant): PathIds<VariantId>,
    _: NoBody,
) -> Result<Json<VariantRecord>, ApiError> {
    app.storage
        .restore_variant(hq.tenant, variant)
        .await
        .map(Json)
        .map_err(ApiError::from)
}
