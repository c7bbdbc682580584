//! Enrichment (`domain::enrichment`): the suggestions the worker stores,
//! HQ's decisions, and the worker's place in each tenant's catalog feed.
//! SQL in `sql/enrichment.rs`.

use crate::domain::enrichment::{
    EnrichmentSettings, NewProposal, Proposal, ProposalFilter, ProposalState,
};
use crate::storage::DbResult;
use pos_shared::{TenantId, VariantId};
use uuid::Uuid;

#[async_trait::async_trait]
pub trait EnrichmentStorage: Send + Sync {
    /// How far into the tenant's catalog feed the worker has read (0 before
    /// it first did).
    async fn enrichment_cursor(&self, tenant: TenantId) -> DbResult<u64>;
    /// Stores the suggestions made from the feed up to `through` and moves
    /// the worker's place there, in one transaction. A suggestion the same
    /// as one pending or rejected for the item's field is not stored again;
    /// any other pending one for that field is superseded. Returns those
    /// stored.
    async fn record_proposals(
        &self,
        tenant: TenantId,
        through: u64,
        proposals: &[NewProposal],
    ) -> DbResult<Vec<Proposal>>;
    /// The tenant's proposals, oldest first. Not found: none.
    async fn proposals(&self, tenant: TenantId, filter: &ProposalFilter)
        -> DbResult<Vec<Proposal>>;
    /// Not found: the proposal, or another tenant's.
    async fn proposal(&self, tenant: TenantId, id: Uuid) -> DbResult<Proposal>;
    /// Records a pending proposal's outcome; `State` when it is no longer
    /// pending.
    async fn decide_proposal(
        &self,
        tenant: TenantId,
        id: Uuid,
        state: ProposalState,
        by: &str,
    ) -> DbResult<Proposal>;
    /// Marks the item's pending proposals superseded (it was deleted).
    async fn supersede_proposals(&self, tenant: TenantId, variant: VariantId) -> DbResult<()>;
    async fn enrichment_settings(&self, tenant: TenantId) -> DbResult<EnrichmentSettings>;
    async fn set_enrichment_settings(
        &self,
        tenant: TenantId,
        settings: &EnrichmentSettings,
    ) -> DbResult<EnrichmentSettings>;
}
