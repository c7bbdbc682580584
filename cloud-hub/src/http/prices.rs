//! The HQ API for prices over time: windows per variant (chain-wide or one
//! store's, per channel, with MRP), ending them, and the effective price of a
//! variant for a store at an instant.

use super::openapi::{Conflict, NotFound, Refused};
use super::{instant_param, query_error, AppState};
use crate::auth::Hq;
use crate::domain::catalog::EffectivePrice;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use pos_shared::http::PathIds;
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::pricing::{PriceWindow, POS_CHANNEL};
use pos_shared::{Money, PriceId, StoreId, Timestamp, VariantId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(windows, schedule))
        .routes(routes!(end))
        .routes(routes!(effective))
        .routes(routes!(set_prices))
}

/// Prices in one bulk request.
const MAX_BULK: usize = 1000;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct BasePrice {
    variant_id: VariantId,
    price: Money,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct BasePricesBody {
    /// 1 to 1000 variants and their new base prices.
    #[schema(min_items = 1, max_items = 1000)]
    prices: Vec<BasePrice>,
}

#[derive(serde::Serialize, ToSchema)]
struct BasePricesSet {
    updated: usize,
    /// Already at that price: nothing written, nothing sent to tills.
    unchanged: usize,
    /// The variants whose price changed.
    changed: Vec<VariantId>,
}

/// Sets many variants' base prices in one transaction (a new price list):
/// all of them, or — if any is refused — none, with the error naming `prices[i]`.
#[utoipa::path(
    post, path = "/v1/prices/bulk", tag = "prices", security(("hq" = [])),
    request_body = BasePricesBody,
    responses((status = 200, description = "Set", body = BasePricesSet), Refused, NotFound)
)]
async fn set_prices(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<BasePricesBody>,
) -> Result<Json<BasePricesSet>, ApiError> {
    if body.prices.is_empty() || body.prices.len() > MAX_BULK {
        return Err(ApiError::invalid(
            "prices",
            format!("send 1 to {MAX_BULK} prices"),
        ));
    }
    let currency = super::tenant_currency(&app, hq.tenant).await?;
    let mut seen = std::collections::HashSet::new();
    let mut prices = Vec::with_capacity(body.prices.len());
    for (i, p) in body.prices.into_iter().enumerate() {
        super::check_price(&format!("prices[{i}].price"), p.price, currency)?;
        if !seen.insert(p.variant_id) {
            return Err(ApiError::invalid(
                format!("prices[{i}].variant_id"),
                "this variant is on an earlier line of the request",
            ));
        }
        prices.push((p.variant_id, p.price));
    }
    let changed = app
        .storage
        .set_prices(hq.tenant, &prices)
        .await
        .map_err(|e| super::bulk_error("prices", e))?;
    let changed: Vec<VariantId> = prices
        .iter()
        .zip(changed)
        .filter_map(|((variant, _), changed)| changed.then_some(*variant))
        .collect();
    Ok(Json(BasePricesSet {
        updated: changed.len(),
        unchanged: prices.len() - changed.len(),
        changed,
    }))
}

#[derive(Deserialize, ToSchema)]
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

/// Schedules a price window for a variant: chain-wide or one store's, per
/// channel, with an optional MRP; windows of one scope and channel may not overlap.
#[utoipa::path(
    post, path = "/v1/variants/{variant_id}/prices", tag = "prices", security(("hq" = [])),
    params(("variant_id" = VariantId, Path)),
    request_body = WindowBody,
    responses((status = 201, description = "Created", body = PriceWindow), Refused, NotFound, Conflict)
)]
async fn schedule(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(variant): PathIds<VariantId>,
    JsonBody(body): JsonBody<WindowBody>,
) -> Result<(StatusCode, Json<PriceWindow>), ApiError> {
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
    let currency = super::tenant_currency(&app, hq.tenant).await?;
    super::check_price("price", window.price, currency)?;
    if let Some(mrp) = window.mrp {
        super::check_price("mrp", mrp, currency)?;
    }
    window
        .validate()
        .map_err(|(field, detail)| ApiError::invalid(field, detail))?;
    let scheduled = app.storage.schedule_price(hq.tenant, &window).await?;
    Ok((StatusCode::CREATED, Json(scheduled)))
}

/// A variant's price windows, past, current and to come.
#[utoipa::path(
    get, path = "/v1/variants/{variant_id}/prices", tag = "prices", security(("hq" = [])),
    params(("variant_id" = VariantId, Path)),
    responses((status = 200, description = "OK", body = Vec<PriceWindow>), Refused, NotFound)
)]
async fn windows(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(variant): PathIds<VariantId>,
) -> Result<Json<Vec<PriceWindow>>, ApiError> {
    Ok(Json(app.storage.price_windows(hq.tenant, variant).await?))
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
struct EndBody {
    /// Absent: now.
    #[serde(default)]
    at: Option<Timestamp>,
}

/// Ends a window early (a promotion stopped); one not yet begun is cancelled.
#[utoipa::path(
    post, path = "/v1/prices/{price_id}/end", tag = "prices", security(("hq" = [])),
    params(("price_id" = PriceId, Path)),
    request_body = EndBody,
    responses((status = 200, description = "OK", body = PriceWindow), Refused, NotFound, Conflict)
)]
async fn end(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(price): PathIds<PriceId>,
    JsonBody(body): JsonBody<EndBody>,
) -> Result<Json<PriceWindow>, ApiError> {
    Ok(Json(
        app.storage
            .end_price(hq.tenant, price, body.at.unwrap_or_else(Timestamp::now))
            .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct EffectiveQuery {
    /// The instant, RFC 3339; absent: now.
    #[param(format = DateTime)]
    at: Option<String>,
    /// The sales channel (`pos` by default).
    channel: Option<String>,
}

/// The price a store charges for a variant at an instant, in one query: the
/// store's window, else the chain's, else the base price, with its `source`.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/prices/{variant_id}", tag = "prices", security(("hq" = [])),
    params(("store_id" = StoreId, Path), ("variant_id" = VariantId, Path), EffectiveQuery),
    responses((status = 200, description = "OK", body = EffectivePrice), Refused, NotFound)
)]
async fn effective(
    State(app): State<AppState>,
    hq: Hq,
    PathIds((store, variant)): PathIds<(StoreId, VariantId)>,
    query: Result<Query<EffectiveQuery>, QueryRejection>,
) -> Result<Json<EffectivePrice>, ApiError> {
    let Query(q) = query.map_err(query_error)?;
    let at = instant_param(q.at)?;
    let channel = q.channel.unwrap_or_else(|| POS_CHANNEL.to_owned());
    Ok(Json(
        app.storage
            .effective_price(hq.tenant, store, variant, &channel, at)
            .await?,
    ))
}
