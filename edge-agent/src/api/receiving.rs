//! Goods receipt over HTTP, on loopback: the orders the store can receive
//! against, starting a receipt, taking the delivery in by scan (the
//! scanner's text as sent, read by the same pipeline as the till's scans),
//! a recount of a line, posting and cancelling. Anyone signed in receives.

use super::AgentState;
use crate::till::receiving::{self, NewReceipt, ReceiptSheet, Receivable, ReceivedScan};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody, NoBody, PathIds};
use pos_shared::sync::Batch;
use pos_shared::{Qty, VariantId};
use serde::Deserialize;
use uuid::Uuid;

pub(super) fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/purchase-orders", get(receivable))
        .route("/v1/goods-receipts", get(list).post(start))
        .route("/v1/goods-receipts/{receipt_id}", get(sheet))
        .route("/v1/goods-receipts/{receipt_id}/scans", post(scan))
        .route("/v1/goods-receipts/{receipt_id}/lines", put(set_line))
        .route("/v1/goods-receipts/{receipt_id}/post", post(post_receipt))
        .route("/v1/goods-receipts/{receipt_id}/cancel", post(cancel))
}

async fn receivable(State(app): State<AgentState>) -> Result<Json<Receivable>, ApiError> {
    Ok(Json(receiving::receivable(&app.till).await?))
}

async fn list(State(app): State<AgentState>) -> Result<Json<Vec<ReceiptSheet>>, ApiError> {
    Ok(Json(receiving::list(&app.till).await?))
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GoodsReceiptStart {
    /// The purchase order the delivery is against.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional, type = "string"))]
    po_id: Option<Uuid>,
    /// The supplier, for a delivery without an order (one the store has
    /// ordered from).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional, type = "string"))]
    supplier_id: Option<Uuid>,
    /// The number on the supplier's bill or delivery note.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    bill_no: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    note: Option<String>,
}

/// Starts a receipt: 201 with its (empty) sheet.
async fn start(
    State(app): State<AgentState>,
    JsonBody(body): JsonBody<GoodsReceiptStart>,
) -> Result<(StatusCode, Json<ReceiptSheet>), ApiError> {
    let new = NewReceipt {
        po_id: body.po_id,
        supplier_id: body.supplier_id,
        bill_no: body.bill_no.unwrap_or_default(),
        note: body.note.unwrap_or_default(),
    };
    Ok((
        StatusCode::CREATED,
        Json(receiving::start(&app.till, new).await?),
    ))
}

async fn sheet(
    State(app): State<AgentState>,
    PathIds(id): PathIds<Uuid>,
) -> Result<Json<ReceiptSheet>, ApiError> {
    Ok(Json(receiving::sheet(&app.till, id).await?))
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GoodsReceiptScan {
    /// What the scanner sent, without its final Enter (AIM identifier and
    /// GS1 separators kept), or the digits typed.
    code: String,
    /// How many this scan takes in (a case of 12), or the weight (kg) of a
    /// loose item, when the symbol does not say; one piece when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    qty: Option<String>,
    /// The batch and expiry printed on a pack whose barcode does not carry
    /// them.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    batch: Option<Batch>,
    /// Refused at the door as damaged: it goes back and moves no stock.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<bool>"))]
    damaged: bool,
}

fn typed_qty(field: &'static str, text: &str) -> Result<Qty, ApiError> {
    Qty::parse(text).map_err(|e| ApiError::invalid(field, e.to_string()))
}

/// Takes a scanned item in: 201 with its line, or 422 (`unknown_item`,
/// `expiry_needed`, `weight_needed`, `unreadable_scan`, …) in words for
/// whoever is receiving; 409 `receipt_closed` once it is posted.
async fn scan(
    State(app): State<AgentState>,
    PathIds(id): PathIds<Uuid>,
    JsonBody(body): JsonBody<GoodsReceiptScan>,
) -> Result<(StatusCode, Json<ReceivedScan>), ApiError> {
    let qty = body
        .qty
        .as_deref()
        .map(|q| typed_qty("qty", q))
        .transpose()?;
    let code = super::read_scan(&app.scans, "goods-receipt", &body.code)?;
    let taken = receiving::scan(&app.till, id, code, qty, body.batch, body.damaged).await?;
    Ok((StatusCode::CREATED, Json(taken)))
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GoodsReceiptLine {
    variant_id: VariantId,
    /// The line's batch; absent for stock whose batch is not tracked.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    batch: Option<Batch>,
    /// Accepted into stock; `"0"` with damaged `"0"` takes the line out.
    received: String,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    damaged: Option<String>,
}

/// Sets a line's figures (a recount): the sheet.
async fn set_line(
    State(app): State<AgentState>,
    PathIds(id): PathIds<Uuid>,
    JsonBody(body): JsonBody<GoodsReceiptLine>,
) -> Result<Json<ReceiptSheet>, ApiError> {
    let received = typed_qty("received", &body.received)?;
    let damaged = match body.damaged.as_deref() {
        Some(d) => typed_qty("damaged", d)?,
        None => Qty::ZERO,
    };
    Ok(Json(
        receiving::set_line(
            &app.till,
            id,
            body.variant_id,
            body.batch,
            received,
            damaged,
        )
        .await?,
    ))
}

/// Posts the receipt: its stock comes in and it is queued for the hub.
async fn post_receipt(
    State(app): State<AgentState>,
    PathIds(id): PathIds<Uuid>,
    _: NoBody,
) -> Result<Json<ReceiptSheet>, ApiError> {
    Ok(Json(receiving::post(&app.till, id).await?))
}

async fn cancel(
    State(app): State<AgentState>,
    PathIds(id): PathIds<Uuid>,
    _: NoBody,
) -> Result<Json<ReceiptSheet>, ApiError> {
    Ok(Json(receiving::cancel(&app.till, id).await?))
}
