//! Supplier bills for HQ's accountant: a bill entered against the supplier's
//! deliveries (goods receipts) is matched item by item with what those
//! receipts accepted and what the orders agreed, and read back with what
//! does not match (PO → GRN → bill).

use super::openapi::{Conflict, NotFound, Refused};
use super::paging::{PageParams, Paged};
use super::AppState;
use crate::auth::Hq;
use crate::domain::supplier_bills::{
    EnteredBill, NewBillLine, NewSupplierBill, SupplierBill, MAX_BILL_LINES, MAX_BILL_RECEIPTS,
};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use pos_shared::http::{ApiError, JsonBody, PathIds};
use pos_shared::purchase::MAX_BILL_NO;
use pos_shared::{Qty, VariantId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(enter))
        .routes(routes!(one))
        .routes(routes!(of_supplier))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct BillLineBody {
    variant_id: VariantId,
    qty: Qty,
    /// What one unit is billed at, in minor units (paise), before tax.
    #[schema(minimum = 0)]
    unit_cost_minor: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct BillBody {
    /// Lets HQ tools retry safely; minted by the hub when absent.
    #[serde(default)]
    bill_id: Option<Uuid>,
    supplier_id: Uuid,
    /// The number on the supplier's bill: one entry a number per supplier.
    #[schema(max_length = 40)]
    bill_no: String,
    /// `YYYY-MM-DD`, as printed.
    bill_date: String,
    /// The supplier's deliveries the bill charges for (1 to 100), each
    /// billed once.
    receipt_ids: Vec<Uuid>,
    /// 1 to 1,000 lines, one an item.
    lines: Vec<BillLineBody>,
}

/// Enters a supplier's bill against the deliveries it charges for, and
/// matches it: 201 with the match (quantities against what was received,
/// prices against what was ordered).
#[utoipa::path(
    post, path = "/v1/supplier-bills", tag = "purchasing", security(("hq" = [])),
    request_body = BillBody,
    responses(
        (status = 201, description = "Entered and matched", body = SupplierBill),
        (status = 200, description = "The same bill, entered again", body = SupplierBill),
        Refused, NotFound, Conflict
    )
)]
async fn enter(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<BillBody>,
) -> Result<(StatusCode, Json<SupplierBill>), ApiError> {
    let bill_no = body.bill_no.trim();
    if bill_no.is_empty() || bill_no.chars().count() > MAX_BILL_NO {
        return Err(ApiError::invalid(
            "bill_no",
            format!("bill_no must be 1 to {MAX_BILL_NO} characters"),
        ));
    }
    super::visible_text("bill_no", bill_no)?;
    let Some(day) = pos_shared::sync::parse_day(&body.bill_date) else {
        return Err(ApiError::invalid(
            "bill_date",
            format!("{:?} is not a date such as 2026-12-31", body.bill_date),
        ));
    };
    // A day's grace for a supplier a time zone ahead; a bill is not dated later.
    if day > time::OffsetDateTime::now_utc().date() + time::Duration::days(1) {
        return Err(ApiError::invalid(
            "bill_date",
            format!(
                "{} is in the future: a bill is dated when it is issued",
                body.bill_date
            ),
        ));
    }
    if body.receipt_ids.is_empty() || body.receipt_ids.len() > MAX_BILL_RECEIPTS {
        return Err(ApiError::invalid(
            "receipt_ids",
            format!("a bill charges for 1 to {MAX_BILL_RECEIPTS} deliveries"),
        ));
    }
    let mut receipts = std::collections::HashSet::new();
    if let Some(i) = body.receipt_ids.iter().position(|r| !receipts.insert(*r)) {
        return Err(ApiError::invalid(
            "receipt_ids",
            format!("receipt_ids[{i}]: {} is listed twice", body.receipt_ids[i]),
        ));
    }
    super::purchasing::check_lines(
        "a bill",
        MAX_BILL_LINES,
        body.lines
            .iter()
            .map(|l| (l.variant_id, l.qty, Some(l.unit_cost_minor))),
    )?;
    let new = NewSupplierBill {
        bill_id: body.bill_id.unwrap_or_else(Uuid::now_v7),
        supplier_id: body.supplier_id,
        bill_no: bill_no.to_owned(),
        bill_date: body.bill_date,
        receipt_ids: body.receipt_ids,
        lines: body
            .lines
            .iter()
            .map(|l| NewBillLine {
                variant_id: l.variant_id,
                qty: l.qty,
                unit_cost_minor: l.unit_cost_minor,
            })
            .collect(),
        recorded_by: hq.grant.actor.source(),
    };
    match app
        .storage
        .enter_supplier_bill(hq.tenant, &new)
        .await
        .map_err(|e| super::bulk_error("lines", e))?
    {
        EnteredBill::Created(b) => Ok((StatusCode::CREATED, Json(b))),
        EnteredBill::Existing(b) => Ok((StatusCode::OK, Json(b))),
    }
}

/// One bill and its match.
#[utoipa::path(
    get, path = "/v1/supplier-bills/{bill_id}", operation_id = "supplier_bill", tag = "purchasing", security(("hq" = [])),
    params(("bill_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = SupplierBill), Refused, NotFound)
)]
async fn one(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
) -> Result<Json<SupplierBill>, ApiError> {
    Ok(Json(app.storage.supplier_bill(hq.tenant, id).await?))
}

/// A supplier's bills, a page at a time in the order entered.
#[utoipa::path(
    get, path = "/v1/suppliers/{supplier_id}/bills", operation_id = "list_supplier_bills", tag = "purchasing", security(("hq" = [])),
    params(("supplier_id" = Uuid, Path), PageParams),
    responses((status = 200, description = "OK", body = Paged<SupplierBill>), Refused, NotFound)
)]
async fn of_supplier(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(supplier): PathIds<Uuid>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<Json<Paged<SupplierBill>>, ApiError> {
    let Query(params) = params.map_err(super::query_error)?;
    let page = app
        .storage
        .supplier_bills(hq.tenant, supplier, params.page()?)
        .await?;
    Ok(Json(Paged::of(page, |b| b.bill_id)))
}
