//! UTC timestamps with millisecond precision.
//!
//! Stored as Unix milliseconds (an integer column on every backend) and written on
//! the wire as RFC 3339. A device's `occurred_at` is recorded as a fact about the
//! sale; nothing orders by it, because device clocks drift.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// An instant in UTC, to the millisecond. On the wire RFC 3339 text such as
/// `"2026-11-23T10:15:00.123Z"`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(#[cfg_attr(feature = "ts", ts(type = "string"))] i64);

impl Timestamp {
    pub fn now() -> Self {
        let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
        Timestamp((nanos / 1_000_000) as i64)
    }

    pub const fn from_unix_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    pub const fn unix_millis(&self) -> i64 {
        self.0
    }

    /// The calendar day (`YYYY-MM-DD`) this instant falls on at UTC offset
    /// `offset_minutes` (330 for India): the day a shelf-life is judged by.
    pub fn local_date(&self, offset_minutes: i32) -> String {
        let offset = time::UtcOffset::from_whole_seconds(offset_minutes.saturating_mul(60))
            .unwrap_or(time::UtcOffset::UTC);
        match self.to_datetime() {
            Some(at) => {
                let d = at.to_offset(offset).date();
                format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
            }
            None => "0000-01-01".into(),
        }
    }

    fn to_datetime(self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000).ok()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_datetime().and_then(|dt| dt.format(&Rfc3339).ok()) {
            Some(text) => f.write_str(&text),
            None => write!(f, "@{}ms", self.0),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let dt = OffsetDateTime::parse(&text, &Rfc3339).map_err(|e| {
            serde::de::Error::custom(format!("timestamp {text:?} is not RFC 3339: {e}"))
        })?;
        Ok(Timestamp((dt.unix_timestamp_nanos() / 1_000_000) as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip_keeps_milliseconds() {
        let t = Timestamp::from_unix_millis(1_763_900_000_123);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2025-11-23T12:13:20.123Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
    }

    #[test]
    fn offsets_are_normalised_to_utc() {
        let t: Timestamp = serde_json::from_str("\"2025-11-23T17:43:20.123+05:30\"").unwrap();
        assert_eq!(t.unix_millis(), 1_763_900_000_123);
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    }
}
