//! Entry checks: what can be seen to be wrong while a record is typed in,
//! refused at the door unless the person insists.
//!
//! A CRDT document must accept whatever other devices wrote, so
//! [`validate`](super::validate) only flags; but a record being entered on
//! this device can still be stopped before it is written, while the person
//! who knows the right value is at the keyboard. The checks are the
//! validation rules themselves, run over the document as it would be with
//! the record in it, so a problem forced in is exactly what `validate`
//! (and the county's quality report) lists afterwards.
//!
//! Only the rules a person can fix on the spot refuse an entry: a wrong
//! check character, counts above their totals, dates after today, years
//! out of range, steps dated before the step they follow, both recipients
//! of an honor, references to records that do not exist. Blank optional
//! fields do not: ledgers are filled in over time. An update is refused
//! only for the problems it brings, never for one the record already had.

use std::collections::{BTreeMap, BTreeSet};

use super::finding::{Finding, FindingRule};
use super::validate_with_unreadable;
use crate::schema::{
    Activity, Date, ExecLink, Honor, Nomination, Person, Record, Step, TownshipDocument, Unit,
    Unreadable, Visit,
};

/// The problems that stopped an entry; nothing of it was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "录入有 {} 个问题，未保存：改正后重试，或确认无误后强制记录 (entry refused: fix it, or force it)",
    .0.len()
)]
pub struct EntryProblems(pub Vec<Finding>);

/// The id a record being added is checked under (it has none yet).
pub const NEW_RECORD_ID: &str = "新记录";

/// A record kind whose entries are checked: where it lives in the typed
/// document.
pub trait EntryRecord: Record {
    /// Its map in `doc`.
    fn map_in(doc: &mut TownshipDocument) -> &mut BTreeMap<String, Self>;
    /// Its map in `doc`, to read.
    fn map_of(doc: &TownshipDocument) -> &BTreeMap<String, Self>;
}

macro_rules! entry_record {
    ($($t:ty => $field:ident),+ $(,)?) => {$(
        impl EntryRecord for $t {
            fn map_in(doc: &mut TownshipDocument) -> &mut BTreeMap<String, Self> {
                &mut doc.$field
            }
            fn map_of(doc: &TownshipDocument) -> &BTreeMap<String, Self> {
                &doc.$field
            }
        }
    )+};
}
entry_record!(
    Unit => units,
    Person => people,
    Nomination => nominations,
    Activity => activities,
    Honor => honors,
    Visit => visits,
    ExecLink => exec_links,
);

/// Whether a finding of `rule` refuses an entry.
pub fn refuses_entry(rule: FindingRule) -> bool {
    matches!(
        rule,
        FindingRule::BadCreditCode
            | FindingRule::CountAboveEmployees
            | FindingRule::CountAboveParticipants
            | FindingRule::FutureDate
            | FindingRule::StepDateBeforePrevious
            | FindingRule::ImplausibleYear
            | FindingRule::ConflictingFields
            | FindingRule::DanglingReference
    )
}

/// What is wrong with entering `record` into `doc` as of `today`: under
/// `id` when it replaces that record (an update), as a new record when
/// `id` is `None`. Only problems the entry brings are returned, each a
/// [`Finding`] naming the field and saying what to fix. `unreadable` are
/// the records `doc` could not read (references to them are not dangling).
pub fn entry_problems<R: EntryRecord>(
    doc: &TownshipDocument,
    unreadable: &[Unreadable],
    id: Option<&str>,
    record: &R,
    today: Date,
) -> Vec<Finding> {
    let id = id.unwrap_or(NEW_RECORD_ID);
    let of_record = |findings: Vec<Finding>| -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|f| f.record.map == R::MAP && f.record.id == id && refuses_entry(f.rule))
            .collect()
    };
    // What the record had before: an update is not refused for those,
    // as long as the field keeps its value (a new wrong value is new).
    let before: BTreeSet<(String, FindingRule)> =
        of_record(validate_with_unreadable(doc, unreadable, today))
            .into_iter()
            .map(|f| (f.field, f.rule))
            .collect();
    let old = R::map_of(doc)
        .get(id)
        .and_then(|r| serde_json::to_value(r).ok());
    let new = serde_json::to_value(record).ok();
    let unchanged = |field: &str| match (&old, &new) {
        (Some(old), Some(new)) => at(old, field) == at(new, field),
        _ => false,
    };
    let mut with = doc.clone();
    R::map_in(&mut with).insert(id.to_string(), record.clone());
    of_record(validate_with_unreadable(&with, unreadable, today))
        .into_iter()
        .filter(|f| !(before.contains(&(f.field.clone(), f.rule)) && unchanged(&f.field)))
        .collect()
}

/// The value at a finding's dotted `field` path in a record's JSON.
fn at<'a>(record: &'a serde_json::Value, field: &str) -> Option<&'a serde_json::Value> {
    field
        .split('.')
        .filter(|k| !k.is_empty())
        .try_fold(record, |v, k| v.get(k))
}

/// What is wrong with recording `step` on nomination `nomination` of
/// `doc`: a date after today, a date before the step it follows. Empty
/// when there is no such nomination (recording it is refused anyway).
pub fn step_entry_problems(
    doc: &TownshipDocument,
    unreadable: &[Unreadable],
    nomination: &str,
    step: &Step,
    today: Date,
) -> Vec<Finding> {
    let Some(current) = doc.nominations.get(nomination) else {
        return Vec::new();
    };
    let mut next = current.clone();
    next.steps.set(step.clone());
    entry_problems(doc, unreadable, Some(nomination), &next, today)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{self, date, today};
    use super::*;
    use crate::schema::{
        ActivityKind, AssemblyStep, InspectionStep, PartyDecision, PartyDecisionStep, Person,
        UnitKind,
    };

    /// 91330825MA2A0B1C2 with its check character.
    const GOOD_CODE: &str = "91330825MA2A0B1C2M";

    fn rules(found: &[Finding]) -> Vec<(&str, FindingRule)> {
        found.iter().map(|f| (f.field.as_str(), f.rule)).collect()
    }

    #[test]
    fn a_sound_unit_enters_and_a_wrong_check_character_is_refused() {
        let doc = fixture::clean();
        let mut u = Unit::new("某纸业公司", UnitKind::Enterprise);
        u.credit_code = Some(GOOD_CODE.into());
        u.employees = Some(120);
        u.female_staff = Some(45);
        assert_eq!(entry_problems(&doc, &[], None, &u, today()), vec![]);
        u.credit_code = Some("91330825MA2A0B1C2N".into());
        let got = entry_problems(&doc, &[], None, &u, today());
        assert_eq!(rules(&got), [("credit_code", FindingRule::BadCreditCode)]);
        assert!(got[0].message_zh.contains("“M”"), "{}", got[0].message_zh);
    }

    #[test]
    fn counts_above_their_totals_are_refused() {
        let doc = fixture::empty();
        let mut u = Unit::new("某电子厂", UnitKind::Enterprise);
        u.employees = Some(20);
        u.female_staff = Some(21);
        let got = entry_problems(&doc, &[], None, &u, today());
        assert_eq!(
            rules(&got),
            [("female_staff", FindingRule::CountAboveEmployees)]
        );
        let mut a = Activity::new(ActivityKind::Event, "座谈会", date("2025-03-08"));
        a.participants = 10;
        a.women_participants = 11;
        let got = entry_problems(&doc, &[], None, &a, today());
        assert_eq!(
            rules(&got),
            [("women_participants", FindingRule::CountAboveParticipants)]
        );
    }

    #[test]
    fn birth_years_out_of_range_and_dangling_units_are_refused() {
        let doc = fixture::empty();
        let mut p = Person::new("李娟");
        p.birth_year = Some(1890);
        p.unit = Some("nowhere".into());
        let got = entry_problems(&doc, &[], None, &p, today());
        assert_eq!(
            rules(&got),
            [
                ("birth_year", FindingRule::ImplausibleYear),
                ("unit", FindingRule::DanglingReference)
            ]
        );
        p.birth_year = Some(1990);
        p.unit = None;
        assert_eq!(entry_problems(&doc, &[], None, &p, today()), vec![]);
    }

    #[test]
    fn an_update_is_refused_only_for_what_it_brings() {
        let mut doc = fixture::empty();
        let mut u = Unit::new("某电子厂", UnitKind::Enterprise);
        u.credit_code = Some("91330825MA2A0B1C2N".into());
        doc.units.insert("u".into(), u.clone());
        // The bad code was forced in before; changing the name is fine.
        u.name = "某电子有限公司".into();
        assert_eq!(entry_problems(&doc, &[], Some("u"), &u, today()), vec![]);
        u.opened = Some(date("2030-01-01"));
        let got = entry_problems(&doc, &[], Some("u"), &u, today());
        assert_eq!(rules(&got), [("opened", FindingRule::FutureDate)]);
        // Another wrong code is a new problem, though the rule is the same.
        u.opened = None;
        u.credit_code = Some("91330825MA2A0B1C2P".into());
        let got = entry_problems(&doc, &[], Some("u"), &u, today());
        assert_eq!(rules(&got), [("credit_code", FindingRule::BadCreditCode)]);
    }

    #[test]
    fn a_step_dated_before_the_step_it_follows_is_refused() {
        let mut doc = fixture::empty();
        doc.people.insert("p".into(), Person::new("李娟"));
        doc.units
            .insert("u".into(), Unit::new("城关村", UnitKind::Village));
        let mut n = fixture::nomination("p", "u");
        n.steps.assembly = Some(AssemblyStep {
            date: date("2025-03-01"),
            attendance: Some(30),
            votes_for: Some(28),
        });
        doc.nominations.insert("n".into(), n);
        let early = Step::Inspection(InspectionStep {
            date: date("2025-02-01"),
            inspector: None,
            summary: None,
        });
        let got = step_entry_problems(&doc, &[], "n", &early, today());
        assert_eq!(
            rules(&got),
            [("steps.inspection.date", FindingRule::StepDateBeforePrevious)]
        );
        let later = Step::Inspection(InspectionStep {
            date: date("2025-03-02"),
            inspector: None,
            summary: None,
        });
        assert_eq!(step_entry_problems(&doc, &[], "n", &later, today()), vec![]);
        let future = Step::PartyDecision(PartyDecisionStep {
            date: date("2025-07-01"),
            decision: PartyDecision::Activist,
        });
        let got = step_entry_problems(&doc, &[], "n", &future, today());
        assert!(
            got.iter().any(
                |f| f.rule == FindingRule::FutureDate && f.field == "steps.party_decision.date"
            ),
            "{got:?}"
        );
        assert_eq!(
            step_entry_problems(&doc, &[], "none", &later, today()),
            vec![]
        );
    }
}
