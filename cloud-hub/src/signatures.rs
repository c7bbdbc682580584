//! Signed webhooks, Standard Webhooks style: the sender puts `webhook-id`,
//! `webhook-timestamp` (Unix seconds) and `webhook-signature` on the request,
//! the last a space-separated list of `v1,<base64 HMAC-SHA256>` over
//! `"{id}.{timestamp}.{body}"` with a shared secret. A request passes when its
//! timestamp is within the tolerance of now and any one listed signature
//! matches (senders list several while they rotate secrets).
//!
//! Used by the delivery partner's callbacks (`http/delivery.rs`) and written
//! to be reused by any other inbound webhook; the caller deduplicates by
//! `webhook-id` itself, since only it knows where that is stored. Outbound,
//! the hub signs the events it sends to HQ's subscribers (`events_out`) with
//! [`sign_all`] and secrets from [`WebhookSecret::generate`].

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Five minutes either way: the Standard Webhooks recommendation, wide enough
/// for clock drift, narrow enough that a captured request cannot be replayed
/// for long (and within it the `webhook-id` is remembered).
pub const TOLERANCE_SECS: i64 = 300;

pub const ID_HEADER: &str = "webhook-id";
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
pub const SIGNATURE_HEADER: &str = "webhook-signature";

type HmacSha256 = Hmac<Sha256>;

/// A signing secret: `whsec_` and base64 as Standard Webhooks secrets are
/// given (the prefix is optional, as in the reference libraries).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(…)")
    }
}

impl WebhookSecret {
    /// Reads `whsec_<base64>` or `<base64>`; a secret too short to be one
    /// (under 16 bytes) is refused rather than trusted.
    pub fn parse(text: &str) -> Result<Self, String> {
        let encoded = text.trim().strip_prefix("whsec_").unwrap_or(text.trim());
        let key = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|e| format!("the secret is not base64 (optionally after whsec_): {e}"))?;
        if key.len() < 16 {
            return Err("the secret is shorter than 16 bytes".into());
        }
        Ok(WebhookSecret(key))
    }

    /// A new random secret (24 bytes) and its `whsec_…` text, shown to the
    /// receiver once.
    pub fn generate() -> (Self, String) {
        let mut key = [0u8; 24];
        getrandom::fill(&mut key).expect("the operating system's random source is unavailable");
        let text = format!(
            "whsec_{}",
            base64::engine::general_purpose::STANDARD.encode(key)
        );
        (WebhookSecret(key.to_vec()), text)
    }

    fn mac(&self, id: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
        // HMAC takes a key of any length: this cannot fail.
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `v1,<base64>` signature of one request, as a sender writes it.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self
            .mac(id, &timestamp.to_string(), body)
            .finalize()
            .into_bytes();
        format!(
            "v1,{}",
            base64::engine::general_purpose::STANDARD.encode(tag)
        )
    }
}

/// The `webhook-signature` header of an outbound request: one `v1,…` per
/// secret, space-separated (the newest first; the one before it while a
/// rotation lets receivers switch).
pub fn sign_all(secrets: &[&WebhookSecret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|s| s.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a request's signature is refused, naming the header at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A header is absent or not text.
    Missing(&'static str),
    /// `webhook-timestamp` is not whole seconds.
    BadTimestamp,
    /// The timestamp is further from now than the tolerance.
    Stale { skew_secs: i64 },
    /// No listed signature matches (or none is `v1`).
    NoMatch,
}

impl Refusal {
    /// The header a problem body names.
    pub fn header(&self) -> &'static str {
        match self {
            Refusal::Missing(h) => h,
            Refusal::BadTimestamp | Refusal::Stale { .. } => TIMESTAMP_HEADER,
            Refusal::NoMatch => SIGNATURE_HEADER,
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Missing(h) => write!(f, "the {h} header is missing"),
            Refusal::BadTimestamp => write!(f, "{TIMESTAMP_HEADER} is not Unix seconds"),
            Refusal::Stale { skew_secs } => {
                let (by, when) = if *skew_secs >= 0 {
                    (*skew_secs, "in the past")
                } else {
                    (-skew_secs, "in the future")
                };
                write!(
                    f,
                    "{TIMESTAMP_HEADER} is {by} s {when}; at most {TOLERANCE_SECS} s either way is accepted"
                )
            }
            Refusal::NoMatch => write!(
                f,
                "no signature in {SIGNATURE_HEADER} matches the body with this endpoint's secret"
            ),
        }
    }
}

/// The three headers as received (`None` when absent).
#[derive(Debug, Clone, Copy)]
pub struct Headers<'a> {
    pub id: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
}

impl<'a> Headers<'a> {
    pub fn from_map(map: &'a axum::http::HeaderMap) -> Self {
        let text = |name: &str| map.get(name).and_then(|v| v.to_str().ok());
        Headers {
            id: text(ID_HEADER),
            timestamp: text(TIMESTAMP_HEADER),
            signature: text(SIGNATURE_HEADER),
        }
    }
}

/// Checks a request signed by `secret`, at `now_secs` (Unix seconds); the
/// verified `webhook-id` on success.
pub fn verify<'a>(
    secret: &WebhookSecret,
    headers: Headers<'a>,
    body: &[u8],
    now_secs: i64,
) -> Result<&'a str, Refusal> {
    verify_any(std::slice::from_ref(secret), headers, body, now_secs)
}

/// [`verify`] against any of `secrets` (a sender's current secret and, while
/// it rotates, the one before).
pub fn verify_any<'a>(
    secrets: &[WebhookSecret],
    headers: Headers<'a>,
    body: &[u8],
    now_secs: i64,
) -> Result<&'a str, Refusal> {
    let id = headers
        .id
        .filter(|i| !i.is_empty())
        .ok_or(Refusal::Missing(ID_HEADER))?;
    let raw_ts = headers
        .timestamp
        .ok_or(Refusal::Missing(TIMESTAMP_HEADER))?;
    let listed = headers
        .signature
        .ok_or(Refusal::Missing(SIGNATURE_HEADER))?;
    let ts: i64 = raw_ts.trim().parse().map_err(|_| Refusal::BadTimestamp)?;
    let skew = now_secs.saturating_sub(ts);
    if skew.abs() > TOLERANCE_SECS {
        return Err(Refusal::Stale { skew_secs: skew });
    }
    let expected: Vec<HmacSha256> = secrets
        .iter()
        .map(|s| s.mac(id, raw_ts.trim(), body))
        .collect();
    for entry in listed.split(' ').filter(|s| !s.is_empty()) {
        let Some(("v1", encoded)) = entry.split_once(',') else {
            continue;
        };
        let Ok(tag) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
            continue;
        };
        // Constant time: a timing difference must not reveal the tag.
        if expected
            .iter()
            .any(|mac| mac.clone().verify_slice(&tag).is_ok())
        {
            return Ok(id);
        }
    }
    Err(Refusal::NoMatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The Standard Webhooks test vector (the reference libraries' tests).
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TS: i64 = 1_614_265_330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn headers<'a>(id: &'a str, ts: &'a str, sig: &'a str) -> Headers<'a> {
        Headers {
            id: Some(id),
            timestamp: Some(ts),
            signature: Some(sig),
        }
    }

    #[test]
    fn the_spec_vector_signs_and_verifies() {
        let secret = WebhookSecret::parse(SPEC_SECRET).unwrap();
        assert_eq!(secret.sign(SPEC_ID, SPEC_TS, SPEC_BODY), SPEC_SIGNATURE);
        let ts = SPEC_TS.to_string();
        let h = headers(SPEC_ID, &ts, SPEC_SIGNATURE);
        assert_eq!(verify(&secret, h, SPEC_BODY, SPEC_TS + 10), Ok(SPEC_ID));
        // The prefix is optional.
        let bare = WebhookSecret::parse(&SPEC_SECRET["whsec_".len()..]).unwrap();
        assert_eq!(bare, secret);
    }

    #[test]
    fn a_vector_computed_by_python_hmac_verifies() {
        // python3: base64.b64encode(hmac.new(b"hub-partner-secret-0123456789abc",
        //   b'msg_2.1700000000.{"reference":"R-1","status":"delivered"}',
        //   hashlib.sha256).digest())
        let secret =
            WebhookSecret::parse("whsec_aHViLXBhcnRuZXItc2VjcmV0LTAxMjM0NTY3ODlhYmM=").unwrap();
        let body = br#"{"reference":"R-1","status":"delivered"}"#;
        let sig = "v1,6RswBAKdlRUCSMOWtIHCJZn/r2qtpRuJGDhmuImgnag=";
        assert_eq!(secret.sign("msg_2", 1_700_000_000, body), sig);
        assert!(verify(
            &secret,
            headers("msg_2", "1700000000", sig),
            body,
            1_700_000_000
        )
        .is_ok());
    }

    #[test]
    fn any_one_of_several_signatures_is_enough() {
        let secret = WebhookSecret::parse(SPEC_SECRET).unwrap();
        let ts = SPEC_TS.to_string();
        let list = format!("v1,bm9wZQ== v2,whatever v1,!!! {SPEC_SIGNATURE}");
        assert!(verify(&secret, headers(SPEC_ID, &ts, &list), SPEC_BODY, SPEC_TS).is_ok());
        let only_wrong = "v1,bm9wZQ== v1a,x";
        assert_eq!(
            verify(
                &secret,
                headers(SPEC_ID, &ts, only_wrong),
                SPEC_BODY,
                SPEC_TS
            ),
            Err(Refusal::NoMatch)
        );
    }

    #[test]
    fn a_changed_body_id_timestamp_or_secret_fails() {
        let secret = WebhookSecret::parse(SPEC_SECRET).unwrap();
        let ts = SPEC_TS.to_string();
        let refused = |secret: &WebhookSecret, id: &str, ts: &str, body: &[u8]| {
            verify(secret, headers(id, ts, SPEC_SIGNATURE), body, SPEC_TS).map(str::to_owned)
        };
        assert_eq!(
            refused(&secret, SPEC_ID, &ts, br#"{"test": 2432232315}"#),
            Err(Refusal::NoMatch)
        );
        assert_eq!(
            refused(&secret, "msg_other", &ts, SPEC_BODY),
            Err(Refusal::NoMatch)
        );
        let next = (SPEC_TS + 1).to_string();
        assert_eq!(
            refused(&secret, SPEC_ID, &next, SPEC_BODY),
            Err(Refusal::NoMatch)
        );
        let other =
            WebhookSecret::parse("whsec_aHViLXBhcnRuZXItc2VjcmV0LTAxMjM0NTY3ODlhYmM=").unwrap();
        assert_eq!(
            refused(&other, SPEC_ID, &ts, SPEC_BODY),
            Err(Refusal::NoMatch)
        );
    }

    #[test]
    fn timestamps_outside_five_minutes_are_stale_either_way() {
        let secret = WebhookSecret::parse(SPEC_SECRET).unwrap();
        let ts = SPEC_TS.to_string();
        let h = headers(SPEC_ID, &ts, SPEC_SIGNATURE);
        assert!(verify(&secret, h, SPEC_BODY, SPEC_TS + 300).is_ok());
        assert!(verify(&secret, h, SPEC_BODY, SPEC_TS - 300).is_ok());
        assert_eq!(
            verify(&secret, h, SPEC_BODY, SPEC_TS + 301),
            Err(Refusal::Stale { skew_secs: 301 })
        );
        assert_eq!(
            verify(&secret, h, SPEC_BODY, SPEC_TS - 301),
            Err(Refusal::Stale { skew_secs: -301 })
        );
        assert_eq!(Refusal::Stale { skew_secs: 1 }.header(), TIMESTAMP_HEADER);
    }

    #[test]
    fn missing_or_malformed_headers_name_the_header() {
        let secret = WebhookSecret::parse(SPEC_SECRET).unwrap();
        let none = Headers {
            id: None,
            timestamp: None,
            signature: None,
        };
        assert_eq!(
            verify(&secret, none, SPEC_BODY, SPEC_TS),
            Err(Refusal::Missing(ID_HEADER))
        );
        let no_sig = Headers {
            signature: None,
            ..headers(SPEC_ID, "1", "")
        };
        assert_eq!(
            verify(&secret, no_sig, SPEC_BODY, 1).unwrap_err().header(),
            SIGNATURE_HEADER
        );
        assert_eq!(
            verify(
                &secret,
                headers(SPEC_ID, "soon", SPEC_SIGNATURE),
                SPEC_BODY,
                1
            ),
            Err(Refusal::BadTimestamp)
        );
    }

    #[test]
    fn generated_secrets_read_back_and_sign_with_every_key() {
        let (secret, text) = WebhookSecret::generate();
        assert!(text.starts_with("whsec_"), "{text}");
        assert_eq!(WebhookSecret::parse(&text).unwrap(), secret);
        assert_ne!(WebhookSecret::generate().1, text);
        let spec = WebhookSecret::parse(SPEC_SECRET).unwrap();
        let both = sign_all(&[&secret, &spec], SPEC_ID, SPEC_TS, SPEC_BODY);
        let (first, second) = both.split_once(' ').unwrap();
        assert_eq!(
            second, SPEC_SIGNATURE,
            "the spec vector, signed beside another key"
        );
        assert_eq!(first, secret.sign(SPEC_ID, SPEC_TS, SPEC_BODY));
        let ts = SPEC_TS.to_string();
        for key in [&secret, &spec] {
            assert!(verify(key, headers(SPEC_ID, &ts, &both), SPEC_BODY, SPEC_TS).is_ok());
        }
    }

    #[test]
    fn secrets_must_be_base64_and_long_enough() {
        assert!(WebhookSecret::parse("whsec_not base64!").is_err());
        assert!(WebhookSecret::parse("whsec_c2hvcnQ=").is_err());
        assert!(!format!("{:?}", WebhookSecret::parse(SPEC_SECRET).unwrap()).contains("MfKQ"));
    }
}
