//! Tests of `required`.

use super::super::fixture::{self, date};
use super::*;
use crate::schema::{Activity, ActivityKind, Person, UnitKind, WomenOrgForm};

#[test]
fn the_clean_document_has_every_required_field() {
    assert_eq!(check(&fixture::clean()), vec![]);
}

#[test]
fn blank_names_and_titles_are_missing_fields_named_by_id() {
    let mut doc = fixture::empty();
    doc.units
        .insert("u1".into(), Unit::new("  ", UnitKind::Village));
    doc.people.insert("p1".into(), Person::new(""));
    doc.activities.insert(
        "a1".into(),
        Activity::new(ActivityKind::Study, " ", date("2025-01-05")),
    );
    assert_eq!(
        check(&doc),
        vec![
            Finding::new(
                "units",
                "u1",
                "name",
                FindingRule::MissingField,
                "单位（编号 u1）没有填写单位名称",
                "Unit u1 has no name"
            ),
            Finding::new(
                "people",
                "p1",
                "name",
                FindingRule::MissingField,
                "人员（编号 p1）没有填写姓名",
                "Person p1 has no name"
            ),
            Finding::new(
                "activities",
                "a1",
                "title",
                FindingRule::MissingField,
                "活动（编号 a1，2025-01-05）没有填写标题",
                "Activity a1 (2025-01-05) has no title"
            ),
        ]
    );
}

#[test]
fn a_nomination_and_a_visit_need_their_person_unit_and_cadre() {
    let mut doc = fixture::empty();
    doc.nominations
        .insert("n1".into(), fixture::nomination("", " "));
    doc.visits
        .insert("v1".into(), fixture::visit("", "", "2025-02-01"));
    assert_eq!(
        check(&doc),
        vec![
            Finding::new(
                "nominations",
                "n1",
                "person",
                FindingRule::MissingField,
                "推优记录（未填被推荐人，2025 年，妇女组织）没有填写被推荐人",
                "Nomination of no nominee (2025, by the women's organization) has no nominee (person)"
            ),
            Finding::new(
                "nominations",
                "n1",
                "unit",
                FindingRule::MissingField,
                "推优记录（未填被推荐人，2025 年，妇女组织）没有填写推荐组织所在单位",
                "Nomination of no nominee (2025, by the women's organization) has no unit for the recommending organization"
            ),
            Finding::new(
                "visits",
                "v1",
                "cadre",
                FindingRule::MissingField,
                "走访记录（未填干部 → 未填单位，2025-02-01）没有填写走访干部",
                "Visit (no cadre to no unit, 2025-02-01) has no visiting cadre"
            ),
            Finding::new(
                "visits",
                "v1",
                "unit",
                FindingRule::MissingField,
                "走访记录（未填干部 → 未填单位，2025-02-01）没有填写走访单位",
                "Visit (no cadre to no unit, 2025-02-01) has no unit visited"
            ),
        ]
    );
}

#[test]
fn a_women_org_formed_by_flag_or_date_needs_its_form() {
    let mut doc = fixture::empty();
    let mut by_flag = Unit::new("城关村", UnitKind::Village);
    by_flag.women_org.formed = true;
    doc.units.insert("u1".into(), by_flag);
    let mut by_date = Unit::new("南街社区", UnitKind::Community);
    by_date.women_org.established = Some(date("2019-03-08"));
    doc.units.insert("u2".into(), by_date);
    let mut with_form = Unit::new("北街社区", UnitKind::Community);
    with_form.women_org.formed = true;
    with_form.women_org.form = Some(WomenOrgForm::Federation);
    doc.units.insert("u3".into(), with_form);
    let zh = "已建妇女组织，但没有填写组织形式（妇联、妇代会、妇委会、妇工委或联络员）";
    let en = " has a women's organization but not its form (federation, congress, committee, work committee or liaison)";
    assert_eq!(
        check(&doc),
        vec![
            Finding::new(
                "units",
                "u1",
                "women_org.form",
                FindingRule::MissingField,
                format!("单位「城关村」{zh}"),
                format!("Unit \"城关村\"{en}")
            ),
            Finding::new(
                "units",
                "u2",
                "women_org.form",
                FindingRule::MissingField,
                format!("单位「南街社区」{zh}"),
                format!("Unit \"南街社区\"{en}")
            ),
        ]
    );
}

#[test]
fn an_honor_goes_to_exactly_one_recipient() {
    let mut doc = fixture::empty();
    doc.honors.insert("h0".into(), fixture::honor());
    let mut both = fixture::honor();
    both.recipient_unit = Some("u".into());
    both.recipient_person = Some("p".into());
    doc.honors.insert("h2".into(), both);
    let mut blank = fixture::honor();
    blank.recipient_person = Some(" ".into());
    doc.honors.insert("h3".into(), blank);
    let mut one = fixture::honor();
    one.recipient_unit = Some("u".into());
    doc.honors.insert("h1".into(), one);
    let none_zh = "荣誉「三八红旗手」（2025 年，县级）没有填写获得者：请填写获奖单位或获奖个人";
    let none_en = "Honor \"三八红旗手\" (2025, county level) has no recipient: give the unit or the person honored";
    assert_eq!(
        check(&doc),
        vec![
            Finding::new(
                "honors",
                "h0",
                "",
                FindingRule::MissingField,
                none_zh,
                none_en
            ),
            Finding::new(
                "honors",
                "h2",
                "",
                FindingRule::ConflictingFields,
                "荣誉「三八红旗手」（2025 年，县级）同时填写了获奖单位和获奖个人，只能填写其中一个",
                "Honor \"三八红旗手\" (2025, county level) names both a unit and a person as recipient: keep only one"
            ),
            Finding::new(
                "honors",
                "h3",
                "",
                FindingRule::MissingField,
                none_zh,
                none_en
            ),
        ]
    );
}
