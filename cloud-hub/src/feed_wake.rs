//! Wake-ups for terminals long-polling the change feed, per store.
//!
//! A terminal waiting on `GET /v1/sync/feed?wait=` holds a [`StoreWatch`] of
//! its own store. One task per hub process ([`run`]) hears that some commit
//! appended to a feed (the storage's process-wide signal, which on PostgreSQL
//! also carries other processes' commits by `LISTEN/NOTIFY`), reads each
//! watched tenant's head once, asks the database which stores the new
//! changes were for (a tenant-wide change is for all of them), and moves only
//! those stores' watches to the new head. A commit for one store therefore
//! wakes that store's terminals and no other, and a commit nobody waits for
//! costs one small read.
//!
//! The terminals of a store that wake together ask for the same page: the
//! first reads it and the others are served the copy it left in the watch
//! ([`StoreWatch::page`]), so one change costs one read per store, not one per
//! terminal. A copy serves for [`SHARED_FOR`] and is dropped by the task's
//! sweep after that, so an import's big pages are not kept for every store.
//!
//! No wake-up is missed: a waiter subscribes before its first read, and the
//! task takes the signal (`borrow_and_update`) before it reads the heads, so
//! a commit after that read signals again.
//!
//! A terminal HQ revokes while its request waits is answered 401 then, not
//! when its wait runs out: the process that revoked it tells the store's
//! watch at once ([`FeedWaker::revoked`]), and every process's task looks
//! for terminals revoked lately every [`REVOCATIONS_EVERY`] (one read for
//! all tenants), so a terminal waiting on another process hears within that.
//! The task also looks before it announces new changes, and a waiter looks
//! at its store's revocations before it is served a page, so a revoked
//! terminal is never served a change committed after its revocation.

use crate::storage::{DbResult, DynStorage};
use pos_shared::sync::FeedPage;
use pos_shared::{StoreId, TenantId, TerminalId, Timestamp};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::watch;

/// The watches of every store a terminal is waiting on, by tenant.
#[derive(Default)]
pub struct FeedWaker {
    tenants: Mutex<HashMap<TenantId, TenantWatches>>,
}

struct TenantWatches {
    /// Every change up to here has been announced to this tenant's watches;
    /// `None` until the task has read the head once for them.
    announced: Option<u64>,
    stores: HashMap<StoreId, Weak<StoreWatch>>,
}

/// One store's wake-up: the newest feed head announced for it, and the last
/// page read for it after a wake-up.
pub struct StoreWatch {
    head: watch::Sender<u64>,
    page: tokio::sync::Mutex<Option<SharedPage>>,
    /// The store's terminals revoked while this watch was held, and when.
    revoked: watch::Sender<HashMap<TerminalId, Timestamp>>,
}

/// A page read after the store's watch reached `announced`, for a request
/// after `since` of at most `limit` changes.
struct SharedPage {
    since: u64,
    limit: u32,
    announced: u64,
    read_at: tokio::time::Instant,
    page: Arc<FeedPage>,
}

/// How long a page read after a wake-up serves the store's other terminals:
/// those woken together ask within milliseconds of each other.
pub const SHARED_FOR: std::time::Duration = std::time::Duration::from_secs(2);

/// How often watches nobody holds and pages past [`SHARED_FOR`] are dropped.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// How often each process looks for terminals revoked lately (by any
/// process) while terminals wait on it.
pub const REVOCATIONS_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// How far back before the last look a look reaches: processes stamp a
/// revocation by their own clocks, which may be this far apart.
const CLOCK_SKEW_MS: i64 = 60_000;

impl FeedWaker {
    /// The watch of `store`, made if nobody holds it. Subscribe to it
    /// ([`StoreWatch::subscribe`]) before reading the feed.
    pub fn watch(&self, tenant: TenantId, store: StoreId) -> Arc<StoreWatch> {
        let mut tenants = self.tenants.lock().expect("feed waker lock");
        let watches = tenants.entry(tenant).or_insert_with(|| TenantWatches {
            announced: None,
            stores: HashMap::new(),
        });
        if let Some(live) = watches.stores.get(&store).and_then(Weak::upgrade) {
            return live;
        }
        let made = Arc::new(StoreWatch {
            head: watch::Sender::new(0),
            page: tokio::sync::Mutex::new(None),
            revoked: watch::Sender::new(HashMap::new()),
        });
        watches.stores.insert(store, Arc::downgrade(&made));
        made
    }

    /// How many stores have a terminal waiting, for metrics and tests.
    pub fn watched_stores(&self) -> usize {
        let tenants = self.tenants.lock().expect("feed waker lock");
        tenants
            .values()
            .map(|t| t.stores.values().filter(|w| w.strong_count() > 0).count())
            .sum()
    }

    /// Drops the watches nobody holds, the tenants left without any, and
    /// the pages past serving.
    fn sweep(&self) {
        let mut tenants = self.tenants.lock().expect("feed waker lock");
        tenants.retain(|_, t| {
            t.stores.retain(|_, w| match w.upgrade() {
                Some(live) => {
                    live.drop_stale_page();
                    true
                }
                None => false,
            });
            !t.stores.is_empty()
        });
    }

    /// The tenants with waiters and how far each has been announced.
    fn watched(&self) -> Vec<(TenantId, Option<u64>)> {
        let tenants = self.tenants.lock().expect("feed waker lock");
        tenants.iter().map(|(t, w)| (*t, w.announced)).collect()
    }

    /// Moves the watches of `stores` (every store of the tenant for a
    /// tenant-wide change, `None`) to `head`, and notes the tenant announced
    /// up to `head`.
    fn announce(&self, tenant: TenantId, head: u64, stores: &[Option<StoreId>]) {
        let mut tenants = self.tenants.lock().expect("feed waker lock");
        let Some(watches) = tenants.get_mut(&tenant) else {
            return;
        };
        watches.announced = Some(watches.announced.map_or(head, |a| a.max(head)));
        let wake = |w: &Weak<StoreWatch>| {
            if let Some(w) = w.upgrade() {
                w.head.send_if_modified(|h| {
                    let moved = *h < head;
                    *h = (*h).max(head);
                    moved
                });
            }
        };
        if stores.contains(&None) {
            watches.stores.values().for_each(wake);
        } else {
            for store in stores.iter().flatten() {
                if let Some(w) = watches.stores.get(store) {
                    wake(w);
                }
            }
        }
    }

    /// HQ revoked `terminal` of `store` at `at`: its waiting request, if
    /// any here, ends.
    pub fn revoked(&self, tenant: TenantId, store: StoreId, terminal: TerminalId, at: Timestamp) {
        let tenants = self.tenants.lock().expect("feed waker lock");
        let Some(watch) = tenants
            .get(&tenant)
            .and_then(|t| t.stores.get(&store))
            .and_then(Weak::upgrade)
        else {
            return;
        };
        watch
            .revoked
            .send_if_modified(|revoked| revoked.insert(terminal, at).is_none());
    }

    /// A terminal found nothing after `head` and is about to wait: changes
    /// after `head` are looked up from there at the latest. (Never raised: a
    /// terminal that read before another must still hear what came between.)
    pub fn waiting_from(&self, tenant: TenantId, head: u64) {
        let mut tenants = self.tenants.lock().expect("feed waker lock");
        if let Some(w) = tenants.get_mut(&tenant) {
            w.announced = Some(w.announced.map_or(head, |a| a.min(head)));
        }
    }
}

impl StoreWatch {
    /// A receiver that changes when the store's feed moves.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.head.subscribe()
    }

    /// A receiver that changes when one of the store's terminals is
    /// revoked: the terminals revoked while the watch was held, and when.
    pub fn revocations(&self) -> watch::Receiver<HashMap<TerminalId, Timestamp>> {
        self.revoked.subscribe()
    }

    /// The page after `since` (at most `limit` changes) as it stood once the
    /// watch reached `announced`: read by the first terminal to ask, copied
    /// to the others that woke with it.
    pub async fn page(
        &self,
        announced: u64,
        since: u64,
        limit: u32,
        read: impl std::future::Future<Output = DbResult<FeedPage>>,
    ) -> DbResult<Arc<FeedPage>> {
        let mut shared = self.page.lock().await;
        if let Some(s) = shared.as_ref() {
            if s.since == since
                && s.limit == limit
                && s.announced >= announced
                && s.read_at.elapsed() < SHARED_FOR
            {
                return Ok(s.page.clone());
            }
        }
        let page = Arc::new(read.await?);
        *shared = Some(SharedPage {
            since,
            limit,
            announced,
            read_at: tokio::time::Instant::now(),
            page: page.clone(),
        });
        Ok(page)
    }

    /// Lets go of the shared page once it is past serving (a page being read
    /// right now is left alone).
    fn drop_stale_page(&self) {
        if let Ok(mut shared) = self.page.try_lock() {
            if shared
                .as_ref()
                .is_some_and(|s| s.read_at.elapsed() >= SHARED_FOR)
            {
                *shared = None;
            }
        }
    }
}

/// Announces new changes to the stores they are for, for as long as the hub
/// runs: after every commit signal, each watched tenant's head is read, and
/// the stores its new changes were for are woken.
pub async fn run(storage: DynStorage, waker: Arc<FeedWaker>) {
    let mut commits = storage.watch_feed();
    let mut sweeps = tokio::time::interval(SWEEP_EVERY);
    sweeps.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut revocations = tokio::time::interval(REVOCATIONS_EVERY);
    revocations.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut revocations_from = Timestamp::now();
    loop {
        commits.borrow_and_update();
        if let Err(e) = announce_once(&storage, &waker, &mut revocations_from).await {
            tracing::warn!(error = %e, "announcing feed changes failed; trying again");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            // Something may have committed since: look again.
            continue;
        }
        // Wait for the next commit; sweep meanwhile, however busy the feed is.
        loop {
            tokio::select! {
                changed = commits.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    break;
                }
                _ = sweeps.tick() => waker.sweep(),
                _ = revocations.tick() => {
                    match look_for_revocations(&storage, &waker, revocations_from).await {
                        Ok(looked) => revocations_from = looked,
                        Err(e) => tracing::warn!(error = %e, "looking for revoked terminals failed; looking again later"),
                    }
                }
            }
        }
    }
}

/// Ends the waiting requests of terminals revoked since the look that
/// began at `from` (by this process or another), and answers when this
/// look began. A terminal revoked before its request began waiting was
/// refused by it, so the first look reaches back no further than the rest.
async fn look_for_revocations(
    storage: &DynStorage,
    waker: &FeedWaker,
    from: Timestamp,
) -> DbResult<Timestamp> {
    let now = Timestamp::now();
    if waker.watched().is_empty() {
        return Ok(now);
    }
    let since = Timestamp::from_unix_millis(from.unix_millis().saturating_sub(CLOCK_SKEW_MS));
    for (tenant, store, terminal, at) in storage.terminals_revoked_since(since).await? {
        waker.revoked(tenant, store, terminal, at);
    }
    Ok(now)
}

/// Announces what committed since the last announcement; `revocations_from`
/// is where the last look for revocations began.
async fn announce_once(
    storage: &DynStorage,
    waker: &FeedWaker,
    revocations_from: &mut Timestamp,
) -> DbResult<()> {
    let watched = waker.watched();
    if watched.is_empty() {
        return Ok(());
    }
    let heads: HashMap<TenantId, u64> = storage.feed_heads().await?.into_iter().collect();
    // `None`: nobody has waited yet, so there is nothing to announce.
    let moved: Vec<(TenantId, u64, u64)> = watched
        .into_iter()
        .filter_map(|(tenant, announced)| {
            let head = *heads.get(&tenant)?;
            announced
                .filter(|&from| head > from)
                .map(|from| (tenant, from, head))
        })
        .collect();
    if moved.is_empty() {
        return Ok(());
    }
    // A terminal HQ revoked before these changes committed hears of that
    // first, so it is never served them: its watch has the revocation
    // before the new head.
    *revocations_from = look_for_revocations(storage, waker, *revocations_from).await?;
    for (tenant, from, head) in moved {
        let stores = storage.feed_stores_moved(tenant, from, head).await?;
        waker.announce(tenant, head, &stores);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn page(next_cursor: u64) -> FeedPage {
        FeedPage {
            protocol_version: pos_shared::sync::PROTOCOL_VERSION,
            changes: Vec::new(),
            next_cursor,
            has_more: false,
            cursor_mark: None,
        }
    }

    #[test]
    fn a_change_moves_only_the_watches_of_its_stores() {
        let waker = FeedWaker::default();
        let tenant = TenantId::new();
        let (a, b) = (StoreId::new(), StoreId::new());
        let (wa, wb) = (waker.watch(tenant, a), waker.watch(tenant, b));
        let (mut ra, mut rb) = (wa.subscribe(), wb.subscribe());
        // Nobody has waited yet: nothing to announce from.
        assert_eq!(waker.watched(), vec![(tenant, None)]);
        waker.waiting_from(tenant, 10);
        waker.waiting_from(tenant, 7);
        waker.waiting_from(tenant, 12);
        assert_eq!(
            waker.watched(),
            vec![(tenant, Some(7))],
            "the earliest waiter's head: it must hear what came after it"
        );

        waker.announce(tenant, 13, &[Some(a)]);
        assert!(ra.has_changed().unwrap());
        assert!(!rb.has_changed().unwrap(), "store b had no change");
        assert_eq!(*ra.borrow_and_update(), 13);

        waker.announce(tenant, 14, &[None]);
        assert_eq!(*ra.borrow_and_update(), 14, "a tenant-wide change");
        assert_eq!(*rb.borrow_and_update(), 14);
        // Announcing an older head again moves nothing.
        waker.announce(tenant, 12, &[None]);
        assert!(!ra.has_changed().unwrap());
        assert_eq!(waker.watched(), vec![(tenant, Some(14))]);

        // Another tenant's stores are not touched.
        let other = TenantId::new();
        waker.announce(other, 99, &[None]);
        assert!(!rb.has_changed().unwrap());
    }

    #[test]
    fn watches_nobody_holds_are_dropped() {
        let waker = FeedWaker::default();
        let tenant = TenantId::new();
        let store = StoreId::new();
        let held = waker.watch(tenant, store);
        let again = waker.watch(tenant, store);
        assert!(Arc::ptr_eq(&held, &again), "one watch per store");
        assert_eq!(waker.watched_stores(), 1);
        drop((held, again));
        assert_eq!(waker.watched_stores(), 0);
        waker.sweep();
        assert!(waker.watched().is_empty());
    }

    #[tokio::test]
    async fn terminals_woken_together_share_one_read() {
        let watch = FeedWaker::default().watch(TenantId::new(), StoreId::new());
        let reads = Arc::new(AtomicUsize::new(0));
        let read = |n: u64| {
            let reads = reads.clone();
            async move {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok(page(n))
            }
        };
        let first = watch.page(5, 3, 500, read(5)).await.unwrap();
        let second = watch.page(5, 3, 500, read(6)).await.unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        // Another cursor, another limit or a later wake-up reads again.
        watch.page(5, 4, 500, read(5)).await.unwrap();
        watch.page(5, 4, 100, read(5)).await.unwrap();
        let later = watch.page(6, 4, 100, read(6)).await.unwrap();
        assert_eq!(later.next_cursor, 6);
        assert_eq!(reads.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_shared_page_is_let_go_once_past_serving() {
        let waker = FeedWaker::default();
        let (tenant, store) = (TenantId::new(), StoreId::new());
        let watch = waker.watch(tenant, store);
        let reads = Arc::new(AtomicUsize::new(0));
        let read = || {
            let reads = reads.clone();
            async move {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok(page(9))
            }
        };
        watch.page(9, 3, 500, read()).await.unwrap();
        watch.page(9, 3, 500, read()).await.unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 1, "still shared");
        waker.sweep();
        assert!(watch.page.lock().await.is_some(), "kept while it serves");
        tokio::time::sleep(SHARED_FOR + std::time::Duration::from_millis(50)).await;
        waker.sweep();
        assert!(watch.page.lock().await.is_none(), "dropped by the sweep");
        watch.page(9, 3, 500, read()).await.unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 2, "read afresh");
    }
}
