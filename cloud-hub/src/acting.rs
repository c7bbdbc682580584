//! Who a request acts for, so the events it causes say so: their `source` is
//! `hq:user:<id>` or `hq:key:<id>` when HQ made the change (or
//! `terminal:<id>` for a till's upload), and the event log doubles as the
//! trail of who did what at HQ.
//!
//! A middleware gives every request an empty slot in a task-local, so the
//! storage layer can read it without every call passing it down; the HQ
//! extractor fills it once the credential is known. Work outside a request
//! (the background tasks) finds no slot and is the hub's own.

use std::future::Future;
use std::sync::{Arc, Mutex};

tokio::task_local! {
    static SLOT: Arc<Mutex<Option<String>>>;
}

/// Runs `work` (a request) with an empty slot for who it acts for.
pub async fn scoped<F: Future>(work: F) -> F::Output {
    SLOT.scope(Arc::default(), work).await
}

/// Notes who the current request acts for; outside a request it does nothing.
pub fn set(source: String) {
    let _ = SLOT.try_with(|slot| {
        if let Ok(mut held) = slot.lock() {
            *held = Some(source);
        }
    });
}

/// Who the current request acts for, once its credential is known.
pub fn current() -> Option<String> {
    SLOT.try_with(|slot| slot.lock().ok().and_then(|held| held.clone()))
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_sees_only_its_own_actor() {
        assert_eq!(current(), None, "outside any request");
        set("hq:key:x".into());
        assert_eq!(current(), None, "nothing to set outside a request");
        let (a, b) = tokio::join!(
            scoped(async {
                set("hq:user:a".into());
                tokio::task::yield_now().await;
                current()
            }),
            scoped(async {
                tokio::task::yield_now().await;
                current()
            }),
        );
        assert_eq!(a.as_deref(), Some("hq:user:a"));
        assert_eq!(b, None);
    }
}
