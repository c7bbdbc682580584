//! Seller feeds as storage keeps them and HQ reads them: an upload (its
//! format, where it stands in the queue), the lease of the hub applying it,
//! and the review queue of the rows it could not apply, each with the row
//! as received, the field at fault and what became of it.

use pos_shared::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How a feed's rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedFormat {
    /// CSV with a header row (`text/csv`).
    Csv,
    /// One JSON object a line (`application/x-ndjson`).
    Jsonl,
}

impl FeedFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedFormat::Csv => "csv",
            FeedFormat::Jsonl => "jsonl",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "csv" => Some(FeedFormat::Csv),
            "jsonl" => Some(FeedFormat::Jsonl),
            _ => None,
        }
    }
}

/// An upload about to be received.
#[derive(Debug, Clone)]
pub struct NewFeed {
    pub id: Uuid,
    pub source: Uuid,
    pub format: FeedFormat,
    pub received_at: Timestamp,
}

/// A queued upload, as the task applying it sees it.
#[derive(Debug, Clone)]
pub struct Feed {
    pub id: Uuid,
    pub source: Uuid,
    pub format: FeedFormat,
    pub received_at: Timestamp,
    pub run: Uuid,
    pub body_bytes: u64,
    /// How many times it has been taken (more than one: a hub stopped
    /// applying it, and it is applied again from the top).
    pub attempts: u32,
}

/// A feed the task holds for a while; `token` fences what it records, so a
/// task whose lease ran out records nothing.
#[derive(Debug, Clone)]
pub struct LeasedFeed {
    pub tenant: pos_shared::TenantId,
    pub token: Uuid,
    pub feed: Feed,
}

/// What became of a row in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Waiting for HQ.
    Pending,
    /// The same SKU came again in a later feed (applied there, or in review
    /// again as a row of that feed).
    Superseded,
    /// HQ decided it is not to be applied.
    Rejected,
    /// HQ corrected it and it was applied.
    Applied,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Superseded => "superseded",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::Applied => "applied",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(ReviewStatus::Pending),
            "superseded" => Some(ReviewStatus::Superseded),
            "rejected" => Some(ReviewStatus::Rejected),
            "applied" => Some(ReviewStatus::Applied),
            _ => None,
        }
    }
}

/// A row as received: column to text, in the file's terms.
pub type RowCells = std::collections::BTreeMap<String, String>;

/// A row a feed could not apply, to keep for review.
#[derive(Debug, Clone)]
pub struct NewReviewRow {
    pub id: Uuid,
    pub line: u64,
    pub sku: Option<String>,
    pub cells: RowCells,
    pub field: Option<String>,
    pub error: String,
}

/// A row in review.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewRow {
    pub id: Uuid,
    pub source_id: Uuid,
    /// The feed's run.
    pub run_id: Uuid,
    /// Its line in the feed (the header is line 1 of a CSV).
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// The row as received (after a resubmission that applied, as applied).
    #[schema(value_type = Object)]
    pub row: RowCells,
    /// The field at fault, in the feed's terms (`price`, `unit`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub error: String,
    pub status: ReviewStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// How a row in review is to change, if it is still pending.
#[derive(Debug, Clone)]
pub struct ReviewChange {
    pub status: ReviewStatus,
    /// The row as it now stands (a corrected row that applied).
    pub cells: Option<RowCells>,
    /// The field at fault and why, after a resubmission refused again.
    pub error: Option<(Option<String>, String)>,
}

/// A product new to the catalog, from a row of a feed: made with the
/// source's ids mapped to it and its event, in one batch with others.
#[derive(Debug, Clone)]
pub struct NewFeedItem {
    /// The source's id for the product (a seller's: the SKU).
    pub external_id: String,
    /// The source's ids for its variants, in the order of `product.variants`.
    pub variant_ids: Vec<String>,
    pub product: crate::domain::catalog::NewProduct,
}
