//! HQ's webhook subscriptions to the tenant's events (owner only, since a
//! subscription hears every store): `POST /v1/webhook-subscriptions` with
//! `{url, event_types, description?}` answers 201 with the signing secret
//! (`whsec_…`, shown this once), list, read (with the last hour's delivery
//! counts and latency), `PATCH` (url, event_types, description, enabled),
//! `DELETE`, and `POST …/{subscription_id}/rotate-secret` (the secret before
//! keeps signing beside the new one for 24 hours). The delivery itself is
//! `crate::events_out`; deliveries and replays are
//! `subscription_deliveries.rs`.
//!
//! A URL is `https://`, or `http://` to a loopback or private address when
//! the hub's `webhooks.allow_private_http` is on; anything else is a 422
//! naming `url`, and a bad event type names its entry (`event_types[2]`).

use super::openapi::{NotFound, Refused};
use super::{required_text, AppState};
use crate::auth::Hq;
use crate::domain::subscriptions::{
    check_event_types, check_url, DeliveryStats, NewSubscription, Subscription, SubscriptionPatch,
    PREVIOUS_SECRET_GRACE,
};
use crate::signatures::WebhookSecret;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use pos_shared::http::{ApiError, JsonBody, NoBody, PathIds};
use pos_shared::Timestamp;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

const MAX_DESCRIPTION: usize = 500;
/// The window of the rates a subscription is shown with.
const STATS_WINDOW_MS: i64 = 3600 * 1000;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(rotate_secret))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewSubscriptionBody {
    /// Where events are POSTed: `https://…` (or `http://` to a private
    /// address where the hub allows it).
    #[schema(format = "uri", pattern = "^[Hh][Tt][Tt][Pp][Ss]?://")]
    url: String,
    /// Exact event types (`inventory.stock.adjusted`) or prefixes ending in
    /// `.` (`order.`), 1 to 50.
    #[schema(min_items = 1, max_items = 50)]
    event_types: Vec<String>,
    #[serde(default)]
    description: Option<String>,
}

/// Tells a field sent as `null` (clear it) from one left out (keep it).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The fields to change; one left out is kept, a `null` description clears it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SubscriptionPatch)]
struct PatchBody {
    url: Option<String>,
    event_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    /// `false` pauses deliveries; events wait after the cursor (until pruned).
    enabled: Option<bool>,
}

/// A subscription with its last hour of deliveries.
#[derive(Serialize, ToSchema)]
struct SubscriptionView {
    #[serde(flatten)]
    subscription: Subscription,
    last_hour: DeliveryStats,
}

/// A subscription with its signing secret, shown once.
#[derive(Serialize, ToSchema)]
struct WithSecret {
    #[serde(flatten)]
    subscription: Subscription,
    /// `whsec_…`: verifies the `webhook-signature` of every delivery.
    /// Shown this once.
    secret: String,
}

/// Subscriptions hear every store's events: a credential limited to some
/// stores cannot manage them (an owner's never is, but the rule is this).
pub(super) fn whole_tenant(hq: &Hq) -> Result<(), ApiError> {
    if hq.grant.limited() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this credential is limited to some stores; webhook subscriptions carry every store's events",
        ));
    }
    Ok(())
}

/// The secret as the database keeps it: sealed with the hub's key (the
/// tenant as associated data) when it has one.
fn stored_secret(app: &AppState, hq: &Hq, secret: &str) -> String {
    match &app.secret_key {
        Some(key) => key.seal(hq.tenant.as_uuid(), secret),
        None => secret.to_owned(),
    }
}

fn url_field(app: &AppState, url: &str) -> Result<String, ApiError> {
    check_url(url, app.private_webhooks).map_err(|e| ApiError::invalid("url", e))
}

fn types_field(types: &[String]) -> Result<Vec<String>, ApiError> {
    check_event_types(types).map_err(|(field, detail)| ApiError::invalid(field, detail))
}

fn description_field(text: Option<&str>) -> Result<Option<String>, ApiError> {
    text.map(|d| required_text("description", d, MAX_DESCRIPTION))
        .transpose()
}

async fn view(
    app: &AppState,
    hq: &Hq,
    subscription: Subscription,
) -> Result<SubscriptionView, ApiError> {
    let since = Timestamp::from_unix_millis(Timestamp::now().unix_millis() - STATS_WINDOW_MS);
    let last_hour = app
        .storage
        .delivery_stats(hq.tenant, subscription.id, since)
        .await?;
    Ok(SubscriptionView {
        subscription,
        last_hour,
    })
}

/// Subscribes a URL to the tenant's events of some types, from now on
/// (owner only); the answer carries the signing secret, shown this once.
#[utoipa::path(
    post, path = "/v1/webhook-subscriptions", operation_id = "create_webhook_subscription",
    tag = "webhooks", security(("hq" = [])),
    request_body = NewSubscriptionBody,
    responses((status = 201, description = "Created", body = WithSecret), Refused)
)]
async fn create(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<NewSubscriptionBody>,
) -> Result<(StatusCode, Json<WithSecret>), ApiError> {
    whole_tenant(&hq)?;
    let url = url_field(&app, &body.url)?;
    let event_types = types_field(&body.event_types)?;
    let description = description_field(body.description.as_deref())?;
    let (_, secret) = WebhookSecret::generate();
    let subscription = app
        .storage
        .create_subscription(
            hq.tenant,
            &NewSubscription {
                url,
                event_types,
                description,
                secret: stored_secret(&app, &hq, &secret),
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(WithSecret {
            subscription,
            secret,
        }),
    ))
}

/// The tenant's subscriptions, never their secrets (owner only).
#[utoipa::path(
    get, path = "/v1/webhook-subscriptions", operation_id = "list_webhook_subscriptions",
    tag = "webhooks", security(("hq" = [])),
    responses((status = 200, description = "OK", body = Vec<SubscriptionView>), Refused)
)]
async fn list(
    State(app): State<AppState>,
    hq: Hq,
) -> Result<Json<Vec<SubscriptionView>>, ApiError> {
    whole_tenant(&hq)?;
    let mut views = Vec::new();
    for subscription in app.storage.subscriptions(hq.tenant).await? {
        views.push(view(&app, &hq, subscription).await?);
    }
    Ok(Json(views))
}

/// One subscription with its last hour: tries delivered and failed, events
/// dead-lettered, p50 and p99 latency (owner only).
#[utoipa::path(
    get, path = "/v1/webhook-subscriptions/{subscription_id}", operation_id = "get_webhook_subscription",
    tag = "webhooks", security(("hq" = [])),
    params(("subscription_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = SubscriptionView), Refused, NotFound)
)]
async fn get_one(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
) -> Result<Json<SubscriptionView>, ApiError> {
    whole_tenant(&hq)?;
    let subscription = app.storage.subscription(hq.tenant, id).await?;
    Ok(Json(view(&app, &hq, subscription).await?))
}

/// Changes a subscription's URL, event types, description, or pauses and
/// resumes it (owner only).
#[utoipa::path(
    patch, path = "/v1/webhook-subscriptions/{subscription_id}", operation_id = "update_webhook_subscription",
    tag = "webhooks", security(("hq" = [])),
    params(("subscription_id" = Uuid, Path)),
    request_body = PatchBody,
    responses((status = 200, description = "OK", body = SubscriptionView), Refused, NotFound)
)]
async fn update(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    JsonBody(body): JsonBody<PatchBody>,
) -> Result<Json<SubscriptionView>, ApiError> {
    whole_tenant(&hq)?;
    let patch = SubscriptionPatch {
        url: body
            .url
            .as_deref()
            .map(|u| url_field(&app, u))
            .transpose()?,
        event_types: body.event_types.as_deref().map(types_field).transpose()?,
        description: body
            .description
            .map(|d| description_field(d.as_deref()))
            .transpose()?,
        enabled: body.enabled,
    };
    let subscription = app
        .storage
        .update_subscription(hq.tenant, id, &patch)
        .await?;
    Ok(Json(view(&app, &hq, subscription).await?))
}

/// Removes a subscription with its delivery records; nothing more is sent
/// (owner only).
#[utoipa::path(
    delete, path = "/v1/webhook-subscriptions/{subscription_id}", operation_id = "delete_webhook_subscription",
    tag = "webhooks", security(("hq" = [])),
    params(("subscription_id" = Uuid, Path)),
    responses((status = 204, description = "Removed"), Refused, NotFound)
)]
async fn delete(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    _: NoBody,
) -> Result<StatusCode, ApiError> {
    whole_tenant(&hq)?;
    app.storage.delete_subscription(hq.tenant, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new signing secret, shown once; for 24 hours deliveries carry a
/// signature by the secret before as well, so the receiver switches without
/// refusing any (owner only).
#[utoipa::path(
    post, path = "/v1/webhook-subscriptions/{subscription_id}/rotate-secret",
    operation_id = "rotate_webhook_secret", tag = "webhooks", security(("hq" = [])),
    params(("subscription_id" = Uuid, Path)),
    responses((status = 200, description = "Rotated", body = WithSecret), Refused, NotFound)
)]
async fn rotate_secret(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    _: NoBody,
) -> Result<Json<WithSecret>, ApiError> {
    whole_tenant(&hq)?;
    let (_, secret) = WebhookSecret::generate();
    let until = Timestamp::from_unix_millis(
        Timestamp::now().unix_millis() + PREVIOUS_SECRET_GRACE.as_millis() as i64,
    );
    let subscription = app
        .storage
        .rotate_subscription_secret(hq.tenant, id, &stored_secret(&app, &hq, &secret), until)
        .await?;
    Ok(Json(WithSecret {
        subscription,
        secret,
    }))
}
