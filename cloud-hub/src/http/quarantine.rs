//! Facts the tills set aside because the hub refused them: tills report their
//! quarantine (and learn HQ's decisions in the answer); HQ lists a store's
//! quarantined facts with the reason and resolves each, by asking the till to
//! resend it (after fixing the cause) or by writing it off with a note.

use super::openapi::{Conflict, NotFound, Refused};
use super::{path_id, query_error, AppState};
use crate::auth::{Device, Hq};
use crate::domain::quarantine::{QuarantineEntry, QuarantineFilter, QuarantineStatus};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use pos_shared::http::PathIds;
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::limits::MAX_UPLOAD_FACTS;
use pos_shared::sync::{QuarantineAction, QuarantineAnswer, QuarantineReport};
use pos_shared::{StoreId, TerminalId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

const MAX_NOTE: usize = 500;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report))
        .routes(routes!(list))
        .routes(routes!(resend))
        .routes(routes!(write_off))
}

/// A till's quarantine as it stands; the answer says which of those facts HQ
/// wants resent or has written off.
#[utoipa::path(
    post, path = "/v1/sync/quarantine", tag = "sync", security(("device_token" = [])),
    request_body = QuarantineReport,
    responses((status = 200, description = "HQ's decisions on the reported facts", body = QuarantineAnswer), Refused)
)]
async fn report(
    State(app): State<AppState>,
    Device(device): Device,
    JsonBody(body): JsonBody<QuarantineReport>,
) -> Result<Json<QuarantineAnswer>, ApiError> {
    if body.facts.len() > MAX_UPLOAD_FACTS {
        return Err(ApiError::invalid(
            "facts",
            format!("at most {MAX_UPLOAD_FACTS} facts per report"),
        ));
    }
    for (i, fact) in body.facts.iter().enumerate() {
        if fact.reason.trim().is_empty() || fact.reason.len() > 4000 {
            return Err(ApiError::invalid(
                format!("facts[{i}].reason"),
                "a reason is 1 to 4000 characters",
            ));
        }
        if fact.event_type.is_empty() || fact.event_type.len() > 100 {
            return Err(ApiError::invalid(
                format!("facts[{i}].event_type"),
                "an event type is 1 to 100 characters",
            ));
        }
        if !fact.envelope.is_object() {
            return Err(ApiError::invalid(
                format!("facts[{i}].envelope"),
                "the envelope is the fact's JSON object as uploaded",
            ));
        }
    }
    let instructions = app.storage.report_quarantine(&device, &body.facts).await?;
    Ok(Json(QuarantineAnswer { instructions }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// `open`, `resend`, `written_off` or `resolved`; every status if absent.
    #[param(pattern = "^(open|resend|written_off|resolved)$")]
    status: Option<String>,
    /// Only this till's facts.
    #[param(value_type = Option<Uuid>)]
    terminal_id: Option<String>,
    /// At most this many (1 to 1000, 500 by default). Taken as text so that
    /// `limit=ten` is refused naming `limit`, like `limit=0`.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

/// A store's quarantined facts with the till, the reason, the fact itself and
/// what HQ decided, the first reported first.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/quarantine", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path), ListQuery),
    responses((status = 200, description = "OK", body = Vec<QuarantineEntry>), Refused, NotFound)
)]
async fn list(
    State(app): State<AppState>,
    hq: Hq,
    raw_store: Result<Path<String>, PathRejection>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<QuarantineEntry>>, ApiError> {
    let store = path_id::<StoreId>("store_id", &super::path_text(raw_store).unwrap_or_default())?;
    let Query(q) = query.map_err(query_error)?;
    let status = q
        .status
        .map(|s| {
            QuarantineStatus::parse(&s).ok_or_else(|| {
                ApiError::invalid(
                    "status",
                    format!("{s:?} is not open, resend, written_off or resolved"),
                )
            })
        })
        .transpose()?;
    let terminal = q
        .terminal_id
        .map(|t| path_id::<TerminalId>("terminal_id", &t))
        .transpose()?;
    let limit = pos_shared::http::limit_text(q.limit.as_deref(), 500, 1000)?;
    let filter = QuarantineFilter {
        status,
        terminal,
        limit,
    };
    Ok(Json(
        app.storage
            .quarantined_facts(hq.tenant, store, &filter)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    /// Why: what was fixed before a resend, or why the fact is given up.
    #[serde(default)]
    #[schema(max_length = 500)]
    note: Option<String>,
}

fn note(body: &DecisionBody, required: bool) -> Result<Option<String>, ApiError> {
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    match note {
        None if required => Err(ApiError::invalid(
            "note",
            "say why the fact is written off: it never reaches the ledger",
        )),
        Some(n) if n.chars().count() > MAX_NOTE => Err(ApiError::invalid(
            "note",
            format!("a note is at most {MAX_NOTE} characters"),
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

type FactPath = PathIds<(StoreId, TerminalId, Uuid)>;

/// Asks the till to upload the fact again (after HQ fixed what made the hub
/// refuse it). The till does so the next time it reports; the fact counts
/// once however often it arrives.
#[utoipa::path(
    post, path = "/v1/stores/{store_id}/quarantine/{terminal_id}/{event_id}/resend", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path), ("terminal_id" = TerminalId, Path), ("event_id" = Uuid, Path)),
    request_body = DecisionBody,
    responses((status = 200, description = "Resend asked", body = QuarantineEntry), Refused, NotFound, Conflict)
)]
async fn resend(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(fact): FactPath,
    JsonBody(body): JsonBody<DecisionBody>,
) -> Result<Json<QuarantineEntry>, ApiError> {
    decide(app, hq, fact, QuarantineAction::Resend, note(&body, false)?).await
}

/// Gives the fact up for good, with a note saying why (an audited event
/// names who did it). The till sets it aside and takes its stock movements
/// out of its replica, as they never reached the ledger.
#[utoipa::path(
    post, path = "/v1/stores/{store_id}/quarantine/{terminal_id}/{event_id}/write-off", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path), ("terminal_id" = TerminalId, Path), ("event_id" = Uuid, Path)),
    request_body = DecisionBody,
    responses((status = 200, description = "Written off", body = QuarantineEntry), Refused, NotFound, Conflict)
)]
async fn write_off(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(fact): FactPath,
    JsonBody(body): JsonBody<DecisionBody>,
) -> Result<Json<QuarantineEntry>, ApiError> {
    decide(
        app,
        hq,
        fact,
        QuarantineAction::WriteOff,
        note(&body, true)?,
    )
    .await
}

async fn decide(
    app: AppState,
    hq: Hq,
    (store, terminal, event_id): (StoreId, TerminalId, Uuid),
    action: QuarantineAction,
    note: Option<String>,
) -> Result<Json<QuarantineEntry>, ApiError> {
    let entry = app
        .storage
        .decide_quarantined(
            hq.tenant,
            store,
            terminal,
            event_id,
            action,
            note.as_deref(),
        )
        .await?;
    tracing::info!(%event_id, ?action, "quarantined fact decided");
    Ok(Json(entry))
}
