//! Transfers between stores for HQ: dispatch from a store (its stock goes
//! out at once), receive at the destination (what arrived comes in), and
//! read them back. A key limited to stores dispatches from its stores and
//! receives at them.

use super::openapi::{Conflict, NotFound, Refused};
use super::paging::{PageParams, Paged};
use super::AppState;
use crate::auth::Hq;
use crate::domain::transfers::{NewTransfer, Transfer, TransferOutcome};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use pos_shared::http::PathIds;
use pos_shared::http::{ApiError, JsonBody, OptionalBody};
use pos_shared::{Qty, StoreId, VariantId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, dispatch))
        .routes(routes!(one))
        .routes(routes!(receive))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DispatchBody {
    /// Lets HQ tools retry safely; minted by the hub when absent.
    #[serde(default)]
    transfer_id: Option<Uuid>,
    to_store_id: StoreId,
    variant_id: VariantId,
    qty: Qty,
    /// Why, or the consignment's reference (at most 200 characters).
    #[serde(default)]
    #[schema(max_length = 200)]
    note: String,
}

/// Sends stock to another store: a `transfer_out` movement at this store now,
/// against what it has available; the destination receives it later.
#[utoipa::path(
    post, path = "/v1/stores/{store_id}/transfers", tag = "inventory", security(("hq" = [])),
    params(("store_id" = StoreId, Path, description = "The store the stock leaves")),
    request_body = DispatchBody,
    responses(
        (status = 201, description = "Dispatched", body = Transfer),
        (status = 200, description = "The same transfer, asked for again", body = Transfer),
        Refused, NotFound, Conflict
    )
)]
async fn dispatch(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(from): PathIds<StoreId>,
    JsonBody(body): JsonBody<DispatchBody>,
) -> Result<(StatusCode, Json<Transfer>), ApiError> {
    let note = checked_transfer(from, body.to_store_id, body.qty, &body.note)?;
    let new = NewTransfer {
        transfer_id: body.transfer_id.unwrap_or_else(Uuid::now_v7),
        from_store_id: from,
        to_store_id: body.to_store_id,
        variant_id: body.variant_id,
        qty: body.qty,
        note: note.to_owned(),
    };
    match app.storage.dispatch_transfer(hq.tenant, &new).await? {
        TransferOutcome::Created(t) => Ok((StatusCode::CREATED, Json(t))),
        TransferOutcome::Existing(t) => Ok((StatusCode::OK, Json(t))),
    }
}

/// What a transfer (or a request for one) from `from` must be: something
/// sent, within a line's quantity, to another store, with a short note;
/// the note trimmed.
pub(super) fn checked_transfer(
    from: StoreId,
    to: StoreId,
    qty: Qty,
    note: &str,
) -> Result<&str, ApiError> {
    if !qty.is_positive() {
        return Err(ApiError::invalid("qty", "qty must be more than zero"));
    }
    super::check_qty("qty", qty)?;
    if to == from {
        return Err(ApiError::invalid(
            "to_store_id",
            "a transfer goes to another store",
        ));
    }
    let note = note.trim();
    if note.chars().count() > pos_shared::transfer::MAX_TRANSFER_NOTE {
        return Err(ApiError::invalid(
            "note",
            format!(
                "note must be at most {} characters",
                pos_shared::transfer::MAX_TRANSFER_NOTE
            ),
        ));
    }
    super::visible_text("note", note)?;
    Ok(note)
}

/// The store's transfers, sent and received, a page at a time in the order
/// they were dispatched.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/transfers", operation_id = "list_transfers", tag = "inventory", security(("hq" = [])),
    params(("store_id" = StoreId, Path), PageParams),
    responses((status = 200, description = "OK", body = Paged<Transfer>), Refused, NotFound)
)]
async fn list(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<Json<Paged<Transfer>>, ApiError> {
    let Query(params) = params.map_err(super::query_error)?;
    let page = app
        .storage
        .transfers(hq.tenant, store, params.page()?)
        .await?;
    Ok(Json(Paged::of(page, |t| t.transfer_id)))
}

/// One transfer and what became of it.
#[utoipa::path(
    get, path = "/v1/transfers/{transfer_id}", operation_id = "transfer", tag = "inventory", security(("hq" = [])),
    params(("transfer_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = Transfer), Refused, NotFound)
)]
async fn one(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
) -> Result<Json<Transfer>, ApiError> {
    let transfer = app.storage.transfer(hq.tenant, id).await?;
    if !hq.grant.reaches(transfer.from_store_id) {
        hq.check_store(transfer.to_store_id)?;
    }
    Ok(Json(transfer))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
struct ReceiveBody {
    /// What arrived; all that was sent when absent. Less is a shortfall.
    #[serde(default)]
    received_qty: Option<Qty>,
}

/// Takes a transfer in at its destination: a `transfer_in` movement for what
/// arrived. Receiving again with the same quantity changes nothing.
#[utoipa::path(
    post, path = "/v1/transfers/{transfer_id}/receive", tag = "inventory", security(("hq" = [])),
    params(("transfer_id" = Uuid, Path)),
    request_body = ReceiveBody,
    responses((status = 200, description = "Received", body = Transfer), Refused, NotFound, Conflict)
)]
async fn receive(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    // Left out, all of it arrived.
    OptionalBody(body): OptionalBody<ReceiveBody>,
) -> Result<Json<Transfer>, ApiError> {
    if body.received_qty.is_some_and(|q| q.milli() < 0) {
        return Err(ApiError::invalid(
            "received_qty",
            "received_qty must not be negative",
        ));
    }
    let transfer = app.storage.transfer(hq.tenant, id).await?;
    // Only the destination's people say what arrived there.
    hq.check_store(transfer.to_store_id)?;
    Ok(Json(
        app.storage
            .receive_transfer(hq.tenant, id, body.received_qty)
            .await?,
    ))
}
