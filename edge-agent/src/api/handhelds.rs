//! Pairing handhelds: on loopback a supervisor issues pairing codes
//! (`POST /v1/handhelds/pairing-codes`), lists the paired devices
//! (`GET /v1/handhelds`) and revokes one (`DELETE /v1/handhelds/{id}`); on
//! the LAN listener a device claims a code (`POST /v1/pairing`). Also where
//! a handheld refusal becomes HTTP.

use super::AgentState;
use crate::store::handhelds::HandheldRecord;
use crate::till::handhelds::{self, HandheldError, IssuedCode, ManageRequest, PairRequest, Paired};
use crate::till::pairing::ClaimRefusal;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody, PathIds};
use uuid::Uuid;

/// The till's side, served on loopback only.
pub(super) fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/handhelds", get(list))
        .route("/v1/handhelds/pairing-codes", post(issue_code))
        .route("/v1/handhelds/{id}", delete(revoke))
}

/// The device's side, served on the LAN listener without a token.
pub(super) fn pairing_routes() -> Router<AgentState> {
    Router::new().route("/v1/pairing", post(pair))
}

/// The body of a supervisor's request, which may be empty when a supervisor
/// is signed in at the till (a DELETE rarely carries a body).
fn manage_request(headers: &HeaderMap, body: &Bytes) -> Result<ManageRequest, ApiError> {
    super::optional_body(headers, body)
}

async fn issue_code(
    State(app): State<AgentState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<IssuedCode>), ApiError> {
    let request = manage_request(&headers, &body)?;
    Ok((
        StatusCode::CREATED,
        Json(handhelds::issue_code(&app.till, request).await?),
    ))
}

async fn list(State(app): State<AgentState>) -> Result<Json<Vec<HandheldRecord>>, ApiError> {
    Ok(Json(handhelds::list(&app.till).await?))
}

async fn revoke(
    State(app): State<AgentState>,
    PathIds(id): PathIds<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<HandheldRecord>, ApiError> {
    let request = manage_request(&headers, &body)?;
    Ok(Json(handhelds::revoke(&app.till, id, request).await?))
}

async fn pair(
    State(app): State<AgentState>,
    JsonBody(request): JsonBody<PairRequest>,
) -> Result<(StatusCode, Json<Paired>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(handhelds::pair(&app.till, request).await?),
    ))
}

/// Every handheld refusal as HTTP: a code's problem names the `code` field;
/// a device's missing or revoked pairing is 401.
impl From<HandheldError> for ApiError {
    fn from(e: HandheldError) -> Self {
        let detail = e.to_string();
        match e {
            HandheldError::Till(e) => e.into(),
            HandheldError::Refused(r) => {
                let (status, kind) = match r.why {
                    ClaimRefusal::Unknown => {
                        (StatusCode::UNPROCESSABLE_ENTITY, "pairing_code_unknown")
                    }
                    ClaimRefusal::Expired => (StatusCode::GONE, "pairing_code_expired"),
                    ClaimRefusal::Used => (StatusCode::CONFLICT, "pairing_code_used"),
                };
                ApiError::new(status, kind, detail).with_field("code")
            }
            HandheldError::Locked { minutes } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "pairing_locked", detail)
                    .with_retry_after(minutes * 60)
            }
            HandheldError::NotPaired => {
                ApiError::new(StatusCode::UNAUTHORIZED, "device_not_paired", detail)
            }
            HandheldError::Revoked => {
                ApiError::new(StatusCode::UNAUTHORIZED, "device_revoked", detail)
            }
            HandheldError::NoSuchDevice(_) => {
                ApiError::not_found("no_handheld", detail).with_field("id")
            }
        }
    }
}
