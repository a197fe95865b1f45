//! Tests of `references`.

use super::super::fixture::{self, date};
use super::*;
use crate::schema::{ActivityKind, UnitKind};

#[test]
fn the_clean_document_resolves_every_reference_archived_ones_too() {
    let mut doc = fixture::clean();
    let mut p = Person::new("老会计");
    p.unit = Some("old".into()); // archived unit: still present
    doc.people.insert("p2".into(), p);
    assert_eq!(check(&doc, &[]), vec![]);
}

#[test]
fn every_kind_of_reference_to_a_missing_record_is_flagged() {
    let mut doc = fixture::empty();
    let mut ent = Unit::new("某某纸业", UnitKind::Enterprise);
    ent.parent = Some("gone-park".into());
    doc.units.insert("e".into(), ent);
    let mut p = Person::new("李娟");
    p.unit = Some("gone-unit".into());
    doc.people.insert("p".into(), p);
    doc.nominations
        .insert("n".into(), fixture::nomination("gone-person", "e"));
    doc.visits.insert(
        "v".into(),
        fixture::visit("王书记", "gone-unit", "2025-05-01"),
    );
    let mut h = fixture::honor();
    h.recipient_person = Some("gone-person".into());
    doc.honors.insert("h".into(), h);
    let mut a = Activity::new(ActivityKind::Training, "技能培训", date("2025-04-01"));
    a.units.insert("e".into());
    a.units.insert("gone-unit".into());
    doc.activities.insert("a".into(), a);

    let got = check(&doc, &[]);
    let keys: Vec<(&str, &str, &str)> = got
        .iter()
        .map(|f| (f.record.map, f.record.id.as_str(), f.field.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("units", "e", "parent"),
            ("people", "p", "unit"),
            ("nominations", "n", "person"),
            ("visits", "v", "unit"),
            ("honors", "h", "recipient_person"),
            ("activities", "a", "units.gone-unit"),
        ]
    );
    assert!(got.iter().all(|f| f.rule == FindingRule::DanglingReference));
    assert_eq!(
        got[1],
        Finding::new(
            "people",
            "p",
            "unit",
            FindingRule::DanglingReference,
            "人员「李娟」的所在单位指向不存在的单位（编号 gone-unit）",
            "Person \"李娟\": unit refers to unit gone-unit, which is not in the document"
        )
    );
    assert_eq!(
        got[2].message_zh,
        "推优记录（人员编号 gone-person，2025 年，妇女组织）的被推荐人指向不存在的人员（编号 gone-person）"
    );
    assert_eq!(
        got[5].message_en,
        "Activity \"技能培训\" (2025-04-01): a participating unit refers to unit gone-unit, which is not in the document"
    );
}

#[test]
fn a_reference_to_an_unreadable_record_is_not_dangling() {
    let mut doc = fixture::empty();
    let mut p = Person::new("李娟");
    p.unit = Some("newer".into());
    doc.people.insert("p".into(), p);
    let unreadable = [Unreadable {
        map: "units",
        id: "newer".into(),
        error: "unexpected kind".into(),
    }];
    assert_eq!(check(&doc, &unreadable), vec![]);
    // An unreadable *person* with that id does not make the unit present.
    let wrong_map = [Unreadable {
        map: "people",
        id: "newer".into(),
        error: "x".into(),
    }];
    assert_eq!(check(&doc, &wrong_map).len(), 1);
}
