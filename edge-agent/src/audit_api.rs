//! The local API for the audit log: voids reported by the UI (a line or a whole
//! bill taken off before tender) and the log itself.

use crate::http::AgentState;
use crate::store::audit;
use crate::store::discounts::{self, Approval, Authority};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use pos_shared::audit::{AuditAction, AuditEntry};
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::staff::Role;
use pos_shared::Money;
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/voids", post(void))
        .route("/v1/audit", get(recent))
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum VoidKind {
    /// One line taken off the cart; the cashier's call.
    Line,
    /// The whole bill abandoned before tender; a supervisor's call.
    Bill,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VoidRequest {
    kind: VoidKind,
    reason: String,
    /// What was taken off, as the cart showed it.
    description: String,
    amount: Money,
    #[serde(default)]
    approval: Option<Approval>,
}

async fn void(
    State(app): State<AgentState>,
    JsonBody(request): JsonBody<VoidRequest>,
) -> Result<(StatusCode, Json<AuditEntry>), ApiError> {
    let device = app.sync.credential().ok_or_else(|| {
        ApiError::conflict(
            "not_enrolled",
            "this terminal is not enrolled with the hub yet",
        )
    })?;
    for (field, text, max) in [
        ("reason", &request.reason, 200),
        ("description", &request.description, 300),
    ] {
        let t = text.trim();
        if t.is_empty() || t.chars().count() > max {
            return Err(ApiError::invalid(
                field,
                format!("{field} must be 1 to {max} characters"),
            ));
        }
    }
    if request.amount.is_negative() {
        return Err(ApiError::invalid("amount", "amount cannot be negative"));
    }
    let signed_in = app.session.current();
    let cashier = signed_in.as_ref().map(|s| pos_shared::sale::SaleCashier {
        staff_id: s.staff_id,
        name: s.name.clone(),
    });
    let role = signed_in.map(|s| s.role);
    let limits = app.sale_policy.discount_limits;
    let approver = match &request.approval {
        Some(a) => Some(crate::session::check_approval(&app, a).await?),
        None => None,
    };
    let entry = app
        .store
        .call(move |c| {
            let tx = c.transaction()?;
            let approved = if request.kind == VoidKind::Bill {
                let asks = Authority {
                    discount_bp: 0,
                    min_role: Some(Role::Supervisor),
                    action: "voiding a bill",
                };
                match discounts::authorize(&limits, role, asks, approver.as_ref()) {
                    Ok(a) => a,
                    Err(e) => return Ok(Err(e)),
                }
            } else {
                None
            };
            let (action, what) = match request.kind {
                VoidKind::Line => (AuditAction::LineVoided, "line voided"),
                VoidKind::Bill => (AuditAction::BillVoided, "bill voided before tender"),
            };
            let detail = format!(
                "{what}: {} ({}) — {}",
                request.description.trim(),
                request.amount,
                request.reason.trim()
            );
            let entry = audit::record(&tx, &device, action, approved.or(cashier), detail, None)?;
            tx.commit()?;
            Ok(Ok(entry))
        })
        .await?
        .map_err(|e| match e {
            crate::store::SaleRejection::Invalid { field, detail } => {
                ApiError::invalid(field.clone(), format!("{field}: {detail}"))
            }
            other => ApiError::invalid("approval", other.to_string()),
        })?;
    app.sync.nudge.notify_one();
    Ok((StatusCode::CREATED, Json(entry)))
}

/// The newest entries first; `limit` 1 to 500 (default 100).
async fn recent(
    State(app): State<AgentState>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let limit = i64::from(pos_shared::http::limit_text(
        query.get("limit").map(String::as_str),
        100,
        500,
    )?);
    Ok(Json(
        app.store.call(move |c| audit::recent(c, limit)).await?,
    ))
}
