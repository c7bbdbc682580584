//! The audit log: sensitive actions at a till, append-only, uploaded to the hub
//! like any other fact so HQ can see who voided, approved or overrode what.

use crate::sale::SaleCashier;
use crate::{AuditId, StoreId, TerminalId, Timestamp};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    SignedIn,
    SignInFailed,
    CodeLocked,
    LineVoided,
    BillVoided,
    DiscountApproved,
    PriceOverridden,
    /// A pack past its use-by date sold with a supervisor's approval.
    ExpiredSold,
    ReturnMade,
    ShiftOpened,
    CashMoved,
    ShiftClosed,
    /// The cash drawer opened outside a sale, by a supervisor.
    DrawerOpened,
    /// A handheld paired with the till over the store LAN, with a code a
    /// supervisor issued.
    HandheldPaired,
    /// A handheld's pairing revoked at the till.
    HandheldRevoked,
    /// Pairing locked after too many wrong pairing codes from the LAN.
    PairingLocked,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub entry_id: AuditId,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    pub at: Timestamp,
    pub action: AuditAction,
    /// Who did it (or approved it), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff: Option<SaleCashier>,
    /// What happened, in words (with the reason given).
    pub detail: String,
    /// The sale, return or shift it concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl AuditEntry {
    pub fn validate(&self) -> Result<(), String> {
        let d = self.detail.trim();
        if d.is_empty() || d.chars().count() > 500 {
            return Err("detail: an audit entry says what happened in 1 to 500 characters".into());
        }
        Ok(())
    }
}
