//! `/v1/session`: who is signed in at this till; signing in and out.

use super::AgentState;
use crate::till::session::{self, SignedIn};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody, NoBody};
use serde::Deserialize;

pub fn routes() -> Router<AgentState> {
    Router::new().route("/v1/session", get(current).post(sign_in).delete(sign_out))
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignInRequest {
    code: String,
    pin: String,
}

async fn sign_in(
    State(app): State<AgentState>,
    JsonBody(request): JsonBody<SignInRequest>,
) -> Result<Json<SignedIn>, ApiError> {
    Ok(Json(
        session::sign_in(&app.till, &request.code, request.pin).await?,
    ))
}

async fn current(State(app): State<AgentState>) -> Result<Json<SignedIn>, ApiError> {
    app.till
        .session
        .current()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("signed_out", "nobody is signed in at this till"))
}

async fn sign_out(State(app): State<AgentState>, _: NoBody) -> StatusCode {
    app.till.session.sign_out();
    StatusCode::NO_CONTENT
}
