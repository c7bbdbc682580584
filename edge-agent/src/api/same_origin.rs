//! Cross-site requests are refused on every listener: a request whose
//! `Origin` is not the page the agent itself served (`http://` + the `Host`
//! it was sent to) comes from some other site's page in a browser on this
//! machine or on the store LAN, and must not drive the till. Programs without
//! a browser send no `Origin` and pass.

use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pos_shared::http::ApiError;

/// The refusal for a request from a foreign page, if it is one.
pub(super) fn foreign_origin(headers: &HeaderMap) -> Option<ApiError> {
    let origin = headers.get(header::ORIGIN)?;
    let origin = origin.to_str().unwrap_or("");
    let own = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| origin == format!("http://{h}"));
    (!own).then(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "foreign_origin",
            format!("pages from {origin:?} may not use the till's API; open the till's own page"),
        )
    })
}

/// The LAN listener's guard: only the origin check, since handhelds reach
/// it by the till's LAN address (the loopback guard would refuse them).
pub(super) async fn guard(request: Request, next: Next) -> Response {
    match foreign_origin(request.headers()) {
        Some(refusal) => refusal.into_response(),
        None => next.run(request).await,
    }
}
