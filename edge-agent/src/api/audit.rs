//! The local API for the audit log: voids reported by the UI (a line or a whole
//! bill taken off before tender, [`crate::till::voids`]) and the log itself.

use super::AgentState;
use crate::store::audit;
use crate::till::voids::{self, VoidRequest};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use pos_shared::audit::AuditEntry;
use pos_shared::http::{ApiError, JsonBody};
use std::collections::BTreeMap;

pub fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/voids", post(void))
        .route("/v1/audit", get(recent))
}

async fn void(
    State(app): State<AgentState>,
    JsonBody(request): JsonBody<VoidRequest>,
) -> Result<(StatusCode, Json<AuditEntry>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(voids::record_void(&app.till, request).await?),
    ))
}

/// The newest entries first; `limit` 1 to 500 (default 100).
async fn recent(
    State(app): State<AgentState>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let limit = i64::from(pos_shared::http::limit_text(
        query.get("limit").map(String::as_str),
        100,
        500,
    )?);
    Ok(Json(
        app.till
            .store
            .call(move |c| audit::recent(c, limit))
            .await?,
    ))
}
