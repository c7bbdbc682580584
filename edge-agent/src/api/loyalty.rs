//! Loyalty points at the till, on loopback: a customer's points, what this
//! till may let a bill be paid with now (offline too), and the rules a bill
//! is paid by. A bill is paid in points as a tender (`method: points`,
//! whole points' worth) with the customer's phone, through the sales
//! endpoint; a bill with the customer's phone earns points by the rules.

use super::AgentState;
use crate::till::loyalty::{self, PointsAtTill};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use pos_shared::credit::normalize_phone;
use pos_shared::http::ApiError;

pub(super) fn routes() -> Router<AgentState> {
    Router::new().route("/v1/loyalty/{phone}", get(one))
}

async fn one(
    State(app): State<AgentState>,
    Path(raw): Path<String>,
) -> Result<Json<PointsAtTill>, ApiError> {
    let phone = normalize_phone(&raw).map_err(|e| ApiError::invalid("phone", e))?;
    loyalty::points(&app.till, phone.clone())
        .await?
        .map(Json)
        .ok_or_else(|| {
            ApiError::not_found(
                "no_points",
                format!("{phone} has no points at this store yet (or HQ has set no loyalty rules)"),
            )
            .with_field("phone")
        })
}
