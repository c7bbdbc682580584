//! The local API for customer profiles: look up by phone or name, capture, edit.

use super::AgentState;
use crate::store::customers::{self, Customer, CustomerPatch};
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody};
use std::collections::BTreeMap;

pub fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/customers", get(search))
        .route("/v1/customers/{phone}", get(one).put(edit))
}

fn phone(raw: &str) -> Result<String, ApiError> {
    customers::normalize_phone(raw).map_err(|e| ApiError::invalid("phone", e))
}

/// The `q` of a search for a person: digits of a phone number or part of a
/// name, and nothing else asked.
pub(super) fn person_query(query: &BTreeMap<String, String>) -> Result<String, ApiError> {
    if let Some(key) = query.keys().find(|k| k.as_str() != "q") {
        return Err(ApiError::invalid(
            key.clone(),
            format!("{key} is not a search parameter; use q"),
        ));
    }
    query
        .get("q")
        .filter(|q| !q.trim().is_empty())
        .cloned()
        .ok_or_else(|| ApiError::invalid("q", "q, digits of a phone or part of a name, is missing"))
}

/// `q`: digits of a phone number, or part of a name.
async fn search(
    State(app): State<AgentState>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Json<Vec<Customer>>, ApiError> {
    let q = person_query(&query)?;
    let asked = q.clone();
    let mut found = app
        .till
        .store
        .call(move |c| customers::search(c, &asked, 20))
        .await?;
    // A whole number the store has not met may be a customer of another store.
    if let Ok(phone) = customers::normalize_phone(&q) {
        if !found.iter().any(|c| c.phone == phone) {
            found.extend(crate::till::customers::find(&app.till, &phone).await?);
        }
    }
    Ok(Json(found))
}

async fn one(
    State(app): State<AgentState>,
    Path(raw): Path<String>,
) -> Result<Json<Customer>, ApiError> {
    let phone = phone(&raw)?;
    crate::till::customers::find(&app.till, &phone)
        .await?
        .map(Json)
        .ok_or_else(|| {
            ApiError::not_found(
                "unknown_customer",
                format!("no customer with phone {phone} yet"),
            )
            .with_field("phone")
        })
}

/// Captures or edits a profile; works offline and merges with other tills' edits.
async fn edit(
    State(app): State<AgentState>,
    Path(raw): Path<String>,
    JsonBody(patch): JsonBody<CustomerPatch>,
) -> Result<Json<Customer>, ApiError> {
    let phone = phone(&raw)?;
    let gstin = patch
        .validate()
        .map_err(|(field, detail)| ApiError::invalid(field, detail))?;
    // A bill to the store's own registration is no B2B supply.
    if let Some(g) = &gstin {
        let own = app
            .till
            .store
            .call(|c| crate::store::store_profile::get(c))
            .await?
            .and_then(|p| p.gstin);
        if own.as_deref() == Some(g.as_str()) {
            return Err(ApiError::invalid(
                "gstin",
                format!("{g} is this store's own GST registration, not a customer's"),
            ));
        }
    }
    let customer = app
        .till
        .store
        .call(move |c| customers::edit(c, &phone, &patch, gstin))
        .await?;
    app.till.sync.docs_nudge.notify_one();
    Ok(Json(customer))
}
