//! HQ's requests that a store pick and send stock to another store: raised
//! here, dispatched by scan at a till of the source (offline too), or
//! cancelled before that. A key limited to stores requests from its stores.

use super::openapi::{Conflict, NotFound, Refused};
use super::paging::{PageParams, Paged};
use super::AppState;
use crate::auth::Hq;
use crate::domain::transfers::{NewTransferRequest, TransferRequest, TransferRequestOutcome};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::http::{NoBody, PathIds};
use pos_shared::{Qty, StoreId, VariantId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, raise))
        .routes(routes!(one))
        .routes(routes!(cancel))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RequestBody {
    /// Lets HQ tools retry safely; minted by the hub when absent.
    #[serde(default)]
    request_id: Option<Uuid>,
    to_store_id: StoreId,
    variant_id: VariantId,
    /// What to send; the store sends what it has of it.
    qty: Qty,
    /// Why, or the consignment's reference (at most 200 characters).
    #[serde(default)]
    #[schema(max_length = 200)]
    note: String,
}

/// Asks the store to pick and send stock to another store. Nothing moves
/// until a till of the store scans the goods out; its tills hear of the
/// request at once.
#[utoipa::path(
    post, path = "/v1/stores/{store_id}/transfer-requests", operation_id = "raise_transfer_request", tag = "inventory", security(("hq" = [])),
    params(("store_id" = StoreId, Path, description = "The store asked to send")),
    request_body = RequestBody,
    responses(
        (status = 201, description = "Raised", body = TransferRequest),
        (status = 200, description = "The same request, asked for again", body = TransferRequest),
        Refused, NotFound, Conflict
    )
)]
async fn raise(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(from): PathIds<StoreId>,
    JsonBody(body): JsonBody<RequestBody>,
) -> Result<(StatusCode, Json<TransferRequest>), ApiError> {
    let note = super::transfers::checked_transfer(from, body.to_store_id, body.qty, &body.note)?;
    let new = NewTransferRequest {
        request_id: body.request_id.unwrap_or_else(Uuid::now_v7),
        from_store_id: from,
        to_store_id: body.to_store_id,
        variant_id: body.variant_id,
        qty: body.qty,
        note: note.to_owned(),
    };
    match app.storage.request_transfer(hq.tenant, &new).await? {
        TransferRequestOutcome::Created(r) => Ok((StatusCode::CREATED, Json(r))),
        TransferRequestOutcome::Existing(r) => Ok((StatusCode::OK, Json(r))),
    }
}

/// The requests the store is to send and those coming to it, a page at a
/// time in the order they were raised.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/transfer-requests", operation_id = "list_transfer_requests", tag = "inventory", security(("hq" = [])),
    params(("store_id" = StoreId, Path), PageParams),
    responses((status = 200, description = "OK", body = Paged<TransferRequest>), Refused, NotFound)
)]
async fn list(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<Json<Paged<TransferRequest>>, ApiError> {
    let Query(params) = params.map_err(super::query_error)?;
    let page = app
        .storage
        .transfer_requests(hq.tenant, store, params.page()?)
        .await?;
    Ok(Json(Paged::of(page, |r| r.request_id)))
}

/// One request, and the transfer its store dispatched for it.
#[utoipa::path(
    get, path = "/v1/transfer-requests/{request_id}", operation_id = "transfer_request", tag = "inventory", security(("hq" = [])),
    params(("request_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = TransferRequest), Refused, NotFound)
)]
async fn one(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
) -> Result<Json<TransferRequest>, ApiError> {
    let request = app.storage.transfer_request(hq.tenant, id).await?;
    if !hq.grant.reaches(request.from_store_id) {
        hq.check_store(request.to_store_id)?;
    }
    Ok(Json(request))
}

/// Calls off a request its store has not dispatched; the store's tills stop
/// offering it. Cancelling again changes nothing; a dispatched one is a 409.
#[utoipa::path(
    post, path = "/v1/transfer-requests/{request_id}/cancel", operation_id = "cancel_transfer_request", tag = "inventory", security(("hq" = [])),
    params(("request_id" = Uuid, Path)),
    responses((status = 200, description = "Cancelled", body = TransferRequest), Refused, NotFound, Conflict)
)]
async fn cancel(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    _: NoBody,
) -> Result<Json<TransferRequest>, ApiError> {
    let request = app.storage.transfer_request(hq.tenant, id).await?;
    hq.check_store(request.from_store_id)?;
    Ok(Json(
        app.storage.cancel_transfer_request(hq.tenant, id).await?,
    ))
}
