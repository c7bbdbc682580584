//! Recommendations at a store: what its customers buy with an item and what
//! stands in for it, each orderable there now, and what is selling more
//! (`domain::recommendations`).

use super::openapi::{NotFound, Refused};
use super::{query_error, AppState};
use crate::auth::Hq;
use crate::domain::recommendations::{
    RecommendationRules, Recommendations, Trending, DEFAULT_DAYS, DEFAULT_LIMIT,
    DEFAULT_TREND_DAYS, MAX_DAYS, MAX_LIMIT, MAX_TREND_DAYS,
};
use crate::storage::DbError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
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
    /// The days of the store's sales read back from now (1 to 365, 90 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 365)]
    days: Option<String>,
    /// Suggestions of each kind (1 to 50, 10 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    limit: Option<String>,
}

/// What the store's customers bought in the same sales as the item (the most
/// sales first), and its substitutes (the category's other items, the same
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
    let item = match q.item_id.as_deref() {
        None => return Err(ApiError::invalid("item_id", "say which item: item_id")),
        Some(text) => text.parse::<VariantId>().map_err(|_| {
            ApiError::invalid("item_id", format!("item_id {text:?} is not a variant id"))
        })?,
    };
    let days = count_text("days", q.days.as_deref(), DEFAULT_DAYS, MAX_DAYS)?;
    let limit = count_text("limit", q.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)? as usize;
    match app
        .storage
        .recommendations(hq.tenant, store, item, days, limit)
        .await
    {
        Ok(found) => Ok(Json(found)),
        // The store was found above: it is the item that is not.
        Err(DbError::NotFound("variant")) => {
            Err(ApiError::from(DbError::NotFound("variant")).with_field("item_id"))
        }
        Err(e) => Err(e.into()),
    }
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
