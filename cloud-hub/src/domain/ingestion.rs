//! Ingestion as storage keeps it and HQ reads it: source systems and the
//! stores they feed, the payloads they pushed (archived raw, queued, applied
//! or failed), the runs that applied them with their counts and first
//! errors, refusals at the gateway, and the rates HQ watches.

use pos_shared::{StoreId, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What kind of system a source is; it decides which adapters read its
/// payloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A restaurant POS (PetPooja/UrbanPiper style): menu pushes and item
    /// availability toggles.
    RestaurantPos,
    /// An ERP or WMS (Unicommerce style): inventory snapshots and deltas.
    Erp,
    /// A seller's catalog: bulk feeds (CSV or JSON Lines).
    Seller,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::RestaurantPos => "restaurant_pos",
            SourceKind::Erp => "erp",
            SourceKind::Seller => "seller",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "restaurant_pos" => Some(SourceKind::RestaurantPos),
            "erp" => Some(SourceKind::Erp),
            "seller" => Some(SourceKind::Seller),
            _ => None,
        }
    }
}

/// A store a source feeds, and the source's own id for it (a PetPooja
/// `restID`, a Unicommerce `facilityCode`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SourceStore {
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub external_id: String,
    pub store_id: StoreId,
}

/// A source system as registered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Source {
    pub id: Uuid,
    /// Short and unique in the tenant; SKUs the hub makes for this source's
    /// items start with it.
    pub code: String,
    pub name: String,
    pub kind: SourceKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    pub enabled: bool,
    pub stores: Vec<SourceStore>,
    /// After a rotation, the secret before the current one verifies
    /// signatures until then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_secret_until: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A source to register; its first secret comes sealed beside it.
#[derive(Debug, Clone)]
pub struct NewSource {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: SourceKind,
    pub vendor: Option<String>,
    pub stores: Vec<SourceStore>,
}

/// What HQ changes about a source; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SourcePatch {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub stores: Option<Vec<SourceStore>>,
}

/// A signing secret sealed for its row: the row's id is the sealing's
/// associated data.
#[derive(Debug, Clone)]
pub struct SealedSecret {
    pub id: Uuid,
    pub sealed: String,
}

/// What the gateway needs of a source: its tenant, whether it is on, and
/// the secrets that verify now, sealed.
#[derive(Debug, Clone)]
pub struct WebhookSource {
    pub tenant: pos_shared::TenantId,
    pub source: Source,
    pub secrets: Vec<SealedSecret>,
}

/// A webhook that passed its signature, to archive before anything else.
#[derive(Debug, Clone)]
pub struct NewPayload {
    pub id: Uuid,
    pub tenant: pos_shared::TenantId,
    pub source: Uuid,
    pub webhook_id: String,
    pub received_at: Timestamp,
    /// The request's headers, as a JSON object of strings.
    pub headers: serde_json::Value,
    pub body: Vec<u8>,
}

/// Whether an archived webhook is new or came again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Archived {
    Queued(Uuid),
    /// The same webhook-id was archived before (as this payload), with
    /// the same body: a retry.
    Duplicate(Uuid),
    /// The same webhook-id was archived before with another body: the
    /// sender reused an id, and the new body is refused.
    Reused(Uuid),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayloadState {
    /// Waiting for the ingestion task (or for a replay).
    Queued,
    /// Its run finished; every entity was applied or found unchanged, or
    /// refused with a reason (the run counts them).
    Applied,
    /// Its adapter could not read it at all; the run says why.
    Failed,
}

impl PayloadState {
    pub fn as_str(self) -> &'static str {
        match self {
            PayloadState::Queued => "queued",
            PayloadState::Applied => "applied",
            PayloadState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "queued" => Some(PayloadState::Queued),
            "applied" => Some(PayloadState::Applied),
            "failed" => Some(PayloadState::Failed),
            _ => None,
        }
    }
}

/// An archived payload, without its body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Payload {
    pub id: Uuid,
    pub source_id: Uuid,
    pub webhook_id: String,
    pub received_at: Timestamp,
    pub state: PayloadState,
    pub attempts: u32,
    /// How many times the same webhook-id came again.
    pub duplicates: u32,
    pub body_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processed_at: Option<Timestamp>,
}

/// An archived payload as stored, raw.
#[derive(Debug, Clone)]
pub struct RawPayload {
    pub payload: Payload,
    pub headers: serde_json::Value,
    pub body: Vec<u8>,
}

/// A payload the ingestion task holds for a while; `token` fences what it
/// records, so a task whose lease ran out records nothing.
#[derive(Debug, Clone)]
pub struct LeasedPayload {
    pub tenant: pos_shared::TenantId,
    pub token: Uuid,
    pub raw: RawPayload,
    /// Whether this application is a replay asked by HQ.
    pub replay: bool,
}

/// A webhook refused at the gateway: why, naming the header or the limit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = WebhookRefusal)]
pub struct Refusal {
    pub id: Uuid,
    pub source_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_id: Option<String>,
    pub received_at: Timestamp,
    pub status: u16,
    /// The header or limit at fault (`webhook-signature`, `body`, …).
    pub field: String,
    pub reason: String,
    pub body_bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunTrigger {
    Webhook,
    Replay,
    Feed,
}

impl RunTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            RunTrigger::Webhook => "webhook",
            RunTrigger::Replay => "replay",
            RunTrigger::Feed => "feed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "webhook" => Some(RunTrigger::Webhook),
            "replay" => Some(RunTrigger::Replay),
            "feed" => Some(RunTrigger::Feed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Running,
    /// Finished; `failed` counts the entities refused.
    Completed,
    /// The input could not be read at all.
    Failed,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Completed => "completed",
            RunState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "running" => Some(RunState::Running),
            "completed" => Some(RunState::Completed),
            "failed" => Some(RunState::Failed),
            _ => None,
        }
    }
}

/// What a run did, entity by entity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunCounts {
    /// Entities read from the input.
    pub received: u64,
    /// Entities that changed something.
    pub applied: u64,
    /// Entities already as the input says (a payload sent again).
    pub unchanged: u64,
    /// Entities refused; the run's errors say why.
    pub failed: u64,
}

/// Runs keep this many errors; the counts have the rest.
pub const RUN_ERRORS_KEPT: usize = 50;

/// Why one entity of a run was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunError {
    /// What the input calls it: `item 1234`, `category 12`, `row 17`.
    pub entity: String,
    /// The field at fault, in the input's terms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub detail: String,
}

/// One application of a payload or a feed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Run {
    pub id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_id: Option<Uuid>,
    pub trigger: RunTrigger,
    /// What the input was read as: `menu_push`, `availability`,
    /// `inventory_snapshot`, `inventory_delta`, `seller_feed`, or
    /// `unreadable`.
    pub format: String,
    pub state: RunState,
    pub started_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
    pub counts: RunCounts,
    /// The first errors ([`RUN_ERRORS_KEPT`]).
    pub errors: Vec<RunError>,
    /// Refusals counted but not listed in `errors` (past the first
    /// [`RUN_ERRORS_KEPT`]); the raw payload or the review queue has them.
    pub errors_not_shown: u64,
}

impl Run {
    /// Sets `errors_not_shown` from the counts and the errors kept.
    pub fn with_errors_counted(mut self) -> Self {
        self.errors_not_shown = self.counts.failed.saturating_sub(self.errors.len() as u64);
        self
    }
}

/// A run to start.
#[derive(Debug, Clone)]
pub struct NewRun {
    pub id: Uuid,
    pub source: Option<Uuid>,
    pub payload: Option<Uuid>,
    pub trigger: RunTrigger,
    pub format: String,
}

/// How a source's webhooks fared over a window, for HQ's dashboard.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Rates {
    pub since: Option<Timestamp>,
    /// Webhooks archived (each webhook-id once).
    pub received: u64,
    pub applied: u64,
    pub failed: u64,
    pub queued: u64,
    /// Webhooks that came again with a webhook-id already archived.
    pub duplicate: u64,
    /// Webhooks refused at the gateway.
    pub refused: u64,
    /// Runs that refused at least one entity (the payload was read, some of
    /// it could not be applied), and how many entities they refused.
    pub runs_with_failures: u64,
    pub entities_failed: u64,
    /// From receipt to applied, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_p50_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_p99_ms: Option<u64>,
}

/// Whose stock of what, where: a source's figure or change lands there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockAt {
    pub source: Uuid,
    pub store: StoreId,
    pub variant: pos_shared::VariantId,
}

/// One stock line of a source's payload, for where it lands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockLine {
    pub at: StockAt,
    pub what: StockLineKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StockLineKind {
    /// On hand is `quantity` as of `as_of`.
    Figure {
        quantity: pos_shared::Qty,
        as_of: Timestamp,
    },
    /// The source moved it by `change` at `when`, once by `external_id`.
    Change {
        external_id: String,
        change: pos_shared::Qty,
        when: Timestamp,
    },
}

/// What an absolute stock figure or a change from a source did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockOutcome {
    /// The ledger moved by this much.
    Moved(pos_shared::Qty),
    /// Already so: the position matched, or the figure was applied before.
    Unchanged,
    /// A snapshot older than the newest applied (or a change older than it,
    /// which the snapshot already counts).
    Stale,
}
