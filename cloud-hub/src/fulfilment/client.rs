//! What the partner's and the gateway's HTTP clients share: one request with
//! a few quick retries of what may pass (no answer, 5xx, 408, 429), spaced by
//! `pos_shared::retry::backoff`, and failures told apart by whether a retry
//! can help. Longer outages are the hand-over task's to wait out: it records
//! the failure and tries again later.

use std::time::Duration;

/// Tries per call before the failure goes back to the task.
const TRIES: u32 = 3;
/// The longest pause between those tries.
const MAX_PAUSE: Duration = Duration::from_secs(2);
/// How much of a refusal's body is kept for the error.
const DETAIL_CHARS: usize = 300;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No answer: refused connection, timeout, reset.
    Transport(String),
    /// An answer that is not a success, with (the start of) its body.
    Status { status: u16, detail: String },
}

impl Failure {
    /// Worth trying again: the far side may be back later.
    pub(crate) fn transient(&self) -> bool {
        match self {
            Failure::Transport(_) => true,
            Failure::Status { status, .. } => *status >= 500 || *status == 408 || *status == 429,
        }
    }
}

/// An HTTP client with the configured timeout (connecting gets at most 5 s
/// of it: a host that does not answer a SYN will not answer later).
pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}

/// `base` with `segments` appended, each percent-encoded as one segment (a
/// reference with a `/` stays one segment).
pub(crate) fn endpoint(base: &reqwest::Url, segments: &[&str]) -> reqwest::Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

/// Sends the request `build` makes, retrying what may pass; the body of the
/// successful answer.
pub(crate) async fn send(build: impl Fn() -> reqwest::RequestBuilder) -> Result<Vec<u8>, Failure> {
    let mut tries = 0;
    loop {
        tries += 1;
        let outcome = match build().send().await {
            Err(e) => Err(Failure::Transport(transport_error(&e))),
            Ok(answer) => {
                let status = answer.status();
                match answer.bytes().await {
                    Err(e) => Err(Failure::Transport(transport_error(&e))),
                    Ok(body) if status.is_success() => Ok(body.to_vec()),
                    Ok(body) => Err(Failure::Status {
                        status: status.as_u16(),
                        detail: String::from_utf8_lossy(&body)
                            .chars()
                            .take(DETAIL_CHARS)
                            .collect(),
                    }),
                }
            }
        };
        match outcome {
            Err(failure) if failure.transient() && tries < TRIES => {
                tokio::time::sleep(pos_shared::retry::backoff(tries, MAX_PAUSE)).await;
            }
            other => return other,
        }
    }
}

/// The error and its cause (reqwest's own text leaves out why a connection
/// failed).
fn transport_error(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_may_pass_is_transient() {
        let status = |status| Failure::Status {
            status,
            detail: String::new(),
        };
        assert!(Failure::Transport("refused".into()).transient());
        for s in [500, 502, 503, 408, 429] {
            assert!(status(s).transient(), "{s}");
        }
        for s in [400, 401, 404, 409, 422] {
            assert!(!status(s).transient(), "{s}");
        }
    }

    #[test]
    fn endpoints_keep_the_base_path_and_encode_segments() {
        let base: reqwest::Url = "https://p.example/api/v2/".parse().unwrap();
        assert_eq!(
            endpoint(&base, &["deliveries", "a/b c", "cancel"]).as_str(),
            "https://p.example/api/v2/deliveries/a%2Fb%20c/cancel"
        );
        let bare: reqwest::Url = "http://127.0.0.1:9/".parse().unwrap();
        assert_eq!(
            endpoint(&bare, &["payments", "pay_1", "capture"]).as_str(),
            "http://127.0.0.1:9/payments/pay_1/capture"
        );
    }
}
