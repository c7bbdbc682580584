//! A seller's bulk feeds and the rows they could not apply:
//! `POST /v1/sources/{source_id}/feeds` takes a `seller` source's catalog
//! as CSV (`text/csv`) or JSON Lines (`application/x-ndjson`), kept chunk
//! by chunk as it streams in (over the hub's limit: 413) and answered 202
//! with its run, which `ingest::seller_worker` applies in the background
//! (`GET /v1/ingestion-runs/{run_id}` shows it move).
//!
//! The review queue: `GET …/review` (`?status=&cursor=&limit=`, oldest
//! first), `POST …/review/{row_id}/resubmit` with the fields to replace
//! (checked and applied at once; 422 naming the field, the row staying
//! pending) and `POST …/review/{row_id}/reject`.

use super::openapi::{NotFound, Refused};
use super::sources::cursor_field;
use super::{query_error, AppState};
use crate::auth::Hq;
use crate::domain::feeds::{FeedFormat, NewFeed, ReviewChange, ReviewRow, ReviewStatus};
use crate::domain::ingestion::{NewRun, RunTrigger, Source, SourceKind};
use crate::ingest::apply::{Applied, Applier};
use crate::ingest::seller::{self, RawRow, RowRules};
use crate::ingest::seller_worker::apply_row;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use futures_util::StreamExt;
use pos_shared::http::{ApiError, JsonBody, NoBody, PathIds};
use pos_shared::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// An upload is kept in chunks of about this many bytes.
const CHUNK_BYTES: usize = 1024 * 1024;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .routes(routes!(review))
        .routes(routes!(resubmit))
        .routes(routes!(reject))
}

#[derive(Serialize, ToSchema)]
struct FeedReceipt {
    /// `queued`: kept, and to be applied in the background.
    status: &'static str,
    feed_id: Uuid,
    /// Its run: `GET /v1/ingestion-runs/{run_id}` shows its counts as it goes.
    run_id: Uuid,
    /// The bytes taken.
    bytes: u64,
    /// Where the rows it refuses will be.
    review_path: String,
}

/// The seller source a path names; any other kind is refused by name.
async fn seller_source(app: &AppState, hq: &Hq, id: Uuid) -> Result<Source, ApiError> {
    let source = app.storage.source(hq.tenant, id).await?;
    if source.kind != SourceKind::Seller {
        return Err(ApiError::invalid(
            "source_id",
            format!(
                "source {} is of kind {}; feeds are a seller's (kind seller)",
                source.code,
                source.kind.as_str()
            ),
        ));
    }
    Ok(source)
}

fn format_of(headers: &HeaderMap) -> Result<FeedFormat, ApiError> {
    let given = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = given
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "text/csv" => Ok(FeedFormat::Csv),
        "application/x-ndjson" | "application/jsonl" | "application/x-jsonlines" => {
            Ok(FeedFormat::Jsonl)
        }
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("a feed is text/csv or application/x-ndjson, not {given:?}"),
        )
        .with_field("content-type")),
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("a feed is at most {limit} bytes; split it into several feeds"),
    )
    .with_field("body")
}

/// Takes a seller's feed, keeps it, and queues it as a run.
#[utoipa::path(
    post, path = "/v1/sources/{source_id}/feeds", operation_id = "upload_seller_feed",
    tag = "ingestion", security(("hq" = [])),
    params(("source_id" = Uuid, Path, description = "A source of kind seller")),
    request_body(content = String, description = "CSV with a header row (text/csv), or JSON Lines (application/x-ndjson), with the columns of hubctl import's catalog file", content_type = "text/csv"),
    responses(
        (status = 202, description = "Kept and queued", body = FeedReceipt),
        (status = 413, description = "Over the hub's limit", body = pos_shared::problem::Problem),
        (status = 415, description = "Neither CSV nor JSON Lines", body = pos_shared::problem::Problem),
        Refused, NotFound
    )
)]
async fn upload(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<FeedReceipt>), ApiError> {
    let source = seller_source(&app, &hq, id).await?;
    if !source.enabled {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "source_disabled",
            format!(
                "source {} is disabled; HQ enables it again with PATCH /v1/sources/{{source_id}}",
                source.code
            ),
        )
        .with_field("source_id"));
    }
    let format = format_of(&headers)?;
    let limit = app.max_feed_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    let feed = NewFeed {
        id: Uuid::now_v7(),
        source: source.id,
        format,
        received_at: Timestamp::now(),
    };
    app.storage.begin_feed(hq.tenant, &feed).await?;
    let bytes = match receive(&app, feed.id, body, limit).await {
        Ok(bytes) => bytes,
        Err(e) => {
            if let Err(dropped) = app.storage.drop_feed(feed.id).await {
                tracing::warn!(feed = %feed.id, error = %dropped, "forgetting a refused upload failed; the sweep will");
            }
            return Err(e);
        }
    };
    let run = app
        .storage
        .queue_feed(
            hq.tenant,
            feed.id,
            bytes,
            &NewRun {
                id: Uuid::now_v7(),
                source: Some(source.id),
                payload: Some(feed.id),
                trigger: RunTrigger::Feed,
                format: seller::FORMAT.to_owned(),
            },
        )
        .await?;
    app.feed_wake.notify_one();
    Ok((
        StatusCode::ACCEPTED,
        Json(FeedReceipt {
            status: "queued",
            feed_id: feed.id,
            run_id: run.id,
            bytes,
            review_path: format!("/v1/sources/{}/review", source.id),
        }),
    ))
}

/// Streams the body into the feed's chunks; how many bytes it had.
async fn receive(app: &AppState, feed: Uuid, body: Body, limit: usize) -> Result<u64, ApiError> {
    let mut stream = body.into_data_stream();
    let mut buffer = Vec::with_capacity(CHUNK_BYTES);
    let mut total: usize = 0;
    let mut seq: u32 = 0;
    while let Some(frame) = stream.next().await {
        let data = frame.map_err(|e| {
            ApiError::bad_request("unreadable_body", format!("the upload was cut off: {e}"))
                .with_field("body")
        })?;
        total = total.saturating_add(data.len());
        if total > limit {
            return Err(too_large(limit));
        }
        buffer.extend_from_slice(&data);
        if buffer.len() >= CHUNK_BYTES {
            app.storage.append_feed_chunk(feed, seq, &buffer).await?;
            seq += 1;
            buffer.clear();
        }
    }
    if !buffer.is_empty() {
        app.storage.append_feed_chunk(feed, seq, &buffer).await?;
    }
    Ok(total as u64)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ReviewParams {
    /// Only rows standing so: `pending`, `superseded` (the same SKU came in a
    /// later feed), `rejected` or `applied`.
    #[param(pattern = "^(pending|superseded|rejected|applied)$")]
    status: Option<String>,
    /// At most this many (1 to 1000, 100 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// The `next_cursor` of the page before.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// A page of rows in review, oldest first.
#[derive(Serialize, ToSchema)]
struct ReviewPage {
    items: Vec<ReviewRow>,
    /// Pass back as `cursor` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// The rows a seller's feeds could not apply, oldest first.
#[utoipa::path(
    get, path = "/v1/sources/{source_id}/review", operation_id = "list_feed_review_rows",
    tag = "ingestion", security(("hq" = [])),
    params(("source_id" = Uuid, Path), ReviewParams),
    responses((status = 200, description = "OK", body = ReviewPage), Refused, NotFound)
)]
async fn review(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    params: Result<Query<ReviewParams>, QueryRejection>,
) -> Result<Json<ReviewPage>, ApiError> {
    let Query(p) = params.map_err(query_error)?;
    let status = p
        .status
        .as_deref()
        .map(|s| {
            ReviewStatus::parse(s).ok_or_else(|| {
                ApiError::invalid(
                    "status",
                    format!("{s:?} is not pending, superseded, rejected or applied"),
                )
            })
        })
        .transpose()?;
    let limit = pos_shared::http::limit_text(p.limit.as_deref(), 100, 1000)?;
    let after = cursor_field(p.cursor.as_deref())?;
    app.storage.source(hq.tenant, id).await?;
    let mut items = app
        .storage
        .review_rows(hq.tenant, id, status, after, limit + 1)
        .await?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_cursor = more
        .then(|| items.last().map(|r| r.id.to_string()))
        .flatten();
    Ok(Json(ReviewPage { items, next_cursor }))
}

/// What a resubmitted row did.
#[derive(Serialize, ToSchema)]
struct Resubmitted {
    /// `changed`: the catalog (or the stock) moved; `unchanged`: it was
    /// already as the row says.
    outcome: &'static str,
    row: ReviewRow,
}

/// Applies a row in review with the fields given replaced (a JSON object of
/// column to value, as a JSON Lines feed has them; `null` empties one).
#[utoipa::path(
    post, path = "/v1/sources/{source_id}/review/{row_id}/resubmit", operation_id = "resubmit_feed_review_row",
    tag = "ingestion", security(("hq" = [])),
    params(("source_id" = Uuid, Path), ("row_id" = Uuid, Path)),
    request_body(content = Object, description = "The fields to replace, such as {\"price\": \"49.50\"}"),
    responses((status = 200, description = "Applied", body = Resubmitted), Refused, NotFound)
)]
async fn resubmit(
    State(app): State<AppState>,
    hq: Hq,
    PathIds((source_id, row_id)): PathIds<(Uuid, Uuid)>,
    JsonBody(fields): JsonBody<serde_json::Map<String, serde_json::Value>>,
) -> Result<Json<Resubmitted>, ApiError> {
    let source = seller_source(&app, &hq, source_id).await?;
    let row = app.storage.review_row(hq.tenant, source_id, row_id).await?;
    if row.status != ReviewStatus::Pending {
        return Err(ApiError::conflict(
            "wrong_state",
            format!(
                "this row is {} already; only a pending row is resubmitted",
                row.status.as_str()
            ),
        )
        .with_field("row_id"));
    }
    let mut cells = row.row.clone();
    for (key, value) in &fields {
        let column = pos_shared::catalog_row::header_name(key);
        if !pos_shared::catalog_row::is_column(&column) {
            return Err(ApiError::invalid(
                key.clone(),
                format!("{key} is not a field of a seller feed"),
            ));
        }
        let text = seller::cell_text(value).ok_or_else(|| {
            ApiError::invalid(
                key.clone(),
                format!("{key} is text, a number, yes/no or a list"),
            )
        })?;
        cells.insert(column, text);
    }
    let raw = RawRow {
        line: row.line,
        cells: cells.clone(),
        unreadable: None,
    };
    let currency = app.storage.tenant_currency(hq.tenant).await?;
    let rules = RowRules {
        currency,
        source: &source,
        as_of: Timestamp::now(),
    };
    let outcome = match seller::check(&raw, rules, None) {
        Err(refused) => Err(refused),
        Ok(entities) => {
            let actor = format!("source:{}", source.code);
            crate::acting::scoped(async {
                crate::acting::set(actor);
                let mut applier = Applier::new(&app.storage, hq.tenant, &source);
                apply_row(&mut applier, &entities).await
            })
            .await?
        }
    };
    match outcome {
        Ok(applied) => {
            let row = app
                .storage
                .change_review_row(
                    hq.tenant,
                    source_id,
                    row_id,
                    &ReviewChange {
                        status: ReviewStatus::Applied,
                        cells: Some(cells),
                        error: None,
                    },
                )
                .await?;
            Ok(Json(Resubmitted {
                outcome: match applied {
                    Applied::Changed => "changed",
                    Applied::Unchanged => "unchanged",
                },
                row,
            }))
        }
        Err((field, detail)) => {
            app.storage
                .change_review_row(
                    hq.tenant,
                    source_id,
                    row_id,
                    &ReviewChange {
                        status: ReviewStatus::Pending,
                        cells: None,
                        error: Some((field.clone(), detail.clone())),
                    },
                )
                .await?;
            let refused = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", detail);
            Err(match field {
                Some(f) => refused.with_field(f),
                None => refused,
            })
        }
    }
}

/// Decides a row in review is not to be applied.
#[utoipa::path(
    post, path = "/v1/sources/{source_id}/review/{row_id}/reject", operation_id = "reject_feed_review_row",
    tag = "ingestion", security(("hq" = [])),
    params(("source_id" = Uuid, Path), ("row_id" = Uuid, Path)),
    responses((status = 200, description = "Rejected", body = ReviewRow), Refused, NotFound)
)]
async fn reject(
    State(app): State<AppState>,
    hq: Hq,
    PathIds((source_id, row_id)): PathIds<(Uuid, Uuid)>,
    _: NoBody,
) -> Result<Json<ReviewRow>, ApiError> {
    app.storage.source(hq.tenant, source_id).await?;
    let row = app
        .storage
        .change_review_row(
            hq.tenant,
            source_id,
            row_id,
            &ReviewChange {
                status: ReviewStatus::Rejected,
                cells: None,
                error: None,
            },
        )
        .await?;
    Ok(Json(row))
}
