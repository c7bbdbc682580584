//! `GET /v1/stores/{store_id}/search`: a store's search, as its customers
//! and pickers use it (`domain::search`, answered by `crate::search`).

use super::openapi::{NotFound, Refused};
use super::{path_id, query_error, AppState};
use crate::auth::Hq;
use crate::domain::search::{SearchResults, StoreQuery, DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_CHARS};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use pos_shared::http::{count_text, ApiError, PathIds};
use pos_shared::pricing::POS_CHANNEL;
use pos_shared::{CategoryId, Currency, Money, StoreId};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search_store))
}

/// The most attribute filters one search takes.
const MAX_ATTRIBUTE_FILTERS: usize = 10;

/// Taken as text, so that a bad value is refused naming its parameter.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    /// The shopper's words (1 to 100 characters): names, brands,
    /// categories, synonyms ("curd" finds "dahi"), with typos forgiven and
    /// the last word taken as a start; in double quotes, a phrase; or a SKU
    /// or barcode.
    #[param(required = true, min_length = 1, max_length = 100)]
    q: Option<String>,
    /// Only items of this category or a category under it.
    #[param(value_type = Option<Uuid>)]
    category_id: Option<String>,
    /// Only this brand's items (its name, any case).
    #[param(max_length = 100)]
    brand: Option<String>,
    /// Only items with these attribute values, `key:value` separated by
    /// commas (`diet:veg,organic:true`), any case.
    #[param(max_length = 400)]
    attr: Option<String>,
    /// The store's price at least this (`25` or `25.50`).
    #[param(value_type = Option<String>, example = "25.00")]
    min_price: Option<String>,
    /// The store's price at most this.
    #[param(value_type = Option<String>, example = "100")]
    max_price: Option<String>,
    /// `true`: only items with stock the store can still promise.
    #[param(value_type = Option<bool>)]
    in_stock: Option<String>,
    /// `true`: only items the store can take an order for now.
    #[param(value_type = Option<bool>)]
    orderable: Option<String>,
    /// The sales channel whose prices are shown (`pos` by default).
    #[param(max_length = 40)]
    channel: Option<String>,
    /// Hits returned (1 to 100, 20 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// Searches the store's catalog: the best matches of the words with the
/// store's price and stock, ranked by relevance and then by what the store
/// can promise, and how the matches fall by category, brand and attribute.
/// Filters on category, brand and attributes narrow the matches; filters on
/// stock, orderability and price apply the store's own figures. Facets count
/// the matches that pass every filter, among the best 1,000 (10,000 with a
/// filter on the store's figures).
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/search", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path), SearchQuery),
    responses((status = 200, description = "OK", body = SearchResults), Refused, NotFound)
)]
async fn search_store(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Json<SearchResults>, ApiError> {
    // Another tenant's store is not found, whatever was asked of it.
    let shop = app.storage.store(hq.tenant, store).await?;
    let Query(q) = query.map_err(query_error)?;
    let text = q.q.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(ApiError::invalid("q", "say what to search for: q"));
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::invalid(
            "q",
            format!("q is longer than {MAX_QUERY_CHARS} characters"),
        ));
    }
    let category = q
        .category_id
        .map(|c| path_id::<CategoryId>("category_id", &c))
        .transpose()?;
    let brand = q.brand.map(|b| b.trim().to_owned());
    if brand
        .as_ref()
        .is_some_and(|b| b.is_empty() || b.chars().count() > 100)
    {
        return Err(ApiError::invalid("brand", "a brand is 1 to 100 characters"));
    }
    let attributes = q
        .attr
        .as_deref()
        .map(attribute_filters)
        .transpose()?
        .unwrap_or_default();
    let currency = Currency::parse(&shop.currency)
        .map_err(|e| ApiError::internal(format!("store {store}: currency: {e}")))?;
    let min_price = price("min_price", q.min_price.as_deref(), currency)?;
    let max_price = price("max_price", q.max_price.as_deref(), currency)?;
    if let (Some(min), Some(max)) = (min_price, max_price) {
        if min > max {
            return Err(ApiError::invalid(
                "min_price",
                "min_price is above max_price",
            ));
        }
    }
    let channel = match q.channel {
        None => POS_CHANNEL.to_owned(),
        Some(c) => super::required_text("channel", &c, 40)?,
    };
    let limit = count_text("limit", q.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)? as usize;
    let request = StoreQuery {
        text,
        category,
        brand,
        attributes,
        min_price,
        max_price,
        in_stock: flag("in_stock", q.in_stock.as_deref())?,
        orderable: flag("orderable", q.orderable.as_deref())?,
        channel,
        limit,
    };
    Ok(Json(app.search.search(hq.tenant, store, &request).await?))
}

/// `key:value,key:value`, each part named when it is wrong.
fn attribute_filters(text: &str) -> Result<Vec<(String, String)>, ApiError> {
    let mut filters = Vec::new();
    for (i, part) in text.split(',').enumerate() {
        let Some((key, value)) = part.split_once(':') else {
            return Err(ApiError::invalid(
                "attr",
                format!("attr part {} ({part:?}) is not key:value", i + 1),
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() || value.is_empty() {
            return Err(ApiError::invalid(
                "attr",
                format!("attr part {} ({part:?}) needs a key and a value", i + 1),
            ));
        }
        filters.push((key.to_owned(), value.to_owned()));
    }
    if filters.len() > MAX_ATTRIBUTE_FILTERS {
        return Err(ApiError::invalid(
            "attr",
            format!("at most {MAX_ATTRIBUTE_FILTERS} attribute filters"),
        ));
    }
    Ok(filters)
}

/// A price in the store's currency, in minor units.
fn price(name: &str, text: Option<&str>, currency: Currency) -> Result<Option<i64>, ApiError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let money = Money::parse_decimal(text.trim(), currency)
        .map_err(|e| ApiError::invalid(name, format!("{name} {text:?}: {e}")))?;
    if money.is_negative() {
        return Err(ApiError::invalid(name, format!("{name} is below zero")));
    }
    Ok(Some(money.minor()))
}

/// `true` or `false`; absent is false.
fn flag(name: &str, text: Option<&str>) -> Result<bool, ApiError> {
    match text {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ApiError::invalid(
            name,
            format!("{name} is true or false, not {other:?}"),
        )),
    }
}
