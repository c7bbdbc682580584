//! The opt-in LAN listener for paired handhelds (`lan_listen`): the one
//! router a device on the store network can reach. It serves the picker
//! screens (`/picker`, where `/` leads) and `POST /v1/pairing` to anyone,
//! and [`super::handheld_routes`] only to a paired, unrevoked device
//! ([`super::handheld::require_device`]). Nothing
//! else of the till's API is here: a sale, a shift or the drawer answers 404.
//!
//! The loopback guard does not apply (devices use the till's LAN address);
//! cross-site requests are still refused ([`super::same_origin`]). Tokens go
//! in the `Authorization` header, never a cookie, so another site's page
//! cannot make a browser send one.

use super::{handheld, handhelds, same_origin, ui, AgentState};
use axum::Router;
use pos_shared::http::ApiError;

pub fn router(state: AgentState) -> Router {
    let paired_only = super::handheld_routes().route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        handheld::require_device,
    ));
    Router::new()
        .merge(ui::handheld_routes())
        .merge(handhelds::pairing_routes())
        .merge(paired_only)
        .fallback(|| async {
            ApiError::not_found(
                "no_route",
                "there is no such endpoint for handhelds; the till's own API answers only on the till",
            )
        })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(axum::middleware::from_fn(same_origin::guard))
        .with_state(state)
}
