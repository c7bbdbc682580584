//! HQ's view of the event outbox: `GET /v1/events` pages through it, and
//! `GET /v1/events/stream` follows it live as server-sent events (each with
//! its sequence as the SSE id, so a reconnecting client resumes with
//! `Last-Event-ID` and misses nothing).

use super::openapi::{NotFound, Refused};
use super::{query_error, AppState};
use crate::auth::Hq;
use crate::domain::events::{EventPage, EventQuery, HubEvent};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::Stream;
use pos_shared::http::ApiError;
use pos_shared::StoreId;
use serde::Deserialize;
use std::collections::VecDeque;
use std::convert::Infallible;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(stream))
}

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct EventParams {
    /// Events after this `seq`; absent: from the oldest event kept. Taken as
    /// text so that `after=-1` is refused naming `after`.
    #[param(value_type = Option<u64>)]
    after: Option<String>,
    /// The mark of the event at `after` as read (the page's `next_mark`): a
    /// hub whose event there bears another, or whose events end before
    /// `after` (restored from an older copy), answers 409
    /// `events_diverged` with `resume_after`, where to read on.
    mark: Option<i64>,
    /// At most this many (1 to 1000, 100 by default). Taken as text so that
    /// `limit=ten` is refused naming `limit`, like `limit=0`.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// Only this store's events, and chain-wide ones.
    store_id: Option<StoreId>,
    /// A type or the start of one: `inventory.` for every stock event.
    #[serde(rename = "type")]
    #[param(pattern = "^[a-z._]{1,100}$")]
    event_type: Option<String>,
}

/// Checks the parameters; a store filter must name one of the tenant's stores.
async fn checked(app: &AppState, hq: &Hq, p: EventParams) -> Result<EventQuery, ApiError> {
    let limit = pos_shared::http::limit_text(p.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
    let after = pos_shared::http::position_text("after", p.after.as_deref())?;
    if let Some(t) = &p.event_type {
        let ok = !t.is_empty()
            && t.len() <= 100
            && t.bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_');
        if !ok {
            return Err(ApiError::invalid(
                "type",
                "type is an event type or its start: lowercase letters, dots and underscores",
            ));
        }
    }
    match p.store_id {
        Some(store) => {
            app.storage.store(hq.tenant, store).await?;
            hq.check_store(store)?;
        }
        None if hq.grant.limited() => {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "forbidden",
                "this key is limited to some stores: ask for one with store_id",
            )
            .with_field("store_id"));
        }
        None => {}
    }
    if p.mark.is_some() && after.is_none() {
        return Err(ApiError::invalid(
            "mark",
            "mark goes with after, the place it marks",
        ));
    }
    Ok(EventQuery {
        after,
        mark: p.mark,
        limit,
        store: p.store_id,
        type_prefix: p.event_type,
    })
}

/// A page of events in `seq` order, with where to read on and how far the head is.
#[utoipa::path(
    get, path = "/v1/events", operation_id = "list_events", tag = "events", security(("hq" = [])),
    params(EventParams),
    responses(
        (status = 200, description = "OK", body = EventPage),
        Refused, NotFound,
        (status = 409, description = "`after` is before the oldest event kept, or past the newest, or its event is not the one `mark` names (the hub's database is older than what was read)", body = pos_shared::problem::Problem),
    )
)]
async fn list(
    State(app): State<AppState>,
    hq: Hq,
    params: Result<Query<EventParams>, QueryRejection>,
) -> Result<Json<EventPage>, ApiError> {
    let Query(params) = params.map_err(query_error)?;
    let query = checked(&app, &hq, params).await?;
    app.storage
        .events(hq.tenant, &query)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// Where a stream starts: after `Last-Event-ID` (`<seq>:<mark>`, or a bare
/// `seq`) when the client reconnects, else after `after` (and its `mark`).
fn resume_point(headers: &HeaderMap, query: &mut EventQuery) -> Result<(), ApiError> {
    let Some(v) = headers.get("last-event-id") else {
        return Ok(());
    };
    let refused = || {
        ApiError::bad_request(
            "invalid_header",
            "Last-Event-ID must be the id of an event of this stream (`<seq>:<mark>`) or its seq",
        )
        .with_field("Last-Event-ID")
    };
    let text = v.to_str().map_err(|_| refused())?;
    let (seq, mark) = match text.split_once(':') {
        Some((seq, mark)) => (seq, Some(mark.parse::<i64>().map_err(|_| refused())?)),
        None => (text, None),
    };
    query.after = Some(seq.parse().map_err(|_| refused())?);
    query.mark = mark;
    Ok(())
}

fn sse_event(e: &HubEvent) -> Event {
    Event::default()
        .id(format!("{}:{}", e.seq, e.mark))
        .event(e.envelope.event_type.clone())
        .json_data(e)
        .unwrap_or_else(|err| Event::default().event("error").data(err.to_string()))
}

/// One server-sent event of the stream, as it is framed (OpenAPI 3.1 has a
/// `text/event-stream` schema describe each event).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct StreamedEvent {
    /// `<seq>:<mark>` (the mark: when the hub committed the event): a
    /// reconnecting client sends the last as `Last-Event-ID`, and a hub whose
    /// event at that `seq` bears another mark (restored from an older copy)
    /// refuses it, saying where to read on.
    #[schema(pattern = "^[0-9]+:[0-9]+$")]
    id: String,
    /// The event's `event_type`.
    #[schema(min_length = 1)]
    event: String,
    /// The event as JSON: a `HubEvent` (its `seq` and its envelope).
    #[schema(content_media_type = "application/json")]
    data: String,
}

/// The same events as server-sent events, live; each event's SSE id is
/// `<seq>:<mark>`.
#[utoipa::path(
    get, path = "/v1/events/stream", tag = "events", security(("hq" = [])),
    params(
        EventParams,
        ("Last-Event-ID" = Option<String>, Header, pattern = "^[0-9]{1,19}(:[0-9]{1,19})?$", description = "Resume after this event (`<seq>:<mark>`, or a bare `seq`), sent by reconnecting clients"),
    ),
    responses(
        (status = 200, description = "`text/event-stream`: one event per hub event, its data the event as JSON", content_type = "text/event-stream", body = StreamedEvent),
        Refused, NotFound,
        (status = 409, description = "`after` is before the oldest event kept, or past the newest, or its event is not the one `mark` names (the hub's database is older than what was read)", body = pos_shared::problem::Problem),
    )
)]
async fn stream(
    State(app): State<AppState>,
    hq: Hq,
    headers: HeaderMap,
    params: Result<Query<EventParams>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let Query(params) = params.map_err(query_error)?;
    let mut query = checked(&app, &hq, params).await?;
    let resumed = headers.contains_key("last-event-id");
    resume_point(&headers, &mut query)?;
    let changes = app.storage.watch_feed();
    let closing = app.closing.subscribe();
    let tenant = hq.tenant;
    // The first page is read before the stream opens, so a resume point the
    // hub cannot serve (pruned, or past its newest event) is refused, not
    // answered with a stream that never sends.
    let first = app.storage.events(tenant, &query).await.map_err(|e| {
        let e = ApiError::from(e);
        match resumed {
            true => e.with_field("Last-Event-ID"),
            false => e,
        }
    })?;
    query.after = Some(first.next_after);
    query.mark = first.next_mark;
    let state = (app, query, changes, closing, VecDeque::from(first.events));
    let events = futures_util::stream::unfold(
        state,
        move |(app, mut query, mut changes, mut closing, mut pending)| async move {
            loop {
                if let Some(e) = pending.pop_front() {
                    let event = sse_event(&e);
                    return Some((Ok(event), (app, query, changes, closing, pending)));
                }
                if *closing.borrow_and_update() {
                    return None;
                }
                // Seen before reading: a commit after the read wakes the wait below.
                changes.borrow_and_update();
                let page = match app.storage.events(tenant, &query).await {
                    Ok(page) => page,
                    Err(e) => {
                        // The client reconnects with Last-Event-ID and resumes.
                        tracing::warn!(%tenant, "event stream ended: {e}");
                        return None;
                    }
                };
                query.after = Some(page.next_after);
                query.mark = page.next_mark;
                pending.extend(page.events);
                if pending.is_empty() && !page.has_more {
                    tokio::select! {
                        changed = changes.changed() => changed.ok()?,
                        _ = closing.changed() => return None,
                    }
                }
            }
        },
    );
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
