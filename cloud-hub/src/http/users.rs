//! HQ users, managed by an owner: people who sign in with an email and a
//! password, each with a role and optionally limited to some stores. An
//! owner invites a user and hands them the one-time invitation code (the hub
//! sends no mail); the user takes it up by choosing a password. A new
//! invitation is also how a forgotten password is reset.

use super::openapi::{Conflict, NotFound, Refused};
use super::{required_text, AppState};
use crate::auth::{hash_secret, new_secret, Hq};
use crate::domain::access::{Invitation, NewUser, UserInfo, UserPatch};
use crate::roles::Role;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::http::{NoBody, PathIds};
use pos_shared::{StoreId, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, invite))
        .routes(routes!(one, update))
        .routes(routes!(disable))
        .routes(routes!(enable))
        .routes(routes!(reinvite))
}

/// How long an invitation code can be taken up.
const INVITATION_DAYS: i64 = 7;
const MAX_STORES: usize = 500;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewUserBody {
    /// What they sign in with; unique across the hub, compared without case.
    #[schema(format = Email, max_length = 254)]
    email: String,
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    name: String,
    role: Role,
    #[serde(default)]
    #[schema(max_items = 500)]
    store_ids: Vec<StoreId>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UserPatchBody {
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    name: Option<String>,
    role: Option<Role>,
    /// Replaces the store limits; an empty list reaches every store.
    store_ids: Option<Vec<StoreId>>,
}

#[derive(Serialize, ToSchema)]
struct InvitedUser {
    #[serde(flatten)]
    user: UserInfo,
    /// Shown once, for the owner to hand to the user; the hub keeps only its hash.
    invitation_code: String,
}

/// The address lower-cased, or why it is not one.
pub(super) fn email_address(raw: &str) -> Result<String, ApiError> {
    let email = raw.trim().to_lowercase();
    let bad = |why: &str| Err(ApiError::invalid("email", format!("{raw:?} {why}")));
    if email.is_empty() {
        return Err(ApiError::invalid("email", "email must not be empty"));
    }
    if email.len() > 254 {
        return bad("is longer than an email address can be");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return bad("is not an email address (no @)");
    };
    if local.is_empty() || domain.contains('@') || !domain.contains('.') {
        return bad("is not an email address such as name@example.com");
    }
    if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
        return bad("has a malformed domain");
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("must not contain spaces");
    }
    Ok(email)
}

fn check_stores(role: Option<Role>, stores: Option<&[StoreId]>) -> Result<(), ApiError> {
    if let Some(stores) = stores {
        if stores.len() > MAX_STORES {
            return Err(ApiError::invalid(
                "store_ids",
                format!("at most {MAX_STORES} stores"),
            ));
        }
        if role == Some(Role::Owner) && !stores.is_empty() {
            return Err(ApiError::invalid(
                "store_ids",
                "an owner reaches every store; limit a store_manager or read_only user instead",
            ));
        }
    }
    Ok(())
}

fn sorted(mut stores: Vec<StoreId>) -> Vec<StoreId> {
    stores.sort();
    stores.dedup();
    stores
}

/// A fresh invitation: the code to show once, and what the hub keeps.
fn invitation() -> (String, Invitation) {
    let code = new_secret("inv");
    let expires_at =
        Timestamp::from_unix_millis(Timestamp::now().unix_millis() + INVITATION_DAYS * 86_400_000);
    let kept = Invitation {
        code_hash: hash_secret(&code),
        expires_at,
    };
    (code, kept)
}

/// Invites a person (owner only): answers the one-time invitation code, valid
/// for 7 days, for the owner to hand over.
#[utoipa::path(
    post, path = "/v1/users", operation_id = "invite_user", tag = "access", security(("hq" = [])),
    request_body = NewUserBody,
    responses((status = 201, description = "Invited", body = InvitedUser), Refused, NotFound, Conflict)
)]
async fn invite(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<NewUserBody>,
) -> Result<(StatusCode, Json<InvitedUser>), ApiError> {
    let email = email_address(&body.email)?;
    let name = required_text("name", &body.name, 100)?;
    check_stores(Some(body.role), Some(&body.store_ids))?;
    let (invitation_code, kept) = invitation();
    let user = app
        .storage
        .create_user(
            hq.tenant,
            &NewUser {
                email,
                name,
                role: body.role,
                store_ids: sorted(body.store_ids),
                invitation: kept,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(InvitedUser {
            user,
            invitation_code,
        }),
    ))
}

/// The tenant's users, disabled ones included (owner only).
#[utoipa::path(
    get, path = "/v1/users", operation_id = "list_users", tag = "access", security(("hq" = [])),
    responses((status = 200, description = "OK", body = Vec<UserInfo>), Refused)
)]
async fn list(State(app): State<AppState>, hq: Hq) -> Result<Json<Vec<UserInfo>>, ApiError> {
    app.storage
        .users(hq.tenant)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// One user (owner only).
#[utoipa::path(
    get, path = "/v1/users/{user_id}", operation_id = "get_user", tag = "access", security(("hq" = [])),
    params(("user_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = UserInfo), Refused, NotFound)
)]
async fn one(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
) -> Result<Json<UserInfo>, ApiError> {
    app.storage
        .user(hq.tenant, id)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// Changes a user's name, role or store limits (owner only); it applies to
/// their open sessions at once. The tenant's last owner cannot be demoted.
#[utoipa::path(
    patch, path = "/v1/users/{user_id}", operation_id = "update_user", tag = "access", security(("hq" = [])),
    params(("user_id" = Uuid, Path)),
    request_body = UserPatchBody,
    responses((status = 200, description = "OK", body = UserInfo), Refused, NotFound, Conflict)
)]
async fn update(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    JsonBody(body): JsonBody<UserPatchBody>,
) -> Result<Json<UserInfo>, ApiError> {
    let name = body
        .name
        .map(|n| required_text("name", &n, 100))
        .transpose()?;
    check_stores(body.role, body.store_ids.as_deref())?;
    let patch = UserPatch {
        name,
        role: body.role,
        store_ids: body.store_ids.map(sorted),
    };
    app.storage
        .update_user(hq.tenant, id, &patch)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// Disables a user (owner only): their sessions end at once and they cannot
/// sign in. The tenant's last owner cannot be disabled.
#[utoipa::path(
    post, path = "/v1/users/{user_id}/disable", operation_id = "disable_user", tag = "access", security(("hq" = [])),
    params(("user_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = UserInfo), Refused, NotFound, Conflict)
)]
async fn disable(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    _: NoBody,
) -> Result<Json<UserInfo>, ApiError> {
    set_disabled(app, hq, id, true).await
}

/// Lets a disabled user sign in again (owner only).
#[utoipa::path(
    post, path = "/v1/users/{user_id}/enable", operation_id = "enable_user", tag = "access", security(("hq" = [])),
    params(("user_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = UserInfo), Refused, NotFound)
)]
async fn enable(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    _: NoBody,
) -> Result<Json<UserInfo>, ApiError> {
    set_disabled(app, hq, id, false).await
}

async fn set_disabled(
    app: AppState,
    hq: Hq,
    id: Uuid,
    disabled: bool,
) -> Result<Json<UserInfo>, ApiError> {
    app.storage
        .set_user_disabled(hq.tenant, id, disabled)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// Issues a new invitation code (owner only), replacing any earlier one: for
/// a user who lost theirs or forgot their password. Taking it up sets a new
/// password and ends the user's sessions.
#[utoipa::path(
    post, path = "/v1/users/{user_id}/invitation", operation_id = "reinvite_user", tag = "access", security(("hq" = [])),
    params(("user_id" = Uuid, Path)),
    responses((status = 201, description = "Invited again", body = InvitedUser), Refused, NotFound, Conflict)
)]
async fn reinvite(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    _: NoBody,
) -> Result<(StatusCode, Json<InvitedUser>), ApiError> {
    let (invitation_code, kept) = invitation();
    let user = app.storage.reinvite_user(hq.tenant, id, &kept).await?;
    Ok((
        StatusCode::CREATED,
        Json(InvitedUser {
            user,
            invitation_code,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::email_address;

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            email_address("  Asha.Rao@Example.COM ").unwrap(),
            "asha.rao@example.com"
        );
        for bad in [
            "",
            "asha",
            "@example.com",
            "asha@example",
            "asha@@example.com",
            "asha rao@example.com",
            "asha@.example.com",
        ] {
            let err = email_address(bad).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("email"), "{bad}");
        }
    }
}
