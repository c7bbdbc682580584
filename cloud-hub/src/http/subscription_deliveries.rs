//! What became of a subscription's events, and sending them again (owner
//! only): `GET /v1/webhook-subscriptions/{subscription_id}/deliveries`
//! (`?status=delivered|failed|dead|queued&cursor=&limit=`: tries, last
//! status, latency), `GET …/dead-letters`, `POST …/dead-letters/{event_id}/replay`
//! (the event goes again, with the same `webhook-id`, so a receiver that
//! had it dedupes) and `POST …/replay?from_seq=` (every event from there
//! on, again, in order).

use super::openapi::{NotFound, Refused};
use super::paging::Paged;
use super::subscriptions::whole_tenant;
use super::{query_error, AppState};
use crate::auth::Hq;
use crate::domain::ledger::RecordedPage;
use crate::domain::subscriptions::{Delivery, DeliveryState, Subscription};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use pos_shared::http::{ApiError, NoBody, PathIds};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(deliveries))
        .routes(routes!(dead_letters))
        .routes(routes!(replay_dead_letter))
        .routes(routes!(replay_range))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DeliveryParams {
    /// Only deliveries standing so: `delivered`, `failed` (retrying),
    /// `dead` or `queued` (a replay waiting).
    #[param(pattern = "^(delivered|failed|dead|queued)$")]
    status: Option<String>,
    /// At most this many (1 to 1000, 100 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// The `next_cursor` of the page before.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct PageOnly {
    /// At most this many (1 to 1000, 100 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// The `next_cursor` of the page before.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ReplayParams {
    /// The first event (`seq`) to send again; every later one follows in
    /// order. Taken as text so a bad one is refused naming `from_seq`.
    #[param(value_type = u64, minimum = 1)]
    from_seq: Option<String>,
}

fn page(limit: Option<&str>, cursor: Option<&str>) -> Result<RecordedPage, ApiError> {
    let limit = pos_shared::http::limit_text(limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let after = cursor
        .map(|c| {
            c.parse::<Uuid>().map_err(|_| {
                ApiError::invalid(
                    "cursor",
                    "cursor is not from this list: pass back a next_cursor as it came",
                )
            })
        })
        .transpose()?;
    Ok(RecordedPage { after, limit })
}

async fn listed(
    app: &AppState,
    hq: &Hq,
    subscription: Uuid,
    status: Option<DeliveryState>,
    page: RecordedPage,
) -> Result<Json<Paged<Delivery>>, ApiError> {
    let found = app
        .storage
        .deliveries(hq.tenant, subscription, status, page)
        .await?;
    Ok(Json(Paged::of(found, |d| d.id)))
}

/// The subscription's deliveries in the order they were first tried: each
/// event's tries, where it stands, the last answer and its latency.
#[utoipa::path(
    get, path = "/v1/webhook-subscriptions/{subscription_id}/deliveries",
    operation_id = "list_webhook_deliveries", tag = "webhooks", security(("hq" = [])),
    params(("subscription_id" = Uuid, Path), DeliveryParams),
    responses((status = 200, description = "OK", body = Paged<Delivery>), Refused, NotFound)
)]
async fn deliveries(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    params: Result<Query<DeliveryParams>, QueryRejection>,
) -> Result<Json<Paged<Delivery>>, ApiError> {
    whole_tenant(&hq)?;
    let Query(p) = params.map_err(query_error)?;
    let status = p
        .status
        .as_deref()
        .map(|s| {
            DeliveryState::parse(s).ok_or_else(|| {
                ApiError::invalid(
                    "status",
                    format!("{s:?} is not delivered, failed, dead or queued"),
                )
            })
        })
        .transpose()?;
    let page = page(p.limit.as_deref(), p.cursor.as_deref())?;
    listed(&app, &hq, id, status, page).await
}

/// The subscription's dead letters: events given up after the retry
/// schedule, and gaps of events pruned before they could be sent.
#[utoipa::path(
    get, path = "/v1/webhook-subscriptions/{subscription_id}/dead-letters",
    operation_id = "list_webhook_dead_letters", tag = "webhooks", security(("hq" = [])),
    params(("subscription_id" = Uuid, Path), PageOnly),
    responses((status = 200, description = "OK", body = Paged<Delivery>), Refused, NotFound)
)]
async fn dead_letters(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    params: Result<Query<PageOnly>, QueryRejection>,
) -> Result<Json<Paged<Delivery>>, ApiError> {
    whole_tenant(&hq)?;
    let Query(p) = params.map_err(query_error)?;
    let page = page(p.limit.as_deref(), p.cursor.as_deref())?;
    listed(&app, &hq, id, Some(DeliveryState::Dead), page).await
}

/// Sends a dead letter again, now, with the whole retry schedule before it
/// is given up again; it carries the same `webhook-id` as before.
#[utoipa::path(
    post, path = "/v1/webhook-subscriptions/{subscription_id}/dead-letters/{event_id}/replay",
    operation_id = "replay_webhook_dead_letter", tag = "webhooks", security(("hq" = [])),
    params(("subscription_id" = Uuid, Path), ("event_id" = Uuid, Path)),
    responses(
        (status = 202, description = "Queued", body = Delivery),
        Refused, NotFound,
        (status = 409, description = "The event's delivery is not dead", body = pos_shared::problem::Problem),
    )
)]
async fn replay_dead_letter(
    State(app): State<AppState>,
    hq: Hq,
    PathIds((id, event)): PathIds<(Uuid, Uuid)>,
    _: NoBody,
) -> Result<(StatusCode, Json<Delivery>), ApiError> {
    whole_tenant(&hq)?;
    let queued = app.storage.replay_dead_letter(hq.tenant, id, event).await?;
    Ok((StatusCode::ACCEPTED, Json(queued)))
}

/// Sends every event from `from_seq` on again, in order (those of the
/// subscription's types), each with its own `webhook-id` as before.
#[utoipa::path(
    post, path = "/v1/webhook-subscriptions/{subscription_id}/replay",
    operation_id = "replay_webhook_range", tag = "webhooks", security(("hq" = [])),
    params(("subscription_id" = Uuid, Path), ReplayParams),
    responses(
        (status = 202, description = "The cursor is back before from_seq", body = Subscription),
        Refused, NotFound,
        (status = 409, description = "from_seq is pruned, or not delivered yet", body = pos_shared::problem::Problem),
    )
)]
async fn replay_range(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    params: Result<Query<ReplayParams>, QueryRejection>,
    _: NoBody,
) -> Result<(StatusCode, Json<Subscription>), ApiError> {
    whole_tenant(&hq)?;
    let Query(p) = params.map_err(query_error)?;
    let from_seq = p
        .from_seq
        .as_deref()
        .ok_or_else(|| {
            ApiError::invalid(
                "from_seq",
                "from_seq is required: the first event to send again",
            )
        })?
        .parse::<u64>()
        .ok()
        .filter(|s| *s >= 1)
        .ok_or_else(|| {
            ApiError::invalid(
                "from_seq",
                "from_seq is an event's seq: a whole number from 1",
            )
        })?;
    let moved = app.storage.replay_from(hq.tenant, id, from_seq).await?;
    Ok((StatusCode::ACCEPTED, Json(moved)))
}
