//! The hub's HTTP API: one router per resource, one shared state, one error shape.

mod admin;
mod bins;
mod catalog;
mod catalog_read;
pub(crate) mod conflicts;
mod credit;
mod customers;
mod delivery;
mod enrichment;
mod events;
mod fact_reading;
mod feeds;
mod hq;
mod keys;
mod labels;
pub mod limits;
mod loyalty;
mod observe;
mod openapi;
mod orders;
mod paging;
mod prices;
mod purchasing;
mod quarantine;
mod receipt_page;
mod recommendations;
mod replenishment;
mod reports;
mod reservations;
mod runs;
mod search;
mod sessions;
mod sources;
mod staff;
mod stock;
mod stock_takes;
mod store_view;
mod subscription_deliveries;
mod subscriptions;
mod supplier_bills;
pub(crate) mod sync;
mod transfer_requests;
mod transfers;
mod users;
mod variants;
mod webhooks_in;

use crate::storage::{DbError, DynStorage};
use axum::extract::rejection::QueryRejection;
use axum::routing::get;
use axum::Router;
use pos_shared::http::ApiError;
use std::str::FromStr;
use std::sync::Arc;
use tokio::sync::watch;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

#[derive(Clone)]
pub struct AppState {
    pub storage: DynStorage,
    /// Bootstrap token for `POST /v1/admin/tenants`; `None` turns the admin API off.
    pub admin_token: Option<String>,
    /// Set when the hub starts shutting down, so long-polls answer at once
    /// instead of holding the graceful shutdown for their whole wait.
    pub(crate) closing: Arc<watch::Sender<bool>>,
    /// Snapshots terminals are downloading, kept so a cut download can resume.
    pub(crate) snapshots: Arc<crate::snapshot::SnapshotCache>,
    /// How long an HQ user's session lasts from sign-in.
    pub(crate) session_lifetime: std::time::Duration,
    /// The partner whose signed callbacks are taken; `None`: none are.
    pub(crate) delivery: Option<Arc<PartnerCallbacks>>,
    /// Orders may carry a payment (a gateway is configured to capture it).
    pub(crate) payments: bool,
    /// Webhook subscriptions may use `http://` to loopback and private
    /// addresses.
    pub(crate) private_webhooks: bool,
    /// Seals and opens source systems' secrets; `None`: sources cannot be
    /// registered and their webhooks are answered 503.
    pub(crate) secret_key: Option<crate::sealing::SecretKey>,
    /// Wakes the ingestion task when the gateway queues a payload.
    pub(crate) ingest_wake: Arc<tokio::sync::Notify>,
    /// The largest webhook body the gateway takes.
    pub(crate) max_webhook_bytes: usize,
    /// Wakes the seller-feed task when a feed is queued.
    pub(crate) feed_wake: Arc<tokio::sync::Notify>,
    /// The largest seller feed taken.
    pub(crate) max_feed_bytes: usize,
    /// Wakes long-polling terminals by store.
    pub(crate) feed_waker: Arc<crate::feed_wake::FeedWaker>,
    /// Terminals' reports waiting to be written.
    pub(crate) terminal_reports: Arc<crate::terminal_reports::TerminalReports>,
    /// The Prometheus series `GET /metrics` renders.
    pub metrics: Arc<crate::metrics::HubMetrics>,
    /// The bearer token `GET /metrics` asks for; `None`: metrics are off.
    pub(crate) metrics_token: Option<String>,
    /// Requests counted per caller, failed guesses per address.
    pub(crate) limits: Arc<limits::Limits>,
    /// The tenants' store search indexes, kept level by `search::run`.
    pub search: Arc<crate::search::StoreSearch>,
}

/// Whose callbacks `POST /v1/delivery/callbacks/{partner}` takes, and the
/// secret they are signed with.
#[derive(Debug, Clone)]
pub struct PartnerCallbacks {
    pub partner: String,
    pub secret: crate::signatures::WebhookSecret,
}

impl AppState {
    /// How long a store's snapshot serves its other new tills.
    pub fn with_snapshot_share(mut self, share_for: std::time::Duration) -> Self {
        self.snapshots = Arc::new(crate::snapshot::SnapshotCache::new(share_for));
        self
    }

    pub fn new(storage: DynStorage, admin_token: Option<String>) -> Self {
        AppState {
            search: Arc::new(crate::search::StoreSearch::new(storage.clone())),
            storage,
            admin_token,
            closing: Arc::new(watch::Sender::new(false)),
            snapshots: Arc::default(),
            session_lifetime: std::time::Duration::from_secs(12 * 3600),
            delivery: None,
            payments: false,
            private_webhooks: false,
            secret_key: None,
            ingest_wake: Arc::default(),
            max_webhook_bytes: webhooks_in::DEFAULT_MAX_BODY,
            feed_wake: Arc::default(),
            max_feed_bytes: crate::config::settings::DEFAULT_INGESTION_MAX_FEED_BYTES as usize,
            feed_waker: Arc::default(),
            terminal_reports: Arc::default(),
            metrics: Arc::default(),
            metrics_token: None,
            limits: Arc::new(limits::Limits::off()),
        }
    }

    /// Turns `GET /metrics` on for a scraper sending `token`.
    pub fn with_metrics_token(mut self, token: Option<String>) -> Self {
        self.metrics_token = token;
        self
    }

    /// The per-store wake-ups and the terminals' report batches, shared with
    /// the tasks that drive them.
    pub fn with_terminals(
        mut self,
        waker: Arc<crate::feed_wake::FeedWaker>,
        reports: Arc<crate::terminal_reports::TerminalReports>,
    ) -> Self {
        self.feed_waker = waker;
        self.terminal_reports = reports;
        self
    }

    /// The task to wake when a seller's feed is queued, and the largest
    /// feed taken.
    pub fn with_feeds(mut self, wake: Arc<tokio::sync::Notify>, max_feed_bytes: usize) -> Self {
        self.feed_wake = wake;
        self.max_feed_bytes = max_feed_bytes;
        self
    }

    /// The key source systems' secrets are sealed with, the task to wake
    /// when a webhook is queued, and the largest webhook body taken.
    pub fn with_ingestion(
        mut self,
        key: Option<crate::sealing::SecretKey>,
        wake: Arc<tokio::sync::Notify>,
        max_webhook_bytes: usize,
    ) -> Self {
        self.secret_key = key;
        self.ingest_wake = wake;
        self.max_webhook_bytes = max_webhook_bytes;
        self
    }

    pub fn with_delivery(mut self, callbacks: Option<PartnerCallbacks>) -> Self {
        self.delivery = callbacks.map(Arc::new);
        self
    }

    pub fn with_payments(mut self, on: bool) -> Self {
        self.payments = on;
        self
    }

    pub fn with_private_webhooks(mut self, allowed: bool) -> Self {
        self.private_webhooks = allowed;
        self
    }

    pub fn with_limits(mut self, config: limits::LimitsConfig) -> Self {
        self.limits = Arc::new(limits::Limits::new(config));
        self
    }

    pub fn with_session_lifetime(mut self, lifetime: std::time::Duration) -> Self {
        self.session_lifetime = lifetime;
        self
    }

    /// Tells waiting requests that the hub is going down.
    pub fn begin_shutdown(&self) {
        self.closing.send_replace(true);
    }
}

pub fn router(state: AppState) -> Router {
    let (router, mut api) = api_router(state.max_webhook_bytes).split_for_parts();
    openapi::problems_as_problem_json(&mut api);
    // Built once: the document is the same for every request.
    let document = api.to_json().unwrap_or_else(|e| {
        tracing::error!("cannot serialise the OpenAPI document: {e}");
        "{}".to_owned()
    });
    router
        .route(
            "/openapi.json",
            get(move || {
                let document = document.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        document,
                    )
                }
            }),
        )
        // The customer's receipt page: HTML, outside the API's document.
        .merge(receipt_page::routes())
        .fallback(|| async { ApiError::not_found("no_route", "there is no such endpoint") })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(axum::middleware::from_fn(acting_for))
        .layer(axum::middleware::from_fn_with_state(
            state.limits.clone(),
            limits::limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.http.clone(),
            pos_shared::http_metrics::track,
        ))
        .with_state(state)
}

/// Gives each request its slot for who it acts for (see [`crate::acting`]).
async fn acting_for(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    crate::acting::scoped(next.run(request)).await
}

/// The hub's OpenAPI document, as `/openapi.json` serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut api = api_router(webhooks_in::DEFAULT_MAX_BODY).into_openapi();
    openapi::problems_as_problem_json(&mut api);
    api
}

fn api_router(max_webhook_bytes: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::HubApi::openapi())
        .merge(observe::router())
        .merge(admin::router())
        .merge(hq::router())
        .merge(keys::router())
        .merge(users::router())
        .merge(sessions::router())
        .merge(catalog::router())
        .merge(catalog_read::router())
        .merge(events::router())
        .merge(prices::router())
        .merge(reservations::router())
        .merge(orders::router())
        .merge(delivery::router())
        .merge(store_view::router())
        .merge(recommendations::router())
        .merge(search::router())
        .merge(enrichment::router())
        .merge(variants::router())
        .merge(labels::router())
        .merge(staff::router())
        .merge(transfers::router())
        .merge(transfer_requests::router())
        .merge(stock_takes::router())
        .merge(purchasing::router())
        .merge(supplier_bills::router())
        .merge(credit::router())
        .merge(customers::router())
        .merge(loyalty::router())
        .merge(stock::router())
        .merge(bins::router())
        .merge(replenishment::router())
        .merge(reports::router())
        .merge(sync::router())
        .merge(quarantine::router())
        .merge(subscriptions::router())
        .merge(subscription_deliveries::router())
        .merge(sources::router())
        .merge(runs::router())
        .merge(feeds::router())
        .merge(webhooks_in::router(max_webhook_bytes))
}

/// Every storage error becomes an HTTP answer here and nowhere else, so a
/// handler just writes `?`.
impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        db_error(err)
    }
}

/// Maps a storage error: a missing thing is 404, a broken uniqueness rule 409
/// naming the field, the caller's bad input 422, and only the database's own
/// failures 500.
fn db_error(err: DbError) -> ApiError {
    match err {
        e @ (DbError::NotFound(what) | DbError::Deleted(what)) => {
            let e = ApiError::not_found("not_found", e.to_string());
            // The things a caller names by id are named back by that field.
            match what {
                "variant" | "store" | "reservation" | "order" | "supplier" | "transfer"
                | "product" | "terminal" | "customer" | "subscription" | "movement" => {
                    e.with_field(format!("{what}_id"))
                }
                "destination store" => e.with_field("to_store_id"),
                _ => e,
            }
        }
        DbError::Conflict(rule) => {
            let (field, detail) = conflicts::describe(&rule);
            ApiError::conflict("conflict", detail).with_field(field)
        }
        e @ DbError::CursorExpired { .. } => ApiError::new(
            axum::http::StatusCode::GONE,
            "cursor_expired",
            e.to_string(),
        )
        .with_field("since"),
        e @ DbError::CursorAhead { .. } => {
            ApiError::new(axum::http::StatusCode::GONE, "cursor_ahead", e.to_string())
                .with_field("since")
        }
        e @ DbError::FeedDiverged { .. } => {
            ApiError::new(axum::http::StatusCode::GONE, "feed_diverged", e.to_string())
                .with_field("mark")
        }
        DbError::EventsDiverged {
            field,
            detail,
            resume_after,
        } => {
            let e = ApiError::conflict("events_diverged", detail).with_field(field);
            match resume_after {
                Some(at) => e.with_resume_after(at),
                None => e,
            }
        }
        DbError::Invalid(detail) => ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            detail,
        ),
        DbError::State { field, detail } => {
            ApiError::conflict("wrong_state", detail).with_field(field)
        }
        DbError::InvalidField { field, detail } => ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            detail,
        )
        .with_field(field),
        e @ (DbError::Other(_) | DbError::Corrupt(_)) => ApiError::internal(e),
        e @ DbError::AtItem { .. } => bulk_error("items", e),
    }
}

/// Maps a storage error of a bulk request, naming the item of `list` at fault
/// (`prices[3].variant_id`).
pub(crate) fn bulk_error(list: &str, err: DbError) -> ApiError {
    let DbError::AtItem { index, error } = err else {
        return db_error(err);
    };
    // A missing thing is named by its id field: `variant` → `variant_id`.
    let missing = match &*error {
        DbError::NotFound(what) | DbError::Deleted(what) => Some(format!("{what}_id")),
        _ => None,
    };
    let mut api = db_error(*error);
    let field = api.field.take().or(missing);
    api.field = Some(match field {
        Some(f) => format!("{list}[{index}].{f}"),
        None => format!("{list}[{index}]"),
    });
    api.detail = format!("{list}[{index}]: {}", api.detail);
    api
}

/// Parses an id from a path segment, naming the parameter when it is not a UUID.
pub(crate) fn path_id<T: FromStr>(name: &'static str, raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::bad_request("invalid_id", format!("{name} {raw:?} is not a UUID"))
            .with_field(name)
    })
}

/// The `at` query parameter: an RFC 3339 instant, or now when absent.
pub(crate) fn instant_param(at: Option<String>) -> Result<pos_shared::Timestamp, ApiError> {
    match at {
        None => Ok(pos_shared::Timestamp::now()),
        Some(text) => serde_json::from_value(serde_json::Value::String(text.clone()))
            .map_err(|_| ApiError::invalid("at", format!("at {text:?} is not an RFC 3339 time"))),
    }
}

/// A one-segment path parameter as text, or `None` when it is not UTF-8
/// once percent-decoded (`%FF`): axum's own refusal of that is plain text,
/// so handlers answer it as they answer any unknown name.
pub(crate) fn path_text(
    path: Result<axum::extract::Path<String>, axum::extract::rejection::PathRejection>,
) -> Option<String> {
    path.ok().map(|axum::extract::Path(text)| text)
}

pub(crate) fn query_error(rejection: QueryRejection) -> ApiError {
    let text = rejection.body_text();
    let error = ApiError::bad_request("invalid_query", text.clone());
    match query_field(&text) {
        Some(field) => error.with_field(field),
        None => error,
    }
}

/// The parameter a query string's refusal names ("missing field `gstin`",
/// "duplicate field `by`", "unknown field `x`", "by: …"), so the problem
/// body names it like any other refused field.
fn query_field(text: &str) -> Option<String> {
    let detail = text
        .strip_prefix("Failed to deserialize query string: ")
        .unwrap_or(text);
    if let Some(at) = detail.find("field `") {
        let rest = &detail[at + "field `".len()..];
        return rest
            .split('`')
            .next()
            .filter(|f| !f.is_empty())
            .map(str::to_owned);
    }
    // serde_path_to_error style: "store_id: UUID parsing failed …".
    let (head, _) = detail.split_once(": ")?;
    (!head.is_empty() && head.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .then(|| head.to_owned())
}

/// Refuses text holding a character that cannot be seen where it stands
/// (`pos_shared::text`), naming the field and the character.
pub(crate) fn visible_text(field: &'static str, value: &str) -> Result<(), ApiError> {
    match pos_shared::text::unseen_in(field, value) {
        Some(why) => Err(ApiError::invalid(field, why)),
        None => Ok(()),
    }
}

/// Requires a non-empty, trimmed text field of at most `max` characters,
/// every one of them visible.
pub(crate) fn required_text(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::invalid(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if value.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    visible_text(field, value)?;
    Ok(value.to_owned())
}

/// The caller's tenant's currency, which every amount HQ sends must be in.
pub(crate) async fn tenant_currency(
    app: &AppState,
    tenant: pos_shared::TenantId,
) -> Result<pos_shared::Currency, ApiError> {
    app.storage
        .tenant_currency(tenant)
        .await
        .map_err(ApiError::from)
}

/// Checks a price HQ sends at `field`: in the tenant's `currency` (else a 422
/// on `field.currency`), not negative (on `field`, as ever) and at most the
/// largest price (on `field.minor`).
pub(crate) fn check_price(
    field: &str,
    price: pos_shared::Money,
    currency: pos_shared::Currency,
) -> Result<(), ApiError> {
    if price.currency() != currency {
        return Err(ApiError::invalid(
            format!("{field}.currency"),
            format!(
                "{field} is in {}; this tenant's prices are all in {currency}",
                price.currency()
            ),
        ));
    }
    if price.is_negative() {
        return Err(ApiError::invalid(field, "price must not be negative"));
    }
    pos_shared::limits::check_price(price)
        .map_err(|e| ApiError::invalid(format!("{field}.minor"), format!("{field}: {e}")))
}

/// Checks the option prices of modifier groups HQ sends at `field` (their
/// currency is checked against the variant's by the groups' own rules).
pub(crate) fn check_modifier_prices(
    field: &str,
    groups: &[pos_shared::modifiers::ModifierGroup],
    currency: pos_shared::Currency,
) -> Result<(), ApiError> {
    for (g, group) in groups.iter().enumerate() {
        for (o, option) in group.options.iter().enumerate() {
            check_price(
                &format!("{field}[{g}].options[{o}].price"),
                option.price,
                currency,
            )?;
        }
    }
    Ok(())
}

/// Checks a quantity HQ sends at `field` against the largest on one line.
pub(crate) fn check_qty(field: &str, qty: pos_shared::Qty) -> Result<(), ApiError> {
    pos_shared::limits::check_line_qty(qty).map_err(|e| ApiError::invalid(field, e))
}

#[cfg(test)]
mod tests {
    use super::query_field;

    #[test]
    fn a_refused_query_names_its_parameter_where_it_can() {
        let prefix = "Failed to deserialize query string: ";
        for (text, field) in [
            ("missing field `gstin`", Some("gstin")),
            ("duplicate field `by`", Some("by")),
            ("unknown field `x`, expected one of `from`, `to`", Some("x")),
            ("UUID parsing failed: invalid character", None),
            ("invalid digit found in string", None),
        ] {
            assert_eq!(
                query_field(&format!("{prefix}{text}")).as_deref(),
                field,
                "{text}"
            );
        }
    }
}
