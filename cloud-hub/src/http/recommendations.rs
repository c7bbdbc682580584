//! Recommendations: at a store, what its customers buy with an item and what
//! stands in for it, each orderable there now, and what is selling more;
//! what the chain's customers buy with an item; a till's add-ons for an item
//! (`domain::recommendations`).

use super::openapi::{NotFound, Refused};
use super::{query_error, AppState};
use crate::auth::{Device, Hq};
use crate::domain::recommendations::{
    ChainRecommendations, RecommendationRules, Recommendations, Trending, DEFAULT_DAYS,
    DEFAULT_LIMIT, DEFAULT_TREND_DAYS, MAX_DAYS, MAX_LIMIT, MAX_TREND_DAYS,
};
use crate::storage::DbError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use pos_shared::http::{count_text, ApiError, JsonBody, PathIds};
use pos_shared::{StoreId, VariantId};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(recommendations))
        .routes(routes!(chain_recommendations))
        .routes(routes!(add_ons))
        .routes(routes!(trending))
        .routes(routes!(recommendation_rules, set_recommendation_rules))
}

/// Taken as text, so that a bad value is refused naming its parameter.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct RecommendationQuery {
    /// The item (a variant id) to suggest beside.
    #[param(value_type = String, format = Uuid)]
    item_id: Option<String>,
    /// The days of sales read back from today, by the (UTC) day each was
    /// made (1 to 365, 90 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 365)]
    days: Option<String>,
    /// Suggestions of each kind (1 to 50, 10 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    limit: Option<String>,
}

/// What the store's customers bought in the same sales as the item (HQ's
/// pins first, then the most sales, then the chain's pairs the store has
/// not made, except for a credential limited to some stores), and its substitutes (the category's other items, the same
/// brand first); only items the store can
/// take an order for now, each with what it can still promise. Also whether
/// the item itself can be ordered there, and why not.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/recommendations", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path), RecommendationQuery),
    responses((status = 200, description = "OK", body = Recommendations), Refused, NotFound)
)]
async fn recommendations(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    query: Result<Query<RecommendationQuery>, QueryRejection>,
) -> Result<Json<Recommendations>, ApiError> {
    // Another tenant's store is not found, whatever was asked of it.
    app.storage.store(hq.tenant, store).await?;
    let Query(q) = query.map_err(query_error)?;
    let item = item_named(q.item_id.as_deref())?;
    let days = count_text("days", q.days.as_deref(), DEFAULT_DAYS, MAX_DAYS)?;
    let limit = count_text("limit", q.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)? as usize;
    // The store was found above: a variant not found is the item.
    app.storage
        .recommendations(hq.tenant, store, item, days, limit, !hq.grant.limited())
        .await
        .map(Json)
        .map_err(no_such_item)
}

/// The item a query names, refused by name when missing or no variant id.
fn item_named(text: Option<&str>) -> Result<VariantId, ApiError> {
    match text {
        None => Err(ApiError::invalid("item_id", "say which item: item_id")),
        Some(text) => text.parse::<VariantId>().map_err(|_| {
            ApiError::invalid("item_id", format!("item_id {text:?} is not a variant id"))
        }),
    }
}

/// An item not found, named as the parameter that gave it.
fn no_such_item(e: DbError) -> ApiError {
    match e {
        DbError::NotFound("variant") | DbError::Deleted("variant") => {
            ApiError::from(e).with_field("item_id")
        }
        other => other.into(),
    }
}

/// What the chain's customers bought in the same sales as the item, across
/// every store: HQ's pinned items first, then the most sales. No store's
/// stock is checked (each store's own list does that). A credential limited
/// to some stores is refused (403).
#[utoipa::path(
    get, path = "/v1/recommendations", tag = "catalog", security(("hq" = [])),
    params(RecommendationQuery),
    responses((status = 200, description = "OK", body = ChainRecommendations), Refused, NotFound)
)]
async fn chain_recommendations(
    State(app): State<AppState>,
    hq: Hq,
    query: Result<Query<RecommendationQuery>, QueryRejection>,
) -> Result<Json<ChainRecommendations>, ApiError> {
    if hq.grant.limited() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the chain's list counts every store's sales; this credential is limited to some stores: ask a store's recommendations",
        ));
    }
    let Query(q) = query.map_err(query_error)?;
    let item = item_named(q.item_id.as_deref())?;
    let days = count_text("days", q.days.as_deref(), DEFAULT_DAYS, MAX_DAYS)?;
    let limit = count_text("limit", q.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)? as usize;
    app.storage
        .chain_recommendations(hq.tenant, item, days, limit)
        .await
        .map(Json)
        .map_err(no_such_item)
}

/// A till's add-ons for an item, for the cashier's hint beside the bill:
/// HQ's pinned items, then what the till's store sold with it in the last
/// 90 days, then the chain's, at most five. Not checked against stock: the
/// till shows only what it can sell.
#[utoipa::path(
    get, path = "/v1/sync/items/{variant_id}/add-ons", tag = "sync", security(("device_token" = [])),
    params(("variant_id" = VariantId, Path)),
    responses((status = 200, description = "The item's add-ons, best first", body = pos_shared::addons::AddOns), Refused, NotFound)
)]
async fn add_ons(
    State(app): State<AppState>,
    Device(device): Device,
    PathIds(item): PathIds<VariantId>,
) -> Result<Json<pos_shared::addons::AddOns>, ApiError> {
    let add_ons = app
        .storage
        .add_ons(
            device.tenant_id,
            device.store_id,
            item,
            pos_shared::addons::MAX_ADD_ONS,
        )
        .await?;
    Ok(Json(pos_shared::addons::AddOns {
        variant_id: item,
        add_ons,
    }))
}

/// Taken as text, so that a bad value is refused naming its parameter.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct TrendingQuery {
    /// The window in days (1 to 90, 7 by default), set against the same
    /// number of days before it.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 90)]
    days: Option<String>,
    /// At most this many items (1 to 50, 10 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    limit: Option<String>,
}

/// What sells at the store more than it did: the items sold in the last
/// `days` (by when each sale was made), the biggest rise in units over the
/// `days` before first, then the most sold; each with its units in both
/// windows, its sales, and whether the store can take an order for it now.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/trending", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path), TrendingQuery),
    responses((status = 200, description = "OK", body = Trending), Refused, NotFound)
)]
async fn trending(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    query: Result<Query<TrendingQuery>, QueryRejection>,
) -> Result<Json<Trending>, ApiError> {
    app.storage.store(hq.tenant, store).await?;
    let Query(q) = query.map_err(query_error)?;
    let days = count_text(
        "days",
        q.days.as_deref(),
        DEFAULT_TREND_DAYS,
        MAX_TREND_DAYS,
    )?;
    let limit = count_text("limit", q.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)? as usize;
    Ok(Json(
        app.storage.trending(hq.tenant, store, days, limit).await?,
    ))
}

/// HQ's rules for an item's recommendations at every store: the items
/// pinned first among what is bought with it, and those never suggested
/// beside it (empty lists when it has none).
#[utoipa::path(
    get, path = "/v1/recommendation-rules/{variant_id}", tag = "catalog", security(("hq" = [])),
    params(("variant_id" = VariantId, Path)),
    responses((status = 200, description = "OK", body = RecommendationRules), Refused, NotFound)
)]
async fn recommendation_rules(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(item): PathIds<VariantId>,
) -> Result<Json<RecommendationRules>, ApiError> {
    Ok(Json(
        app.storage.recommendation_rules(hq.tenant, item).await?,
    ))
}

/// Replaces the item's rules: `pinned` items lead what is bought with it, in
/// their order, wherever the store can take an order for them; `excluded`
/// ones are never suggested beside it (nor offered for it when an order is
/// refused or picked short). Up to 20 each, live items of the chain, not
/// the item itself, none twice, none in both; empty lists clear them.
#[utoipa::path(
    put, path = "/v1/recommendation-rules/{variant_id}", tag = "catalog", security(("hq" = [])),
    params(("variant_id" = VariantId, Path)),
    request_body = RecommendationRules,
    responses((status = 200, description = "The rules as kept", body = RecommendationRules), Refused, NotFound)
)]
async fn set_recommendation_rules(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(item): PathIds<VariantId>,
    JsonBody(rules): JsonBody<RecommendationRules>,
) -> Result<Json<RecommendationRules>, ApiError> {
    rules
        .validate(item)
        .map_err(|(field, detail)| ApiError::invalid(field, detail))?;
    match app
        .storage
        .set_recommendation_rules(hq.tenant, item, &rules)
        .await
    {
        Ok(kept) => Ok(Json(kept)),
        Err(DbError::AtItem { index, .. }) => {
            let (list, at, ids) = match index.checked_sub(rules.pinned.len()) {
                None => ("pinned", index, &rules.pinned),
                Some(at) => ("excluded", at, &rules.excluded),
            };
            let field = format!("{list}[{at}]");
            let id = ids.get(at).map(ToString::to_string).unwrap_or_default();
            let detail = format!("{field}: {id} is no live item of this chain");
            Err(ApiError::invalid(field, detail))
        }
        Err(e) => Err(e.into()),
    }
}
