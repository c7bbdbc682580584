//! The device side: enrollment, the change feed and outbox intake.
//!
//! Intake answers per fact. A fact the hub refuses for good (wrong store, numbers
//! that do not add up, unknown variant) is answered `rejected` with its reason and
//! never blocks the facts behind it; only a failure of the hub itself fails the
//! request, which the terminal retries.

use super::openapi::{NotFound, Refused};
use super::{query_error, AppState};
use crate::auth::{hash_secret, new_secret, normalize_code, Device};
use crate::domain::stores::{DeviceIdentity, TerminalReport};
use crate::domain::sync::FactStored;
use crate::storage::DbError;
use crate::{relay, snapshot};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use pos_shared::http::{parse_json, ApiError, JsonBody};
use pos_shared::sync::{
    check_protocol, DeviceCredential, DocPurpose, EnrollRequest, Fact, FactOutcome, FactResult,
    FeedPage, UploadAck, ORDERS_PROTOCOL, PROTOCOL_HEADER, PROTOCOL_VERSION, SNAPSHOT_SEQ_HEADER,
    TRANSFER_PROTOCOL,
};
use pos_shared::Envelope;
use serde::Deserialize;
use std::time::Duration;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use pos_shared::limits::{MAX_UPLOAD_BYTES, MAX_UPLOAD_FACTS};
const DEFAULT_FEED_LIMIT: u32 = 500;
const MAX_FEED_LIMIT: u32 = 5000;
const MAX_FEED_WAIT_SECS: u64 = 60;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(enroll))
        .routes(routes!(feed))
        // Uploads are bounded by the limit tills pack their batches to.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload))
                .layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .routes(routes!(sync_document))
        .routes(routes!(snapshot))
}

/// Exchanges a terminal's one-time enrollment code for its credential.
#[utoipa::path(
    post, path = "/v1/enroll", tag = "sync",
    request_body = EnrollRequest,
    responses(
        (status = 200, description = "OK", body = DeviceCredential), Refused, NotFound,
        (status = 410, description = "HQ revoked the code's terminal: ask for a new terminal's code", body = pos_shared::problem::Problem),
    )
)]
async fn enroll(
    State(app): State<AppState>,
    JsonBody(body): JsonBody<EnrollRequest>,
) -> Result<Json<DeviceCredential>, ApiError> {
    let code = normalize_code(&body.code);
    if code.is_empty() {
        return Err(ApiError::invalid("code", "the enrollment code is empty"));
    }
    let token = new_secret("dev");
    let device = match app
        .storage
        .enroll_terminal(
            &hash_secret(&code),
            &hash_secret(&token),
            body.install_id,
            body.was,
        )
        .await
    {
        Ok(device) => device,
        Err(DbError::NotFound(_)) => {
            return Err(ApiError::not_found(
                "unknown_enrollment_code",
                "the enrollment code is unknown or was already used; ask HQ for a new one",
            )
            .with_field("code"))
        }
        // The one refusal of the code itself that is not "unknown": its
        // terminal was revoked.
        Err(DbError::State {
            field: "code",
            detail,
        }) => {
            return Err(
                ApiError::new(StatusCode::GONE, "terminal_revoked", detail).with_field("code")
            )
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(terminal = %device.terminal_id, agent_version = %body.agent_version, "terminal enrolled");
    Ok(Json(DeviceCredential {
        tenant_id: device.tenant_id,
        store_id: device.store_id,
        terminal_id: device.terminal_id,
        terminal_name: device.terminal_name,
        receipt_prefix: device.receipt_prefix,
        token,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct FeedQuery {
    /// The last sequence the terminal applied.
    #[param(maximum = 9223372036854775807_u64)]
    since: u64,
    /// The `cursor_mark` of the page that gave `since`: the hub answers 410
    /// `feed_diverged` when the change at `since` is no longer that one.
    mark: Option<i64>,
    /// At most this many changes (1 to 5000, 500 by default).
    #[param(minimum = 1, maximum = 5000)]
    limit: Option<u32>,
    /// Seconds to hold the request open when there is nothing new (long-poll), at most 60.
    #[serde(default)]
    #[param(maximum = 60)]
    wait: u64,
    /// The terminal's protocol version.
    #[serde(default = "current_protocol")]
    #[param(minimum = 11, maximum = 13)]
    v: u16,
    /// The terminal's outbox depth, for HQ's sync status.
    queue: Option<u64>,
    /// How old the terminal's oldest unsent fact is, in seconds (by its own
    /// clock, so the hub never compares two clocks).
    oldest: Option<u64>,
    /// Facts the terminal holds in quarantine.
    quarantined: Option<u64>,
    /// The agent's version, for HQ's sync status: at most 40 printable characters.
    #[param(pattern = "^[!-~]{0,40}$")]
    agent: Option<String>,
    /// The last fact the hub acknowledged to this terminal (with
    /// `acked_type`, its type): the hub answers 410 `facts_lost` when it no
    /// longer holds it, its database restored from a copy older than the
    /// acknowledgement, and the till sends again what it acknowledged lately.
    acked: Option<Uuid>,
    /// The type of the `acked` fact (`pos.sale.completed`, …).
    #[param(pattern = "^[a-z._]{1,100}$")]
    acked_type: Option<String>,
}

fn current_protocol() -> u16 {
    PROTOCOL_VERSION
}

/// Serves changes after `since`; with `wait`, holds the request until a change
/// commits or the wait runs out, so terminals hear of changes at once without
/// polling.
#[utoipa::path(
    get, path = "/v1/sync/feed", tag = "sync", security(("device_token" = [])),
    params(FeedQuery),
    responses(
        (status = 200, description = "OK", body = FeedPage), Refused,
        (status = 410, description = "`since` is older than the feed keeps (`cursor_expired`), past its head because the hub's database is older than the till's (`cursor_ahead`), or its change is not the one `mark` names (`feed_diverged`, restored and written on since): bootstrap from a snapshot; the hub does not hold the `acked` fact (`facts_lost`): send again what it acknowledged lately", body = pos_shared::problem::Problem),
    )
)]
async fn feed(
    State(app): State<AppState>,
    Device(device): Device,
    query: Result<Query<FeedQuery>, QueryRejection>,
) -> Result<Json<FeedPage>, ApiError> {
    let Query(q) = query.map_err(query_error)?;
    // Positions are stored as signed 64-bit numbers: a larger one was never
    // given out.
    if i64::try_from(q.since).is_err() {
        return Err(ApiError::invalid(
            "since",
            format!(
                "since {} is past any feed position (at most {})",
                q.since,
                i64::MAX
            ),
        ));
    }
    check_protocol(q.v)
        .map_err(|e| ApiError::bad_request("unsupported_protocol", e).with_field("v"))?;
    let limit = pos_shared::http::limit(q.limit, DEFAULT_FEED_LIMIT, MAX_FEED_LIMIT)?;
    if q.wait > MAX_FEED_WAIT_SECS {
        return Err(ApiError::invalid(
            "wait",
            format!("wait must be at most {MAX_FEED_WAIT_SECS} seconds"),
        ));
    }
    let agent_version = match q.agent {
        Some(a) if a.len() > 40 || !a.chars().all(|c| c.is_ascii_graphic()) => {
            return Err(ApiError::invalid(
                "agent",
                "agent must be a version of at most 40 printable characters",
            ))
        }
        other => other,
    };
    let (queued, quarantined) = (q.queue, q.quarantined);
    let report = TerminalReport {
        cursor: q.since,
        queue_depth: q.queue,
        oldest_unsent_at: q.oldest.map(|age| {
            let age_ms = i64::try_from(age.saturating_mul(1000)).unwrap_or(i64::MAX);
            pos_shared::Timestamp::from_unix_millis(
                pos_shared::Timestamp::now()
                    .unix_millis()
                    .saturating_sub(age_ms),
            )
        }),
        quarantined: q.quarantined,
        agent_version,
        protocol_version: q.v,
    };
    app.terminal_reports
        .record(&app.storage, &device, report)
        .await?;
    check_acked(&app, &device, q.acked, q.acked_type.as_deref()).await?;

    // Subscribe before the first read, so a commit between the read and the wait
    // still wakes us.
    let store_feed = app.feed_waker.watch(device.tenant_id, device.store_id);
    let mut moved = store_feed.subscribe();
    moved.borrow_and_update();
    // HQ revoking this terminal while it waits ends the wait with a 401.
    let mut revocations = store_feed.revocations();
    let revoked_at = |r: &mut tokio::sync::watch::Receiver<_>| {
        let revoked: &std::collections::HashMap<_, _> = &r.borrow_and_update();
        revoked.get(&device.terminal_id).copied()
    };
    let mut closing = app.closing.subscribe();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(q.wait);
    // The terminal's place is checked once, here: the history cannot
    // change under a waiting request, short of the hub being restored.
    let mut page = std::sync::Arc::new(
        app.storage
            .feed_after_mark(device.tenant_id, device.store_id, q.since, q.mark, limit)
            .await?,
    );
    app.metrics.terminal(
        &device,
        crate::metrics::TerminalFigures {
            behind: page.changes.len() as u64,
            queued,
            quarantined,
        },
    );
    loop {
        // Looked at before any page is served: a change that woke this
        // terminal after HQ revoked it is not its to read.
        if let Some(at) = revoked_at(&mut revocations) {
            return Err(crate::auth::revoked_credential(at));
        }
        if !page.changes.is_empty() || *closing.borrow_and_update() {
            break;
        }
        app.feed_waker
            .waiting_from(device.tenant_id, page.next_cursor);
        tokio::select! {
            woke = tokio::time::timeout_at(deadline, moved.changed()) => {
                if !matches!(woke, Ok(Ok(()))) {
                    break;
                }
            }
            _ = closing.changed() => break,
            // Another of the store's terminals, or this one: looked at above.
            Ok(()) = revocations.changed() => continue,
        }
        // The store's terminals woke together: one of them reads, the rest
        // are served its page.
        let announced = *moved.borrow_and_update();
        page = store_feed
            .page(
                announced,
                q.since,
                limit,
                app.storage
                    .feed(device.tenant_id, device.store_id, q.since, limit),
            )
            .await?;
    }
    let page = std::sync::Arc::unwrap_or_clone(page);
    Ok(Json(for_version(page, q.v)))
}

/// Refuses the feed to a terminal whose last acknowledged fact the hub no
/// longer holds: what it acknowledged since that fact's copy was taken is
/// lost here, and only the till can send it again. Its feed cursor may
/// still be sound (a till that sold and uploaded while its long-poll was
/// down), so this is the one sign it gets.
async fn check_acked(
    app: &AppState,
    device: &DeviceIdentity,
    acked: Option<Uuid>,
    acked_type: Option<&str>,
) -> Result<(), ApiError> {
    let (acked, kind) = match (acked, acked_type) {
        (None, None) => return Ok(()),
        (Some(acked), Some(kind)) => (acked, kind),
        (Some(_), None) => {
            return Err(ApiError::invalid(
                "acked_type",
                "acked_type names the type of the acked fact (pos.sale.completed, …)",
            ))
        }
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "acked",
                "acked_type goes with acked, the id of the fact",
            ))
        }
    };
    match app.storage.holds_fact(device, kind, acked).await? {
        None => Err(ApiError::invalid(
            "acked_type",
            format!("{kind} is not the type of a fact tills upload"),
        )),
        Some(false) => Err(ApiError::new(
            StatusCode::GONE,
            "facts_lost",
            format!(
                "this hub does not hold fact {acked} ({kind}), which it acknowledged to this \
                 terminal: its data is older than the till's (restored from an earlier copy?); \
                 send again what it acknowledged lately"
            ),
        )
        .with_field("acked")),
        Some(true) => Ok(()),
    }
}

/// A feed page as a terminal speaking protocol `v` can read it: older
/// terminals skip what they do not know, and their cursor still moves past it.
fn for_version(mut page: FeedPage, v: u16) -> FeedPage {
    if v < ORDERS_PROTOCOL {
        page.changes
            .retain(|c| !matches!(c.body, pos_shared::sync::ChangeBody::OrderChanged(_)));
    }
    if v < pos_shared::sync::ITEM_AT_STORE_PROTOCOL {
        page.changes
            .retain(|c| !matches!(c.body, pos_shared::sync::ChangeBody::ItemAtStore(_)));
    }
    if v < pos_shared::sync::PURCHASE_PROTOCOL {
        page.changes.retain(|c| {
            !matches!(
                c.body,
                pos_shared::sync::ChangeBody::PurchaseOrderChanged(_)
                    | pos_shared::sync::ChangeBody::StoreProfile(_)
            )
        });
    }
    if v < pos_shared::sync::CREDIT_PROTOCOL {
        page.changes.retain(|c| {
            !matches!(
                c.body,
                pos_shared::sync::ChangeBody::CreditAccountChanged(_)
            )
        });
    }
    if v < pos_shared::sync::STORE_TRANSFER_PROTOCOL {
        page.changes.retain(|c| {
            !matches!(
                c.body,
                pos_shared::sync::ChangeBody::TransferRequested(_)
                    | pos_shared::sync::ChangeBody::TransferChanged(_)
            )
        });
    }
    if v < pos_shared::sync::LOYALTY_PROTOCOL {
        page.changes.retain(|c| {
            !matches!(
                c.body,
                pos_shared::sync::ChangeBody::LoyaltyRulesChanged(_)
                    | pos_shared::sync::ChangeBody::LoyaltyAccountChanged(_)
                    | pos_shared::sync::ChangeBody::CustomerChanged(_)
            )
        });
    }
    page.changes.retain(|c| match c.body {
        pos_shared::sync::ChangeBody::DocumentChanged { purpose } => v >= purpose.since_protocol(),
        _ => true,
    });
    if v < TRANSFER_PROTOCOL {
        for change in &mut page.changes {
            if let pos_shared::sync::ChangeBody::StockMoved(m) = &mut change.body {
                m.reason = m.reason.for_protocol(v);
            }
        }
    }
    page.protocol_version = v;
    page
}

/// Facts arrive as raw JSON so that one malformed fact is rejected on its own
/// instead of failing the whole batch.
#[derive(Deserialize)]
struct RawUploadBatch {
    protocol_version: u16,
    facts: Vec<serde_json::Value>,
}

/// Takes a batch of the terminal's facts (sales, returns, movements, shifts,
/// audit); each is acknowledged or rejected on its own, and a fact sent twice
/// counts once.
#[utoipa::path(
    post, path = "/v1/sync/outbox", tag = "sync", security(("device_token" = [])),
    request_body = pos_shared::sync::UploadBatch,
    responses(
        (status = 200, description = "OK", body = UploadAck), Refused,
        (status = 413, description = "The body is over the upload limit (`MAX_UPLOAD_BYTES`, 4 MiB): send fewer facts at a time", body = pos_shared::problem::Problem),
        (status = 415, description = "The body was not sent with `Content-Type: application/json`", body = pos_shared::problem::Problem),
    )
)]
async fn upload(
    State(app): State<AppState>,
    Device(device): Device,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<UploadAck>, ApiError> {
    pos_shared::http::require_json(&headers)?;
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("an upload takes at most {MAX_UPLOAD_BYTES} bytes; send fewer facts at a time"),
        )
        .with_field("facts"),
        _ => ApiError::bad_request("unreadable_body", e.body_text()),
    })?;
    let batch: RawUploadBatch = parse_json(&body)?;
    check_protocol(batch.protocol_version).map_err(|e| {
        ApiError::bad_request("unsupported_protocol", e).with_field("protocol_version")
    })?;
    if batch.facts.len() > MAX_UPLOAD_FACTS {
        return Err(ApiError::invalid(
            "facts",
            format!(
                "at most {MAX_UPLOAD_FACTS} facts per upload, got {}",
                batch.facts.len()
            ),
        ));
    }
    // Check every fact first; those that pass are stored together, each in a
    // savepoint of one transaction, so one bad fact never holds up the rest.
    let mut results: Vec<(Uuid, Option<FactOutcome>)> = Vec::with_capacity(batch.facts.len());
    let mut to_store: Vec<(Envelope<Fact>, String)> = Vec::new();
    for (i, raw) in batch.facts.into_iter().enumerate() {
        if !raw.is_object() {
            return Err(ApiError::invalid(
                format!("facts[{i}]"),
                format!("facts[{i}] is not a JSON object: each fact is one"),
            ));
        }
        let event_id = raw
            .get("event_id")
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<Uuid>().ok())
            .ok_or_else(|| {
                ApiError::invalid(
                    format!("facts[{i}].event_id"),
                    format!("facts[{i}] has no valid event_id"),
                )
            })?;
        let checked =
            super::fact_reading::read_fact(&raw).and_then(|envelope| check_fact(&device, envelope));
        match checked {
            Ok(envelope) => {
                let raw = serde_json::to_string(&envelope).map_err(ApiError::internal)?;
                to_store.push((envelope, raw));
                results.push((event_id, None));
            }
            Err(reason) => results.push((event_id, Some(FactOutcome::Rejected { reason }))),
        }
    }
    let stored = app
        .storage
        .accept_facts(&device, &to_store)
        .await
        .map_err(|e| {
            ApiError::unavailable(format!("the hub could not store the sales now: {e}"))
        })?;
    // Storage may answer for a prefix only (it stops when an upload has taken
    // its time): the facts past it get no result, so the till keeps them
    // queued and sends them again, never quarantined for the hub's pace.
    use crate::metrics::FactFate;
    let mut stored = stored.into_iter();
    let results = results
        .into_iter()
        .filter_map(|(event_id, outcome)| {
            let outcome = match outcome {
                Some(refused) => refused,
                None => match stored.next().or_else(|| {
                    app.metrics.fact(FactFate::Deferred);
                    None
                })? {
                    FactStored::Accepted => FactOutcome::Accepted,
                    FactStored::Duplicate => FactOutcome::Duplicate,
                    FactStored::Rejected(reason) => FactOutcome::Rejected { reason },
                },
            };
            app.metrics.fact(match &outcome {
                FactOutcome::Accepted => FactFate::Accepted,
                FactOutcome::Duplicate => FactFate::Duplicate,
                FactOutcome::Rejected { .. } => FactFate::Rejected,
            });
            if let FactOutcome::Rejected { reason } = &outcome {
                tracing::warn!(terminal = %device.terminal_id, %event_id, %reason, "fact rejected");
            }
            Some(FactResult { event_id, outcome })
        })
        .collect();
    Ok(Json(UploadAck { results }))
}

/// Checks one fact against the device's identity and its own arithmetic
/// (the rule both ends share); the reason says what is wrong.
fn check_fact(device: &DeviceIdentity, envelope: Envelope<Fact>) -> Result<Envelope<Fact>, String> {
    let origin = pos_shared::fact_rules::Origin {
        tenant_id: device.tenant_id,
        store_id: device.store_id,
        terminal_id: device.terminal_id,
    };
    pos_shared::fact_rules::check_origin(&envelope, &origin)?;
    Ok(envelope)
}

/// Parses a document purpose from the path, listing the known ones when wrong.
pub(crate) fn doc_purpose(raw: &str) -> Result<DocPurpose, ApiError> {
    DocPurpose::parse(raw).ok_or_else(|| {
        let known: Vec<&str> = DocPurpose::ALL.iter().map(|p| p.as_str()).collect();
        ApiError::not_found(
            "unknown_document",
            format!("no document {raw:?}; documents are {}", known.join(", ")),
        )
        .with_field("purpose")
    })
}

/// One step of Automerge's sync protocol for one of the store's documents: the
/// body is the terminal's message (or empty), the answer the hub's (or 204 when
/// it has nothing to say).
#[utoipa::path(
    post, path = "/v1/sync/docs/{purpose}", tag = "sync", security(("device_token" = [])),
    params(("purpose" = String, Path, description = "The document's purpose")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "An Automerge sync message, or empty"),
    responses(
        (status = 200, description = "The hub's sync message", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 204, description = "The hub has nothing to send"),
        Refused, NotFound,
        (status = 413, description = "The message is over 2 MB", body = pos_shared::problem::Problem),
    )
)]
async fn sync_document(
    State(app): State<AppState>,
    Device(device): Device,
    raw: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let purpose = doc_purpose(&super::path_text(raw).unwrap_or_default())?;
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("a sync message is at most 2 MB: {}", e.body_text()),
        ),
        _ => ApiError::bad_request("unreadable_body", e.body_text()),
    })?;
    if let Some(v) = headers.get(PROTOCOL_HEADER) {
        let version = v
            .to_str()
            .ok()
            .and_then(|v| v.parse::<u16>().ok())
            .ok_or_else(|| {
                ApiError::bad_request(
                    "unsupported_protocol",
                    format!("{PROTOCOL_HEADER} must be a number"),
                )
            })?;
        check_protocol(version).map_err(|e| ApiError::bad_request("unsupported_protocol", e))?;
    }
    let message = relay::decode_message(&body)
        .map_err(|e| ApiError::bad_request("malformed_sync_message", e))?;
    let reply = app
        .storage
        .exchange_document(&device, purpose, relay::step(message))
        .await?;
    Ok(match reply {
        Some(bytes) => {
            ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response()
        }
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct SnapshotQuery {
    /// Resume the download of the snapshot taken at this sequence.
    seq: Option<u64>,
    /// The terminal's protocol version; version-1 terminals did not send one
    /// (and are no longer served).
    #[param(minimum = 11, maximum = 13)]
    v: Option<u16>,
}

/// The store's catalog and stock at one feed sequence, for a terminal to start
/// from (gzip-compressed JSON lines). Without `seq` a new snapshot is taken (or,
/// for a till that moved no stock, the one another such till of the store was
/// given in the last two minutes) and,
/// from protocol 7, sent as the hub reads it (no Content-Length: the stream's
/// end is the snapshot's end, and a snapshot that fails midway ends the
/// download in an error, never short); with `seq` and a `Range: bytes=N-`
/// header a cut download resumes, with its size.
#[utoipa::path(
    get, path = "/v1/sync/snapshot", tag = "sync", security(("device_token" = [])),
    params(SnapshotQuery, ("Range" = Option<String>, Header, description = "`bytes=N-` to resume a cut download")),
    responses(
        (status = 200, description = "Gzip-compressed JSON lines: a header, then items and positions", content_type = "application/gzip", body = Vec<u8>),
        (status = 206, description = "The rest of the snapshot from the asked offset", content_type = "application/gzip", body = Vec<u8>),
        Refused, NotFound,
        (status = 410, description = "The snapshot at `seq` is no longer kept (or was taken by another hub process): ask for a new one without `seq`", body = pos_shared::problem::Problem),
        (status = 416, description = "The range is past the snapshot's end", body = pos_shared::problem::Problem),
    )
)]
async fn snapshot(
    State(app): State<AppState>,
    Device(device): Device,
    query: Result<Query<SnapshotQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(query_error)?;
    let v = q.v.unwrap_or(1);
    check_protocol(v)
        .map_err(|e| ApiError::bad_request("unsupported_protocol", e).with_field("v"))?;
    let snapshot = match q.seq {
        Some(seq) => app.snapshots.get(device.terminal_id, seq).ok_or_else(|| {
            ApiError::new(
                StatusCode::GONE,
                "snapshot_expired",
                format!("the snapshot at {seq} is no longer kept; ask for a new one without seq"),
            )
            .with_field("seq")
        })?,
        None => {
            snapshot::for_device(
                app.storage.clone(),
                app.snapshots.clone(),
                device.clone(),
                v,
            )
            .await?
        }
    };
    let failed = || {
        ApiError::new(
            StatusCode::GONE,
            "snapshot_expired",
            "the snapshot could not be taken; ask for a new one without seq",
        )
    };
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let seq = header::HeaderValue::from(snapshot.seq);
    // Every protocol a hub serves takes a new snapshot streamed
    // (`STREAMED_SNAPSHOT_PROTOCOL` is at most `OLDEST_SUPPORTED_PROTOCOL`).
    if range.is_none() {
        // Sent as it is written: its size is not known yet, so no length.
        let body = axum::body::Body::from_stream(snapshot.stream_from(0));
        return Ok(snapshot_response(StatusCode::OK, body, seq));
    }
    // A resumed download: the whole, from where it stopped.
    let bytes = snapshot.whole().await.ok_or_else(failed)?;
    let len = bytes.len();
    let start = snapshot::range_start(range, len)
        .map_err(|e| ApiError::new(StatusCode::RANGE_NOT_SATISFIABLE, "bad_range", e))?;
    let status = if range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let mut response = snapshot_response(status, bytes.slice(start..).into(), seq);
    let h = response.headers_mut();
    if range.is_some() {
        let value = format!("bytes {start}-{}/{len}", len - 1);
        h.insert(
            header::CONTENT_RANGE,
            header::HeaderValue::from_str(&value).map_err(ApiError::internal)?,
        );
    }
    Ok(response)
}

/// A snapshot answer's body with the headers every one carries.
fn snapshot_response(
    status: StatusCode,
    body: axum::body::Body,
    seq: header::HeaderValue,
) -> Response {
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/gzip"),
    );
    h.insert(
        header::ACCEPT_RANGES,
        header::HeaderValue::from_static("bytes"),
    );
    h.insert(SNAPSHOT_SEQ_HEADER, seq);
    response
}
