//! The till's scanners: scans typed by a keyboard-wedge scanner (forwarded
//! by the UI) and the state of every device.

use super::AgentState;
use crate::devices::scan::ScanEvent;
use crate::devices::DeviceStatus;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/scans", post(keyboard_scan))
        .route("/v1/devices", get(devices))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyboardScan {
    /// What the keyboard-wedge scanner typed, without the final Enter.
    text: String,
}

/// A scan from a keyboard-wedge scanner, forwarded by the UI (which recognises
/// fast keystroke bursts ending in Enter); it joins the one scan stream.
/// 202 with what it says (item, batch, expiry, weight, price), or 422
/// `unreadable_scan` in words for the cashier when it names no item.
async fn keyboard_scan(
    State(app): State<AgentState>,
    JsonBody(scan): JsonBody<KeyboardScan>,
) -> Result<(StatusCode, Json<ScanEvent>), ApiError> {
    let event = app
        .scans
        .publish("keyboard", scan.text.as_bytes())
        .map_err(|e| ApiError::invalid("text", e.to_string()))?;
    // A scan that names no item is the cashier's to hear about now.
    if let Some(problem) = &event.problem {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unreadable_scan",
            problem.clone(),
        )
        .with_field("text"));
    }
    Ok((StatusCode::ACCEPTED, Json(event)))
}

/// The till's devices and their state (connected, last error, counts).
async fn devices(State(app): State<AgentState>) -> Json<BTreeMap<String, DeviceStatus>> {
    Json(app.devices.all())
}
