//! The store's item state (unavailable items, shelves, notes): read and
//! edited at any till, offline too, merged across tills by the hub.

use super::AgentState;
use crate::store::item_state;
use axum::extract::{Path, State};
use axum::routing::{get, put};
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::Gtin;

pub fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/item-state", get(item_states))
        .route("/v1/item-state/{barcode}", put(edit_item_state))
}

/// The store's item state (unavailable items, shelves, notes) as this till knows it.
async fn item_states(
    State(app): State<AgentState>,
) -> Result<Json<std::collections::BTreeMap<String, item_state::ItemState>>, ApiError> {
    Ok(Json(app.till.store.call(|c| item_state::all(c)).await?))
}

/// Edits one item's state; works offline and merges with other tills' edits.
async fn edit_item_state(
    State(app): State<AgentState>,
    Path(raw): Path<String>,
    JsonBody(patch): JsonBody<item_state::ItemStatePatch>,
) -> Result<Json<item_state::ItemState>, ApiError> {
    let barcode = Gtin::parse(&raw).map_err(|e| {
        ApiError::bad_request("invalid_barcode", e.to_string()).with_field("barcode")
    })?;
    patch
        .validate()
        .map_err(|(field, detail)| ApiError::invalid(field, detail))?;
    let state = app
        .till
        .store
        .call(move |c| item_state::edit(c, &barcode, &patch))
        .await?;
    app.till.sync.docs_nudge.notify_one();
    Ok(Json(state))
}
