//! `POST /v1/payments/upi-intent`: the UPI link and its QR for one amount and
//! one bill, paid to the store's configured VPA. Nothing is recorded: the
//! cashier confirms the payment as a tender when the customer's app shows it
//! done, as with any UPI payment.

use super::AgentState;
use crate::till::upi::{self, IntentError, UpiIntent};
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::Money;
use serde::Deserialize;

pub fn routes() -> Router<AgentState> {
    Router::new().route("/v1/payments/upi-intent", post(upi_intent))
}

/// What the UI asks for: the amount to collect and a short bill reference it
/// minted (say, the sale id's last 12 characters), which becomes the UPI
/// transaction reference the store's bank statement shows.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpiIntentRequest {
    amount: Money,
    bill: String,
}

async fn upi_intent(
    State(app): State<AgentState>,
    JsonBody(request): JsonBody<UpiIntentRequest>,
) -> Result<Json<UpiIntent>, ApiError> {
    upi::intent(app.till.upi.as_ref(), request.amount, &request.bill)
        .map(Json)
        .map_err(|e| match e {
            IntentError::NotConfigured => ApiError::conflict("upi_not_configured", e.to_string()),
            IntentError::Invalid(e) => ApiError::invalid(e.field(), e.to_string()),
            IntentError::TooLong(_) => ApiError::internal(e),
        })
}
