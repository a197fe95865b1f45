//! `coverage`: each formation and staffing rate, per township and for the
//! county, as required / formed / rate / target / met.
//!
//! The figures are [`coverage`]'s, the one the devices run: units are read
//! back from their projected records and people from their columns, so the
//! county and an offline township get the same numbers.
//!
//! The county's figure is the sum of the townships' counts, not an average
//! of their rates: a township of 3 enterprises must not weigh as much as
//! one of 300. The full-time 妇联 chair counts townships, each by its own
//! 妇联 (`p_township_orgs`); a township with none recorded is 0 of 1.

use std::collections::BTreeMap;

use qunjian_shared::rules::{Rate, Rules, TargetId, coverage, sum_rates};
use qunjian_shared::schema::{Date, OrgKind, TownshipOrgs};

use super::filters::Filters;
use super::source::{PersonRow, TownshipRef, UnitRow};
use super::{TOTAL_ZH, table};
use crate::report_table::{Cell, ReportTable};

/// Which organization a target measures, for the `organization` filter.
pub fn target_org(t: TargetId) -> OrgKind {
    match t {
        TargetId::UnionLarge | TargetId::UnionMedium | TargetId::UnionAll => OrgKind::Union,
        TargetId::League => OrgKind::League,
        TargetId::WomensHome => OrgKind::WomensHome,
        TargetId::WomenOrgLiangxin
        | TargetId::WomensCommittee
        | TargetId::FederationChair
        | TargetId::CongressChair
        | TargetId::WomenReserveCadres => OrgKind::Women,
    }
}

/// Each township's rates on `as_of`, in the order of `townships`: the
/// figures of the table's rows, and of the dashboard's charts.
pub fn per_township(
    townships: &[TownshipRef],
    units: &[UnitRow],
    people: &[PersonRow],
    orgs: &BTreeMap<String, TownshipOrgs>,
    as_of: Date,
    rules: &Rules,
) -> Vec<Vec<Rate>> {
    townships
        .iter()
        .map(|t| {
            let mine: Vec<_> = units
                .iter()
                .filter(|u| u.township == t.code)
                .map(|u| u.unit.clone())
                .collect();
            let theirs: Vec<_> = people
                .iter()
                .filter(|p| p.township == t.code)
                .map(|p| p.person.clone())
                .collect();
            let own = orgs.get(&t.code).cloned().unwrap_or_default();
            coverage(&mine, &theirs, &own, rules, as_of)
        })
        .collect()
}

/// Build the table.
pub fn build(
    townships: &[TownshipRef],
    units: &[UnitRow],
    people: &[PersonRow],
    orgs: &BTreeMap<String, TownshipOrgs>,
    f: &Filters,
    rules: &Rules,
) -> ReportTable {
    let wanted = |r: &Rate| f.organization.is_none_or(|o| target_org(r.target) == o);
    let mut out = Vec::new();
    let mut all = Vec::new();
    let rates = per_township(townships, units, people, orgs, f.as_of, rules);
    for (t, rates) in townships.iter().zip(rates) {
        for r in rates.iter().filter(|r| wanted(r)) {
            out.push(cells(&t.name, &t.code, r));
        }
        all.extend(rates);
    }
    for r in sum_rates(&all).iter().filter(|r| wanted(r)) {
        out.push(cells(TOTAL_ZH, "", r));
    }
    table(
        "coverage",
        "组建率与配备率",
        &[
            ("township", "乡镇"),
            ("township_code", "乡镇代码"),
            ("target", "指标"),
            ("target_key", "指标代码"),
            ("required", "应建数"),
            ("formed", "已建数"),
            ("rate", "组建率"),
            ("target_rate", "目标"),
            ("met", "是否达标"),
        ],
        out,
    )
    .with_machine_ids(&["target_key"])
}

fn cells(name: &str, code: &str, r: &Rate) -> Vec<Cell> {
    vec![
        Cell::Text(name.to_string()),
        Cell::Text(code.to_string()),
        Cell::Text(r.label_zh.clone()),
        Cell::Text(r.target.as_str().to_string()),
        Cell::Int(r.required.into()),
        Cell::Int(r.formed.into()),
        r.rate.map_or(Cell::Empty, Cell::Percent),
        Cell::Percent(r.target_rate),
        r.met.map_or(Cell::Empty, Cell::Bool),
    ]
}
