//! The customer-facing display: the cashier UI publishes what the customer
//! should see (`PUT /v1/display`), the agent keeps the latest in memory and
//! streams it to every display page (`GET /v1/display/events`, server-sent
//! events named `display`, the current state first). Nothing is stored: a
//! restarted agent shows the idle screen until the cashier's next change.

use super::AgentState;
use crate::till::upi::UpiIntent;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::Router;
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::Money;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::watch;

/// The largest body `PUT /v1/display` takes: 500 lines of long names and a
/// QR fit with room to spare.
pub const MAX_DISPLAY_BYTES: usize = 256 * 1024;
/// The most lines a display state may carry (a long bill shows its last lines).
pub const MAX_DISPLAY_LINES: usize = 500;
const MAX_NAME_CHARS: usize = 120;
const MAX_QTY_CHARS: usize = 24;
const MAX_MESSAGE_CHARS: usize = 280;
/// A UPI QR's SVG is a few kilobytes; more is not one of the agent's.
const MAX_QR_SVG_BYTES: usize = 64 * 1024;

pub fn routes() -> Router<AgentState> {
    Router::new()
        .route(
            "/v1/display",
            get(current)
                .put(publish)
                .layer(DefaultBodyLimit::max(MAX_DISPLAY_BYTES)),
        )
        .route("/v1/display/events", get(events))
}

/// What the customer sees: the bill's lines, its total, what was paid and
/// the change, a UPI QR to scan, or a message (welcome, thank you). Empty
/// lines and nothing else is the idle screen.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayState {
    #[serde(default)]
    pub lines: Vec<DisplayLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub total: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub paid: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub change: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub upi: Option<UpiIntent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub message: Option<String>,
}

/// One line of the bill as the customer reads it: the quantity as the
/// cashier's screen shows it (`2`, `1.250 kg`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayLine {
    pub name: String,
    pub qty: String,
    pub amount: Money,
}

impl DisplayState {
    /// Bounded, so one bad publish cannot make every display page fetch
    /// megabytes: the field at fault and why.
    fn check(&self) -> Result<(), ApiError> {
        let invalid = |field: String, detail: String| Err(ApiError::invalid(field, detail));
        if self.lines.len() > MAX_DISPLAY_LINES {
            return invalid(
                "lines".into(),
                format!(
                    "lines: {} lines is more than the display takes ({MAX_DISPLAY_LINES}); send the bill's last lines",
                    self.lines.len()
                ),
            );
        }
        for (i, line) in self.lines.iter().enumerate() {
            let field = |f: &str| format!("lines[{i}].{f}");
            if line.name.trim().is_empty() {
                return invalid(field("name"), format!("{}: is empty", field("name")));
            }
            if line.name.chars().count() > MAX_NAME_CHARS {
                return invalid(
                    field("name"),
                    format!("{}: longer than {MAX_NAME_CHARS} characters", field("name")),
                );
            }
            if line.qty.chars().count() > MAX_QTY_CHARS {
                return invalid(
                    field("qty"),
                    format!("{}: longer than {MAX_QTY_CHARS} characters", field("qty")),
                );
            }
        }
        if let Some(message) = &self.message {
            if message.chars().count() > MAX_MESSAGE_CHARS {
                return invalid(
                    "message".into(),
                    format!("message: longer than {MAX_MESSAGE_CHARS} characters"),
                );
            }
        }
        if let Some(upi) = &self.upi {
            let svg = upi.qr_svg.trim_start();
            if upi.qr_svg.len() > MAX_QR_SVG_BYTES
                || !(svg.starts_with("<?xml") || svg.starts_with("<svg"))
            {
                return invalid(
                    "upi.qr_svg".into(),
                    "upi.qr_svg: not the QR the agent drew; send the intent from POST /v1/payments/upi-intent as it came".into(),
                );
            }
        }
        Ok(())
    }
}

/// The latest state, shared by the publisher and every display page. A
/// `watch` keeps only the newest: a display that falls behind skips to it.
#[derive(Clone)]
pub struct CustomerDisplay {
    state: Arc<watch::Sender<Arc<DisplayState>>>,
}

impl Default for CustomerDisplay {
    fn default() -> Self {
        CustomerDisplay {
            state: Arc::new(watch::Sender::new(Arc::new(DisplayState::default()))),
        }
    }
}

async fn publish(
    State(app): State<AgentState>,
    JsonBody(state): JsonBody<DisplayState>,
) -> Result<StatusCode, ApiError> {
    state.check()?;
    // Replaced even when no display is open: the next one to connect shows it.
    app.display.state.send_replace(Arc::new(state));
    Ok(StatusCode::NO_CONTENT)
}

/// The state now, for a page that cannot keep a stream open.
async fn current(State(app): State<AgentState>) -> axum::Json<DisplayState> {
    axum::Json(DisplayState::clone(&app.display.state.borrow()))
}

/// `display` events: the current state at once, then every new one.
async fn events(
    State(app): State<AgentState>,
) -> Sse<impl futures_util::Stream<Item = Result<Event, std::convert::Infallible>>> {
    let mut states = app.display.state.subscribe();
    states.mark_changed();
    let stream = futures_util::stream::unfold(states, |mut states| async move {
        // Ends when the agent drops the sender, i.e. never while it runs.
        states.changed().await.ok()?;
        let state = states.borrow_and_update().clone();
        let event = Event::default()
            .event("display")
            .json_data(&*state)
            .unwrap_or_else(|e| Event::default().event("error").data(e.to_string()));
        Some((Ok(event), states))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
