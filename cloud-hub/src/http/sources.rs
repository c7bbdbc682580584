//! Source systems (the tenant's restaurant POS, ERP/WMS and sellers) as HQ
//! manages them: `POST /v1/sources` registers one (kind, vendor, the stores
//! it feeds under its own ids for them) and answers with its signing secret,
//! shown this once; list, read (with the last hour's rates), `PATCH` (name,
//! enabled, stores) and `POST …/rotate-secret` (the secret before keeps
//! verifying for 24 hours, so the source switches without a refusal).
//! Registering, changing and rotating are the owner's; reading is anyone's.
//!
//! What each source pushed: `GET …/payloads` (`?state=queued|applied|failed`),
//! `GET …/payloads/{payload_id}` (the raw body and headers as archived),
//! `POST …/payloads/{payload_id}/replay` (queued again, after an adapter
//! fix; applying a payload again changes nothing it already changed),
//! `GET …/refusals` and `GET …/rates`. The runs are `runs.rs`.

use super::openapi::{Conflict, NotFound, Refused};
use super::{query_error, required_text, AppState};
use crate::auth::Hq;
use crate::domain::ingestion::{
    NewSource, Payload, PayloadState, Rates, Refusal, SealedSecret, Source, SourceKind,
    SourcePatch, SourceStore,
};
use crate::signatures::WebhookSecret;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use base64::Engine as _;
use pos_shared::http::{ApiError, JsonBody, NoBody, PathIds};
use pos_shared::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// How long the secret before a rotation keeps verifying.
pub const PREVIOUS_SECRET_GRACE_MS: i64 = 24 * 3600 * 1000;
/// The window of the rates a source is shown with.
const RATES_WINDOW_MS: i64 = 3600 * 1000;
const MAX_STORES: usize = 1000;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update))
        .routes(routes!(rotate_secret))
        .routes(routes!(payloads))
        .routes(routes!(payload))
        .routes(routes!(replay))
        .routes(routes!(refusals))
        .routes(routes!(rates))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewSourceBody {
    /// Short and unique in the tenant (`a-z`, `0-9`, `-`, at most 20):
    /// SKUs the hub makes for this source's items start with it.
    #[schema(pattern = "^[a-z0-9-]{1,20}$")]
    code: String,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    name: String,
    /// `restaurant_pos`, `erp` or `seller`.
    #[schema(pattern = "^(restaurant_pos|erp|seller)$")]
    kind: String,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    vendor: Option<String>,
    /// The stores it feeds, each with the source's own id for it (a
    /// `restID`, a `facilityCode`).
    #[serde(default)]
    stores: Vec<SourceStore>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SourcePatch)]
struct PatchBody {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    name: Option<String>,
    /// `false` refuses its webhooks (403) until it is enabled again.
    enabled: Option<bool>,
    /// Replaces the stores it feeds.
    stores: Option<Vec<SourceStore>>,
}

/// A source with its signing secret, shown once.
#[derive(Serialize, ToSchema)]
struct SourceWithSecret {
    #[serde(flatten)]
    source: Source,
    /// `whsec_…`: the source signs every webhook with it. Shown this once.
    secret: String,
}

#[derive(Serialize, ToSchema)]
struct SourceView {
    #[serde(flatten)]
    source: Source,
    /// Its webhooks over the last hour.
    last_hour: Rates,
    /// Where to send them.
    webhook_path: String,
}

fn code_field(code: &str) -> Result<String, ApiError> {
    let ok = !code.is_empty()
        && code.len() <= 20
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        return Err(ApiError::invalid(
            "code",
            "a source code is 1 to 20 of a-z, 0-9 and -",
        ));
    }
    Ok(code.to_owned())
}

fn stores_field(stores: Vec<SourceStore>) -> Result<Vec<SourceStore>, ApiError> {
    if stores.len() > MAX_STORES {
        return Err(ApiError::invalid(
            "stores",
            format!("at most {MAX_STORES} stores"),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    stores
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let external_id = required_text("external_id", &s.external_id, 100)
                .map_err(|e| e.with_field(format!("stores[{i}].external_id")))?;
            if !seen.insert(external_id.clone()) {
                return Err(ApiError::invalid(
                    format!("stores[{i}].external_id"),
                    format!("{external_id:?} is named twice"),
                ));
            }
            Ok(SourceStore {
                external_id,
                store_id: s.store_id,
            })
        })
        .collect()
}

fn store_error(e: crate::storage::DbError) -> ApiError {
    super::bulk_error("stores", e)
}

fn sealed(app: &AppState) -> Result<(SealedSecret, String), ApiError> {
    let key = app.secret_key.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_secret_key",
            "the hub has no secret key to keep a source's secret with (set secret_key or HUB_SECRET_KEY)",
        )
    })?;
    let (_, text) = WebhookSecret::generate();
    let id = Uuid::now_v7();
    Ok((
        SealedSecret {
            id,
            sealed: key.seal(id, &text),
        },
        text,
    ))
}

/// Registers a source system (owner only); the answer carries its signing
/// secret, shown this once.
#[utoipa::path(
    post, path = "/v1/sources", operation_id = "create_source", tag = "ingestion", security(("hq" = [])),
    request_body = NewSourceBody,
    responses((status = 201, description = "Registered", body = SourceWithSecret), Refused, NotFound, Conflict)
)]
async fn create(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<NewSourceBody>,
) -> Result<(StatusCode, Json<SourceWithSecret>), ApiError> {
    let kind = SourceKind::parse(&body.kind).ok_or_else(|| {
        ApiError::invalid(
            "kind",
            format!("{:?} is not restaurant_pos, erp or seller", body.kind),
        )
    })?;
    let new = NewSource {
        id: Uuid::now_v7(),
        code: code_field(&body.code)?,
        name: required_text("name", &body.name, 200)?,
        kind,
        vendor: body
            .vendor
            .as_deref()
            .map(|v| required_text("vendor", v, 100))
            .transpose()?,
        stores: stores_field(body.stores)?,
    };
    let (secret, text) = sealed(&app)?;
    let source = app
        .storage
        .create_source(hq.tenant, &new, &secret)
        .await
        .map_err(store_error)?;
    Ok((
        StatusCode::CREATED,
        Json(SourceWithSecret {
            source,
            secret: text,
        }),
    ))
}

/// The tenant's source systems, by code.
#[utoipa::path(
    get, path = "/v1/sources", operation_id = "list_sources", tag = "ingestion", security(("hq" = [])),
    responses((status = 200, description = "OK", body = [Source]), Refused)
)]
async fn list(State(app): State<AppState>, hq: Hq) -> Result<Json<Vec<Source>>, ApiError> {
    Ok(Json(app.storage.sources(hq.tenant).await?))
}

async fn view(app: &AppState, hq: &Hq, source: Source) -> Result<SourceView, ApiError> {
    let since = Timestamp::from_unix_millis(Timestamp::now().unix_millis() - RATES_WINDOW_MS);
    let last_hour = app
        .storage
        .ingestion_rates(hq.tenant, source.id, since)
        .await?;
    Ok(SourceView {
        webhook_path: format!("/v1/webhooks/{}", source.id),
        source,
        last_hour,
    })
}

/// A source with its last hour of webhooks.
#[utoipa::path(
    get, path = "/v1/sources/{source_id}", operation_id = "get_source", tag = "ingestion", security(("hq" = [])),
    params(("source_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = SourceView), Refused, NotFound)
)]
async fn get_one(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
) -> Result<Json<SourceView>, ApiError> {
    let source = app.storage.source(hq.tenant, id).await?;
    Ok(Json(view(&app, &hq, source).await?))
}

/// Renames, enables or disables a source, or changes the stores it feeds
/// (owner only).
#[utoipa::path(
    patch, path = "/v1/sources/{source_id}", operation_id = "update_source", tag = "ingestion", security(("hq" = [])),
    params(("source_id" = Uuid, Path)),
    request_body = PatchBody,
    responses((status = 200, description = "Changed", body = SourceView), Refused, NotFound, Conflict)
)]
async fn update(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    JsonBody(body): JsonBody<PatchBody>,
) -> Result<Json<SourceView>, ApiError> {
    let patch = SourcePatch {
        name: body
            .name
            .as_deref()
            .map(|n| required_text("name", n, 200))
            .transpose()?,
        enabled: body.enabled,
        stores: body.stores.map(stores_field).transpose()?,
    };
    let source = app
        .storage
        .update_source(hq.tenant, id, &patch)
        .await
        .map_err(store_error)?;
    Ok(Json(view(&app, &hq, source).await?))
}

/// A new signing secret, shown once; the one before keeps verifying for 24
/// hours (owner only).
#[utoipa::path(
    post, path = "/v1/sources/{source_id}/rotate-secret", operation_id = "rotate_source_secret",
    tag = "ingestion", security(("hq" = [])),
    params(("source_id" = Uuid, Path)),
    responses((status = 200, description = "Rotated", body = SourceWithSecret), Refused, NotFound)
)]
async fn rotate_secret(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    _: NoBody,
) -> Result<Json<SourceWithSecret>, ApiError> {
    let (secret, text) = sealed(&app)?;
    let until =
        Timestamp::from_unix_millis(Timestamp::now().unix_millis() + PREVIOUS_SECRET_GRACE_MS);
    let source = app
        .storage
        .rotate_source_secret(hq.tenant, id, &secret, until)
        .await?;
    Ok(Json(SourceWithSecret {
        source,
        secret: text,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct PayloadParams {
    /// Only payloads standing so: `queued`, `applied` or `failed`.
    #[param(pattern = "^(queued|applied|failed)$")]
    state: Option<String>,
    /// At most this many (1 to 1000, 100 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// The `next_cursor` of the page before.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// A page of a list, newest first.
#[derive(Serialize, ToSchema)]
pub(crate) struct NewestFirst<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass back as `cursor` for the next (older) page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> NewestFirst<T> {
    /// `items` read with one more than `limit`: the extra one says more follow.
    pub(crate) fn of(mut items: Vec<T>, limit: u32, id: impl Fn(&T) -> Uuid) -> Self {
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next_cursor = more
            .then(|| items.last().map(|t| id(t).to_string()))
            .flatten();
        NewestFirst { items, next_cursor }
    }
}

pub(crate) fn cursor_field(cursor: Option<&str>) -> Result<Option<Uuid>, ApiError> {
    cursor
        .map(|c| {
            c.parse::<Uuid>().map_err(|_| {
                ApiError::invalid(
                    "cursor",
                    "cursor is not from this list: pass back a next_cursor as it came",
                )
            })
        })
        .transpose()
}

/// What a source pushed, newest first.
#[utoipa::path(
    get, path = "/v1/sources/{source_id}/payloads", operation_id = "list_source_payloads",
    tag = "ingestion", security(("hq" = [])),
    params(("source_id" = Uuid, Path), PayloadParams),
    responses((status = 200, description = "OK", body = NewestFirst<Payload>), Refused, NotFound)
)]
async fn payloads(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    params: Result<Query<PayloadParams>, QueryRejection>,
) -> Result<Json<NewestFirst<Payload>>, ApiError> {
    let Query(p) = params.map_err(query_error)?;
    let state = p
        .state
        .as_deref()
        .map(|s| {
            PayloadState::parse(s).ok_or_else(|| {
                ApiError::invalid("state", format!("{s:?} is not queued, applied or failed"))
            })
        })
        .transpose()?;
    let limit = pos_shared::http::limit_text(p.limit.as_deref(), 100, 1000)?;
    let before = cursor_field(p.cursor.as_deref())?;
    app.storage.source(hq.tenant, id).await?;
    let found = app
        .storage
        .payloads(hq.tenant, id, state, before, limit + 1)
        .await?;
    Ok(Json(NewestFirst::of(found, limit, |p| p.id)))
}

/// An archived payload as it came: headers, and the body as text (or
/// base64 when it is not UTF-8).
#[derive(Serialize, ToSchema)]
struct RawView {
    #[serde(flatten)]
    payload: Payload,
    #[schema(value_type = Object)]
    headers: serde_json::Value,
    /// `text` or `base64`.
    body_encoding: &'static str,
    body: String,
}

/// One archived payload, raw.
#[utoipa::path(
    get, path = "/v1/sources/{source_id}/payloads/{payload_id}", operation_id = "get_source_payload",
    tag = "ingestion", security(("hq" = [])),
    params(("source_id" = Uuid, Path), ("payload_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = RawView), Refused, NotFound)
)]
async fn payload(
    State(app): State<AppState>,
    hq: Hq,
    PathIds((source, id)): PathIds<(Uuid, Uuid)>,
) -> Result<Json<RawView>, ApiError> {
    let raw = app.storage.payload(hq.tenant, id).await?;
    if raw.payload.source_id != source {
        return Err(crate::storage::DbError::NotFound("payload").into());
    }
    let (body_encoding, body) = match String::from_utf8(raw.body) {
        Ok(text) => ("text", text),
        Err(e) => (
            "base64",
            base64::engine::general_purpose::STANDARD.encode(e.into_bytes()),
        ),
    };
    Ok(Json(RawView {
        payload: raw.payload,
        headers: raw.headers,
        body_encoding,
        body,
    }))
}

/// Queues an archived payload again, to be applied by the adapter as it is
/// now; what it already changed stays as it is.
#[utoipa::path(
    post, path = "/v1/sources/{source_id}/payloads/{payload_id}/replay", operation_id = "replay_source_payload",
    tag = "ingestion", security(("hq" = [])),
    params(("source_id" = Uuid, Path), ("payload_id" = Uuid, Path)),
    responses((status = 202, description = "Queued again", body = Payload), Refused, NotFound)
)]
async fn replay(
    State(app): State<AppState>,
    hq: Hq,
    PathIds((source, id)): PathIds<(Uuid, Uuid)>,
    _: NoBody,
) -> Result<(StatusCode, Json<Payload>), ApiError> {
    let raw = app.storage.payload(hq.tenant, id).await?;
    if raw.payload.source_id != source {
        return Err(crate::storage::DbError::NotFound("payload").into());
    }
    let queued = app.storage.requeue_payload(hq.tenant, id).await?;
    app.ingest_wake.notify_one();
    Ok((StatusCode::ACCEPTED, Json(queued)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct RefusalParams {
    /// At most this many (1 to 1000, 100 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// The `next_cursor` of the page before.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// Webhooks refused at the gateway, newest first: why, never their body.
#[utoipa::path(
    get, path = "/v1/sources/{source_id}/refusals", operation_id = "list_source_refusals",
    tag = "ingestion", security(("hq" = [])),
    params(("source_id" = Uuid, Path), RefusalParams),
    responses((status = 200, description = "OK", body = NewestFirst<Refusal>), Refused, NotFound)
)]
async fn refusals(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    params: Result<Query<RefusalParams>, QueryRejection>,
) -> Result<Json<NewestFirst<Refusal>>, ApiError> {
    let Query(p) = params.map_err(query_error)?;
    let limit = pos_shared::http::limit_text(p.limit.as_deref(), 100, 1000)?;
    let before = cursor_field(p.cursor.as_deref())?;
    app.storage.source(hq.tenant, id).await?;
    let found = app
        .storage
        .refusals(hq.tenant, id, before, limit + 1)
        .await?;
    Ok(Json(NewestFirst::of(found, limit, |r| r.id)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct RatesParams {
    /// The window, in minutes back from now (1 to 10080; 60 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 10080)]
    minutes: Option<String>,
}

/// How a source's webhooks fared: received, applied, failed, queued,
/// duplicate, refused, and latency from receipt to applied.
#[utoipa::path(
    get, path = "/v1/sources/{source_id}/rates", operation_id = "get_source_rates",
    tag = "ingestion", security(("hq" = [])),
    params(("source_id" = Uuid, Path), RatesParams),
    responses((status = 200, description = "OK", body = Rates), Refused, NotFound)
)]
async fn rates(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    params: Result<Query<RatesParams>, QueryRejection>,
) -> Result<Json<Rates>, ApiError> {
    let Query(p) = params.map_err(query_error)?;
    let minutes = match p.minutes.as_deref() {
        None => 60,
        Some(m) => m
            .parse::<i64>()
            .ok()
            .filter(|m| (1..=10_080).contains(m))
            .ok_or_else(|| {
                ApiError::invalid("minutes", "minutes is a whole number from 1 to 10080")
            })?,
    };
    app.storage.source(hq.tenant, id).await?;
    let since = Timestamp::from_unix_millis(Timestamp::now().unix_millis() - minutes * 60_000);
    Ok(Json(
        app.storage.ingestion_rates(hq.tenant, id, since).await?,
    ))
}
