//! Credentials: HQ API keys, HQ users' session tokens, device tokens and
//! one-time enrollment codes.
//!
//! Secrets are random, shown once, and stored only as SHA-256 hashes, so a copy of
//! the database does not let anyone act as HQ or as a till. The extractors turn a
//! bearer token into the tenant or device it belongs to, or a 401 problem.

use crate::domain::stores::DeviceIdentity;
use crate::http::AppState;
use crate::roles::{need_for, store_in_path, Grant};
use crate::storage::DbError;
use axum::extract::{FromRequestParts, MatchedPath};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::StatusCode;
use pos_shared::http::ApiError;
use pos_shared::{StoreId, TenantId, Timestamp};
use sha2::{Digest, Sha256};

/// Letters that cannot be misread when typed from a screen (Crockford base32).
const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the operating system's random source is unavailable");
    buf
}

/// A new secret such as `hq_3f9a…` (192 bits of randomness).
pub fn new_secret(prefix: &str) -> String {
    let hex: String = random_bytes::<24>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{prefix}_{hex}")
}

/// A one-time enrollment code such as `7K2M-Q9XD-4HRT` (60 bits), typed at a till.
pub fn new_enrollment_code() -> String {
    let chars: Vec<char> = random_bytes::<12>()
        .iter()
        .map(|b| char::from(CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()]))
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Codes are compared without case, dashes or spaces, as people type them.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

pub fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn bearer(parts: &Parts, what: &str) -> Result<String, ApiError> {
    let value = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::unauthorized(format!("send the {what} as Authorization: Bearer <token>"))
        })?;
    value
        .strip_prefix("Bearer ")
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized(format!("the Authorization header must be Bearer <{what}>"))
        })
}

/// An HQ caller, authenticated by API key or by a signed-in user's session
/// token, and allowed this route by its role and store limits; every HQ
/// handler is scoped by its tenant.
pub struct Hq {
    pub tenant: TenantId,
    pub grant: Grant,
    /// When the session ends, for a signed-in user.
    pub session_expires: Option<Timestamp>,
}

/// Session tokens are told from API keys (`hq_…`) by their prefix.
pub const SESSION_PREFIX: &str = "hqs";

async fn hq_grant(state: &AppState, token: &str) -> Result<(Grant, Option<Timestamp>), ApiError> {
    let hash = hash_secret(token);
    if token.starts_with(&format!("{SESSION_PREFIX}_")) {
        return match state.storage.session_grant(&hash).await {
            Ok((grant, expires)) => Ok((grant, Some(expires))),
            Err(DbError::NotFound(_)) => Err(ApiError::unauthorized(
                "the session token is not recognised; sign in again",
            )),
            Err(DbError::State { detail, .. }) => Err(ApiError::unauthorized(detail)),
            Err(e) => Err(ApiError::internal(e)),
        };
    }
    match state.storage.api_key_grant(&hash).await {
        Ok(grant) => Ok((grant, None)),
        Err(DbError::NotFound(_)) => Err(ApiError::unauthorized(
            "the API key is not recognised or was revoked",
        )),
        Err(e) => Err(ApiError::internal(e)),
    }
}

fn forbidden(detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", detail)
}

impl Hq {
    /// Refuses a key limited to other stores (for routes whose store is not
    /// in their path: a reservation's, a staff member's).
    pub fn check_store(&self, store: StoreId) -> Result<(), ApiError> {
        if self.grant.reaches(store) {
            Ok(())
        } else {
            Err(
                forbidden(format!("this key is limited to other stores than {store}"))
                    .with_field("store_id"),
            )
        }
    }
}

impl FromRequestParts<AppState> for Hq {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts, "API key or session token")?;
        let (grant, session_expires) = hq_grant(state, &token).await?;
        crate::acting::set(grant.actor.source());
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .map(|m| m.as_str().to_owned())
            .unwrap_or_default();
        grant
            .allows(need_for(&parts.method, &route))
            .map_err(forbidden)?;
        let hq = Hq {
            tenant: grant.tenant,
            grant,
            session_expires,
        };
        // A path id that is not a UUID is the handler's 400 to give.
        if let Some(store) = store_in_path(&route, parts.uri.path()).and_then(|s| s.parse().ok()) {
            hq.check_store(store)?;
        }
        Ok(hq)
    }
}

/// An enrolled terminal, authenticated by its device token.
pub struct Device(pub DeviceIdentity);

impl FromRequestParts<AppState> for Device {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts, "device token")?;
        match state.storage.device_for_token(&hash_secret(&token)).await {
            Ok(identity) => {
                crate::acting::set(format!("terminal:{}", identity.terminal_id));
                Ok(Device(identity))
            }
            Err(DbError::NotFound(_)) => {
                let revoked = state
                    .storage
                    .token_revoked_at(&hash_secret(&token))
                    .await
                    .map_err(ApiError::internal)?;
                Err(match revoked {
                    Some(at) => revoked_credential(at),
                    None => ApiError::unauthorized(
                        "the device credential is not recognised by this hub (one restored from a copy older than the till's enrollment, or another hub): HQ makes the terminal again under its id (terminal_id) and the till is started with the new enrollment code",
                    ),
                })
            }
            Err(e) => Err(ApiError::internal(e)),
        }
    }
}

/// The answer to a terminal whose credential HQ revoked at `at`.
pub(crate) fn revoked_credential(at: pos_shared::Timestamp) -> ApiError {
    ApiError::unauthorized(format!(
        "HQ revoked this terminal's credential at {at}: it syncs no more; to use the machine as a till again, enroll it as a new terminal from an empty data directory with a new terminal's code"
    ))
}

/// Checks the bearer token against one the operator configured: a 404
/// naming how to turn the feature on when none is, a 401 when it is wrong.
fn operator_token(
    parts: &Parts,
    expected: Option<&str>,
    what: &str,
    off: (&'static str, &'static str),
) -> Result<(), ApiError> {
    let Some(expected) = expected else {
        return Err(ApiError::not_found(off.0, off.1));
    };
    let given = bearer(parts, what)?;
    // Compare hashes so the comparison time says nothing about the token.
    if hash_secret(&given) == hash_secret(expected) {
        Ok(())
    } else {
        Err(ApiError::unauthorized(format!("the {what} is wrong")))
    }
}

/// The operator holding the bootstrap admin token (creates tenants).
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        operator_token(
            parts,
            state.admin_token.as_deref(),
            "admin token",
            (
                "admin_disabled",
                "the admin API is off: start the hub with HUB_ADMIN_TOKEN set",
            ),
        )
        .map(|()| Admin)
    }
}

/// A metrics scraper holding the metrics token.
pub struct Scraper;

impl FromRequestParts<AppState> for Scraper {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        operator_token(
            parts,
            state.metrics_token.as_deref(),
            "metrics token",
            (
                "metrics_disabled",
                "metrics are off: start the hub with HUB_METRICS_TOKEN (metrics_token) set",
            ),
        )
        .map(|()| Scraper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enrollment_codes_are_readable_and_normalise() {
        let code = new_enrollment_code();
        assert_eq!(code.len(), 14, "{code}");
        assert_eq!(normalize_code(&code.to_lowercase()), normalize_code(&code));
        assert_eq!(normalize_code(" 7k2m-q9xd 4hrt "), "7K2MQ9XD4HRT");
    }

    #[test]
    fn secrets_are_unique_and_hashes_stable() {
        let a = new_secret("hq");
        assert!(a.starts_with("hq_") && a.len() == 51);
        assert_ne!(a, new_secret("hq"));
        assert_eq!(hash_secret("x"), hash_secret("x"));
        assert_eq!(hash_secret("abc").len(), 64);
    }
}
