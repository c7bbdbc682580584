//! Transfers at the store over HTTP, on loopback: what the store has to
//! send (HQ's requests) and to receive (transfers on their way here),
//! counting one by scan (the scanner's text as sent, read by the same
//! pipeline as the till's scans), a recount, and dispatching or receiving
//! it. Anyone signed in does it, offline too.

use super::AgentState;
use crate::till::transfers::{self, TransferScan, TransferSheet, TransfersAtStore};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody, NoBody, PathIds};
use pos_shared::Qty;
use serde::Deserialize;
use uuid::Uuid;

pub(super) fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/transfers", get(list))
        .route("/v1/transfers/{id}", get(sheet))
        .route("/v1/transfers/{id}/scans", post(scan))
        .route("/v1/transfers/{id}/count", put(set_count))
        .route("/v1/transfers/{id}/dispatch", post(dispatch))
        .route("/v1/transfers/{id}/receive", post(receive))
}

async fn list(State(app): State<AgentState>) -> Result<Json<TransfersAtStore>, ApiError> {
    Ok(Json(transfers::list(&app.till).await?))
}

/// A request to send or a transfer to receive, by its id.
async fn sheet(
    State(app): State<AgentState>,
    PathIds(id): PathIds<Uuid>,
) -> Result<Json<TransferSheet>, ApiError> {
    Ok(Json(transfers::sheet(&app.till, id).await?))
}

fn typed_qty(field: &'static str, text: &str) -> Result<Qty, ApiError> {
    Qty::parse(text).map_err(|e| ApiError::invalid(field, e.to_string()))
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TransferScanBody {
    /// What the scanner sent, without its final Enter (AIM identifier and
    /// GS1 separators kept), or the digits typed.
    code: String,
    /// How many this scan counts (a case of 12), or the weight (kg) of a
    /// loose item, when the symbol does not say; one piece when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    qty: Option<String>,
}

/// Counts a scanned item out or in: 201 with the sheet, or 422
/// (`not_in_transfer`, `more_than_expected`, `batch_not_sent`, …) in words
/// for whoever is counting; 409 once it is dispatched or received.
async fn scan(
    State(app): State<AgentState>,
    PathIds(id): PathIds<Uuid>,
    JsonBody(body): JsonBody<TransferScanBody>,
) -> Result<(StatusCode, Json<TransferScan>), ApiError> {
    let qty = body
        .qty
        .as_deref()
        .map(|q| typed_qty("qty", q))
        .transpose()?;
    let code = super::read_scan(&app.scans, "transfer", &body.code)?;
    let taken = transfers::scan(&app.till, id, code, qty).await?;
    Ok((StatusCode::CREATED, Json(taken)))
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TransferCount {
    /// The batch counted (one the transfer sent); absent for what is
    /// counted without a batch.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    batch_code: Option<String>,
    /// The count; `"0"` takes it out.
    qty: String,
}

/// Sets a count (a recount): the sheet.
async fn set_count(
    State(app): State<AgentState>,
    PathIds(id): PathIds<Uuid>,
    JsonBody(body): JsonBody<TransferCount>,
) -> Result<Json<TransferSheet>, ApiError> {
    let qty = typed_qty("qty", &body.qty)?;
    Ok(Json(
        transfers::set_count(&app.till, id, body.batch_code, qty).await?,
    ))
}

/// Dispatches a request for what was scanned out: the stock leaves now and
/// the hub hears of it when the till is online.
async fn dispatch(
    State(app): State<AgentState>,
    PathIds(id): PathIds<Uuid>,
    // It dispatches what was counted.
    _: NoBody,
) -> Result<Json<TransferSheet>, ApiError> {
    Ok(Json(transfers::dispatch(&app.till, id).await?))
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct TransferReceive {
    /// Receives a transfer of which nothing arrived (all of it short).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<bool>"))]
    nothing_arrived: bool,
}

/// Receives a transfer for what was scanned in: the stock arrives now, into
/// the batches sent.
async fn receive(
    State(app): State<AgentState>,
    PathIds(id): PathIds<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<TransferSheet>, ApiError> {
    // The body may be empty: something arrived.
    let body: TransferReceive = super::optional_body(&headers, &body)?;
    Ok(Json(
        transfers::receive(&app.till, id, body.nothing_arrived).await?,
    ))
}
