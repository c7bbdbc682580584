//! Loyalty points, for HQ and the tills: HQ sets how points are earned and
//! redeemed, reads a customer's points with their statement, and adjusts
//! them (a welcome bonus, a correction); a till tops up its grant on a
//! customer's points when a bill paid in points needs more than it holds.
//! How redemption holds while tills are offline is in `pos_shared::loyalty`.

use super::openapi::{Conflict, NotFound, Refused};
use super::AppState;
use crate::auth::{Device, Hq};
use crate::domain::loyalty::{PointsAdjustment, PointsReport, PointsStatement, MAX_REASON};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use pos_shared::credit::normalize_phone;
use pos_shared::http::{ApiError, JsonBody, PathIds};
use pos_shared::loyalty::{LoyaltyAccount, LoyaltyRules, LoyaltyTopUp, MAX_POINTS};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(loyalty_rules, set_loyalty_rules))
        .routes(routes!(points_statement))
        .routes(routes!(adjust_points))
        .routes(routes!(points_top_up))
}

fn phone(raw: &str) -> Result<String, ApiError> {
    normalize_phone(raw).map_err(|e| ApiError::invalid("phone", e))
}

/// The rules as HQ sends them: every field, and nothing else.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RulesBody {
    /// Off: no points are earned or redeemed (balances are kept).
    enabled: bool,
    /// Points earned for each ₹100 of a bill paid other than in points,
    /// rounded down: 0 to 1,000.
    points_per_100: i64,
    /// What one point takes off a bill, in the chain's currency.
    point_value: pos_shared::Money,
    /// At most this share of a bill may be paid in points, in percent (1 to 100).
    max_bill_percent: i64,
    /// The fewest points redeemed at once (1 or more).
    min_redeem: i64,
}

/// Sets how the chain's customers earn and redeem points. Every store's
/// tills hear the rules through the feed; turning them off stops earning
/// and redeeming (balances are kept).
#[utoipa::path(
    put, path = "/v1/loyalty/rules", tag = "customers", security(("hq" = [])),
    request_body = RulesBody,
    responses((status = 200, description = "The rules now", body = LoyaltyRules), Refused)
)]
async fn set_loyalty_rules(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<RulesBody>,
) -> Result<Json<LoyaltyRules>, ApiError> {
    let body = LoyaltyRules {
        enabled: body.enabled,
        points_per_100: body.points_per_100,
        point_value: body.point_value,
        max_bill_percent: body.max_bill_percent,
        min_redeem: body.min_redeem,
    };
    body.validate()
        .map_err(|(field, detail)| ApiError::invalid(field, detail))?;
    app.storage.set_loyalty_rules(hq.tenant, &body).await?;
    Ok(Json(body))
}

/// How points are earned and redeemed; 404 until HQ has set it.
#[utoipa::path(
    get, path = "/v1/loyalty/rules", tag = "customers", security(("hq" = [])),
    responses((status = 200, description = "The rules", body = LoyaltyRules), Refused, NotFound)
)]
async fn loyalty_rules(
    State(app): State<AppState>,
    hq: Hq,
) -> Result<Json<LoyaltyRules>, ApiError> {
    app.storage
        .loyalty_rules(hq.tenant)
        .await?
        .map(Json)
        .ok_or_else(|| {
            ApiError::not_found(
                "not_found",
                "no loyalty rules yet: PUT /v1/loyalty/rules sets them",
            )
        })
}

/// A customer's points: the balance, what each till holds for redeeming
/// offline, and every bill and adjustment, oldest first with the balance
/// after each (a return takes back what its bill earned).
#[utoipa::path(
    get, path = "/v1/customers/{phone}/points", tag = "customers", security(("hq" = [])),
    params(("phone" = String, Path, description = "The customer's mobile number")),
    responses((status = 200, description = "The points statement", body = PointsStatement), Refused, NotFound)
)]
async fn points_statement(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(raw): PathIds<String>,
) -> Result<Json<PointsStatement>, ApiError> {
    let phone = phone(&raw)?;
    match app.storage.points_statement(hq.tenant, &phone).await {
        Err(crate::storage::DbError::NotFound(_)) => Err(ApiError::not_found(
            "not_found",
            format!("{phone} has no points yet"),
        )
        .with_field("phone")),
        found => {
            let mut statement = found?;
            // A key limited to some stores reads the balance, and the bills
            // of its own stores and HQ's adjustments, not other stores' tills.
            if hq.grant.limited() {
                statement.account.tills.clear();
                statement
                    .entries
                    .retain(|e| e.store_id.is_none_or(|s| hq.grant.reaches(s)));
            }
            Ok(Json(statement))
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AdjustmentBody {
    /// Makes a retry safe: the same id and figures adjust once. A new one
    /// when absent.
    adjustment_id: Option<Uuid>,
    /// Points to add (a welcome bonus) or, negative, to take off; not zero.
    points: i64,
    /// Why, for the statement: 1 to 200 printable characters.
    #[schema(max_length = 200)]
    reason: String,
}

/// Adds points to a customer's balance or takes them off. Points the tills
/// hold for redeeming offline cannot be taken off: the refusal says how
/// many can.
#[utoipa::path(
    post, path = "/v1/customers/{phone}/points/adjustments", tag = "customers", security(("hq" = [])),
    params(("phone" = String, Path)),
    request_body = AdjustmentBody,
    responses(
        (status = 201, description = "Adjusted", body = PointsReport),
        (status = 200, description = "The same adjustment, made before", body = PointsReport),
        Refused, Conflict
    )
)]
async fn adjust_points(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(raw): PathIds<String>,
    JsonBody(body): JsonBody<AdjustmentBody>,
) -> Result<(StatusCode, Json<PointsReport>), ApiError> {
    let phone = phone(&raw)?;
    if body.points == 0 || body.points.unsigned_abs() > MAX_POINTS as u64 {
        return Err(ApiError::invalid(
            "points",
            format!("points is not zero and at most {MAX_POINTS} either way"),
        ));
    }
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(ApiError::invalid(
            "reason",
            format!("a reason is 1 to {MAX_REASON} characters"),
        ));
    }
    super::visible_text("reason", reason)?;
    super::customers::reaches_customer(&app, &hq, &phone).await?;
    let adjustment = PointsAdjustment {
        adjustment_id: body.adjustment_id.unwrap_or_else(Uuid::now_v7),
        phone,
        points: body.points,
        reason: reason.to_owned(),
    };
    let (mut report, made) = app.storage.adjust_points(hq.tenant, &adjustment).await?;
    // As in the statement: a limited credential sees no other store's tills.
    if hq.grant.limited() {
        report.tills.clear();
    }
    let status = if made {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(report)))
}

/// A till asks for more of a customer's points than it holds, for a bill
/// being paid in points now: its grant is raised by what it needs as far
/// as the points the hub holds free allow.
#[utoipa::path(
    post, path = "/v1/sync/loyalty-top-up", tag = "sync", security(("device_token" = [])),
    request_body = LoyaltyTopUp,
    responses((status = 200, description = "The points with the till's grant", body = LoyaltyAccount), Refused, NotFound)
)]
async fn points_top_up(
    State(app): State<AppState>,
    Device(device): Device,
    JsonBody(body): JsonBody<LoyaltyTopUp>,
) -> Result<Json<LoyaltyAccount>, ApiError> {
    let phone = phone(&body.phone)?;
    if !(1..=MAX_POINTS).contains(&body.need) {
        return Err(ApiError::invalid(
            "need",
            format!("need is 1 to {MAX_POINTS} points"),
        ));
    }
    Ok(Json(
        app.storage
            .loyalty_top_up(&device, &phone, body.need)
            .await?,
    ))
}
