//! Facts the tills set aside because the hub refused them: where one stands
//! at HQ, what HQ sees of it, and which of them HQ asks for. What a till
//! reports and what HQ decides (resend or write off) are `pos_shared::sync`'s.

use pos_shared::{StoreId, TerminalId, Timestamp};
use serde::Serialize;
use uuid::Uuid;

/// Where a quarantined fact stands at HQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuarantineStatus {
    /// Reported by the till; waiting for HQ.
    Open,
    /// HQ asked the till to upload it again.
    Resend,
    /// HQ gave it up for good, with a note.
    WrittenOff,
    /// It reached the ledger after all.
    Resolved,
}

impl QuarantineStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            QuarantineStatus::Open => "open",
            QuarantineStatus::Resend => "resend",
            QuarantineStatus::WrittenOff => "written_off",
            QuarantineStatus::Resolved => "resolved",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            QuarantineStatus::Open,
            QuarantineStatus::Resend,
            QuarantineStatus::WrittenOff,
            QuarantineStatus::Resolved,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A quarantined fact as HQ sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuarantineEntry {
    pub event_id: Uuid,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    pub event_type: String,
    /// Why the hub refused it.
    pub reason: String,
    /// When the till set it aside (the till's clock).
    pub quarantined_at: Timestamp,
    /// When the hub first and last heard of it (the hub's clock).
    pub first_reported_at: Timestamp,
    pub reported_at: Timestamp,
    pub status: QuarantineStatus,
    /// Resends HQ asked for, and resends the till carried out.
    pub resends_asked: u32,
    pub till_resent: u32,
    /// Who decided, when, and why (`hq:user:…`, `hq:key:…`).
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub note: Option<String>,
    /// The fact as the till uploaded it.
    #[schema(value_type = Object)]
    pub envelope: serde_json::Value,
}

/// Which quarantined facts HQ asks for.
#[derive(Debug, Clone, Default)]
pub struct QuarantineFilter {
    pub status: Option<QuarantineStatus>,
    pub terminal: Option<TerminalId>,
    pub limit: u32,
}
