//! Realistic records, deterministic: the units, people, nominations (with
//! their steps, in order) and activities of one township, generated before
//! anything is written so the build times only the writes. The counts are
//! parameters: `bench-document` and `bench-reports` build a 500-unit
//! township, `bench-sync` smaller ones with the same mix (the kinds scale
//! with the unit count, every kind at least once).

use anyhow::Context;
use qunjian_client::schema::{
    Activity, ActivityKind, ApprovalStep, AssemblyStep, Gender, InspectionStep, OrgKind,
    PartyDecision, PartyDecisionStep, PartyOrgForm, PartyRating, PartyStage, Person,
    RecommendedStep, RecommendingOrg, ReviewDecision, Role, Step, Unit, UnitKind, UpperReviewStep,
    WomenOrgForm,
};

use crate::rng::Rng;
use crate::vocab::{
    AGENCIES, FIRM_NAMES, INSTITUTIONS, NOTES, PLACES, SOCIAL, TRADES, credit_code, date, name,
    random_date,
};

/// A nomination and its steps, before it is in the document.
pub struct NominationPlan {
    pub person: String,
    pub organization: RecommendingOrg,
    pub unit: String,
    pub year: u16,
    pub direct: bool,
    pub steps: Vec<Step>,
}

pub fn gen_units(rng: &mut Rng, count_total: usize) -> anyhow::Result<Vec<Unit>> {
    let plan: [(UnitKind, usize); 7] = [
        (UnitKind::Village, 28),
        (UnitKind::Community, 12),
        (UnitKind::Enterprise, 380),
        (UnitKind::SocialOrg, 40),
        (UnitKind::Agency, 18),
        (UnitKind::Institution, 18),
        (UnitKind::Park, 4),
    ];
    let mut units = Vec::with_capacity(count_total);
    for (kind, count) in plan {
        // Scaled from bench-document's 500-unit township; every kind at least once.
        let count = (count * count_total).div_ceil(500).max(1);
        for i in 0..count {
            let place = PLACES[i % PLACES.len()];
            let unit_name = match kind {
                UnitKind::Village => format!("{place}村"),
                UnitKind::Community => format!("{place}社区"),
                UnitKind::Enterprise => format!(
                    "{}{}{}有限公司",
                    PLACES[(i / 20) % PLACES.len()],
                    FIRM_NAMES[i % FIRM_NAMES.len()],
                    TRADES[(i * 7 + i / 20) % TRADES.len()]
                ),
                UnitKind::SocialOrg => format!("城关镇{place}{}", SOCIAL[i % SOCIAL.len()]),
                UnitKind::Agency => format!("城关镇{}", AGENCIES[i % AGENCIES.len()]),
                UnitKind::Institution => {
                    format!(
                        "城关镇{}{}",
                        PLACES[(i / 9) % PLACES.len()],
                        INSTITUTIONS[i % 9]
                    )
                }
                UnitKind::Park => format!("城关{place}工业园区"),
            };
            let mut u = Unit::new(unit_name, kind);
            let employees = match kind {
                UnitKind::Village | UnitKind::Community => 5 + rng.below(12),
                UnitKind::Enterprise => 5 + rng.below(60) * (1 + rng.below(8)),
                UnitKind::SocialOrg => 3 + rng.below(30),
                UnitKind::Agency | UnitKind::Institution => 15 + rng.below(120),
                UnitKind::Park => 10 + rng.below(40),
            } as u32;
            if kind != UnitKind::Village || rng.below(2) == 0 {
                u.credit_code = Some(credit_code(rng, kind));
            }
            if rng.below(10) != 0 {
                u.employees = Some(employees);
                u.female_staff = Some(employees * (20 + rng.below(50) as u32) / 100);
                u.youth = Some(employees * rng.below(40) as u32 / 100);
            }
            if rng.below(3) != 0 {
                u.opened = Some(random_date(rng, 1985, 2024)?);
            }
            let grassroots = matches!(
                kind,
                UnitKind::Village | UnitKind::Community | UnitKind::Agency | UnitKind::Institution
            );
            // 党组织: always in villages, communities, agencies; ~40% elsewhere.
            if grassroots || rng.below(10) < 4 {
                u.party_org.formed = true;
                u.party_org.form = Some(if employees > 100 {
                    PartyOrgForm::GeneralBranch
                } else {
                    PartyOrgForm::Branch
                });
                u.party_org.rating = Some(match rng.below(10) {
                    0 => PartyRating::Weak,
                    1..=4 => PartyRating::Excellent,
                    _ => PartyRating::Qualified,
                });
                if rng.below(2) == 0 {
                    u.party_org.established = Some(random_date(rng, 1990, 2024)?);
                }
            }
            if grassroots || rng.below(10) < 6 {
                u.union.formed = true;
                u.union.established = Some(random_date(rng, 1995, 2024)?);
                u.union.independent = Some(rng.below(3) != 0);
                u.union.chair = Some(name(rng));
                u.union.female_workers_committee = Some(rng.below(2) == 0);
            }
            if grassroots || rng.below(10) < 3 {
                u.league.formed = true;
                if rng.below(2) == 0 {
                    u.league.established = Some(random_date(rng, 2000, 2024)?);
                }
                u.league.secretary = Some(name(rng));
            }
            if grassroots || rng.below(20) < 7 {
                u.women_org.formed = true;
                u.women_org.form = Some(match kind {
                    UnitKind::Village | UnitKind::Community => WomenOrgForm::Federation,
                    UnitKind::Agency | UnitKind::Institution => WomenOrgForm::Committee,
                    _ if rng.below(2) == 0 => WomenOrgForm::Liaison,
                    _ => WomenOrgForm::WorkCommittee,
                });
                u.women_org.chair = Some(name(rng));
                u.women_org.chair_full_time = Some(rng.below(4) == 0);
            }
            if matches!(kind, UnitKind::Village | UnitKind::Community) || rng.below(20) == 0 {
                u.womens_home.formed = true;
                u.womens_home.established = Some(random_date(rng, 2010, 2024)?);
            }
            units.push(u);
        }
    }
    Ok(units)
}

pub fn gen_people(rng: &mut Rng, unit_ids: &[String], count: usize) -> anyhow::Result<Vec<Person>> {
    let roles = [
        Role::PartySecretary,
        Role::UnionChair,
        Role::LeagueSecretary,
        Role::WomensDirector,
        Role::WomensExecutive,
        Role::TwoCommittees,
        Role::ReserveCadre,
    ];
    let mut people = Vec::with_capacity(count);
    for _ in 0..count {
        let mut p = Person::new(name(rng));
        // Villages and communities hold more of the people a ledger tracks.
        let u = if rng.below(3) == 0 {
            rng.below(40.min(unit_ids.len()))
        } else {
            rng.below(unit_ids.len())
        };
        p.unit = Some(unit_ids[u].clone());
        if rng.below(20) != 0 {
            p.gender = Some(if rng.below(100) < 52 {
                Gender::Female
            } else {
                Gender::Male
            });
        }
        if rng.below(20) != 0 {
            p.birth_year = Some(1960 + rng.below(45) as u16);
        }
        p.party_stage = match rng.below(20) {
            0..=10 => PartyStage::Masses,
            11..=12 => PartyStage::Applicant,
            13..=14 => PartyStage::Activist,
            15 => PartyStage::DevelopmentTarget,
            16 => PartyStage::Probationary,
            _ => PartyStage::Member,
        };
        if rng.below(8) == 0 {
            p.roles.insert(roles[rng.below(roles.len())]);
            if rng.below(4) == 0 {
                p.roles.insert(roles[rng.below(roles.len())]);
            }
        }
        people.push(p);
    }
    Ok(people)
}

pub fn gen_nominations(
    rng: &mut Rng,
    units: &[Unit],
    unit_ids: &[String],
    people: &[Person],
    person_ids: &[String],
    count: usize,
) -> anyhow::Result<Vec<NominationPlan>> {
    let mut plans = Vec::with_capacity(count);
    for _ in 0..count {
        let p = rng.below(people.len());
        let unit = people[p]
            .unit
            .clone()
            .context("every generated person has a unit")?;
        let unit_name = unit_ids
            .iter()
            .position(|id| *id == unit)
            .map(|i| units[i].name.clone())
            .unwrap_or_default();
        let organization = match rng.below(3) {
            0 => RecommendingOrg::Union,
            1 => RecommendingOrg::League,
            _ => RecommendingOrg::Women,
        };
        let year = 2021 + rng.below(5) as u16;
        let direct = rng.below(10) == 0;
        let (first, count) = if direct {
            (3, 1 + rng.below(3))
        } else {
            (0, 1 + rng.below(6))
        };
        let month = 1 + rng.below(6) as u32;
        let mut steps = Vec::with_capacity(count);
        for k in first..first + count {
            let d = date(i32::from(year), month + k as u32, 1 + rng.below(28) as u32)?;
            let last = k + 1 == first + count;
            steps.push(match k {
                0 => {
                    let attendance = 15 + rng.below(150) as u32;
                    Step::Assembly(AssemblyStep {
                        date: d,
                        attendance: Some(attendance),
                        votes_for: Some(attendance * (60 + rng.below(41) as u32) / 100),
                    })
                }
                1 => Step::Inspection(InspectionStep {
                    date: d,
                    inspector: Some(name(rng)),
                    summary: Some("该同志政治立场坚定，工作积极主动，群众基础好。".into()),
                }),
                2 => Step::Approval(ApprovalStep {
                    date: d,
                    reason: Some("经民主推荐和考察，同意推荐为入党积极分子人选。".into()),
                }),
                3 => Step::UpperReview(UpperReviewStep {
                    date: d,
                    organization: Some(
                        match organization {
                            RecommendingOrg::Union => "城关镇总工会",
                            RecommendingOrg::League => "共青团城关镇委员会",
                            RecommendingOrg::Women => "城关镇妇女联合会",
                        }
                        .into(),
                    ),
                    decision: if last && rng.below(10) == 0 {
                        ReviewDecision::Returned
                    } else {
                        ReviewDecision::Approved
                    },
                    comment: (rng.below(3) == 0).then(|| "材料齐全，同意。".to_string()),
                }),
                4 => Step::Recommended(RecommendedStep {
                    date: d,
                    party_organization: Some(format!("{unit_name}党支部")),
                }),
                _ => Step::PartyDecision(PartyDecisionStep {
                    date: d,
                    decision: match rng.below(4) {
                        0 => PartyDecision::DevelopmentTarget,
                        1 => PartyDecision::KeepCultivating,
                        _ => PartyDecision::Activist,
                    },
                }),
            });
        }
        plans.push(NominationPlan {
            person: person_ids[p].clone(),
            organization,
            unit,
            year,
            direct,
            steps,
        });
    }
    Ok(plans)
}

pub fn gen_activities(
    rng: &mut Rng,
    units: &[Unit],
    unit_ids: &[String],
    count: usize,
) -> anyhow::Result<Vec<Activity>> {
    let kinds = [
        (ActivityKind::Event, "主题党日活动"),
        (ActivityKind::Training, "业务培训班"),
        (ActivityKind::Study, "理论学习会"),
        (ActivityKind::Competition, "知识竞赛"),
        (ActivityKind::Volunteer, "志愿服务"),
    ];
    let orgs = [
        OrgKind::Party,
        OrgKind::Union,
        OrgKind::League,
        OrgKind::Women,
        OrgKind::WomensHome,
    ];
    let mut activities = Vec::with_capacity(count);
    for _ in 0..count {
        let (kind, what) = kinds[rng.below(kinds.len())];
        let host = rng.below(units.len());
        let d = random_date(rng, 2021, 2025)?;
        let mut a = Activity::new(
            kind,
            format!("{}{}月{what}", units[host].name, d.0.format("%-m")),
            d,
        );
        a.units.insert(unit_ids[host].clone());
        for _ in 0..rng.below(3) {
            a.units.insert(unit_ids[rng.below(unit_ids.len())].clone());
        }
        a.organizations.insert(orgs[rng.below(orgs.len())]);
        if rng.below(3) == 0 {
            a.organizations.insert(orgs[rng.below(orgs.len())]);
        }
        a.participants = 8 + rng.below(120) as u32;
        a.women_participants = a.participants * rng.below(80) as u32 / 100;
        a.notes.update(NOTES[rng.below(NOTES.len())]);
        activities.push(a);
    }
    Ok(activities)
}
