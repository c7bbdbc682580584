//! The local API for shelf and price labels: `POST /v1/labels` with items by
//! barcode and copies (and optionally a printer and a date) queues them on a
//! label printer, or the receipt printer, from the till's own prices.

use super::AgentState;
use crate::store::print_jobs::PrintJob;
use crate::till::labels::{self, LabelError, LabelRequest};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody};

pub fn routes() -> Router<AgentState> {
    Router::new().route("/v1/labels", post(print))
}

async fn print(
    State(app): State<AgentState>,
    JsonBody(request): JsonBody<LabelRequest>,
) -> Result<(StatusCode, Json<PrintJob>), ApiError> {
    match labels::print_labels(&app.till, request).await {
        Ok(job) => Ok((StatusCode::ACCEPTED, Json(job))),
        Err(LabelError::Till(e)) => Err(e.into()),
        Err(LabelError::Invalid { field, detail }) => Err(ApiError::invalid(field, detail)),
        Err(LabelError::UnknownItem { index, barcode }) => Err(ApiError::not_found(
            "unknown_item",
            format!("no item with barcode {barcode} in this till's catalog"),
        )
        .with_field(format!("items[{index}].barcode"))),
        Err(LabelError::Queue(e)) => Err(super::printing::queue_error(e)),
    }
}
