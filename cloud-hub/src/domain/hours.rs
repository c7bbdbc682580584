//! A store's opening hours: per weekday, the intervals it takes orders, in
//! the store's own offset from UTC. A store without hours takes orders at any
//! hour its status is open.

use pos_shared::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MAX_INTERVALS: usize = 4;

/// One stretch of a day the store is open, `opens` up to (not including) `closes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Interval {
    /// `HH:MM`, from `00:00`.
    pub opens: String,
    /// `HH:MM`, up to `24:00`; later than `opens` (a night past midnight is
    /// two intervals, one on each day).
    pub closes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpeningHours {
    /// The store's offset from UTC, such as `+05:30`.
    pub utc_offset: String,
    /// Per day (`mon` … `sun`), when it is open; a day left out is closed.
    pub week: BTreeMap<String, Vec<Interval>>,
}

/// Minutes into the day of `HH:MM` (`24:00` only when `end`).
fn minutes(text: &str, end: bool) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) if end => Some(1440),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// Seconds east of UTC of `+HH:MM` / `-HH:MM`, within ±14 hours.
fn offset_seconds(text: &str) -> Option<i64> {
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let minutes = minutes(&text[1..], false)?;
    (minutes <= 14 * 60).then_some(sign * i64::from(minutes) * 60)
}

impl OpeningHours {
    /// Checks the hours; the error names the field (`week.mon[1].closes`).
    pub fn validate(&self) -> Result<(), (String, String)> {
        if offset_seconds(&self.utc_offset).is_none() {
            return Err((
                "utc_offset".into(),
                format!("{:?} is not an offset such as +05:30", self.utc_offset),
            ));
        }
        for (day, intervals) in &self.week {
            if !DAYS.contains(&day.as_str()) {
                return Err((
                    format!("week.{day}"),
                    format!("{day:?} is not a day: use {}", DAYS.join(", ")),
                ));
            }
            if intervals.len() > MAX_INTERVALS {
                return Err((
                    format!("week.{day}"),
                    format!("at most {MAX_INTERVALS} intervals a day"),
                ));
            }
            let mut previous_end = 0;
            for (i, interval) in intervals.iter().enumerate() {
                let at = |field: &str| format!("week.{day}[{i}].{field}");
                let opens = minutes(&interval.opens, false).ok_or_else(|| {
                    (
                        at("opens"),
                        format!("{:?} is not a time such as 07:30", interval.opens),
                    )
                })?;
                let closes = minutes(&interval.closes, true).ok_or_else(|| {
                    (
                        at("closes"),
                        format!(
                            "{:?} is not a time such as 22:00 (or 24:00)",
                            interval.closes
                        ),
                    )
                })?;
                if closes <= opens {
                    return Err((at("closes"), "closes must be later than opens; split a night past midnight into two days".into()));
                }
                if i > 0 && opens < previous_end {
                    return Err((
                        at("opens"),
                        "intervals of a day must be in order and not overlap".into(),
                    ));
                }
                previous_end = closes;
            }
        }
        Ok(())
    }

    /// Whether `at` falls in an interval, on the store's local clock.
    pub fn is_open(&self, at: Timestamp) -> bool {
        let Some(offset) = offset_seconds(&self.utc_offset) else {
            return true;
        };
        let local = at.unix_millis().div_euclid(1000) + offset;
        // 1970-01-01 was a Thursday.
        let day = DAYS[(local.div_euclid(86_400) + 3).rem_euclid(7) as usize];
        let minute = (local.rem_euclid(86_400) / 60) as u32;
        self.week.get(day).is_some_and(|intervals| {
            intervals.iter().any(|i| {
                matches!((minutes(&i.opens, false), minutes(&i.closes, true)),
                    (Some(o), Some(c)) if o <= minute && minute < c)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(offset: &str, week: &[(&str, &[(&str, &str)])]) -> OpeningHours {
        OpeningHours {
            utc_offset: offset.into(),
            week: week
                .iter()
                .map(|(day, intervals)| {
                    let intervals = intervals
                        .iter()
                        .map(|(o, c)| Interval {
                            opens: o.to_string(),
                            closes: c.to_string(),
                        })
                        .collect();
                    (day.to_string(), intervals)
                })
                .collect(),
        }
    }

    fn at(rfc3339: &str) -> Timestamp {
        serde_json::from_value(serde_json::Value::String(rfc3339.into())).unwrap()
    }

    #[test]
    fn open_follows_the_local_clock() {
        // 2026-11-23 is a Monday.
        let h = hours(
            "+05:30",
            &[("mon", &[("07:00", "13:00"), ("16:00", "24:00")])],
        );
        assert!(h.validate().is_ok());
        assert!(!h.is_open(at("2026-11-23T01:29:00Z")), "06:59 local");
        assert!(h.is_open(at("2026-11-23T01:30:00Z")), "07:00 local");
        assert!(
            !h.is_open(at("2026-11-23T07:30:00Z")),
            "13:00 local: closed"
        );
        assert!(h.is_open(at("2026-11-23T18:29:00Z")), "23:59 local");
        assert!(
            !h.is_open(at("2026-11-23T18:30:00Z")),
            "Tuesday 00:00: no hours"
        );
        let west = hours("-05:00", &[("sun", &[("20:00", "24:00")])]);
        assert!(
            west.is_open(at("2026-11-23T01:00:00Z")),
            "Sunday 20:00 in UTC-5"
        );
    }

    #[test]
    fn bad_hours_are_named() {
        let cases = [
            (hours("+5:30", &[]), "utc_offset"),
            (hours("+15:00", &[]), "utc_offset"),
            (hours("+05:30", &[("monday", &[])]), "week.monday"),
            (
                hours("+05:30", &[("mon", &[("7:00", "13:00")])]),
                "week.mon[0].opens",
            ),
            (
                hours("+05:30", &[("mon", &[("07:00", "24:30")])]),
                "week.mon[0].closes",
            ),
            (
                hours("+05:30", &[("mon", &[("13:00", "07:00")])]),
                "week.mon[0].closes",
            ),
            (
                hours(
                    "+05:30",
                    &[("tue", &[("07:00", "13:00"), ("12:00", "14:00")])],
                ),
                "week.tue[1].opens",
            ),
            (
                hours("+05:30", &[("mon", &[("24:00", "24:00")])]),
                "week.mon[0].opens",
            ),
        ];
        for (h, field) in cases {
            assert_eq!(h.validate().unwrap_err().0, field, "{h:?}");
        }
    }
}
