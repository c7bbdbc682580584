//! What the hub exchanges with tills and tells HQ: the change feed (with
//! snapshots for a terminal starting from scratch), store documents, the facts
//! tills upload and the records they leave, the domain events HQ reads, and
//! the quarantine of facts the hub refused.

use crate::domain::events::{EventPage, EventQuery};
use crate::domain::ledger::{Recorded, RecordedPage, SaleSummary};
use crate::domain::quarantine::{QuarantineEntry, QuarantineFilter};
use crate::domain::receipt_links::LinkedReceipt;
use crate::domain::stores::DeviceIdentity;
use crate::domain::sync::{DocStep, FactStored, SnapshotSink};
use crate::storage::DbResult;
use async_trait::async_trait;
use pos_shared::audit::AuditEntry;
use pos_shared::shift::ShiftReport;
use pos_shared::sync::{DocPurpose, Fact, FeedPage};
use pos_shared::sync::{QuarantineAction, QuarantineInstruction, QuarantinedFact};
use pos_shared::{Envelope, StoreId, TenantId, TerminalId};
use uuid::Uuid;

/// The change feed and store snapshots; SQL in `sql/feed.rs`.
#[async_trait]
pub trait FeedStorage: Send + Sync {
    /// Changes after every commit that appended to any tenant's change feed
    /// (on PostgreSQL, in any hub process on the database), so long-polls and
    /// event streams wake at once instead of polling. [`crate::feed_wake`]
    /// turns it into wake-ups per store.
    fn watch_feed(&self) -> tokio::sync::watch::Receiver<u64>;
    /// Every tenant's feed head.
    async fn feed_heads(&self) -> DbResult<Vec<(TenantId, u64)>>;
    /// The stores the tenant's changes after `after` up to `upto` were for;
    /// `None` stands for a tenant-wide change.
    async fn feed_stores_moved(
        &self,
        tenant: TenantId,
        after: u64,
        upto: u64,
    ) -> DbResult<Vec<Option<StoreId>>>;
    /// Changes after `since` for one store (its own and tenant-wide ones), in order.
    async fn feed(
        &self,
        tenant: TenantId,
        store: StoreId,
        since: u64,
        limit: u32,
    ) -> DbResult<FeedPage>;
    /// As [`FeedStorage::feed`], for a terminal that applied the change at
    /// `since` with `mark` (its page's `cursor_mark`): `FeedDiverged` when
    /// the change there now bears another mark (the database restored from
    /// an older copy, then written on).
    async fn feed_after_mark(
        &self,
        tenant: TenantId,
        store: StoreId,
        since: u64,
        mark: Option<i64>,
        limit: u32,
    ) -> DbResult<FeedPage>;
    /// The tenant-wide changes after `since` (the catalog: items, categories,
    /// chain-wide prices), in order, for the hub's own read models (store
    /// search). `CursorExpired` when `since` is behind the pruned floor.
    async fn catalog_changes(&self, tenant: TenantId, since: u64, limit: u32)
        -> DbResult<FeedPage>;
    /// Drops each tenant's feed changes beyond the newest `keep`, raising its floor.
    /// Returns how many changes were dropped.
    async fn prune_feed(&self, keep: u64) -> DbResult<u64>;
    /// Hands `out` the device's store at the current head, read in one
    /// consistent view, part by part as it is read (see
    /// [`crate::domain::sync::SnapshotPart`]). Stops early, without error, when
    /// the receiver is gone.
    async fn store_snapshot(&self, device: &DeviceIdentity, out: SnapshotSink) -> DbResult<()>;
    /// Whether the terminal moved stock at its store: its snapshot leaves
    /// those movements out (the till holds them), so it is the terminal's
    /// own and no other till's.
    async fn terminal_moved_stock(&self, device: &DeviceIdentity) -> DbResult<bool>;
}

/// Store documents synced with Automerge; SQL in `sql/documents.rs`.
#[async_trait]
pub trait DocumentStorage: Send + Sync {
    /// Runs `step` on a store document and the device's sync state under the
    /// tenant lock and stores the outcome in the same transaction; a changed
    /// document is announced in the store's feed.
    async fn exchange_document(
        &self,
        device: &DeviceIdentity,
        purpose: DocPurpose,
        step: DocStep,
    ) -> DbResult<Option<Vec<u8>>>;
    /// A store document as saved (Automerge format), if any terminal has written it.
    async fn document(
        &self,
        tenant: TenantId,
        store: StoreId,
        purpose: DocPurpose,
    ) -> DbResult<Option<Vec<u8>>>;
}

/// The facts tills upload, and the sales, shift closes and audit entries
/// they leave; SQL in `sql/facts.rs`.
#[async_trait]
pub trait FactStorage: Send + Sync {
    /// Stores validated facts (each with its raw envelope) and their
    /// movements, in commits of bounded work, each fact in a savepoint of its
    /// own so a refused one leaves no trace; idempotent by id. One outcome per
    /// fact stored, in order: for a prefix of `facts` when the upload ran out
    /// of time (the rest are for the till to send again).
    async fn accept_facts(
        &self,
        device: &DeviceIdentity,
        facts: &[(Envelope<Fact>, String)],
    ) -> DbResult<Vec<FactStored>>;
    /// The store's till audit entries in the order the hub committed them.
    async fn audit_log(
        &self,
        tenant: TenantId,
        store: StoreId,
        page: RecordedPage,
    ) -> DbResult<Recorded<AuditEntry>>;
    /// The Z reports of a store's closed shifts in the order the hub committed them.
    async fn shift_closes(
        &self,
        tenant: TenantId,
        store: StoreId,
        page: RecordedPage,
    ) -> DbResult<Recorded<ShiftReport>>;
    async fn sales(
        &self,
        tenant: TenantId,
        store: StoreId,
        page: RecordedPage,
    ) -> DbResult<Recorded<SaleSummary>>;
    /// Whether the hub holds the fact `event_id` of `event_type` that it
    /// acknowledged to the device's tenant: a hub whose database was
    /// restored from an older copy may not. `None` when `event_type` is no
    /// fact's.
    async fn holds_fact(
        &self,
        device: &DeviceIdentity,
        event_type: &str,
        event_id: Uuid,
    ) -> DbResult<Option<bool>>;
    /// The sale whose receipt link key hashes to `key_hash`
    /// ([`crate::domain::receipt_links::key_hash`]), of whichever tenant:
    /// the key is the capability. `None` when no sale, or more than one,
    /// carries it.
    async fn receipt_by_link(&self, key_hash: &str) -> DbResult<Option<LinkedReceipt>>;
}

/// The domain events HQ reads; SQL in `sql/events.rs`.
#[async_trait]
pub trait EventStorage: Send + Sync {
    /// The tenant's events after a point of its event sequence, in order.
    async fn events(&self, tenant: TenantId, query: &EventQuery) -> DbResult<EventPage>;
}

/// Facts the tills set aside because the hub refused them: what a till
/// reports, what HQ sees of them, and what HQ decides; SQL in
/// `sql/quarantine.rs`.
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
    /// ([`DbError::State`](crate::storage::DbError::State) when the fact is not open to it).
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
