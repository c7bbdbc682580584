//! The HQ API for store staff: who may sign in at a store's tills, with which
//! role and PIN. PINs are hashed here (Argon2id) and never stored or sent in
//! the clear; tills get the hash through the feed. HQ sees which members still
//! have a hash from before Argon2id, so it knows whom to give a new PIN.

use super::openapi::{Conflict, NotFound, Refused};
use super::{required_text, AppState};
use crate::auth::Hq;
use crate::domain::stores::NewStaff;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::http::{NoBody, PathIds};
use pos_shared::staff::{check_pin, hash_pin, PinScheme, Role, StaffRecord, PIN_SALT_LEN};
use pos_shared::{StaffId, StoreId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(deactivate))
        .routes(routes!(activate))
        .routes(routes!(set_pin))
}

/// A member of staff as HQ sees them: never the PIN or its hash.
#[derive(Serialize, ToSchema)]
#[schema(as = Staff)]
struct StaffView {
    staff_id: StaffId,
    store_id: StoreId,
    name: String,
    code: String,
    role: Role,
    active: bool,
    /// How their PIN is kept. `legacy` (salted SHA-256, from before
    /// Argon2id) is quick to guess from a copy of a till's database: give
    /// them a new PIN (`PUT /v1/staff/{staff_id}/pin`) to make it `argon2id`.
    pin_scheme: PinScheme,
}

impl From<StaffRecord> for StaffView {
    fn from(r: StaffRecord) -> Self {
        StaffView {
            pin_scheme: r.pin_scheme(),
            staff_id: r.staff_id,
            store_id: r.store_id,
            name: r.name,
            code: r.code,
            role: r.role,
            active: r.active,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewStaffBody {
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    name: String,
    /// What they type at the till with their PIN: 1 to 8 digits.
    #[schema(pattern = "^\\s*[0-9]{1,8}\\s*$")]
    code: String,
    role: Role,
    /// 4 to 8 digits, not one digit repeated.
    #[schema(pattern = "^[0-9]{4,8}$")]
    pin: String,
}

/// Adds a member of staff who signs in at the store's tills with a code and PIN.
#[utoipa::path(
    post, path = "/v1/stores/{store_id}/staff", operation_id = "create_staff", tag = "staff", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    request_body = NewStaffBody,
    responses((status = 201, description = "Created", body = StaffView), Refused, NotFound, Conflict)
)]
async fn create(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    JsonBody(body): JsonBody<NewStaffBody>,
) -> Result<(StatusCode, Json<StaffView>), ApiError> {
    let name = required_text("name", &body.name, 100)?;
    let code = body.code.trim().to_owned();
    if code.is_empty() || code.len() > 8 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid("code", "code must be 1 to 8 digits"));
    }
    check_pin(&body.pin).map_err(|e| ApiError::invalid("pin", e))?;
    let staff = NewStaff {
        name,
        code,
        role: body.role,
        pin_salt: String::new(),
        pin_hash: hash_new_pin(body.pin).await?,
    };
    let record = app.storage.create_staff(hq.tenant, store, &staff).await?;
    Ok((StatusCode::CREATED, Json(record.into())))
}

/// The store's staff, never their PINs or hashes.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/staff", operation_id = "list_staff", tag = "staff", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    responses((status = 200, description = "OK", body = Vec<StaffView>), Refused, NotFound)
)]
async fn list(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
) -> Result<Json<Vec<StaffView>>, ApiError> {
    let staff = app.storage.staff(hq.tenant, store).await?;
    Ok(Json(staff.into_iter().map(StaffView::from).collect()))
}

/// The Argon2id PHC string for a new PIN, with a fresh salt. Hashing takes
/// about a tenth of a second on purpose, so it runs on the blocking pool.
async fn hash_new_pin(pin: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; PIN_SALT_LEN];
        getrandom::fill(&mut salt).map_err(ApiError::internal)?;
        Ok(hash_pin(&pin, &salt))
    })
    .await
    .map_err(ApiError::internal)?
}

/// Refuses a key limited to stores the member of staff does not work at.
async fn check_reach(app: &AppState, hq: &Hq, staff: StaffId) -> Result<(), ApiError> {
    if hq.grant.limited() {
        // A key limited to some stores reaches only their staff.
        let mut reached = false;
        for store in &hq.grant.stores {
            let members = app.storage.staff(hq.tenant, *store).await?;
            reached |= members.iter().any(|m| m.staff_id == staff);
        }
        if !reached {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "forbidden",
                "this key is limited to stores this member of staff does not work at",
            ));
        }
    }
    Ok(())
}

async fn set_active(
    app: AppState,
    hq: Hq,
    staff: StaffId,
    active: bool,
) -> Result<Json<StaffView>, ApiError> {
    check_reach(&app, &hq, staff).await?;
    Ok(Json(
        app.storage
            .set_staff_active(hq.tenant, staff, active)
            .await?
            .into(),
    ))
}

/// Stops a member of staff signing in, on every till once they hear of it.
/// Stops someone signing in (tills hear at once).
#[utoipa::path(
    post, path = "/v1/staff/{staff_id}/deactivate", tag = "staff", security(("hq" = [])),
    params(("staff_id" = StaffId, Path)),
    responses((status = 200, description = "OK", body = StaffView), Refused, NotFound)
)]
async fn deactivate(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(staff): PathIds<StaffId>,
    _: NoBody,
) -> Result<Json<StaffView>, ApiError> {
    set_active(app, hq, staff, false).await
}

/// Lets someone sign in again.
#[utoipa::path(
    post, path = "/v1/staff/{staff_id}/activate", tag = "staff", security(("hq" = [])),
    params(("staff_id" = StaffId, Path)),
    responses((status = 200, description = "OK", body = StaffView), Refused, NotFound)
)]
async fn activate(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(staff): PathIds<StaffId>,
    _: NoBody,
) -> Result<Json<StaffView>, ApiError> {
    set_active(app, hq, staff, true).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PinBody {
    /// 4 to 8 digits, not one digit repeated.
    #[schema(pattern = "^[0-9]{4,8}$")]
    pin: String,
}

/// Gives a member of staff a new PIN, hashed with Argon2id (also how a
/// `legacy` PIN is replaced); the store's tills hear of it in the feed.
#[utoipa::path(
    put, path = "/v1/staff/{staff_id}/pin", operation_id = "set_staff_pin", tag = "staff", security(("hq" = [])),
    params(("staff_id" = StaffId, Path)),
    request_body = PinBody,
    responses((status = 200, description = "OK", body = StaffView), Refused, NotFound)
)]
async fn set_pin(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(staff): PathIds<StaffId>,
    JsonBody(body): JsonBody<PinBody>,
) -> Result<Json<StaffView>, ApiError> {
    check_pin(&body.pin).map_err(|e| ApiError::invalid("pin", e))?;
    check_reach(&app, &hq, staff).await?;
    let pin_hash = hash_new_pin(body.pin).await?;
    Ok(Json(
        app.storage
            .set_staff_pin(hq.tenant, staff, &pin_hash)
            .await?
            .into(),
    ))
}
