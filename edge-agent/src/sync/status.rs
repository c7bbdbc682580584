//! The sync status the till shows: the link to the hub as the loop last saw
//! it, the state in one word, and what the loop shares with the local API
//! (credential, nudges, the change signal for the live event stream).

use super::upload::UploadBudget;
use pos_shared::sync::DeviceCredential;
use pos_shared::Timestamp;
use serde::Serialize;
use std::sync::RwLock;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// The default wait before a till with an answering hub says `stalled`.
pub const DEFAULT_STALL_AFTER: Duration = Duration::from_secs(600);

/// The sync status in words, as the cashier and HQ see it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// The hub answers and takes this till's facts.
    Online,
    /// The hub cannot be reached; sales queue up and go when it can.
    #[default]
    Offline,
    /// The hub answers but refuses the uploads, or the till cannot follow
    /// its changes or the store's documents (`upload_refused`,
    /// `feed_failing` or `documents_failing` says why).
    Degraded,
    /// The hub answers, yet the oldest unsent fact has waited past the limit.
    Stalled,
    /// The hub no longer accepts this till's credential: enroll it again.
    Revoked,
}

impl SyncState {
    /// The state's name, as the status endpoint spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncState::Online => "online",
            SyncState::Offline => "offline",
            SyncState::Degraded => "degraded",
            SyncState::Stalled => "stalled",
            SyncState::Revoked => "revoked",
        }
    }
}

/// Which exchange with the hub an outcome is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Enrollment,
    Feed,
    Upload,
    Documents,
}

/// The live part of the sync status; queue depth and cursor come from the database.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct LinkStatus {
    /// The state is `online`: the hub answers and takes the facts.
    pub online: bool,
    pub last_sync_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    /// The hub answered the last exchange (whatever it said).
    pub reachable: bool,
    /// What the hub said when it last refused an upload, until one goes through.
    pub upload_refused: Option<String>,
    /// Why the till cannot follow the hub's changes (a snapshot it cannot
    /// take or apply, a feed page refused) while the hub answers, until a
    /// feed round goes through: the catalog, prices and stock here are
    /// growing old.
    pub feed_failing: Option<String>,
    /// Why the store's shared documents (item state, held bills, customer
    /// profiles, pick progress, stock takes) do not sync while the hub
    /// answers, until a document round goes through: the other tills'
    /// edits are not reaching this one.
    pub documents_failing: Option<String>,
    /// The hub refused this till's credential.
    pub revoked: bool,
    /// When it last did: an exchange begun before then says nothing of it.
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    credential_refused_at: Option<Instant>,
}

impl LinkStatus {
    /// The hub refused this till's credential at `at`.
    pub(super) fn credential_refused(&mut self, at: Instant) {
        self.revoked = true;
        self.credential_refused_at = Some(at);
    }

    /// The hub took the credential in an exchange begun at `started`. A
    /// long-poll opened before HQ revoked the till may still answer; only an
    /// exchange begun after the refusal proves the credential good again
    /// (a till enrolled anew).
    pub(super) fn credential_taken(&mut self, started: Instant) {
        if self.credential_refused_at.is_none_or(|at| started > at) {
            self.revoked = false;
            self.credential_refused_at = None;
        }
    }

    /// The state in words, given the queue: the first that holds of revoked,
    /// offline, degraded, stalled, online.
    pub fn state(&self, oldest_unsent: Option<Timestamp>, stall_after: Duration) -> SyncState {
        let waited = oldest_unsent.map(|t| Timestamp::now().unix_millis() - t.unix_millis());
        if self.revoked {
            SyncState::Revoked
        } else if !self.reachable {
            SyncState::Offline
        } else if waited.is_some_and(|ms| ms > stall_after.as_millis() as i64) {
            // The hub answers but sales have waited too long, whatever the
            // reason (refusals included): the one word a supervisor must act on.
            SyncState::Stalled
        } else if self.upload_refused.is_some()
            || self.feed_failing.is_some()
            || self.documents_failing.is_some()
        {
            SyncState::Degraded
        } else {
            SyncState::Online
        }
    }
}

/// State shared between the sync loop and the local API.
#[derive(Default)]
pub struct SyncShared {
    pub link: RwLock<LinkStatus>,
    pub credential: RwLock<Option<DeviceCredential>>,
    /// Wakes the uploader early, e.g. right after a sale.
    pub nudge: Notify,
    /// Wakes the document sync: a local edit, or the hub announced a change.
    pub docs_nudge: Notify,
    /// Wakes the search indexer: a snapshot was applied.
    pub search_nudge: Notify,
    /// Bumped whenever what the status shows may have changed (link, queue,
    /// cursor), for the live event stream.
    pub changed: tokio::sync::watch::Sender<u64>,
    /// How much an upload may carry now: narrowed while uploads time out or
    /// are refused for their size, widened again as batches go through.
    pub(super) upload_budget: std::sync::Mutex<Option<UploadBudget>>,
    /// See [`SyncShared::stall_after`]; 0 means the default.
    pub stall_after_ms: std::sync::atomic::AtomicU64,
    /// The hub, for what the till asks of it at a sale (a credit top-up);
    /// set when the sync loop starts.
    pub hub: std::sync::OnceLock<super::hub_client::HubClient>,
    /// The next feed request asks the hub whether it still holds the fact it
    /// acknowledged last: set when the loop starts, after an exchange
    /// failed (the hub may come back from a copy), after facts were
    /// acknowledged, and every [`super::ACKED_CHECK_EVERY`].
    pub(super) ask_for_acked: std::sync::atomic::AtomicBool,
}

impl SyncShared {
    pub fn credential(&self) -> Option<DeviceCredential> {
        self.credential
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn link(&self) -> LinkStatus {
        self.link.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(super) fn update_link(&self, f: impl FnOnce(&mut LinkStatus)) {
        let visible = |l: &LinkStatus| {
            (
                l.reachable,
                l.revoked,
                l.upload_refused.clone(),
                l.feed_failing.clone(),
                l.documents_failing.clone(),
                l.last_error.clone(),
                l.consecutive_failures,
            )
        };
        let mut link = self.link.write().unwrap_or_else(|e| e.into_inner());
        let before = visible(&link);
        f(&mut link);
        // A routine successful round is not news; a change of state is.
        if visible(&link) != before {
            self.notify_changed();
        }
    }

    /// How long the oldest unsent fact may wait before the till says `stalled`.
    pub fn stall_after(&self) -> Duration {
        match self
            .stall_after_ms
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            0 => DEFAULT_STALL_AFTER,
            ms => Duration::from_millis(ms),
        }
    }

    /// Tells the event stream that the status may have changed.
    pub fn notify_changed(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_says_first_what_matters_most() {
        let stall = Duration::from_secs(600);
        let old = Some(Timestamp::from_unix_millis(
            Timestamp::now().unix_millis() - 601_000,
        ));
        let fresh = Some(Timestamp::now());
        let link = LinkStatus::default();
        assert_eq!(
            link.state(None, stall),
            SyncState::Offline,
            "never heard the hub"
        );
        let up = LinkStatus {
            reachable: true,
            ..Default::default()
        };
        assert_eq!(up.state(None, stall), SyncState::Online);
        assert_eq!(up.state(fresh, stall), SyncState::Online);
        assert_eq!(up.state(old, stall), SyncState::Stalled);
        let refused = LinkStatus {
            reachable: true,
            upload_refused: Some("hub answered 400: bad".into()),
            ..Default::default()
        };
        assert_eq!(refused.state(fresh, stall), SyncState::Degraded);
        let behind = LinkStatus {
            reachable: true,
            feed_failing: Some("snapshot: UNIQUE constraint failed".into()),
            ..Default::default()
        };
        assert_eq!(
            behind.state(fresh, stall),
            SyncState::Degraded,
            "taking the facts is not enough: a till that cannot follow the catalog says so"
        );
        assert_eq!(
            refused.state(old, stall),
            SyncState::Stalled,
            "refused for longer than the stall time is stalled"
        );
        let revoked = LinkStatus {
            reachable: true,
            revoked: true,
            upload_refused: Some("hub answered 401".into()),
            ..Default::default()
        };
        assert_eq!(revoked.state(old, stall), SyncState::Revoked);
        // A long-poll opened before the refusal answers after it: the till
        // stays revoked; an exchange begun after it clears it.
        let mut link = LinkStatus {
            reachable: true,
            ..Default::default()
        };
        let opened = Instant::now();
        let refused_at = opened + Duration::from_millis(5);
        link.credential_refused(refused_at);
        link.credential_taken(opened);
        assert_eq!(link.state(None, stall), SyncState::Revoked);
        link.credential_taken(refused_at + Duration::from_millis(1));
        assert_eq!(link.state(None, stall), SyncState::Online);
        let down = LinkStatus {
            reachable: false,
            upload_refused: Some("earlier".into()),
            ..Default::default()
        };
        assert_eq!(
            down.state(old, stall),
            SyncState::Offline,
            "offline says why first"
        );
    }
}
