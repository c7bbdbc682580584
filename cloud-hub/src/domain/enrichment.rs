//! Enrichment as HQ sees it: a suggested change to one field of an item
//! (its name, pack, an attribute, its synonyms), how sure the enricher is,
//! why, and what HQ decided. Made by `crate::enrichment` off the request
//! path; taking one is an edit like any other (a new version of the item).

use pos_shared::{Timestamp, VariantId};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    /// Waiting for HQ.
    Pending,
    /// Taken, by HQ or by the tenant's auto-accept: the item was changed.
    Accepted,
    /// Turned down: the same suggestion is not made again.
    Rejected,
    /// The item changed since, or a newer suggestion for the field came.
    Superseded,
}

impl ProposalState {
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalState::Pending => "pending",
            ProposalState::Accepted => "accepted",
            ProposalState::Rejected => "rejected",
            ProposalState::Superseded => "superseded",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            ProposalState::Pending,
            ProposalState::Accepted,
            ProposalState::Rejected,
            ProposalState::Superseded,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A suggested change to one field of an item.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Proposal {
    pub proposal_id: Uuid,
    pub variant_id: VariantId,
    /// `name`, `pack`, `synonyms` or `attributes.<key>`.
    pub field: String,
    /// The field as the item had it when suggested (`null`: unset): a
    /// string, a pack, a list of words, an attribute's value.
    pub current: serde_json::Value,
    pub proposed: serde_json::Value,
    /// 0 to 1.
    pub confidence: f64,
    pub reason: String,
    /// Who suggested it: `rules`, or `model:<name>`.
    pub source: String,
    pub state: ProposalState,
    pub created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<Timestamp>,
    /// Who decided: `hq:user:<id>`, `hq:key:<id>`, or `hub` (auto-accepted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
}

/// A suggestion on its way to being stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProposal {
    pub variant_id: VariantId,
    pub field: String,
    pub current: serde_json::Value,
    pub proposed: serde_json::Value,
    pub confidence: f64,
    pub reason: String,
    pub source: String,
}

/// Which proposals to list.
#[derive(Debug, Clone, Default)]
pub struct ProposalFilter {
    pub state: Option<ProposalState>,
    pub variant: Option<VariantId>,
    /// After this proposal (ids are time-ordered).
    pub after: Option<Uuid>,
    pub limit: u32,
}

/// A tenant's enrichment settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct EnrichmentSettings {
    /// Proposals at least this sure (0 to 1) are taken without HQ; `null`:
    /// none are.
    pub auto_accept_at: Option<f64>,
}
