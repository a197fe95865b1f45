//! Tests of `coverage` and `sum_rates`, against figures worked out by hand.

use super::super::fixture::{as_of, date, enterprise, enterprise_with_union, social_org};
use super::*;
use crate::schema::WomenOrgForm;

fn rate_of(rates: &[Rate], id: TargetId) -> &Rate {
    rates
        .iter()
        .find(|r| r.target == id)
        .unwrap_or_else(|| panic!("no {id} in {rates:?}"))
}

/// `(required, formed, met)` of one target.
fn figures(rates: &[Rate], id: TargetId) -> (u32, u32, Option<bool>) {
    let r = rate_of(rates, id);
    (r.required, r.formed, r.met)
}

#[test]
fn seventeen_unions_in_twenty_enterprises_is_85_percent_and_meets_85() {
    let mut units: Vec<Unit> = (0..17).map(|_| enterprise_with_union(60)).collect();
    units.extend((0..3).map(|_| enterprise(60)));
    let rates = coverage(
        &units,
        &[],
        &TownshipOrgs::default(),
        &Rules::default(),
        as_of(),
    );

    let medium = rate_of(&rates, TargetId::UnionMedium);
    assert_eq!((medium.required, medium.formed), (20, 17));
    assert_eq!(medium.rate, Some(0.85));
    assert_eq!(medium.target_rate, 0.85);
    assert_eq!(medium.met, Some(true));
    assert_eq!(medium.label_zh, "职工 50 人以上企业工会组建率");

    // The same twenty against the all-enterprise target of 90 %: short.
    assert_eq!(figures(&rates, TargetId::UnionAll), (20, 17, Some(false)));
    // No enterprise of 100: nothing required, no rate, no verdict.
    let large = rate_of(&rates, TargetId::UnionLarge);
    assert_eq!((large.required, large.rate, large.met), (0, None, None));
}

#[test]
fn every_target_is_listed_in_order_even_with_no_units() {
    let rates = coverage(
        &[],
        &[],
        &TownshipOrgs::default(),
        &Rules::default(),
        as_of(),
    );
    let ids: Vec<TargetId> = rates.iter().map(|r| r.target).collect();
    assert_eq!(ids, TargetId::ALL);
    // Every unit target requires nothing; the township itself is always
    // one of the full-time 妇联 chair target's denominator.
    assert!(
        rates
            .iter()
            .filter(|r| r.target != TargetId::FederationChair)
            .all(|r| r.rate.is_none() && r.met.is_none())
    );
    let chair = rate_of(&rates, TargetId::FederationChair);
    assert_eq!(
        (chair.required, chair.formed, chair.target_rate),
        (1, 0, 0.7)
    );
}

/// A township worked out by hand:
///
/// | unit | kind, size | has |
/// |---|---|---|
/// | e1 | enterprise, 150 employees | union |
/// | e2 | enterprise, 120 | — |
/// | e3 | enterprise, 60 | union (founded 2025-08, after as_of) |
/// | e4 | enterprise, 10 | union |
/// | e5 | enterprise, employees unknown | — |
/// | e6 | enterprise, 500, archived | — |
/// | s1 | social org, 30 women, party org, 4 youth | 妇工委, league |
/// | s2 | social org, 12 women | — |
/// | s3 | social org, 0 women | — |
/// | v1, v2, v3 | villages | 妇女之家 in v1, v2 |
/// | c1 | community | 妇联, chair full-time; no 妇女之家 |
/// | a1 | agency | 妇委会 |
/// | i1 | institution | — |
fn township() -> Vec<Unit> {
    let mut e1 = enterprise_with_union(150);
    e1.name = "e1".into();
    let e2 = enterprise(120);
    let mut e3 = enterprise(60);
    e3.union.formed = true;
    e3.union.established = Some(date("2025-08-01"));
    let e4 = enterprise_with_union(10);
    let mut e5 = enterprise(0);
    e5.employees = None;
    let mut e6 = enterprise(500);
    e6.archived = true;

    let mut s1 = social_org(30);
    s1.party_org.formed = true;
    s1.youth = Some(4);
    s1.league.formed = true;
    s1.women_org.formed = true;
    s1.women_org.form = Some(WomenOrgForm::WorkCommittee);
    let s2 = social_org(12);
    let s3 = social_org(0);

    let village = |home: bool| {
        let mut v = Unit::new("村", UnitKind::Village);
        v.womens_home.formed = home;
        v
    };
    let mut c1 = Unit::new("社区", UnitKind::Community);
    c1.women_org.formed = true;
    c1.women_org.form = Some(WomenOrgForm::Federation);
    c1.women_org.chair_full_time = Some(true);
    let mut a1 = Unit::new("机关", UnitKind::Agency);
    a1.women_org.formed = true;
    a1.women_org.form = Some(WomenOrgForm::Committee);
    let i1 = Unit::new("学校", UnitKind::Institution);

    vec![
        e1,
        e2,
        e3,
        e4,
        e5,
        e6,
        s1,
        s2,
        s3,
        village(true),
        village(true),
        village(false),
        c1,
        a1,
        i1,
    ]
}

#[test]
fn a_township_worked_out_by_hand() {
    let rates = coverage(
        &township(),
        &[],
        &TownshipOrgs::default(),
        &Rules::default(),
        as_of(),
    );
    // ≥ 100: e1, e2 (e6 archived) → 1 of 2.
    assert_eq!(figures(&rates, TargetId::UnionLarge), (2, 1, Some(false)));
    // ≥ 50: e1, e2, e3; e3's union is founded after as_of → 1 of 3.
    assert_eq!(figures(&rates, TargetId::UnionMedium), (3, 1, Some(false)));
    // All: e1..e5 → e1, e4 → 2 of 5.
    assert_eq!(figures(&rates, TargetId::UnionAll), (5, 2, Some(false)));
    assert_eq!(rate_of(&rates, TargetId::UnionAll).rate, Some(0.4));
    // League: s1 only → 1 of 1.
    assert_eq!(figures(&rates, TargetId::League), (1, 1, Some(true)));
    // 妇女之家: v1, v2, v3, c1 → 2 of 4.
    assert_eq!(figures(&rates, TargetId::WomensHome), (4, 2, Some(false)));
    // 两新 women: s1 (妇工委, has it), s2 (liaison, lacks) → 1 of 2.
    assert_eq!(
        figures(&rates, TargetId::WomenOrgLiangxin),
        (2, 1, Some(false))
    );
    // 妇委会: a1, i1 → 1 of 2.
    assert_eq!(
        figures(&rates, TargetId::WomensCommittee),
        (2, 1, Some(false))
    );
    // Chair: c1's 妇联 is a community's, not the township's → 0 of 1.
    assert_eq!(
        figures(&rates, TargetId::FederationChair),
        (1, 0, Some(false))
    );
}

#[test]
fn two_months_later_the_same_township_looks_different() {
    // On 2025-09-01 e3's union exists: ≥ 50 becomes 2 of 3.
    let rates = coverage(
        &township(),
        &[],
        &TownshipOrgs::default(),
        &Rules::default(),
        date("2025-09-01"),
    );
    assert_eq!(figures(&rates, TargetId::UnionMedium), (3, 2, Some(false)));
}

#[test]
fn archived_units_are_excluded() {
    let mut closed = enterprise(200);
    closed.archived = true;
    let units = vec![enterprise_with_union(200), closed];
    let rates = coverage(
        &units,
        &[],
        &TownshipOrgs::default(),
        &Rules::default(),
        as_of(),
    );
    assert_eq!(figures(&rates, TargetId::UnionLarge), (1, 1, Some(true)));
}

#[test]
fn seven_townships_of_ten_with_a_full_time_federation_chair_meets_70_percent() {
    let township = |full_time: Option<bool>| {
        let mut o = TownshipOrgs::default();
        o.federation.formed = true;
        o.federation.chair_full_time = full_time;
        coverage(&[], &[], &o, &Rules::default(), as_of())
    };
    let mut rates: Vec<Rate> = (0..7).flat_map(|_| township(Some(true))).collect();
    rates.extend(township(Some(false)));
    rates.extend(township(None)); // not recorded: not full-time
    rates.extend(township(Some(false)));
    let one = township(Some(true));
    assert_eq!(figures(&one, TargetId::FederationChair), (1, 1, Some(true)));
    let county = sum_rates(&rates);
    let chair = rate_of(&county, TargetId::FederationChair);
    assert_eq!((chair.required, chair.formed), (10, 7));
    assert_eq!(chair.rate, Some(0.7));
    assert_eq!(chair.met, Some(true));
}

#[test]
fn a_units_federation_is_not_the_townships() {
    // Ten communities whose 妇联 have full-time chairs: the township's own
    // 妇联 is not recorded, so the township is 0 of 1.
    let units: Vec<Unit> = (0..10)
        .map(|_| {
            let mut u = Unit::new("社区", UnitKind::Community);
            u.women_org.formed = true;
            u.women_org.form = Some(WomenOrgForm::Federation);
            u.women_org.chair_full_time = Some(true);
            u
        })
        .collect();
    let rates = coverage(
        &units,
        &[],
        &TownshipOrgs::default(),
        &Rules::default(),
        as_of(),
    );
    assert_eq!(
        figures(&rates, TargetId::FederationChair),
        (1, 0, Some(false))
    );
}

#[test]
fn county_totals_add_counts_not_rates() {
    let rules = Rules::default();
    // Township A: 2 of 3 enterprises have unions; township B: 1 of 1.
    let a = coverage(
        &[
            enterprise_with_union(30),
            enterprise_with_union(30),
            enterprise(30),
        ],
        &[],
        &TownshipOrgs::default(),
        &rules,
        as_of(),
    );
    let b = coverage(
        &[enterprise_with_union(30)],
        &[],
        &TownshipOrgs::default(),
        &rules,
        as_of(),
    );
    let county = sum_rates(a.iter().chain(b.iter()));
    let all = rate_of(&county, TargetId::UnionAll);
    // 3 of 4 = 75 %, not the average of 66.7 % and 100 % (83.3 %).
    assert_eq!((all.required, all.formed), (4, 3));
    assert_eq!(all.rate, Some(0.75));
    assert_eq!(all.met, Some(false));
    assert_eq!(county.len(), TargetId::ALL.len());
    assert_eq!(sum_rates([]), vec![]);
}

#[test]
fn targets_follow_the_countys_rules() {
    let rules = Rules::from_toml_str(
        "[thresholds]\nmedium_enterprise_employees = 60\n[targets]\nunion_formation_50 = 50\n",
    )
    .unwrap();
    let units = vec![enterprise_with_union(60), enterprise(59), enterprise(70)];
    let rates = coverage(&units, &[], &TownshipOrgs::default(), &rules, as_of());
    let medium = rate_of(&rates, TargetId::UnionMedium);
    assert_eq!((medium.required, medium.formed), (2, 1));
    assert_eq!(medium.met, Some(true));
    assert_eq!(medium.label_zh, "职工 60 人以上企业工会组建率");
}

fn reserve_cadre(gender: Option<Gender>) -> Person {
    let mut p = Person::new("后备干部");
    p.gender = gender;
    p.roles.insert(Role::ReserveCadre);
    p
}

#[test]
fn one_woman_in_five_reserve_cadres_is_20_percent_and_meets_20() {
    let mut people = vec![
        reserve_cadre(Some(Gender::Female)),
        reserve_cadre(Some(Gender::Male)),
        reserve_cadre(Some(Gender::Male)),
        reserve_cadre(Some(Gender::Male)),
        // Gender not recorded: a reserve cadre, not known to be a woman.
        reserve_cadre(None),
    ];
    // An archived reserve cadre has left the reserve.
    let mut left = reserve_cadre(Some(Gender::Female));
    left.archived = true;
    people.push(left);
    // A woman who is not a reserve cadre is not in the figure.
    let mut director = Person::new("妇女主任");
    director.gender = Some(Gender::Female);
    director.roles.insert(Role::WomensDirector);
    people.push(director);

    let rates = coverage(
        &[],
        &people,
        &TownshipOrgs::default(),
        &Rules::default(),
        as_of(),
    );
    let women = rate_of(&rates, TargetId::WomenReserveCadres);
    assert_eq!((women.required, women.formed), (5, 1));
    assert_eq!(women.rate, Some(0.2));
    assert_eq!(women.met, Some(true));
    assert_eq!(women.target_rate, 0.2);
    assert_eq!(women.label_zh, "后备干部中女性比例");

    // One more cadre of unknown gender: 1 of 6 = 16.7 %, below 20 %.
    people.push(reserve_cadre(None));
    let rates = coverage(
        &[],
        &people,
        &TownshipOrgs::default(),
        &Rules::default(),
        as_of(),
    );
    let women = figures(&rates, TargetId::WomenReserveCadres);
    assert_eq!(women, (6, 1, Some(false)));
    // People have no dates: any as_of gives the roster as it stands.
    let earlier = coverage(
        &[],
        &people,
        &TownshipOrgs::default(),
        &Rules::default(),
        date("2000-01-01"),
    );
    assert_eq!(figures(&earlier, TargetId::WomenReserveCadres), women);
}

#[test]
fn no_reserve_cadres_gives_no_figure() {
    let mut chair = Person::new("团支部书记");
    chair.gender = Some(Gender::Female);
    chair.roles.insert(Role::LeagueSecretary);
    let mut archived = reserve_cadre(Some(Gender::Male));
    archived.archived = true;
    let rates = coverage(
        &[],
        &[chair, archived],
        &TownshipOrgs::default(),
        &Rules::default(),
        as_of(),
    );
    let women = rate_of(&rates, TargetId::WomenReserveCadres);
    assert_eq!((women.required, women.formed), (0, 0));
    assert_eq!((women.rate, women.met), (None, None));
}

#[test]
fn the_reserve_cadre_target_is_the_countys() {
    let rules = Rules::from_toml_str("[targets]\nwomen_reserve_cadres = 25\n").unwrap();
    let people: Vec<Person> = (0..4)
        .map(|i| reserve_cadre(Some(if i == 0 { Gender::Female } else { Gender::Male })))
        .collect();
    let rates = coverage(&[], &people, &TownshipOrgs::default(), &rules, as_of());
    // Exactly 25 % against 25 %: met; one man more and it is not.
    assert_eq!(
        figures(&rates, TargetId::WomenReserveCadres),
        (4, 1, Some(true))
    );
    let mut more = people.clone();
    more.push(reserve_cadre(Some(Gender::Male)));
    let rates = coverage(&[], &more, &TownshipOrgs::default(), &rules, as_of());
    assert_eq!(
        figures(&rates, TargetId::WomenReserveCadres),
        (5, 1, Some(false))
    );
    // County: 1 of 4 and 1 of 5 is 2 of 9, summed as counts.
    let county = sum_rates(
        coverage(&[], &people, &TownshipOrgs::default(), &rules, as_of())
            .iter()
            .chain(rates.iter()),
    );
    assert_eq!(
        figures(&county, TargetId::WomenReserveCadres),
        (9, 2, Some(false))
    );
}

fn congress_village(on: Option<bool>) -> Unit {
    let mut u = Unit::new("村", UnitKind::Village);
    u.women_org.formed = true;
    u.women_org.form = Some(WomenOrgForm::Congress);
    u.women_org.chair_on_committees = on;
    u
}

#[test]
fn every_congress_chair_on_the_two_committees_is_needed_for_100_percent() {
    let mut units = vec![
        congress_village(Some(true)),
        congress_village(Some(true)),
        congress_village(Some(false)),
        // Not recorded: not known to sit on them.
        congress_village(None),
    ];
    // Not in the figure: a village whose women's organization is a 妇联,
    // a community's 妇代会, an archived village, a 妇代会 founded after
    // as_of, and one recorded in form only (not formed).
    let mut federation = congress_village(Some(true));
    federation.women_org.form = Some(WomenOrgForm::Federation);
    let mut community = congress_village(Some(true));
    community.kind = UnitKind::Community;
    let mut archived = congress_village(Some(true));
    archived.archived = true;
    let mut later = congress_village(Some(true));
    later.women_org.established = Some(date("2026-07-01"));
    let mut unformed = congress_village(Some(true));
    unformed.women_org.formed = false;
    units.extend([federation, community, archived, later.clone(), unformed]);

    let rates = coverage(
        &units,
        &[],
        &TownshipOrgs::default(),
        &Rules::default(),
        as_of(),
    );
    let chairs = rate_of(&rates, TargetId::CongressChair);
    assert_eq!((chairs.required, chairs.formed), (4, 2));
    assert_eq!(chairs.rate, Some(0.5));
    assert_eq!(chairs.met, Some(false));
    assert_eq!(chairs.target_rate, 1.0);

    // All on the committees, the later one included once it is founded.
    let all_on = [congress_village(Some(true)), later];
    let before = coverage(
        &all_on,
        &[],
        &TownshipOrgs::default(),
        &Rules::default(),
        as_of(),
    );
    assert_eq!(
        figures(&before, TargetId::CongressChair),
        (1, 1, Some(true))
    );
    let after = coverage(
        &all_on,
        &[],
        &TownshipOrgs::default(),
        &Rules::default(),
        date("2026-07-01"),
    );
    assert_eq!(figures(&after, TargetId::CongressChair), (2, 2, Some(true)));
}

#[test]
fn no_congress_gives_no_figure() {
    let mut federation = congress_village(Some(true));
    federation.women_org.form = Some(WomenOrgForm::Federation);
    let rates = coverage(
        &[federation],
        &[],
        &TownshipOrgs::default(),
        &Rules::default(),
        as_of(),
    );
    assert_eq!(figures(&rates, TargetId::CongressChair), (0, 0, None));
    assert_eq!(rate_of(&rates, TargetId::CongressChair).rate, None);
}
