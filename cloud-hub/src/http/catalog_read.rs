//! HQ's read paths over the catalog: `GET /v1/catalog` (filtered, sorted, by
//! cursor) and `GET /v1/catalog/{variant_id}`.

use super::openapi::{NotFound, Refused};
use super::{path_id, query_error, AppState};
use crate::auth::Hq;
use crate::domain::catalog::ItemVersion;
use crate::domain::catalog::{CatalogQuery, CatalogSort};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use pos_shared::http::ApiError;
use pos_shared::http::PathIds;
use pos_shared::sync::VariantRecord;
use pos_shared::{BrandId, CategoryId, VariantId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 500;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(one))
        .routes(routes!(versions))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// The start of a name or SKU, or a barcode.
    #[param(max_length = 100)]
    q: Option<String>,
    /// Only this category's items.
    #[param(value_type = Option<Uuid>)]
    category_id: Option<String>,
    /// Only this brand's items.
    #[param(value_type = Option<Uuid>)]
    brand_id: Option<String>,
    /// `sku` (default) or `name`.
    #[param(pattern = "^(sku|name)$")]
    sort: Option<String>,
    /// Page size, 1 to 500 (100 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the page before.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = CatalogPage)]
struct Page {
    items: Vec<VariantRecord>,
    /// Pass back as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// `<sort>.<hex of the sort key>.<id>`: opaque to callers, URL-safe, and tied
/// to the sort it came from.
fn encode_cursor(sort: CatalogSort, key: &str, id: uuid::Uuid) -> String {
    format!("{}.{}.{id}", sort.as_str(), super::paging::hex_of(key))
}

fn decode_cursor(sort: CatalogSort, cursor: &str) -> Result<(String, uuid::Uuid), ApiError> {
    let bad = || ApiError::invalid("cursor", "cursor is not one this API gave out");
    let mut parts = cursor.splitn(3, '.');
    let (Some(s), Some(hex), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if s != sort.as_str() {
        return Err(ApiError::invalid(
            "cursor",
            format!(
                "this cursor pages the catalog sorted by {s}, not by {}",
                sort.as_str()
            ),
        ));
    }
    let key = super::paging::text_of_hex(hex).ok_or_else(bad)?;
    let id = id.parse().map_err(|_| bad())?;
    Ok((key, id))
}

/// A page of the catalog, filtered and sorted, with the cursor of the next.
#[utoipa::path(
    get, path = "/v1/catalog", operation_id = "list_catalog", tag = "catalog", security(("hq" = [])),
    params(ListQuery),
    responses((status = 200, description = "OK", body = Page), Refused)
)]
async fn list(
    State(app): State<AppState>,
    hq: Hq,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Page>, ApiError> {
    let Query(q) = query.map_err(query_error)?;
    let sort = match q.sort.as_deref() {
        None => CatalogSort::Sku,
        Some(s) => CatalogSort::parse(s)
            .ok_or_else(|| ApiError::invalid("sort", format!("sort {s:?} is not sku or name")))?,
    };
    let limit = pos_shared::http::limit_text(q.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
    let text = q.q.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > 100) {
        return Err(ApiError::invalid("q", "q is longer than 100 characters"));
    }
    let category = q
        .category_id
        .map(|c| path_id::<CategoryId>("category_id", &c))
        .transpose()?;
    let brand = q
        .brand_id
        .map(|b| path_id::<BrandId>("brand_id", &b))
        .transpose()?;
    let after = q.cursor.map(|c| decode_cursor(sort, &c)).transpose()?;
    let page = app
        .storage
        .catalog(
            hq.tenant,
            &CatalogQuery {
                text,
                category,
                brand,
                sort,
                after,
                limit,
            },
        )
        .await?;
    Ok(Json(Page {
        items: page.items,
        next_cursor: page.next.map(|(key, id)| encode_cursor(sort, &key, id)),
    }))
}

/// One catalog item.
#[utoipa::path(
    get, path = "/v1/catalog/{variant_id}", operation_id = "catalog_item", tag = "catalog", security(("hq" = [])),
    params(("variant_id" = VariantId, Path)),
    responses((status = 200, description = "OK", body = VariantRecord), Refused, NotFound)
)]
async fn one(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(variant): PathIds<VariantId>,
) -> Result<Json<VariantRecord>, ApiError> {
    Ok(Json(app.storage.catalog_item(hq.tenant, variant).await?))
}

/// The variant's distinct states, oldest first, each with its normalized hash.
#[utoipa::path(
    get, path = "/v1/catalog/{variant_id}/versions", tag = "catalog", security(("hq" = [])),
    params(("variant_id" = VariantId, Path)),
    responses((status = 200, description = "OK", body = Vec<ItemVersion>), Refused, NotFound)
)]
async fn versions(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(variant): PathIds<VariantId>,
) -> Result<Json<Vec<ItemVersion>>, ApiError> {
    Ok(Json(app.storage.item_versions(hq.tenant, variant).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_tampering() {
        let id = uuid::Uuid::now_v7();
        for key in ["TEA-250", "Chai, masala ☕", ""] {
            let c = encode_cursor(CatalogSort::Name, key, id);
            assert_eq!(
                decode_cursor(CatalogSort::Name, &c).unwrap(),
                (key.to_owned(), id)
            );
            assert!(
                decode_cursor(CatalogSort::Sku, &c).is_err(),
                "another sort's cursor"
            );
        }
        for bad in [
            "",
            "sku",
            "sku.zz.x",
            "sku.abc.00000000-0000-0000-0000-000000000000",
            "sku.ff.nope",
            // Hex cut inside a character: refused, not a panic.
            "sku.aéa.00000000-0000-0000-0000-000000000000",
        ] {
            assert!(decode_cursor(CatalogSort::Sku, bad).is_err(), "{bad}");
        }
    }
}
