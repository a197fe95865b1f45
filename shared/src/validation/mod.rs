//! Validation: what looks wrong in a township document, record by record.
//!
//! A CRDT document accepts every edit from every device, so nothing can be
//! refused at the door; instead each device shows its cadres what to fix,
//! and the county's `quality` report lists the same findings per township.
//! Everything here is a pure function over the typed document (no IO, and
//! "today" is a parameter), so a device and the server compute the same
//! sorted list and tests can assert it exactly.
//!
//! The rules, one file each:
//!
//! - `required` — blank names, nominees, cadres, titles; a formed
//!   women's organization without its form; an honor without exactly one
//!   recipient;
//! - `codes` — 统一社会信用代码 checked by [`credit_code::check`], and
//!   required of enterprises and social organizations;
//! - `counts` — female staff or youth above employees, women above participants;
//! - `dates` — dates after today;
//! - `steps` — 推优 steps recorded without their predecessor, or dated
//!   before it;
//! - `years` — birth years before 1900 or after this year, honors in a
//!   future year;
//! - `references` — ids that resolve to no record;
//! - `links` — an executive's link ending before it began, or to a unit
//!   that is not a 两新 organization;
//! - `spelling` — dates written without zero padding (`2025-6-5`), read
//!   from the raw document, since the typed one no longer knows.
//!
//! Archived records give no findings: a cadre archives a unit that closed
//! or a record entered by mistake, and a list of what to fix in records
//! nobody keeps any more is noise (the county's 数据质量 listed them until
//! 2026-12). References to archived records still resolve (they exist, and
//! are restored by one click), and a record restored is checked again.

pub mod credit_code;
mod finding;
mod unreadable;

mod codes;
mod counts;
mod dates;
mod links;
pub mod names;
mod references;
mod required;
pub mod spelling;
mod steps;
mod years;

pub mod entry;

#[cfg(test)]
mod fixture;

pub use credit_code::CreditCodeError;
pub use entry::{EntryProblems, EntryRecord, entry_problems, step_entry_problems};
pub use finding::{Finding, FindingRule, RecordRef, sort_findings};
pub use unreadable::unreadable_findings;
pub use years::EARLIEST_BIRTH_YEAR;

use crate::schema::{Date, TownshipDocument, Unreadable};

/// Every finding in `doc`, sorted by map, id, field and rule. Dates after
/// `today` are findings. Archived records give none.
///
/// A reference to a record that could not be read is reported as dangling
/// here; when the document was hydrated with unreadable records, use
/// [`validate_with_unreadable`] instead.
pub fn validate(doc: &TownshipDocument, today: Date) -> Vec<Finding> {
    validate_with_unreadable(doc, &[], today)
}

/// [`validate`] for a document as [`TownshipDocument::hydrate`] returns it:
/// the records that could not be read become findings of their own, and
/// references to them are not reported as dangling (the records exist; this
/// app just cannot read them).
pub fn validate_with_unreadable(
    doc: &TownshipDocument,
    unreadable: &[Unreadable],
    today: Date,
) -> Vec<Finding> {
    let mut out = required::check(doc);
    out.extend(codes::check(doc));
    out.extend(counts::check(doc));
    out.extend(dates::check(doc, today));
    out.extend(steps::check(doc));
    out.extend(years::check(doc, today));
    out.extend(references::check(doc, unreadable));
    out.extend(links::check(doc));
    out.extend(unreadable_findings(unreadable));
    out.retain(|f| !names::archived(doc, f.record.map, &f.record.id));
    sort_findings(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::fixture::{self, date, today};
    use super::*;
    use crate::schema::{InspectionStep, Person, Unit, UnitKind};

    #[test]
    fn a_clean_document_has_no_findings() {
        assert_eq!(validate(&fixture::clean(), today()), vec![]);
        assert_eq!(validate(&fixture::empty(), today()), vec![]);
    }

    #[test]
    fn archived_records_give_no_findings_until_restored() {
        let mut doc = fixture::clean();
        if let Some(old) = doc.units.get_mut("old") {
            old.credit_code = Some("51610700305332460J".into());
        }
        assert_eq!(validate(&doc, today()), vec![]);
        if let Some(old) = doc.units.get_mut("old") {
            old.archived = false;
        }
        let got = validate(&doc, today());
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].record.id, "old");
        assert_eq!(got[0].rule, FindingRule::BadCreditCode);
    }

    #[test]
    fn findings_from_all_rules_come_back_sorted() {
        let mut doc = fixture::empty();
        let mut ent = Unit::new("", UnitKind::Enterprise);
        ent.employees = Some(10);
        ent.female_staff = Some(12);
        ent.opened = Some(date("2030-01-01"));
        ent.parent = Some("nowhere".into());
        doc.units.insert("u1".into(), ent);
        let mut p = Person::new("张三");
        p.unit = Some("u1".into());
        doc.people.insert("p1".into(), p);
        let mut n = fixture::nomination("p1", "u1");
        n.steps.inspection = Some(InspectionStep {
            date: date("2025-02-01"),
            inspector: None,
            summary: None,
        });
        doc.nominations.insert("n1".into(), n);

        let findings = validate(&doc, today());
        let got: Vec<(&str, &str, &str, FindingRule)> = findings
            .iter()
            .map(|f| (f.record.map, f.record.id.as_str(), f.field.as_str(), f.rule))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "nominations",
                    "n1",
                    "steps.inspection",
                    FindingRule::StepOutOfOrder
                ),
                ("units", "u1", "credit_code", FindingRule::MissingField),
                (
                    "units",
                    "u1",
                    "female_staff",
                    FindingRule::CountAboveEmployees
                ),
                ("units", "u1", "name", FindingRule::MissingField),
                ("units", "u1", "opened", FindingRule::FutureDate),
                ("units", "u1", "parent", FindingRule::DanglingReference),
            ]
        );
    }

    #[test]
    fn unreadable_records_are_findings_and_not_dangling_targets() {
        let mut doc = fixture::clean();
        if let Some(p) = doc.people.get_mut("li") {
            p.unit = Some("newer".into());
        }
        let unreadable = [Unreadable {
            map: "units",
            id: "newer".into(),
            error: "unknown kind 'cooperative'".into(),
        }];
        let with = validate_with_unreadable(&doc, &unreadable, today());
        assert_eq!(with, unreadable_findings(&unreadable));
        let without = validate(&doc, today());
        assert_eq!(without.len(), 1);
        assert_eq!(without[0].rule, FindingRule::DanglingReference);
    }
}
