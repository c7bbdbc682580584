//! The event relay to NATS JetStream: every tenant's events, from the
//! transactional outbox (`hub_events`), published at least once on
//! `<prefix>.<tenant>.<event type>` (so `pos.events.<tenant>.inventory.>`
//! is one tenant's stock news).
//!
//! Each message carries the event's id as `Nats-Msg-Id`, so JetStream drops a
//! repeat inside the stream's duplicate window, and as the body's `id`, so a
//! consumer drops any repeat after it; `Pos-Event-Seq` is the event's place
//! in its tenant's order. The body is the one HQ's webhook subscribers get.
//!
//! A tenant's cursor (`event_relays`) moves only past events the broker
//! acknowledged, one batch at a time and in order: a broker that goes away
//! mid-batch costs a retry from the cursor, never an event. The tenant is
//! leased to one hub at a time and every record is fenced by the lease, so
//! hubs sharing a database relay each event once between them, and one that
//! dies mid-batch leaves it to the next lease holder, who publishes the batch
//! again under the same ids. The outbox stays the source of truth: HQ's
//! event stream and webhook deliveries read it directly, and the broker is
//! for the chain's other consumers (analytics, ERP bridges, search).

use crate::domain::subscriptions::OutboundEvent;
use crate::storage::{DbError, DynStorage, RelayClaim};
use async_nats::jetstream::{self, message::PublishMessage, stream};
use pos_shared::Timestamp;
use std::time::Duration;

/// The relay's name in `event_relays`.
pub const RELAY: &str = "nats";
/// How long a tenant is the relaying hub's; renewed with every batch. A
/// batch is published together and its acknowledgements awaited for at
/// most [`ACK_TIMEOUT`], so this is three of those: a hub that dies holding
/// the lease (say while the broker is away) leaves its tenants to the
/// others this soon.
const LEASE: Duration = Duration::from_secs(15);
/// Tenants relayed per run.
const TENANTS: u32 = 50;
/// Events read and published before their acknowledgements are awaited.
const BATCH: u32 = 500;
/// JetStream drops a message whose id it saw within this window: a relay
/// that died after publishing and before recording is retried well inside it.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a publish waits for the broker's acknowledgement.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest wait between tries while the broker is away.
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// Where events go (`[nats]`).
#[derive(Debug, Clone)]
pub struct NatsConfig {
    /// `nats://host:port`, or several separated by commas; may carry a
    /// password, so kept out of logs.
    pub url: pos_shared::Secret,
    /// The JetStream stream the relay creates if missing and publishes to.
    pub stream: String,
    /// Subjects are `<prefix>.<tenant>.<event type>`.
    pub subject_prefix: String,
    /// How often the relay looks for events (it also wakes on changes).
    pub sweep_every: Duration,
}

/// Why a run stopped short.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("storage: {0}")]
    Storage(#[from] DbError),
    #[error("the broker: {0}")]
    Broker(String),
}

/// The subject an event goes out on. Event types are the hub's own dotted
/// names; anything a subject token may not hold becomes `_`.
pub fn subject(prefix: &str, event: &OutboundEvent, tenant: &str) -> String {
    let kind: String = event
        .event_type
        .split('.')
        .filter(|token| !token.is_empty())
        .map(|token| {
            token
                .chars()
                .map(|c| match c {
                    'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '-' => c,
                    _ => '_',
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(".");
    format!("{prefix}.{tenant}.{kind}")
}

/// Runs the relay until the hub stops: connects (retrying while the broker
/// is away), makes sure the stream exists, and relays on every change and
/// every `sweep_every`.
pub async fn run(storage: DynStorage, config: NatsConfig) {
    let options = async_nats::ConnectOptions::new()
        .name("pos-cloud-hub")
        .retry_on_initial_connect()
        .connection_timeout(Duration::from_secs(5))
        .request_timeout(Some(ACK_TIMEOUT));
    let client = match options.connect(config.url.expose()).await {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "the event relay cannot reach NATS; events stay in the outbox");
            return;
        }
    };
    let mut context = jetstream::new(client);
    context.set_timeout(ACK_TIMEOUT);
    let mut changes = storage.watch_feed();
    let mut stream_ready = false;
    let mut backoff = config.sweep_every;
    loop {
        changes.borrow_and_update();
        let outcome = match stream_ready {
            true => Ok(()),
            false => ensure_stream(&context, &config).await,
        };
        let outcome = match outcome {
            Ok(()) => {
                stream_ready = true;
                relay_once(&storage, &context, &config).await
            }
            Err(e) => Err(e),
        };
        match outcome {
            Ok(relayed) => {
                if relayed > 0 {
                    tracing::debug!(relayed, "events relayed to NATS");
                }
                backoff = config.sweep_every;
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "relaying events to NATS failed; they wait in the outbox");
                // A broker that came back empty needs its stream again.
                stream_ready = false;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
                continue;
            }
        }
        tokio::select! {
            () = tokio::time::sleep(config.sweep_every) => {}
            changed = changes.changed() => {
                if changed.is_err() {
                    tokio::time::sleep(config.sweep_every).await;
                }
            }
        }
    }
}

/// Creates the stream unless it is there: file storage, every subject under
/// the prefix, the duplicate window above.
async fn ensure_stream(
    context: &jetstream::Context,
    config: &NatsConfig,
) -> Result<(), RelayError> {
    context
        .get_or_create_stream(stream::Config {
            name: config.stream.clone(),
            subjects: vec![format!("{}.>", config.subject_prefix)],
            storage: stream::StorageType::File,
            duplicate_window: DUPLICATE_WINDOW,
            ..Default::default()
        })
        .await
        .map(drop)
        .map_err(|e| RelayError::Broker(format!("stream {}: {e}", config.stream)))
}

/// One run: leases the tenants with events to relay and relays them;
/// answers how many events the broker acknowledged.
pub async fn relay_once(
    storage: &DynStorage,
    context: &jetstream::Context,
    config: &NatsConfig,
) -> Result<usize, RelayError> {
    let now = Timestamp::now();
    let claims = storage
        .claim_relays(RELAY, now, lease_end(), TENANTS)
        .await?;
    let mut relayed = 0;
    let mut failure = None;
    for claim in &claims {
        // After a failure the broker is likely away for every tenant: the
        // rest are let go at once and tried after the back-off.
        if failure.is_none() {
            match relay_tenant(storage, context, config, claim).await {
                Ok(n) => relayed += n,
                Err(e) => failure = Some(e),
            }
        }
        if let Err(e) = storage.release_relay(claim).await {
            tracing::warn!(tenant = %claim.tenant, error = %e, "letting a relay lease go failed");
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(relayed),
    }
}

fn lease_end() -> Timestamp {
    Timestamp::from_unix_millis(Timestamp::now().unix_millis() + LEASE.as_millis() as i64)
}

/// Relays one tenant's events after its cursor, a batch at a time, until
/// there are none or the lease is lost.
async fn relay_tenant(
    storage: &DynStorage,
    context: &jetstream::Context,
    config: &NatsConfig,
    claim: &RelayClaim,
) -> Result<usize, RelayError> {
    let tenant = claim.tenant.to_string();
    let mut cursor = claim.relayed;
    let mut relayed = 0;
    loop {
        let (floor, events) = storage.events_after(claim.tenant, cursor, BATCH).await?;
        let Some(first) = events.first() else {
            return Ok(relayed);
        };
        if first.seq > cursor + 1 {
            // Pruned before they could be relayed: say so, loudly, once.
            tracing::error!(
                tenant = %claim.tenant, from = cursor + 1, to = first.seq - 1, floor,
                "events were pruned from the outbox before the relay reached them; they never went to NATS"
            );
        }
        let mut acks = Vec::with_capacity(events.len());
        for event in &events {
            let publish = PublishMessage::build()
                .payload(event.body().into())
                .message_id(event.event_id.to_string())
                .header("Pos-Event-Seq", event.seq.to_string().as_str());
            let ack = context
                .send_publish(subject(&config.subject_prefix, event, &tenant), publish)
                .await
                .map_err(|e| RelayError::Broker(format!("publish event {}: {e}", event.seq)));
            acks.push((event.seq, ack));
        }
        // Acknowledged in order: the cursor moves to the last event before
        // the first one the broker did not take.
        let mut acked = None;
        let mut failed = None;
        for (seq, ack) in acks {
            let result = match ack {
                Ok(future) => future
                    .await
                    .map_err(|e| RelayError::Broker(format!("event {seq} not acknowledged: {e}"))),
                Err(e) => Err(e),
            };
            match result {
                Ok(_) if failed.is_none() => acked = Some(seq),
                Ok(_) => {}
                Err(e) => {
                    failed.get_or_insert(e);
                }
            }
        }
        if let Some(seq) = acked {
            if !storage.record_relayed(claim, seq, lease_end()).await? {
                tracing::info!(tenant = %claim.tenant, "the relay lease passed to another hub");
                return Ok(relayed);
            }
            relayed += events.iter().filter(|e| e.seq <= seq).count();
            cursor = seq;
        }
        if let Some(e) = failed {
            return Err(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn event(kind: &str) -> OutboundEvent {
        OutboundEvent {
            seq: 1,
            event_id: Uuid::now_v7(),
            event_type: kind.into(),
            occurred_at: Timestamp::now(),
            data: serde_json::Value::Null,
        }
    }

    #[test]
    fn subjects_are_per_tenant_and_event_type() {
        assert_eq!(
            subject("pos.events", &event("inventory.stock.changed"), "t1"),
            "pos.events.t1.inventory.stock.changed"
        );
    }

    #[test]
    fn a_type_with_characters_subjects_cannot_hold_still_makes_one() {
        assert_eq!(
            subject("p", &event("store.dark store.>*..x"), "t"),
            "p.t.store.dark_store.__.x"
        );
    }
}
