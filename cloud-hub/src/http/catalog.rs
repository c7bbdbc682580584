//! The HQ API for how the catalog is arranged: the category tree (shelves,
//! menu sections, the tabs of a till's quick-key grid) and brands.

use super::{db_error, path_id, required_text, AppState};
use crate::auth::Hq;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use pos_shared::catalog::{BrandRecord, CategoryRecord};
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::{BrandId, CategoryId};
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/categories", get(categories).post(create_category))
        .route("/v1/categories/{category_id}", put(update_category))
        .route("/v1/brands", get(brands).post(create_brand))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryBody {
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

async fn create_category(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<CategoryBody>,
) -> Result<(StatusCode, Json<CategoryRecord>), ApiError> {
    let category = body.into_record(CategoryId::new())?;
    let created = app
        .storage
        .create_category(hq.tenant, &category)
        .await
        .map_err(db_error)?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Renames, reorders or moves a category (the body replaces what it was).
async fn update_category(
    State(app): State<AppState>,
    hq: Hq,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<CategoryBody>,
) -> Result<Json<CategoryRecord>, ApiError> {
    let id = path_id::<CategoryId>("category_id", &raw)?;
    let category = body.into_record(id)?;
    Ok(Json(
        app.storage
            .update_category(hq.tenant, &category)
            .await
            .map_err(db_error)?,
    ))
}

/// The whole tree, parents before children, siblings in their order.
async fn categories(
    State(app): State<AppState>,
    hq: Hq,
) -> Result<Json<Vec<CategoryRecord>>, ApiError> {
    Ok(Json(
        app.storage.categories(hq.tenant).await.map_err(db_error)?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BrandBody {
    name: String,
}

async fn create_brand(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<BrandBody>,
) -> Result<(StatusCode, Json<BrandRecord>), ApiError> {
    let brand = BrandRecord {
        brand_id: BrandId::new(),
        name: required_text("name", &body.name, 80)?,
    };
    let created = app
        .storage
        .create_brand(hq.tenant, &brand)
        .await
        .map_err(db_error)?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn brands(State(app): State<AppState>, hq: Hq) -> Result<Json<Vec<BrandRecord>>, ApiError> {
    Ok(Json(app.storage.brands(hq.tenant).await.map_err(db_error)?))
}
