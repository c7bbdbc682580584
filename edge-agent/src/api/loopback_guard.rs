//! Only this machine, through the agent's own pages, may use the till's API.
//!
//! The agent listens on loopback, but a web page the cashier opens could still
//! reach it: by a DNS name rebound to 127.0.0.1 (its requests then carry that
//! name as `Host`), or by a cross-site request (it carries the page's
//! `Origin`). Both are refused here, before any handler runs. Local programs
//! without a browser (the desktop shell's health check, support tools) send a
//! loopback `Host` and no `Origin`, and pass. The origin check itself is
//! [`super::same_origin`]'s, shared with the LAN listener.

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pos_shared::http::ApiError;

/// `127.0.0.1`, `localhost` or `[::1]`, with or without a port.
fn is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

pub async fn guard(request: Request, next: Next) -> Response {
    let headers = request.headers();
    if let Some(host) = headers.get(header::HOST) {
        let host = host.to_str().unwrap_or("");
        if !is_loopback(host) {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "not_loopback",
                format!(
                    "the till's API answers only on this machine's loopback address, not {host:?}"
                ),
            )
            .into_response();
        }
    }
    if let Some(refusal) = super::same_origin::foreign_origin(headers) {
        return refusal.into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn loopback_names_with_and_without_ports() {
        for host in [
            "127.0.0.1:8710",
            "127.0.0.1",
            "localhost:8710",
            "LOCALHOST",
            "[::1]:8710",
            "127.1.2.3:80",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "evil.example:8710",
            "192.168.1.5:8710",
            "[2001:db8::1]:8710",
            "",
            "127.0.0.1.evil.example",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
