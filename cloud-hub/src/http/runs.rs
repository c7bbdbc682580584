//! Ingestion runs as HQ reads them: `GET /v1/ingestion-runs`
//! (`?source_id=&cursor=&limit=`, newest first) and
//! `GET /v1/ingestion-runs/{run_id}`: what each webhook, replay or feed
//! upload applied, found unchanged or refused, with the first errors.

use super::openapi::{NotFound, Refused};
use super::sources::{cursor_field, NewestFirst};
use super::{query_error, AppState};
use crate::auth::Hq;
use crate::domain::ingestion::Run;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use pos_shared::http::{ApiError, PathIds};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct RunParams {
    /// Only this source's runs.
    #[param(value_type = Option<Uuid>)]
    source_id: Option<String>,
    /// `true`: only runs that refused something (or could not read their
    /// input); `false`: only those that did not.
    #[param(value_type = Option<bool>)]
    failed: Option<String>,
    /// At most this many (1 to 1000, 100 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// The `next_cursor` of the page before.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// The tenant's ingestion runs, newest first.
#[utoipa::path(
    get, path = "/v1/ingestion-runs", operation_id = "list_ingestion_runs", tag = "ingestion",
    security(("hq" = [])),
    params(RunParams),
    responses((status = 200, description = "OK", body = NewestFirst<Run>), Refused)
)]
async fn list(
    State(app): State<AppState>,
    hq: Hq,
    params: Result<Query<RunParams>, QueryRejection>,
) -> Result<Json<NewestFirst<Run>>, ApiError> {
    let Query(p) = params.map_err(query_error)?;
    let source = p
        .source_id
        .as_deref()
        .map(|s| {
            s.parse::<Uuid>()
                .map_err(|_| ApiError::invalid("source_id", format!("{s:?} is not a source id")))
        })
        .transpose()?;
    let failed = match p.failed.as_deref() {
        None => None,
        Some("false") => Some(false),
        Some("true") => Some(true),
        Some(other) => {
            return Err(ApiError::invalid(
                "failed",
                format!("{other:?} is not true or false"),
            ))
        }
    };
    let limit = pos_shared::http::limit_text(p.limit.as_deref(), 100, 1000)?;
    let before = cursor_field(p.cursor.as_deref())?;
    let found = app
        .storage
        .runs(hq.tenant, source, failed, before, limit + 1)
        .await?;
    Ok(Json(NewestFirst::of(found, limit, |r| r.id)))
}

/// One run: its counts and first errors.
#[utoipa::path(
    get, path = "/v1/ingestion-runs/{run_id}", operation_id = "get_ingestion_run", tag = "ingestion",
    security(("hq" = [])),
    params(("run_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = Run), Refused, NotFound)
)]
async fn get_one(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
) -> Result<Json<Run>, ApiError> {
    Ok(Json(app.storage.run(hq.tenant, id).await?))
}
