//! What a store needs to reorder or clear for HQ: reorder points per item
//! (the hub raises `inventory.stock.low`, and `inventory.stock.replenished`
//! when stock climbs back) and the batches in stock with their expiry (the hub
//! announces those about to expire), and dead stock: what it holds and has
//! not sold for a while.

use super::openapi::{NotFound, Refused};
use super::AppState;
use crate::auth::{Device, Hq};
use crate::domain::batches::BatchLine;
use crate::domain::ledger::DeadStock;
use crate::domain::orderability::ReorderLine;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use pos_shared::http::PathIds;
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::{Qty, StoreId, Timestamp, VariantId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(set))
        .routes(routes!(batches))
        .routes(routes!(dead_stock))
        .routes(routes!(stock_watch))
}

/// Days without a sale that make stock dead, unless the query says.
const DEFAULT_UNSOLD_DAYS: u32 = 90;
const MAX_UNSOLD_DAYS: u32 = 3650;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DeadStockQuery {
    /// Days without a sale (1 to 3650, 90 by default). Taken as text so that
    /// `days=ninety` is refused naming `days`, like `days=0`.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 3650)]
    days: Option<String>,
    /// At most this many items (1 to 1000, 500 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// The `next_cursor` of the page before; absent for the first page.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// The store's dead stock: items it holds (on hand above zero) and has not
/// sold, at a till or in a packed order, for `days` days, by SKU, with the
/// last sale and what the stock comes to at the base price.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/dead-stock", tag = "inventory", security(("hq" = [])),
    params(("store_id" = StoreId, Path), DeadStockQuery),
    responses((status = 200, description = "OK", body = DeadStock), Refused, NotFound)
)]
async fn dead_stock(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    query: Result<Query<DeadStockQuery>, QueryRejection>,
) -> Result<Json<DeadStock>, ApiError> {
    let Query(q) = query.map_err(super::query_error)?;
    let days =
        pos_shared::http::limit_text(q.days.as_deref(), DEFAULT_UNSOLD_DAYS, MAX_UNSOLD_DAYS)
            .map_err(|_| {
                ApiError::invalid(
                    "days",
                    format!(
                        "days {:?} is not a whole number of days from 1 to {MAX_UNSOLD_DAYS}",
                        q.days.as_deref().unwrap_or_default()
                    ),
                )
            })?;
    let list = super::paging::SkuList::DeadStock;
    let page = list.page(q.limit.as_deref(), q.cursor.as_deref())?;
    let since =
        Timestamp::from_unix_millis(Timestamp::now().unix_millis() - i64::from(days) * 86_400_000);
    let mut dead = app
        .storage
        .dead_stock(hq.tenant, store, since, page)
        .await?;
    dead.next_cursor = list.cursor(dead.next_cursor);
    Ok(Json(dead))
}

/// The store's batches in stock, soonest to expire first.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/batches", tag = "inventory", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    responses((status = 200, description = "OK", body = Vec<BatchLine>), Refused, NotFound)
)]
async fn batches(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
) -> Result<Json<Vec<BatchLine>>, ApiError> {
    Ok(Json(app.storage.batches(hq.tenant, store).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReorderBody {
    /// The level to reorder at (0 or more); `null` removes the point. Required,
    /// so that an empty body cannot remove a point by mistake.
    #[serde(deserialize_with = "Option::deserialize")]
    #[schema(required = true)]
    reorder_point: Option<Qty>,
}

/// Sets an item's reorder point at a store, or removes it with `null`. A
/// point at or above what is available raises `inventory.stock.low` at once.
#[utoipa::path(
    put, path = "/v1/stores/{store_id}/reorder-points/{variant_id}", operation_id = "set_reorder_point", tag = "inventory", security(("hq" = [])),
    params(("store_id" = StoreId, Path), ("variant_id" = VariantId, Path)),
    request_body = ReorderBody,
    responses(
        (status = 200, description = "The item against its new point", body = ReorderLine),
        (status = 204, description = "The point was removed"),
        Refused, NotFound
    )
)]
async fn set(
    State(app): State<AppState>,
    hq: Hq,
    PathIds((store, variant)): PathIds<(StoreId, VariantId)>,
    JsonBody(body): JsonBody<ReorderBody>,
) -> Result<Response, ApiError> {
    if body.reorder_point.is_some_and(|p| p.milli() < 0) {
        return Err(ApiError::invalid(
            "reorder_point",
            "reorder_point must not be negative",
        ));
    }
    let most = pos_shared::limits::MAX_POSITION;
    if body.reorder_point.is_some_and(|p| p > most) {
        return Err(ApiError::invalid(
            "reorder_point",
            format!("reorder_point is at most {most}, the largest stock a store may hold"),
        ));
    }
    let line = app
        .storage
        .set_reorder_point(hq.tenant, store, variant, body.reorder_point)
        .await?;
    Ok(match line {
        Some(line) => Json(line).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// Every item with a reorder point at the store, by SKU, with what is
/// available now and whether it is low.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/reorder-points", operation_id = "list_reorder_points", tag = "inventory", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    responses((status = 200, description = "OK", body = Vec<ReorderLine>), Refused, NotFound)
)]
async fn list(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
) -> Result<Json<Vec<ReorderLine>>, ApiError> {
    Ok(Json(app.storage.reorder_points(hq.tenant, store).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct WatchQuery {
    /// How many days ahead to list expiring batches (1 to 90; 7 by default).
    #[serde(default)]
    #[param(minimum = 1, maximum = 90)]
    days: Option<u32>,
}

/// What the terminal's store keeps an eye on: the reorder points HQ set and
/// the batches in stock expiring within `days` (or already expired),
/// soonest first. The till keeps the answer for when the hub is out of reach.
#[utoipa::path(
    get, path = "/v1/sync/stock-watch", tag = "sync", security(("device_token" = [])),
    params(WatchQuery),
    responses((status = 200, description = "OK", body = pos_shared::stock_watch::StockWatch), Refused)
)]
async fn stock_watch(
    State(app): State<AppState>,
    Device(device): Device,
    query: Result<Query<WatchQuery>, QueryRejection>,
) -> Result<Json<pos_shared::stock_watch::StockWatch>, ApiError> {
    use pos_shared::stock_watch::{
        ExpiringBatch, ReorderPoint, StockWatch, DEFAULT_WATCH_DAYS, MAX_WATCH_DAYS,
    };
    let Query(query) = query.map_err(super::query_error)?;
    let days = query.days.unwrap_or(DEFAULT_WATCH_DAYS);
    if !(1..=MAX_WATCH_DAYS).contains(&days) {
        return Err(ApiError::invalid(
            "days",
            format!("days must be 1 to {MAX_WATCH_DAYS}"),
        ));
    }
    let as_of = Timestamp::now();
    let cutoff =
        crate::domain::batches::expiry_cutoff(time::OffsetDateTime::now_utc().date(), days);
    let points = app
        .storage
        .reorder_points(device.tenant_id, device.store_id)
        .await?;
    let batches = app
        .storage
        .batches(device.tenant_id, device.store_id)
        .await?;
    Ok(Json(StockWatch {
        as_of,
        days,
        reorder_points: points
            .into_iter()
            .map(|p| ReorderPoint {
                variant_id: p.variant_id,
                reorder_point: p.reorder_point,
            })
            .collect(),
        expiring: batches
            .into_iter()
            .filter(|b| b.on_hand.is_positive() && b.expires_on <= cutoff)
            .map(|b| ExpiringBatch {
                variant_id: b.variant_id,
                code: b.code,
                expires_on: b.expires_on,
                on_hand: b.on_hand,
            })
            .collect(),
    }))
}
