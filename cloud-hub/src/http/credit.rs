//! Credit accounts (the khata), for HQ and the tills: HQ opens a customer's
//! account at a store with a limit, changes or closes it, and reads the
//! store's accounts and each one's statement with its ageing; a till tops up
//! its grant on an account when a sale on account needs more than it holds.
//! How the limit holds while tills sell offline is in `pos_shared::credit`.

use super::openapi::{Conflict, NotFound, Refused};
use super::paging::{PageParams, Paged};
use super::AppState;
use crate::auth::{Device, Hq};
use crate::domain::credit::{
    CreditAccountReport, CreditStatement, SetCreditAccount, MAX_HOLDER_NAME,
};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use pos_shared::credit::{normalize_phone, CreditAccount, CreditTopUp};
use pos_shared::http::{ApiError, JsonBody, PathIds};
use pos_shared::{Money, StoreId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(accounts))
        .routes(routes!(statement, set_account))
        .routes(routes!(top_up))
}

fn phone(raw: &str) -> Result<String, ApiError> {
    normalize_phone(raw).map_err(|e| ApiError::invalid("phone", e))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AccountBody {
    /// The most the customer may owe: zero or more, in the store's currency.
    limit: Money,
    /// The account holder's name as the store knows them; absent or blank
    /// for none.
    #[serde(default)]
    #[schema(max_length = 120)]
    name: Option<String>,
    /// No further sale on account (payments are still taken). False when absent.
    #[serde(default)]
    closed: bool,
}

/// Opens a customer's credit account at the store, or changes its limit,
/// name or whether it is closed. The store's tills hear of it through the
/// feed with their grants; a lowered limit is kept to as the tills give back
/// what they hold past their new share.
#[utoipa::path(
    put, path = "/v1/stores/{store_id}/credit-accounts/{phone}", tag = "credit", security(("hq" = [])),
    params(
        ("store_id" = StoreId, Path),
        ("phone" = String, Path, description = "The customer's mobile number: +91 and ten digits, or the ten digits")
    ),
    request_body = AccountBody,
    responses(
        (status = 201, description = "Opened", body = CreditAccountReport),
        (status = 200, description = "Changed", body = CreditAccountReport),
        Refused, NotFound, Conflict
    )
)]
async fn set_account(
    State(app): State<AppState>,
    hq: Hq,
    PathIds((store, raw_phone)): PathIds<(StoreId, String)>,
    JsonBody(body): JsonBody<AccountBody>,
) -> Result<(StatusCode, Json<CreditAccountReport>), ApiError> {
    let phone = phone(&raw_phone)?;
    if body.limit.is_negative() || body.limit.minor() > pos_shared::limits::MAX_CASH_MINOR {
        return Err(ApiError::invalid(
            "limit",
            format!(
                "a limit is zero to {}",
                Money::new(pos_shared::limits::MAX_CASH_MINOR, body.limit.currency())
            ),
        ));
    }
    let name = body
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if let Some(n) = name {
        if n.chars().count() > MAX_HOLDER_NAME {
            return Err(ApiError::invalid(
                "name",
                format!("a name is at most {MAX_HOLDER_NAME} characters"),
            ));
        }
        super::visible_text("name", n)?;
    }
    let set = SetCreditAccount {
        phone,
        store_id: store,
        name: name.map(str::to_owned),
        limit: body.limit,
        closed: body.closed,
    };
    let (account, opened) = app.storage.set_credit_account(hq.tenant, &set).await?;
    let status = match opened {
        true => StatusCode::CREATED,
        false => StatusCode::OK,
    };
    Ok((status, Json(account)))
}

/// The store's credit accounts in the order they were opened, each with what
/// is owed and what its tills hold.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/credit-accounts", tag = "credit", security(("hq" = [])),
    params(("store_id" = StoreId, Path), PageParams),
    responses((status = 200, description = "A page of accounts", body = Paged<CreditAccountReport>), Refused)
)]
async fn accounts(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<Json<Paged<CreditAccountReport>>, ApiError> {
    let Query(params) = params.map_err(super::query_error)?;
    let page = app
        .storage
        .credit_accounts(hq.tenant, store, params.page()?)
        .await?;
    Ok(Json(Paged::of(page, |a| a.account_id)))
}

/// An account's statement: every sale put on it and every payment, oldest
/// first with the balance after each, and what is owed aged by when it was
/// put on the account (payments settle the oldest first).
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/credit-accounts/{phone}", tag = "credit", security(("hq" = [])),
    params(("store_id" = StoreId, Path), ("phone" = String, Path)),
    responses((status = 200, description = "The statement", body = CreditStatement), Refused, NotFound)
)]
async fn statement(
    State(app): State<AppState>,
    hq: Hq,
    PathIds((store, raw_phone)): PathIds<(StoreId, String)>,
) -> Result<Json<CreditStatement>, ApiError> {
    let phone = phone(&raw_phone)?;
    let statement = app.storage.credit_statement(hq.tenant, &phone).await?;
    if statement.account.store_id != store {
        return Err(ApiError::not_found(
            "not_found",
            "credit account not found at this store",
        ));
    }
    Ok(Json(statement))
}

/// A till asks for more of an account's limit than it holds, for a sale on
/// account it is making now: its grant is raised by what it needs as far as
/// the limit allows, and the account comes back as the till hears it.
#[utoipa::path(
    post, path = "/v1/sync/credit-top-up", tag = "sync", security(("device_token" = [])),
    request_body = CreditTopUp,
    responses((status = 200, description = "The account with the till's grant", body = CreditAccount), Refused, NotFound)
)]
async fn top_up(
    State(app): State<AppState>,
    Device(device): Device,
    JsonBody(body): JsonBody<CreditTopUp>,
) -> Result<Json<CreditAccount>, ApiError> {
    let phone = phone(&body.phone)?;
    if !body.need.minor().is_positive() || body.need.minor() > pos_shared::limits::MAX_CASH_MINOR {
        return Err(ApiError::invalid(
            "need",
            "need is more than zero and at most a drawer's figure",
        ));
    }
    Ok(Json(
        app.storage
            .credit_top_up(&device, &phone, body.need)
            .await?,
    ))
}
