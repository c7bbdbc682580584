//! Events out: the task that sends each of HQ's webhook subscriptions the
//! tenant's events of its types, in `hub_events` order, signed Standard
//! Webhooks style (`sender.rs`).
//!
//! Every `every` (and at once when the feed changes), the subscriptions with
//! work due are leased from storage and worked side by side, so one slow
//! receiver does not hold up the others. For each: dead letters HQ replayed
//! go first, then the events after its cursor. A 2xx answer moves the cursor
//! on; a failure is retried by the schedule (`domain::subscriptions::
//! Schedule`) while the events behind it wait, so a receiver that is down
//! gets everything, in order, once it is back; an event still failing when
//! the schedule gives up is dead-lettered and the line moves on, so one
//! poison event never blocks the rest. Events pruned before they could be
//! sent become a dead letter naming the gap, never a silent skip.
//!
//! Nothing is held in memory between runs. The lease keeps a second hub on
//! the same database away while this one works, and every record is fenced
//! by the lease's token, so a hub that outlived its lease records nothing
//! and stops. Delivery is at least once: a hub that dies between a 2xx and
//! its record sends that event again, with the same `webhook-id`.

pub mod sender;

use crate::domain::subscriptions::{matches, OutboundEvent, Schedule};
use crate::sealing::SecretKey;
use crate::signatures::WebhookSecret;
use crate::storage::{AttemptOutcome, AttemptRecord, Claim, DbError, DynStorage};
use pos_shared::Timestamp;
use sender::Sender;
use std::time::{Duration, Instant};

/// How long a subscription is the working hub's. A run stops sending after
/// half of it, so even a try that starts then and times out ends within it.
const LEASE: Duration = Duration::from_secs(120);
/// Subscriptions worked per run.
const BATCH: u32 = 50;
/// Events read from the outbox at a time.
const READ: u32 = 200;
/// Replayed dead letters sent per subscription and run.
const REPLAYS: u32 = 50;

/// Runs the task until the hub stops.
pub async fn run(
    storage: DynStorage,
    sender: Sender,
    schedule: Schedule,
    every: Duration,
    key: Option<SecretKey>,
) {
    let mut changes = storage.watch_feed();
    loop {
        // Seen before the run: a change committed during it wakes the wait.
        changes.borrow_and_update();
        match run_once(&storage, &sender, &schedule, key.as_ref()).await {
            Ok(0) => {}
            Ok(worked) => tracing::debug!(worked, "webhook subscriptions worked"),
            Err(e) => tracing::warn!(error = %e, "the webhook task could not read its work"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            changed = changes.changed() => {
                if changed.is_err() {
                    tokio::time::sleep(every).await;
                }
            }
        }
    }
}

/// One run: leases the subscriptions with work due and works them; how many.
pub async fn run_once(
    storage: &DynStorage,
    sender: &Sender,
    schedule: &Schedule,
    key: Option<&SecretKey>,
) -> Result<usize, DbError> {
    let now = Timestamp::now();
    let lease_until = Timestamp::from_unix_millis(now.unix_millis() + LEASE.as_millis() as i64);
    let claims = storage.claim_subscriptions(now, lease_until, BATCH).await?;
    let deadline = Instant::now() + LEASE / 2;
    let work = claims.iter().map(|claim| async move {
        if let Err(e) = work_on(storage, sender, schedule, claim, key, deadline).await {
            // The lease runs out (or is let go below) and a later run goes on.
            tracing::warn!(subscription = %claim.subscription.id, error = %e, "delivering events failed");
        }
        if let Err(e) = storage.release_subscription(claim).await {
            tracing::warn!(subscription = %claim.subscription.id, error = %e, "letting a webhook lease go failed");
        }
    });
    futures_util::future::join_all(work).await;
    Ok(claims.len())
}

/// The secrets that sign now, the newest first: opened with the hub's key
/// when sealed (`v1:…`, the tenant as associated data), as they are when
/// stored before the hub had a key.
fn secrets(claim: &Claim, key: Option<&SecretKey>) -> Result<Vec<WebhookSecret>, DbError> {
    let corrupt = |e: String| {
        DbError::Corrupt(format!(
            "subscription {}: secret: {e}",
            claim.subscription.id
        ))
    };
    std::iter::once(&claim.secret)
        .chain(claim.previous_secret.as_ref())
        .map(|stored| {
            let text = match (crate::sealing::is_sealed(stored), key) {
                (false, _) => stored.clone(),
                (true, Some(key)) => key
                    .open(claim.tenant.as_uuid(), stored)
                    .map_err(|e| corrupt(e.to_string()))?,
                (true, None) => {
                    return Err(corrupt("sealed, and the hub has no secret key".into()))
                }
            };
            WebhookSecret::parse(&text).map_err(corrupt)
        })
        .collect()
}

/// Why a subscription's run ends early.
enum Stop {
    /// The lease is another hub's now, or HQ moved the cursor: leave it.
    Lost,
    /// The event after the cursor failed and waits for its retry.
    Waiting,
}

async fn work_on(
    storage: &DynStorage,
    sender: &Sender,
    schedule: &Schedule,
    claim: &Claim,
    key: Option<&SecretKey>,
    deadline: Instant,
) -> Result<(), DbError> {
    let keys = secrets(claim, key)?;
    let keys: Vec<&WebhookSecret> = keys.iter().collect();
    let url = claim.subscription.url.as_str();
    let send = |event: OutboundEvent, in_line_after: Option<u64>| {
        let keys = keys.clone();
        async move {
            let sent = sender.send(url, &event, &keys).await;
            let record = AttemptRecord {
                event: &event,
                at: Timestamp::now(),
                status: sent.status,
                latency_ms: sent.latency_ms,
                error: sent.error.clone(),
                in_line_after,
            };
            let outcome = storage.record_attempt(claim, &record, schedule).await?;
            if outcome == AttemptOutcome::Dead {
                tracing::warn!(subscription = %claim.subscription.id, seq = event.seq, error = ?sent.error, "event dead-lettered");
            }
            Ok::<_, DbError>(outcome)
        }
    };

    // Dead letters HQ replayed (and their retries): out of line, each on
    // its own schedule.
    for due in storage
        .due_replays(claim, Timestamp::now(), REPLAYS)
        .await?
    {
        if Instant::now() > deadline {
            return Ok(());
        }
        let lost = match due {
            Ok(event) => send(event, None).await? == AttemptOutcome::LeaseLost,
            Err(seq) => !storage.record_gap(claim, seq, seq).await?,
        };
        if lost {
            return Ok(());
        }
    }

    // The line: every event after the cursor, in order.
    let mut cursor = claim.subscription.cursor_seq;
    while Instant::now() < deadline {
        let (floor, events) = storage.events_after(claim.tenant, cursor, READ).await?;
        // Sequence numbers have no holes but those pruning leaves, so a jump
        // is events that are gone.
        let first = events.first().map_or(floor, |e| e.seq.saturating_sub(1));
        if first > cursor {
            if !storage.record_gap(claim, cursor + 1, first).await? {
                return Ok(());
            }
            cursor = first;
        }
        let caught_up = events.len() < READ as usize;
        match walk(storage, claim, &send, &mut cursor, events, deadline).await? {
            Ok(()) if caught_up => return Ok(()),
            Ok(()) => {}
            Err(Stop::Lost | Stop::Waiting) => return Ok(()),
        }
    }
    Ok(())
}

/// Sends `events` (read after `cursor`) in order, moving `cursor` as the
/// records do; events not of the subscription's types are passed over.
async fn walk<F, Fut>(
    storage: &DynStorage,
    claim: &Claim,
    send: &F,
    cursor: &mut u64,
    events: Vec<OutboundEvent>,
    deadline: Instant,
) -> Result<Result<(), Stop>, DbError>
where
    F: Fn(OutboundEvent, Option<u64>) -> Fut,
    Fut: std::future::Future<Output = Result<AttemptOutcome, DbError>>,
{
    let types = &claim.subscription.event_types;
    let mut passed_over = None;
    for event in events {
        if !matches(types, &event.event_type) {
            passed_over = Some(event.seq);
            continue;
        }
        if Instant::now() > deadline {
            break;
        }
        let seq = event.seq;
        // Recorded in line: the cursor moves from where it is stored to
        // this event, over the ones passed over on the way.
        match send(event, Some(*cursor)).await? {
            AttemptOutcome::Delivered | AttemptOutcome::Dead => {
                *cursor = seq;
                passed_over = None;
            }
            AttemptOutcome::RetryAt(_) => return Ok(Err(Stop::Waiting)),
            AttemptOutcome::LeaseLost | AttemptOutcome::CursorMoved => return Ok(Err(Stop::Lost)),
        }
    }
    if let Some(to) = passed_over {
        if !storage.skip_to(claim, *cursor, to).await? {
            return Ok(Err(Stop::Lost));
        }
        *cursor = to;
    }
    Ok(Ok(()))
}
