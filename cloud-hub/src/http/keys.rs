//! HQ API keys, managed by an owner: one per person or system, each with a
//! role and optionally limited to some stores. The secret is shown once.

use super::openapi::{Conflict, NotFound, Refused};
use super::{required_text, AppState};
use crate::auth::{hash_secret, new_secret, Hq};
use crate::domain::access::{ApiKeyInfo, NewApiKey};
use crate::roles::Role;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::http::{NoBody, PathIds};
use pos_shared::StoreId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewKeyBody {
    /// Whose key it is: a person, or a system such as the ERP.
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    label: String,
    role: Role,
    #[serde(default)]
    #[schema(max_items = 500)]
    store_ids: Vec<StoreId>,
}

#[derive(Serialize, ToSchema)]
struct IssuedKey {
    #[serde(flatten)]
    key: ApiKeyInfo,
    /// Shown once; the hub keeps only its hash.
    api_key: String,
}

const MAX_STORES: usize = 500;

/// Issues a key for a person or system (owner only); its secret is shown once.
#[utoipa::path(
    post, path = "/v1/api-keys", operation_id = "create_api_key", tag = "access", security(("hq" = [])),
    request_body = NewKeyBody,
    responses((status = 201, description = "Created", body = IssuedKey), Refused, NotFound)
)]
async fn create(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<NewKeyBody>,
) -> Result<(StatusCode, Json<IssuedKey>), ApiError> {
    let label = required_text("label", &body.label, 100)?;
    if body.store_ids.len() > MAX_STORES {
        return Err(ApiError::invalid(
            "store_ids",
            format!("at most {MAX_STORES} stores"),
        ));
    }
    if body.role == Role::Owner && !body.store_ids.is_empty() {
        return Err(ApiError::invalid(
            "store_ids",
            "an owner key reaches every store; limit a store_manager or read_only key instead",
        ));
    }
    let mut stores = body.store_ids;
    stores.sort();
    stores.dedup();
    let api_key = new_secret("hq");
    let key = app
        .storage
        .create_api_key(
            hq.tenant,
            &NewApiKey {
                label,
                role: body.role,
                store_ids: stores,
                key_hash: hash_secret(&api_key),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(IssuedKey { key, api_key })))
}

/// The tenant's keys, revoked ones included, never their secrets (owner only).
#[utoipa::path(
    get, path = "/v1/api-keys", operation_id = "list_api_keys", tag = "access", security(("hq" = [])),
    responses((status = 200, description = "OK", body = Vec<ApiKeyInfo>), Refused)
)]
async fn list(State(app): State<AppState>, hq: Hq) -> Result<Json<Vec<ApiKeyInfo>>, ApiError> {
    app.storage
        .api_keys(hq.tenant)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// Revokes a key at once (owner only); the last owner key cannot be revoked.
#[utoipa::path(
    post, path = "/v1/api-keys/{key_id}/revoke", tag = "access", security(("hq" = [])),
    params(("key_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = ApiKeyInfo), Refused, NotFound, Conflict)
)]
async fn revoke(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    _: NoBody,
) -> Result<Json<ApiKeyInfo>, ApiError> {
    app.storage
        .revoke_api_key(hq.tenant, id)
        .await
        .map(Json)
        .map_err(ApiError::from)
}
