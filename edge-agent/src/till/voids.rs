//! Voids reported by the cashier screen: a line or a whole bill taken off
//! before tender, written to the audit log with who did it and why.

use super::session::check_approval;
use super::{Till, TillError};
use crate::pos::discounts::{self, Approval, Authority};
use crate::pos::sale::SaleRejection;
use crate::store::audit;
use pos_shared::audit::{AuditAction, AuditEntry};
use pos_shared::staff::Role;
use pos_shared::Money;
use serde::Deserialize;

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum VoidKind {
    /// One line taken off the cart; the cashier's call.
    Line,
    /// The whole bill abandoned before tender; a supervisor's call.
    Bill,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoidRequest {
    pub kind: VoidKind,
    pub reason: String,
    /// What was taken off, as the cart showed it.
    pub description: String,
    pub amount: Money,
    #[serde(default)]
    pub approval: Option<Approval>,
}

/// Records a void in the audit log: a line is the cashier's call, a whole
/// bill needs a supervisor (signed in, or approving with code and PIN).
pub async fn record_void(till: &Till, request: VoidRequest) -> Result<AuditEntry, TillError> {
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    for (field, text, max) in [
        ("reason", &request.reason, 200),
        ("description", &request.description, 300),
    ] {
        if let Err(detail) = pos_shared::text::line(field, text, max, false) {
            return Err(TillError::Invalid { field, detail });
        }
    }
    if request.amount.is_negative() {
        return Err(TillError::Invalid {
            field: "amount",
            detail: "amount cannot be negative".into(),
        });
    }
    let signed_in = till.session.current();
    let cashier = signed_in.as_ref().map(|s| pos_shared::sale::SaleCashier {
        staff_id: s.staff_id,
        name: s.name.clone(),
    });
    let role = signed_in.map(|s| s.role);
    let limits = till.sale_policy.discount_limits;
    let approver = match &request.approval {
        Some(a) => Some(check_approval(till, a).await?),
        None => None,
    };
    let entry = till
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
            e @ SaleRejection::Invalid { .. } => TillError::Rejected(e),
            other => TillError::Invalid {
                field: "approval",
                detail: other.to_string(),
            },
        })?;
    till.sync.nudge.notify_one();
    Ok(entry)
}
