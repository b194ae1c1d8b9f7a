//! Date-times as banks send them: with a UTC offset, or local time without one.
//!
//! ISO 20022 allows `2024-03-14T10:00:00` (no offset) as well as `2024-03-14T10:00:00+01:00`;
//! converting the first to UTC would be a guess, so the offset is kept only when given.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Iso8601;
use time::{Date, PrimitiveDateTime, UtcOffset};

/// A date-time with an optional UTC offset, written and read as ISO 8601.
///
/// ```
/// use bankrec_model::Timestamp;
/// let t: Timestamp = "2024-03-14T10:00:00.5+01:00".parse().expect("ISO 8601");
/// assert_eq!(t.to_string(), "2024-03-14T10:00:00.5+01:00");
/// let local: Timestamp = "2024-03-14T10:00:00".parse().expect("no offset");
/// assert!(local.offset().is_none());
/// assert_eq!(local.date().to_string(), "2024-03-14");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp {
    local: PrimitiveDateTime,
    offset: Option<UtcOffset>,
}

impl Timestamp {
    /// A timestamp from its parts.
    pub fn new(local: PrimitiveDateTime, offset: Option<UtcOffset>) -> Timestamp {
        Timestamp { local, offset }
    }

    /// From a `time::OffsetDateTime` (for example "now" passed in by a caller).
    pub fn from_offset(dt: time::OffsetDateTime) -> Timestamp {
        Timestamp { local: PrimitiveDateTime::new(dt.date(), dt.time()), offset: Some(dt.offset()) }
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]`.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let text = text.trim();
        let (body, offset) = split_offset(text)?;
        let local = PrimitiveDateTime::parse(body, &Iso8601::DEFAULT).ok()?;
        Some(Timestamp { local, offset })
    }

    /// The calendar date as written (local to the sender).
    pub fn date(&self) -> Date {
        self.local.date()
    }

    /// The local date-time as written.
    pub fn local(&self) -> PrimitiveDateTime {
        self.local
    }

    /// The UTC offset, when the source gave one.
    pub fn offset(&self) -> Option<UtcOffset> {
        self.offset
    }
}

fn split_offset(text: &str) -> Option<(&str, Option<UtcOffset>)> {
    if let Some(body) = text.strip_suffix('Z').or_else(|| text.strip_suffix('z')) {
        return Some((body, Some(UtcOffset::UTC)));
    }
    // An offset is the last 6 characters `+HH:MM` / `-HH:MM` after the time part.
    if text.len() > 6 && text.is_char_boundary(text.len() - 6) && text.contains('T') {
        let (body, tail) = text.split_at(text.len() - 6);
        let b = tail.as_bytes();
        if (b[0] == b'+' || b[0] == b'-') && b[3] == b':' {
            let hours: i8 = tail[1..3].parse().ok()?;
            let minutes: i8 = tail[4..6].parse().ok()?;
            let sign = if b[0] == b'-' { -1 } else { 1 };
            let offset = UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()?;
            return Some((body, Some(offset)));
        }
    }
    Some((text, None))
}

impl FromStr for Timestamp {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s).ok_or_else(|| format!("not an ISO 8601 date-time: {s:?}"))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.local.date();
        let t = self.local.time();
        write!(f, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", d.year(), d.month() as u8, d.day(), t.hour(), t.minute(), t.second())?;
        let nanos = t.nanosecond();
        if nanos != 0 {
            let frac = format!("{nanos:09}");
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        match self.offset {
            None => Ok(()),
            Some(o) if o.is_utc() => f.write_str("Z"),
            Some(o) => {
                let (h, m, _) = o.as_hms();
                let sign = if o.is_negative() { '-' } else { '+' };
                write!(f, "{sign}{:02}:{:02}", h.abs(), m.abs())
            }
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for text in ["2024-03-14T10:00:00", "2024-03-14T10:00:00Z", "2024-03-14T23:59:59.123-05:30", "2020-11-25T03:07:13.66+01:00"] {
            let t: Timestamp = text.parse().expect(text);
            assert_eq!(t.to_string(), text);
            let json = serde_json::to_string(&t).expect("ser");
            assert_eq!(serde_json::from_str::<Timestamp>(&json).expect("de"), t);
        }
        assert!("2024-13-01T00:00:00".parse::<Timestamp>().is_err());
        assert!("yesterday".parse::<Timestamp>().is_err());
    }

    #[test]
    fn fuzz_regression_multibyte_before_offset() {
        // Found by fuzz target model_json: splitting for the offset inside a UTF-8 character.
        assert!(Timestamp::parse("B\u{85}2A22T").is_none());
    }
}
