//! Records that could not be read as their type (written by a newer app,
//! or edited by hand) as findings, so the cadre and the county's `quality`
//! report see them next to everything else. Such a record is skipped when
//! the document is read and left untouched in it; nothing is lost.

use super::finding::{Finding, FindingRule};
use crate::schema::{
    Activity, ExecLink, Honor, Nomination, Person, Record, Unit, Unreadable, Visit,
};

/// The kind of record a map holds, in Chinese and English.
fn kind(map: &str) -> (&str, &str) {
    match map {
        m if m == Unit::MAP => (Unit::NAME_ZH, "Unit"),
        m if m == Person::MAP => (Person::NAME_ZH, "Person"),
        m if m == Nomination::MAP => (Nomination::NAME_ZH, "Nomination"),
        m if m == Activity::MAP => (Activity::NAME_ZH, "Activity"),
        m if m == Honor::MAP => (Honor::NAME_ZH, "Honor"),
        m if m == Visit::MAP => (Visit::NAME_ZH, "Visit"),
        m if m == ExecLink::MAP => (ExecLink::NAME_ZH, "Executive link"),
        other => (other, other),
    }
}

/// One finding per record that could not be read, in sorted order.
pub fn unreadable_findings(unreadable: &[Unreadable]) -> Vec<Finding> {
    let mut out: Vec<Finding> = unreadable
        .iter()
        .map(|u| {
            let (zh, en) = kind(u.map);
            Finding::new(
                u.map,
                &u.id,
                "",
                FindingRule::Unreadable,
                format!(
                    "{zh}记录（编号 {}）无法读取，已跳过（文档中原样保留，可能由较新版本的应用写入）：{}",
                    u.id, u.error
                ),
                format!(
                    "{en} record {} could not be read and was skipped \
                     (left untouched in the document; perhaps written by a newer app): {}",
                    u.id, u.error
                ),
            )
        })
        .collect();
    super::finding::sort_findings(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_unreadable_record_becomes_one_finding_sorted() {
        let unreadable = [
            Unreadable {
                map: "units",
                id: "u9".into(),
                error: "expected a string for name".into(),
            },
            Unreadable {
                map: "people",
                id: "p1".into(),
                error: "bad gender".into(),
            },
        ];
        assert_eq!(
            unreadable_findings(&unreadable),
            vec![
                Finding::new(
                    "people",
                    "p1",
                    "",
                    FindingRule::Unreadable,
                    "人员记录（编号 p1）无法读取，已跳过（文档中原样保留，可能由较新版本的应用写入）：bad gender",
                    "Person record p1 could not be read and was skipped \
                     (left untouched in the document; perhaps written by a newer app): bad gender"
                ),
                Finding::new(
                    "units",
                    "u9",
                    "",
                    FindingRule::Unreadable,
                    "单位记录（编号 u9）无法读取，已跳过（文档中原样保留，可能由较新版本的应用写入）：expected a string for name",
                    "Unit record u9 could not be read and was skipped \
                     (left untouched in the document; perhaps written by a newer app): expected a string for name"
                ),
            ]
        );
        assert_eq!(unreadable_findings(&[]), vec![]);
    }
}
