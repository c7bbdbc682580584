//! What the hub's background workers that follow each tenant's changes
//! share (`enrichment`, `baskets`): waking on every feed commit with a burst
//! let settle, and remembering each tenant's place as the worker last read
//! or wrote it, so a commit costs a database read only for the tenants
//! whose log moved past it (another hub's worker can only have moved a
//! place further on).

use crate::storage::{DbResult, DynStorage};
use pos_shared::TenantId;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

/// Each tenant's place, as this process's worker last knew it.
#[derive(Debug, Default)]
pub struct Places(Mutex<HashMap<TenantId, u64>>);

impl Places {
    /// The place known for `tenant` (0 before any).
    pub fn get(&self, tenant: TenantId) -> u64 {
        let places = self.0.lock().unwrap_or_else(|e| e.into_inner());
        places.get(&tenant).copied().unwrap_or(0)
    }

    /// Records that `tenant`'s place is at least `place`.
    pub fn reach(&self, tenant: TenantId, place: u64) {
        let mut places = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let known = places.entry(tenant).or_default();
        *known = (*known).max(place);
    }
}

/// Runs `catch_up` now and after every feed commit, `settle` after it so a
/// burst is read at once; a failure is logged (as `what`) and tried again
/// at the next commit. Returns when the storage stops announcing commits.
pub async fn on_every_commit<F, Fut>(
    storage: DynStorage,
    what: &'static str,
    settle: Duration,
    mut catch_up: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = DbResult<()>>,
{
    let mut commits = storage.watch_feed();
    loop {
        if let Err(e) = catch_up().await {
            tracing::warn!(error = %e, "{what}: catching up failed; trying again at the next change");
        }
        if commits.changed().await.is_err() {
            return;
        }
        tokio::time::sleep(settle).await;
        commits.borrow_and_update();
    }
}
