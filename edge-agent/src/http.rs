//! The agent's local HTTP API, served on loopback to the cashier UI.
//!
//! Answers come from the local database only: nothing here waits on the hub.

use crate::store::item_state;
use crate::store::print_jobs::Purpose;
use crate::store::{
    catalog, outbox, sales, LocalStore, OutboxCounts, ProductView, SaleRejection, SaleResult,
};
use crate::sync::{LinkStatus, SyncShared};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::sale::SaleFact;
use pos_shared::{Gtin, StoreId, TerminalId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Clone)]
pub struct AgentState {
    pub store: LocalStore,
    pub sync: Arc<SyncShared>,
    /// Every scanner's scans, as one stream.
    pub scans: crate::scan::Scans,
    pub devices: crate::serial_scanner::Devices,
    pub printers: crate::printing::Printers,
    pub sale_policy: sales::SalePolicy,
    /// Who is signed in at this till.
    pub session: crate::session::Session,
    /// Takes card and UPI payments.
    pub payments: Arc<dyn crate::payment::PaymentTerminal>,
    pub hub_url: String,
}

pub fn router(state: AgentState) -> Router {
    Router::new()
        .route(
            "/health",
            get(|| async { Json(serde_json::json!({"status": "ok"})) }),
        )
        .route("/v1/products/by-barcode/{barcode}", get(product_by_barcode))
        .route("/v1/products/search", get(search_products))
        .route("/v1/categories", get(categories))
        .route("/v1/quick-keys", get(quick_keys))
        .route("/v1/sales", post(create_sale))
        .route("/v1/sales/quote", post(quote_sale))
        .route("/v1/sync/status", get(sync_status))
        .route("/v1/events", get(events))
        .route("/v1/scans", post(keyboard_scan))
        .route("/v1/devices", get(devices))
        .route("/v1/sync/quarantine", get(quarantine))
        .route("/v1/item-state", get(item_states))
        .route("/v1/item-state/{barcode}", put(edit_item_state))
        .merge(crate::printing::api::routes())
        .merge(crate::shifts_api::routes())
        .merge(crate::held_bills_api::routes())
        .merge(crate::returns_api::routes())
        .merge(crate::customers_api::routes())
        .merge(crate::session::routes())
        .merge(crate::audit_api::routes())
        .merge(crate::ui::routes())
        .fallback(|| async { ApiError::not_found("no_route", "there is no such endpoint") })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(axum::middleware::from_fn(crate::loopback_guard::guard))
        .with_state(state)
}

/// Every local-database error becomes an HTTP answer here and nowhere else, so
/// a handler just writes `?`: a fact too large for the hub is the request's
/// fault (422); anything else is the till's own failure (500, logged).
impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        store_error(e)
    }
}

fn store_error(e: crate::store::StoreError) -> ApiError {
    match e {
        crate::store::StoreError::FactTooLarge { .. } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "fact_too_large",
            e.to_string(),
        )
        .with_field("lines"),
        e => ApiError::internal(e),
    }
}

/// 409: the client reused a sale id for a different basket.
fn sale_id_conflict(id: pos_shared::SaleId) -> ApiError {
    ApiError::conflict(
        "id_conflict",
        format!(
            "sale {id} is already recorded with other lines or tenders; a new sale needs a new sale_id"
        ),
    )
    .with_field("sale_id")
}

async fn product_by_barcode(
    State(app): State<AgentState>,
    Path(raw): Path<String>,
) -> Result<Json<ProductView>, ApiError> {
    let barcode = Gtin::parse(&raw).map_err(|e| {
        ApiError::bad_request("invalid_barcode", e.to_string()).with_field("barcode")
    })?;
    let lookup = barcode.clone();
    match app
        .store
        .call(move |c| catalog::product_by_barcode(c, &lookup))
        .await?
    {
        Some(p) => Ok(Json(p)),
        None => Err(ApiError::not_found(
            "unknown_barcode",
            format!(
                "no product with barcode {} in this store's catalog",
                raw.trim()
            ),
        )
        .with_field("barcode")),
    }
}

/// Type-ahead product search over the local replica: `q` (words, matched as
/// prefixes), `limit` (1–100, default 20).
async fn search_products(
    State(app): State<AgentState>,
    axum::extract::Query(query): axum::extract::Query<std::collections::BTreeMap<String, String>>,
) -> Result<Json<Vec<ProductView>>, ApiError> {
    if let Some(key) = query.keys().find(|k| !["q", "limit"].contains(&k.as_str())) {
        return Err(ApiError::invalid(
            key.clone(),
            format!("{key} is not a search parameter; use q and limit"),
        ));
    }
    let typed = query
        .get("q")
        .ok_or_else(|| ApiError::invalid("q", "q, the text to search for, is missing"))?
        .clone();
    if typed.chars().count() > 100 {
        return Err(ApiError::invalid("q", "q is longer than 100 characters"));
    }
    let limit = pos_shared::http::limit_text(query.get("limit").map(String::as_str), 20, 100)?;
    Ok(Json(
        app.store
            .call(move |c| catalog::search(c, &typed, limit))
            .await?,
    ))
}

/// The category tree, parents before children.
async fn categories(
    State(app): State<AgentState>,
) -> Result<Json<Vec<pos_shared::catalog::CategoryRecord>>, ApiError> {
    Ok(Json(
        app.store
            .call(|c| crate::store::categories::tree(c))
            .await?,
    ))
}

/// The quick-key grid: one page per category with keyed items.
async fn quick_keys(
    State(app): State<AgentState>,
) -> Result<Json<Vec<crate::store::categories::QuickKeyPage>>, ApiError> {
    Ok(Json(
        app.store
            .call(|c| crate::store::categories::quick_keys(c))
            .await?,
    ))
}

/// Fills in who is at the till and checks a senior's approval, as a sale and
/// its quote both need.
async fn authorize_request(
    app: &AgentState,
    request: &mut sales::SaleRequest,
) -> Result<(), ApiError> {
    let signed_in = app.session.current();
    request.cashier_role = signed_in.as_ref().map(|s| s.role);
    request.cashier = signed_in.map(|s| pos_shared::sale::SaleCashier {
        staff_id: s.staff_id,
        name: s.name,
    });
    if app.sale_policy.require_sign_in && request.cashier.is_none() {
        return Err(ApiError::unauthorized(
            "sign in with your code and PIN before ringing up a sale",
        ));
    }
    if let Some(approval) = &request.approval {
        request.approver = Some(crate::session::check_approval(app, approval).await?);
    }
    Ok(())
}

fn sale_rejection(rejection: SaleRejection) -> ApiError {
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

/// Prices a bill exactly as a sale would (lines, discounts and their
/// approval, GST, cash rounding) without recording anything: the tender
/// screen's amount due. Tenders in the request are ignored.
async fn quote_sale(
    State(app): State<AgentState>,
    JsonBody(mut request): JsonBody<sales::SaleRequest>,
) -> Result<Json<crate::store::sale_pricing::SaleQuote>, ApiError> {
    sales::precheck(&request).map_err(sale_rejection)?;
    authorize_request(&app, &mut request).await?;
    let policy = app.sale_policy.clone();
    app.store
        .call(move |c| crate::store::sale_pricing::quote(c, &policy, &request))
        .await?
        .map(Json)
        .map_err(sale_rejection)
}

async fn create_sale(
    State(app): State<AgentState>,
    JsonBody(mut request): JsonBody<sales::SaleRequest>,
) -> Result<(StatusCode, axum::http::HeaderMap, Json<SaleFact>), ApiError> {
    request.fingerprint = Some(sales::fingerprint(&request));
    sales::precheck(&request).map_err(sale_rejection)?;
    authorize_request(&app, &mut request).await?;
    // A retry of a recorded sale is answered before any card is charged again.
    let probe = request.clone();
    match app
        .store
        .call(move |c| sales::existing_sale(c, &probe))
        .await?
    {
        Some(SaleResult::Existing(sale)) => {
            return Ok((StatusCode::OK, Default::default(), Json(sale)))
        }
        Some(SaleResult::IdConflict(id)) => return Err(sale_id_conflict(id)),
        _ => {}
    }
    let Some(device) = app.sync.credential() else {
        return Err(ApiError::conflict(
            "not_enrolled",
            "this terminal is not enrolled with the hub yet, so it cannot number receipts",
        ));
    };
    // Card and UPI go through the payment terminal before the sale commits.
    for (i, t) in request.tenders.iter_mut().enumerate() {
        if t.method == pos_shared::sale::TenderMethod::Cash {
            continue;
        }
        let asked = crate::payment::PaymentRequest {
            method: t.method,
            amount: t.amount,
            reference: t.reference.as_deref(),
        };
        match app.payments.take(&asked) {
            Ok(taken) => t.reference = Some(taken.reference),
            Err(crate::payment::PaymentError::Declined(why)) => {
                return Err(ApiError::invalid(format!("tenders[{i}].reference"), why))
            }
            Err(e @ crate::payment::PaymentError::Unavailable(_)) => {
                return Err(ApiError::unavailable(e.to_string()))
            }
        }
    }
    let policy = app.sale_policy.clone();
    let result = app
        .store
        .call(move |c| sales::record_sale(c, &device, &policy, &request))
        .await?;
    match result {
        SaleResult::Recorded(sale, warnings) => {
            app.sync.nudge.notify_one();
            app.sync.notify_changed();
            // The sale is committed; its receipt is queued after it and a
            // printing problem is the print queue's to report, not the sale's.
            let terminal = app.sync.credential().map(|c| c.terminal_name);
            if let Err(e) = app
                .printers
                .queue_receipt(&sale, terminal.as_deref(), Purpose::Receipt, None)
                .await
            {
                tracing::error!(sale = %sale.sale_id, error = %e, "receipt not queued");
            }
            // Stock warnings (policy `warn`) ride along as headers: the sale
            // itself is the same fact either way.
            let mut headers = axum::http::HeaderMap::new();
            for w in warnings {
                if let Ok(v) = axum::http::HeaderValue::from_bytes(w.as_bytes()) {
                    headers.append("x-stock-warning", v);
                }
            }
            Ok((StatusCode::CREATED, headers, Json(sale)))
        }
        SaleResult::Existing(sale) => Ok((StatusCode::OK, Default::default(), Json(sale))),
        SaleResult::IdConflict(id) => Err(sale_id_conflict(id)),
        SaleResult::Rejected(rejection) => Err(sale_rejection(rejection)),
    }
}

/// What `GET /v1/sync/status` answers and the `sync_status` event carries.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Serialize)]
pub(crate) struct SyncStatus {
    enrolled: bool,
    store_id: Option<StoreId>,
    terminal_id: Option<TerminalId>,
    terminal_name: Option<String>,
    hub_url: String,
    /// `online`, `offline`, `degraded`, `stalled` or `revoked`.
    state: crate::sync::SyncState,
    #[serde(flatten)]
    link: LinkStatus,
    #[serde(flatten)]
    queue: OutboxCounts,
}

async fn current_status(app: &AgentState) -> Result<SyncStatus, ApiError> {
    let queue = app.store.call(|c| outbox::counts(c)).await?;
    let credential = app.sync.credential();
    let mut link = app.sync.link();
    let state = link.state(queue.oldest_unsent_at, app.sync.stall_after());
    link.online = state == crate::sync::SyncState::Online;
    Ok(SyncStatus {
        enrolled: credential.is_some(),
        store_id: credential.as_ref().map(|c| c.store_id),
        terminal_id: credential.as_ref().map(|c| c.terminal_id),
        terminal_name: credential.map(|c| c.terminal_name),
        hub_url: app.hub_url.clone(),
        state,
        link,
        queue,
    })
}

async fn sync_status(State(app): State<AgentState>) -> Result<Json<SyncStatus>, ApiError> {
    Ok(Json(current_status(&app).await?))
}

/// Live events for the UI (server-sent events): `sync_status` now and whenever
/// the link, the queue or the feed position changes; `scan` for every scan from
/// any scanner.
async fn events(
    State(app): State<AgentState>,
) -> Sse<impl futures_util::Stream<Item = Result<Event, std::convert::Infallible>>> {
    let mut changes = app.sync.changed.subscribe();
    changes.borrow_and_update();
    let scans = app.scans.subscribe();
    let stream = futures_util::stream::unfold(
        (app, changes, scans, true),
        |(app, mut changes, mut scans, first)| async move {
            let event = if first {
                status_event(&app).await
            } else {
                tokio::select! {
                    changed = changes.changed() => {
                        changed.ok()?;
                        status_event(&app).await
                    }
                    scan = scans.recv() => match scan {
                        Ok(scan) => json_event("scan", &scan),
                        // A slow reader missed some scans: say so rather than stop.
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                            Event::default().event("scans_missed").data(n.to_string())
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    },
                }
            };
            Some((Ok(event), (app, changes, scans, false)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn json_event(name: &str, value: &impl Serialize) -> Event {
    Event::default()
        .event(name)
        .json_data(value)
        .unwrap_or_else(|e| Event::default().event("error").data(e.to_string()))
}

async fn status_event(app: &AgentState) -> Event {
    match current_status(app).await {
        Ok(status) => json_event("sync_status", &status),
        Err(e) => Event::default().event("error").data(e.detail),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyboardScan {
    /// What the keyboard-wedge scanner typed, without the final Enter.
    text: String,
}

/// A scan from a keyboard-wedge scanner, forwarded by the UI (which recognises
/// fast keystroke bursts ending in Enter); it joins the one scan stream.
async fn keyboard_scan(
    State(app): State<AgentState>,
    JsonBody(scan): JsonBody<KeyboardScan>,
) -> Result<(StatusCode, Json<crate::scan::ScanEvent>), ApiError> {
    let event = app
        .scans
        .publish("keyboard", scan.text.as_bytes())
        .map_err(|e| ApiError::invalid("text", e.to_string()))?;
    Ok((StatusCode::ACCEPTED, Json(event)))
}

/// Facts the hub refused for good, with its reasons, for a supervisor to review.
async fn quarantine(
    State(app): State<AgentState>,
) -> Result<Json<Vec<outbox::QuarantinedFact>>, ApiError> {
    Ok(Json(app.store.call(|c| outbox::quarantined(c)).await?))
}

/// The store's item state (unavailable items, shelves, notes) as this till knows it.
async fn item_states(
    State(app): State<AgentState>,
) -> Result<Json<std::collections::BTreeMap<String, item_state::ItemState>>, ApiError> {
    Ok(Json(app.store.call(|c| item_state::all(c)).await?))
}

/// Edits one item's state; works offline and merges with other tills' edits.
async fn edit_item_state(
    State(app): State<AgentState>,
    Path(raw): Path<String>,
    JsonBody(patch): JsonBody<item_state::ItemStatePatch>,
) -> Result<Json<item_state::ItemState>, ApiError> {
    let barcode = Gtin::parse(&raw).map_err(|e| {
        ApiError::bad_request("invalid_barcode", e.to_string()).with_field("barcode")
    })?;
    patch
        .validate()
        .map_err(|(field, detail)| ApiError::invalid(field, detail))?;
    let state = app
        .store
        .call(move |c| item_state::edit(c, &barcode, &patch))
        .await?;
    app.sync.docs_nudge.notify_one();
    Ok(Json(state))
}

/// The till's devices and their state (connected, last error, counts).
async fn devices(
    State(app): State<AgentState>,
) -> Json<std::collections::BTreeMap<String, crate::serial_scanner::DeviceStatus>> {
    Json(app.devices.all())
}
