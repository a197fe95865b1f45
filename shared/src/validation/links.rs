//! An executive's link to a committee (`exec_links`) that cannot be what
//! it says: it ends before it begins, or the unit is no 两新 organization
//! (the rule links executives to the women's committees of enterprises and
//! social organizations only, so such a link would count for nothing).

use super::finding::{Finding, FindingRule};
use super::names;
use crate::schema::{ExecLink, Record, TownshipDocument};

pub(super) fn check(doc: &TownshipDocument) -> Vec<Finding> {
    let mut out = Vec::new();
    for (id, l) in &doc.exec_links {
        let s = names::exec_link(doc, l);
        if let Some(until) = l.until.filter(|u| *u < l.since) {
            out.push(Finding::new(
                ExecLink::MAP,
                id,
                "until",
                FindingRule::ConflictingFields,
                format!("{}的结束日期 {until} 早于挂钩日期 {}", s.zh, l.since),
                format!("{}: ends {until}, before it began ({})", s.en, l.since),
            ));
        }
        if let Some(unit) = doc.units.get(&l.unit).filter(|u| !u.kind.is_liangxin()) {
            out.push(Finding::new(
                ExecLink::MAP,
                id,
                "unit",
                FindingRule::ConflictingFields,
                format!(
                    "{}：执委只挂钩两新组织（企业、社会组织）的妇女组织，「{}」是{}",
                    s.zh,
                    unit.name.trim(),
                    unit.kind.label()
                ),
                format!(
                    "{}: executives are linked to 两新 organizations only, not to {}",
                    s.en,
                    names::kind_en(unit.kind)
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{self, date, link, today};
    use super::super::validate;
    use super::*;

    #[test]
    fn a_link_ending_before_it_began_or_to_a_village_is_flagged() {
        let mut doc = fixture::clean();
        let mut l = link("刘芳", "village", "2025-03-01");
        l.until = Some(date("2025-02-01"));
        doc.exec_links.insert("bad".into(), l);
        let got: Vec<(String, FindingRule, String)> = validate(&doc, today())
            .into_iter()
            .map(|f| (f.field, f.rule, f.message_zh))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "unit".to_string(),
                    FindingRule::ConflictingFields,
                    "执委挂钩（刘芳 → 城关村）：执委只挂钩两新组织（企业、社会组织）的妇女组织，「城关村」是行政村".to_string()
                ),
                (
                    "until".to_string(),
                    FindingRule::ConflictingFields,
                    "执委挂钩（刘芳 → 城关村）的结束日期 2025-02-01 早于挂钩日期 2025-03-01".to_string()
                ),
            ]
        );
    }

    #[test]
    fn a_link_with_no_name_no_unit_or_a_unit_that_is_gone_is_flagged() {
        let mut doc = fixture::empty();
        doc.exec_links
            .insert("a".into(), link(" ", "", "2025-01-01"));
        doc.exec_links
            .insert("b".into(), link("刘芳", "gone", "2099-01-01"));
        let got: Vec<(String, String, FindingRule)> = validate(&doc, today())
            .into_iter()
            .map(|f| (f.record.id, f.field, f.rule))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a".into(), "executive".into(), FindingRule::MissingField),
                ("a".into(), "unit".into(), FindingRule::MissingField),
                ("b".into(), "since".into(), FindingRule::FutureDate),
                ("b".into(), "unit".into(), FindingRule::DanglingReference),
            ]
        );
    }
}
