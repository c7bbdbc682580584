//! A store as its customers see it: its trading status, its assortment (which
//! variants it sells), and the catalog view that answers, in one call, what
//! each item costs there and whether it can be ordered now, and why not.

use super::openapi::{NotFound, Refused};
use super::{instant_param, query_error, required_text, AppState};
use crate::auth::Hq;
use crate::domain::hours::OpeningHours;
use crate::domain::orderability::{CatalogView, StoreStatus};
use crate::domain::stores::{Fulfilment, Store};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::http::{NoBody, PathIds};
use pos_shared::pricing::POS_CHANNEL;
use pos_shared::{StoreId, VariantId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_status))
        .routes(routes!(set_hours, clear_hours))
        .routes(routes!(set_fulfilment, clear_fulfilment))
        .routes(routes!(set_listed))
        .routes(routes!(set_block))
        .routes(routes!(catalog_view))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    /// `open`, `closed` or `maintenance`.
    #[schema(pattern = "^(open|closed|maintenance)$")]
    status: String,
}

/// Opens, closes or pauses a store for orders.
#[utoipa::path(
    put, path = "/v1/stores/{store_id}/status", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    request_body = StatusBody,
    responses((status = 200, description = "OK", body = Store), Refused, NotFound)
)]
async fn set_status(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    JsonBody(body): JsonBody<StatusBody>,
) -> Result<Json<Store>, ApiError> {
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
            .await?,
    ))
}

/// Sets when the store takes orders: outside these hours its items are not
/// orderable (`outside_hours`) and reservations are refused.
#[utoipa::path(
    put, path = "/v1/stores/{store_id}/hours", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    request_body = OpeningHours,
    responses((status = 200, description = "The store with its hours", body = Store), Refused, NotFound)
)]
async fn set_hours(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    JsonBody(hours): JsonBody<OpeningHours>,
) -> Result<Json<Store>, ApiError> {
    hours
        .validate()
        .map_err(|(field, detail)| ApiError::invalid(field, detail))?;
    Ok(Json(
        app.storage
            .set_hours(hq.tenant, store, Some(&hours))
            .await?,
    ))
}

/// Removes the store's hours: it takes orders at any hour its status is open.
#[utoipa::path(
    delete, path = "/v1/stores/{store_id}/hours", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    responses((status = 200, description = "The store without hours", body = Store), Refused, NotFound)
)]
async fn clear_hours(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    _: NoBody,
) -> Result<Json<Store>, ApiError> {
    Ok(Json(app.storage.set_hours(hq.tenant, store, None).await?))
}

/// Makes the store take delivery orders: where it is, how far it delivers,
/// how many orders it holds open at once and its SLA target in minutes. Every
/// field is required; a bad one is refused by name.
#[utoipa::path(
    put, path = "/v1/stores/{store_id}/fulfilment", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    request_body = Fulfilment,
    responses((status = 200, description = "The store with its delivery settings", body = Store), Refused, NotFound)
)]
async fn set_fulfilment(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    JsonBody(fulfilment): JsonBody<Fulfilment>,
) -> Result<Json<Store>, ApiError> {
    fulfilment
        .validate()
        .map_err(|(field, detail)| ApiError::invalid(field, detail))?;
    Ok(Json(
        app.storage
            .set_fulfilment(hq.tenant, store, Some(&fulfilment))
            .await?,
    ))
}

/// Removes the store's delivery settings: it takes no delivery orders.
#[utoipa::path(
    delete, path = "/v1/stores/{store_id}/fulfilment", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    responses((status = 200, description = "The store without delivery settings", body = Store), Refused, NotFound)
)]
async fn clear_fulfilment(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    _: NoBody,
) -> Result<Json<Store>, ApiError> {
    Ok(Json(
        app.storage.set_fulfilment(hq.tenant, store, None).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ListingBody {
    listed: bool,
}

#[derive(Serialize, ToSchema)]
struct Listing {
    store_id: StoreId,
    variant_id: VariantId,
    listed: bool,
}

/// Puts a variant into a store's assortment or takes it out (every variant is
/// in every store's assortment unless delisted there).
#[utoipa::path(
    put, path = "/v1/stores/{store_id}/assortment/{variant_id}", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path), ("variant_id" = VariantId, Path)),
    request_body = ListingBody,
    responses((status = 200, description = "OK", body = Listing), Refused, NotFound)
)]
async fn set_listed(
    State(app): State<AppState>,
    hq: Hq,
    PathIds((store, variant)): PathIds<(StoreId, VariantId)>,
    JsonBody(body): JsonBody<ListingBody>,
) -> Result<Json<Listing>, ApiError> {
    app.storage
        .set_listed(hq.tenant, store, variant, body.listed)
        .await?;
    Ok(Json(Listing {
        store_id: store,
        variant_id: variant,
        listed: body.listed,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct BlockBody {
    blocked: bool,
    /// Why the stock is on hold (a quality check, a recall); required to block.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct Block {
    store_id: StoreId,
    variant_id: VariantId,
    blocked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// Puts an item's stock at a store on hold (`blocked` in the catalog view:
/// no orders, no reservations) or releases it.
#[utoipa::path(
    put, path = "/v1/stores/{store_id}/blocks/{variant_id}", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path), ("variant_id" = VariantId, Path)),
    request_body = BlockBody,
    responses((status = 200, description = "OK", body = Block), Refused, NotFound)
)]
async fn set_block(
    State(app): State<AppState>,
    hq: Hq,
    PathIds((store, variant)): PathIds<(StoreId, VariantId)>,
    JsonBody(body): JsonBody<BlockBody>,
) -> Result<Json<Block>, ApiError> {
    let reason = match (body.blocked, body.reason) {
        // The reason reaches the cashier's screen word for word: one line,
        // every character seen (`required_text`).
        (true, Some(r)) => Some(required_text("reason", &r, 200)?),
        (true, None) => return Err(ApiError::invalid("reason", "say why the stock is blocked")),
        (false, Some(_)) => {
            return Err(ApiError::invalid(
                "reason",
                "a reason goes with blocking, not with releasing",
            ))
        }
        (false, None) => None,
    };
    app.storage
        .set_blocked(hq.tenant, store, variant, reason.as_deref())
        .await?;
    Ok(Json(Block {
        store_id: store,
        variant_id: variant,
        blocked: body.blocked,
        reason,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ViewQuery {
    /// RFC 3339; absent: now.
    #[param(format = DateTime)]
    at: Option<String>,
    /// The sales channel whose prices apply; `pos` when absent.
    #[param(min_length = 1, max_length = 40)]
    channel: Option<String>,
    /// At most this many items (1 to 1000, 500 by default). Taken as text so
    /// that `limit=ten` is refused naming `limit`, like `limit=0`.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// The `next_cursor` of the page before; absent for the first page.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// The store's items as its customers see them, a page at a time in SKU
/// order, in one query: listing, effective price and its source, stock, and
/// orderability with every reason.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/catalog-view", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path), ViewQuery),
    responses((status = 200, description = "OK", body = CatalogView), Refused, NotFound)
)]
async fn catalog_view(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    query: Result<Query<ViewQuery>, QueryRejection>,
) -> Result<Json<CatalogView>, ApiError> {
    let Query(q) = query.map_err(query_error)?;
    let at = instant_param(q.at)?;
    let list = super::paging::SkuList::CatalogView;
    let page = list.page(q.limit.as_deref(), q.cursor.as_deref())?;
    let channel = match q.channel {
        None => POS_CHANNEL.to_owned(),
        Some(c) => required_text("channel", &c, 40)?,
    };
    let mut view = app
        .storage
        .catalog_view(hq.tenant, store, &channel, at, page)
        .await?;
    view.next_cursor = list.cursor(view.next_cursor);
    Ok(Json(view))
}
