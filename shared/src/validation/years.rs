//! Years that cannot be right: a birth year before 1900 or after this
//! year, an honor awarded in a year that has not come.
//!
//! A birth year decides who is young enough for the League (28) and counts
//! in the age figures, and it is typed by hand, so 1090 for 1990 or 2099
//! for 1999 happen. `today` is a parameter, as for dates, so the rule is
//! pure.

use super::finding::{Finding, FindingRule};
use super::names;
use crate::schema::{Date, Honor, Person, Record, TownshipDocument};

/// The earliest birth year taken as plausible.
pub const EARLIEST_BIRTH_YEAR: u16 = 1900;

/// Birth years outside 1900..=this year; honors in a future year.
pub(super) fn check(doc: &TownshipDocument, today: Date) -> Vec<Finding> {
    let this_year = today.year();
    let mut out = Vec::new();
    for (id, p) in &doc.people {
        let Some(year) = p.birth_year else {
            continue;
        };
        if year >= EARLIEST_BIRTH_YEAR && i32::from(year) <= this_year {
            continue;
        }
        let s = names::person(id, p);
        out.push(Finding::new(
            Person::MAP,
            id,
            "birth_year",
            FindingRule::ImplausibleYear,
            format!(
                "{}的出生年份 {year} 不合理：应在 {EARLIEST_BIRTH_YEAR} 年到 {this_year} 年之间，请核对",
                s.zh
            ),
            format!(
                "{}: birth year {year} is not between {EARLIEST_BIRTH_YEAR} and {this_year}",
                s.en
            ),
        ));
    }
    for (id, h) in &doc.honors {
        if i32::from(h.year) <= this_year {
            continue;
        }
        let s = names::honor(h);
        out.push(Finding::new(
            Honor::MAP,
            id,
            "year",
            FindingRule::ImplausibleYear,
            format!("{}的年度 {} 晚于今年（{this_year}），请核对", s.zh, h.year),
            format!("{}: year {} is after this year ({this_year})", s.en, h.year),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{self, today};
    use super::*;

    #[test]
    fn the_clean_document_has_plausible_years() {
        assert_eq!(check(&fixture::clean(), today()), vec![]);
    }

    #[test]
    fn birth_years_before_1900_or_after_this_year_are_flagged() {
        let mut doc = fixture::empty();
        for (id, year) in [("a", 1899), ("b", 1900), ("c", 2025), ("d", 2026)] {
            let mut p = Person::new(format!("人员{id}"));
            p.birth_year = Some(year);
            doc.people.insert(id.into(), p);
        }
        let got = check(&doc, today());
        let ids: Vec<&str> = got.iter().map(|f| f.record.id.as_str()).collect();
        assert_eq!(ids, ["a", "d"]);
        assert_eq!(
            got[0].message_zh,
            "人员「人员a」的出生年份 1899 不合理：应在 1900 年到 2025 年之间，请核对"
        );
        assert!(got.iter().all(|f| f.field == "birth_year"));
    }

    #[test]
    fn an_honor_in_a_future_year_is_flagged() {
        let mut doc = fixture::empty();
        let mut h = fixture::honor();
        h.recipient_unit = Some("u".into());
        h.year = 2026;
        doc.honors.insert("h".into(), h);
        let got = check(&doc, today());
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].field, "year");
        assert_eq!(got[0].rule, FindingRule::ImplausibleYear);
    }
}
