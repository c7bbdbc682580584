//! Ingestion: source systems and their sealed secrets, the archive and
//! durable queue of their webhooks, refusals at the gateway, ingestion runs,
//! and the stock a source owns (snapshots and deltas, each applied once).
//! SQL in `sql/ingestion.rs` and `sql/source_stock.rs`; the source's ids
//! mapped to the hub's are `source_map.rs`.

use crate::domain::events::NewEvent;
use crate::domain::ingestion::{
    Archived, LeasedPayload, NewPayload, NewRun, NewSource, Payload, PayloadState, Rates,
    RawPayload, Refusal, Run, RunCounts, RunError, RunState, SealedSecret, Source, SourcePatch,
    StockLine, StockOutcome, WebhookSource,
};
use crate::storage::DbResult;
use async_trait::async_trait;
use pos_shared::{TenantId, Timestamp};
use uuid::Uuid;

/// Sources, their webhooks and runs; SQL in `sql/ingestion.rs`.
#[async_trait]
pub trait IngestionStorage: Send + Sync {
    /// Registers a source with its first secret; every store must be the
    /// tenant's, and the code unused.
    async fn create_source(
        &self,
        tenant: TenantId,
        source: &NewSource,
        secret: &SealedSecret,
    ) -> DbResult<Source>;
    async fn source(&self, tenant: TenantId, source: Uuid) -> DbResult<Source>;
    /// The tenant's sources, by code.
    async fn sources(&self, tenant: TenantId) -> DbResult<Vec<Source>>;
    async fn update_source(
        &self,
        tenant: TenantId,
        source: Uuid,
        patch: &SourcePatch,
    ) -> DbResult<Source>;
    /// Makes `secret` the source's current secret; the one before it keeps
    /// verifying until `previous_until`, any older one stops now.
    async fn rotate_source_secret(
        &self,
        tenant: TenantId,
        source: Uuid,
        secret: &SealedSecret,
        previous_until: Timestamp,
    ) -> DbResult<Source>;
    /// The source a webhook URL names, with the secrets that verify at
    /// `now`; `None` when there is no such source. Not scoped by tenant: the
    /// URL is all the gateway has, and the signature proves the sender.
    async fn webhook_source(&self, source: Uuid, now: Timestamp)
        -> DbResult<Option<WebhookSource>>;

    /// Archives a verified webhook and queues it, in one statement: a
    /// webhook-id archived before is a duplicate (counted, not queued again).
    async fn archive_payload(&self, payload: &NewPayload) -> DbResult<Archived>;
    /// Records a webhook refused at the gateway (no body kept).
    async fn record_refusal(&self, tenant: TenantId, refusal: &Refusal) -> DbResult<()>;
    /// Leases the oldest queued payload whose source has none leased, for
    /// `lease_ms`; `None` when nothing waits.
    async fn lease_payload(&self, now: Timestamp, lease_ms: i64)
        -> DbResult<Option<LeasedPayload>>;
    /// Records how a leased payload ended; `false` (nothing written) when the
    /// lease was lost.
    async fn finish_payload(
        &self,
        lease: &LeasedPayload,
        state: PayloadState,
        run: Uuid,
        error: Option<&str>,
    ) -> DbResult<bool>;
    /// Queues an archived payload again (a replay, after an adapter fix).
    async fn requeue_payload(&self, tenant: TenantId, payload: Uuid) -> DbResult<Payload>;
    /// A source's payloads, newest first, before `before` (a payload id).
    async fn payloads(
        &self,
        tenant: TenantId,
        source: Uuid,
        state: Option<PayloadState>,
        before: Option<Uuid>,
        limit: u32,
    ) -> DbResult<Vec<Payload>>;
    async fn payload(&self, tenant: TenantId, payload: Uuid) -> DbResult<RawPayload>;
    /// A source's refusals, newest first.
    async fn refusals(
        &self,
        tenant: TenantId,
        source: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> DbResult<Vec<Refusal>>;
    /// How a source's webhooks fared since `since`.
    async fn ingestion_rates(
        &self,
        tenant: TenantId,
        source: Uuid,
        since: Timestamp,
    ) -> DbResult<Rates>;

    async fn start_run(&self, tenant: TenantId, run: &NewRun) -> DbResult<Run>;
    /// Ends a run with its counts and first errors, and announces it
    /// (`catalog.ingestion.completed`).
    async fn finish_run(
        &self,
        tenant: TenantId,
        run: Uuid,
        state: RunState,
        counts: RunCounts,
        errors: &[RunError],
    ) -> DbResult<Run>;
    async fn run(&self, tenant: TenantId, run: Uuid) -> DbResult<Run>;
    /// The tenant's runs, newest first, optionally of one source (and only
    /// those that refused something), before `before` (a run id).
    async fn runs(
        &self,
        tenant: TenantId,
        source: Option<Uuid>,
        with_failures: Option<bool>,
        before: Option<Uuid>,
        limit: u32,
    ) -> DbResult<Vec<Run>>;

    /// Writes an event ingestion raises (`catalog.product.upserted`,
    /// `pricing.price.updated`).
    async fn record_ingestion_event(&self, tenant: TenantId, event: NewEvent) -> DbResult<()>;
}

/// Stock a source owns; SQL in `sql/source_stock.rs`.
#[async_trait]
pub trait SourceStockStorage: Send + Sync {
    /// Applies a payload's stock lines in one transaction under one tenant
    /// lock, each line in its own savepoint, in order. A figure brings the
    /// position to its quantity plus the source's deltas after its as-of
    /// time, with one adjustment movement, unless a snapshot as new or newer
    /// was applied before (`Stale`); a change is applied once by its id
    /// (`Unchanged` when seen before, `Stale` when a newer snapshot already
    /// counts it). A line refused is its own `Err` and the others go on; a
    /// database failure is the outer `Err`, and nothing is applied.
    async fn apply_stock_lines(
        &self,
        tenant: TenantId,
        lines: &[StockLine],
    ) -> DbResult<Vec<Result<StockOutcome, crate::storage::DbError>>>;
}
