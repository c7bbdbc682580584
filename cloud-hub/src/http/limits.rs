//! Rate limits, so one caller cannot crowd out the others and codes and
//! passwords cannot be guessed by trying.
//!
//! Every request counts against its caller: the credential it presents (a
//! terminal's token, an HQ key or session: the `Authorization` header, kept
//! only as a hash) or, without one, the address it comes from (a source
//! system's webhooks, sign-in). Past `requests_per_second` sustained, with
//! `burst` in hand, the caller is answered 429 with `Retry-After`; callers
//! are limited apart, so a flooding till or script slows no one else.
//!
//! Enrollment codes, sign-ins and invitations are guarded apart: only their
//! failed attempts count, against the client address, and past
//! `failed_attempts_per_minute` every such request from that address is
//! answered 429 until the allowance refills, a right guess included. A store
//! enrolling all its tills at once is never slowed.
//!
//! The counts live in this process (GCRA from `governor`): two hub processes
//! each allow the full rate. The client address is the listener's peer
//! ([`Peer`], plain or TLS alike). The health, readiness and metrics endpoints are
//! not limited, so monitoring never sees a flood's 429s.

use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use pos_shared::http::ApiError;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The limits the hub runs with; 0 turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitsConfig {
    pub requests_per_second: u32,
    pub burst: u32,
    pub failed_attempts_per_minute: u32,
}

/// Where a request came from, as the listener saw it.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

impl Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

impl Connected<axum::serve::IncomingStream<'_, crate::tls::TlsListener>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, crate::tls::TlsListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

/// Who a request is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Caller {
    /// The first 16 bytes of the SHA-256 of the `Authorization` header.
    Credential([u8; 16]),
    Address(IpAddr),
}

/// Routes where a wrong code or password can be tried again and again.
const GUESSABLE: &[&str] = &["/v1/enroll", "/v1/sessions", "/v1/invitations/accept"];
/// Routes monitoring polls: never limited.
pub(crate) const UNLIMITED: &[&str] = &["/health", "/ready", "/metrics"];
/// Every this many requests, callers not seen lately are forgotten.
const SWEEP_EVERY: u64 = 4096;

pub struct Limits {
    config: LimitsConfig,
    requests: Option<DefaultKeyedRateLimiter<Caller>>,
    failures: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Addresses past their failed attempts, until when.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    seen: AtomicU64,
}

impl Limits {
    pub fn new(config: LimitsConfig) -> Self {
        let requests = NonZeroU32::new(config.requests_per_second).map(|rate| {
            let burst = NonZeroU32::new(config.burst).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        let failures = NonZeroU32::new(config.failed_attempts_per_minute)
            .map(|n| RateLimiter::keyed(Quota::per_minute(n)));
        Limits {
            config,
            requests,
            failures,
            blocked: Mutex::default(),
            seen: AtomicU64::new(0),
        }
    }

    /// No limits at all.
    pub fn off() -> Self {
        Self::new(LimitsConfig {
            requests_per_second: 0,
            burst: 0,
            failed_attempts_per_minute: 0,
        })
    }

    /// Counts a request; `Err` is how long the caller must wait.
    fn take(&self, caller: Caller) -> Result<(), Duration> {
        let Some(limiter) = &self.requests else {
            return Ok(());
        };
        limiter
            .check_key(&caller)
            .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
    }

    /// How long `address` is still refused guessable requests, if it is.
    fn blocked_for(&self, address: IpAddr) -> Option<Duration> {
        let mut blocked = self.blocked.lock().unwrap_or_else(PoisonError::into_inner);
        let until = *blocked.get(&address)?;
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            blocked.remove(&address);
            return None;
        }
        Some(left)
    }

    /// Counts a failed attempt from `address`; past the allowance, blocks it.
    fn failed(&self, address: IpAddr) {
        let Some(limiter) = &self.failures else {
            return;
        };
        if let Err(not_until) = limiter.check_key(&address) {
            let wait = not_until.wait_time_from(limiter.clock().now());
            tracing::warn!(%address, wait_secs = wait.as_secs(), "too many failed attempts: refused for a while");
            self.blocked
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(address, Instant::now() + wait);
        }
    }

    /// Forgets callers whose allowance is whole again, now and then, so the
    /// tables hold only recent callers.
    fn sweep_now_and_then(&self) {
        if self.seen.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY != SWEEP_EVERY - 1 {
            return;
        }
        if let Some(l) = &self.requests {
            l.retain_recent();
            l.shrink_to_fit();
        }
        if let Some(l) = &self.failures {
            l.retain_recent();
            l.shrink_to_fit();
        }
        let now = Instant::now();
        self.blocked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, until| *until > now);
    }
}

fn caller(request: &Request, address: IpAddr) -> Caller {
    match request.headers().get(header::AUTHORIZATION) {
        Some(credential) => {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(credential.as_bytes());
            let mut key = [0u8; 16];
            key.copy_from_slice(&digest[..16]);
            Caller::Credential(key)
        }
        None => Caller::Address(address),
    }
}

/// 429 with `Retry-After` in whole seconds, rounded up.
fn too_many(wait: Duration, detail: String) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let secs = secs.max(1);
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("{detail}; retry after {secs} s"),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

/// The middleware: counts each request and refuses the ones over a limit.
pub(crate) async fn limit(
    State(limits): State<Arc<Limits>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let route = route.as_deref().unwrap_or("");
    if UNLIMITED.contains(&route) {
        return next.run(request).await;
    }
    limits.sweep_now_and_then();
    let address = request
        .extensions()
        .get::<ConnectInfo<Peer>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0 .0.ip());
    let guessable = GUESSABLE.contains(&route);
    if guessable {
        if let Some(wait) = limits.blocked_for(address) {
            return too_many(
                wait,
                format!(
                    "more than {} failed attempts a minute from this address",
                    limits.config.failed_attempts_per_minute
                ),
            );
        }
    }
    if let Err(wait) = limits.take(caller(&request, address)) {
        return too_many(
            wait,
            format!(
                "more than {} requests a second (bursts of {}) from this caller",
                limits.config.requests_per_second, limits.config.burst
            ),
        );
    }
    let response = next.run(request).await;
    if guessable
        && matches!(
            response.status(),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        )
    {
        limits.failed(address);
    }
    response
}
