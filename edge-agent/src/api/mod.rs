//! The agent's local HTTP API, served on loopback to the cashier UI: the
//! router, the state every handler shares, and the one place where the
//! till's and the store's errors become HTTP answers. One file per resource.
//!
//! When the store turns it on, a second listener on the LAN ([`lan`]) serves
//! paired handhelds only: the UI, pairing, and [`handheld_routes`].
//!
//! Only this folder imports axum. Answers come from the local database
//! only: nothing here waits on the hub.

mod audit;
mod catalog;
mod credit;
mod customers;
mod devices;
pub mod display;
mod e_receipts;
pub mod handheld;
mod handhelds;
mod held_bills;
mod item_state;
mod labels;
pub mod lan;
mod loopback_guard;
mod loyalty;
pub mod metrics;
mod picking;
mod printing;
mod receiving;
mod returns;
mod sales;
mod same_origin;
mod session;
mod shifts;
mod status;
mod stock_alerts;
mod stock_takes;
mod till_settings;
mod transfers;
mod ui;
mod upi;

#[cfg(feature = "ts")]
pub(crate) use {
    credit::{DuesPaid, DuesPaymentEntry},
    handheld::PickerSignIn,
    picking::{ScanBody, ShortBody},
    receiving::{GoodsReceiptLine, GoodsReceiptScan, GoodsReceiptStart},
    session::SignInRequest,
    status::SyncStatus,
    stock_takes::{StockTakeCount, StockTakeScan, StockTakeStart},
    till_settings::TillSettings,
    transfers::{TransferCount, TransferReceive, TransferScanBody},
    upi::UpiIntentRequest,
};

use crate::devices::scan::Scans;
use crate::devices::Devices;
use crate::pos::sale::SaleRejection;
use crate::store::StoreError;
use crate::till::{Till, TillError};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use pos_shared::http::ApiError;

#[derive(Clone)]
pub struct AgentState {
    /// The use cases' world: store, sync state, printers, policy, session.
    pub till: Till,
    /// Every scanner's scans, as one stream.
    pub scans: Scans,
    pub devices: Devices,
    pub hub_url: String,
    /// What the customer-facing display shows now.
    pub display: display::CustomerDisplay,
    /// The keyboard-wedge scanner's prefix and suffix, for the UI's settings.
    pub wedge: crate::config::Wedge,
    /// The Prometheus series `GET /metrics` renders.
    pub metrics: std::sync::Arc<metrics::AgentMetrics>,
}

pub fn router(state: AgentState) -> Router {
    Router::new()
        .route(
            "/health",
            // `service` tells the desktop app this is the till agent, not
            // some other program on the port.
            get(|| async { Json(serde_json::json!({"status": "ok", "service": "edge-agent"})) }),
        )
        .merge(catalog::routes())
        .merge(sales::routes())
        .merge(e_receipts::routes())
        .merge(status::routes())
        .merge(metrics::routes())
        .merge(till_settings::routes())
        .merge(devices::routes())
        .merge(item_state::routes())
        .merge(printing::routes())
        .merge(labels::routes())
        .merge(stock_takes::routes())
        .merge(receiving::routes())
        .merge(transfers::routes())
        .merge(stock_alerts::routes())
        .merge(credit::routes())
        .merge(shifts::routes())
        .merge(held_bills::routes())
        .merge(returns::routes())
        .merge(customers::routes())
        .merge(loyalty::routes())
        .merge(session::routes())
        .merge(audit::routes())
        .merge(handhelds::routes())
        .merge(upi::routes())
        .merge(display::routes())
        // The till itself may use every handheld route, without a token.
        .merge(handheld_routes())
        .merge(ui::routes())
        .fallback(|| async { ApiError::not_found("no_route", "there is no such endpoint") })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(axum::Extension(handheld::Via::Loopback))
        .layer(axum::middleware::from_fn(loopback_guard::guard))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.http.clone(),
            pos_shared::http_metrics::track,
        ))
        .with_state(state)
}

/// Every route a paired handheld may call, in one place: the LAN listener
/// serves exactly these (each behind the device's token), and loopback
/// serves them too, as the till itself. Merge a resource's router here to
/// give it to handhelds; its handlers learn the device and the picker from
/// the [`handheld::Handheld`] extractor.
pub fn handheld_routes() -> Router<AgentState> {
    Router::new()
        .merge(handheld::routes())
        .merge(picking::routes())
}

/// Every local-database error becomes an HTTP answer here and nowhere else, so
/// a handler just writes `?`: a fact too large for the hub is the request's
/// fault (422); anything else is the till's own failure (500, logged).
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::FactTooLarge { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "fact_too_large",
                e.to_string(),
            )
            .with_field("lines"),
            e => ApiError::internal(e),
        }
    }
}

/// A refused sale names the field at fault: 422.
impl From<SaleRejection> for ApiError {
    fn from(rejection: SaleRejection) -> Self {
        match rejection {
            SaleRejection::UnknownBarcode { field, barcode } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_barcode",
                format!("{field}: no product with barcode {barcode} in this store's catalog"),
            )
            .with_field(field),
            SaleRejection::Invalid { field, detail } => {
                ApiError::invalid(field.clone(), format!("{field}: {detail}"))
            }
        }
    }
}

/// Every use case's refusal, as HTTP.
impl From<TillError> for ApiError {
    fn from(e: TillError) -> Self {
        let detail = e.to_string();
        match e {
            TillError::Store(e) => e.into(),
            TillError::Rejected(r) => r.into(),
            TillError::IdConflict(_) => {
                ApiError::conflict("id_conflict", detail).with_field("sale_id")
            }
            TillError::SignInRequired => ApiError::unauthorized(detail),
            TillError::WrongPin { left, .. } => {
                ApiError::unauthorized(detail).with_tries_left(left)
            }
            TillError::NotEnrolled => ApiError::conflict("not_enrolled", detail),
            TillError::NoOpenShift(_) => ApiError::conflict("no_open_shift", detail),
            TillError::MissingReference { index, .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "missing_reference",
                detail,
            )
            .with_field(format!("tenders[{index}].reference")),
            TillError::PaymentDeclined { index, why } => {
                ApiError::invalid(format!("tenders[{index}].reference"), why)
            }
            TillError::PaymentUnavailable(_) => ApiError::unavailable(detail),
            TillError::Locked { minutes, .. } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "locked", detail)
                    .with_retry_after(minutes * 60)
            }
            TillError::NoStaff { enrolled } => {
                ApiError::conflict(if enrolled { "no_staff" } else { "not_enrolled" }, detail)
            }
            TillError::StaffInactive => {
                ApiError::new(StatusCode::FORBIDDEN, "staff_inactive", detail)
            }
            TillError::Invalid { field, detail } => ApiError::invalid(field, detail),
            TillError::PickRefused {
                kind, confirmable, ..
            } => ApiError::new(
                if confirmable {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                },
                kind,
                detail,
            )
            .with_field("code"),
            TillError::PickConflict { kind, .. } | TillError::Conflict { kind, .. } => {
                ApiError::conflict(kind, detail)
            }
            TillError::ScanRefused { kind, .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, kind, detail).with_field("code")
            }
            TillError::NotFound(_) => ApiError::not_found("not_found", detail),
            TillError::SaleNotFound(_) => {
                ApiError::not_found("sale_not_found", detail).with_field("sale_id")
            }
            TillError::Internal(e) => ApiError::internal(e),
        }
    }
}

/// Reads a scanner's text sent in a request's `code` (by `source`, for the
/// scan log): the code it names, or 422 `unreadable_scan` in words for
/// whoever scanned.
pub(crate) fn read_scan(
    scans: &Scans,
    source: &str,
    text: &str,
) -> Result<pos_shared::scan_code::ScannedCode, ApiError> {
    let event = scans
        .read(source, text.as_bytes())
        .map_err(|e| ApiError::invalid("code", e.to_string()))?;
    event.code.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unreadable_scan",
            event
                .problem
                .unwrap_or_else(|| "The barcode could not be read.".into()),
        )
        .with_field("code")
    })
}

/// A body that may be left empty (or `null`), read as `T`'s default then.
pub(super) fn optional_body<T: serde::de::DeserializeOwned + Default>(
    headers: &axum::http::HeaderMap,
    body: &axum::body::Bytes,
) -> Result<T, ApiError> {
    pos_shared::http::parse_optional(headers, body)
}
