//! The records the load clients write, made through the same typed edit
//! functions (`qunjian_shared::edit`) and with the same commit messages as
//! `Township::add` / `update` / `nominate` / `record_step`, one transaction
//! per call, on a bare Automerge document.
//!
//! Two workloads: a device's offline edits for the fan-in (one unit added,
//! then more added or updated), and a whole township of realistic size for
//! the cold start, scaled from `bench-document` (per unit: 6 people, 4
//! nominations with 1-6 steps each, 20 activities). The record generators
//! below the line are `bench-document`'s, with the counts made parameters.

use anyhow::{Context, anyhow};
use automerge::transaction::{CommitOptions, Transaction};
use automerge::{ActorId, Automerge, Change, ChangeHash};
use qunjian_client::schema::{
    Activity, ActivityKind, ApprovalStep, AssemblyStep, Date, Gender, InspectionStep, OrgKind,
    PartyDecision, PartyDecisionStep, PartyOrgForm, PartyRating, PartyStage, Person,
    RecommendedStep, RecommendingOrg, Record, ReviewDecision, Role, Step, Unit, UnitKind,
    UpperReviewStep, WomenOrgForm,
};
use qunjian_shared::edit::{self, EditError};

/// xorshift64*: deterministic pseudo-random numbers without a `rand` dependency.
#[derive(Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // A zero state would stay zero.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Sorted heads, for comparing two documents' states.
pub fn sorted_heads(doc: &Automerge) -> Vec<ChangeHash> {
    let mut heads = doc.get_heads();
    heads.sort();
    heads
}

/// A deterministic actor id for a simulated device.
pub fn actor(kind: u8, a: usize, b: usize) -> ActorId {
    let mut bytes = [0u8; 16];
    bytes[0] = 0xbe;
    bytes[1] = kind;
    bytes[2..10].copy_from_slice(&(a as u64).to_be_bytes());
    bytes[10..16].copy_from_slice(&(b as u64).to_be_bytes()[2..]);
    ActorId::from(bytes)
}

/// One transaction with a commit message, as the typed client API makes it.
pub fn transact<R>(
    doc: &mut Automerge,
    message: String,
    f: impl FnOnce(&mut Transaction<'_>) -> Result<R, EditError>,
) -> anyhow::Result<R> {
    doc.transact_with(|_| CommitOptions::default().with_message(message), f)
        .map(|s| s.result)
        .map_err(|f| anyhow!("edit failed: {}", f.error))
}

/// `Township::add`.
pub fn add<R: Record>(doc: &mut Automerge, record: &R) -> anyhow::Result<String> {
    transact(doc, format!("添加{}", R::NAME_ZH), |tx| {
        edit::add(tx, record)
    })
}

/// `Township::update`.
pub fn update<R: Record>(
    doc: &mut Automerge,
    id: &str,
    f: impl FnOnce(&mut R),
) -> anyhow::Result<R> {
    transact(doc, format!("修改{} {id}", R::NAME_ZH), |tx| {
        edit::update(tx, id, f)
    })
}

/// A device's `m` offline edits on top of `base`, as changes: the first adds
/// a unit, then about one in four adds another and the rest update one of
/// the device's own units (a few fields each, as a form would).
pub fn device_changes(
    base: &Automerge,
    actor: ActorId,
    m: usize,
    seed: u64,
) -> anyhow::Result<Vec<Change>> {
    let mut doc = base.fork().with_actor(actor);
    let base_heads = doc.get_heads();
    let mut rng = Rng::new(seed);
    let mut own: Vec<String> = Vec::new();
    for k in 0..m {
        if own.is_empty() || rng.below(4) == 0 {
            let unit = random_unit(&mut rng)?;
            own.push(add(&mut doc, &unit)?);
        } else {
            let id = own[rng.below(own.len())].clone();
            let n = 5 + rng.below(900) as u32;
            let chair = name(&mut rng);
            let field = rng.below(3);
            update::<Unit>(&mut doc, &id, |u| match field {
                0 => {
                    u.employees = Some(n);
                    u.female_staff = Some(n * 2 / 5);
                }
                1 => {
                    u.union.formed = true;
                    u.union.chair = Some(chair);
                }
                _ => {
                    u.women_org.formed = true;
                    u.women_org.chair = Some(chair);
                    u.youth = Some(k as u32);
                }
            })?;
        }
    }
    Ok(doc.get_changes(&base_heads))
}

/// One unit of a random kind, weighted as in `bench-document`'s township.
pub fn random_unit(rng: &mut Rng) -> anyhow::Result<Unit> {
    let mut one = Rng::new(rng.next());
    let mut units = gen_units(&mut one, 1)?;
    // gen_units makes at least one of each kind; pick one by the weights.
    let pick = rng.below(500);
    let kind = match pick {
        0..28 => 0,
        28..40 => 1,
        40..420 => 2,
        420..460 => 3,
        460..478 => 4,
        478..496 => 5,
        _ => 6,
    };
    Ok(units.swap_remove(kind.min(units.len() - 1)))
}

/// How big a realistic township is, and how it was built.
pub struct Built {
    pub doc: Automerge,
    /// Transactions (= changes) made, and records written.
    pub transactions: usize,
    pub records: usize,
}

/// A township of realistic size on top of `base`: `units` units and, per
/// unit, 6 people, 4 nominations (with their steps) and 20 activities, one
/// transaction per record or step, as `bench-document --build api`.
pub fn realistic_township(base: &Automerge, units: usize, seed: u64) -> anyhow::Result<Built> {
    let mut doc = base.fork().with_actor(actor(2, seed as usize, 0));
    let mut rng = Rng::new(seed);
    let mut transactions = 0;

    let unit_list = gen_units(&mut rng, units)?;
    let mut unit_ids = Vec::with_capacity(unit_list.len());
    for u in &unit_list {
        unit_ids.push(add(&mut doc, u)?);
        transactions += 1;
    }
    let parks: Vec<String> = unit_list
        .iter()
        .zip(&unit_ids)
        .filter(|(u, _)| u.kind == UnitKind::Park)
        .map(|(_, id)| id.clone())
        .collect();
    for (u, id) in unit_list.iter().zip(&unit_ids) {
        if u.kind == UnitKind::Enterprise && !parks.is_empty() && rng.below(3) == 0 {
            let park = parks[rng.below(parks.len())].clone();
            update::<Unit>(&mut doc, id, |u| u.parent = Some(park))?;
            transactions += 1;
        }
    }

    let people = gen_people(&mut rng, &unit_ids, units * 6)?;
    let mut person_ids = Vec::with_capacity(people.len());
    for p in &people {
        person_ids.push(add(&mut doc, p)?);
        transactions += 1;
    }

    let plans = gen_nominations(
        &mut rng,
        &unit_list,
        &unit_ids,
        &people,
        &person_ids,
        units * 4,
    )?;
    for p in &plans {
        let message = format!(
            "推优: {}推荐 {} ({})",
            p.organization.label(),
            p.person,
            p.year
        );
        let id = transact(&mut doc, message, |tx| {
            edit::nominate(tx, &p.person, p.organization, &p.unit, p.year, p.direct)
        })?;
        transactions += 1;
        for step in &p.steps {
            let message = format!("推优 {id}: 记录「{}」", step.name().label());
            transact(&mut doc, message, |tx| edit::record_step(tx, &id, step))?;
            transactions += 1;
        }
    }

    let activities = gen_activities(&mut rng, &unit_list, &unit_ids, units * 20)?;
    for a in &activities {
        add(&mut doc, a)?;
        transactions += 1;
    }
    Ok(Built {
        doc,
        transactions,
        records: unit_list.len() + people.len() + plans.len() + activities.len(),
    })
}

// ---------------------------------------------------------------------------
// bench-document's generators.

struct NominationPlan {
    person: String,
    organization: RecommendingOrg,
    unit: String,
    year: u16,
    direct: bool,
    steps: Vec<Step>,
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖",
    "田", "董", "潘", "袁", "蔡", "蒋", "余", "叶",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "红", "玲", "文", "辉", "鹏", "婷",
    "雪", "琳", "晨", "宇", "浩", "欣", "佳", "俊", "慧", "莉", "燕", "斌", "飞", "萍", "凤", "兰",
];
const PLACES: &[&str] = &[
    "城关", "东溪", "西岭", "南塘", "北山", "龙泉", "石门", "桃源", "清水", "凤凰", "青山", "白沙",
    "金桥", "柳湾", "梅岭", "竹林", "松岗", "杏花", "荷塘", "新民", "永安", "太平", "长乐", "和平",
    "红旗", "胜利", "光明", "建设", "团结", "幸福",
];
const FIRM_NAMES: &[&str] = &[
    "鑫达", "恒通", "华盛", "宏远", "天成", "瑞丰", "嘉禾", "永兴", "金源", "康泰", "盛隆", "海纳",
    "博远", "新锐", "立信", "德润", "中恒", "安泰", "东升", "佳和",
];
const TRADES: &[&str] = &[
    "机械制造",
    "纺织",
    "电子科技",
    "食品",
    "建材",
    "物流",
    "农业开发",
    "包装材料",
    "五金",
    "服饰",
    "茶业",
    "竹木制品",
    "塑料制品",
    "汽车配件",
    "化工",
    "医疗器械",
    "家具",
    "印务",
    "生物科技",
    "新能源",
];
const SOCIAL: &[&str] = &[
    "个体劳动者协会",
    "老年人协会",
    "志愿者协会",
    "慈善会",
    "商会",
    "养殖协会",
    "茶叶协会",
    "文化促进会",
];
const AGENCIES: &[&str] = &[
    "人民政府",
    "财政所",
    "司法所",
    "派出所",
    "市场监管所",
    "自然资源所",
    "综合执法队",
    "农业农村办",
    "社会事务办",
];
const INSTITUTIONS: &[&str] = &[
    "中心小学",
    "初级中学",
    "卫生院",
    "中心幼儿园",
    "文化站",
    "农技站",
    "便民服务中心",
    "水利站",
    "林业站",
];
const NOTES: &[&str] = &[
    "会议在村委会议室举行，参会人员积极发言。",
    "邀请县委党校讲师授课，学员反响良好。",
    "活动结束后组织参观红色教育基地。",
    "妇女之家组织开展，带动周边群众参与。",
    "联合工会、团委共同举办，覆盖园区企业职工。",
    "下雨改为室内进行，部分人员线上参加。",
    "已整理照片和签到表，材料存档备查。",
    "志愿者入户走访独居老人，登记困难需求。",
];

const CREDIT_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn name(rng: &mut Rng) -> String {
    let mut s = SURNAMES[rng.below(SURNAMES.len())].to_string();
    for _ in 0..1 + rng.below(2) {
        s.push_str(GIVEN[rng.below(GIVEN.len())]);
    }
    s
}

fn date(y: i32, m: u32, d: u32) -> anyhow::Result<Date> {
    Date::ymd(y, m, d).with_context(|| format!("no such day {y}-{m}-{d}"))
}

fn random_date(rng: &mut Rng, from: i32, to: i32) -> anyhow::Result<Date> {
    let span = (to - from + 1) as usize;
    date(
        from + rng.below(span) as i32,
        1 + rng.below(12) as u32,
        1 + rng.below(28) as u32,
    )
}

/// A 统一社会信用代码 with a correct check character (GB 32100-2015).
fn credit_code(rng: &mut Rng, kind: UnitKind) -> String {
    const WEIGHTS: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let head = match kind {
        UnitKind::Enterprise | UnitKind::Park => "91",
        UnitKind::SocialOrg => "51",
        UnitKind::Agency => "11",
        UnitKind::Institution => "12",
        UnitKind::Village | UnitKind::Community => "54",
    };
    let mut code: Vec<u8> = head.bytes().collect();
    code.extend(b"330825");
    while code.len() < 17 {
        code.push(CREDIT_CHARS[rng.below(CREDIT_CHARS.len())]);
    }
    let sum: usize = code
        .iter()
        .zip(WEIGHTS)
        .map(|(c, w)| CREDIT_CHARS.iter().position(|x| x == c).unwrap_or(0) * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    code.push(CREDIT_CHARS[check]);
    String::from_utf8_lossy(&code).into_owned()
}

fn gen_units(rng: &mut Rng, count_total: usize) -> anyhow::Result<Vec<Unit>> {
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

fn gen_people(rng: &mut Rng, unit_ids: &[String], count: usize) -> anyhow::Result<Vec<Person>> {
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

fn gen_nominations(
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

fn gen_activities(
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

/// Whether the document holds the unit `id`.
pub fn has_unit(doc: &Automerge, id: &str) -> bool {
    matches!(edit::get::<Unit, _>(doc, id), Ok(Some(_)))
}
