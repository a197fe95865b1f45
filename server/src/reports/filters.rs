//! The filters every report accepts, parsed from the query string with an
//! error that says what to fix.
//!
//! `as_of` is the date the figures are drawn for: records dated after it
//! (units opened, organizations established, 推优 steps, activities, visits)
//! are left out, so a year-end report can still be drawn in February. With
//! a `year` and no `as_of`, the figures stand at that year's 31 December.

use qunjian_shared::schema::{Date, OrgKind};
use serde::Deserialize;

use crate::clock::YEARS;
use crate::text::clip;

/// The query string as it comes, every field optional.
#[derive(Debug, Default, Deserialize)]
pub struct FilterQuery {
    /// A township code.
    pub township: Option<String>,
    /// A year, e.g. 2026.
    pub year: Option<String>,
    /// An organization: party, union, league, women, womens_home.
    pub organization: Option<String>,
    /// A date, YYYY-MM-DD.
    pub as_of: Option<String>,
}

/// Filters, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filters {
    /// Only this township (its code).
    pub township: Option<String>,
    /// Only this year.
    pub year: Option<i32>,
    /// Only this organization.
    pub organization: Option<OrgKind>,
    /// Figures as they stood on this date.
    pub as_of: Date,
}

/// A filter that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// `year` is not a year.
    #[error(
        "year 参数应为 1900–2999 之间的四位年份，如 2026，实为“{}” (year must be a year 1900–2999, like 2026)",
        clip(.0)
    )]
    Year(String),
    /// `as_of` is not a date.
    #[error(
        "as_of 参数应为 1900–2999 年间的日期 YYYY-MM-DD，如 2026-12-31，实为“{}” (as_of must be YYYY-MM-DD, years 1900–2999)",
        clip(.0)
    )]
    AsOf(String),
    /// `organization` is not one we know.
    #[error(
        "organization 参数应为 {allowed} 之一，实为“{}” (unknown organization)",
        clip(given)
    )]
    Organization {
        /// What was given.
        given: String,
        /// What is allowed.
        allowed: String,
    },
}

/// A parameter with something in it, trimmed.
fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Filters {
    /// Check `q`; `today` is the default `as_of`.
    pub fn parse(q: &FilterQuery, today: Date) -> Result<Filters, FilterError> {
        let year = match blank(&q.year) {
            None => None,
            Some(y) => match y.parse::<i32>() {
                Ok(n) if YEARS.contains(&n) && y.len() == 4 => Some(n),
                _ => return Err(FilterError::Year(y.to_string())),
            },
        };
        let as_of = match blank(&q.as_of) {
            // A year's figures stand at its last day (or today, for this year).
            None => year
                .and_then(|y| Date::ymd(y, 12, 31))
                .map_or(today, |end| end.min(today)),
            Some(d) => d
                .parse::<Date>()
                .ok()
                .filter(|date| {
                    YEARS.contains(&date.year()) && d.starts_with(|c: char| c.is_ascii_digit())
                })
                .ok_or_else(|| FilterError::AsOf(d.to_string()))?,
        };
        let organization = match blank(&q.organization) {
            None => None,
            Some(o) => Some(OrgKind::parse(o).ok_or_else(|| {
                FilterError::Organization {
                    given: o.to_string(),
                    allowed: OrgKind::ALL
                        .iter()
                        .map(|k| format!("{} ({})", k.as_str(), k.label()))
                        .collect::<Vec<_>>()
                        .join(", "),
                }
            })?),
        };
        Ok(Filters {
            township: blank(&q.township).map(str::to_string),
            year,
            organization,
            as_of,
        })
    }

    /// The filters as a person reads them, for an export's title rows.
    pub fn describe(&self, township_name: Option<&str>) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(code) = &self.township {
            let shown = match township_name {
                Some(name) => format!("{name} ({code})"),
                None => code.clone(),
            };
            out.push(("乡镇".to_string(), shown));
        }
        if let Some(y) = self.year {
            out.push(("年度".to_string(), y.to_string()));
        }
        if let Some(o) = self.organization {
            out.push(("组织".to_string(), o.label().to_string()));
        }
        out.push(("截至".to_string(), self.as_of.to_string()));
        out
    }

    /// The filters besides township and `as_of` as an exported file's name
    /// shows them, (ASCII, Chinese): `("2025", "2025年度")`, `("union", "工会")`.
    pub fn narrowed(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(y) = self.year {
            out.push((y.to_string(), format!("{y}年度")));
        }
        if let Some(o) = self.organization {
            out.push((o.as_str().to_string(), o.label().to_string()));
        }
        out
    }

    /// Whether `date` counts as of the report's date.
    pub fn counts(&self, date: Date) -> bool {
        date <= self.as_of
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::ymd(2026, 11, 24).expect("date")
    }

    #[test]
    fn empty_query_means_everything_as_of_today() {
        let f = Filters::parse(&FilterQuery::default(), today()).expect("ok");
        assert_eq!(f.as_of, today());
        assert_eq!((f.township, f.year, f.organization), (None, None, None));
    }

    #[test]
    fn each_bad_filter_says_what_to_fix() {
        let q = |year: &str, as_of: &str, org: &str| FilterQuery {
            township: None,
            year: Some(year.into()),
            as_of: Some(as_of.into()),
            organization: Some(org.into()),
        };
        let err = Filters::parse(&q("26", "", ""), today()).unwrap_err();
        assert_eq!(err, FilterError::Year("26".into()));
        let err = Filters::parse(&q("", "2026-13-01", ""), today()).unwrap_err();
        assert_eq!(err, FilterError::AsOf("2026-13-01".into()));
        for bad in [
            "-2026-01-01",
            "0000-01-01",
            "+2026-01-01",
            "3000-01-01",
            "1899-12-31",
        ] {
            let err = Filters::parse(&q("", bad, ""), today()).unwrap_err();
            assert_eq!(err, FilterError::AsOf(bad.into()));
            assert!(err.to_string().contains("1900–2999"), "{err}");
        }
        for bad in ["0", "-2026", "+2026", "1899", "3000", "02026"] {
            let err = Filters::parse(&q(bad, "", ""), today()).unwrap_err();
            assert_eq!(err, FilterError::Year(bad.into()));
        }
        let long = "9".repeat(10_000);
        let err = Filters::parse(&q("", &long, ""), today()).unwrap_err();
        assert!(err.to_string().len() < 300, "{err}");
        let err = Filters::parse(&q("", "", "club"), today()).unwrap_err();
        assert!(err.to_string().contains("league"), "{err}");
        let year_end = Filters::parse(&q("2025", "", ""), today()).expect("ok");
        assert_eq!(year_end.as_of, Date::ymd(2025, 12, 31).expect("date"));
        let this_year = Filters::parse(&q("2026", "", ""), today()).expect("ok");
        assert_eq!(this_year.as_of, today());
        let ok = Filters::parse(&q("2025", "2026-02-01", "union"), today()).expect("ok");
        assert_eq!(ok.year, Some(2025));
        assert_eq!(ok.organization, Some(OrgKind::Union));
        assert_eq!(ok.as_of, Date::ymd(2026, 2, 1).expect("date"));
    }
}
