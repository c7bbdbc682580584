//! The delivery partner's reports: `POST /v1/delivery/callbacks/{partner}`,
//! signed Standard Webhooks style (`crate::signatures`) rather than sent with
//! an API key, since the partner is not an HQ client. A report moves the
//! order along the state machine (walking the steps it skipped), closes it
//! when delivered and paid for, or flags a failed delivery; each
//! `webhook-id` is applied once.
//!
//! Refusals, each a problem body naming the field: over 64 KiB 413; a
//! partner this hub does not take callbacks from 404 (`partner`); a missing,
//! wrong or stale signature 401 (the header); an unknown reference 404
//! (`reference`); a status that does not fit the order's state 409
//! (`status`, naming the state); a webhook-id reused for another body 409.

use super::AppState;
use crate::domain::delivery::PartnerStatus;
use crate::domain::orders::OrderState;
use crate::signatures::{self, Headers, Refusal};
use crate::storage::{DbError, PartnerReport, ReportOutcome};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use pos_shared::http::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The largest report taken: a status report is a few hundred bytes.
const MAX_BODY: usize = 64 * 1024;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(partner_callback))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

/// A partner's report on one of its deliveries.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReportBody {
    /// The partner's delivery reference, as it answered the pick-up request.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    reference: String,
    /// `picked_up`, `in_transit`, `delivered`, or `failed` / `cancelled`
    /// (the order is flagged for HQ and stays where it is).
    #[schema(pattern = "^(picked_up|in_transit|delivered|failed|cancelled)$")]
    status: String,
    /// Why, for a failure; kept with the step otherwise.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct ReportAnswer {
    /// `applied`, or `duplicate` for a webhook-id applied before (nothing
    /// changed).
    outcome: &'static str,
    order_id: uuid::Uuid,
    /// Where the order stands now.
    state: OrderState,
}

fn signature_refused(refusal: &Refusal) -> ApiError {
    let kind = match refusal {
        Refusal::Missing(_) => "missing_signature",
        Refusal::BadTimestamp | Refusal::Stale { .. } => "stale_timestamp",
        Refusal::NoMatch => "bad_signature",
    };
    ApiError::new(StatusCode::UNAUTHORIZED, kind, refusal.to_string()).with_field(refusal.header())
}

/// Applies a delivery partner's signed status report to the order it
/// delivers.
#[utoipa::path(
    post, path = "/v1/delivery/callbacks/{partner}", tag = "delivery",
    security(("webhook_signature" = [])),
    params(
        ("partner" = String, Path, description = "The partner's name in the hub's config"),
        ("webhook-id" = String, Header, description = "Unique per report, the same on the partner's retries"),
        ("webhook-timestamp" = i64, Header, description = "Unix seconds; at most 5 minutes from the hub's clock"),
        ("webhook-signature" = String, Header, description = "Space-separated `v1,<base64 HMAC-SHA256 of {id}.{timestamp}.{body}>`"),
    ),
    request_body = ReportBody,
    responses(
        (status = 200, description = "Applied, or applied before", body = ReportAnswer),
        (status = 400, description = "Not JSON", body = pos_shared::problem::Problem),
        (status = 401, description = "Missing, wrong or stale signature", body = pos_shared::problem::Problem),
        (status = 404, description = "No such partner or delivery reference", body = pos_shared::problem::Problem),
        (status = 409, description = "The status does not fit the order's state", body = pos_shared::problem::Problem),
        (status = 413, description = "Over 64 KiB", body = pos_shared::problem::Problem),
        (status = 422, description = "A field is not acceptable", body = pos_shared::problem::Problem),
    )
)]
async fn partner_callback(
    State(app): State<AppState>,
    partner: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ReportAnswer>, ApiError> {
    let partner = super::path_text(partner).unwrap_or_default();
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("a report is at most {MAX_BODY} bytes"),
            )
            .with_field("body")
        } else {
            ApiError::bad_request("unreadable_body", e.body_text()).with_field("body")
        }
    })?;
    let callbacks = app
        .delivery
        .as_ref()
        .filter(|c| c.partner == partner)
        .ok_or_else(|| {
            ApiError::not_found(
                "unknown_partner",
                format!("this hub takes no callbacks from a partner named {partner:?}"),
            )
            .with_field("partner")
        })?;
    let now_secs = pos_shared::Timestamp::now().unix_millis().div_euclid(1000);
    let webhook_id = signatures::verify(
        &callbacks.secret,
        Headers::from_map(&headers),
        &body,
        now_secs,
    )
    .map_err(|r| signature_refused(&r))?;
    if webhook_id.chars().count() > 200 {
        return Err(ApiError::invalid(
            "webhook-id",
            "webhook-id is longer than 200 characters",
        ));
    }
    crate::acting::set(format!("partner:{partner}"));
    let report: ReportBody = pos_shared::http::parse_json(&body)?;
    let reference = super::required_text("reference", &report.reference, 200)?;
    let status = PartnerStatus::parse(&report.status).ok_or_else(|| {
        ApiError::invalid(
            "status",
            format!(
                "{:?} is not picked_up, in_transit, delivered, failed or cancelled",
                report.status
            ),
        )
    })?;
    let reason = report
        .reason
        .as_deref()
        .map(|r| super::required_text("reason", r, 500))
        .transpose()?;
    let body_hash = crate::auth::hash_secret(&String::from_utf8_lossy(&body));
    let outcome = app
        .storage
        .apply_partner_report(&PartnerReport {
            partner: &partner,
            webhook_id,
            body_hash: &body_hash,
            reference: &reference,
            status,
            reason: reason.as_deref(),
        })
        .await
        .map_err(|e| match e {
            DbError::NotFound(what) => ApiError::not_found(
                "unknown_reference",
                format!("no order was handed to {partner} under this {what}"),
            )
            .with_field("reference"),
            e => e.into(),
        })?;
    let (outcome, order) = match outcome {
        ReportOutcome::Applied(order) => ("applied", order),
        ReportOutcome::Duplicate(order) => ("duplicate", order),
    };
    Ok(Json(ReportAnswer {
        outcome,
        order_id: order.id,
        state: order.state,
    }))
}
