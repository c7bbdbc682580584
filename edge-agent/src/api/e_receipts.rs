//! `/v1/sales/{sale_id}/e-receipt(s)`: sending a sale's receipt link to the
//! customer by WhatsApp or SMS, and where those messages stand, as HTTP.
//! The use case is [`crate::till::e_receipts`].

use super::AgentState;
use crate::till::e_receipts::{self, EReceipt, EReceiptRequest, EReceipts};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::SaleId;

pub fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/sales/{sale_id}/e-receipt", post(send_receipt))
        .route("/v1/sales/{sale_id}/e-receipts", get(list_receipts))
}

fn sale_id(text: &str) -> Result<SaleId, ApiError> {
    text.parse().map_err(|_| {
        ApiError::invalid(
            "sale_id",
            format!("sale_id: {text:?} is not a sale's id (a UUID)"),
        )
    })
}

/// 202 with the message queued (or handed over as a link); 200 with the one
/// already asked for this sale and channel.
async fn send_receipt(
    State(app): State<AgentState>,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<EReceiptRequest>,
) -> Result<(StatusCode, Json<EReceipt>), ApiError> {
    let (message, created) = e_receipts::request(&app.till, sale_id(&id)?, request).await?;
    let status = match created {
        true => StatusCode::ACCEPTED,
        false => StatusCode::OK,
    };
    Ok((status, Json(message)))
}

async fn list_receipts(
    State(app): State<AgentState>,
    Path(id): Path<String>,
) -> Result<Json<EReceipts>, ApiError> {
    Ok(Json(e_receipts::list(&app.till, sale_id(&id)?).await?))
}
