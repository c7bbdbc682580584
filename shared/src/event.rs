//! The one event envelope every fact and change travels in.
//!
//! `event_id` is the idempotency key: a receiver that has seen it before acks it
//! again and changes nothing.

use crate::{TenantId, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The version of the envelope's own shape, bumped only on breaking changes.
pub const ENVELOPE_SCHEMA_VERSION: u16 = 1;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub event_id: Uuid,
    /// Dotted name such as `pos.sale.completed`.
    pub event_type: String,
    /// Who produced it: `terminal:<id>`, `hub`, `ingest:<source>`.
    pub source: String,
    pub tenant_id: TenantId,
    pub occurred_at: Timestamp,
    pub trace_id: Uuid,
    pub schema_version: u16,
    pub data: T,
}

impl<T> Envelope<T> {
    /// Wraps `data`, reusing the fact's own id as the event id so that a retried
    /// upload of the same fact is recognised as the same event.
    pub fn new(
        event_id: Uuid,
        event_type: impl Into<String>,
        source: impl Into<String>,
        tenant_id: TenantId,
        occurred_at: Timestamp,
        data: T,
    ) -> Self {
        Envelope {
            event_id,
            event_type: event_type.into(),
            source: source.into(),
            tenant_id,
            occurred_at,
            trace_id: Uuid::now_v7(),
            schema_version: ENVELOPE_SCHEMA_VERSION,
            data,
        }
    }

    /// The same envelope around `f(data)`: same id, type, source and trace.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Envelope<U> {
        Envelope {
            event_id: self.event_id,
            event_type: self.event_type,
            source: self.source,
            tenant_id: self.tenant_id,
            occurred_at: self.occurred_at,
            trace_id: self.trace_id,
            schema_version: self.schema_version,
            data: f(self.data),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_has_the_documented_fields() {
        let tenant = TenantId::new();
        let id = Uuid::now_v7();
        let env = Envelope::new(
            id,
            "pos.sale.completed",
            "terminal:t1",
            tenant,
            Timestamp::from_unix_millis(0),
            serde_json::json!({"x": 1}),
        );
        let json = serde_json::to_value(&env).unwrap();
        for field in [
            "event_id",
            "event_type",
            "source",
            "tenant_id",
            "occurred_at",
            "trace_id",
            "schema_version",
            "data",
        ] {
            assert!(json.get(field).is_some(), "missing {field}");
        }
        let back: Envelope<serde_json::Value> = serde_json::from_value(json).unwrap();
        assert_eq!(back, env);
    }
}
