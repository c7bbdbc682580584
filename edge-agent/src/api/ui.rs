//! The cashier UI, built from `ui-shell/` by this crate's build script and
//! embedded in the binary: the till serves it on loopback with nothing else
//! installed. The same page at `/picker` is the pickers' handheld app; the
//! LAN listener sends a device opening `/` there. `/display` is the
//! customer-facing display, on loopback only (a second monitor of the till).

use super::AgentState;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use pos_shared::http::ApiError;

include!(concat!(env!("OUT_DIR"), "/ui_assets.rs"));

/// Scripts and styles come only from the agent itself; the UI talks only to it.
const POLICY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Loopback: the cashier's screen at `/`, the picker screens at `/picker`,
/// the customer's display at `/display`.
pub fn routes() -> Router<AgentState> {
    Router::new()
        .route("/", get(|| async { page("/index.html") }))
        .route("/picker", get(|| async { page("/index.html") }))
        .route("/display", get(|| async { page("/index.html") }))
        .route("/assets/{*file}", get(asset))
}

/// The LAN listener: only the picker screens; a handheld opening the
/// till's address is sent to them.
pub fn handheld_routes() -> Router<AgentState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/picker") }))
        .route("/picker", get(|| async { page("/index.html") }))
        .route("/assets/{*file}", get(asset))
}

fn find(path: &str) -> Option<(&'static str, &'static [u8])> {
    UI_ASSETS
        .iter()
        .find(|(p, _, _)| *p == path)
        .map(|(_, kind, bytes)| (*kind, *bytes))
}

fn page(path: &str) -> Response {
    match find(path) {
        Some((kind, bytes)) => (
            [
                (header::CONTENT_TYPE, kind),
                (header::CACHE_CONTROL, "no-cache"),
                (header::CONTENT_SECURITY_POLICY, POLICY),
            ],
            bytes,
        )
            .into_response(),
        None => ApiError::internal("the UI was built without its index page").into_response(),
    }
}

/// Hashed file names: a build never reuses one, so they may be cached for good.
async fn asset(Path(file): Path<String>) -> Response {
    match find(&format!("/assets/{file}")) {
        Some((kind, bytes)) => (
            [
                (header::CONTENT_TYPE, kind),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            bytes,
        )
            .into_response(),
        None => ApiError::not_found("no_asset", format!("the UI has no file assets/{file}"))
            .into_response(),
    }
}
