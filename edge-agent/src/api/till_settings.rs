//! `GET /v1/till/settings`: the store's settings the cashier UI works by,
//! read once when it starts: whether selling needs an open shift, the most
//! one line may sell, and how the keyboard-wedge scanner frames a scan.

use super::AgentState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use pos_shared::Qty;
use serde::Serialize;

pub fn routes() -> Router<AgentState> {
    Router::new().route("/v1/till/settings", get(settings))
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TillSettings {
    /// A sale is refused (409 `no_open_shift`) unless a shift is open here.
    pub require_open_shift: bool,
    /// The most one sale line may sell.
    pub max_line_qty: Qty,
    /// The key the wedge scanner sends before a barcode (`KeyboardEvent.key`:
    /// `F13`, or one character), when it is programmed to send one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub wedge_prefix: Option<String>,
    /// The key it sends after one: `Enter` or `Tab`.
    pub wedge_suffix: String,
}

async fn settings(State(app): State<AgentState>) -> Json<TillSettings> {
    let policy = &app.till.sale_policy;
    Json(TillSettings {
        require_open_shift: policy.require_open_shift,
        max_line_qty: policy.max_line_qty,
        wedge_prefix: app.wedge.prefix.clone(),
        wedge_suffix: app.wedge.suffix.clone(),
    })
}
