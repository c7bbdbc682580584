//! Hand-over to delivery partners and payments through a gateway; SQL in
//! `sql/delivery.rs`.

use crate::domain::delivery::{PartnerStatus, PaymentOp};
use crate::domain::orders::Order;
use crate::storage::DbResult;
use pos_shared::{Money, TenantId, Timestamp};

/// A payment operation as recorded before the gateway is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    pub id: uuid::Uuid,
    pub op: PaymentOp,
    pub idempotency_key: String,
    pub amount: Money,
    /// Already succeeded (a run before recorded it): do not ask again.
    pub succeeded: bool,
}

/// How a payment operation ended at the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// Done; the gateway's id of the payment or refund.
    Succeeded { gateway_ref: String },
    /// Refused for good (declined, authorisation expired): the payment is
    /// `failed` and the order waits for HQ.
    Refused { detail: String },
}

/// A partner's status report, verified.
#[derive(Debug, Clone)]
pub struct PartnerReport<'a> {
    pub partner: &'a str,
    pub webhook_id: &'a str,
    /// A hash of the body, to tell a partner's retry from a reused id.
    pub body_hash: &'a str,
    pub reference: &'a str,
    pub status: PartnerStatus,
    pub reason: Option<&'a str>,
}

/// What a report came to.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportOutcome {
    Applied(Order),
    /// This webhook-id was applied before; nothing changed.
    Duplicate(Order),
}

/// The hand-over task's work list and what it records, and the partner's
/// reports.
#[async_trait::async_trait]
pub trait DeliveryStorage: Send + Sync {
    /// Orders with hand-over or payment work due at `now` (see
    /// `domain::delivery::next_work`), each leased until `lease_until` so a
    /// second hub on the same database leaves it alone: (tenant, order).
    async fn claim_delivery_work(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> DbResult<Vec<(TenantId, Order)>>;

    /// Records a payment operation as pending under its idempotency key, or
    /// gives back the one recorded before.
    async fn begin_payment(
        &self,
        tenant: TenantId,
        order: uuid::Uuid,
        op: PaymentOp,
        amount: Money,
    ) -> DbResult<PaymentRecord>;

    /// Records how a payment operation ended: the order's payment state, the
    /// operation's outcome and `payment.captured` / `payment.refunded` /
    /// `payment.voided` or `payment.failed`.
    async fn finish_payment(
        &self,
        tenant: TenantId,
        order: uuid::Uuid,
        record: &PaymentRecord,
        outcome: &PaymentOutcome,
    ) -> DbResult<Order>;

    /// The partner took the order: its reference is stored and the order
    /// steps to `assigned_to_partner` with actor `partner:<name>`, in one
    /// transaction.
    async fn hand_over(
        &self,
        tenant: TenantId,
        order: uuid::Uuid,
        partner: &str,
        reference: &str,
        eta: Option<Timestamp>,
    ) -> DbResult<Order>;

    /// A try failed and is retried at `retry_at`: counted, the error kept on
    /// the order, and announced (`event_type`) when it is new.
    async fn delivery_work_failed(
        &self,
        tenant: TenantId,
        order: uuid::Uuid,
        event_type: &'static str,
        error: &str,
        retry_at: Timestamp,
    ) -> DbResult<()>;

    /// Lets the lease go after work that succeeded.
    async fn release_delivery_work(&self, tenant: TenantId, order: uuid::Uuid) -> DbResult<()>;

    /// Closes a delivered order whose payment is settled (actor `hub`).
    async fn close_delivered(&self, tenant: TenantId, order: uuid::Uuid) -> DbResult<Order>;

    /// Applies a partner's verified report by its reference: walks the order
    /// to the reported state (each step by `partner:<name>`), closes it when
    /// delivered and settled, or records a failure; once per webhook-id.
    async fn apply_partner_report(&self, report: &PartnerReport<'_>) -> DbResult<ReportOutcome>;
}
