//! [`ReceiptSender`]: the one boundary a receipt message leaves the till
//! through, a provider's HTTP API, and what its failures mean for a retry.

use crate::store::e_receipts::Channel;
use futures_util::future::BoxFuture;
use std::time::Duration;

/// What the provider said when it took a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The provider's id for the message (`wamid.…`, `SM…`), when it gave one.
    pub provider_message_id: Option<String>,
}

/// Why a send did not go through, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The provider refused the message for good (a wrong number, a bad
    /// token, a template rule): trying again sends nothing.
    #[error("{0}")]
    Permanent(String),
    /// The provider could not be reached or was unwell (no network,
    /// timeouts, 5xx, 429): the next try may go through.
    #[error("{0}")]
    Retryable(String),
}

impl SendError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }
}

/// Sends a text to a mobile number on one channel. Implementations call a
/// provider with a timeout on every request and never log their secrets.
pub trait ReceiptSender: Send + Sync {
    /// The channel this provider sends on.
    fn channel(&self) -> Channel;
    /// Sends `body` to `to` (E.164, `+91…`).
    fn send<'a>(
        &'a self,
        to: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Delivered, SendError>>;
}

/// The HTTP client every provider uses: rustls, and a deadline on every
/// call (connecting included), so a provider that hangs costs one try.
pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .build()
        .map_err(|e| format!("cannot build the messaging HTTP client: {e}"))
}

/// A failure to get an answer at all: always worth another try.
pub(crate) fn unreachable(provider: &str, e: &reqwest::Error) -> SendError {
    let why = if e.is_timeout() {
        "did not answer in time".to_owned()
    } else if e.is_connect() {
        "could not be reached (is the till online?)".to_owned()
    } else {
        format!("could not be asked: {e}")
    };
    SendError::Retryable(format!("{provider} {why}"))
}

/// An answer that is not a success: 4xx are the message's fault (kept as
/// permanent) except 408 and 429, which are the provider asking for time;
/// 5xx are the provider's, worth a retry.
pub(crate) fn refused(provider: &str, status: reqwest::StatusCode, why: String) -> SendError {
    let text = format!(
        "{provider} refused the message (HTTP {}): {why}",
        status.as_u16()
    );
    if status.is_client_error() && status != 408 && status != 429 {
        SendError::Permanent(text)
    } else {
        SendError::Retryable(text)
    }
}
