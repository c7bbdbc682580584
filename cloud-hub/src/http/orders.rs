//! Delivery orders with dark stores: placement (`POST /v1/orders`, store
//! selection by the tenant's strategy, every line held at once or a 422
//! `order_refused` with a reason per line and substitutes), one route for
//! every step of the state machine (`POST /v1/orders/{order_id}/transitions`
//! with `{"to": "confirmed"}`; a step the machine forbids is a 409
//! `wrong_state` naming the current and the asked state), lists, SLA
//! breaches and the tenant's store-selection strategy.

use super::openapi::{Conflict, NotFound, Refused};
use super::required_text;
use super::AppState;
use crate::auth::Hq;
use crate::domain::delivery::NewPayment;
use crate::domain::orders::{
    LineRequest, NewOrder, Order, OrderState, Performance, Placement, Refusal, STRATEGIES,
};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use pos_shared::http::{ApiError, JsonBody, PathIds};
use pos_shared::{StoreId, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// Fifteen minutes: how long an order's stock is held unless it says.
const DEFAULT_HOLD_MINUTES: u32 = 15;
const MAX_HOLD_MINUTES: u32 = 24 * 60;
const MAX_LINES: usize = 200;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(place_order, list_orders))
        .routes(routes!(list_sla_breaches))
        .routes(routes!(get_order))
        .routes(routes!(step_order))
        .routes(routes!(set_order_strategy))
        .routes(routes!(store_performance))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Customer {
    #[schema(minimum = -90, maximum = 90)]
    lat: f64,
    #[schema(minimum = -180, maximum = 180)]
    lon: f64,
    /// A phone number or name the rider can reach.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    contact: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PlaceBody {
    /// The same key with the same body is the same order; also taken from
    /// the `Idempotency-Key` header (one of them is required).
    #[serde(default)]
    idempotency_key: Option<String>,
    customer: Customer,
    /// Each line names its item by `variant_id` or `barcode`, and a `qty`.
    #[schema(min_items = 1, max_items = 200)]
    lines: Vec<LineRequest>,
    /// Where the order came from (`app`, `web`, a partner's name).
    #[schema(min_length = 1, max_length = 40, pattern = "\\S")]
    channel: String,
    /// How long its stock is held before it lapses, 1 to 1440 minutes (15).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1440)]
    hold_minutes: Option<u32>,
    /// The payment the channel's checkout authorised at the gateway; absent
    /// for cash on delivery. Packing captures what was picked, up to it.
    #[serde(default)]
    payment: Option<PaymentBody>,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PaymentBody {
    /// The gateway's id of the authorised payment.
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    gateway_ref: String,
    /// How much was authorised: at least the order's total, in the tenant's
    /// currency.
    authorized: pos_shared::Money,
}

/// The answer to an order no store could take.
#[derive(Serialize, ToSchema)]
struct RefusedOrder {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: String,
    #[serde(flatten)]
    refusal: Refusal,
}

fn idempotency_key(headers: &HeaderMap, body: Option<&str>) -> Result<String, ApiError> {
    let header = headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str()
                .map(str::to_owned)
                .map_err(|_| ApiError::invalid("idempotency_key", "Idempotency-Key is not text"))
        })
        .transpose()?;
    let key = match (header, body) {
        (Some(h), Some(b)) if h != b => {
            return Err(ApiError::invalid(
                "idempotency_key",
                "the Idempotency-Key header and the body's idempotency_key differ",
            ))
        }
        (Some(h), _) => h,
        (None, Some(b)) => b.to_owned(),
        (None, None) => {
            return Err(ApiError::invalid(
                "idempotency_key",
                "an order needs an Idempotency-Key header or an idempotency_key field",
            ))
        }
    };
    required_text("idempotency_key", &key, 200)
}

fn checked(headers: &HeaderMap, body: PlaceBody) -> Result<NewOrder, ApiError> {
    let key = idempotency_key(headers, body.idempotency_key.as_deref())?;
    let c = &body.customer;
    if !c.lat.is_finite() || !(-90.0..=90.0).contains(&c.lat) {
        return Err(ApiError::invalid(
            "customer.lat",
            "customer.lat is not between -90 and 90",
        ));
    }
    if !c.lon.is_finite() || !(-180.0..=180.0).contains(&c.lon) {
        return Err(ApiError::invalid(
            "customer.lon",
            "customer.lon is not between -180 and 180",
        ));
    }
    let contact = required_text("customer.contact", &c.contact, 200)?;
    let channel = required_text("channel", &body.channel, 40)?;
    if body.lines.is_empty() || body.lines.len() > MAX_LINES {
        return Err(ApiError::invalid(
            "lines",
            format!("an order has 1 to {MAX_LINES} lines"),
        ));
    }
    for (i, line) in body.lines.iter().enumerate() {
        if line.variant_id.is_some() == line.barcode.is_some() {
            return Err(ApiError::invalid(
                format!("lines[{i}]"),
                "a line names its item by variant_id or by barcode, one of them",
            ));
        }
        if line
            .barcode
            .as_ref()
            .is_some_and(|b| b.trim().is_empty() || b.len() > 64)
        {
            return Err(ApiError::invalid(
                format!("lines[{i}].barcode"),
                "the barcode is empty or too long",
            ));
        }
        if !line.qty.is_positive() {
            return Err(ApiError::invalid(
                format!("lines[{i}].qty"),
                "qty must be more than zero",
            ));
        }
        if line.qty > pos_shared::limits::MAX_LINE_QTY {
            return Err(ApiError::invalid(
                format!("lines[{i}].qty"),
                format!(
                    "qty may be at most {} on a line",
                    pos_shared::limits::MAX_LINE_QTY
                ),
            ));
        }
    }
    let hold = body.hold_minutes.unwrap_or(DEFAULT_HOLD_MINUTES);
    if hold == 0 || hold > MAX_HOLD_MINUTES {
        return Err(ApiError::invalid(
            "hold_minutes",
            format!("hold_minutes is 1 to {MAX_HOLD_MINUTES}"),
        ));
    }
    let payment = body
        .payment
        .as_ref()
        .map(|p| {
            let gateway_ref = required_text("payment.gateway_ref", &p.gateway_ref, 100)?;
            if p.authorized.minor() <= 0 {
                return Err(ApiError::invalid(
                    "payment.authorized",
                    "payment.authorized must be more than zero",
                ));
            }
            Ok(NewPayment {
                gateway_ref,
                authorized: p.authorized,
            })
        })
        .transpose()?;
    // The fingerprint of everything but the key itself (the payment only
    // when there is one, so the fingerprints of orders without one are as
    // they always were).
    let mut fingerprint = serde_json::json!({
        "customer": {"lat": c.lat, "lon": c.lon, "contact": contact},
        "lines": body.lines, "channel": channel, "hold_minutes": hold,
    });
    if let Some(p) = &payment {
        fingerprint["payment"] =
            serde_json::json!({"gateway_ref": p.gateway_ref, "authorized": p.authorized});
    }
    Ok(NewOrder {
        idempotency_key: key,
        request_hash: crate::auth::hash_secret(&fingerprint.to_string()),
        channel,
        lat: c.lat,
        lon: c.lon,
        contact,
        lines: body.lines,
        hold: std::time::Duration::from_secs(u64::from(hold) * 60),
        payment,
        stores: Vec::new(),
    })
}

/// Places an order: the tenant's strategy chooses a dark store within its
/// radius, open now, under its order capacity and able to fill every line;
/// every line is held there in one transaction. No store: 422
/// `order_refused` with the reason, the store weighed and each line's
/// problem with substitutes.
#[utoipa::path(
    post, path = "/v1/orders", tag = "orders", security(("hq" = [])),
    request_body = PlaceBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Or the body's idempotency_key")),
    responses(
        (status = 201, description = "Placed and held", body = Order),
        (status = 200, description = "The same order, asked for again", body = Order),
        (status = 422, description = "No store can take it (`order_refused`), or a bad field", body = RefusedOrder),
        Refused, Conflict
    )
)]
async fn place_order(
    State(app): State<AppState>,
    hq: Hq,
    headers: HeaderMap,
    JsonBody(body): JsonBody<PlaceBody>,
) -> Result<Response, ApiError> {
    let mut order = checked(&headers, body)?;
    // A key limited to some stores places orders with those stores only.
    order.stores = hq.grant.stores.clone();
    if let Some(payment) = &order.payment {
        if !app.payments {
            return Err(ApiError::invalid(
                "payment",
                "this hub has no payment gateway configured; place the order without payment (cash on delivery)",
            ));
        }
        let currency = super::tenant_currency(&app, hq.tenant).await?;
        super::check_price("payment.authorized", payment.authorized, currency)?;
    }
    Ok(match app.storage.place_order(hq.tenant, &order).await? {
        Placement::Created(order) => (StatusCode::CREATED, Json(order)).into_response(),
        Placement::Existing(order) => (StatusCode::OK, Json(order)).into_response(),
        Placement::Refused(refusal) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(RefusedOrder {
                kind: "order_refused",
                title: "Unprocessable Entity",
                status: 422,
                detail: format!(
                    "no dark store can take this order ({})",
                    serde_json::to_value(refusal.reason)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                ),
                refusal,
            }),
        )
            .into_response(),
    })
}

/// One order with every step it took.
#[utoipa::path(
    get, path = "/v1/orders/{order_id}", tag = "orders", security(("hq" = [])),
    params(("order_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = Order), Refused, NotFound)
)]
async fn get_order(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
) -> Result<Json<Order>, ApiError> {
    let order = app.storage.order(hq.tenant, id).await?;
    reachable(&hq, &order)?;
    Ok(Json(order))
}

/// A key limited to other stores does not see the order at all.
fn reachable(hq: &Hq, order: &Order) -> Result<(), ApiError> {
    if hq.grant.reaches(order.store_id) {
        Ok(())
    } else {
        Err(ApiError::not_found("not_found", "no such order"))
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct StepBody {
    /// The state to move to: the next on the path (`confirmed`,
    /// `assigned_to_store`, `picking`, `packed`, `assigned_to_partner`,
    /// `picked_up`, `in_transit`, `delivered`, `closed`) or `cancelled`
    /// before picking.
    #[schema(value_type = pos_shared::orders::OrderState)]
    to: String,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    reason: Option<String>,
}

/// Moves an order one step; recorded with who asked and when, and announced
/// (`order.confirmed`, …, `order.cancelled`; `store.dark_store.assigned`
/// too when the store takes it). Cancelling releases its held stock.
#[utoipa::path(
    post, path = "/v1/orders/{order_id}/transitions", tag = "orders", security(("hq" = [])),
    params(("order_id" = Uuid, Path)),
    request_body = StepBody,
    responses((status = 200, description = "The order after the step", body = Order), Refused, NotFound, Conflict)
)]
async fn step_order(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    JsonBody(body): JsonBody<StepBody>,
) -> Result<Json<Order>, ApiError> {
    let to = OrderState::parse(&body.to)
        .ok_or_else(|| ApiError::invalid("to", format!("{:?} is not an order state", body.to)))?;
    let reason = body
        .reason
        .as_deref()
        .map(|r| required_text("reason", r, 200))
        .transpose()?;
    reachable(&hq, &app.storage.order(hq.tenant, id).await?)?;
    let actor = hq.grant.actor.source();
    Ok(Json(
        app.storage
            .transition_order(hq.tenant, id, to, &actor, reason.as_deref())
            .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListParams {
    /// Only orders in this state.
    #[param(value_type = Option<pos_shared::orders::OrderState>)]
    state: Option<String>,
    /// Only orders of this store.
    store: Option<StoreId>,
    /// At most this many (1 to 1000, 500 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// The `next_cursor` of the page before.
    #[param(min_length = 1)]
    cursor: Option<String>,
    /// For SLA breaches: as of this time (RFC 3339); now when absent.
    #[param(format = DateTime)]
    at: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct OrderPage {
    items: Vec<Order>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

async fn page_of(
    app: &AppState,
    hq: &Hq,
    params: Result<Query<ListParams>, QueryRejection>,
    keep: impl Fn(&Order, Timestamp) -> bool,
) -> Result<OrderPage, ApiError> {
    let Query(params) = params.map_err(super::query_error)?;
    let at = super::instant_param(params.at.clone())?;
    let state = params
        .state
        .as_deref()
        .map(|s| {
            OrderState::parse(s)
                .ok_or_else(|| ApiError::invalid("state", format!("{s:?} is not an order state")))
        })
        .transpose()?;
    let limit = pos_shared::http::limit_text(params.limit.as_deref(), 500, 1000)?;
    let mut after = params
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<Uuid>().map_err(|_| {
                ApiError::invalid(
                    "cursor",
                    "cursor is not from this list: pass back a next_cursor as it came",
                )
            })
        })
        .transpose()?;
    let mut items = Vec::new();
    loop {
        let batch = app
            .storage
            .orders(hq.tenant, state, params.store, after, limit + 1)
            .await?;
        let more = batch.len() > limit as usize;
        for order in batch.into_iter().take(limit as usize) {
            after = Some(order.id);
            if keep(&order, at) && hq.grant.reaches(order.store_id) {
                items.push(order);
                if items.len() == limit as usize {
                    break;
                }
            }
        }
        if items.len() == limit as usize {
            let next_cursor = after.map(|a| a.to_string());
            return Ok(OrderPage { items, next_cursor });
        }
        if !more {
            return Ok(OrderPage {
                items,
                next_cursor: None,
            });
        }
    }
}

/// Orders, oldest first, optionally of one state and store; paged.
#[utoipa::path(
    get, path = "/v1/orders", tag = "orders", security(("hq" = [])),
    params(ListParams),
    responses((status = 200, description = "OK", body = OrderPage), Refused)
)]
async fn list_orders(
    State(app): State<AppState>,
    hq: Hq,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<OrderPage>, ApiError> {
    Ok(Json(page_of(&app, &hq, params, |_, _| true).await?))
}

/// Orders past their SLA at `at` (now by default): confirmed, and delivered
/// after (or not delivered by) confirmation plus their store's target
/// minutes; paged like the list.
#[utoipa::path(
    get, path = "/v1/orders/sla-breaches", tag = "orders", security(("hq" = [])),
    params(ListParams),
    responses((status = 200, description = "OK", body = OrderPage), Refused)
)]
async fn list_sla_breaches(
    State(app): State<AppState>,
    hq: Hq,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<OrderPage>, ApiError> {
    Ok(Json(
        page_of(&app, &hq, params, |o, at| o.sla_breached(at)).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct StrategyBody {
    /// `nearest` (the default) or `balanced`.
    #[schema(pattern = "^(nearest|balanced)$")]
    strategy: String,
}

/// Chooses how the tenant's orders find their store (owner only).
#[utoipa::path(
    put, path = "/v1/tenant/order-strategy", tag = "orders", security(("hq" = [])),
    request_body = StrategyBody,
    responses((status = 204, description = "Set"), Refused)
)]
async fn set_order_strategy(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<StrategyBody>,
) -> Result<StatusCode, ApiError> {
    if !STRATEGIES.contains(&body.strategy.as_str()) {
        return Err(ApiError::invalid(
            "strategy",
            format!(
                "strategy {:?} is not one of {}",
                body.strategy,
                STRATEGIES.join(", ")
            ),
        ));
    }
    app.storage
        .set_order_strategy(hq.tenant, &body.strategy)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct PerformanceParams {
    /// The window's length in hours before `at`, 1 to 168 (24).
    #[param(minimum = 1, maximum = 168)]
    hours: Option<u32>,
    /// The window's end (RFC 3339); now when absent.
    #[param(format = DateTime)]
    at: Option<String>,
}

/// A store's orders over a window: placed, per hour, delivered, cancelled,
/// still open and past their SLA.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/order-performance", tag = "orders", security(("hq" = [])),
    params(("store_id" = StoreId, Path), PerformanceParams),
    responses((status = 200, description = "OK", body = Performance), Refused, NotFound)
)]
async fn store_performance(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    params: Result<Query<PerformanceParams>, QueryRejection>,
) -> Result<Json<Performance>, ApiError> {
    let Query(params) = params.map_err(super::query_error)?;
    let hours = params.hours.unwrap_or(24);
    if !(1..=168).contains(&hours) {
        return Err(ApiError::invalid("hours", "hours is 1 to 168"));
    }
    let at = super::instant_param(params.at)?;
    app.storage.store(hq.tenant, store).await?;
    let from = Timestamp::from_unix_millis(at.unix_millis() - i64::from(hours) * 3_600_000);
    let mut after = Some(crate::domain::orders::first_id_at(from));
    let end = crate::domain::orders::first_id_at(Timestamp::from_unix_millis(at.unix_millis() + 1));
    let mut window = Vec::new();
    'pages: loop {
        let page = app
            .storage
            .orders(hq.tenant, None, Some(store), after, 1000)
            .await?;
        let more = page.len() == 1000;
        for order in page {
            if order.id >= end {
                break 'pages;
            }
            after = Some(order.id);
            window.push(order);
        }
        if !more {
            break;
        }
    }
    Ok(Json(Performance::of(store, from, at, &window)))
}
