//! Signing in and out as an HQ user: email and password for a session token
//! (`hqs_…`, a bearer token like an API key, good for `HUB_SESSION_HOURS`),
//! taking up an invitation, changing one's password, and `GET /v1/me` for any
//! HQ credential to see what it is.
//!
//! A wrong password and an unknown email get the same answer after the same
//! work, so the endpoint does not tell which addresses have accounts. Five
//! wrong passwords in a row lock the account for 15 minutes.

use super::openapi::{NotFound, Refused};
use super::users::email_address;
use super::AppState;
use crate::auth::{hash_secret, new_secret, Hq, SESSION_PREFIX};
use crate::domain::access::{LockOut, NewSession, UserInfo};
use crate::passwords;
use crate::roles::{Actor, Role};
use crate::storage::DbError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use pos_shared::http::{ApiError, JsonBody, NoBody};
use pos_shared::{StoreId, TenantId, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in))
        .routes(routes!(accept_invitation))
        .routes(routes!(me))
        .routes(routes!(sign_out))
        .routes(routes!(change_password))
}

const LOCK_OUT: LockOut = LockOut {
    after_failures: 5,
    for_ms: 15 * 60 * 1000,
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SignInBody {
    #[schema(min_length = 1)]
    email: String,
    #[schema(min_length = 1)]
    password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AcceptInvitationBody {
    /// The one-time code an owner handed over (`inv_…`).
    #[schema(min_length = 1)]
    code: String,
    /// The password to sign in with from now on (10 to 128 characters).
    password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    current_password: String,
    new_password: String,
}

#[derive(Serialize, ToSchema)]
struct Session {
    /// Send as `Authorization: Bearer <token>`; shown once.
    token: String,
    expires_at: Timestamp,
    user: UserInfo,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum CredentialKind {
    ApiKey,
    User,
}

/// What the credential of the request is and may do.
#[derive(Serialize, ToSchema)]
struct Me {
    kind: CredentialKind,
    tenant_id: TenantId,
    role: Role,
    /// The stores it is limited to; empty for every store.
    store_ids: Vec<StoreId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<UserInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_expires_at: Option<Timestamp>,
}

fn wrong_password() -> ApiError {
    ApiError::unauthorized("the email or password is wrong")
}

fn locked_out(until: Timestamp) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "locked_out",
        format!("too many wrong passwords; this account can sign in again after {until}"),
    )
    .with_field("email")
    .with_retry_after(
        // Whole seconds, rounded up, so a client waiting that long is let in.
        ((until.unix_millis() - Timestamp::now().unix_millis()).max(0) as u64).div_ceil(1000),
    )
}

fn new_session(app: &AppState) -> (String, NewSession) {
    let token = new_secret(SESSION_PREFIX);
    let lifetime = i64::try_from(app.session_lifetime.as_millis()).unwrap_or(i64::MAX / 2);
    let session = NewSession {
        token_hash: hash_secret(&token),
        expires_at: Timestamp::from_unix_millis(Timestamp::now().unix_millis() + lifetime),
    };
    (token, session)
}

/// A password as given, refused before any hashing if no password could be it.
fn password_field(field: &'static str, value: &str) -> Result<(), ApiError> {
    if value.is_empty() {
        return Err(ApiError::invalid(
            field,
            format!("{field} must not be empty"),
        ));
    }
    Ok(())
}

fn new_password(field: &'static str, password: &str, email: &str) -> Result<(), ApiError> {
    match passwords::weakness(password, email) {
        Some(why) => Err(ApiError::invalid(field, why)),
        None => Ok(()),
    }
}

fn session_of(hq: &Hq) -> Result<(Uuid, &str), ApiError> {
    match &hq.grant.actor {
        Actor::User { user_id, session } => Ok((*user_id, session)),
        Actor::Key(_) => Err(ApiError::bad_request(
            "not_a_session",
            "this is an API key, not a signed-in user's session; an owner revokes keys instead",
        )),
    }
}

/// Signs a user in with email and password; answers a session token.
#[utoipa::path(
    post, path = "/v1/sessions", tag = "access",
    request_body = SignInBody,
    responses(
        (status = 201, description = "Signed in", body = Session),
        (status = 429, description = "Locked out after too many wrong passwords", body = pos_shared::problem::Problem),
        Refused
    )
)]
async fn sign_in(
    State(app): State<AppState>,
    JsonBody(body): JsonBody<SignInBody>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    let email = email_address(&body.email)?;
    password_field("password", &body.password)?;
    if body.password.chars().count() > passwords::MAX_CHARS {
        return Err(wrong_password());
    }
    let record = match app.storage.sign_in_record(&email).await {
        Ok(record) => Some(record),
        Err(DbError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let now = Timestamp::now();
    if let Some(until) = record
        .as_ref()
        .and_then(|r| r.locked_until)
        .filter(|until| *until > now)
    {
        return Err(locked_out(until));
    }
    let stored = record.as_ref().and_then(|r| r.password_hash.clone());
    let matches = passwords::verify_off_thread(body.password, stored).await;
    let Some(record) = record else {
        return Err(wrong_password());
    };
    if !matches {
        return match app.storage.sign_in_failed(record.user_id, LOCK_OUT).await? {
            Some(until) => Err(locked_out(until)),
            None => Err(wrong_password()),
        };
    }
    if record.disabled {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this user has been disabled; ask an owner",
        ));
    }
    let (token, session) = new_session(&app);
    let user = app
        .storage
        .open_session(record.tenant, record.user_id, &session)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Session {
            token,
            expires_at: session.expires_at,
            user,
        }),
    ))
}

/// Takes up an invitation: sets the user's password and signs them in.
#[utoipa::path(
    post, path = "/v1/invitations/accept", tag = "access",
    request_body = AcceptInvitationBody,
    responses((status = 201, description = "Password set and signed in", body = Session), Refused, NotFound,
              super::openapi::Conflict)
)]
async fn accept_invitation(
    State(app): State<AppState>,
    JsonBody(body): JsonBody<AcceptInvitationBody>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    let code = body.code.trim();
    if code.is_empty() {
        return Err(ApiError::invalid("code", "code must not be empty"));
    }
    password_field("password", &body.password)?;
    // The strength check wants the email, which only the stored user knows;
    // a weak password is refused after the code is found, before it is used.
    let code_hash = hash_secret(code);
    let unknown = || {
        ApiError::not_found(
            "unknown_invitation",
            "the invitation code is not recognised or was already used",
        )
        .with_field("code")
    };
    let email = app
        .storage
        .invitation_email(&code_hash)
        .await
        .map_err(|e| match e {
            DbError::NotFound(_) => unknown(),
            e => e.into(),
        })?;
    new_password("password", &body.password, &email)?;
    let password_hash = passwords::hash_off_thread(body.password).await;
    let (token, session) = new_session(&app);
    let user = app
        .storage
        .accept_invitation(&code_hash, &password_hash, &session)
        .await
        .map_err(|e| match e {
            DbError::NotFound(_) => unknown(),
            e => e.into(),
        })?;
    Ok((
        StatusCode::CREATED,
        Json(Session {
            token,
            expires_at: session.expires_at,
            user,
        }),
    ))
}

/// What the credential making the request is: an API key or a signed-in
/// user, its role and store limits.
#[utoipa::path(
    get, path = "/v1/me", tag = "access", security(("hq" = [])),
    responses((status = 200, description = "OK", body = Me), Refused)
)]
async fn me(State(app): State<AppState>, hq: Hq) -> Result<Json<Me>, ApiError> {
    let (key_id, user) = match &hq.grant.actor {
        Actor::Key(id) => (Some(*id), None),
        Actor::User { user_id, .. } => (None, Some(app.storage.user(hq.tenant, *user_id).await?)),
    };
    Ok(Json(Me {
        kind: if user.is_some() {
            CredentialKind::User
        } else {
            CredentialKind::ApiKey
        },
        tenant_id: hq.tenant,
        role: hq.grant.role,
        store_ids: hq.grant.stores.clone(),
        key_id,
        user,
        session_expires_at: hq.session_expires,
    }))
}

/// Signs out: the session token stops working at once.
#[utoipa::path(
    delete, path = "/v1/session", tag = "access", security(("hq" = [])),
    responses((status = 204, description = "Signed out"), Refused)
)]
async fn sign_out(State(app): State<AppState>, hq: Hq, _: NoBody) -> Result<StatusCode, ApiError> {
    let (_, session) = session_of(&hq)?;
    app.storage.end_session(session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the signed-in user's password; their other sessions end.
#[utoipa::path(
    post, path = "/v1/session/password", tag = "access", security(("hq" = [])),
    request_body = PasswordBody,
    responses((status = 204, description = "Changed"), Refused, NotFound)
)]
async fn change_password(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<PasswordBody>,
) -> Result<StatusCode, ApiError> {
    let (user, session) = session_of(&hq)?;
    password_field("current_password", &body.current_password)?;
    let record = app.storage.sign_in_record_of(hq.tenant, user).await?;
    new_password("new_password", &body.new_password, &record.email)?;
    if let Some(until) = record.locked_until.filter(|u| *u > Timestamp::now()) {
        return Err(locked_out(until).with_field("current_password"));
    }
    if body.new_password == body.current_password {
        return Err(ApiError::invalid(
            "new_password",
            "the new password is the same as the current one",
        ));
    }
    if !passwords::verify_off_thread(body.current_password, record.password_hash).await {
        app.storage.sign_in_failed(user, LOCK_OUT).await?;
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the current password is wrong",
        )
        .with_field("current_password"));
    }
    let password_hash = passwords::hash_off_thread(body.new_password).await;
    app.storage
        .change_password(hq.tenant, user, &password_hash, session)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
