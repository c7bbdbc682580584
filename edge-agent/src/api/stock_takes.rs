//! Stock takes over HTTP, on loopback: the store's takes, starting one,
//! counting by scan (the scanner's text as sent, read by the same pipeline
//! as the till's scans) or by typing a recount, approving and cancelling.
//! Starting, approving and cancelling are a manager's: signed in, or with a
//! manager's code and PIN in `approval`.

use super::AgentState;
use crate::pos::discounts::Approval;
use crate::till::stock_takes::{self, ApprovedTake, CountedScan, NewTake, TakeSheet};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody, PathIds};
use pos_shared::stock_take::CountScope;
use pos_shared::{Qty, VariantId};
use serde::Deserialize;
use uuid::Uuid;

pub(super) fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/stock-takes", get(list).post(start))
        .route("/v1/stock-takes/{take_id}", get(sheet))
        .route("/v1/stock-takes/{take_id}/scans", post(scan))
        .route("/v1/stock-takes/{take_id}/counts", put(set_count))
        .route("/v1/stock-takes/{take_id}/approve", post(approve))
        .route("/v1/stock-takes/{take_id}/cancel", post(cancel))
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StockTakeStart {
    /// What the count is called on the screens ("Aisle 3", "Month end").
    name: String,
    /// What it covers: the whole store when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    scope: Option<CountScope>,
    /// Counters do not see what the ledger expects.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<bool>"))]
    blind: bool,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    approval: Option<Approval>,
}

async fn list(State(app): State<AgentState>) -> Result<Json<Vec<TakeSheet>>, ApiError> {
    Ok(Json(stock_takes::list(&app.till).await?))
}

/// Starts a take: 201 with its (empty) sheet.
async fn start(
    State(app): State<AgentState>,
    JsonBody(body): JsonBody<StockTakeStart>,
) -> Result<(StatusCode, Json<TakeSheet>), ApiError> {
    let new = NewTake {
        name: body.name,
        scope: body.scope.unwrap_or(CountScope::Store),
        blind: body.blind,
    };
    let sheet = stock_takes::start(&app.till, new, body.approval.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(sheet)))
}

async fn sheet(
    State(app): State<AgentState>,
    PathIds(id): PathIds<Uuid>,
) -> Result<Json<TakeSheet>, ApiError> {
    Ok(Json(stock_takes::sheet(&app.till, id).await?))
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StockTakeScan {
    /// What the scanner sent, without its final Enter (AIM identifier and
    /// GS1 separators kept), or the digits typed.
    code: String,
    /// Where it is being counted (shelf, bin); none when the store counts
    /// without bins.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    bin: Option<String>,
    /// How many this scan counts (a case of 12), or the weight (kg) of a
    /// loose item, when the symbol does not say; one piece when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    qty: Option<String>,
}

fn typed_qty(text: &str) -> Result<Qty, ApiError> {
    Qty::parse(text).map_err(|e| ApiError::invalid("qty", e.to_string()))
}

/// Counts a scanned item: 201 with where its count stands, or 422
/// (`unknown_item`, `weight_needed`, `unreadable_scan`, …) in words for
/// whoever is counting; 409 `stock_take_closed` once it is approved.
async fn scan(
    State(app): State<AgentState>,
    PathIds(id): PathIds<Uuid>,
    JsonBody(body): JsonBody<StockTakeScan>,
) -> Result<(StatusCode, Json<CountedScan>), ApiError> {
    let bin = stock_takes::bin_label(body.bin.as_deref().unwrap_or_default())?;
    let qty = body.qty.as_deref().map(typed_qty).transpose()?;
    let code = super::read_scan(&app.scans, "stock-take", &body.code)?;
    let counted = stock_takes::count_scan(&app.till, id, code, bin, qty).await?;
    Ok((StatusCode::CREATED, Json(counted)))
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StockTakeCount {
    variant_id: VariantId,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    bin: Option<String>,
    /// This terminal's count of the item in the bin; `"0"` takes it back.
    qty: String,
}

/// Sets this terminal's count of an item in a bin (a recount): the sheet.
async fn set_count(
    State(app): State<AgentState>,
    PathIds(id): PathIds<Uuid>,
    JsonBody(body): JsonBody<StockTakeCount>,
) -> Result<Json<TakeSheet>, ApiError> {
    let bin = stock_takes::bin_label(body.bin.as_deref().unwrap_or_default())?;
    let qty = typed_qty(&body.qty)?;
    Ok(Json(
        stock_takes::set_count(&app.till, id, body.variant_id, bin, qty).await?,
    ))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ManagerBody {
    #[serde(default)]
    approval: Option<Approval>,
}

/// A manager's request body, which may be empty when a manager is signed in.
fn manager_body(headers: &HeaderMap, body: &Bytes) -> Result<ManagerBody, ApiError> {
    super::optional_body(headers, body)
}

/// Approves the take: its adjustments and facts, and the sheet as approved.
async fn approve(
    State(app): State<AgentState>,
    PathIds(id): PathIds<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ApprovedTake>, ApiError> {
    let body = manager_body(&headers, &body)?;
    Ok(Json(
        stock_takes::approve(&app.till, id, body.approval.as_ref()).await?,
    ))
}

async fn cancel(
    State(app): State<AgentState>,
    PathIds(id): PathIds<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<TakeSheet>, ApiError> {
    let body = manager_body(&headers, &body)?;
    Ok(Json(
        stock_takes::cancel(&app.till, id, body.approval.as_ref()).await?,
    ))
}
