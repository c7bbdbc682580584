//! One try of one event at one subscriber: the body as Standard Webhooks
//! lays it out, signed with every secret that signs now, POSTed with the
//! configured timeout. Redirects are not followed (a subscriber's URL is the
//! one HQ gave), so only a 2xx answer counts as delivered.

use crate::domain::subscriptions::OutboundEvent;
use crate::signatures::{self, WebhookSecret};
use std::time::{Duration, Instant};

/// How much of a refusal's body is kept with the error.
const DETAIL_BYTES: usize = 300;

/// How a try went.
#[derive(Debug, Clone)]
pub struct Sent {
    pub status: Option<u16>,
    pub latency_ms: u64,
    /// `None` for a 2xx answer.
    pub error: Option<String>,
}

/// The HTTP client the delivery task sends with.
#[derive(Clone)]
pub struct Sender {
    http: reqwest::Client,
}

impl Sender {
    pub fn new(timeout: Duration) -> Result<Sender, String> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("pos-hub-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the webhook HTTP client: {e}"))?;
        Ok(Sender { http })
    }

    /// POSTs `event` to `url`, signed with each of `secrets`.
    pub async fn send(&self, url: &str, event: &OutboundEvent, secrets: &[&WebhookSecret]) -> Sent {
        let body = event.body();
        let id = event.event_id.to_string();
        // Signed at each try: a receiver refuses timestamps over 5 minutes
        // old, and a retry may come hours after the event.
        let now = pos_shared::Timestamp::now().unix_millis().div_euclid(1000);
        let signature = signatures::sign_all(secrets, &id, now, &body);
        let started = Instant::now();
        let answer = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(signatures::ID_HEADER, &id)
            .header(signatures::TIMESTAMP_HEADER, now.to_string())
            .header(signatures::SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await;
        let mut response = match answer {
            Ok(response) => response,
            Err(e) => {
                return Sent {
                    status: None,
                    latency_ms: elapsed_ms(started),
                    error: Some(transport_error(&e)),
                }
            }
        };
        let status = response.status();
        // Enough of the body to say why, and no more: a subscriber's error
        // page is not ours to store whole.
        let mut detail = Vec::new();
        if !status.is_success() {
            while let Ok(Some(chunk)) = response.chunk().await {
                detail.extend_from_slice(&chunk);
                if detail.len() >= DETAIL_BYTES {
                    break;
                }
            }
        }
        let latency_ms = elapsed_ms(started);
        let error = (!status.is_success()).then(|| {
            let text = String::from_utf8_lossy(&detail[..detail.len().min(DETAIL_BYTES)])
                .trim()
                .to_owned();
            if text.is_empty() {
                format!("HTTP {}", status.as_u16())
            } else {
                format!("HTTP {}: {text}", status.as_u16())
            }
        });
        Sent {
            status: Some(status.as_u16()),
            latency_ms,
            error,
        }
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// What went wrong without an answer, said plainly.
fn transport_error(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "no answer within the timeout"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    };
    // The source chain says why (refused, reset, DNS).
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    if cause.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {cause}")
    }
}
