//! What operators and orchestrators ask of the hub itself: `/health` (the
//! process serves), `/ready` (it can serve requests: the database answers
//! and it is not shutting down) and `/metrics` (Prometheus text, behind the
//! metrics token).

use super::AppState;
use crate::auth::Scraper;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use pos_shared::http::ApiError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// How long readiness waits for the database before saying no.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
        .routes(routes!(metrics))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct Health {
    /// `ok` while the hub serves; `ready` when it can serve requests.
    status: &'static str,
}

/// Whether the hub process is up (liveness); needs no credential.
#[utoipa::path(get, path = "/health", tag = "access", responses((status = 200, description = "OK", body = Health)))]
async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Whether the hub can serve requests now (readiness): its database answers
/// within 2 s and it is not shutting down. Needs no credential.
#[utoipa::path(
    get, path = "/ready", tag = "access",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Not ready: the database does not answer, or the hub is shutting down", body = pos_shared::problem::Problem,
         content_type = "application/problem+json"),
    )
)]
async fn ready(State(app): State<AppState>) -> Result<Json<Health>, ApiError> {
    if *app.closing.borrow() {
        return Err(ApiError::unavailable("the hub is shutting down"));
    }
    match tokio::time::timeout(READY_TIMEOUT, app.storage.ping()).await {
        Ok(Ok(())) => Ok(Json(Health { status: "ready" })),
        Ok(Err(e)) => Err(ApiError::unavailable(format!(
            "the database does not answer: {e}"
        ))),
        Err(_) => Err(ApiError::unavailable(format!(
            "the database did not answer within {} s",
            READY_TIMEOUT.as_secs()
        ))),
    }
}

/// The hub's metrics in the Prometheus (OpenMetrics) text format: requests
/// and latency by route, facts taken by outcome, each terminal's feed
/// backlog, outbox and quarantine as it last reported them, database pool
/// use. Asks for the metrics token as a bearer token.
#[utoipa::path(
    get, path = "/metrics", tag = "access", security(("metrics_token" = [])),
    responses(
        (status = 200, description = "OK", body = String,
         content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8"),
        (status = 401, description = "No metrics token, or a wrong one", body = pos_shared::problem::Problem,
         content_type = "application/problem+json"),
        (status = 404, description = "Metrics are off: no metrics token is configured", body = pos_shared::problem::Problem,
         content_type = "application/problem+json"),
    )
)]
async fn metrics(State(app): State<AppState>, _: Scraper) -> impl IntoResponse {
    let text = app
        .metrics
        .render(app.storage.pool_use(), app.storage.movements_settled());
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, pos_shared::http_metrics::CONTENT_TYPE)],
        text,
    )
}
