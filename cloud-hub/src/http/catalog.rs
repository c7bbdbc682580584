//! The HQ API for how the catalog is arranged: the category tree (shelves,
//! menu sections, the tabs of a till's quick-key grid) and brands.

use super::openapi::{Conflict, NotFound, Refused};
use super::{required_text, AppState};
use crate::auth::Hq;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use pos_shared::catalog::{BrandRecord, CategoryRecord};
use pos_shared::http::PathIds;
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::{BrandId, CategoryId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(categories, create_category))
        .routes(routes!(update_category))
        .routes(routes!(brands, create_brand))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CategoryBody {
    #[schema(min_length = 1, max_length = 80, pattern = "\\S")]
    name: String,
    #[serde(default)]
    parent_id: Option<CategoryId>,
    #[serde(default)]
    position: u32,
}

impl CategoryBody {
    fn into_record(self, id: CategoryId) -> Result<CategoryRecord, ApiError> {
        Ok(CategoryRecord {
            category_id: id,
            parent_id: self.parent_id,
            name: required_text("name", &self.name, 80)?,
            position: self.position,
        })
    }
}

/// Adds a category under `parent_id` (or at the top); sibling names are unique.
#[utoipa::path(
    post, path = "/v1/categories", tag = "catalog", security(("hq" = [])),
    request_body = CategoryBody,
    responses((status = 201, description = "Created", body = CategoryRecord), Refused, NotFound, Conflict)
)]
async fn create_category(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<CategoryBody>,
) -> Result<(StatusCode, Json<CategoryRecord>), ApiError> {
    let category = body.into_record(CategoryId::new())?;
    let created = app.storage.create_category(hq.tenant, &category).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Renames, reorders or moves a category (the body replaces what it was);
/// never under itself.
#[utoipa::path(
    put, path = "/v1/categories/{category_id}", tag = "catalog", security(("hq" = [])),
    params(("category_id" = CategoryId, Path)),
    request_body = CategoryBody,
    responses((status = 200, description = "OK", body = CategoryRecord), Refused, NotFound, Conflict)
)]
async fn update_category(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<CategoryId>,
    JsonBody(body): JsonBody<CategoryBody>,
) -> Result<Json<CategoryRecord>, ApiError> {
    let category = body.into_record(id)?;
    Ok(Json(
        app.storage.update_category(hq.tenant, &category).await?,
    ))
}

/// The whole tree, parents before children, siblings in their order.
#[utoipa::path(
    get, path = "/v1/categories", tag = "catalog", security(("hq" = [])),
    responses((status = 200, description = "OK", body = Vec<CategoryRecord>), Refused)
)]
async fn categories(
    State(app): State<AppState>,
    hq: Hq,
) -> Result<Json<Vec<CategoryRecord>>, ApiError> {
    Ok(Json(app.storage.categories(hq.tenant).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct BrandBody {
    #[schema(min_length = 1, max_length = 80, pattern = "\\S")]
    name: String,
}

/// Adds a brand; names are unique in the tenant.
#[utoipa::path(
    post, path = "/v1/brands", tag = "catalog", security(("hq" = [])),
    request_body = BrandBody,
    responses((status = 201, description = "Created", body = BrandRecord), Refused, Conflict)
)]
async fn create_brand(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<BrandBody>,
) -> Result<(StatusCode, Json<BrandRecord>), ApiError> {
    let brand = BrandRecord {
        brand_id: BrandId::new(),
        name: required_text("name", &body.name, 80)?,
    };
    let created = app.storage.create_brand(hq.tenant, &brand).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Every brand of the tenant.
#[utoipa::path(
    get, path = "/v1/brands", tag = "catalog", security(("hq" = [])),
    responses((status = 200, description = "OK", body = Vec<BrandRecord>), Refused)
)]
async fn brands(State(app): State<AppState>, hq: Hq) -> Result<Json<Vec<BrandRecord>>, ApiError> {
    Ok(Json(app.storage.brands(hq.tenant).await?))
}
