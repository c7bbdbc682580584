//! Picking delivery orders at a dark store, over HTTP: the queue, an
//! order's pick sheet, claiming it, scans (the scanner's text as sent, read
//! by the same pipeline as the till's scans), taking a pick back, closing a
//! line short, packing. Served on loopback and, for paired handhelds, on the
//! LAN listener.

use super::handheld::Handheld;
use super::AgentState;
use crate::pos::picking::ScanIntent;
use crate::till::picking::{self, PickSheet, PickedScan, PickerSession, QueuedOrder};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody, NoBody};
use pos_shared::MovementId;
use serde::Deserialize;
use uuid::Uuid;

pub fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/picking/orders", get(queue))
        .route("/v1/picking/orders/{order_id}", get(sheet))
        .route("/v1/picking/orders/{order_id}/claim", post(claim))
        .route("/v1/picking/orders/{order_id}/scans", post(scan))
        .route(
            "/v1/picking/orders/{order_id}/picks/{movement_id}",
            delete(undo),
        )
        .route(
            "/v1/picking/orders/{order_id}/lines/{line}/short",
            put(short),
        )
        .route("/v1/picking/orders/{order_id}/pack", post(pack))
}

fn order_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| {
        ApiError::bad_request("invalid_id", format!("{raw:?} is not an order id"))
            .with_field("order_id")
    })
}

/// Who is picking: the member of staff signed in on the device (at the
/// till, the till's session).
fn picker(handheld: &Handheld) -> Result<PickerSession, ApiError> {
    let signed_in = handheld.picker()?;
    Ok(PickerSession {
        staff_id: signed_in.staff_id,
        name: signed_in.name.clone(),
    })
}

/// Orders to pick here, the one due first first.
async fn queue(State(app): State<AgentState>) -> Result<Json<Vec<QueuedOrder>>, ApiError> {
    Ok(Json(picking::queue(&app.till).await?))
}

async fn sheet(
    State(app): State<AgentState>,
    Path(raw): Path<String>,
) -> Result<Json<PickSheet>, ApiError> {
    Ok(Json(picking::sheet(&app.till, order_id(&raw)?).await?))
}

/// Claims the order for the picker signed in (works offline; the hub
/// settles a claim made at two terminals: the first it hears of wins).
async fn claim(
    State(app): State<AgentState>,
    handheld: Handheld,
    Path(raw): Path<String>,
    _: NoBody,
) -> Result<Json<PickSheet>, ApiError> {
    let who = picker(&handheld)?;
    Ok(Json(picking::claim(&app.till, order_id(&raw)?, who).await?))
}

/// A scan at the picking screen.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScanBody {
    /// What the scanner sent, without its final Enter (AIM identifier and
    /// GS1 separators kept), or the digits typed.
    code: String,
    /// The weight (kg) of a weighed item, or a count, when the symbol does
    /// not carry it.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    qty: Option<String>,
    /// Picked instead of this line, which is closed short.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    substitute_for: Option<u32>,
    /// Take this batch although one expiring sooner is on the shelf.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<bool>"))]
    accept_later_batch: bool,
}

/// Picks a scanned item onto the order: 201 with the pick and the sheet, or
/// 422 (`wrong_item`, `expired_batch`, `weight_needed`, `too_many`,
/// `unreadable_scan`, …) or 409 `earlier_batch_in_stock` (confirm to take
/// it) in words for the picker.
async fn scan(
    State(app): State<AgentState>,
    handheld: Handheld,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<ScanBody>,
) -> Result<(StatusCode, Json<PickedScan>), ApiError> {
    let id = order_id(&raw)?;
    let who = picker(&handheld)?;
    let code = super::read_scan(&app.scans, "picker", &body.code)?;
    let intent = ScanIntent {
        qty: body.qty.as_deref().map(picking::typed_qty).transpose()?,
        substitute_for: body.substitute_for,
        accept_later_batch: body.accept_later_batch,
    };
    let picked = picking::scan(&app.till, id, who, code, intent).await?;
    Ok((StatusCode::CREATED, Json(picked)))
}

/// Takes a pick back before packing (the item goes back on the shelf).
async fn undo(
    State(app): State<AgentState>,
    handheld: Handheld,
    Path((raw, movement)): Path<(String, String)>,
    _: NoBody,
) -> Result<Json<PickSheet>, ApiError> {
    let id = order_id(&raw)?;
    let movement: MovementId = movement.parse().map_err(|_| {
        ApiError::bad_request("invalid_id", format!("{movement:?} is not a pick id"))
            .with_field("movement_id")
    })?;
    let who = picker(&handheld)?;
    Ok(Json(picking::undo(&app.till, id, who, movement).await?))
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ShortBody {
    /// `true`: nothing more of it is on the shelf; `false`: open it again.
    short: bool,
}

async fn short(
    State(app): State<AgentState>,
    handheld: Handheld,
    Path((raw, line)): Path<(String, String)>,
    JsonBody(body): JsonBody<ShortBody>,
) -> Result<Json<PickSheet>, ApiError> {
    let id = order_id(&raw)?;
    let line: u32 = line.parse().map_err(|_| {
        ApiError::bad_request("invalid_line", format!("{line:?} is not a line number"))
            .with_field("line")
    })?;
    let who = picker(&handheld)?;
    Ok(Json(
        picking::mark_short(&app.till, id, who, line, body.short).await?,
    ))
}

/// Packs the order: 200 with the packed summary (total, short and
/// substituted lines), or 409 `lines_open` naming what is left.
async fn pack(
    State(app): State<AgentState>,
    handheld: Handheld,
    Path(raw): Path<String>,
    _: NoBody,
) -> Result<Json<PickSheet>, ApiError> {
    let id = order_id(&raw)?;
    let who = picker(&handheld)?;
    Ok(Json(picking::pack(&app.till, id, who).await?))
}
