//! The catalog as the till sees it: a scanned barcode, a typed search, the
//! category tree and the quick-key grid, all from the local replica; and
//! the add-ons to offer beside an item on the bill.

use super::AgentState;
use crate::pos::product::{ProductView, ScannedProduct};
use crate::store::{catalog, categories};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use pos_shared::http::ApiError;
use pos_shared::scan_code::read_scan;

pub fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/products/by-barcode/{barcode}", get(product_by_barcode))
        .route("/v1/products/search", get(search_products))
        .route("/v1/products/{variant_id}/add-ons", get(add_ons))
        .route("/v1/categories", get(categories))
        .route("/v1/quick-keys", get(quick_keys))
}

/// A scanned (or typed) barcode, read the way a sale line is: EAN/UPC,
/// GS1 element strings, scale labels; the product it names and what the
/// scan says about the pack.
async fn product_by_barcode(
    State(app): State<AgentState>,
    Path(raw): Path<String>,
) -> Result<Json<ScannedProduct>, ApiError> {
    let policy = &app.till.sale_policy;
    let year = policy.today()[..4].parse().unwrap_or(2000);
    let scan = read_scan(&raw, &policy.scale_rules, year).map_err(|p| {
        ApiError::bad_request("invalid_barcode", format!("{} ({})", p.message, p.detail))
            .with_field("barcode")
    })?;
    match product_for(&app, &scan).await? {
        Some(product) => Ok(Json(ScannedProduct { product, scan })),
        None => Err(ApiError::not_found(
            "unknown_barcode",
            format!(
                "no product with barcode {} in this store's catalog",
                raw.trim().replace('\u{1d}', "<GS>")
            ),
        )
        .with_field("barcode")),
    }
}

/// The product a barcode read names, from the replica: the one lookup the
/// by-barcode answer and the scan events share.
pub(super) async fn product_for(
    app: &AgentState,
    scan: &pos_shared::scan_code::ScannedCode,
) -> Result<Option<ProductView>, ApiError> {
    let (primary, other) = (scan.gtin.clone(), scan.alternative.clone());
    Ok(app
        .till
        .store
        .call(move |c| catalog::product_for_scan(c, &primary, other.as_ref()))
        .await?)
}

/// Type-ahead product search over the local replica: `q` (words, matched as
/// prefixes), `limit` (1–100, default 20).
async fn search_products(
    State(app): State<AgentState>,
    axum::extract::Query(query): axum::extract::Query<std::collections::BTreeMap<String, String>>,
) -> Result<Json<Vec<ProductView>>, ApiError> {
    if let Some(key) = query.keys().find(|k| !["q", "limit"].contains(&k.as_str())) {
        return Err(ApiError::invalid(
            key.clone(),
            format!("{key} is not a search parameter; use q and limit"),
        ));
    }
    let typed = query
        .get("q")
        .ok_or_else(|| ApiError::invalid("q", "q, the text to search for, is missing"))?
        .clone();
    if typed.chars().count() > 100 {
        return Err(ApiError::invalid("q", "q is longer than 100 characters"));
    }
    let limit = pos_shared::http::limit_text(query.get("limit").map(String::as_str), 20, 100)?;
    Ok(Json(
        app.till
            .store
            .call(move |c| catalog::search(c, &typed, limit))
            .await?,
    ))
}

/// What sells with the item (a variant id), for the hint beside the bill:
/// at most three products this till may sell and has stock of, best first;
/// an empty list when there are none or the hub has not been heard.
async fn add_ons(
    State(app): State<AgentState>,
    Path(raw): Path<String>,
    axum::extract::Query(query): axum::extract::Query<std::collections::BTreeMap<String, String>>,
) -> Result<Json<Vec<ProductView>>, ApiError> {
    if let Some(key) = query.keys().next() {
        return Err(ApiError::invalid(
            key.clone(),
            format!("{key} is not a parameter here: add-ons take none"),
        ));
    }
    let item: pos_shared::VariantId = raw
        .parse()
        .map_err(|_| ApiError::invalid("variant_id", format!("{raw:?} is not a variant id")))?;
    Ok(Json(crate::till::add_ons::for_item(&app.till, item).await?))
}

/// The category tree, parents before children.
async fn categories(
    State(app): State<AgentState>,
) -> Result<Json<Vec<pos_shared::catalog::CategoryRecord>>, ApiError> {
    Ok(Json(app.till.store.call(|c| categories::tree(c)).await?))
}

/// The quick-key grid: one page per category with keyed items.
async fn quick_keys(
    State(app): State<AgentState>,
) -> Result<Json<Vec<categories::QuickKeyPage>>, ApiError> {
    Ok(Json(
        app.till.store.call(|c| categories::quick_keys(c)).await?,
    ))
}
