//! Buying stock in, for HQ: the suppliers list, purchase orders raised for a
//! store (its tills hear of them through the feed and receive against them
//! by scan, offline too), closing or cancelling an order, and reading back
//! every delivery with what differed from the order: short, excess, damaged,
//! not ordered.

use super::openapi::{Conflict, NotFound, Refused};
use super::paging::{PageParams, Paged};
use super::AppState;
use crate::auth::Hq;
use crate::domain::purchasing::{
    NewOrderLine, NewPurchaseOrder, NewSupplier, PurchaseOrderReport, PurchaseOrderSummary,
    RaisedOrder, ReceiptReport, ReceiptSummary, Supplier, MAX_SUPPLIER_NAME,
};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use pos_shared::http::{ApiError, JsonBody, NoBody, PathIds};
use pos_shared::purchase::{PurchaseOrderState, MAX_PURCHASE_LINES, MAX_PURCHASE_NOTE};
use pos_shared::{Qty, StoreId, VariantId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(suppliers, add_supplier))
        .routes(routes!(supplier, edit_supplier))
        .routes(routes!(orders, raise))
        .routes(routes!(order))
        .routes(routes!(close))
        .routes(routes!(cancel))
        .routes(routes!(receipts))
        .routes(routes!(receipt))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SupplierBody {
    /// Lets HQ tools retry safely; minted by the hub when absent.
    #[serde(default)]
    supplier_id: Option<Uuid>,
    /// One supplier a name (letter case aside), at most 120 characters.
    #[schema(max_length = 120)]
    name: String,
    /// The supplier's GST registration, checked (15 characters, check digit).
    #[serde(default)]
    gstin: Option<String>,
    #[serde(default)]
    #[schema(max_length = 20)]
    phone: Option<String>,
}

/// Adds a supplier to the tenant's list.
#[utoipa::path(
    post, path = "/v1/suppliers", tag = "purchasing", security(("hq" = [])),
    request_body = SupplierBody,
    responses(
        (status = 201, description = "Added", body = Supplier),
        (status = 200, description = "The same supplier, asked for again", body = Supplier),
        Refused, Conflict
    )
)]
async fn add_supplier(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<SupplierBody>,
) -> Result<(StatusCode, Json<Supplier>), ApiError> {
    let new = checked_supplier(
        body.supplier_id.unwrap_or_else(Uuid::now_v7),
        &body.name,
        body.gstin.as_deref(),
        body.phone.as_deref(),
    )?;
    let (supplier, added) = app.storage.add_supplier(hq.tenant, &new).await?;
    let status = match added {
        true => StatusCode::CREATED,
        false => StatusCode::OK,
    };
    Ok((status, Json(supplier)))
}

/// A supplier as HQ gives it, checked field by field: the name trimmed, the
/// GSTIN's check digit, the phone's characters; blanks are absent.
fn checked_supplier(
    supplier_id: Uuid,
    name: &str,
    gstin: Option<&str>,
    phone: Option<&str>,
) -> Result<NewSupplier, ApiError> {
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_SUPPLIER_NAME {
        return Err(ApiError::invalid(
            "name",
            format!("name must be 1 to {MAX_SUPPLIER_NAME} characters"),
        ));
    }
    super::visible_text("name", &name)?;
    let gstin = match gstin.map(str::trim).filter(|g| !g.is_empty()) {
        None => None,
        Some(g) => Some(
            pos_shared::gstin::Gstin::parse(g)
                .map_err(|e| ApiError::invalid("gstin", e.to_string()))?
                .as_str()
                .to_owned(),
        ),
    };
    let phone = phone.map(str::trim).filter(|p| !p.is_empty());
    if let Some(p) = phone {
        let ok = p.chars().count() <= 20
            && p.chars().filter(char::is_ascii_digit).count() >= 6
            && p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
        if !ok {
            return Err(ApiError::invalid(
                "phone",
                "phone must be at most 20 characters: digits (at least 6), spaces, +, - and brackets",
            ));
        }
    }
    Ok(NewSupplier {
        supplier_id,
        name,
        gstin,
        phone: phone.map(str::to_owned),
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct SupplierQuery {
    /// A part of the name or of the GSTIN, letter case aside.
    #[param(max_length = 100)]
    q: Option<String>,
    /// At most this many (1 to 1000, 500 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// The `next_cursor` of the page before; absent for the first page.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// The tenant's suppliers, a page at a time in the order they were added;
/// `q` finds them by a part of the name or of the GSTIN.
#[utoipa::path(
    get, path = "/v1/suppliers", operation_id = "list_suppliers", tag = "purchasing", security(("hq" = [])),
    params(SupplierQuery),
    responses((status = 200, description = "OK", body = Paged<Supplier>), Refused)
)]
async fn suppliers(
    State(app): State<AppState>,
    hq: Hq,
    params: Result<Query<SupplierQuery>, QueryRejection>,
) -> Result<Json<Paged<Supplier>>, ApiError> {
    let Query(params) = params.map_err(super::query_error)?;
    let page = super::paging::page_of(params.limit.as_deref(), params.cursor.as_deref())?;
    let find = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if find.is_some_and(|q| q.chars().count() > 100) {
        return Err(ApiError::invalid("q", "q is longer than 100 characters"));
    }
    let page = app.storage.suppliers(hq.tenant, find, page).await?;
    Ok(Json(Paged::of(page, |s| s.supplier_id)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SupplierEdit {
    /// One supplier a name (letter case aside), at most 120 characters.
    #[schema(max_length = 120)]
    name: String,
    /// The supplier's GST registration, checked; absent or blank clears it.
    #[serde(default)]
    gstin: Option<String>,
    /// Absent or blank clears it.
    #[serde(default)]
    #[schema(max_length = 20)]
    phone: Option<String>,
}

/// Corrects a supplier as a whole (name, GSTIN, phone); a new name reaches
/// the tills that hold the supplier's orders.
#[utoipa::path(
    put, path = "/v1/suppliers/{supplier_id}", operation_id = "edit_supplier", tag = "purchasing", security(("hq" = [])),
    params(("supplier_id" = Uuid, Path)),
    request_body = SupplierEdit,
    responses((status = 200, description = "As it stands now", body = Supplier), Refused, NotFound)
)]
async fn edit_supplier(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    JsonBody(body): JsonBody<SupplierEdit>,
) -> Result<Json<Supplier>, ApiError> {
    let edit = checked_supplier(id, &body.name, body.gstin.as_deref(), body.phone.as_deref())?;
    Ok(Json(app.storage.edit_supplier(hq.tenant, &edit).await?))
}

#[utoipa::path(
    get, path = "/v1/suppliers/{supplier_id}", operation_id = "supplier", tag = "purchasing", security(("hq" = [])),
    params(("supplier_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = Supplier), Refused, NotFound)
)]
async fn supplier(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
) -> Result<Json<Supplier>, ApiError> {
    Ok(Json(app.storage.supplier(hq.tenant, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct OrderLineBody {
    variant_id: VariantId,
    /// In the item's unit: whole pieces unless it is sold loose.
    qty: Qty,
    /// The agreed cost of one unit, in minor units (paise).
    #[serde(default)]
    #[schema(minimum = 0)]
    unit_cost_minor: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct OrderBody {
    /// Lets HQ tools retry safely; minted by the hub when absent.
    #[serde(default)]
    po_id: Option<Uuid>,
    supplier_id: Uuid,
    /// `YYYY-MM-DD`: when the delivery is due.
    #[serde(default)]
    expected_on: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200)]
    note: String,
    /// 1 to 1,000 lines, one an item.
    lines: Vec<OrderLineBody>,
}

/// Raises a purchase order for the store: its tills hear of it at once and
/// receive the delivery against it by scan.
#[utoipa::path(
    post, path = "/v1/stores/{store_id}/purchase-orders", tag = "purchasing", security(("hq" = [])),
    params(("store_id" = StoreId, Path, description = "The store the goods are for")),
    request_body = OrderBody,
    responses(
        (status = 201, description = "Raised", body = PurchaseOrderReport),
        (status = 200, description = "The same order, asked for again", body = PurchaseOrderReport),
        Refused, NotFound, Conflict
    )
)]
async fn raise(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    JsonBody(body): JsonBody<OrderBody>,
) -> Result<(StatusCode, Json<PurchaseOrderReport>), ApiError> {
    hq.check_store(store)?;
    check_lines(
        "an order",
        MAX_PURCHASE_LINES,
        body.lines
            .iter()
            .map(|l| (l.variant_id, l.qty, l.unit_cost_minor)),
    )?;
    if let Some(day) = &body.expected_on {
        let Some(date) = pos_shared::sync::parse_day(day) else {
            return Err(ApiError::invalid(
                "expected_on",
                format!("{day:?} is not a date such as 2026-12-31"),
            ));
        };
        // A typing slip, not a delivery: more than a year back or two ahead.
        let today = time::OffsetDateTime::now_utc().date();
        let days = (date - today).whole_days();
        if !(-365..=730).contains(&days) {
            return Err(ApiError::invalid(
                "expected_on",
                format!("{day} is more than a year ago or two years ahead: check the date"),
            ));
        }
    }
    let note = body.note.trim();
    if note.chars().count() > MAX_PURCHASE_NOTE {
        return Err(ApiError::invalid(
            "note",
            format!("note must be at most {MAX_PURCHASE_NOTE} characters"),
        ));
    }
    super::visible_text("note", note)?;
    let new = NewPurchaseOrder {
        po_id: body.po_id.unwrap_or_else(Uuid::now_v7),
        store_id: store,
        supplier_id: body.supplier_id,
        expected_on: body.expected_on,
        note: note.to_owned(),
        lines: body
            .lines
            .iter()
            .map(|l| NewOrderLine {
                variant_id: l.variant_id,
                ordered: l.qty,
                unit_cost_minor: l.unit_cost_minor,
            })
            .collect(),
        raised_by: hq.grant.actor.source(),
    };
    match app
        .storage
        .raise_purchase_order(hq.tenant, &new)
        .await
        .map_err(|e| match e {
            crate::storage::DbError::NotFound("supplier") => ApiError::invalid(
                "supplier_id",
                format!("no supplier {} on this tenant's list", new.supplier_id),
            ),
            e => super::bulk_error("lines", e),
        })? {
        RaisedOrder::Created(o) => Ok((StatusCode::CREATED, Json(o))),
        RaisedOrder::Existing(o) => Ok((StatusCode::OK, Json(o))),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct OrdersQuery {
    /// Only orders in this state: open, part_received, received, closed, cancelled.
    state: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// The store's purchase orders, a page at a time in the order raised.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/purchase-orders", operation_id = "list_purchase_orders", tag = "purchasing", security(("hq" = [])),
    params(("store_id" = StoreId, Path), OrdersQuery),
    responses((status = 200, description = "OK", body = Paged<PurchaseOrderSummary>), Refused, NotFound)
)]
async fn orders(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    query: Result<Query<OrdersQuery>, QueryRejection>,
) -> Result<Json<Paged<PurchaseOrderSummary>>, ApiError> {
    let Query(q) = query.map_err(super::query_error)?;
    hq.check_store(store)?;
    let state = match q.state.as_deref() {
        None => None,
        Some(s) => Some(PurchaseOrderState::parse(s).ok_or_else(|| {
            ApiError::invalid(
                "state",
                format!(
                    "state {s:?} is not one of open, part_received, received, closed, cancelled"
                ),
            )
        })?),
    };
    let page = super::paging::page_of(q.limit.as_deref(), q.cursor.as_deref())?;
    let page = app
        .storage
        .purchase_orders(hq.tenant, store, state, page)
        .await?;
    Ok(Json(Paged::of(page, |o| o.po_id)))
}

/// One order, line by line against everything received (short, excess,
/// damaged, items not ordered), and its deliveries.
#[utoipa::path(
    get, path = "/v1/purchase-orders/{po_id}", operation_id = "purchase_order", tag = "purchasing", security(("hq" = [])),
    params(("po_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = PurchaseOrderReport), Refused, NotFound)
)]
async fn order(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
) -> Result<Json<PurchaseOrderReport>, ApiError> {
    let order = app.storage.purchase_order(hq.tenant, id).await?;
    hq.check_store(order.summary.store_id)?;
    Ok(Json(order))
}

/// Ends an order at `to`, after checking the key reaches its store.
async fn end(
    app: &AppState,
    hq: &Hq,
    id: Uuid,
    to: PurchaseOrderState,
) -> Result<Json<PurchaseOrderReport>, ApiError> {
    let order = app.storage.purchase_order(hq.tenant, id).await?;
    hq.check_store(order.summary.store_id)?;
    Ok(Json(
        app.storage.end_purchase_order(hq.tenant, id, to).await?,
    ))
}

/// Closes an order part received: nothing more is expected, what came
/// stands, and the store's tills stop offering it.
#[utoipa::path(
    post, path = "/v1/purchase-orders/{po_id}/close", operation_id = "close_purchase_order", tag = "purchasing", security(("hq" = [])),
    params(("po_id" = Uuid, Path)),
    responses((status = 200, description = "Closed (or already closed)", body = PurchaseOrderReport), Refused, NotFound, Conflict)
)]
async fn close(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    _: NoBody,
) -> Result<Json<PurchaseOrderReport>, ApiError> {
    end(&app, &hq, id, PurchaseOrderState::Closed).await
}

/// Cancels an order nothing was received against.
#[utoipa::path(
    post, path = "/v1/purchase-orders/{po_id}/cancel", operation_id = "cancel_purchase_order", tag = "purchasing", security(("hq" = [])),
    params(("po_id" = Uuid, Path)),
    responses((status = 200, description = "Cancelled (or already cancelled)", body = PurchaseOrderReport), Refused, NotFound, Conflict)
)]
async fn cancel(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    _: NoBody,
) -> Result<Json<PurchaseOrderReport>, ApiError> {
    end(&app, &hq, id, PurchaseOrderState::Cancelled).await
}

/// The deliveries the store took in, against an order or not, a page at a
/// time in the order the hub heard of them.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/goods-receipts", operation_id = "list_goods_receipts", tag = "purchasing", security(("hq" = [])),
    params(("store_id" = StoreId, Path), PageParams),
    responses((status = 200, description = "OK", body = Paged<ReceiptSummary>), Refused, NotFound)
)]
async fn receipts(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<Json<Paged<ReceiptSummary>>, ApiError> {
    let Query(params) = params.map_err(super::query_error)?;
    hq.check_store(store)?;
    let page = app
        .storage
        .goods_receipts(hq.tenant, store, params.page()?)
        .await?;
    Ok(Json(Paged::of(page, |r| r.receipt_id)))
}

/// One delivery, line by line with its batches.
#[utoipa::path(
    get, path = "/v1/goods-receipts/{receipt_id}", operation_id = "goods_receipt", tag = "purchasing", security(("hq" = [])),
    params(("receipt_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = ReceiptReport), Refused, NotFound)
)]
async fn receipt(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
) -> Result<Json<ReceiptReport>, ApiError> {
    let receipt = app.storage.goods_receipt(hq.tenant, id).await?;
    hq.check_store(receipt.summary.store_id)?;
    Ok(Json(receipt))
}

/// Checks the item lines of `what` ("an order", "a bill"): 1 to `most` lines,
/// one an item, each quantity more than zero and in range, each unit cost
/// (when given) between zero and the largest price. The error names the line.
pub(super) fn check_lines(
    what: &str,
    most: usize,
    lines: impl ExactSizeIterator<Item = (VariantId, Qty, Option<i64>)>,
) -> Result<(), ApiError> {
    if lines.len() == 0 || lines.len() > most {
        return Err(ApiError::invalid(
            "lines",
            format!("{what} has 1 to {most} lines"),
        ));
    }
    let mut seen = std::collections::HashSet::with_capacity(lines.len());
    for (i, (variant, qty, cost)) in lines.enumerate() {
        if !seen.insert(variant) {
            return Err(ApiError::invalid(
                format!("lines[{i}].variant_id"),
                format!("item {variant} is listed twice: one line an item"),
            ));
        }
        if !qty.is_positive() {
            return Err(ApiError::invalid(
                format!("lines[{i}].qty"),
                "qty must be more than zero",
            ));
        }
        super::check_qty(&format!("lines[{i}].qty"), qty)?;
        if cost.is_some_and(|c| !(0..=pos_shared::limits::MAX_PRICE_MINOR).contains(&c)) {
            return Err(ApiError::invalid(
                format!("lines[{i}].unit_cost_minor"),
                format!(
                    "unit_cost_minor must be between 0 and {} (paise)",
                    pos_shared::limits::MAX_PRICE_MINOR
                ),
            ));
        }
    }
    Ok(())
}
