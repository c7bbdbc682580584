//! The local API for returns: find the sale by its receipt number, return lines.

use super::AgentState;
use crate::store::returns::{self, ReturnRejection, ReturnRequest, ReturnableSale};
use crate::store::shifts;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::returns::ReturnFact;

pub fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/sales/by-receipt/{receipt_no}", get(by_receipt))
        .route("/v1/returns", post(create))
}

fn unknown_sale(receipt_no: &str) -> ApiError {
    ApiError::not_found(
        "unknown_sale",
        format!("no sale with receipt number {receipt_no} at this store (this till's, or another's it has heard of)"),
    )
}

/// The sale and what of it has come back already.
async fn by_receipt(
    State(app): State<AgentState>,
    Path(receipt_no): Path<String>,
) -> Result<Json<ReturnableSale>, ApiError> {
    let key = receipt_no.clone();
    app.till
        .store
        .call(move |c| returns::by_receipt(c, &key))
        .await?
        .map(Json)
        .ok_or_else(|| unknown_sale(receipt_no.trim()).with_field("receipt_no"))
}

async fn create(
    State(app): State<AgentState>,
    JsonBody(request): JsonBody<ReturnRequest>,
) -> Result<(StatusCode, Json<ReturnFact>), ApiError> {
    let device = app.till.sync.credential().ok_or_else(|| {
        ApiError::conflict(
            "not_enrolled",
            "this terminal is not enrolled with the hub yet, so it cannot number returns",
        )
    })?;
    // A revoked till's return would move the customer's account or points
    // where the hub never hears of it: such a bill goes back at another till.
    if app.till.sync.link().revoked {
        let key = request.original_receipt_no.clone();
        let sale = app
            .till
            .store
            .call(move |c| returns::by_receipt(c, &key))
            .await?;
        let escrowed = sale.is_some_and(|s| {
            s.sale.tenders.iter().any(|t| {
                matches!(
                    t.method,
                    pos_shared::sale::TenderMethod::Credit | pos_shared::sale::TenderMethod::Points
                )
            }) || s
                .sale
                .customer
                .as_ref()
                .is_some_and(|c| c.points_earned > 0)
        });
        if escrowed {
            return Err(ApiError::invalid(
                "original_receipt_no",
                "HQ revoked this till: a bill paid on account or in points, or that earned points, is taken back at another till of the store",
            ));
        }
    }
    let policy = app.till.sale_policy.clone();
    // Cash out of the drawer belongs to a shift, as cash in does; a refund
    // to the card or UPI it was paid by does not touch the drawer.
    if policy.require_open_shift
        && request.refund_to == returns::RefundTo::Cash
        && !app.till.store.call(|c| shifts::is_open(c)).await?
    {
        return Err(crate::till::TillError::NoOpenShift("refunding cash").into());
    }
    let result = app
        .till
        .store
        .call(move |c| returns::record_return(c, &device, &request, &policy))
        .await?;
    match result {
        Ok(fact) => {
            app.till.sync.nudge.notify_one();
            app.till.sync.notify_changed();
            // The return is recorded: cash goes back out of the drawer, and
            // the credit note is the print queue's to deliver.
            if fact
                .refunds
                .iter()
                .any(|t| t.method == pos_shared::sale::TenderMethod::Cash)
            {
                let why = format!("cash refund {}", fact.receipt_no);
                if let Err(e) = app
                    .till
                    .printers
                    .open_drawer(Some(fact.original_sale_id), why)
                    .await
                {
                    tracing::error!(return_id = %fact.return_id, error = %e, "drawer pulse not asked");
                }
            }
            let terminal = app.till.sync.credential().map(|c| c.terminal_name);
            if let Err(e) = app
                .till
                .printers
                .queue_return(&fact, terminal.as_deref())
                .await
            {
                tracing::error!(return_id = %fact.return_id, error = %e, "credit note not queued");
            }
            Ok((StatusCode::CREATED, Json(fact)))
        }
        Err(ReturnRejection::UnknownSale(no)) => {
            Err(unknown_sale(&no).with_field("original_receipt_no"))
        }
        Err(ReturnRejection::Invalid { field, detail }) => Err(ApiError::invalid(
            field.clone(),
            format!("{field}: {detail}"),
        )),
    }
}
