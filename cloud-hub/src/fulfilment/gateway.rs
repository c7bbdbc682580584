//! The payment gateway: [`PaymentGateway`] is what the hand-over task asks of
//! one (capture, refund, void an authorised payment), [`HttpGateway`] the
//! client of a Razorpay-like REST API, with HTTP basic auth (key id and
//! secret) and an `Idempotency-Key` header on every operation:
//!
//! - `POST {base_url}/payments/{id}/capture` `{"amount": minor, "currency": "INR"}`;
//!   capturing less than was authorised releases the rest at the gateway.
//! - `POST {base_url}/payments/{id}/refund` `{"amount": minor}`.
//! - `POST {base_url}/payments/{id}/void` `{}`: releases an authorisation
//!   nothing was captured from.
//!
//! Each answers with the payment or refund as JSON carrying its `id`.

use super::client::{self, Failure};
use pos_shared::{Money, Secret};
use serde::Deserialize;
use std::time::Duration;

/// A gateway as the hub's config names it.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    pub base_url: reqwest::Url,
    pub key_id: String,
    pub key_secret: Secret,
    pub timeout: Duration,
}

/// What the gateway answered: the id of the payment (capture, void) or of
/// the refund.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GatewayReceipt {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// No answer, or one saying to come back later; retrying with the same
    /// idempotency key is safe.
    #[error("the payment gateway is unavailable: {0}")]
    Unavailable(String),
    /// Refused for good: declined, expired, already settled otherwise.
    #[error("the payment gateway declined (HTTP {status}): {detail}")]
    Declined { status: u16, detail: String },
    /// A success whose body has no id: whether it happened is unknown, so
    /// it is retried under the same key.
    #[error("the payment gateway's answer is not understood: {0}")]
    BadAnswer(String),
}

impl GatewayError {
    /// No retry can change it.
    pub fn permanent(&self) -> bool {
        matches!(self, GatewayError::Declined { .. })
    }
}

impl From<Failure> for GatewayError {
    fn from(failure: Failure) -> Self {
        let transient = failure.transient();
        match failure {
            Failure::Transport(e) => GatewayError::Unavailable(e),
            Failure::Status { status, detail } if transient => {
                GatewayError::Unavailable(format!("HTTP {status}: {detail}"))
            }
            Failure::Status { status, detail } => GatewayError::Declined { status, detail },
        }
    }
}

/// A payment gateway, as the hand-over task uses one. `key` is the
/// operation's idempotency key: the same key again is the same operation.
#[async_trait::async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Takes `amount` of the authorised payment, releasing the rest.
    async fn capture(
        &self,
        payment_ref: &str,
        amount: Money,
        key: &str,
    ) -> Result<GatewayReceipt, GatewayError>;
    /// Gives back `amount` of a captured payment.
    async fn refund(
        &self,
        payment_ref: &str,
        amount: Money,
        key: &str,
    ) -> Result<GatewayReceipt, GatewayError>;
    /// Releases an authorisation nothing was captured from.
    async fn void(&self, payment_ref: &str, key: &str) -> Result<GatewayReceipt, GatewayError>;
}

/// The gateway's REST API over HTTPS (rustls).
pub struct HttpGateway {
    config: GatewayConfig,
    http: reqwest::Client,
}

impl HttpGateway {
    pub fn new(config: &GatewayConfig) -> Result<Self, String> {
        Ok(HttpGateway {
            config: config.clone(),
            http: client::http_client(config.timeout)?,
        })
    }

    async fn post(
        &self,
        payment_ref: &str,
        action: &str,
        body: serde_json::Value,
        key: &str,
    ) -> Result<GatewayReceipt, GatewayError> {
        let url = client::endpoint(&self.config.base_url, &["payments", payment_ref, action]);
        let answer = client::send(|| {
            self.http
                .post(url.clone())
                .basic_auth(&self.config.key_id, Some(self.config.key_secret.expose()))
                .header("Idempotency-Key", key)
                .json(&body)
        })
        .await?;
        let receipt: GatewayReceipt =
            serde_json::from_slice(&answer).map_err(|e| GatewayError::BadAnswer(e.to_string()))?;
        if receipt.id.trim().is_empty() {
            return Err(GatewayError::BadAnswer("the id is empty".into()));
        }
        Ok(receipt)
    }
}

#[async_trait::async_trait]
impl PaymentGateway for HttpGateway {
    async fn capture(
        &self,
        payment_ref: &str,
        amount: Money,
        key: &str,
    ) -> Result<GatewayReceipt, GatewayError> {
        let body =
            serde_json::json!({"amount": amount.minor(), "currency": amount.currency().as_str()});
        self.post(payment_ref, "capture", body, key).await
    }

    async fn refund(
        &self,
        payment_ref: &str,
        amount: Money,
        key: &str,
    ) -> Result<GatewayReceipt, GatewayError> {
        self.post(
            payment_ref,
            "refund",
            serde_json::json!({"amount": amount.minor()}),
            key,
        )
        .await
    }

    async fn void(&self, payment_ref: &str, key: &str) -> Result<GatewayReceipt, GatewayError> {
        self.post(payment_ref, "void", serde_json::json!({}), key)
            .await
    }
}
