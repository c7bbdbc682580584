//! Event relays: how far each tenant's events have gone to a message broker,
//! and the lease that keeps one hub relaying a tenant at a time; SQL in
//! `sql/relay.rs`. The events themselves are read with
//! [`super::SubscriptionStorage::events_after`].

use crate::storage::DbResult;
use pos_shared::{TenantId, Timestamp};
use uuid::Uuid;

/// A tenant's events a relay holds the lease of.
#[derive(Debug, Clone)]
pub struct RelayClaim {
    pub relay: String,
    pub tenant: TenantId,
    /// Every event up to this one has been acknowledged by the broker.
    pub relayed: u64,
    /// Fences the records: once the lease runs out and another hub takes
    /// the tenant, this token no longer records anything.
    pub lease_token: Uuid,
}

/// Where each relay stands, per tenant.
#[async_trait::async_trait]
pub trait RelayStorage: Send + Sync {
    /// Leases up to `limit` tenants with events `relay` has not relayed yet
    /// (a tenant it has never relayed starts at its first event), until
    /// `lease_until`, so a second hub on the database leaves them alone.
    async fn claim_relays(
        &self,
        relay: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> DbResult<Vec<RelayClaim>>;
    /// Records that the broker acknowledged every event up to `seq`, and
    /// moves the lease on to `lease_until`; `false` when the lease was lost.
    async fn record_relayed(
        &self,
        claim: &RelayClaim,
        seq: u64,
        lease_until: Timestamp,
    ) -> DbResult<bool>;
    /// Lets the lease go.
    async fn release_relay(&self, claim: &RelayClaim) -> DbResult<()>;
    /// How far `relay` has gone for `tenant`: the last event acknowledged
    /// and the tenant's newest event.
    async fn relay_position(&self, relay: &str, tenant: TenantId) -> DbResult<(u64, u64)>;
}
