//! Platform administration: creating tenants with their first HQ API key.

use super::openapi::{Conflict, Refused};
use super::{required_text, AppState};
use crate::auth::{hash_secret, new_secret, Admin};
use axum::http::StatusCode;
use axum::{extract::State, Json};
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::{Currency, TenantId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_tenant))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewTenantBody {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    name: String,
    /// The currency all its prices and stores are in (ISO 4217); INR when absent.
    #[serde(default)]
    currency: Option<Currency>,
}

#[derive(Serialize, ToSchema)]
struct CreatedTenant {
    tenant_id: TenantId,
    name: String,
    currency: Currency,
    /// Shown once; the hub keeps only its hash.
    api_key: String,
}

/// Creates a tenant (a retail chain) selling in one currency (INR unless
/// `currency` says otherwise) and its first API key, an owner's.
#[utoipa::path(
    post, path = "/v1/admin/tenants", tag = "access",
    security(("admin_token" = [])),
    request_body = NewTenantBody,
    responses((status = 201, description = "Created", body = CreatedTenant), Refused, Conflict)
)]
async fn create_tenant(
    State(app): State<AppState>,
    _admin: Admin,
    JsonBody(body): JsonBody<NewTenantBody>,
) -> Result<(StatusCode, Json<CreatedTenant>), ApiError> {
    let name = required_text("name", &body.name, 200)?;
    let api_key = new_secret("hq");
    let tenant = app
        .storage
        .create_tenant(
            &name,
            body.currency.unwrap_or(Currency::INR),
            &hash_secret(&api_key),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTenant {
            tenant_id: tenant.id,
            name: tenant.name,
            currency: tenant.currency,
            api_key,
        }),
    ))
}
