//! The local API for printers, print jobs and receipts.

use super::AgentState;
use crate::printing::{PrinterView, QueueError};
use crate::store::print_jobs::{self, NoRetry, PrintJob, Purpose};
use crate::store::sales;
use crate::till::drawer::{self, DrawerRequest};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pos_shared::http::ApiError;
use pos_shared::http::{JsonBody, NoBody};
use pos_shared::sale::SaleFact;
use pos_shared::SaleId;
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/printers", get(printers))
        .route("/v1/printers/{name}/test", post(test_print))
        .route("/v1/print-jobs", get(jobs))
        .route("/v1/print-jobs/{id}", get(job))
        .route("/v1/print-jobs/{id}/retry", post(retry))
        .route("/v1/sales/{sale_id}/receipt", get(receipt).post(reprint))
        .route("/v1/drawer/open", post(open_drawer))
        .route("/v1/usb-devices", get(usb_devices))
}

pub(super) fn queue_error(e: QueueError) -> ApiError {
    match e {
        QueueError::UnknownPrinter(name) => ApiError::not_found(
            "unknown_printer",
            format!("there is no printer named {name:?}"),
        )
        .with_field("printer"),
        QueueError::NoPrinter => {
            ApiError::conflict("no_printer", "this till has no printer configured")
        }
        QueueError::Encode(detail) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unprintable", detail)
        }
        QueueError::Store(e) => ApiError::internal(e),
    }
}

async fn printers(State(app): State<AgentState>) -> Result<Json<Vec<PrinterView>>, ApiError> {
    Ok(Json(app.till.printers.list().await?))
}

async fn test_print(
    State(app): State<AgentState>,
    Path(name): Path<String>,
    _: NoBody,
) -> Result<(StatusCode, Json<PrintJob>), ApiError> {
    let job = app
        .till
        .printers
        .queue_test(&name)
        .await
        .map_err(queue_error)?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

async fn jobs(
    State(app): State<AgentState>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Json<Vec<PrintJob>>, ApiError> {
    for key in query.keys() {
        if !["sale_id", "state", "limit"].contains(&key.as_str()) {
            return Err(ApiError::invalid(
                key.clone(),
                format!("{key} is not a filter; use sale_id, state or limit"),
            ));
        }
    }
    let sale_id = match query.get("sale_id") {
        Some(s) => Some(
            s.parse::<SaleId>()
                .map_err(|_| {
                    ApiError::invalid("sale_id", format!("sale_id {s:?} is not a sale id"))
                })?
                .to_string(),
        ),
        None => None,
    };
    let state = query.get("state").cloned();
    if let Some(s) = &state {
        if !["queued", "printed", "unconfirmed", "failed"].contains(&s.as_str()) {
            return Err(ApiError::invalid(
                "state",
                format!("state {s:?} is not one of queued, printed, unconfirmed, failed"),
            ));
        }
    }
    let limit = i64::from(pos_shared::http::limit_text(
        query.get("limit").map(String::as_str),
        50,
        500,
    )?);
    let jobs = app
        .till
        .store
        .call(move |c| print_jobs::list(c, sale_id.as_deref(), state.as_deref(), limit))
        .await?;
    Ok(Json(jobs))
}

fn job_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::invalid("id", format!("print job id {raw:?} is not a number")))
}

fn no_job(id: i64) -> ApiError {
    ApiError::not_found("unknown_print_job", format!("there is no print job {id}"))
}

async fn job(
    State(app): State<AgentState>,
    Path(raw): Path<String>,
) -> Result<Json<PrintJob>, ApiError> {
    let id = job_id(&raw)?;
    app.till
        .store
        .call(move |c| print_jobs::get(c, id))
        .await?
        .map(Json)
        .ok_or_else(|| no_job(id))
}

async fn retry(
    State(app): State<AgentState>,
    Path(raw): Path<String>,
    _: NoBody,
) -> Result<(StatusCode, Json<PrintJob>), ApiError> {
    let id = job_id(&raw)?;
    match app.till.printers.retry(id).await? {
        None => Err(no_job(id)),
        Some(Ok(job)) => Ok((StatusCode::ACCEPTED, Json(job))),
        Some(Err(NoRetry::Printed(_))) => Err(ApiError::conflict(
            "already_printed",
            format!("print job {id} has printed; reprint the sale's receipt instead"),
        )),
        Some(Err(NoRetry::Drawer(_))) => Err(ApiError::conflict(
            "drawer_not_retried",
            format!(
                "print job {id} is a drawer pulse, which is sent at its moment or never; \
                 a supervisor can open the drawer with POST /v1/drawer/open"
            ),
        )),
        Some(Err(NoRetry::Unprintable(job))) => Err(ApiError::conflict(
            "unprintable",
            format!(
                "print job {id} has nothing to print ({}); reprint the sale's receipt",
                job.last_error.unwrap_or_default()
            ),
        )),
    }
}

async fn load_sale(app: &AgentState, raw: &str) -> Result<SaleFact, ApiError> {
    let id: SaleId = raw
        .parse()
        .map_err(|_| ApiError::invalid("sale_id", format!("{raw:?} is not a sale id")))?;
    app.till
        .store
        .call(move |c| sales::stored_sale(c, id))
        .await?
        .ok_or_else(|| ApiError::not_found("unknown_sale", format!("this till has no sale {id}")))
}

fn terminal_name(app: &AgentState) -> Option<String> {
    app.till.sync.credential().map(|c| c.terminal_name)
}

/// The receipt for screen: `format=text` (default), `html` or `json`.
async fn receipt(
    State(app): State<AgentState>,
    Path(raw): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    let sale = load_sale(&app, &raw).await?;
    let receipt = app
        .till
        .printers
        .receipt(&sale, terminal_name(&app).as_deref(), false)
        .await?;
    Ok(
        match query.get("format").map(String::as_str).unwrap_or("text") {
            "text" => (
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                app.till.printers.preview(&receipt, false),
            )
                .into_response(),
            "html" => (
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                app.till.printers.preview(&receipt, true),
            )
                .into_response(),
            "json" => Json(receipt).into_response(),
            other => {
                return Err(ApiError::invalid(
                    "format",
                    format!("format {other:?} is not one of text, html, json"),
                ))
            }
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ReprintRequest {
    #[serde(default)]
    printer: Option<String>,
}

/// Prints a duplicate of a sale's receipt (marked as such; the drawer stays shut).
async fn reprint(
    State(app): State<AgentState>,
    Path(raw): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<PrintJob>), ApiError> {
    // The body is optional: an empty one reprints on the receipt printer.
    let request: ReprintRequest = super::optional_body(&headers, &body)?;
    let sale = load_sale(&app, &raw).await?;
    let job = app
        .till
        .printers
        .queue_receipt(
            &sale,
            terminal_name(&app).as_deref(),
            Purpose::Reprint,
            request.printer.as_deref(),
        )
        .await
        .map_err(queue_error)?
        .ok_or_else(|| queue_error(QueueError::NoPrinter))?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// Opens the cash drawer outside a sale: a supervisor's call (signed in, or
/// approving with code and PIN), written to the audit log with the reason.
async fn open_drawer(
    State(app): State<AgentState>,
    JsonBody(request): JsonBody<DrawerRequest>,
) -> Result<(StatusCode, Json<drawer::DrawerOpened>), ApiError> {
    let opened = drawer::open(&app.till, request).await?;
    Ok((StatusCode::ACCEPTED, Json(opened)))
}

/// USB devices on this machine (none where there is no USB bus).
async fn usb_devices() -> Result<Json<crate::devices::usb::UsbInventory>, ApiError> {
    tokio::task::spawn_blocking(crate::devices::usb::enumerate)
        .await
        .map_err(ApiError::internal)?
        .map(Json)
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "usb_unavailable", e))
}
