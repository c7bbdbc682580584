//! Hand-over to a delivery partner and payment through a gateway, as pure
//! rules: what a partner's status report walks the order through, what the
//! hand-over task does next with an order (capture, pick-up, close, void,
//! refund), and how much is captured. The boundaries themselves (the partner's
//! and the gateway's APIs) are `crate::fulfilment`'s; the records here are
//! what storage keeps and the order shows.

use super::orders::{Order, OrderState, TransitionRefused, PATH};
use pos_shared::{Money, Timestamp};
use serde::{Deserialize, Serialize};

/// What a partner reports about its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartnerStatus {
    PickedUp,
    InTransit,
    Delivered,
    /// The rider could not deliver (customer away, address wrong).
    Failed,
    /// The partner dropped the delivery.
    Cancelled,
}

impl PartnerStatus {
    pub const ALL: [PartnerStatus; 5] = [
        PartnerStatus::PickedUp,
        PartnerStatus::InTransit,
        PartnerStatus::Delivered,
        PartnerStatus::Failed,
        PartnerStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartnerStatus::PickedUp => "picked_up",
            PartnerStatus::InTransit => "in_transit",
            PartnerStatus::Delivered => "delivered",
            PartnerStatus::Failed => "failed",
            PartnerStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<PartnerStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The order state it reports; `None` for a failure, which the state
    /// machine has no step for (the order stays where it is, flagged).
    pub fn target(self) -> Option<OrderState> {
        match self {
            PartnerStatus::PickedUp => Some(OrderState::PickedUp),
            PartnerStatus::InTransit => Some(OrderState::InTransit),
            PartnerStatus::Delivered => Some(OrderState::Delivered),
            PartnerStatus::Failed | PartnerStatus::Cancelled => None,
        }
    }
}

/// The states a partner's reports apply in: from its assignment until it
/// delivers.
pub const WITH_PARTNER: [OrderState; 3] = [
    OrderState::AssignedToPartner,
    OrderState::PickedUp,
    OrderState::InTransit,
];

/// The steps a report walks the order through from `current`, in order:
/// those the partner skipped first (`assigned_to_partner` → `delivered`
/// walks `picked_up` and `in_transit`), none for a failure. A report of a
/// state the order is at or past, or for an order not with the partner, is
/// refused naming both.
pub fn steps_for(
    current: OrderState,
    status: PartnerStatus,
) -> Result<Vec<OrderState>, TransitionRefused> {
    let refused = |asked| TransitionRefused { current, asked };
    if !WITH_PARTNER.contains(&current) {
        return Err(refused(status.target().unwrap_or(current)));
    }
    let Some(target) = status.target() else {
        return Ok(Vec::new());
    };
    let position = |s| PATH.iter().position(|p| *p == s);
    match (position(current), position(target)) {
        (Some(from), Some(to)) if to > from => Ok(PATH[from + 1..=to].to_vec()),
        _ => Err(refused(target)),
    }
}

/// Where an order's payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// Authorised at the channel's checkout; nothing taken yet.
    Authorized,
    Captured,
    /// The authorisation released (the order was cancelled first).
    Voided,
    Refunded,
    /// The gateway refused an operation for good; HQ has to look.
    Failed,
}

impl PaymentState {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Authorized => "authorized",
            PaymentState::Captured => "captured",
            PaymentState::Voided => "voided",
            PaymentState::Refunded => "refunded",
            PaymentState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentState> {
        [
            PaymentState::Authorized,
            PaymentState::Captured,
            PaymentState::Voided,
            PaymentState::Refunded,
            PaymentState::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A payment the channel's checkout authorised, as the order is placed with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    /// The gateway's id of the authorised payment.
    pub gateway_ref: String,
    pub authorized: Money,
}

/// An order's payment as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OrderPayment {
    pub gateway_ref: String,
    pub authorized: Money,
    pub state: PaymentState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub captured: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refunded: Option<Money>,
}

/// An order's hand-over to the partner: who has it once handed over, and
/// while it waits, how the tries went (the task retries with backoff; the
/// last error is here for HQ to see).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct OrderDelivery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
    /// The partner's delivery reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eta: Option<Timestamp>,
    /// Failed tries since the last success.
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<Timestamp>,
    /// A failure the partner reported (`failed: …`, `cancelled: …`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
}

/// A payment operation: each is recorded with an idempotency key of its
/// own, so a retry after a crash asks the gateway for the same operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentOp {
    Capture,
    Refund,
    Void,
}

impl PaymentOp {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentOp::Capture => "capture",
            PaymentOp::Refund => "refund",
            PaymentOp::Void => "void",
        }
    }

    /// One of each per order: the key is the order and the operation.
    pub fn key(self, order: uuid::Uuid) -> String {
        format!("{order}:{}", self.as_str())
    }

    /// The payment's state once it succeeded.
    pub fn settles_as(self) -> PaymentState {
        match self {
            PaymentOp::Capture => PaymentState::Captured,
            PaymentOp::Refund => PaymentState::Refunded,
            PaymentOp::Void => PaymentState::Voided,
        }
    }

    /// The event it is announced as when it succeeded.
    pub fn event_type(self) -> &'static str {
        match self {
            PaymentOp::Capture => "payment.captured",
            PaymentOp::Refund => "payment.refunded",
            PaymentOp::Void => "payment.voided",
        }
    }
}

/// What is captured for a packed order: what was picked, never more than was
/// authorised. The gateway releases the rest of the authorisation when less
/// is captured.
pub fn capture_amount(packed: Money, authorized: Money) -> Money {
    if packed.minor() < authorized.minor() {
        packed
    } else {
        authorized
    }
}

/// The hand-over task's next job for an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    Pay(PaymentOp, Money),
    RequestPickup,
    Close,
    Nothing,
}

/// What to do next with `order`: a packed order is paid for (when it carries
/// a payment) and then handed over; a cancelled one gets its authorisation
/// voided or its capture refunded; a delivered one the partner had is closed
/// once its payment is settled.
pub fn next_work(order: &Order) -> Work {
    let payment = order.payment.as_ref();
    let handed_over = order
        .delivery
        .as_ref()
        .is_some_and(|d| d.reference.is_some());
    let state = payment.map(|p| p.state);
    match order.state {
        OrderState::Cancelled => match payment {
            Some(p) if p.state == PaymentState::Authorized => {
                Work::Pay(PaymentOp::Void, p.authorized)
            }
            Some(p) if p.state == PaymentState::Captured => {
                let captured = p.captured.unwrap_or(p.authorized);
                Work::Pay(PaymentOp::Refund, captured)
            }
            _ => Work::Nothing,
        },
        OrderState::Packed if !handed_over => match payment {
            Some(p) if p.state == PaymentState::Authorized => {
                let packed = order.packed_total.unwrap_or(order.total);
                Work::Pay(PaymentOp::Capture, capture_amount(packed, p.authorized))
            }
            None => Work::RequestPickup,
            Some(p) if p.state == PaymentState::Captured => Work::RequestPickup,
            Some(_) => Work::Nothing,
        },
        OrderState::Delivered if handed_over => match state {
            None | Some(PaymentState::Captured) => Work::Close,
            _ => Work::Nothing,
        },
        _ => Work::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pos_shared::StoreId;

    #[test]
    fn reports_walk_the_steps_the_partner_skipped() {
        use OrderState::*;
        assert_eq!(
            steps_for(AssignedToPartner, PartnerStatus::Delivered),
            Ok(vec![PickedUp, InTransit, Delivered])
        );
        assert_eq!(
            steps_for(AssignedToPartner, PartnerStatus::PickedUp),
            Ok(vec![PickedUp])
        );
        assert_eq!(
            steps_for(PickedUp, PartnerStatus::InTransit),
            Ok(vec![InTransit])
        );
        assert_eq!(steps_for(InTransit, PartnerStatus::Failed), Ok(Vec::new()));
        // Going back, standing still, or an order not with the partner.
        for (current, status) in [
            (InTransit, PartnerStatus::PickedUp),
            (PickedUp, PartnerStatus::PickedUp),
            (Delivered, PartnerStatus::Delivered),
            (Packed, PartnerStatus::PickedUp),
            (Closed, PartnerStatus::Failed),
        ] {
            let refused = steps_for(current, status).unwrap_err();
            assert_eq!(refused.current, current);
            assert!(refused.to_string().contains(current.as_str()));
        }
        for s in PartnerStatus::ALL {
            assert_eq!(PartnerStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(PartnerStatus::parse("lost"), None);
    }

    fn order(state: OrderState, payment: Option<PaymentState>, reference: bool) -> Order {
        let inr = Money::inr;
        Order {
            id: uuid::Uuid::now_v7(),
            store_id: StoreId::new(),
            state,
            channel: "app".into(),
            idempotency_key: "k".into(),
            customer_lat: 0.0,
            customer_lon: 0.0,
            contact: "c".into(),
            distance_m: 0,
            lines: Vec::new(),
            total: inr(50_000),
            packed_total: Some(inr(42_000)),
            picker: None,
            pack_stats: None,
            created_at: Timestamp::now(),
            confirmed_at: None,
            due_at: None,
            cancel_reason: None,
            transitions: Vec::new(),
            payment: payment.map(|state| OrderPayment {
                gateway_ref: "pay_1".into(),
                authorized: inr(50_000),
                state,
                captured: (state == PaymentState::Captured).then_some(inr(42_000)),
                refunded: None,
            }),
            delivery: reference.then(|| OrderDelivery {
                reference: Some("R-1".into()),
                ..OrderDelivery::default()
            }),
        }
    }

    #[test]
    fn a_packed_order_is_paid_for_then_handed_over() {
        use OrderState::*;
        use PaymentState::*;
        assert_eq!(
            next_work(&order(Packed, Some(Authorized), false)),
            Work::Pay(PaymentOp::Capture, Money::inr(42_000)),
            "the packed total, not the authorisation"
        );
        assert_eq!(
            next_work(&order(Packed, Some(Captured), false)),
            Work::RequestPickup
        );
        assert_eq!(next_work(&order(Packed, None, false)), Work::RequestPickup);
        assert_eq!(
            next_work(&order(Packed, Some(Failed), false)),
            Work::Nothing
        );
        assert_eq!(next_work(&order(Packed, None, true)), Work::Nothing);
        assert_eq!(
            next_work(&order(Delivered, Some(Captured), true)),
            Work::Close
        );
        assert_eq!(next_work(&order(Delivered, None, true)), Work::Close);
        assert_eq!(next_work(&order(Delivered, None, false)), Work::Nothing);
        assert_eq!(
            next_work(&order(Picking, Some(Authorized), false)),
            Work::Nothing
        );
    }

    #[test]
    fn a_cancelled_order_is_voided_or_refunded() {
        use PaymentState::*;
        let cancelled = |p| next_work(&order(OrderState::Cancelled, Some(p), false));
        assert_eq!(
            cancelled(Authorized),
            Work::Pay(PaymentOp::Void, Money::inr(50_000))
        );
        assert_eq!(
            cancelled(Captured),
            Work::Pay(PaymentOp::Refund, Money::inr(42_000))
        );
        for settled in [Voided, Refunded, Failed] {
            assert_eq!(cancelled(settled), Work::Nothing);
        }
        assert_eq!(
            next_work(&order(OrderState::Cancelled, None, false)),
            Work::Nothing
        );
    }

    #[test]
    fn capture_is_never_more_than_authorised() {
        let (a, b) = (Money::inr(100), Money::inr(150));
        assert_eq!(capture_amount(a, b), a);
        assert_eq!(capture_amount(b, a), a);
        assert_eq!(PaymentOp::Capture.key(uuid::Uuid::nil()).len(), 36 + 8);
    }
}
