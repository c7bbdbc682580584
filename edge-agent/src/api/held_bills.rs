//! The local API for held bills: park (priced and approved as a quote is,
//! [`crate::till::held_bills`]), list (every terminal's), resume.

use super::AgentState;
use crate::store::held_bills::{self, HeldBill, HoldRejection, HoldRequest};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody, NoBody};

pub fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/held-bills", get(list).post(hold))
        .route("/v1/held-bills/{bill_id}/resume", post(resume))
}

fn rejection(r: HoldRejection) -> ApiError {
    match &r {
        HoldRejection::Invalid { field, detail } => {
            ApiError::invalid(field.clone(), format!("{field}: {detail}"))
        }
        HoldRejection::Unknown(_) => {
            ApiError::not_found("unknown_held_bill", r.to_string()).with_field("bill_id")
        }
        HoldRejection::AlreadyResumed { .. } => {
            ApiError::conflict("already_resumed", r.to_string())
        }
    }
}

fn terminal(app: &AgentState) -> Result<String, ApiError> {
    app.till
        .sync
        .credential()
        .map(|c| c.terminal_name)
        .ok_or_else(|| {
            ApiError::conflict(
                "not_enrolled",
                "this terminal is not enrolled with the hub yet, so it cannot share held bills",
            )
        })
}

async fn list(State(app): State<AgentState>) -> Result<Json<Vec<HeldBill>>, ApiError> {
    Ok(Json(app.till.store.call(|c| held_bills::all(c)).await?))
}

async fn hold(
    State(app): State<AgentState>,
    JsonBody(request): JsonBody<HoldRequest>,
) -> Result<(StatusCode, Json<HeldBill>), ApiError> {
    let terminal = terminal(&app)?;
    let bill = crate::till::held_bills::hold(&app.till, terminal, request)
        .await?
        .map_err(rejection)?;
    app.till.sync.docs_nudge.notify_one();
    Ok((StatusCode::CREATED, Json(bill)))
}

async fn resume(
    State(app): State<AgentState>,
    Path(bill): Path<String>,
    _: NoBody,
) -> Result<Json<HeldBill>, ApiError> {
    if uuid::Uuid::parse_str(&bill).is_err() {
        return Err(ApiError::invalid(
            "bill_id",
            format!("{bill:?} is not a held bill id"),
        ));
    }
    let terminal = terminal(&app)?;
    let bill = app
        .till
        .store
        .call(move |c| held_bills::resume(c, &terminal, &bill))
        .await?
        .map_err(rejection)?;
    app.till.sync.docs_nudge.notify_one();
    Ok(Json(bill))
}
