//! The stores' stock takes for HQ: each approved count, what it found
//! missing and found over, and item by item what was counted against what
//! the ledger expected. The counts themselves are made at the store's tills
//! and arrive as facts.

use super::openapi::{NotFound, Refused};
use super::paging::{PageParams, Paged};
use super::AppState;
use crate::auth::Hq;
use crate::domain::stock_takes::{StockTakeReport, StockTakeSummary};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use pos_shared::http::{ApiError, PathIds};
use pos_shared::StoreId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(one))
}

/// The store's approved stock takes, a page at a time in the order the hub
/// heard of them; a take sent in parts is whole when `parts_received`
/// equals `parts`.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/stock-takes", operation_id = "list_stock_takes", tag = "inventory", security(("hq" = [])),
    params(("store_id" = StoreId, Path), PageParams),
    responses((status = 200, description = "OK", body = Paged<StockTakeSummary>), Refused, NotFound)
)]
async fn list(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<Json<Paged<StockTakeSummary>>, ApiError> {
    let Query(params) = params.map_err(super::query_error)?;
    hq.check_store(store)?;
    let page = app
        .storage
        .stock_takes(hq.tenant, store, params.page()?)
        .await?;
    Ok(Json(Paged::of(page, |t| t.take_id)))
}

/// One stock take with its items: those whose count differed from the
/// ledger first, the largest shortfall first.
#[utoipa::path(
    get, path = "/v1/stock-takes/{take_id}", operation_id = "stock_take", tag = "inventory", security(("hq" = [])),
    params(("take_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = StockTakeReport), Refused, NotFound)
)]
async fn one(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
) -> Result<Json<StockTakeReport>, ApiError> {
    let take = app.storage.stock_take(hq.tenant, id).await?;
    hq.check_store(take.summary.store_id)?;
    Ok(Json(take))
}
