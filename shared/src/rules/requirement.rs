//! Which organizations a unit must have, and whether it has them.
//!
//! One function, [`requirements`], reads one unit against the county's
//! [`Rules`] on a given day. The `gaps` report (应建未建) is the requirements
//! not met; the formation rates count the same requirements, so a unit is
//! never missing from one and counted in the other.

use chrono::Months;
use serde::{Deserialize, Serialize};

use super::as_of::{FormedOn, counts_on};
use super::config::{Rules, Thresholds};
use super::required_org::RequiredOrg;
use super::rule_id::RuleId;
use crate::schema::{Date, Unit, UnitKind, WomenOrg, WomenOrgForm};

/// One organization a unit must have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    /// What it must have.
    pub org: RequiredOrg,
    /// Which rule says so.
    pub rule: RuleId,
    /// Whether it has it on the day asked.
    pub met: bool,
    /// By when, where the rule sets a deadline (a union: opening plus
    /// `union_deadline_months`); `None` when there is none or the opening
    /// date is unknown.
    pub due: Option<Date>,
    /// Not met and the deadline has passed.
    pub overdue: bool,
}

impl Requirement {
    fn new(org: RequiredOrg, rule: RuleId, met: bool, due: Option<Date>, as_of: Date) -> Self {
        Requirement {
            org,
            rule,
            met,
            due,
            overdue: !met && due.is_some_and(|d| as_of > d),
        }
    }
}

/// The organizations `unit` must have on `as_of`, in a fixed order (union,
/// 女职工委员会, league, women's organization, 妇女之家).
///
/// An archived unit, or one opened after `as_of`, has none. A count the
/// unit does not record (employees, female staff, youth) triggers no rule
/// that depends on it: the rule cannot be decided, and validation is where
/// missing counts are chased.
pub fn requirements(unit: &Unit, rules: &Rules, as_of: Date) -> Vec<Requirement> {
    if !counts_on(unit, as_of) {
        return Vec::new();
    }
    let t = &rules.thresholds;
    let mut out = Vec::new();
    union(unit, t, as_of, &mut out);
    if unit.kind.is_liangxin() {
        league(unit, t, as_of, &mut out);
        liangxin_women(unit, t, as_of, &mut out);
    }
    if matches!(unit.kind, UnitKind::Agency | UnitKind::Institution) && unit.female_staff != Some(0)
    {
        // "有条件的" agencies: one known to have no women cannot form a 妇委会.
        out.push(Requirement::new(
            RequiredOrg::WomensCommittee,
            RuleId::WomensCommittee,
            women_org_at_least(&unit.women_org, Level::Committee, as_of),
            None,
            as_of,
        ));
    }
    if matches!(unit.kind, UnitKind::Village | UnitKind::Community) {
        out.push(Requirement::new(
            RequiredOrg::WomensHome,
            RuleId::WomensHome,
            unit.womens_home.formed_on(as_of),
            None,
            as_of,
        ));
    }
    out
}

/// The union of an enterprise with enough employees, due within the months
/// after opening; and the 女职工委员会 that goes with any union.
fn union(unit: &Unit, t: &Thresholds, as_of: Date, out: &mut Vec<Requirement>) {
    let formed = unit.union.formed_on(as_of);
    let required =
        unit.kind == UnitKind::Enterprise && unit.employees.is_some_and(|n| n >= t.union_employees);
    let due = if required {
        unit.opened
            .and_then(|d| d.0.checked_add_months(Months::new(t.union_deadline_months)))
            .map(Date)
    } else {
        None
    };
    if required {
        // The rule asks an *independent* union; a joint union (联合工会,
        // `independent: false`) does not meet it. Not recorded counts as
        // independent: most ledgers never ask.
        let met = formed && unit.union.independent != Some(false);
        out.push(Requirement::new(
            RequiredOrg::Union,
            RuleId::UnionEmployees,
            met,
            due,
            as_of,
        ));
    }
    // "在建立基层工会的同时,建立女职工委员会": wherever a union is required
    // or already exists, except where there are known to be no women.
    if t.female_workers_committee_with_union && (required || formed) && unit.female_staff != Some(0)
    {
        let met = formed && unit.union.female_workers_committee == Some(true);
        out.push(Requirement::new(
            RequiredOrg::FemaleWorkersCommittee,
            RuleId::FemaleWorkersCommittee,
            met,
            due,
            as_of,
        ));
    }
}

/// A league organization where a 两新 organization has a party organization
/// and enough youth.
fn league(unit: &Unit, t: &Thresholds, as_of: Date, out: &mut Vec<Requirement>) {
    let eligible =
        unit.party_org.formed_on(as_of) && unit.youth.is_some_and(|n| n >= t.league_youth);
    if eligible {
        out.push(Requirement::new(
            RequiredOrg::League,
            RuleId::LeagueYouth,
            unit.league.formed_on(as_of),
            None,
            as_of,
        ));
    }
}

/// A 妇女工作委员会 or a 妇女工作联络员, by fixed female staff.
fn liangxin_women(unit: &Unit, t: &Thresholds, as_of: Date, out: &mut Vec<Requirement>) {
    let Some(women) = unit.female_staff else {
        return;
    };
    let (org, rule, level) = if women >= t.work_committee_female_staff {
        (
            RequiredOrg::WomenWorkCommittee,
            RuleId::WomenWorkCommittee,
            Level::Committee,
        )
    } else if women >= t.liaison_female_staff && women > 0 {
        (
            RequiredOrg::WomenLiaison,
            RuleId::WomenLiaison,
            Level::Liaison,
        )
    } else {
        return;
    };
    let met = women_org_at_least(&unit.women_org, level, as_of);
    out.push(Requirement::new(org, rule, met, None, as_of));
}

/// How much of a women's organization a form is: a liaison is one person,
/// every other form is a committee. A higher level meets a lower
/// requirement (a 妇工委 where a liaison is asked), never the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Liaison,
    Committee,
}

fn level(form: Option<WomenOrgForm>) -> Level {
    match form {
        // A formed organization whose form nobody recorded is at least a
        // liaison; validation asks for the form.
        None | Some(WomenOrgForm::Liaison) => Level::Liaison,
        Some(
            WomenOrgForm::WorkCommittee
            | WomenOrgForm::Committee
            | WomenOrgForm::Federation
            | WomenOrgForm::Congress,
        ) => Level::Committee,
    }
}

fn women_org_at_least(org: &WomenOrg, needed: Level, as_of: Date) -> bool {
    org.formed_on(as_of) && level(org.form) >= needed
}

#[cfg(test)]
mod tests;
