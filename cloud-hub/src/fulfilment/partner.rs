//! The delivery partner: [`DeliveryPartner`] is what the hand-over task asks
//! of one (collect a packed order; call it off), [`HttpPartner`] the client of
//! a partner's assignment API:
//!
//! - `POST {base_url}/deliveries` with `Authorization: Bearer {api_key}`,
//!   `Idempotency-Key: {order id}` and a [`PickupRequest`] as JSON; the
//!   answer is `{"reference": "…", "eta": "RFC 3339"?}`.
//! - `POST {base_url}/deliveries/{reference}/cancel`.
//!
//! The partner's reports come back signed to `POST /v1/delivery/callbacks/{name}`.

use super::client::{self, Failure};
use crate::domain::orders::Order;
use crate::domain::stores::Store;
use crate::signatures::WebhookSecret;
use pos_shared::{Money, Secret, StoreId, Timestamp};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A partner as the hub's config names it.
#[derive(Debug, Clone)]
pub struct PartnerConfig {
    /// In actors (`partner:<name>`) and the callback path: lowercase
    /// letters, digits, `-` and `_`.
    pub name: String,
    pub base_url: reqwest::Url,
    pub api_key: Secret,
    /// Signs the partner's callbacks.
    pub webhook_secret: WebhookSecret,
    /// For each request to the partner.
    pub timeout: Duration,
}

/// A place: latitude and longitude in degrees.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    pub lat: f64,
    pub lon: f64,
}

/// The store a rider collects from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PickupStore {
    pub id: StoreId,
    pub name: String,
    #[serde(flatten)]
    pub place: Place,
}

/// Where the rider takes it and whom to call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DropOff {
    #[serde(flatten)]
    pub place: Place,
    pub contact: String,
}

/// What the partner is asked to collect: the JSON body of the request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PickupRequest {
    pub order_id: uuid::Uuid,
    pub store: PickupStore,
    pub customer: DropOff,
    /// What was packed, at order prices.
    pub packed_total: Money,
    /// Lines packed.
    pub items_count: u32,
    /// Cash the rider collects: the packed total when the order was not paid
    /// online, absent when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collect_on_delivery: Option<Money>,
}

impl PickupRequest {
    /// The request for a packed `order` of `store`; `None` when the store
    /// has no place set (it cannot be collected from).
    pub fn for_order(order: &Order, store: &Store) -> Option<PickupRequest> {
        let at = store.fulfilment?;
        let packed_total = order.packed_total.unwrap_or(order.total);
        Some(PickupRequest {
            order_id: order.id,
            store: PickupStore {
                id: store.id,
                name: store.name.clone(),
                place: Place {
                    lat: at.lat,
                    lon: at.lon,
                },
            },
            customer: DropOff {
                place: Place {
                    lat: order.customer_lat,
                    lon: order.customer_lon,
                },
                contact: order.contact.clone(),
            },
            packed_total,
            items_count: u32::try_from(order.lines.len()).unwrap_or(u32::MAX),
            collect_on_delivery: order.payment.is_none().then_some(packed_total),
        })
    }
}

/// The partner's answer: its delivery reference and when it expects to
/// deliver.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PartnerAssignment {
    pub reference: String,
    #[serde(default)]
    pub eta: Option<Timestamp>,
}

/// Why the partner did not take a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartnerError {
    /// No answer, or one saying to come back later (5xx, 408, 429).
    #[error("the delivery partner is unavailable: {0}")]
    Unavailable(String),
    /// Refused (4xx): the request or the credentials are wrong.
    #[error("the delivery partner refused the request (HTTP {status}): {detail}")]
    Refused { status: u16, detail: String },
    /// A success whose body is not an assignment.
    #[error("the delivery partner's answer is not understood: {0}")]
    BadAnswer(String),
}

impl From<Failure> for PartnerError {
    fn from(failure: Failure) -> Self {
        let transient = failure.transient();
        match failure {
            Failure::Transport(e) => PartnerError::Unavailable(e),
            Failure::Status { status, detail } if transient => {
                PartnerError::Unavailable(format!("HTTP {status}: {detail}"))
            }
            Failure::Status { status, detail } => PartnerError::Refused { status, detail },
        }
    }
}

/// A delivery partner, as the hand-over task uses one.
#[async_trait::async_trait]
pub trait DeliveryPartner: Send + Sync {
    /// The name actors and callbacks carry.
    fn name(&self) -> &str;

    /// Asks the partner to collect an order. Asking again for the same order
    /// is safe: the request carries the order id as its idempotency key.
    async fn request_pickup(
        &self,
        request: &PickupRequest,
    ) -> Result<PartnerAssignment, PartnerError>;

    /// Calls a delivery off (the order went elsewhere meanwhile).
    async fn cancel_pickup(&self, reference: &str) -> Result<(), PartnerError>;
}

/// The partner's assignment API over HTTPS (rustls).
pub struct HttpPartner {
    name: String,
    base_url: reqwest::Url,
    api_key: Secret,
    http: reqwest::Client,
}

impl HttpPartner {
    pub fn new(config: &PartnerConfig) -> Result<Self, String> {
        Ok(HttpPartner {
            name: config.name.clone(),
            base_url: config.base_url.clone(),
            api_key: config.api_key.clone(),
            http: client::http_client(config.timeout)?,
        })
    }
}

#[async_trait::async_trait]
impl DeliveryPartner for HttpPartner {
    fn name(&self) -> &str {
        &self.name
    }

    async fn request_pickup(
        &self,
        request: &PickupRequest,
    ) -> Result<PartnerAssignment, PartnerError> {
        let url = client::endpoint(&self.base_url, &["deliveries"]);
        let body = client::send(|| {
            self.http
                .post(url.clone())
                .bearer_auth(self.api_key.expose())
                .header("Idempotency-Key", request.order_id.to_string())
                .json(request)
        })
        .await?;
        let assignment: PartnerAssignment =
            serde_json::from_slice(&body).map_err(|e| PartnerError::BadAnswer(e.to_string()))?;
        let reference = assignment.reference.trim();
        if reference.is_empty() || reference.chars().count() > 200 {
            return Err(PartnerError::BadAnswer(
                "the reference is empty or longer than 200 characters".into(),
            ));
        }
        Ok(PartnerAssignment {
            reference: reference.to_owned(),
            eta: assignment.eta,
        })
    }

    async fn cancel_pickup(&self, reference: &str) -> Result<(), PartnerError> {
        let url = client::endpoint(&self.base_url, &["deliveries", reference, "cancel"]);
        client::send(|| {
            self.http
                .post(url.clone())
                .bearer_auth(self.api_key.expose())
                .json(&serde_json::json!({}))
        })
        .await?;
        Ok(())
    }
}
