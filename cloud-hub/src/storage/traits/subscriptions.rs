//! Events out: HQ's webhook subscriptions, the delivery task's leased work
//! and what it records, dead letters and replays; SQL in
//! `sql/subscriptions.rs`.

use crate::domain::ledger::{Recorded, RecordedPage};
use crate::domain::subscriptions::{
    Delivery, DeliveryState, DeliveryStats, NewSubscription, OutboundEvent, Schedule, Subscription,
    SubscriptionPatch,
};
use crate::storage::DbResult;
use pos_shared::{TenantId, Timestamp};
use uuid::Uuid;

/// A subscription the delivery task holds the lease of. Not `Debug`: it
/// carries the signing secrets, which no log may show.
#[derive(Clone)]
pub struct Claim {
    pub tenant: TenantId,
    pub subscription: Subscription,
    /// `whsec_…`: the current secret, and the one before it while it still
    /// signs.
    pub secret: String,
    pub previous_secret: Option<String>,
    /// Fences the records: once the lease runs out and another hub takes
    /// the subscription, this token no longer records anything.
    pub lease_token: Uuid,
}

/// A try the task made, and how it went.
#[derive(Debug, Clone)]
pub struct AttemptRecord<'a> {
    pub event: &'a OutboundEvent,
    pub at: Timestamp,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    pub latency_ms: u64,
    /// `None` for a 2xx answer.
    pub error: Option<String>,
    /// The cursor the task read this event after, when the event is the
    /// next in line (everything between was not for this subscription);
    /// `None` for a replay behind the cursor.
    pub in_line_after: Option<u64>,
}

/// What a recorded try came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered,
    RetryAt(Timestamp),
    Dead,
    /// The lease was lost (it ran out and another hub took over): nothing
    /// was recorded; stop.
    LeaseLost,
    /// Recorded, but HQ moved the cursor meanwhile (a replay): the line
    /// starts again from where HQ put it.
    CursorMoved,
}

/// HQ's subscriptions and their deliveries.
#[async_trait::async_trait]
pub trait SubscriptionStorage: Send + Sync {
    /// Stores a subscription that starts after the tenant's newest event.
    async fn create_subscription(
        &self,
        tenant: TenantId,
        new: &NewSubscription,
    ) -> DbResult<Subscription>;
    async fn subscriptions(&self, tenant: TenantId) -> DbResult<Vec<Subscription>>;
    async fn subscription(&self, tenant: TenantId, id: Uuid) -> DbResult<Subscription>;
    async fn update_subscription(
        &self,
        tenant: TenantId,
        id: Uuid,
        patch: &SubscriptionPatch,
    ) -> DbResult<Subscription>;
    /// Removes it with its deliveries and tries.
    async fn delete_subscription(&self, tenant: TenantId, id: Uuid) -> DbResult<()>;
    /// Makes `secret` the one that signs; the one before keeps signing beside
    /// it until `previous_until`.
    async fn rotate_subscription_secret(
        &self,
        tenant: TenantId,
        id: Uuid,
        secret: &str,
        previous_until: Timestamp,
    ) -> DbResult<Subscription>;

    /// Enabled subscriptions with deliveries due at `now` (events after the
    /// cursor and not waiting for a retry, or replays due), each leased until
    /// `lease_until` so a second hub on the database leaves them alone.
    async fn claim_subscriptions(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> DbResult<Vec<Claim>>;
    /// The tenant's events after `after`, in order (at most `limit`), and
    /// the tenant's prune floor (events up to it are gone).
    async fn events_after(
        &self,
        tenant: TenantId,
        after: u64,
        limit: u32,
    ) -> DbResult<(u64, Vec<OutboundEvent>)>;
    /// Replayed or retried events at or before the cursor that are due, in
    /// order; an event pruned since is `Err(seq)`.
    async fn due_replays(
        &self,
        claim: &Claim,
        now: Timestamp,
        limit: u32,
    ) -> DbResult<Vec<Result<OutboundEvent, u64>>>;
    /// Records a try: the attempt, the delivery as it now stands (delivered,
    /// retried by `schedule`, or dead), and for the event after the cursor
    /// the cursor moved on (or the retry time set), in one transaction.
    async fn record_attempt(
        &self,
        claim: &Claim,
        attempt: &AttemptRecord<'_>,
        schedule: &Schedule,
    ) -> DbResult<AttemptOutcome>;
    /// Moves the cursor from `from` over events the subscription does not
    /// take, to `to`; `false` when the lease was lost or HQ moved the cursor.
    async fn skip_to(&self, claim: &Claim, from: u64, to: u64) -> DbResult<bool>;
    /// Events `from..=to` were pruned before they could be sent: a dead
    /// letter says so (for the gap just after the cursor, the cursor moves
    /// past it; for a replay, that event's delivery is dead). `false` when
    /// the lease was lost.
    async fn record_gap(&self, claim: &Claim, from: u64, to: u64) -> DbResult<bool>;
    /// Lets the lease go.
    async fn release_subscription(&self, claim: &Claim) -> DbResult<()>;

    /// The subscription's deliveries in the order they were first tried.
    async fn deliveries(
        &self,
        tenant: TenantId,
        subscription: Uuid,
        state: Option<DeliveryState>,
        page: RecordedPage,
    ) -> DbResult<Recorded<Delivery>>;
    /// Queues a dead letter to be sent again (same `webhook-id`), now.
    async fn replay_dead_letter(
        &self,
        tenant: TenantId,
        subscription: Uuid,
        event_id: Uuid,
    ) -> DbResult<Delivery>;
    /// Sends every event from `from_seq` on again, in order: the cursor goes
    /// back to just before it.
    async fn replay_from(
        &self,
        tenant: TenantId,
        subscription: Uuid,
        from_seq: u64,
    ) -> DbResult<Subscription>;
    /// Tries and dead letters since `since`.
    async fn delivery_stats(
        &self,
        tenant: TenantId,
        subscription: Uuid,
        since: Timestamp,
    ) -> DbResult<DeliveryStats>;
}
