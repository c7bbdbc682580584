//! Stock alerts over HTTP, on loopback: the store's items at or below their
//! reorder point and its batches expiring soon (`GET /v1/stock-alerts?days=`).

use super::AgentState;
use crate::till::stock_alerts::{self, StockAlerts};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use pos_shared::http::ApiError;
use pos_shared::stock_watch::DEFAULT_WATCH_DAYS;
use serde::Deserialize;

pub(super) fn routes() -> Router<AgentState> {
    Router::new().route("/v1/stock-alerts", get(alerts))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertsQuery {
    /// How many days ahead to list expiring batches (1 to 90; 7 by default).
    #[serde(default)]
    days: Option<u32>,
}

async fn alerts(
    State(app): State<AgentState>,
    query: Result<Query<AlertsQuery>, QueryRejection>,
) -> Result<Json<StockAlerts>, ApiError> {
    let Query(query) = query.map_err(|_| {
        ApiError::invalid("days", "days must be a whole number of days from 1 to 90")
    })?;
    Ok(Json(
        stock_alerts::alerts(&app.till, query.days.unwrap_or(DEFAULT_WATCH_DAYS)).await?,
    ))
}
