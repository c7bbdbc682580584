//! The tenant's event log: pages of past events and the live stream.

use crate::{HqClient, HqResult};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A page of the event log (`GET /v1/events`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventPage {
    pub events: Vec<Value>,
    /// Where the next page starts (`after=`).
    pub next_after: u64,
    /// The mark of the event at `next_after`, to send back as `mark=` with
    /// `after=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_mark: Option<i64>,
    pub has_more: bool,
    /// The newest event's number.
    pub head: u64,
    /// The oldest event kept, less one: nothing at or below it can be read.
    pub floor: u64,
}

impl HqClient {
    /// Events matching `query` (without the `?`: `after=7&limit=100&type=…`).
    pub async fn events(&self, query: &str) -> HqResult<EventPage> {
        self.get(&format!("/v1/events?{query}")).await
    }

    /// Opens the live stream of server-sent events, resuming after
    /// `last_event_id` when given; the caller reads the frames.
    pub async fn event_stream(
        &self,
        query: &str,
        last_event_id: Option<&str>,
    ) -> HqResult<reqwest::Response> {
        let headers: Vec<(&str, String)> = last_event_id
            .map(|id| ("last-event-id", id.to_owned()))
            .into_iter()
            .collect();
        self.open(&format!("/v1/events/stream?{query}"), &headers)
            .await
    }
}
