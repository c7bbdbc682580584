//! The HQ API for prices over time: windows per variant (chain-wide or one
//! store's, per channel, with MRP), ending them, and the effective price of a
//! variant for a store at an instant.

use super::{db_error, instant_param, path_id, query_error, AppState};
use crate::auth::Hq;
use crate::storage::EffectivePrice;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::pricing::{PriceWindow, POS_CHANNEL};
use pos_shared::{Money, PriceId, StoreId, Timestamp, VariantId};
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/variants/{variant_id}/prices",
            get(windows).post(schedule),
        )
        .route("/v1/prices/{price_id}/end", post(end))
        .route("/v1/stores/{store_id}/prices/{variant_id}", get(effective))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowBody {
    price: Money,
    #[serde(default)]
    mrp: Option<Money>,
    /// Absent: every store of the chain.
    #[serde(default)]
    store_id: Option<StoreId>,
    #[serde(default)]
    channel: Option<String>,
    /// Absent: from now.
    #[serde(default)]
    effective_from: Option<Timestamp>,
    #[serde(default)]
    effective_to: Option<Timestamp>,
}

async fn schedule(
    State(app): State<AppState>,
    hq: Hq,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<WindowBody>,
) -> Result<(StatusCode, Json<PriceWindow>), ApiError> {
    let variant = path_id::<VariantId>("variant_id", &raw)?;
    let window = PriceWindow {
        price_id: PriceId::new(),
        variant_id: variant,
        store_id: body.store_id,
        channel: body.channel.unwrap_or_else(|| POS_CHANNEL.to_owned()),
        price: body.price,
        mrp: body.mrp,
        effective_from: body.effective_from.unwrap_or_else(Timestamp::now),
        effective_to: body.effective_to,
    };
    window
        .validate()
        .map_err(|(field, detail)| ApiError::invalid(field, detail))?;
    let scheduled = app
        .storage
        .schedule_price(hq.tenant, &window)
        .await
        .map_err(db_error)?;
    Ok((StatusCode::CREATED, Json(scheduled)))
}

async fn windows(
    State(app): State<AppState>,
    hq: Hq,
    Path(raw): Path<String>,
) -> Result<Json<Vec<PriceWindow>>, ApiError> {
    let variant = path_id::<VariantId>("variant_id", &raw)?;
    Ok(Json(
        app.storage
            .price_windows(hq.tenant, variant)
            .await
            .map_err(db_error)?,
    ))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct EndBody {
    /// Absent: now.
    #[serde(default)]
    at: Option<Timestamp>,
}

/// Ends a window early (a promotion stopped); one not yet begun is cancelled.
async fn end(
    State(app): State<AppState>,
    hq: Hq,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<EndBody>,
) -> Result<Json<PriceWindow>, ApiError> {
    let price = path_id::<PriceId>("price_id", &raw)?;
    Ok(Json(
        app.storage
            .end_price(hq.tenant, price, body.at.unwrap_or_else(Timestamp::now))
            .await
            .map_err(db_error)?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EffectiveQuery {
    /// RFC 3339; absent: now.
    at: Option<String>,
    channel: Option<String>,
}

async fn effective(
    State(app): State<AppState>,
    hq: Hq,
    Path((raw_store, raw_variant)): Path<(String, String)>,
    query: Result<Query<EffectiveQuery>, QueryRejection>,
) -> Result<Json<EffectivePrice>, ApiError> {
    let Query(q) = query.map_err(query_error)?;
    let store = path_id::<StoreId>("store_id", &raw_store)?;
    let variant = path_id::<VariantId>("variant_id", &raw_variant)?;
    let at = instant_param(q.at)?;
    let channel = q.channel.unwrap_or_else(|| POS_CHANNEL.to_owned());
    Ok(Json(
        app.storage
            .effective_price(hq.tenant, store, variant, &channel, at)
            .await
            .map_err(db_error)?,
    ))
}
