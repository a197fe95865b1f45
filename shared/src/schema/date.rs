//! Calendar dates, stored as `YYYY-MM-DD` strings: readable in any
//! automerge-repo app, sortable as text, and checked on the way in.

use std::fmt;
use std::str::FromStr;

use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};
use chrono::NaiveDate;

/// A day, without time or zone (a meeting's date, an organization's founding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

impl Date {
    /// A date from year, month and day; `None` if there is no such day.
    pub fn ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        NaiveDate::from_ymd_opt(year, month, day).map(Date)
    }

    /// The year.
    pub fn year(self) -> i32 {
        use chrono::Datelike;
        self.0.year()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// A string that is not a `YYYY-MM-DD` date.
#[derive(Debug, Clone, thiserror::Error)]
#[error("'{0}' is not a date: write it as YYYY-MM-DD, e.g. 2024-03-08")]
pub struct BadDate(pub String);

impl FromStr for Date {
    type Err = BadDate;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(Date)
            .map_err(|_| BadDate(s.to_string()))
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Hydrate for Date {
    fn hydrate_string(s: &'_ str) -> Result<Self, HydrateError> {
        s.parse()
            .map_err(|_| HydrateError::unexpected("a YYYY-MM-DD date", s.to_string()))
    }

    // Other apps may store the date as a Text object (see `lenient`).
    fn hydrate_text<D: autosurgeon::ReadDoc>(
        doc: &D,
        obj: &automerge::ObjId,
    ) -> Result<Self, HydrateError> {
        Self::hydrate_string(&doc.text(obj)?)
    }
}

impl Reconcile for Date {
    type Key<'a> = autosurgeon::reconcile::NoKey;
    fn reconcile<R: Reconciler>(&self, mut r: R) -> Result<(), R::Error> {
        r.str(self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_as_text_and_bad_ones_say_how_to_write_them() {
        let d: Date = "2024-03-08".parse().unwrap();
        assert_eq!(d.to_string(), "2024-03-08");
        assert_eq!(d.year(), 2024);
        let err = "2024/3/8".parse::<Date>().unwrap_err();
        assert!(err.to_string().contains("YYYY-MM-DD"));
        assert!("2023-02-29".parse::<Date>().is_err());
    }
}
