//! `gaps` (应建未建): every unit, and each organization it must have but
//! lacks, with the rule that requires it and whether its deadline passed.

use qunjian_shared::rules::{RequiredOrg, Rules, requirements};
use qunjian_shared::schema::OrgKind;

use super::filters::Filters;
use super::source::{TownshipRef, UnitRow};
use super::table;
use crate::report_table::{Cell, ReportTable};

/// Which organization a requirement is about, for the `organization` filter.
pub fn required_org_kind(r: RequiredOrg) -> OrgKind {
    match r {
        RequiredOrg::Union | RequiredOrg::FemaleWorkersCommittee => OrgKind::Union,
        RequiredOrg::League => OrgKind::League,
        RequiredOrg::WomenWorkCommittee
        | RequiredOrg::WomenLiaison
        | RequiredOrg::WomensCommittee => OrgKind::Women,
        RequiredOrg::WomensHome => OrgKind::WomensHome,
    }
}

/// Build the table: overdue gaps first within each township, then by unit.
pub fn build(
    townships: &[TownshipRef],
    units: &[UnitRow],
    f: &Filters,
    rules: &Rules,
) -> ReportTable {
    let mut out = Vec::new();
    for t in townships {
        let mut rows = Vec::new();
        for u in units.iter().filter(|u| u.township == t.code) {
            for req in requirements(&u.unit, rules, f.as_of) {
                if req.met
                    || f.organization
                        .is_some_and(|o| required_org_kind(req.org) != o)
                {
                    continue;
                }
                rows.push((
                    !req.overdue,
                    vec![
                        Cell::Text(t.name.clone()),
                        Cell::Text(t.code.clone()),
                        Cell::Text(u.unit.name.clone()),
                        Cell::Text(u.id.clone()),
                        Cell::Text(u.unit.kind.label().to_string()),
                        Cell::Text(req.org.label().to_string()),
                        Cell::Text(req.rule.describe(rules)),
                        req.due.map_or(Cell::Empty, |d| Cell::Text(d.to_string())),
                        Cell::Bool(req.overdue),
                    ],
                ));
            }
        }
        // Stable sort: within "overdue" and "not yet", units keep their order.
        rows.sort_by_key(|(not_overdue, _)| *not_overdue);
        out.extend(rows.into_iter().map(|(_, r)| r));
    }
    table(
        "gaps",
        "应建未建",
        &[
            ("township", "乡镇"),
            ("township_code", "乡镇代码"),
            ("unit", "单位"),
            ("unit_id", "单位编号"),
            ("unit_kind", "单位类型"),
            ("missing", "应建组织"),
            ("rule", "依据"),
            ("due", "应建期限"),
            ("overdue", "已逾期"),
        ],
        out,
    )
    .with_machine_ids(&["unit_id"])
}
