//! The hand-over task: every `every`, the orders with work due (packed and
//! not handed over, cancelled with a payment to release, delivered and ready
//! to close; `domain::delivery::next_work`) are leased from storage and
//! worked one by one: a packed order's payment is captured, then the partner
//! is asked to collect it and the order steps to `assigned_to_partner`.
//!
//! Nothing is held in memory between runs. A failure is recorded on the order
//! (`delivery.attempts`, `delivery.last_error`, announced as
//! `order.handover_failed` or `payment.failed`) with the time of the next try
//! (backoff up to `retry_max`); a hub that stops mid-work leaves a lease that
//! runs out, and the next run (this hub restarted, or another) picks the
//! order up again. Payment operations carry idempotency keys, and the pick-up
//! request the order id, so asking again never takes the money twice.

use super::{DeliveryPartner, PaymentGateway, PickupRequest};
use crate::domain::delivery::{next_work, PaymentOp, Work};
use crate::domain::orders::Order;
use crate::storage::{DbError, DynStorage, PaymentOutcome};
use pos_shared::{Money, TenantId, Timestamp};
use std::sync::Arc;
use std::time::Duration;

/// How long an order is the working hub's: longer than the slowest round of
/// requests (three tries of each boundary at its timeout).
const LEASE: Duration = Duration::from_secs(120);
/// Orders worked per run.
const BATCH: u32 = 50;
/// Steps of one order per run: capture, hand-over, and one to spare.
const STEPS: usize = 3;

/// The boundaries the task talks to; either may be absent (not configured).
#[derive(Clone, Default)]
pub struct Boundaries {
    pub partner: Option<Arc<dyn DeliveryPartner>>,
    pub gateway: Option<Arc<dyn PaymentGateway>>,
}

/// Runs the task until the hub stops.
pub async fn run(
    storage: DynStorage,
    boundaries: Boundaries,
    every: Duration,
    retry_max: Duration,
) {
    loop {
        match run_once(&storage, &boundaries, retry_max).await {
            Ok(0) => {}
            Ok(worked) => tracing::info!(worked, "delivery orders worked"),
            Err(e) => tracing::warn!(error = %e, "the hand-over task could not read its work"),
        }
        tokio::time::sleep(every).await;
    }
}

/// One run: leases the orders with work due and works each; how many.
pub async fn run_once(
    storage: &DynStorage,
    boundaries: &Boundaries,
    retry_max: Duration,
) -> Result<usize, DbError> {
    let now = Timestamp::now();
    let lease_until = after(now, LEASE);
    let work = storage.claim_delivery_work(now, lease_until, BATCH).await?;
    let count = work.len();
    for (tenant, order) in work {
        let id = order.id;
        if let Err(e) = work_on(storage, boundaries, tenant, order, retry_max).await {
            // The lease runs out and a later run tries again.
            tracing::warn!(order = %id, error = %e, "recording delivery work failed");
        }
    }
    Ok(count)
}

fn after(at: Timestamp, wait: Duration) -> Timestamp {
    Timestamp::from_unix_millis(
        at.unix_millis()
            .saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX)),
    )
}

/// A try that failed and is retried later: the event it is announced as and
/// what went wrong.
struct Retry {
    event: &'static str,
    error: String,
}

/// What one step came to.
enum Stepped {
    /// Done; the order as it now stands (maybe with more to do).
    Next(Box<Order>),
    /// Nothing more for now (a payment refused for good: HQ has to look).
    Stop,
}

async fn work_on(
    storage: &DynStorage,
    b: &Boundaries,
    tenant: TenantId,
    mut order: Order,
    retry_max: Duration,
) -> Result<(), DbError> {
    for _ in 0..STEPS {
        let stepped = match next_work(&order) {
            Work::Nothing => break,
            Work::Pay(op, amount) => pay(storage, b, tenant, &order, op, amount).await?,
            Work::RequestPickup => pick_up(storage, b, tenant, &order).await?,
            Work::Close => Ok(Stepped::Next(Box::new(
                storage.close_delivered(tenant, order.id).await?,
            ))),
        };
        match stepped {
            Ok(Stepped::Next(next)) => order = *next,
            Ok(Stepped::Stop) => break,
            Err(retry) => {
                let attempts = order.delivery.as_ref().map_or(0, |d| d.attempts);
                let wait = pos_shared::retry::backoff(attempts.saturating_add(1), retry_max);
                tracing::info!(order = %order.id, error = %retry.error, ?wait, "delivery work failed; retrying later");
                return storage
                    .delivery_work_failed(
                        tenant,
                        order.id,
                        retry.event,
                        &retry.error,
                        after(Timestamp::now(), wait),
                    )
                    .await;
            }
        }
    }
    storage.release_delivery_work(tenant, order.id).await
}

/// One payment operation, recorded before the gateway is asked and after it
/// answered.
async fn pay(
    storage: &DynStorage,
    b: &Boundaries,
    tenant: TenantId,
    order: &Order,
    op: PaymentOp,
    amount: Money,
) -> Result<Result<Stepped, Retry>, DbError> {
    let retry = |error: String| Retry {
        event: "payment.failed",
        error,
    };
    let Some(gateway) = &b.gateway else {
        return Ok(Err(retry("no payment gateway is configured".into())));
    };
    let Some(payment) = &order.payment else {
        return Ok(Ok(Stepped::Stop));
    };
    let record = storage.begin_payment(tenant, order.id, op, amount).await?;
    let key = record.idempotency_key.as_str();
    let reference = payment.gateway_ref.as_str();
    let answer = match op {
        PaymentOp::Capture => gateway.capture(reference, record.amount, key).await,
        PaymentOp::Refund => gateway.refund(reference, record.amount, key).await,
        PaymentOp::Void => gateway.void(reference, key).await,
    };
    let outcome = match answer {
        Ok(receipt) => PaymentOutcome::Succeeded {
            gateway_ref: receipt.id,
        },
        Err(e) if e.permanent() => PaymentOutcome::Refused {
            detail: e.to_string(),
        },
        Err(e) => return Ok(Err(retry(e.to_string()))),
    };
    let refused = matches!(outcome, PaymentOutcome::Refused { .. });
    let order = storage
        .finish_payment(tenant, order.id, &record, &outcome)
        .await?;
    Ok(Ok(if refused {
        Stepped::Stop
    } else {
        Stepped::Next(Box::new(order))
    }))
}

/// Asks the partner to collect the order and records the hand-over.
async fn pick_up(
    storage: &DynStorage,
    b: &Boundaries,
    tenant: TenantId,
    order: &Order,
) -> Result<Result<Stepped, Retry>, DbError> {
    let retry = |error: String| Retry {
        event: "order.handover_failed",
        error,
    };
    let Some(partner) = &b.partner else {
        return Ok(Err(retry("no delivery partner is configured".into())));
    };
    let store = storage.store(tenant, order.store_id).await?;
    let Some(request) = PickupRequest::for_order(order, &store) else {
        return Ok(Err(retry(format!(
            "store {} has no place set for a rider to collect from",
            store.code
        ))));
    };
    let assignment = match partner.request_pickup(&request).await {
        Ok(assignment) => assignment,
        Err(e) => return Ok(Err(retry(e.to_string()))),
    };
    match storage
        .hand_over(
            tenant,
            order.id,
            partner.name(),
            &assignment.reference,
            assignment.eta,
        )
        .await
    {
        Ok(order) => Ok(Ok(Stepped::Next(Box::new(order)))),
        Err(DbError::State { detail, .. }) => {
            let now = storage.order(tenant, order.id).await?;
            let ours = now.delivery.as_ref().and_then(|d| d.reference.as_deref())
                == Some(assignment.reference.as_str());
            // Handed over under this very reference already (another run
            // whose lease ran out): the delivery is the order's, keep it.
            // Otherwise the order moved on meanwhile (HQ stepped it by
            // hand) and the partner's rider must not come for it.
            if !ours {
                tracing::warn!(order = %order.id, %detail, "order moved during hand-over; calling the pick-up off");
                if let Err(e) = partner.cancel_pickup(&assignment.reference).await {
                    tracing::warn!(order = %order.id, reference = %assignment.reference, error = %e, "calling a pick-up off failed");
                }
            }
            Ok(Ok(Stepped::Stop))
        }
        Err(e @ DbError::Conflict(_)) => Ok(Err(retry(format!(
            "the partner's reference {:?} cannot be kept: {e}",
            assignment.reference
        )))),
        Err(e) => Err(e),
    }
}
