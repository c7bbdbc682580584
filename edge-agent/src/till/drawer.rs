//! Opening the cash drawer outside a sale (change for the float, a wrong
//! tender): a supervisor's call, signed in or approving with code and PIN,
//! written to the audit log with the reason before the pulse is asked. A cash
//! sale's own pulse is asked by [`super::checkout`] at its commit.

use super::session::authorize_action;
use super::{Till, TillError};
use crate::pos::discounts::Approval;
use crate::printing::QueueError;
use crate::store::audit;
use crate::store::print_jobs::PrintJob;
use pos_shared::audit::{AuditAction, AuditEntry};
use pos_shared::staff::Role;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawerRequest {
    /// Why the drawer is opened, for the audit log.
    pub reason: String,
    /// A supervisor's code and PIN, unless one is signed in.
    #[serde(default)]
    pub approval: Option<Approval>,
}

/// The audit entry written and the drawer pulse asked of the printer.
#[derive(Debug, Serialize)]
pub struct DrawerOpened {
    pub audit: AuditEntry,
    pub job: PrintJob,
}

/// Checks the authority, logs the opening and asks the receipt printer for a
/// drawer pulse.
pub async fn open(till: &Till, request: DrawerRequest) -> Result<DrawerOpened, TillError> {
    let device = till.sync.credential().ok_or(TillError::NotEnrolled)?;
    let reason = request.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(TillError::Invalid {
            field: "reason",
            detail: "opening the drawer needs a reason of 1 to 200 characters".into(),
        });
    }
    if !till.printers.has_drawer() {
        return Err(TillError::Invalid {
            field: "printer",
            detail: "this till has no receipt printer, so no cash drawer to open".into(),
        });
    }
    let who = authorize_action(
        till,
        request.approval.as_ref(),
        Role::Supervisor,
        "opening the cash drawer outside a sale",
    )
    .await?;
    let name = who
        .as_ref()
        .map_or("a supervisor".to_owned(), |w| w.name.clone());
    let detail = format!("cash drawer opened outside a sale — {reason}");
    let entry = till
        .store
        .call(move |c| audit::record(c, &device, AuditAction::DrawerOpened, who, detail, None))
        .await?;
    till.sync.nudge.notify_one();
    let job = till
        .printers
        .open_drawer(None, format!("cash drawer: opened by {name} ({reason})"))
        .await
        .map_err(|e| match e {
            QueueError::Store(e) => TillError::Store(e),
            other => TillError::Internal(other.to_string()),
        })?
        .ok_or_else(|| TillError::Invalid {
            field: "printer",
            detail: "this till has no receipt printer, so no cash drawer to open".into(),
        })?;
    Ok(DrawerOpened { audit: entry, job })
}
