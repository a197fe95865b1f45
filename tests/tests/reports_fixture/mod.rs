//! The fixture county of the report tests: three townships built through
//! `qunjian-client` replicas and synced through a real county server, with
//! every record chosen so that each report's figures can be worked out by
//! hand (see the comments in `figures.rs` and `reports.rs`).
//!
//! Dates are laid out around the reports' date `AS_OF` = 2026-06-30:
//! a few records fall after it (a 推优 step, an activity, a visit) and must
//! not count, and one union is founded on 2026-03-01, between the two dates
//! the `as_of` test asks for.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use qunjian_client::schema::{
    Activity, ActivityKind, ApprovalStep, AssemblyStep, Date, ExecLink, Gender, Honor, HonorLevel,
    HonorTitle, InspectionStep, Nomination, OrgKind, PartyDecision, PartyDecisionStep, Person,
    RecommendedStep, RecommendingOrg, ReviewDecision, Role, Step, Unit, UnitKind, UpperReviewStep,
    Visit, WomenOrgForm,
};
use qunjian_client::{Replica, Township};
use qunjian_shared::validation::credit_code::check_character;
use serde_json::Value;

use crate::common::*;

pub mod figures;

/// The date the reports are drawn for, unless a test says otherwise.
pub const AS_OF: &str = "2026-06-30";

/// 城关镇: 20 enterprises with ≥ 50 employees, 17 with a union.
pub const A: &str = "330825101";
/// 湖镇镇: 5 enterprises with 60 employees, 3 with a union; bad and shared credit codes.
pub const B: &str = "330825102";
/// 龙洲街道: one enterprise, one agency without a 妇委会, one community.
pub const C: &str = "330825103";

/// How long any wait in these tests may take.
pub const WAIT: Duration = Duration::from_secs(30);

/// One township of the fixture: its replica and the ids of named records.
pub struct Town {
    pub code: &'static str,
    pub url: String,
    pub replica: Replica,
    pub township: Township,
    /// Record ids by the fixture's short names (`L1`, `X1`, `N3`, ...).
    pub ids: BTreeMap<&'static str, String>,
}

impl Town {
    pub fn id(&self, name: &str) -> &str {
        self.ids
            .get(name)
            .unwrap_or_else(|| panic!("no record {name} in {}", self.code))
    }
}

/// The county: a running server and its three townships.
pub struct County {
    pub scratch: Scratch,
    pub server: ServerProcess,
    pub towns: Vec<Town>,
}

impl County {
    pub fn town(&self, code: &str) -> &Town {
        self.towns
            .iter()
            .find(|t| t.code == code)
            .unwrap_or_else(|| panic!("no township {code}"))
    }

    /// `GET /api/reports/{name}?{query}`, which must succeed.
    pub async fn report(&self, name: &str, query: &str) -> Value {
        get_json_as(
            &format!("{}/api/reports/{name}?{query}", self.server.http()),
            &self.server.admin_token(),
        )
        .await
    }

    /// The rows of a report.
    pub async fn rows(&self, name: &str, query: &str) -> Vec<Value> {
        let body = self.report(name, query).await;
        body["rows"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no rows in {body}"))
            .clone()
    }

    /// Wait until every township's edits are on the server and projected.
    pub async fn settle(&self) {
        for t in &self.towns {
            settle_town(&self.server, &self.scratch.data_dir(), t).await;
        }
    }

    pub async fn close(self) {
        for t in self.towns {
            t.replica.close().await;
        }
    }
}

/// Wait (bounded) until the server holds `t`'s latest version and its
/// projection tables show exactly that version.
///
/// The heads the rows were written from are read from the server's own
/// database (`p_state`), read-only: the `sync` report's `projected_at` only
/// says *when* the last projection ended, and a projection that started
/// just before the last change arrived could end after it.
pub async fn settle_town(server: &ServerProcess, data_dir: &Path, t: &Town) {
    t.replica
        .wait_synced(&t.url, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{}: not synced: {e}", t.code));
    let what = format!("{} projected", t.code);
    eventually(WAIT, &what, async || {
        let heads = t.township.heads();
        let server_heads = server.document(t.code).await.heads;
        let projected = projected_heads(data_dir, t.code);
        if server_heads == heads && projected.as_deref() == Some(heads.join(",").as_str()) {
            // The sync report agrees: the rows are no older than the last change.
            let sync: Value = get_json_as(
                &format!("{}/api/reports/sync?township={}", server.http(), t.code),
                &server.admin_token(),
            )
            .await;
            let row = &sync["rows"][0];
            let (last, at) = (
                row["last_change_at"].as_str().unwrap_or_default(),
                row["projected_at"].as_str().unwrap_or_default(),
            );
            if !last.is_empty() && at >= last {
                return Ok(());
            }
        }
        Err(format!(
            "replica {heads:?}, server {server_heads:?}, rows {projected:?}"
        ))
    })
    .await;
}

pub fn day(s: &str) -> Date {
    s.parse().expect("date")
}

/// A valid 统一社会信用代码 numbered `n`: 17 characters and their check character.
pub fn credit_code(n: u32) -> String {
    let first17 = format!("91330825MA{n:07}");
    let check = check_character(&first17).expect("17 valid characters");
    format!("{first17}{check}")
}

/// `credit_code(n)` with a wrong check character.
pub fn bad_credit_code(n: u32) -> String {
    let good = credit_code(n);
    let wrong = if good.ends_with('0') { '1' } else { '0' };
    format!("{}{wrong}", &good[..17])
}

/// An enterprise with no female staff (so no women's organization and no
/// 女职工委员会 is required of it), unless the caller sets them.
fn enterprise(name: &str, employees: u32, code: String) -> Unit {
    let mut u = Unit::new(name, UnitKind::Enterprise);
    u.employees = Some(employees);
    u.female_staff = Some(0);
    u.credit_code = Some(code);
    u
}

fn with_union(mut u: Unit, established: &str) -> Unit {
    u.union.formed = true;
    u.union.established = Some(day(established));
    u
}

/// A 两新 enterprise with a 妇女工作委员会 (and a union with its 女职工委员会).
fn with_work_committee(mut u: Unit, female_staff: u32) -> Unit {
    u.female_staff = Some(female_staff);
    u.union.female_workers_committee = Some(true);
    u.women_org.formed = true;
    u.women_org.form = Some(WomenOrgForm::WorkCommittee);
    u.women_org.established = Some(day("2024-01-01"));
    u
}

fn person(name: &str, gender: Gender, birth_year: u16) -> Person {
    let mut p = Person::new(name);
    p.gender = Some(gender);
    p.birth_year = Some(birth_year);
    p
}

fn activity(title: &str, date: &str, orgs: &[OrgKind], participants: u32, women: u32) -> Activity {
    let mut a = Activity::new(ActivityKind::Event, title, day(date));
    for o in orgs {
        a.organizations.insert(*o);
    }
    a.participants = participants;
    a.women_participants = women;
    a
}

fn visit(cadre: &str, unit: &str, date: &str) -> Visit {
    Visit {
        cadre: cadre.into(),
        unit: unit.into(),
        date: day(date),
        purpose: Some("驻点指导".into()),
        notes: None,
        archived: false,
    }
}

fn honor(title: HonorTitle, level: HonorLevel, year: u16) -> Honor {
    Honor {
        title,
        level,
        year,
        recipient_unit: None,
        recipient_person: None,
        archived: false,
    }
}

/// Start a server with the three townships and build the fixture through
/// one replica each; returns once everything is synced and projected.
pub async fn county() -> County {
    init_tracing();
    let scratch = Scratch::new();
    let urls: Vec<(&'static str, String)> = [(A, "城关镇"), (B, "湖镇镇"), (C, "龙洲街道")]
        .into_iter()
        .map(|(code, name)| (code, add_township(&scratch.data_dir(), code, name)))
        .collect();
    let server = ServerProcess::start(&scratch.data_dir(), 0);
    let mut towns = Vec::new();
    for (code, url) in urls {
        let token = township_token(&scratch.data_dir(), code);
        let replica = connected_replica(
            &scratch.replica_file(code),
            &server.sync_url(),
            &url,
            &token,
        )
        .await;
        let township = replica.township(&url).await.expect("township");
        let mut town = Town {
            code,
            url,
            replica,
            township,
            ids: BTreeMap::new(),
        };
        match code {
            A => build_a(&mut town),
            B => build_b(&mut town),
            _ => build_c(&mut town),
        }
        towns.push(town);
    }
    let county = County {
        scratch,
        server,
        towns,
    };
    county.settle().await;
    county
}

fn add<R: qunjian_client::schema::Record>(t: &mut Town, name: &'static str, r: &R) -> String {
    let id = t.township.add(r).expect("add");
    t.ids.insert(name, id.clone());
    id
}

fn step(t: &Town, nomination: &str, s: Step) {
    t.township.record_step(nomination, s).expect("record step");
}

fn assembly(date: &str) -> Step {
    Step::Assembly(AssemblyStep {
        date: day(date),
        attendance: Some(40),
        votes_for: Some(35),
    })
}

fn inspection(date: &str) -> Step {
    Step::Inspection(InspectionStep {
        date: day(date),
        inspector: Some("李书记".into()),
        summary: None,
    })
}

/// 城关镇 (A).
fn build_a(t: &mut Town) {
    // L1..L10: 120 employees; L1..L9 with a union since 2020.
    // L10 (= X3) opened 2018-01-01, no union: overdue since 2019-01-01.
    let large = ["L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8", "L9"];
    for (i, name) in large.iter().enumerate() {
        let u = enterprise(&format!("城关{name}公司"), 120, credit_code(100 + i as u32));
        add(t, name, &with_union(u, "2020-01-01"));
    }
    let mut x3 = enterprise("城关X3公司", 120, credit_code(110));
    x3.opened = Some(day("2018-01-01"));
    add(t, "X3", &x3);
    // M1..M6: 60 employees, union since 2020.
    for (i, name) in ["M1", "M2", "M3", "M4", "M5", "M6"].iter().enumerate() {
        let u = enterprise(&format!("城关{name}公司"), 60, credit_code(120 + i as u32));
        add(t, name, &with_union(u, "2020-01-01"));
    }
    // M7: opened 2025-12-01, union founded 2026-03-01 (the as_of test).
    let mut m7 = enterprise("城关M7公司", 60, credit_code(127));
    m7.opened = Some(day("2025-12-01"));
    add(t, "M7", &with_union(m7, "2026-03-01"));
    // M8: 40 women, a 妇工委 (visited twice in 2026) and a union with its 女职工委员会.
    let m8 = with_work_committee(
        with_union(enterprise("城关M8公司", 60, credit_code(128)), "2020-01-01"),
        40,
    );
    add(t, "M8", &m8);
    // X1 opened 13 months before AS_OF, X2 11 months before; neither has a union.
    let mut x1 = enterprise("城关X1公司", 60, credit_code(131));
    x1.opened = Some(day("2025-05-30"));
    add(t, "X1", &x1);
    let mut x2 = enterprise("城关X2公司", 60, credit_code(132));
    x2.opened = Some(day("2025-07-30"));
    add(t, "X2", &x2);
    // S1: 10 employees, below every union threshold but in "all enterprises".
    add(t, "S1", &enterprise("城关S1小店", 10, credit_code(140)));
    // An archived enterprise: in no figure at all.
    let mut closed = enterprise("城关已关停公司", 120, credit_code(141));
    closed.archived = true;
    add(t, "CLOSED", &closed);
    // Two villages: V1 has a 妇女之家; both have a 妇联, V1's chair full-time.
    let mut v1 = Unit::new("城关一村", UnitKind::Village);
    v1.womens_home.formed = true;
    v1.womens_home.established = Some(day("2021-03-08"));
    v1.women_org.formed = true;
    v1.women_org.form = Some(WomenOrgForm::Federation);
    v1.women_org.chair_full_time = Some(true);
    let v1 = add(t, "V1", &v1);
    let mut v2 = Unit::new("城关二村", UnitKind::Village);
    v2.women_org.formed = true;
    v2.women_org.form = Some(WomenOrgForm::Federation);
    v2.women_org.chair_full_time = Some(false);
    add(t, "V2", &v2);
    // The township's own 妇联, founded 2020, with a full-time chair: the
    // villages' 妇联 above are not the township's and do not count.
    t.township
        .update_township_orgs(|o| {
            o.federation.established = Some(day("2020-05-01"));
            o.federation.chair = Some("张敏".into());
            o.federation.chair_full_time = Some(true);
        })
        .expect("township orgs");

    // 推优 2026: three by the union, one direct by the league.
    let unit = t.id("L1").to_string();
    let p1 = add(t, "P1", &person("王丽", Gender::Female, 1996));
    let p2 = add(t, "P2", &person("张强", Gender::Male, 1980));
    let p3 = add(t, "P3", &person("赵敏", Gender::Female, 1992));
    let mut leader = person("陈团书", Gender::Male, 2000);
    leader.roles.insert(Role::LeagueSecretary);
    let p4 = add(t, "P4", &leader);
    reserve_cadres(t, &[Gender::Female, Gender::Male]);
    let nominate = |t: &mut Town, name: &'static str, p: &str, org, direct| {
        let id = t
            .township
            .nominate(p, org, &unit, 2026, direct)
            .expect("nominate");
        t.ids.insert(name, id.clone());
        id
    };
    // N1: every step, decided 发展对象.
    let n1 = nominate(t, "N1", &p1, RecommendingOrg::Union, false);
    step(t, &n1, assembly("2026-03-01"));
    step(t, &n1, inspection("2026-03-05"));
    let approval = |date: &str| {
        Step::Approval(ApprovalStep {
            date: day(date),
            reason: Some("表现突出".into()),
        })
    };
    step(t, &n1, approval("2026-03-10"));
    let upper = Step::UpperReview(UpperReviewStep {
        date: day("2026-04-01"),
        organization: Some("县总工会".into()),
        decision: ReviewDecision::Approved,
        comment: None,
    });
    step(t, &n1, upper.clone());
    let recommended = |date: &str| {
        Step::Recommended(RecommendedStep {
            date: day(date),
            party_organization: Some("城关镇党委".into()),
        })
    };
    step(t, &n1, recommended("2026-04-10"));
    step(
        t,
        &n1,
        Step::PartyDecision(PartyDecisionStep {
            date: day("2026-05-01"),
            decision: PartyDecision::DevelopmentTarget,
        }),
    );
    // N2: inspected on 2026-07-15, after AS_OF.
    let n2 = nominate(t, "N2", &p2, RecommendingOrg::Union, false);
    step(t, &n2, assembly("2026-04-01"));
    step(t, &n2, inspection("2026-07-15"));
    // N3: approval written straight into the record without an inspection
    // (as another app might): out of order.
    let n3 = nominate(t, "N3", &p3, RecommendingOrg::Union, false);
    step(t, &n3, assembly("2026-02-01"));
    t.township
        .update::<Nomination>(&n3, |n| {
            n.steps.approval = Some(ApprovalStep {
                date: day("2026-02-20"),
                reason: None,
            })
        })
        .expect("write approval directly");
    // N4: direct, from the upper review.
    let n4 = nominate(t, "N4", &p4, RecommendingOrg::League, true);
    step(t, &n4, upper);
    step(t, &n4, recommended("2026-04-02"));

    // Activities: a joint union + women one, a union training, a league one,
    // a union one after AS_OF, and an archived one.
    let acts = [
        (
            "三八节活动",
            "2026-03-08",
            &[OrgKind::Union, OrgKind::Women][..],
            50,
            40,
        ),
        ("职工技能培训", "2026-03-20", &[OrgKind::Union][..], 30, 10),
        ("青年志愿服务", "2026-04-10", &[OrgKind::League][..], 20, 8),
        ("职工运动会", "2026-07-10", &[OrgKind::Union][..], 100, 50),
    ];
    for (title, date, orgs, n, w) in acts {
        t.township
            .add(&activity(title, date, orgs, n, w))
            .expect("activity");
    }
    let mut gone = activity("已撤销活动", "2026-03-15", &[OrgKind::Union], 99, 9);
    gone.archived = true;
    t.township.add(&gone).expect("activity");

    // Honors: two 巾帼文明岗 (县级, 2026) and an archived third.
    for (name, archived) in [("L1", false), ("L2", false), ("L3", true)] {
        let mut h = honor(HonorTitle::WomensCivilizedPost, HonorLevel::County, 2026);
        h.recipient_unit = Some(t.id(name).to_string());
        h.archived = archived;
        t.township.add(&h).expect("honor");
    }

    // Visits: M8 twice in 2026 by two cadres (a third after AS_OF), V1 once.
    let m8 = t.id("M8").to_string();
    for (cadre, date) in [
        ("李主席", "2026-03-10"),
        ("王执委", "2026-05-20"),
        ("李主席", "2026-08-01"),
    ] {
        t.township.add(&visit(cadre, &m8, date)).expect("visit");
    }
    t.township
        .add(&visit("李主席", &v1, "2026-04-01"))
        .expect("visit");
    // 王执委 is linked to M8 this year: her visit of 05-20 counts, 李主席's
    // do not (not the executive).
    t.township
        .add(&link("王执委", &m8, "2026-01-01", None))
        .expect("link");
}

fn link(who: &str, unit: &str, since: &str, until: Option<&str>) -> ExecLink {
    ExecLink {
        executive: who.into(),
        unit: unit.into(),
        since: day(since),
        until: until.map(day),
        notes: None,
        archived: false,
    }
}

/// 湖镇镇 (B).
fn build_b(t: &mut Town) {
    // The township's own 妇联 is formed, its chair part-time: 0 of 1.
    t.township
        .update_township_orgs(|o| {
            o.federation.formed = true;
            o.federation.chair_full_time = Some(false);
        })
        .expect("township orgs");
    // Five enterprises of 60 employees; WC, BAD and DUP have a union.
    let wc = with_work_committee(
        with_union(
            enterprise("湖镇妇工委公司", 60, credit_code(200)),
            "2019-06-01",
        ),
        35,
    );
    let wc = add(t, "WC", &wc);
    let bad = enterprise("湖镇错码公司", 60, bad_credit_code(201));
    add(t, "BAD", &with_union(bad, "2019-06-01"));
    let dup = enterprise("湖镇重码公司", 60, credit_code(300));
    add(t, "DUP", &with_union(dup, "2019-06-01"));
    add(t, "U1", &enterprise("湖镇未建一公司", 60, credit_code(203)));
    add(t, "U2", &enterprise("湖镇未建二公司", 60, credit_code(204)));

    // 推优: one by the women's organization in 2026.
    let p = add(t, "P1", &person("刘芳", Gender::Female, 1985));
    let n = t
        .township
        .nominate(&p, RecommendingOrg::Women, &wc, 2026, false)
        .expect("nominate");
    t.ids.insert("N1", n.clone());
    step(t, &n, assembly("2026-03-01"));

    t.township
        .add(&activity(
            "妇女议事会",
            "2026-03-12",
            &[OrgKind::Women],
            25,
            25,
        ))
        .expect("activity");
    let mut h = honor(HonorTitle::MarchEighthRedBanner, HonorLevel::City, 2025);
    h.recipient_person = Some(p);
    t.township.add(&h).expect("honor");
    // The 妇工委 is visited once in 2026: short of the rule's two.
    t.township
        .add(&visit("李主席", &wc, "2026-04-15"))
        .expect("visit");
    // The same executive from A, her name typed with a space: one person,
    // two links. 陈静's link ended before AS_OF and counts for nothing.
    t.township
        .add(&link("王执委 ", &wc, "2025-06-01", None))
        .expect("link");
    t.township
        .add(&link("陈静", &wc, "2025-01-01", Some("2026-01-31")))
        .expect("link");
    reserve_cadres(t, &[Gender::Male, Gender::Male, Gender::Male]);
}

/// Reserve cadres (后备干部) of these genders, the figure of women among
/// them (issue 14); nobody else refers to them.
fn reserve_cadres(t: &mut Town, genders: &[Gender]) {
    for (i, &g) in genders.iter().enumerate() {
        let mut p = person(&format!("后备{i}"), g, 1990);
        p.roles.insert(Role::ReserveCadre);
        t.township.add(&p).expect("reserve cadre");
    }
}

/// 龙洲街道 (C).
fn build_c(t: &mut Town) {
    // Shares its credit code with 湖镇重码公司 in B.
    let dup = enterprise("龙洲重码公司", 80, credit_code(300));
    let dup = add(t, "DUP", &with_union(dup, "2021-01-01"));
    add(t, "AG", &Unit::new("龙洲街道办事处", UnitKind::Agency));
    let mut community = Unit::new("龙洲社区", UnitKind::Community);
    community.womens_home.formed = true;
    add(t, "CM", &community);

    // 推优: one by the union in 2025.
    let p = add(t, "P1", &person("周平", Gender::Male, 1995));
    let n = t
        .township
        .nominate(&p, RecommendingOrg::Union, &dup, 2025, false)
        .expect("nominate");
    t.ids.insert("N1", n.clone());
    step(t, &n, assembly("2025-06-01"));
}
