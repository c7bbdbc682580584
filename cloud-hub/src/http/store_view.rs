//! A store as its customers see it: its trading status, its assortment (which
//! variants it sells), and the catalog view that answers, in one call, what
//! each item costs there and whether it can be ordered now, and why not.

use super::{db_error, instant_param, path_id, query_error, required_text, AppState};
use crate::auth::Hq;
use crate::storage::orderability::{CatalogView, StoreStatus};
use crate::storage::Store;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::routing::{get, put};
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::pricing::POS_CHANNEL;
use pos_shared::{StoreId, VariantId};
use serde::{Deserialize, Serialize};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/stores/{store_id}/status", put(set_status))
        .route(
            "/v1/stores/{store_id}/assortment/{variant_id}",
            put(set_listed),
        )
        .route("/v1/stores/{store_id}/catalog-view", get(catalog_view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: String,
}

async fn set_status(
    State(app): State<AppState>,
    hq: Hq,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<StatusBody>,
) -> Result<Json<Store>, ApiError> {
    let store = path_id::<StoreId>("store_id", &raw)?;
    let status = StoreStatus::parse(&body.status).ok_or_else(|| {
        ApiError::invalid(
            "status",
            format!(
                "status {:?} is not open, closed or maintenance",
                body.status
            ),
        )
    })?;
    Ok(Json(
        app.storage
            .set_store_status(hq.tenant, store, status)
            .await
            .map_err(db_error)?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListingBody {
    listed: bool,
}

#[derive(Serialize)]
struct Listing {
    store_id: StoreId,
    variant_id: VariantId,
    listed: bool,
}

async fn set_listed(
    State(app): State<AppState>,
    hq: Hq,
    Path((raw_store, raw_variant)): Path<(String, String)>,
    JsonBody(body): JsonBody<ListingBody>,
) -> Result<Json<Listing>, ApiError> {
    let store = path_id::<StoreId>("store_id", &raw_store)?;
    let variant = path_id::<VariantId>("variant_id", &raw_variant)?;
    app.storage
        .set_listed(hq.tenant, store, variant, body.listed)
        .await
        .map_err(db_error)?;
    Ok(Json(Listing {
        store_id: store,
        variant_id: variant,
        listed: body.listed,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ViewQuery {
    /// RFC 3339; absent: now.
    at: Option<String>,
    /// The sales channel whose prices apply; `pos` when absent.
    channel: Option<String>,
}

async fn catalog_view(
    State(app): State<AppState>,
    hq: Hq,
    Path(raw): Path<String>,
    query: Result<Query<ViewQuery>, QueryRejection>,
) -> Result<Json<CatalogView>, ApiError> {
    let Query(q) = query.map_err(query_error)?;
    let store = path_id::<StoreId>("store_id", &raw)?;
    let at = instant_param(q.at)?;
    let channel = match q.channel {
        None => POS_CHANNEL.to_owned(),
        Some(c) => required_text("channel", &c, 40)?,
    };
    Ok(Json(
        app.storage
            .catalog_view(hq.tenant, store, &channel, at)
            .await
            .map_err(db_error)?,
    ))
}
