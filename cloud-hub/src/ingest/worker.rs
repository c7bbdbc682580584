//! The ingestion task: takes archived webhooks off the durable queue (the
//! `inbound_payloads` table, leased per source so one source's payloads
//! apply in the order they came, and so a second hub takes other sources),
//! reads each with its source's adapter and applies it as one run.
//!
//! A payload whose adapter cannot read it is `failed` with the reason (and
//! kept: HQ replays it after a fix); a database failure leaves it queued,
//! and its lease running out brings it back. Wakes at once when the gateway
//! queues something, else every `sweep`.

use super::apply::Applier;
use super::{read, Context};
use crate::domain::ingestion::{
    LeasedPayload, NewRun, PayloadState, RunCounts, RunError, RunState, RunTrigger,
};
use crate::storage::{DbError, DynStorage};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How long a payload is held by the hub applying it; a large menu applies
/// well within it, and a crashed hub's payload is taken again after it.
pub const LEASE_MS: i64 = 5 * 60 * 1000;

pub async fn run(storage: DynStorage, wake: Arc<Notify>, sweep: Duration) {
    loop {
        match storage
            .lease_payload(pos_shared::Timestamp::now(), LEASE_MS)
            .await
        {
            Ok(Some(lease)) => {
                if let Err(e) = apply(&storage, &lease).await {
                    tracing::warn!(payload = %lease.raw.payload.id, error = %e, "applying a webhook failed; it stays queued");
                    tokio::time::sleep(sweep).await;
                }
            }
            Ok(None) => {
                tokio::select! {
                    () = wake.notified() => {}
                    () = tokio::time::sleep(sweep) => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "reading the webhook queue failed");
                tokio::time::sleep(sweep).await;
            }
        }
    }
}

/// Applies one leased payload as a run; `Err` when the database failed.
pub async fn apply(storage: &DynStorage, lease: &LeasedPayload) -> Result<(), DbError> {
    let tenant = lease.tenant;
    let payload = &lease.raw.payload;
    let source = storage.source(tenant, payload.source_id).await?;
    let currency = storage.tenant_currency(tenant).await?;
    let trigger = if lease.replay {
        RunTrigger::Replay
    } else {
        RunTrigger::Webhook
    };
    let parsed = read(
        source.kind,
        &lease.raw.body,
        Context {
            currency,
            now: pos_shared::Timestamp::now(),
        },
    );
    let format = parsed.as_ref().map_or("unreadable", |p| p.format);
    let run = storage
        .start_run(
            tenant,
            &NewRun {
                id: uuid::Uuid::now_v7(),
                source: Some(source.id),
                payload: Some(payload.id),
                trigger,
                format: format.to_owned(),
            },
        )
        .await?;
    let actor = format!("source:{}", source.code);
    crate::acting::scoped(async {
        crate::acting::set(actor);
        match parsed {
            Err(unreadable) => {
                let errors = [RunError {
                    entity: "payload".into(),
                    field: None,
                    detail: unreadable.0.clone(),
                }];
                storage
                    .finish_run(
                        tenant,
                        run.id,
                        RunState::Failed,
                        RunCounts::default(),
                        &errors,
                    )
                    .await?;
                storage
                    .finish_payload(lease, PayloadState::Failed, run.id, Some(&unreadable.0))
                    .await?;
            }
            Ok(parsed) => {
                let mut applier = Applier::new(storage, tenant, &source);
                if let Err(e) = applier.apply_all(parsed).await {
                    let errors = [RunError {
                        entity: "payload".into(),
                        field: None,
                        detail: "the database failed; the payload stays queued".into(),
                    }];
                    let _ = storage
                        .finish_run(tenant, run.id, RunState::Failed, applier.counts, &errors)
                        .await;
                    return Err(e);
                }
                storage
                    .finish_run(
                        tenant,
                        run.id,
                        RunState::Completed,
                        applier.counts,
                        &applier.errors,
                    )
                    .await?;
                storage
                    .finish_payload(lease, PayloadState::Applied, run.id, None)
                    .await?;
            }
        }
        Ok(())
    })
    .await
}
