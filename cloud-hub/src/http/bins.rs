//! Bins and slotting for HQ: the places stock sits in a store (grouped into
//! zones) and the bin each item is picked from, which the catalog view and
//! inventory show pickers beside each item.

use super::openapi::{Conflict, NotFound, Refused};
use super::{required_text, AppState};
use crate::auth::Hq;
use crate::domain::bins::{normalize_bin, Bin};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::http::{NoBody, PathIds};
use pos_shared::{StoreId, VariantId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(put_bin, delete_bin))
        .routes(routes!(slot))
}

fn bin_code(raw: &str) -> Result<String, ApiError> {
    normalize_bin(raw).ok_or_else(|| {
        ApiError::invalid(
            "code",
            format!("{raw:?} is not a bin code: 1 to 20 letters, digits and dashes"),
        )
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct BinBody {
    /// The zone it is in, such as `ambient`, `chilled`, `frozen`.
    #[schema(min_length = 1, max_length = 40, pattern = "\\S")]
    zone: String,
}

/// Adds a bin, or moves it to another zone.
#[utoipa::path(
    put, path = "/v1/stores/{store_id}/bins/{code}", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path), ("code" = String, Path, description = "Such as A-01-03")),
    request_body = BinBody,
    responses((status = 200, description = "The bin", body = Bin), Refused, NotFound)
)]
async fn put_bin(
    State(app): State<AppState>,
    hq: Hq,
    PathIds((store, raw_code)): PathIds<(StoreId, String)>,
    JsonBody(body): JsonBody<BinBody>,
) -> Result<Json<Bin>, ApiError> {
    let code = bin_code(&raw_code)?;
    let zone = required_text("zone", &body.zone, 40)?;
    Ok(Json(
        app.storage.set_bin(hq.tenant, store, &code, &zone).await?,
    ))
}

/// Removes an empty bin; one with items slotted in it is a 409.
#[utoipa::path(
    delete, path = "/v1/stores/{store_id}/bins/{code}", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path), ("code" = String, Path)),
    responses((status = 204, description = "Removed"), Refused, NotFound, Conflict)
)]
async fn delete_bin(
    State(app): State<AppState>,
    hq: Hq,
    PathIds((store, raw_code)): PathIds<(StoreId, String)>,
    _: NoBody,
) -> Result<StatusCode, ApiError> {
    let code = bin_code(&raw_code)?;
    app.storage.remove_bin(hq.tenant, store, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The store's bins by code, each with the items picked from it.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/bins", operation_id = "list_bins", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    responses((status = 200, description = "OK", body = Vec<Bin>), Refused, NotFound)
)]
async fn list(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
) -> Result<Json<Vec<Bin>>, ApiError> {
    Ok(Json(app.storage.bins(hq.tenant, store).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SlotBody {
    /// The bin to pick it from; `null` for none. Required.
    #[serde(deserialize_with = "Option::deserialize")]
    #[schema(required = true, pattern = "^[A-Za-z0-9-]{1,20}$")]
    bin: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct Slot {
    store_id: StoreId,
    variant_id: VariantId,
    bin: Option<String>,
}

/// Slots an item in one of the store's bins (one bin per item per store).
#[utoipa::path(
    put, path = "/v1/stores/{store_id}/slots/{variant_id}", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path), ("variant_id" = VariantId, Path)),
    request_body = SlotBody,
    responses((status = 200, description = "Slotted", body = Slot), Refused, NotFound)
)]
async fn slot(
    State(app): State<AppState>,
    hq: Hq,
    PathIds((store, variant)): PathIds<(StoreId, VariantId)>,
    JsonBody(body): JsonBody<SlotBody>,
) -> Result<Json<Slot>, ApiError> {
    let bin = body
        .bin
        .as_deref()
        .map(|b| bin_code(b).map_err(|e| e.with_field("bin")))
        .transpose()?;
    app.storage
        .slot(hq.tenant, store, variant, bin.as_deref())
        .await?;
    Ok(Json(Slot {
        store_id: store,
        variant_id: variant,
        bin,
    }))
}
