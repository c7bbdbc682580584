//! Who is calling a handheld route: the [`Handheld`] extractor, the LAN
//! listener's device check that feeds it, and the routes every paired device
//! has (`/v1/handheld/me`, `/v1/handheld/session`).
//!
//! A request reaches a handheld route one of two ways, recorded as a [`Via`]
//! in its extensions by the router that served it: on loopback (the till
//! itself, no token) or from a paired device on the LAN, whose bearer token
//! [`require_device`] checked. A request with neither is refused, so a
//! handheld route mounted anywhere else fails closed.

use super::AgentState;
use crate::store::handhelds::HandheldRecord;
use crate::till::handhelds::{self, HandheldError};
use crate::till::session::{self, SignedIn};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody, NoBody};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How a request reached the agent, put in its extensions by the router.
#[derive(Debug, Clone)]
pub(crate) enum Via {
    /// The till's own loopback API.
    Loopback,
    /// A paired, unrevoked device on the LAN listener.
    Device(HandheldRecord),
}

/// A request that came neither way is refused as from an unpaired device.
impl<S: Send + Sync> FromRequestParts<S> for Via {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Via>()
            .cloned()
            .ok_or_else(|| HandheldError::NotPaired.into())
    }
}

/// The device and the picker behind a handheld request. On loopback it is
/// the till itself: no device id, the terminal's name, whoever is signed in
/// at the till.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Handheld {
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub device_id: Option<Uuid>,
    pub device_name: String,
    /// The picker signed in on this device (at the till: the till's session).
    pub picker: Option<SignedIn>,
}

impl Handheld {
    /// The signed-in picker, for routes that act in a picker's name.
    pub fn picker(&self) -> Result<&SignedIn, ApiError> {
        self.picker.as_ref().ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "picker_signed_out",
                format!(
                    "nobody is signed in on {}: sign in with your code and PIN",
                    self.device_name
                ),
            )
        })
    }
}

impl FromRequestParts<AgentState> for Handheld {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AgentState,
    ) -> Result<Self, Self::Rejection> {
        match Via::from_request_parts(parts, app).await? {
            Via::Device(device) => Ok(Handheld {
                device_id: Some(device.id),
                device_name: device.name.clone(),
                picker: app.till.handhelds.picker(device.id),
            }),
            Via::Loopback => Ok(Handheld {
                device_id: None,
                device_name: app
                    .till
                    .sync
                    .credential()
                    .map_or("this till".to_owned(), |c| c.terminal_name),
                picker: app.till.session.current(),
            }),
        }
    }
}

/// The LAN listener's check on every handheld route: `Authorization: Bearer
/// <token>` of a paired, unrevoked device, which the handler then sees as
/// [`Via::Device`]. Refusals carry `WWW-Authenticate: Bearer`.
pub(super) async fn require_device(
    State(app): State<AgentState>,
    mut request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let checked = match token {
        Some(token) => handhelds::authenticate(&app.till, &token).await,
        None => Err(HandheldError::NotPaired),
    };
    match checked {
        Ok(device) => {
            request.extensions_mut().insert(Via::Device(device));
            next.run(request).await
        }
        Err(e) => {
            let refusal = ApiError::from(e);
            let challenge = (refusal.status == StatusCode::UNAUTHORIZED)
                .then_some([(header::WWW_AUTHENTICATE, "Bearer")]);
            (challenge, refusal).into_response()
        }
    }
}

/// The routes every paired device has; `super::handheld_routes` adds them.
pub(super) fn routes() -> Router<AgentState> {
    Router::new().route("/v1/handheld/me", get(me)).route(
        "/v1/handheld/session",
        axum::routing::post(sign_in).delete(sign_out),
    )
}

async fn me(handheld: Handheld) -> Json<Handheld> {
    Json(handheld)
}

/// A picker's sign-in on the device: their staff code and PIN.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PickerSignIn {
    code: String,
    pin: String,
}

/// A picker signs in on the device (on loopback: at the till itself).
async fn sign_in(
    State(app): State<AgentState>,
    via: Via,
    JsonBody(request): JsonBody<PickerSignIn>,
) -> Result<Json<SignedIn>, ApiError> {
    let signed_in = match &via {
        Via::Device(device) => {
            handhelds::sign_in_picker(&app.till, device, &request.code, request.pin).await?
        }
        Via::Loopback => session::sign_in(&app.till, &request.code, request.pin).await?,
    };
    Ok(Json(signed_in))
}

async fn sign_out(State(app): State<AgentState>, via: Via, _: NoBody) -> StatusCode {
    match &via {
        Via::Device(device) => app.till.handhelds.sign_out_picker(device.id),
        Via::Loopback => app.till.session.sign_out(),
    }
    StatusCode::NO_CONTENT
}
