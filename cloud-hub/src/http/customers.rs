//! Customers across stores, for HQ and the tills: HQ searches the chain's
//! customers and reads one with every store that knows them (bills, refunds,
//! dues); a till looks up a customer it has not met, first met at another
//! store. Profiles are captured at the tills and merged from their stores'
//! documents (`storage/sql/customers.rs`).

use super::openapi::{NotFound, Refused};
use super::AppState;
use crate::auth::{Device, Hq};
use crate::domain::customers::{CustomerRecord, CustomerReport, MAX_SEARCH};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use pos_shared::credit::normalize_phone;
use pos_shared::customer::{Customer, CustomerPatch};
use pos_shared::http::{ApiError, JsonBody, PathIds};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(one, edit))
        .routes(routes!(for_till))
}

fn phone(raw: &str) -> Result<String, ApiError> {
    normalize_phone(raw).map_err(|e| ApiError::invalid("phone", e))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct SearchParams {
    /// Digits of a phone number (spaces, dashes and a leading +91 allowed),
    /// or part of a name in any case; every customer (the most recently
    /// changed first) without it.
    #[param(max_length = 100)]
    q: Option<String>,
    /// At most this many (20 when absent).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// The chain's customers whose phone holds the digits asked or whose name
/// holds the text asked.
#[utoipa::path(
    get, path = "/v1/customers", tag = "customers", security(("hq" = [])),
    params(SearchParams),
    responses((status = 200, description = "The customers found", body = Vec<CustomerRecord>), Refused)
)]
async fn search(
    State(app): State<AppState>,
    hq: Hq,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<Vec<CustomerRecord>>, ApiError> {
    let Query(params) = params.map_err(super::query_error)?;
    let limit = params.limit.unwrap_or(20);
    if !(1..=MAX_SEARCH).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("limit is 1 to {MAX_SEARCH}"),
        ));
    }
    if params
        .q
        .as_ref()
        .is_some_and(|q| q.chars().count() > 100 || q.chars().any(char::is_control))
    {
        return Err(ApiError::invalid(
            "q",
            "q is at most 100 printable characters",
        ));
    }
    Ok(Json(
        app.storage
            .search_customers(hq.tenant, params.q.as_deref(), limit)
            .await?,
    ))
}

/// A customer with every store that knows them: whether its tills hold the
/// profile, the bills that named the customer there and what they came to,
/// refunds on them, and what is owed on a credit account.
#[utoipa::path(
    get, path = "/v1/customers/{phone}", tag = "customers", security(("hq" = [])),
    params(("phone" = String, Path, description = "The customer's mobile number: +91 and ten digits, or the ten digits")),
    responses((status = 200, description = "The customer", body = CustomerReport), Refused, NotFound)
)]
async fn one(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(raw): PathIds<String>,
) -> Result<Json<CustomerReport>, ApiError> {
    let phone = phone(&raw)?;
    match app.storage.customer(hq.tenant, &phone).await {
        Err(crate::storage::DbError::NotFound(_)) => Err(unknown(&phone)),
        found => {
            let mut report = found?;
            // A key limited to some stores reads the customer at those only.
            report.stores.retain(|s| hq.grant.reaches(s.store_id));
            Ok(Json(report))
        }
    }
}

/// HQ corrects a customer's profile: fields left out are kept, an empty
/// one clears. The stores whose tills hold the customer hear of it in the
/// feed and bill with the corrected name and GSTIN. A key limited to some
/// stores corrects only the customers its stores know.
#[utoipa::path(
    put, path = "/v1/customers/{phone}", tag = "customers", security(("hq" = [])),
    params(("phone" = String, Path, description = "The customer's mobile number: +91 and ten digits, or the ten digits")),
    request_body = CustomerPatch,
    responses((status = 200, description = "The customer as the chain now knows them", body = CustomerRecord), Refused, NotFound)
)]
async fn edit(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(raw): PathIds<String>,
    JsonBody(patch): JsonBody<CustomerPatch>,
) -> Result<Json<CustomerRecord>, ApiError> {
    let phone = phone(&raw)?;
    let gstin = patch
        .validate()
        .map_err(|(field, detail)| ApiError::invalid(field, detail))?;
    let patch = CustomerPatch {
        gstin: patch
            .gstin
            .map(|_| gstin.map(|g| g.to_string()).unwrap_or_default()),
        ..patch
    };
    reaches_customer(&app, &hq, &phone).await?;
    match app.storage.edit_customer(hq.tenant, &phone, &patch).await {
        Err(crate::storage::DbError::NotFound(_)) => Err(unknown(&phone)),
        edited => Ok(Json(edited?)),
    }
}

/// A credential limited to some stores changes only the customers those
/// stores know (whose tills hold them, or where they were billed or have an
/// account); an unlimited one, any the chain has met.
pub(super) async fn reaches_customer(app: &AppState, hq: &Hq, phone: &str) -> Result<(), ApiError> {
    if !hq.grant.limited() {
        return Ok(());
    }
    let report = match app.storage.customer(hq.tenant, phone).await {
        Err(crate::storage::DbError::NotFound(_)) => return Err(unknown(phone)),
        found => found?,
    };
    if report.stores.iter().any(|s| hq.grant.reaches(s.store_id)) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        format!("{phone} is known at none of the stores this credential reaches"),
    ))
}

/// A till looks up a customer its store has not met: the profile as the
/// chain knows it, wherever it was captured.
#[utoipa::path(
    get, path = "/v1/sync/customers/{phone}", tag = "sync", security(("device_token" = [])),
    params(("phone" = String, Path)),
    responses((status = 200, description = "The customer's profile", body = Customer), Refused, NotFound)
)]
async fn for_till(
    State(app): State<AppState>,
    Device(device): Device,
    PathIds(raw): PathIds<String>,
) -> Result<Json<Customer>, ApiError> {
    let phone = phone(&raw)?;
    app.storage
        .customer_record(device.tenant_id, &phone)
        .await?
        .map(|c| Json(c.profile()))
        .ok_or_else(|| unknown(&phone))
}

fn unknown(phone: &str) -> ApiError {
    ApiError::not_found(
        "unknown_customer",
        format!("the chain has not met a customer with phone {phone}"),
    )
    .with_field("phone")
}
