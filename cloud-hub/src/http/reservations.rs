//! The API for order systems to hold stock: reserve at a store for a while,
//! then release or commit (the goods left). Expired reservations are settled
//! by the hub's sweeper, and the store's inventory shows what is still free.

use super::openapi::{Conflict, NotFound, Refused};
use super::{required_text, AppState};
use crate::auth::Hq;
use crate::domain::reservations::{NewReservation, Reservation, ReservationOutcome, Settlement};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::http::{NoBody, PathIds};
use pos_shared::{Qty, StoreId, Timestamp, VariantId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// Fifteen minutes: a checkout's usual hold.
const DEFAULT_TTL_SECS: u64 = 900;
/// A day: longer holds are stock set aside, which is a transfer, not a reservation.
const MAX_TTL_SECS: u64 = 86_400;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(reserve))
        .routes(routes!(one))
        .routes(routes!(release))
        .routes(routes!(commit))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReserveBody {
    /// Lets the order system retry safely; minted by the hub when absent.
    #[serde(default)]
    reservation_id: Option<Uuid>,
    variant_id: VariantId,
    qty: Qty,
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    order_ref: String,
    /// How long the hold lasts, 1 s to a day; 15 minutes when absent.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 86400)]
    ttl_secs: Option<u64>,
}

/// Holds stock for an order, against on hand less what other orders hold;
/// a retry with the same `reservation_id` and request returns the same hold.
#[utoipa::path(
    post, path = "/v1/stores/{store_id}/reservations", tag = "inventory", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    request_body = ReserveBody,
    responses(
        (status = 201, description = "Created", body = Reservation),
        (status = 200, description = "The same reservation, asked for again", body = Reservation),
        Refused, NotFound, Conflict
    )
)]
async fn reserve(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    JsonBody(body): JsonBody<ReserveBody>,
) -> Result<(StatusCode, Json<Reservation>), ApiError> {
    if !body.qty.is_positive() {
        return Err(ApiError::invalid("qty", "qty must be more than zero"));
    }
    super::check_qty("qty", body.qty)?;
    let order_ref = required_text("order_ref", &body.order_ref, 100)?;
    let ttl = body.ttl_secs.unwrap_or(DEFAULT_TTL_SECS);
    if !(1..=MAX_TTL_SECS).contains(&ttl) {
        return Err(ApiError::invalid(
            "ttl_secs",
            format!("ttl_secs must be from 1 to {MAX_TTL_SECS} (a day)"),
        ));
    }
    let new = NewReservation {
        reservation_id: body.reservation_id.unwrap_or_else(Uuid::now_v7),
        store_id: store,
        variant_id: body.variant_id,
        qty: body.qty,
        order_ref,
        expires_at: Timestamp::from_unix_millis(
            Timestamp::now().unix_millis() + (ttl as i64) * 1000,
        ),
    };
    match app.storage.reserve(hq.tenant, &new).await? {
        ReservationOutcome::Created(r) => Ok((StatusCode::CREATED, Json(r))),
        ReservationOutcome::Existing(r) => Ok((StatusCode::OK, Json(r))),
    }
}

/// One reservation and its state.
#[utoipa::path(
    get, path = "/v1/reservations/{reservation_id}", operation_id = "reservation", tag = "inventory", security(("hq" = [])),
    params(("reservation_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = Reservation), Refused, NotFound)
)]
async fn one(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
) -> Result<Json<Reservation>, ApiError> {
    let found = app.storage.reservation(hq.tenant, id).await?;
    hq.check_store(found.store_id)?;
    Ok(Json(found))
}

async fn settle(
    app: &AppState,
    hq: Hq,
    id: Uuid,
    how: Settlement,
) -> Result<Json<Reservation>, ApiError> {
    if hq.grant.limited() {
        let found = app.storage.reservation(hq.tenant, id).await?;
        hq.check_store(found.store_id)?;
    }
    Ok(Json(
        app.storage.settle_reservation(hq.tenant, id, how).await?,
    ))
}

/// Gives the held stock back.
#[utoipa::path(
    post, path = "/v1/reservations/{reservation_id}/release", tag = "inventory", security(("hq" = [])),
    params(("reservation_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = Reservation), Refused, NotFound, Conflict)
)]
async fn release(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    _: NoBody,
) -> Result<Json<Reservation>, ApiError> {
    settle(&app, hq, id, Settlement::Release).await
}

/// Takes the held stock out of the ledger as a sale (the goods left).
#[utoipa::path(
    post, path = "/v1/reservations/{reservation_id}/commit", tag = "inventory", security(("hq" = [])),
    params(("reservation_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = Reservation), Refused, NotFound, Conflict)
)]
async fn commit(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    _: NoBody,
) -> Result<Json<Reservation>, ApiError> {
    settle(&app, hq, id, Settlement::Commit).await
}
