//! The webhook gateway: `POST /v1/webhooks/{source_id}` takes a source
//! system's pushes (menus, availability, inventory), signed the Standard
//! Webhooks way with the source's secret (or, during a rotation, the one
//! before). A request that passes is archived raw, headers and all, and
//! queued in the same statement, then answered at once (202, or 200 for a
//! `webhook-id` already archived with the same body, 409 for one archived
//! with another); `ingest::worker` applies it. A request
//! refused (no or wrong signature, a stale or future timestamp, a body over
//! the limit, a disabled source) leaves only a refusal row, never its body.

use super::AppState;
use crate::domain::ingestion::{Archived, NewPayload, Refusal as RefusalRow, WebhookSource};
use crate::signatures::{self, Headers, Refusal, WebhookSecret};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use pos_shared::http::ApiError;
use pos_shared::Timestamp;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The largest webhook body taken unless the config says otherwise: a
/// large restaurant's whole menu fits well inside.
pub const DEFAULT_MAX_BODY: usize = 4 * 1024 * 1024;

/// Headers never archived: credentials of other schemes.
const NOT_ARCHIVED: [&str; 3] = ["authorization", "cookie", "proxy-authorization"];

pub(crate) fn router(max_body: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(receive))
        .layer(DefaultBodyLimit::max(max_body))
}

#[derive(Serialize, ToSchema)]
struct Receipt {
    /// `queued` (202): archived and waiting to be applied; `duplicate`
    /// (200): this webhook-id was archived before, nothing is applied again.
    status: &'static str,
    /// The archived payload: `GET /v1/sources/{source_id}/payloads/{payload_id}`.
    payload_id: Uuid,
}

fn refused(status: StatusCode, kind: &'static str, field: &str, detail: String) -> ApiError {
    ApiError::new(status, kind, detail).with_field(field)
}

fn signature_refusal(refusal: &Refusal) -> ApiError {
    let kind = match refusal {
        Refusal::Missing(_) => "missing_signature",
        Refusal::BadTimestamp | Refusal::Stale { .. } => "stale_timestamp",
        Refusal::NoMatch => "bad_signature",
    };
    refused(
        StatusCode::UNAUTHORIZED,
        kind,
        refusal.header(),
        refusal.to_string(),
    )
}

/// Takes a source system's signed push, archives it and queues it.
#[utoipa::path(
    post, path = "/v1/webhooks/{source_id}", operation_id = "receive_source_webhook", tag = "ingestion",
    security(("webhook_signature" = [])),
    params(
        ("source_id" = Uuid, Path, description = "The source, as registered at /v1/sources"),
        ("webhook-id" = String, Header, description = "Unique per message, the same on the sender's retries (at most 200 characters)"),
        ("webhook-timestamp" = i64, Header, description = "Unix seconds; at most 5 minutes from the hub's clock"),
        ("webhook-signature" = String, Header, description = "Space-separated `v1,<base64 HMAC-SHA256 of {id}.{timestamp}.{body}>`"),
    ),
    request_body(content = String, description = "The source's JSON payload, as its format has it", content_type = "application/json"),
    responses(
        (status = 202, description = "Archived and queued", body = Receipt),
        (status = 200, description = "This webhook-id was archived before", body = Receipt),
        (status = 401, description = "Missing, wrong or stale signature", body = pos_shared::problem::Problem),
        (status = 403, description = "The source is disabled", body = pos_shared::problem::Problem),
        (status = 404, description = "No such source", body = pos_shared::problem::Problem),
        (status = 409, description = "This webhook-id came before with another body", body = pos_shared::problem::Problem),
        (status = 413, description = "The body is over the hub's limit", body = pos_shared::problem::Problem),
        (status = 422, description = "The webhook-id is too long", body = pos_shared::problem::Problem),
        (status = 503, description = "The hub has no secret key to open the source's secret", body = pos_shared::problem::Problem),
    )
)]
async fn receive(
    State(app): State<AppState>,
    source_id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Receipt>), ApiError> {
    let source_id = super::path_text(source_id).unwrap_or_default();
    let received_at = Timestamp::now();
    let unknown = || {
        ApiError::not_found("unknown_source", format!("no source {source_id:?}"))
            .with_field("source_id")
    };
    let id = Uuid::parse_str(&source_id).map_err(|_| unknown())?;
    let found = app
        .storage
        .webhook_source(id, received_at)
        .await?
        .ok_or_else(unknown)?;
    let claimed_id = headers
        .get(signatures::ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(200).collect::<String>());
    let refuse = |error: ApiError, bytes: usize| {
        let row = RefusalRow {
            id: Uuid::now_v7(),
            source_id: id,
            webhook_id: claimed_id.clone(),
            received_at,
            status: error.status.as_u16(),
            field: error.field.clone().unwrap_or_else(|| "body".to_owned()),
            reason: error.detail.clone(),
            body_bytes: bytes as u64,
        };
        (error, row)
    };
    let outcome = check(&app, &found, &headers, body, received_at).await;
    let (body, webhook_id) = match outcome {
        Ok(ok) => ok,
        Err((error, bytes)) => {
            let (error, row) = refuse(error, bytes);
            app.storage.record_refusal(found.tenant, &row).await?;
            tracing::info!(source = %id, status = row.status, field = %row.field, reason = %row.reason, "webhook refused");
            return Err(error);
        }
    };
    let body_len = body.len();
    let archived = app
        .storage
        .archive_payload(&NewPayload {
            id: Uuid::now_v7(),
            tenant: found.tenant,
            source: id,
            webhook_id,
            received_at,
            headers: archived_headers(&headers),
            body: body.to_vec(),
        })
        .await?;
    Ok(match archived {
        Archived::Queued(payload_id) => {
            app.ingest_wake.notify_one();
            (
                StatusCode::ACCEPTED,
                Json(Receipt {
                    status: "queued",
                    payload_id,
                }),
            )
        }
        Archived::Duplicate(payload_id) => (
            StatusCode::OK,
            Json(Receipt {
                status: "duplicate",
                payload_id,
            }),
        ),
        Archived::Reused(payload_id) => {
            let error = refused(
                StatusCode::CONFLICT,
                "webhook_id_reused",
                "webhook-id",
                format!(
                    "this webhook-id was received before with another body (payload {payload_id}); a new message needs a new webhook-id"
                ),
            );
            let (error, row) = refuse(error, body_len);
            app.storage.record_refusal(found.tenant, &row).await?;
            return Err(error);
        }
    })
}

/// The body and the verified webhook-id, or the refusal and the body's size.
async fn check(
    app: &AppState,
    found: &WebhookSource,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    at: Timestamp,
) -> Result<(Bytes, String), (ApiError, usize)> {
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let body = body.map_err(|e| {
        let error = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "body",
                format!("a webhook body is at most {} bytes", app.max_webhook_bytes),
            )
        } else {
            ApiError::bad_request("unreadable_body", e.body_text()).with_field("body")
        };
        (error, declared)
    })?;
    let size = body.len();
    let secrets = open_secrets(app, found).map_err(|e| (e, size))?;
    let now_secs = at.unix_millis().div_euclid(1000);
    let webhook_id = signatures::verify_any(&secrets, Headers::from_map(headers), &body, now_secs)
        .map_err(|r| (signature_refusal(&r), size))?;
    // Only a sender with the secret learns that the source is disabled.
    if !found.source.enabled {
        return Err((
            refused(
                StatusCode::FORBIDDEN,
                "source_disabled",
                "source_id",
                format!("source {} is disabled; HQ enables it again with PATCH /v1/sources/{{source_id}}", found.source.code),
            ),
            size,
        ));
    }
    if webhook_id.chars().count() > 200 {
        return Err((
            ApiError::invalid("webhook-id", "webhook-id is longer than 200 characters"),
            size,
        ));
    }
    let webhook_id = webhook_id.to_owned();
    Ok((body, webhook_id))
}

fn open_secrets(app: &AppState, found: &WebhookSource) -> Result<Vec<WebhookSecret>, ApiError> {
    let unavailable = |detail: String| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "secret_unavailable",
            detail,
        )
    };
    let key = app.secret_key.as_ref().ok_or_else(|| {
        unavailable("the hub has no secret key (secret_key or HUB_SECRET_KEY), so it cannot check this source's signatures".into())
    })?;
    let mut secrets = Vec::with_capacity(found.secrets.len());
    for sealed in &found.secrets {
        let text = key.open(sealed.id, &sealed.sealed).map_err(|e| {
            tracing::error!(source = %found.source.id, error = %e, "cannot open a source's secret");
            unavailable(format!("the hub cannot open this source's secret: {e}"))
        })?;
        let secret = WebhookSecret::parse(&text).map_err(|e| {
            tracing::error!(source = %found.source.id, error = %e, "a source's stored secret is not a secret");
            unavailable("this source's stored secret is damaged; rotate it".into())
        })?;
        secrets.push(secret);
    }
    Ok(secrets)
}

/// The request's headers as a JSON object (repeated ones joined by `, `),
/// less other schemes' credentials.
fn archived_headers(headers: &HeaderMap) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for (name, value) in headers {
        if NOT_ARCHIVED.contains(&name.as_str()) {
            continue;
        }
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match out.get_mut(name.as_str()) {
            Some(serde_json::Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(&value);
            }
            _ => {
                out.insert(name.as_str().to_owned(), serde_json::Value::String(value));
            }
        }
    }
    serde_json::Value::Object(out)
}
