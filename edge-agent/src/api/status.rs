//! What the till knows of its link to the hub: the sync status, the live
//! event stream (status changes and scans, each scan with the item it names) and the facts the hub refused.

use super::AgentState;
use crate::devices::scan::ScanEvent;
use crate::store::{outbox, OutboxCounts};
use crate::sync::{LinkStatus, SyncState};
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::{Json, Router};
use pos_shared::http::ApiError;
use pos_shared::{StoreId, TerminalId};
use serde::Serialize;

pub fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/sync/status", get(sync_status))
        .route("/v1/events", get(events))
        .route("/v1/sync/quarantine", get(quarantine))
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
    pub(super) state: SyncState,
    #[serde(flatten)]
    pub(super) link: LinkStatus,
    #[serde(flatten)]
    pub(super) queue: OutboxCounts,
    /// E-receipts (WhatsApp, SMS) queued and not yet sent.
    pub(super) receipts_unsent: u64,
    /// True while the search index is rebuilt after a snapshot (a second or
    /// so for 100,000 items): the till sells, scans and looks up barcodes
    /// meanwhile, but type-ahead search may miss items until it is false.
    pub(super) search_indexing: bool,
    /// The store as HQ keeps it (name, GSTIN, status), once the hub has said.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub(super) store: Option<pos_shared::sync::StoreProfile>,
}

pub(super) async fn current_status(app: &AgentState) -> Result<SyncStatus, ApiError> {
    let (queue, receipts_unsent, search_indexing, store) = app
        .till
        .store
        .call(|c| {
            Ok((
                outbox::counts(c)?,
                crate::store::e_receipts::unsent_count(c)?,
                crate::store::search_index::rebuilding(c)?,
                crate::store::store_profile::get(c)?,
            ))
        })
        .await?;
    let credential = app.till.sync.credential();
    let mut link = app.till.sync.link();
    let state = link.state(queue.oldest_unsent_at, app.till.sync.stall_after());
    link.online = state == SyncState::Online;
    Ok(SyncStatus {
        enrolled: credential.is_some(),
        store_id: credential.as_ref().map(|c| c.store_id),
        terminal_id: credential.as_ref().map(|c| c.terminal_id),
        terminal_name: credential.map(|c| c.terminal_name),
        hub_url: app.hub_url.clone(),
        state,
        link,
        queue,
        receipts_unsent,
        search_indexing,
        store,
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
    let mut changes = app.till.sync.changed.subscribe();
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
                        Ok(scan) => json_event("scan", &resolved(&app, scan).await),
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

/// A scan with the item it names (or why none), for the cashier's screen.
async fn resolved(app: &AgentState, mut scan: ScanEvent) -> ScanEvent {
    let Some(code) = scan.code.clone() else {
        return scan;
    };
    match super::catalog::product_for(app, &code).await {
        Ok(Some(product)) => scan.product = Some(product),
        Ok(None) => {
            scan.problem = Some(format!(
                "No item with barcode {} in this store",
                scan.text.trim().replace('\u{1d}', "<GS>")
            ))
        }
        Err(e) => scan.problem = Some(e.detail),
    }
    scan
}

async fn status_event(app: &AgentState) -> Event {
    match current_status(app).await {
        Ok(status) => json_event("sync_status", &status),
        Err(e) => Event::default().event("error").data(e.detail),
    }
}

/// Facts the hub refused for good, with its reasons, for a supervisor to review.
async fn quarantine(
    State(app): State<AgentState>,
) -> Result<Json<Vec<outbox::QuarantinedFact>>, ApiError> {
    Ok(Json(app.till.store.call(|c| outbox::quarantined(c)).await?))
}
