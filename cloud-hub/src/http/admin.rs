//! Platform administration: creating tenants with their first HQ API key.

use super::{db_error, required_text, AppState};
use crate::auth::{hash_secret, new_secret, Admin};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{extract::State, Json, Router};
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::TenantId;
use serde::{Deserialize, Serialize};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/admin/tenants", post(create_tenant))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTenantBody {
    name: String,
}

#[derive(Serialize)]
struct CreatedTenant {
    tenant_id: TenantId,
    name: String,
    /// Shown once; the hub keeps only its hash.
    api_key: String,
}

async fn create_tenant(
    State(app): State<AppState>,
    _admin: Admin,
    JsonBody(body): JsonBody<NewTenantBody>,
) -> Result<(StatusCode, Json<CreatedTenant>), ApiError> {
    let name = required_text("name", &body.name, 200)?;
    let api_key = new_secret("hq");
    let tenant = app
        .storage
        .create_tenant(&name, &hash_secret(&api_key))
        .await
        .map_err(db_error)?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTenant {
            tenant_id: tenant.id,
            name: tenant.name,
            api_key,
        }),
    ))
}
