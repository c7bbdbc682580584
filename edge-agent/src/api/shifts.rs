//! The local API for shifts: open with a float, cash in and out, X report,
//! close with the counted cash (Z report).

use super::AgentState;
use crate::store::shifts::{self, CashRequest, CloseRequest, OpenRequest, ShiftRejection};
use crate::store::StoreResult;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::shift::ShiftReport;
use pos_shared::sync::DeviceCredential;

pub fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/shifts", post(open))
        .route("/v1/shifts/current", get(current))
        .route("/v1/shifts/current/cash", post(cash))
        .route("/v1/shifts/current/close", post(close))
}

fn rejection(r: ShiftRejection) -> ApiError {
    match r {
        ShiftRejection::Invalid { field, detail } => {
            ApiError::invalid(field, format!("{field}: {detail}"))
        }
        ShiftRejection::AlreadyOpen(_) => ApiError::conflict("shift_open", r.to_string()),
        ShiftRejection::NoShift => ApiError::not_found("no_open_shift", r.to_string()),
        ShiftRejection::OutOfRange(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "shift_out_of_range",
            r.to_string(),
        ),
    }
}

fn device(app: &AgentState) -> Result<DeviceCredential, ApiError> {
    app.till.sync.credential().ok_or_else(|| {
        ApiError::conflict(
            "not_enrolled",
            "this terminal is not enrolled with the hub yet, so it cannot keep shifts",
        )
    })
}

/// Runs one shift step on the database and turns its answer into HTTP.
async fn step<F>(app: &AgentState, work: F) -> Result<ShiftReport, ApiError>
where
    F: FnOnce(
            &mut rusqlite::Connection,
            &DeviceCredential,
        ) -> StoreResult<Result<ShiftReport, ShiftRejection>>
        + Send
        + 'static,
{
    let device = device(app)?;
    app.till
        .store
        .call(move |c| work(c, &device))
        .await?
        .map_err(rejection)
}

async fn open(
    State(app): State<AgentState>,
    JsonBody(request): JsonBody<OpenRequest>,
) -> Result<(StatusCode, Json<ShiftReport>), ApiError> {
    let report = step(&app, move |c, d| shifts::open(c, d, &request)).await?;
    Ok((StatusCode::CREATED, Json(report)))
}

/// The X report of the open shift.
async fn current(State(app): State<AgentState>) -> Result<Json<ShiftReport>, ApiError> {
    Ok(Json(step(&app, |c, d| shifts::x_report(c, d)).await?))
}

async fn cash(
    State(app): State<AgentState>,
    JsonBody(request): JsonBody<CashRequest>,
) -> Result<(StatusCode, Json<ShiftReport>), ApiError> {
    let report = step(&app, move |c, d| shifts::move_cash(c, d, &request)).await?;
    Ok((StatusCode::CREATED, Json(report)))
}

/// Closes the shift; the Z report goes to the hub through the outbox.
async fn close(
    State(app): State<AgentState>,
    JsonBody(request): JsonBody<CloseRequest>,
) -> Result<Json<ShiftReport>, ApiError> {
    let report = step(&app, move |c, d| shifts::close(c, d, &request)).await?;
    app.till.sync.nudge.notify_one();
    app.till.sync.notify_changed();
    Ok(Json(report))
}
