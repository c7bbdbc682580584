//! The sync loop: enroll if needed, upload the outbox, pull the change feed.
//!
//! It never blocks the till: sales commit locally and only nudge this loop. On a
//! failure it backs off exponentially with jitter (so a hub coming back is not hit
//! by every terminal at once) and records the error for the status display.

pub mod bootstrap;
pub mod credential;
mod enrollment;
mod error;
pub mod hub_client;
mod status;
mod upload;

pub use error::SyncError;
pub use status::{Channel, LinkStatus, SyncShared, SyncState, DEFAULT_STALL_AFTER};

use crate::store::outbox::{self, Verdict};
use crate::store::snapshot as snapshot_store;
use crate::store::{documents, feed, LocalStore};
use hub_client::{HubClient, HubError};
use pos_shared::limits::{MAX_UPLOAD_BYTES, MAX_UPLOAD_FACTS, UPLOAD_ENVELOPE_SLACK};
use pos_shared::sync::{
    DeviceCredential, DocPurpose, FactOutcome, QuarantineAction, QuarantineReport,
};
use pos_shared::Timestamp;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use upload::UploadBudget;

const FEED_PAGE: u32 = 500;
/// How far back the facts a hub acknowledged are sent again when it turns
/// out older than this till (restored from a copy): backups are taken more
/// often than this, and the duplicates cost the hub a lookup each.
const SEND_AGAIN_AFTER_RESTORE: Duration = Duration::from_secs(14 * 24 * 3600);
/// How often, at least, the feed asks the hub whether it still holds the
/// fact it acknowledged last (a database restored while the till's link
/// stayed up).
const ACKED_CHECK_EVERY: Duration = Duration::from_secs(10 * 60);
/// How often a till with facts in quarantine reminds the hub of them (and so
/// hears HQ's decisions).
const QUARANTINE_REPORT: Duration = Duration::from_secs(10);
/// The documents this terminal keeps; the others join as their features do.
const SYNCED_DOCUMENTS: [DocPurpose; 5] = [
    DocPurpose::ItemState,
    DocPurpose::HeldBills,
    DocPurpose::CustomerProfiles,
    DocPurpose::PickProgress,
    DocPurpose::StockTakes,
];
/// A safety net for announcements missed while offline.
const DOCUMENT_RESYNC: Duration = Duration::from_secs(30);
/// How often the till refreshes the store's stock watch on its own.
const STOCK_WATCH_EVERY: Duration = Duration::from_secs(30 * 60);
/// Enough protocol steps for any exchange; the rest waits for the next round.
const MAX_DOCUMENT_ROUNDS: usize = 12;

pub struct Syncer {
    pub store: LocalStore,
    pub client: HubClient,
    pub data_dir: PathBuf,
    pub enroll_code: Option<String>,
    pub shared: Arc<SyncShared>,
    pub interval: Duration,
    /// Longest pause between retries while the hub is failing.
    pub max_backoff: Duration,
    /// Seconds the hub may hold a feed request open waiting for a change.
    pub feed_wait: u64,
}

impl Syncer {
    /// Runs until the task is dropped: enrolls, then follows the feed and uploads
    /// the outbox side by side. Every step is idempotent, so stopping anywhere is safe.
    pub async fn run(self) {
        let _ = self.shared.hub.set(self.client.clone());
        let mut failures = 0;
        let credential = loop {
            match self.ensure_enrolled().await {
                Ok(c) => break c,
                Err(e) => {
                    failures += 1;
                    self.record(Channel::Enrollment, Err(&e), failures, Instant::now());
                    tokio::time::sleep(pos_shared::retry::backoff(failures, self.max_backoff))
                        .await;
                }
            }
        };
        tokio::join!(
            self.follow_feed(&credential),
            self.keep_uploading(&credential),
            self.keep_documents_synced(&credential),
            self.keep_search_indexed(),
            self.keep_stock_watch(&credential),
        );
    }

    /// Keeps the store's stock watch (reorder points, batches expiring) a
    /// little fresh, so the till's stock alerts stand on something even if
    /// the hub goes away before anyone opened them: at start, then every
    /// half hour. Opening the alerts online asks again.
    async fn keep_stock_watch(&self, first: &DeviceCredential) {
        let mut failures = 0;
        loop {
            let credential = &self.credential_now(first);
            let wait = match self
                .client
                .stock_watch(&credential.token, pos_shared::stock_watch::MAX_WATCH_DAYS)
                .await
            {
                Ok(watch) => {
                    failures = 0;
                    if let Err(e) = self
                        .store
                        .call(move |c| crate::store::stock_watch::keep(c, &watch))
                        .await
                    {
                        tracing::warn!(error = %e, "the stock watch could not be kept");
                    }
                    STOCK_WATCH_EVERY
                }
                Err(e) => {
                    failures += 1;
                    tracing::debug!(error = %e, "stock watch not had; asking again later");
                    pos_shared::retry::backoff(failures, self.max_backoff).min(STOCK_WATCH_EVERY)
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Rebuilds the search index a snapshot left to rebuild (or a crash left
    /// half rebuilt), a step at a time, each step a local call of its own so
    /// sales and feed pages go between them.
    async fn keep_search_indexed(&self) {
        loop {
            let started = Instant::now();
            let mut steps = 0u32;
            loop {
                match self
                    .store
                    .call(crate::store::search_index::rebuild_step)
                    .await
                {
                    Ok(true) => steps += 1,
                    Ok(false) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "search index rebuild step failed; trying again later");
                        break;
                    }
                }
            }
            if steps > 0 {
                self.shared.notify_changed();
                tracing::info!(
                    steps,
                    index_ms = started.elapsed().as_millis() as u64,
                    "search index rebuilt"
                );
            }
            tokio::select! {
                _ = self.shared.search_nudge.notified() => {}
                // A step that failed is tried again in a while.
                _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            }
        }
    }

    /// Syncs the store documents at start, whenever one is edited here or the
    /// hub announces a change, and every so often in case an announcement was
    /// missed while offline.
    async fn keep_documents_synced(&self, first: &DeviceCredential) {
        let mut failures = 0;
        loop {
            let credential = &self.credential_now(first);
            let started = Instant::now();
            let mut outcome = Ok(());
            for purpose in SYNCED_DOCUMENTS {
                outcome = self.sync_document(credential, purpose).await;
                if outcome.is_err() {
                    break;
                }
            }
            match outcome {
                Ok(()) => {
                    failures = 0;
                    self.record(Channel::Documents, Ok(()), 0, started);
                    tokio::select! {
                        _ = tokio::time::sleep(DOCUMENT_RESYNC) => {}
                        _ = self.shared.docs_nudge.notified() => {}
                    }
                }
                Err(e) => {
                    failures += 1;
                    self.record(Channel::Documents, Err(&e), failures, started);
                    tokio::time::sleep(pos_shared::retry::backoff(failures, self.max_backoff))
                        .await;
                }
            }
        }
    }

    /// Runs Automerge's sync protocol with the hub for one document until both
    /// sides have nothing more to say. Each step loads, merges and saves the
    /// document in one local call, so edits made meanwhile are never lost.
    pub async fn sync_document(
        &self,
        credential: &DeviceCredential,
        purpose: DocPurpose,
    ) -> Result<(), SyncError> {
        let mut state = self
            .store
            .call(move |c| documents::sync_state(c, purpose))
            .await?;
        for _ in 0..MAX_DOCUMENT_ROUNDS {
            let (message, st) = self
                .store
                .call(move |c| {
                    let message = documents::next_message(c, purpose, &mut state)?;
                    Ok((message, state))
                })
                .await?;
            state = st;
            let sent = message.is_some();
            match self
                .client
                .sync_document(&credential.token, purpose, message)
                .await?
            {
                None if !sent => break,
                None => {}
                Some(reply) => {
                    let (in_sync, st) = self
                        .store
                        .call(move |c| {
                            let in_sync = documents::receive(c, purpose, &mut state, &reply)?;
                            Ok((in_sync, state))
                        })
                        .await?;
                    state = st;
                    if in_sync && !sent {
                        break;
                    }
                }
            }
        }
        self.store
            .call(move |c| documents::save_sync_state(c, purpose, &state))
            .await?;
        Ok(())
    }

    /// Holds a long-poll on the feed, so hub changes arrive as they commit.
    async fn follow_feed(&self, first: &DeviceCredential) {
        let mut failures = 0;
        let mut acked_checked = Instant::now();
        self.shared.ask_for_acked.store(true, Ordering::Relaxed);
        loop {
            let credential = &self.credential_now(first);
            let started = Instant::now();
            if acked_checked.elapsed() >= ACKED_CHECK_EVERY {
                acked_checked = started;
                self.shared.ask_for_acked.store(true, Ordering::Relaxed);
            }
            match self.pull(credential, self.feed_wait).await {
                Ok(()) => {
                    failures = 0;
                    self.record(Channel::Feed, Ok(()), 0, started);
                }
                Err(e) => {
                    failures += 1;
                    self.record(Channel::Feed, Err(&e), failures, started);
                    // Refused credential: a code HQ made for this terminal
                    // again (after a restore) may give it back.
                    let refused = matches!(&e, SyncError::Hub(h) if h.is_credential_refused());
                    if refused && matches!(self.enroll_again().await, Ok(true)) {
                        failures = 0;
                        continue;
                    }
                    tokio::time::sleep(pos_shared::retry::backoff(failures, self.max_backoff))
                        .await;
                }
            }
        }
    }

    /// Uploads whenever a sale nudges, and every interval in case one was missed.
    async fn keep_uploading(&self, first: &DeviceCredential) {
        let mut failures = 0;
        let mut last_report: Option<(Instant, u64)> = None;
        loop {
            let credential = &self.credential_now(first);
            let started = Instant::now();
            let round = match self.upload_outbox(credential).await {
                Ok(sent) => self
                    .report_quarantine(credential, &mut last_report)
                    .await
                    .map(|reported| sent + reported),
                Err(e) => Err(e),
            };
            match round {
                Ok(sent) => {
                    failures = 0;
                    // An empty queue is no news of the hub: only a delivery
                    // proves the link (the feed's long-poll reports it too).
                    if sent > 0 {
                        self.record(Channel::Upload, Ok(()), 0, started);
                    } else {
                        // Nothing was refused this round.
                        self.shared.update_link(|l| l.upload_refused = None);
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(self.interval) => {}
                        _ = self.shared.nudge.notified() => {}
                    }
                }
                Err(e) => {
                    failures += 1;
                    self.record(Channel::Upload, Err(&e), failures, started);
                    // While failing, sales do not cut the pause short: a store full
                    // of tills must not hammer a hub that is coming back.
                    tokio::time::sleep(pos_shared::retry::backoff(failures, self.max_backoff))
                        .await;
                }
            }
        }
    }

    /// Records how an exchange that began at `started` ended.
    fn record(
        &self,
        channel: Channel,
        outcome: Result<(), &SyncError>,
        failures: u32,
        started: Instant,
    ) {
        match outcome {
            Ok(()) => self.shared.update_link(|l| {
                l.reachable = true;
                l.credential_taken(started);
                match channel {
                    Channel::Upload => l.upload_refused = None,
                    Channel::Feed => l.feed_failing = None,
                    Channel::Documents => l.documents_failing = None,
                    Channel::Enrollment => {}
                }
                l.last_sync_at = Some(Timestamp::now());
                // Another channel's success does not hide a failing one.
                l.last_error = l
                    .upload_refused
                    .clone()
                    .or_else(|| l.feed_failing.clone())
                    .or_else(|| l.documents_failing.clone());
                if l.last_error.is_none() {
                    l.consecutive_failures = 0;
                }
            }),
            Err(e) => {
                tracing::warn!(error = %e, failures, ?channel, "sync failed");
                // The hub may come back from an older copy of its data.
                self.shared.ask_for_acked.store(true, Ordering::Relaxed);
                let hub = match e {
                    SyncError::Hub(h) => Some(h),
                    _ => None,
                };
                self.shared.update_link(|l| {
                    match hub {
                        Some(h) if h.is_credential_refused() => {
                            l.reachable = true;
                            l.credential_refused(Instant::now());
                        }
                        // A hub that answers, even with a refusal or an answer
                        // the till cannot use, is reachable.
                        Some(HubError::Refused { .. } | HubError::BadAnswer(_)) => {
                            l.reachable = true;
                            if channel == Channel::Upload {
                                l.upload_refused = Some(e.to_string());
                            }
                        }
                        Some(_) => l.reachable = false,
                        None => {}
                    }
                    // The feed or the documents failed for something other
                    // than the link (the hub refused them, or what it sent
                    // would not apply here): retrying alone may not mend it.
                    if !matches!(hub, Some(HubError::Unreachable(_))) {
                        match channel {
                            Channel::Feed => l.feed_failing = Some(e.to_string()),
                            Channel::Documents => l.documents_failing = Some(e.to_string()),
                            Channel::Upload | Channel::Enrollment => {}
                        }
                    }
                    l.last_error = Some(e.to_string());
                    l.consecutive_failures = failures;
                });
            }
        }
    }

    /// One round without waiting: enroll if needed, upload the outbox, pull the feed.
    pub async fn sync_once(&self) -> Result<(), SyncError> {
        let credential = self.ensure_enrolled().await?;
        self.upload_outbox(&credential).await?;
        self.pull(&credential, 0).await
    }

    /// Sends the outbox in order until it is empty; returns how many facts
    /// were sent (none: the hub was not contacted, which says nothing about
    /// the link). Batches are packed under the shared upload limits. A fact
    /// the hub rejects is quarantined and the queue moves on; a batch the hub
    /// refuses for its content (too large for a proxy, one malformed fact) is
    /// split until the fact at fault stands alone, and that fact is set aside,
    /// so one fact can never stall the queue behind it.
    pub async fn upload_outbox(&self, credential: &DeviceCredential) -> Result<usize, SyncError> {
        let mut sent_total = 0;
        let remembered = *self
            .shared
            .upload_budget
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let mut budget = remembered.unwrap_or_else(UploadBudget::full);
        loop {
            *self
                .shared
                .upload_budget
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(budget);
            let (facts, bytes) = (budget.facts, budget.bytes);
            let batch = self
                .store
                .call(move |c| outbox::pending(c, facts, bytes))
                .await?;
            if batch.is_empty() {
                return Ok(sent_total);
            }
            let attempt = batch.clone();
            self.store
                .call(move |c| outbox::note_attempt(c, &attempt))
                .await?;
            let envelopes: Vec<String> = batch.iter().map(|f| f.envelope.clone()).collect();
            let ack = match self.client.upload(&credential.token, &envelopes).await {
                Ok(ack) => ack,
                Err(e) if e.blames_the_content() && batch.len() > 1 => {
                    budget = budget.split(&batch);
                    tracing::warn!(error = %e, facts = batch.len(), next = budget.facts, "hub refused an upload batch; splitting it");
                    continue;
                }
                Err(e) if e.blames_the_content() => {
                    let fact = batch[0].event_id;
                    let reason = format!("the hub refused this fact on its own: {e}");
                    tracing::error!(event_id = %fact, %reason, "quarantined");
                    let verdicts = vec![Verdict::Quarantined(fact, reason)];
                    self.store
                        .call(move |c| outbox::settle(c, &verdicts))
                        .await?;
                    self.shared.notify_changed();
                    budget = UploadBudget::full();
                    continue;
                }
                Err(e) => {
                    // A batch the hub could not take in time (the link dropped
                    // or the request timed out) goes in halves next time, so a
                    // slow hub still drains a big backlog.
                    if matches!(e, HubError::Unreachable(_)) && batch.len() > 1 {
                        *self
                            .shared
                            .upload_budget
                            .lock()
                            .unwrap_or_else(|e| e.into_inner()) = Some(budget.split(&batch));
                    }
                    return Err(e.into());
                }
            };
            sent_total += batch.len();
            let sent: std::collections::HashSet<_> = batch.iter().map(|f| f.event_id).collect();
            let verdicts: Vec<Verdict> = ack
                .results
                .into_iter()
                .filter(|r| sent.contains(&r.event_id))
                .map(|r| match r.outcome {
                    FactOutcome::Accepted | FactOutcome::Duplicate => Verdict::Acked(r.event_id),
                    FactOutcome::Rejected { reason } => {
                        tracing::error!(event_id = %r.event_id, %reason, "hub rejected a fact; quarantined");
                        Verdict::Quarantined(r.event_id, reason)
                    }
                })
                .collect();
            if verdicts.is_empty() {
                return Err(SyncError::Hub(HubError::BadAnswer(
                    "the hub acknowledged none of the uploaded facts".into(),
                )));
            }
            let acked = verdicts.iter().any(|v| matches!(v, Verdict::Acked(_)));
            self.store
                .call(move |c| outbox::settle(c, &verdicts))
                .await?;
            if acked {
                self.shared.ask_for_acked.store(true, Ordering::Relaxed);
            }
            self.shared.notify_changed();
            budget = budget.grow();
        }
    }

    /// Tells the hub what is in quarantine (when that changed, or every
    /// [`QUARANTINE_REPORT`] while anything is) and carries out HQ's
    /// decisions: a resent fact rejoins the queue, a written-off one is set
    /// aside for good. Returns how many facts were resent.
    async fn report_quarantine(
        &self,
        credential: &DeviceCredential,
        last: &mut Option<(Instant, u64)>,
    ) -> Result<usize, SyncError> {
        let held = self.store.call(|c| outbox::counts(c)).await?.quarantined;
        let due = match *last {
            None => held > 0,
            Some((at, count)) => count != held || (held > 0 && at.elapsed() >= QUARANTINE_REPORT),
        };
        if !due {
            return Ok(0);
        }
        let facts = self
            .store
            .call(|c| {
                outbox::quarantine_report(
                    c,
                    MAX_UPLOAD_FACTS,
                    MAX_UPLOAD_BYTES - UPLOAD_ENVELOPE_SLACK,
                )
            })
            .await?;
        let answer = self
            .client
            .report_quarantine(&credential.token, &QuarantineReport { facts })
            .await?;
        *last = Some((Instant::now(), held));
        let mut resent = 0;
        for instruction in answer.instructions {
            let id = instruction.event_id;
            let done = match instruction.action {
                QuarantineAction::Resend => {
                    let done = self.store.call(move |c| outbox::resend(c, id)).await?;
                    resent += usize::from(done);
                    done
                }
                QuarantineAction::WriteOff => {
                    self.store.call(move |c| outbox::write_off(c, id)).await?
                }
            };
            if done {
                tracing::info!(event_id = %id, action = ?instruction.action, "HQ decided on a quarantined fact");
                self.shared.notify_changed();
            }
        }
        if resent > 0 {
            // Forget the last report, so the next round tells the hub at once.
            *last = None;
            self.shared.nudge.notify_one();
        }
        Ok(resent)
    }

    /// Applies feed pages until the hub has nothing more; the last request waits
    /// up to `wait` seconds for a change. Each request reports this terminal's
    /// queue depth and version for HQ's status view.
    async fn pull(&self, credential: &DeviceCredential, wait: u64) -> Result<(), SyncError> {
        if self
            .store
            .call(|c| snapshot_store::needs_snapshot(c))
            .await?
        {
            bootstrap::run(&self.store, &self.client, credential, &self.data_dir).await?;
            self.shared.search_nudge.notify_one();
        }
        loop {
            let ask = self.shared.ask_for_acked.swap(false, Ordering::Relaxed);
            let read = self
                .store
                .call(move |c| {
                    let acked = match ask {
                        true => outbox::last_acked(c)?,
                        false => None,
                    };
                    Ok((outbox::counts(c)?, feed::cursor_mark(c)?, acked))
                })
                .await;
            let (counts, mark, acked) = read.inspect_err(|_| {
                self.shared.ask_for_acked.store(ask, Ordering::Relaxed);
            })?;
            let page = match self
                .client
                .feed(
                    &credential.token,
                    (counts.cursor, mark),
                    FEED_PAGE,
                    wait,
                    &counts,
                    acked.as_ref(),
                )
                .await
            {
                // The hub lost what it acknowledged last (its database
                // restored from an older copy) though this till's place in
                // its feed still holds: the facts go again, back to the
                // lost one, and the hub answers those it kept as duplicates.
                Err(HubError::Refused {
                    status: 410, kind, ..
                }) if kind == "facts_lost" => {
                    let lately = Timestamp::now().unix_millis()
                        - SEND_AGAIN_AFTER_RESTORE.as_millis() as i64;
                    let from = acked
                        .as_ref()
                        .map_or(lately, |f| f.acked_at.unix_millis().min(lately));
                    let again = self
                        .store
                        .call(move |c| outbox::send_again(c, Timestamp::from_unix_millis(from)))
                        .await?;
                    tracing::warn!(
                        lost = ?acked.as_ref().map(|f| f.event_id), facts_sent_again = again,
                        "the hub no longer holds a fact it acknowledged (restored from a copy?): sending again what it acknowledged lately"
                    );
                    self.shared.ask_for_acked.store(true, Ordering::Relaxed);
                    self.shared.nudge.notify_one();
                    continue;
                }
                // The hub's database is older than what this till followed
                // (restored from a copy): what it acknowledged since may be
                // lost there, so it is sent again (the hub answers the facts
                // it kept as duplicates), and the catalog taken anew.
                Err(HubError::Refused {
                    status: 410, kind, ..
                }) if kind == "cursor_ahead" || kind == "feed_diverged" => {
                    let since = Timestamp::from_unix_millis(
                        Timestamp::now().unix_millis()
                            - SEND_AGAIN_AFTER_RESTORE.as_millis() as i64,
                    );
                    let again = self
                        .store
                        .call(move |c| {
                            let again = outbox::send_again(c, since)?;
                            snapshot_store::forget_the_hubs_movements(c)?;
                            snapshot_store::require_snapshot(c)?;
                            Ok(again)
                        })
                        .await?;
                    tracing::warn!(
                        cursor = counts.cursor, %kind, facts_sent_again = again,
                        "the hub's data is older than this till's (restored from a copy?): sending again what it acknowledged lately, and taking a new snapshot"
                    );
                    bootstrap::run(&self.store, &self.client, credential, &self.data_dir).await?;
                    self.shared.search_nudge.notify_one();
                    self.shared.nudge.notify_one();
                    continue;
                }
                // The hub pruned the feed past our cursor: start again from a snapshot.
                Err(HubError::Refused { status: 410, .. }) => {
                    tracing::warn!(
                        cursor = counts.cursor,
                        "feed cursor expired at the hub; taking a new snapshot"
                    );
                    self.store
                        .call(|c| snapshot_store::require_snapshot(c))
                        .await?;
                    bootstrap::run(&self.store, &self.client, credential, &self.data_dir).await?;
                    self.shared.search_nudge.notify_one();
                    continue;
                }
                other => other?,
            };
            let has_more = page.has_more;
            let store = credential.store_id;
            let applied = self
                .store
                .call(move |c| feed::apply_feed_page(c, store, &page))
                .await?;
            if applied.changes > 0 {
                self.shared.notify_changed();
            }
            if !applied.documents.is_empty() {
                self.shared.docs_nudge.notify_one();
            }
            if !applied.credit.is_empty() {
                let (device, phones) = (credential.clone(), applied.credit.clone());
                self.store
                    .call(move |c| crate::store::credit::release_excess_on(c, &device, &phones))
                    .await?;
                self.shared.nudge.notify_one();
            }
            if !applied.loyalty.is_empty() {
                let (device, phones) = (credential.clone(), applied.loyalty.clone());
                self.store
                    .call(move |c| crate::store::loyalty::release_excess_on(c, &device, &phones))
                    .await?;
                self.shared.nudge.notify_one();
            }
            if applied.changes > 0 {
                tracing::debug!(
                    changes = applied.changes,
                    cursor = applied.cursor,
                    "applied feed page"
                );
            }
            if !has_more {
                return Ok(());
            }
        }
    }
}
