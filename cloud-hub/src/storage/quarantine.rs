//! The quarantine's storage interface: what a till reports, what HQ sees of
//! it, and what HQ decides. The SQL is in `sql/quarantine.rs`.

use super::DbResult;
use crate::domain::quarantine::{QuarantineEntry, QuarantineFilter};
use crate::domain::stores::DeviceIdentity;
use async_trait::async_trait;
use pos_shared::sync::{QuarantineAction, QuarantineInstruction, QuarantinedFact};
use pos_shared::{StoreId, TenantId, TerminalId};
use uuid::Uuid;

/// The quarantine at the hub, per backend.
#[async_trait]
pub trait QuarantineStorage: Send + Sync {
    /// Records a till's quarantine as it stands and answers what the till is
    /// to do with each reported fact HQ has decided on.
    async fn report_quarantine(
        &self,
        device: &DeviceIdentity,
        facts: &[QuarantinedFact],
    ) -> DbResult<Vec<QuarantineInstruction>>;
    /// A store's quarantined facts, the first reported first.
    async fn quarantined_facts(
        &self,
        tenant: TenantId,
        store: StoreId,
        filter: &QuarantineFilter,
    ) -> DbResult<Vec<QuarantineEntry>>;
    /// HQ's decision on one fact, announced as an event naming who made it
    /// ([`super::DbError::State`] when the fact is not open to it).
    async fn decide_quarantined(
        &self,
        tenant: TenantId,
        store: StoreId,
        terminal: TerminalId,
        event_id: Uuid,
        action: QuarantineAction,
        note: Option<&str>,
    ) -> DbResult<QuarantineEntry>;
}
