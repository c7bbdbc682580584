//! The hub's OpenAPI document: its root (info, credentials, tags) and the
//! error responses endpoints share. Each handler documents itself with
//! `#[utoipa::path]`, and every resource router is a `utoipa_axum`
//! `OpenApiRouter` whose `routes!` registers a route and its document in one
//! call, so a route cannot be served without being documented.

use pos_shared::problem::Problem;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::RefOr;
use utoipa::{IntoResponses, Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Store hub API",
        description = "The hub of an offline-first point-of-sale platform: the canonical \
catalog, prices, assortment and stock ledger for HQ, and the change feed, snapshot and \
outbox intake for store terminals. Amounts are integer minor units with a currency; \
quantities are exact decimal strings; ids are UUIDv7. Every error is a problem JSON \
(RFC 9457) whose `field` names the input at fault."
    ),
    modifiers(&Credentials),
    tags(
        (name = "catalog", description = "Products, variants, categories, brands and the catalog as HQ reads it"),
        (name = "prices", description = "Base prices, dated price windows and the effective price"),
        (name = "stores", description = "Stores, their status, assortment, terminals and the one-call catalog view"),
        (name = "inventory", description = "The stock ledger, positions and reservations"),
        (name = "credit", description = "Customers' credit accounts at a store (the khata): limits, dues, statements and ageing; the tills' grants on them"),
        (name = "customers", description = "Customers across stores: one profile per phone merged from the tills' captures, and where each customer shops"),
        (name = "purchasing", description = "Suppliers, purchase orders for a store, and the deliveries its tills received against them by scan"),
        (name = "orders", description = "Delivery orders with dark stores: placement, steps, SLA"),
        (name = "delivery", description = "The delivery partner's signed status reports"),
        (name = "staff", description = "Cashiers and managers of a store"),
        (name = "sales", description = "What the tills sold, their shifts, audit and documents"),
        (name = "reports", description = "GST returns (GSTR-1, GSTR-3B) and the GSTIN each store trades under"),
        (name = "events", description = "Every change in the standard envelope, paged or live"),
        (name = "webhooks", description = "Events out: HQ's subscriptions, each sent its event types in order, signed (Standard Webhooks), with retries, dead letters and replays"),
        (name = "access", description = "Tenants, HQ users and their sign-in, and HQ API keys"),
        (name = "sync", description = "Terminals: enrollment, change feed, snapshot, outbox, documents"),
    )
)]
pub(crate) struct HubApi;

struct Credentials;

impl Modify for Credentials {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        for (name, what) in [
            ("hq", "An HQ credential sent as a bearer token: an API key (`hq_…`) for a system, or the session token (`hqs_…`) of a user who signed in. Its role and store limits decide what it may do."),
            ("device_token", "A terminal's credential from enrollment, sent as a bearer token; it reads its store's feed and writes its store's facts."),
            ("admin_token", "The hub operator's token (`HUB_ADMIN_TOKEN`), for creating tenants."),
            ("metrics_token", "The metrics scraper's token (`HUB_METRICS_TOKEN`), for `GET /metrics`."),
        ] {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(what))
                        .build(),
                ),
            );
        }
        components.add_security_scheme(
            "webhook_signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "webhook-signature",
                "Standard Webhooks: `v1,<base64 HMAC-SHA256>` of `{webhook-id}.{webhook-timestamp}.{body}` with the sender's secret (a source system's, from POST /v1/sources or its rotation; the delivery partner's, `delivery.webhook_secret`), the timestamp within 5 minutes; several signatures space-separated.",
            ))),
        );
    }
}

/// What any authenticated request may be refused with.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub(crate) enum Refused {
    /// Malformed JSON, a wrong type, or a path or query parameter that is not what it should be.
    #[response(status = 400)]
    BadRequest(Problem),
    /// No credential, or not a working one.
    #[response(status = 401)]
    Unauthorized(Problem),
    /// The credential's role or store limits do not cover this request.
    #[response(status = 403)]
    Forbidden(Problem),
    /// A field's value is not acceptable; `field` names it, and nothing was written.
    #[response(status = 422)]
    Invalid(Problem),
}

/// What the path (or a body field) names does not exist for this tenant.
#[derive(IntoResponses)]
#[response(status = 404)]
#[allow(dead_code)]
pub(crate) struct NotFound(Problem);

/// The change clashes with what is there (a taken SKU or barcode, a state that
/// does not allow it); `field` names what.
#[derive(IntoResponses)]
#[response(status = 409)]
#[allow(dead_code)]
pub(crate) struct Conflict(Problem);

/// Documents every error answer as what the hub serves, `application/problem+json`
/// (RFC 9457): handlers name the [`Problem`] body, and this moves each 4xx and
/// 5xx response's content under that media type.
pub(crate) fn problems_as_problem_json(api: &mut utoipa::openapi::OpenApi) {
    for (path, item) in api.paths.paths.iter_mut() {
        let limited = !super::limits::UNLIMITED.contains(&path.as_str());
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            if takes_json(operation) && !READS_RAW_BODY.contains(&path.as_str()) {
                for (code, response) in [
                    ("413", too_large as fn() -> utoipa::openapi::Response),
                    ("415", not_json),
                ] {
                    operation
                        .responses
                        .responses
                        .entry(code.to_owned())
                        .or_insert_with(|| RefOr::T(response()));
                }
            }
            if limited {
                let response = operation
                    .responses
                    .responses
                    .entry("429".to_owned())
                    .or_insert_with(|| RefOr::T(rate_limited()));
                // An operation with a 429 of its own (a locked-out sign-in)
                // may answer the limiter's too.
                if let RefOr::T(response) = response {
                    response
                        .headers
                        .entry("Retry-After".to_owned())
                        .or_insert_with(|| RefOr::T(retry_after()));
                }
            }
            for (code, response) in operation.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                if !(code.starts_with('4') || code.starts_with('5')) {
                    continue;
                }
                if let Some(content) = response.content.shift_remove("application/json") {
                    response
                        .content
                        .insert(pos_shared::problem::CONTENT_TYPE.to_owned(), content);
                }
            }
        }
    }
}

/// Operations whose JSON body is read as bytes, with a limit of their own
/// and any `Content-Type` check documented by each: a till's outbox (which
/// checks it), and what source systems and the delivery partner send,
/// signed over the bytes. Every other JSON body is read by `JsonBody`, which answers 415 to
/// another media type and 413 past axum's default limit (2 MB).
const READS_RAW_BODY: &[&str] = &[
    "/v1/sync/outbox",
    "/v1/webhooks/{source_id}",
    "/v1/delivery/callbacks/{partner}",
];

/// Whether the operation takes a JSON body.
fn takes_json(operation: &utoipa::openapi::path::Operation) -> bool {
    operation.request_body.as_ref().is_some_and(
        |body| matches!(body, RefOr::T(body) if body.content.contains_key("application/json")),
    )
}

/// A problem response, as the handlers' own are documented before
/// [`problems_as_problem_json`] moves them under their media type.
fn problem(description: &str) -> utoipa::openapi::Response {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// What `JsonBody` answers a body sent as another media type.
fn not_json() -> utoipa::openapi::Response {
    problem("The body was not sent with `Content-Type: application/json`")
}

/// What `JsonBody` answers a body past the limit.
fn too_large() -> utoipa::openapi::Response {
    problem("The body is larger than the hub takes (2 MB)")
}

/// The header a rate-limited answer carries.
fn retry_after() -> utoipa::openapi::Header {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    utoipa::openapi::HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1)),
        ))
        .description(Some(
            "Whole seconds to wait before trying again (sent by the rate limiter)",
        ))
        .build()
}

/// The 429 any limited operation may answer (see `http/limits.rs`).
fn rate_limited() -> utoipa::openapi::Response {
    let mut response = problem(
        "Too many requests from this caller (its credential, or its address without one), \
         or too many failed attempts from this address; `Retry-After` says when to try again",
    );
    response
        .headers
        .insert("Retry-After".to_owned(), RefOr::T(retry_after()));
    response
}
