//! Credit accounts at the till, on loopback: find a customer's account by
//! phone or name, see what is owed and what this till can still put on it,
//! and take a payment against the dues (cash, card or UPI), offline too.
//! A sale goes on an account as a tender (`method: credit`) with the
//! customer's phone, through the sales endpoint.

use super::AgentState;
use crate::store::credit::TillAccount;
use crate::till::credit::{self, PaymentEntry};
use crate::till::dues_reminders::{self, ReminderRequest, Reminders};
use crate::till::e_receipts::EReceipt;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use pos_shared::credit::{normalize_phone, DuesPayment};
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::sale::TenderMethod;
use pos_shared::Money;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

pub(super) fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/credit-accounts", get(find))
        .route("/v1/credit-accounts/{phone}", get(one))
        .route("/v1/credit-accounts/{phone}/payments", post(pay))
        .route(
            "/v1/credit-accounts/{phone}/reminders",
            get(reminders).post(remind),
        )
}

/// Sends the holder a reminder of what is owed: 202 when queued (or handed
/// over as a click-to-chat link), 200 with the one sent in the last day.
async fn remind(
    State(app): State<AgentState>,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<ReminderRequest>,
) -> Result<(StatusCode, Json<EReceipt>), ApiError> {
    let (message, created) = dues_reminders::remind(&app.till, &raw, body).await?;
    let status = match created {
        true => StatusCode::ACCEPTED,
        false => StatusCode::OK,
    };
    Ok((status, Json(message)))
}

async fn reminders(
    State(app): State<AgentState>,
    Path(raw): Path<String>,
) -> Result<Json<Reminders>, ApiError> {
    Ok(Json(dues_reminders::list(&app.till, &raw).await?))
}

/// `q`: digits of a phone number, or part of a name.
async fn find(
    State(app): State<AgentState>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Json<Vec<TillAccount>>, ApiError> {
    let q = super::customers::person_query(&query)?.trim().to_owned();
    if q.chars().count() > 100 {
        return Err(ApiError::invalid("q", "q is longer than 100 characters"));
    }
    Ok(Json(credit::find(&app.till, q).await?))
}

async fn one(
    State(app): State<AgentState>,
    Path(raw): Path<String>,
) -> Result<Json<TillAccount>, ApiError> {
    let phone = normalize_phone(&raw).map_err(|e| ApiError::invalid("phone", e))?;
    credit::account(&app.till, phone.clone())
        .await?
        .map(Json)
        .ok_or_else(|| {
            ApiError::not_found(
                "not_found",
                format!("{phone} has no credit account at this store"),
            )
        })
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DuesPaymentEntry {
    /// Lets the screen retry safely; minted by the till when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional, type = "string"))]
    payment_id: Option<Uuid>,
    amount: Money,
    /// cash, card or upi.
    method: TenderMethod,
    /// The card approval code or UPI reference; none for cash.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    reference: Option<String>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Serialize)]
pub(crate) struct DuesPaid {
    payment: DuesPayment,
    account: TillAccount,
}

/// Takes a payment against the account's dues: 201 with the payment and the
/// account, 200 when the same payment id was taken before.
async fn pay(
    State(app): State<AgentState>,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<DuesPaymentEntry>,
) -> Result<(StatusCode, Json<DuesPaid>), ApiError> {
    let entry = PaymentEntry {
        payment_id: body.payment_id,
        phone: raw,
        amount: body.amount,
        method: body.method,
        reference: body.reference,
    };
    let (payment, account, new) = credit::take_payment(&app.till, entry).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(DuesPaid { payment, account })))
}
