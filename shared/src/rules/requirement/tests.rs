//! Tests of `requirements`.

use super::super::fixture::{as_of, date, enterprise, enterprise_with_union, social_org};
use super::*;
use crate::schema::PartyOrg;

fn orgs(reqs: &[Requirement]) -> Vec<RequiredOrg> {
    reqs.iter().map(|r| r.org).collect()
}

fn one(reqs: &[Requirement], org: RequiredOrg) -> &Requirement {
    reqs.iter()
        .find(|r| r.org == org)
        .unwrap_or_else(|| panic!("no {org} in {reqs:?}"))
}

#[test]
fn a_two_xin_unit_with_30_women_needs_a_work_committee_29_a_liaison_0_nothing() {
    let rules = Rules::default();
    let r30 = requirements(&social_org(30), &rules, as_of());
    assert_eq!(orgs(&r30), [RequiredOrg::WomenWorkCommittee]);
    assert_eq!(r30[0].rule, RuleId::WomenWorkCommittee);
    assert!(!r30[0].met);

    let r29 = requirements(&social_org(29), &rules, as_of());
    assert_eq!(orgs(&r29), [RequiredOrg::WomenLiaison]);
    assert_eq!(r29[0].rule, RuleId::WomenLiaison);

    assert_eq!(
        requirements(&social_org(1), &rules, as_of())[0].org,
        RequiredOrg::WomenLiaison
    );
    assert_eq!(requirements(&social_org(0), &rules, as_of()), vec![]);

    // Female staff not recorded: the rule cannot be decided.
    let mut unknown = social_org(0);
    unknown.female_staff = None;
    assert_eq!(requirements(&unknown, &rules, as_of()), vec![]);
}

#[test]
fn a_work_committee_meets_a_liaison_requirement_but_not_the_reverse() {
    let rules = Rules::default();
    let mut small = social_org(10);
    small.women_org.formed = true;
    small.women_org.form = Some(WomenOrgForm::WorkCommittee);
    assert!(requirements(&small, &rules, as_of())[0].met);

    let mut big = social_org(45);
    big.women_org.formed = true;
    big.women_org.form = Some(WomenOrgForm::Liaison);
    let reqs = requirements(&big, &rules, as_of());
    assert_eq!(reqs[0].org, RequiredOrg::WomenWorkCommittee);
    assert!(!reqs[0].met);

    // Formed, form not recorded: counts as a liaison only.
    big.women_org.form = None;
    assert!(!requirements(&big, &rules, as_of())[0].met);
    small.women_org.form = None;
    assert!(requirements(&small, &rules, as_of())[0].met);
}

#[test]
fn an_enterprise_opened_11_months_ago_without_a_union_is_due_not_overdue_13_is_overdue() {
    let rules = Rules::default();
    let mut e = enterprise(40);
    e.opened = Some(date("2024-07-30")); // 11 months before 2025-06-30
    let union = one(&requirements(&e, &rules, as_of()), RequiredOrg::Union).clone();
    assert_eq!(
        union,
        Requirement {
            org: RequiredOrg::Union,
            rule: RuleId::UnionEmployees,
            met: false,
            due: Some(date("2025-07-30")),
            overdue: false,
        }
    );

    e.opened = Some(date("2024-05-30")); // 13 months before
    let union = one(&requirements(&e, &rules, as_of()), RequiredOrg::Union).clone();
    assert_eq!(union.due, Some(date("2025-05-30")));
    assert!(union.overdue);

    // On the due date itself it is not yet overdue.
    e.opened = Some(date("2024-06-30"));
    assert!(!one(&requirements(&e, &rules, as_of()), RequiredOrg::Union).overdue);

    // A union formed in time is neither.
    e.union.established = Some(date("2025-01-10"));
    let union = one(&requirements(&e, &rules, as_of()), RequiredOrg::Union).clone();
    assert!(union.met && !union.overdue);
}

#[test]
fn the_deadline_is_a_county_setting() {
    let mut rules = Rules::default();
    rules.thresholds.union_deadline_months = 6;
    let mut e = enterprise(40);
    e.opened = Some(date("2024-12-01"));
    let union = one(&requirements(&e, &rules, as_of()), RequiredOrg::Union).clone();
    assert_eq!(union.due, Some(date("2025-06-01")));
    assert!(union.overdue);
}

#[test]
fn the_union_rule_starts_at_25_employees_and_wants_the_committee_with_it() {
    let rules = Rules::default();
    assert_eq!(requirements(&enterprise(24), &rules, as_of()), vec![]);
    let reqs = requirements(&enterprise(25), &rules, as_of());
    assert_eq!(
        orgs(&reqs),
        [RequiredOrg::Union, RequiredOrg::FemaleWorkersCommittee]
    );
    // Opened 2015: long overdue, both.
    assert!(reqs.iter().all(|r| r.overdue));

    let mut e = enterprise_with_union(25);
    e.union.female_workers_committee = Some(true);
    assert!(requirements(&e, &rules, as_of()).iter().all(|r| r.met));

    // A joint union does not meet the independent-union rule.
    e.union.independent = Some(false);
    assert!(!one(&requirements(&e, &rules, as_of()), RequiredOrg::Union).met);

    // A union below the threshold is not required, but its committee is.
    let small = enterprise_with_union(10);
    assert_eq!(
        orgs(&requirements(&small, &rules, as_of())),
        [RequiredOrg::FemaleWorkersCommittee]
    );
}

#[test]
fn an_organization_established_after_as_of_does_not_count_yet() {
    let rules = Rules::default();
    let mut e = enterprise(30);
    e.union.formed = true;
    e.union.established = Some(date("2025-07-01"));
    assert!(!one(&requirements(&e, &rules, as_of()), RequiredOrg::Union).met);
    assert!(
        one(
            &requirements(&e, &rules, date("2025-07-01")),
            RequiredOrg::Union
        )
        .met
    );
}

#[test]
fn archived_units_and_units_not_yet_opened_have_no_requirements() {
    let rules = Rules::default();
    let mut e = enterprise(300);
    e.archived = true;
    assert_eq!(requirements(&e, &rules, as_of()), vec![]);

    let mut future = enterprise(300);
    future.opened = Some(date("2025-07-01"));
    assert_eq!(requirements(&future, &rules, as_of()), vec![]);
}

#[test]
fn the_league_needs_a_party_organization_and_three_youth() {
    let rules = Rules::default();
    let mut u = social_org(0);
    u.youth = Some(3);
    assert_eq!(requirements(&u, &rules, as_of()), vec![]);

    u.party_org = PartyOrg {
        formed: true,
        ..PartyOrg::default()
    };
    let reqs = requirements(&u, &rules, as_of());
    assert_eq!(orgs(&reqs), [RequiredOrg::League]);
    assert_eq!(reqs[0].rule, RuleId::LeagueYouth);
    assert!(!reqs[0].met);

    u.youth = Some(2);
    assert_eq!(requirements(&u, &rules, as_of()), vec![]);

    // A party organization founded after as_of does not make it eligible yet.
    u.youth = Some(5);
    u.party_org.established = Some(date("2025-09-01"));
    assert_eq!(requirements(&u, &rules, as_of()), vec![]);
}

#[test]
fn agencies_need_a_womens_committee_and_villages_a_womens_home() {
    let rules = Rules::default();
    let mut agency = Unit::new("县教育局", UnitKind::Agency);
    let reqs = requirements(&agency, &rules, as_of());
    assert_eq!(orgs(&reqs), [RequiredOrg::WomensCommittee]);
    assert!(!reqs[0].met);
    agency.women_org.formed = true;
    agency.women_org.form = Some(WomenOrgForm::Liaison);
    assert!(!requirements(&agency, &rules, as_of())[0].met);
    agency.women_org.form = Some(WomenOrgForm::Committee);
    assert!(requirements(&agency, &rules, as_of())[0].met);
    agency.female_staff = Some(0);
    assert_eq!(requirements(&agency, &rules, as_of()), vec![]);

    let mut village = Unit::new("下宅村", UnitKind::Village);
    let reqs = requirements(&village, &rules, as_of());
    assert_eq!(orgs(&reqs), [RequiredOrg::WomensHome]);
    assert_eq!(reqs[0].rule, RuleId::WomensHome);
    village.womens_home.formed = true;
    assert!(requirements(&village, &rules, as_of())[0].met);

    assert_eq!(
        requirements(&Unit::new("工业园区", UnitKind::Park), &rules, as_of()),
        vec![]
    );
}

#[test]
fn an_enterprise_can_owe_every_kind_at_once_in_a_fixed_order() {
    let rules = Rules::default();
    let mut e = enterprise(120);
    e.female_staff = Some(30);
    e.youth = Some(10);
    e.party_org.formed = true;
    assert_eq!(
        orgs(&requirements(&e, &rules, as_of())),
        [
            RequiredOrg::Union,
            RequiredOrg::FemaleWorkersCommittee,
            RequiredOrg::League,
            RequiredOrg::WomenWorkCommittee,
        ]
    );
}

#[test]
fn rules_describe_themselves_with_the_countys_numbers() {
    let mut rules = Rules::default();
    assert_eq!(
        RuleId::UnionEmployees.describe(&rules),
        "职工 25 人以上的企业应独立建立工会, 开业 12 个月内建会"
    );
    assert_eq!(
        RuleId::WomenLiaison.describe(&rules),
        "女性固定职工 1–29 人的两新组织应设妇女工作联络员"
    );
    rules.thresholds.work_committee_female_staff = 20;
    assert_eq!(
        RuleId::WomenWorkCommittee.describe(&rules),
        "女性固定职工 20 人以上的两新组织应建立妇女工作委员会"
    );
    assert_eq!(RuleId::WomenWorkCommittee.seeds(), "004");
    assert_eq!(RequiredOrg::WomenLiaison.label(), "妇女工作联络员");
    assert_eq!(RequiredOrg::WomensHome.as_str(), "womens_home");
}
