//! The basket worker: keeps the recommendations' projection (what sold with
//! what, and how much of each item sold, per store and day) from each
//! tenant's event outbox, off every request's path.
//!
//! Its place in each tenant's events is stored with what each step adds, in
//! one transaction, so a crash repeats a step and never counts one twice;
//! two hub processes on one PostgreSQL both run it, and the one that finds
//! the place moved when it writes lets its step go. A tenant's first step,
//! and one whose place the events were pruned past, builds the projection
//! from the sales ledger instead. Reads (`storage/sql/recommendations.rs`)
//! see sales once the worker has read them: a fraction of a second behind.

use crate::domain::baskets::{day_of, BasketTally};
use crate::domain::recommendations::MAX_DAYS;
use crate::storage::{DbError, DbResult, DynStorage};
use pos_shared::TenantId;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Events read per step.
const STEP: u64 = 5_000;
/// How long the worker lets commits gather before it reads them.
const SETTLE: Duration = Duration::from_millis(100);
const DAY_MS: i64 = 86_400_000;

/// The worker's memory: each tenant's place as it last read or wrote it,
/// and the day it last dropped days no request reads.
#[derive(Default)]
pub struct Baskets {
    reached: crate::followers::Places,
    pruned: Mutex<HashMap<TenantId, i64>>,
}

impl Baskets {
    /// Whether `tenant`'s old days are still to be dropped today.
    fn prune_due(&self, tenant: TenantId, today: i64) -> bool {
        let mut pruned = self.pruned.lock().unwrap_or_else(|e| e.into_inner());
        pruned.insert(tenant, today) != Some(today)
    }
}

/// The earliest sale the projection keeps: the longest window a request
/// reads, and a day.
fn kept_since(now_ms: i64) -> i64 {
    now_ms - (i64::from(MAX_DAYS) + 1) * DAY_MS
}

/// Brings every tenant whose events moved past the worker's place up to
/// its head.
pub async fn catch_up(storage: &DynStorage, baskets: &Baskets) -> DbResult<()> {
    for (tenant, head) in storage.event_heads().await? {
        if baskets.reached.get(tenant) >= head {
            continue;
        }
        catch_up_tenant(storage, baskets, tenant, head).await?;
    }
    Ok(())
}

/// Brings `tenant`'s projection up to event `head`.
async fn catch_up_tenant(
    storage: &DynStorage,
    baskets: &Baskets,
    tenant: TenantId,
    head: u64,
) -> DbResult<()> {
    let now = pos_shared::Timestamp::now().unix_millis();
    let mut place = match storage.basket_place(tenant).await? {
        Some(place) => place,
        None => match storage
            .rebuild_baskets(tenant, None, kept_since(now))
            .await?
        {
            Some(place) => place,
            // Another hub's worker built it: read its place.
            None => match storage.basket_place(tenant).await? {
                Some(place) => place,
                None => return Ok(()),
            },
        },
    };
    while place < head {
        let upto = head.min(place.saturating_add(STEP));
        let sold = match storage.sold_events(tenant, place, upto).await {
            Ok(sold) => sold,
            Err(DbError::CursorExpired { .. }) => {
                tracing::warn!(%tenant, place, "baskets: events pruned past the projection; building it from the ledger");
                place = match storage
                    .rebuild_baskets(tenant, Some(place), kept_since(now))
                    .await?
                {
                    Some(built) => built,
                    None => storage.basket_place(tenant).await?.unwrap_or(place),
                };
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut tally = BasketTally::default();
        for event in &sold {
            tally.add(event);
        }
        place = match storage.record_baskets(tenant, place, upto, &tally).await? {
            true => upto,
            // Another hub's worker took this step: on from where it is.
            false => storage.basket_place(tenant).await?.unwrap_or(place),
        };
    }
    baskets.reached.reach(tenant, place);
    let today = day_of(now);
    if baskets.prune_due(tenant, today) {
        storage
            .prune_baskets(tenant, day_of(kept_since(now)))
            .await?;
    }
    Ok(())
}

/// The worker: wakes on every feed commit (a sale's commit is one), lets a
/// burst settle, and catches every tenant up.
pub async fn run(storage: DynStorage, baskets: std::sync::Arc<Baskets>) {
    let following = storage.clone();
    crate::followers::on_every_commit(following, "baskets", SETTLE, || {
        catch_up(&storage, &baskets)
    })
    .await
}
