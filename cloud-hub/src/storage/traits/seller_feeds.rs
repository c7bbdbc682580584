//! Seller feeds: uploads kept raw as they arrive, their queue (leased per
//! source, like webhooks), the progress of the run applying one, and the
//! review queue of the rows it refused. SQL in `sql/seller_feeds.rs`.

use crate::domain::catalog::Product;
use crate::domain::feeds::{
    LeasedFeed, NewFeed, NewFeedItem, NewReviewRow, ReviewChange, ReviewRow, ReviewStatus,
};
use crate::domain::ingestion::{NewRun, Run, RunCounts, RunError};
use crate::storage::{DbError, DbResult};
use async_trait::async_trait;
use pos_shared::{TenantId, Timestamp};
use uuid::Uuid;

#[async_trait]
pub trait SellerFeedStorage: Send + Sync {
    /// Starts receiving an upload (`receiving`: not yet queued).
    async fn begin_feed(&self, tenant: TenantId, feed: &NewFeed) -> DbResult<()>;
    /// Keeps the next chunk of an upload's bytes.
    async fn append_feed_chunk(&self, feed: Uuid, seq: u32, bytes: &[u8]) -> DbResult<()>;
    /// Queues a received upload with its run (started, no counts yet), in
    /// one transaction.
    async fn queue_feed(
        &self,
        tenant: TenantId,
        feed: Uuid,
        body_bytes: u64,
        run: &NewRun,
    ) -> DbResult<Run>;
    /// Forgets an upload that was not taken (too large, cut off).
    async fn drop_feed(&self, feed: Uuid) -> DbResult<()>;
    /// Forgets uploads still `receiving` since before `before` (their
    /// sender never had an answer).
    async fn sweep_abandoned_feeds(&self, before: Timestamp) -> DbResult<u64>;
    /// Leases the oldest queued feed whose source has none leased, for
    /// `lease_ms`; `None` when nothing waits.
    async fn lease_feed(&self, now: Timestamp, lease_ms: i64) -> DbResult<Option<LeasedFeed>>;
    /// A feed's bytes, whole, in order.
    async fn feed_bytes(&self, feed: Uuid) -> DbResult<Vec<u8>>;
    /// Records how far a leased feed's run is, in one transaction: its
    /// counts and first errors, the rows it refused since the last call
    /// (kept for review, once per line), earlier pending rows of the SKUs
    /// in `came_again` marked `superseded`, and the lease extended by
    /// `lease_ms`. `false` (nothing written) when the lease was lost.
    #[allow(clippy::too_many_arguments)]
    async fn feed_progress(
        &self,
        lease: &LeasedFeed,
        counts: RunCounts,
        errors: &[RunError],
        review: &[NewReviewRow],
        came_again: &[String],
        lease_ms: i64,
    ) -> DbResult<bool>;
    /// Ends a leased feed as `applied` or `failed` (with why); `false` when
    /// the lease was lost.
    async fn finish_feed(&self, lease: &LeasedFeed, failed: Option<&str>) -> DbResult<bool>;
    /// The SKUs a feed's row may already be: every live variant's of the
    /// tenant, and the source's ids of the products and variants it made.
    async fn feed_known_skus(&self, tenant: TenantId, source: Uuid) -> DbResult<Vec<String>>;
    /// Makes products new to the catalog in one transaction (the batched
    /// path of a feed's new rows): each as `create_product` makes one, with
    /// the source's ids mapped to it and `catalog.product.upserted`, each in
    /// its own savepoint, so one refused (a barcode taken) is that item's
    /// error and the rest are made. `Err` only when the database fails.
    async fn create_feed_items(
        &self,
        tenant: TenantId,
        source: Uuid,
        items: &[NewFeedItem],
    ) -> DbResult<Vec<Result<Product, DbError>>>;
    /// The SKUs of a source's rows pending review.
    async fn pending_review_skus(&self, tenant: TenantId, source: Uuid) -> DbResult<Vec<String>>;
    /// A source's rows in review, oldest first, after `after` (a row id),
    /// optionally only those standing so.
    async fn review_rows(
        &self,
        tenant: TenantId,
        source: Uuid,
        status: Option<ReviewStatus>,
        after: Option<Uuid>,
        limit: u32,
    ) -> DbResult<Vec<ReviewRow>>;
    async fn review_row(&self, tenant: TenantId, source: Uuid, row: Uuid) -> DbResult<ReviewRow>;
    /// Changes a row still `pending`; a row already decided is a
    /// `DbError::State` naming its status.
    async fn change_review_row(
        &self,
        tenant: TenantId,
        source: Uuid,
        row: Uuid,
        change: &ReviewChange,
    ) -> DbResult<ReviewRow>;
}
