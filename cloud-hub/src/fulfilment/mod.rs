//! The hub's two boundaries for delivery orders, each a trait with its real
//! HTTP client beside it: the delivery partner that collects packed orders
//! ([`DeliveryPartner`], [`HttpPartner`]) and the payment gateway that takes
//! the money the channel's checkout authorised ([`PaymentGateway`],
//! [`HttpGateway`]); and the hand-over task (`handover.rs`) that drives both
//! for packed, cancelled and delivered orders, durably: its work list and
//! every outcome are in storage, so a failure is retried later and a restart
//! loses nothing.
//!
//! The rules (what comes next for an order, how much is captured) are
//! `domain::delivery`'s; the partner's inbound reports are `http/delivery.rs`.
//! Tests replace only the far side of these clients: a partner and a gateway
//! served on loopback.

mod client;
mod gateway;
pub mod handover;
mod partner;

pub use gateway::{GatewayConfig, GatewayError, GatewayReceipt, HttpGateway, PaymentGateway};
pub use partner::{
    DeliveryPartner, DropOff, HttpPartner, PartnerAssignment, PartnerConfig, PartnerError,
    PickupRequest, PickupStore, Place,
};
