//! The dashboard's drill-down below a township: its units, each with its
//! organizations and what it lacks, and one unit's page — its
//! organizations, every rule that requires one and whether it is met, and
//! the records that name the unit (people, 推优, activities, visits, honors).
//!
//! What a unit lacks is [`requirements`]' answer, the one the `gaps` report
//! lists, so a unit's page and 应建未建 agree. Stored codes leave here as
//! their Chinese words.

use qunjian_shared::rules::{Requirement, Rules, requirements};
use qunjian_shared::schema::{
    ActivityKind, Date, Gender, HonorLevel, HonorTitle, OrgKind, PartyStage, RecommendingOrg, Role,
    StepName, Unit,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::source::{TownshipRef, UnitRow};
use crate::db::DbError;

/// An organization of a unit, formed or not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgState {
    /// `party`, `union`, `league`, `women` or `womens_home`.
    pub org: &'static str,
    /// `党组织`, `工会`, …
    pub label_zh: &'static str,
    /// Whether the unit has it.
    pub formed: bool,
}

/// A rule's demand on a unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Demand {
    /// What is required, e.g. `女职工委员会`.
    pub label_zh: &'static str,
    /// The rule, in words with the county's numbers.
    pub rule_zh: String,
    /// Whether the unit meets it.
    pub met: bool,
    /// By when, if the rule sets a deadline.
    pub due: Option<String>,
    /// Not met and past the deadline.
    pub overdue: bool,
}

/// A unit in its township's list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitLine {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `行政村`, `非公企业`, …
    pub kind_zh: &'static str,
    /// 职工人数, if recorded.
    pub employees: Option<u32>,
    /// Each organization.
    pub orgs: Vec<OrgState>,
    /// What it lacks, by name.
    pub missing: Vec<&'static str>,
    /// Of which past the deadline.
    pub overdue: i64,
}

/// An organization on a unit's page: formed or not, its details, and the
/// rules that require it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgDetail {
    /// Which, and whether formed.
    #[serde(flatten)]
    pub state: OrgState,
    /// Founding date.
    pub established: Option<String>,
    /// Its chair or secretary.
    pub leader: Option<String>,
    /// Its form (`联合党支部`, `妇女工作委员会`, …).
    pub form_zh: Option<&'static str>,
    /// What the rules require of the unit in this organization.
    pub required_by: Vec<Demand>,
}

/// A record that names the unit, as a row of words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordLine {
    /// Record id.
    pub id: String,
    /// Its cells, in the order of the list's `columns`.
    pub cells: Vec<String>,
}

/// A list of records on a unit's page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordList {
    /// `people`, `nominations`, `activities`, `visits` or `honors`.
    pub key: &'static str,
    /// `人员`, `推优`, …
    pub title_zh: &'static str,
    /// Column headers.
    pub columns: Vec<&'static str>,
    /// The records, live ones only.
    pub rows: Vec<RecordLine>,
}

/// A unit's page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitPage {
    /// Its township.
    pub township: TownshipName,
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind, in words.
    pub kind_zh: &'static str,
    /// Archived (in no figure).
    pub archived: bool,
    /// Its recorded facts, as (label, value) in words.
    pub facts: Vec<(&'static str, String)>,
    /// The date the requirements are judged on.
    pub as_of: String,
    /// Each organization.
    pub orgs: Vec<OrgDetail>,
    /// What it lacks, by name.
    pub missing: Vec<&'static str>,
    /// The records that name it.
    pub records: Vec<RecordList>,
}

/// A township by code and name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TownshipName {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

fn demand(r: &Requirement, rules: &Rules) -> Demand {
    Demand {
        label_zh: r.org.label(),
        rule_zh: r.rule.describe(rules),
        met: r.met,
        due: r.due.map(|d| d.to_string()),
        overdue: r.overdue,
    }
}

fn org_states(unit: &Unit) -> Vec<OrgState> {
    OrgKind::ALL
        .iter()
        .map(|&k| OrgState {
            org: k.as_str(),
            label_zh: k.label(),
            formed: unit.has(k),
        })
        .collect()
}

/// The live units of `township` among `units`, by name, each with what it
/// lacks on `as_of` (overdue first in `missing`).
pub fn list(units: &[UnitRow], township: &str, rules: &Rules, as_of: Date) -> Vec<UnitLine> {
    units
        .iter()
        .filter(|u| u.township == township && !u.unit.archived)
        .map(|u| {
            let mut lacking: Vec<Requirement> = requirements(&u.unit, rules, as_of)
                .into_iter()
                .filter(|r| !r.met)
                .collect();
            lacking.sort_by_key(|r| !r.overdue);
            UnitLine {
                id: u.id.clone(),
                name: u.unit.name.clone(),
                kind_zh: u.unit.kind.label(),
                employees: u.unit.employees,
                orgs: org_states(&u.unit),
                missing: lacking.iter().map(|r| r.org.label()).collect(),
                overdue: lacking.iter().filter(|r| r.overdue).count() as i64,
            }
        })
        .collect()
}

/// Unit `id` of `township`, or `None` if it has no such unit.
pub fn page(
    conn: &Connection,
    township: &TownshipRef,
    id: &str,
    rules: &Rules,
    as_of: Date,
) -> Result<Option<UnitPage>, DbError> {
    let record: Option<String> = conn
        .query_row(
            "SELECT record FROM p_units WHERE township = ?1 AND id = ?2",
            params![township.code, id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(unit) = record.and_then(|r| serde_json::from_str::<Unit>(&r).ok()) else {
        return Ok(None);
    };
    let reqs = requirements(&unit, rules, as_of);
    let orgs = org_states(&unit)
        .into_iter()
        .map(|state| {
            let kind = OrgKind::parse(state.org).unwrap_or(OrgKind::Party);
            let (established, leader, form_zh) = details(&unit, kind);
            OrgDetail {
                required_by: reqs
                    .iter()
                    .filter(|r| r.org.org_kind() == kind)
                    .map(|r| demand(r, rules))
                    .collect(),
                state,
                established: established.map(|d| d.to_string()),
                leader,
                form_zh,
            }
        })
        .collect();
    let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    let facts = vec![
        ("单位类型", unit.kind.label().to_string()),
        (
            "统一社会信用代码",
            unit.credit_code.clone().unwrap_or_default(),
        ),
        ("职工人数", number(unit.employees)),
        ("女性固定职工", number(unit.female_staff)),
        ("28 岁以下青年", number(unit.youth)),
        (
            "成立/开业日期",
            unit.opened.map(|d| d.to_string()).unwrap_or_default(),
        ),
    ];
    Ok(Some(UnitPage {
        township: TownshipName {
            code: township.code.clone(),
            name: township.name.clone(),
        },
        id: id.to_string(),
        name: unit.name.clone(),
        kind_zh: unit.kind.label(),
        archived: unit.archived,
        facts,
        as_of: as_of.to_string(),
        missing: reqs
            .iter()
            .filter(|r| !r.met)
            .map(|r| r.org.label())
            .collect(),
        orgs,
        records: records(conn, &township.code, id)?,
    }))
}

/// Founding date, leader and form of organization `kind` of `unit`.
fn details(unit: &Unit, kind: OrgKind) -> (Option<Date>, Option<String>, Option<&'static str>) {
    match kind {
        OrgKind::Party => (
            unit.party_org.established,
            None,
            unit.party_org.form.map(|f| f.label()),
        ),
        OrgKind::Union => (unit.union.established, unit.union.chair.clone(), None),
        OrgKind::League => (unit.league.established, unit.league.secretary.clone(), None),
        OrgKind::Women => (
            unit.women_org.established,
            unit.women_org.chair.clone(),
            unit.women_org.form.map(|f| f.label()),
        ),
        OrgKind::WomensHome => (unit.womens_home.established, None, None),
    }
}

/// The word for a stored code, or the code if this server does not know it.
fn word<T>(code: &str, parse: fn(&str) -> Option<T>, label: fn(T) -> &'static str) -> String {
    parse(code).map_or_else(|| code.to_string(), |v| label(v).to_string())
}

fn records(conn: &Connection, township: &str, unit: &str) -> Result<Vec<RecordList>, DbError> {
    let mut out = Vec::new();

    let mut stmt = conn.prepare(
        "SELECT id, name, gender, birth_year, party_stage, roles FROM p_people
         WHERE township = ?1 AND unit_id = ?2 AND archived = 0 ORDER BY name, id",
    )?;
    let rows = stmt.query_map(params![township, unit], |r| {
        let gender: Option<String> = r.get(2)?;
        let roles: String = r.get(5)?;
        Ok(RecordLine {
            id: r.get(0)?,
            cells: vec![
                r.get(1)?,
                gender.map_or_else(String::new, |g| word(&g, Gender::parse, Gender::label)),
                r.get::<_, Option<i64>>(3)?
                    .map_or_else(String::new, |y| y.to_string()),
                word(
                    &r.get::<_, String>(4)?,
                    PartyStage::parse,
                    PartyStage::label,
                ),
                roles
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| word(s, Role::parse, Role::label))
                    .collect::<Vec<_>>()
                    .join("、"),
            ],
        })
    })?;
    out.push(RecordList {
        key: "people",
        title_zh: "人员",
        columns: vec!["姓名", "性别", "出生年份", "政治面貌", "职务"],
        rows: rows.collect::<Result<_, _>>()?,
    });

    let mut stmt = conn.prepare(
        "SELECT n.id, p.name, n.organization, n.year, n.direct,
                (SELECT group_concat(s.step) FROM p_nomination_steps s
                 WHERE s.township = n.township AND s.nomination_id = n.id)
         FROM p_nominations n
         LEFT JOIN p_people p ON p.township = n.township AND p.id = n.person_id
         WHERE n.township = ?1 AND n.unit_id = ?2 AND n.archived = 0
         ORDER BY n.year DESC, p.name, n.id",
    )?;
    let rows = stmt.query_map(params![township, unit], |r| {
        let steps: Option<String> = r.get(5)?;
        let steps: Vec<String> = steps
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        // The furthest step recorded, in the steps' order.
        let furthest = StepName::ALL
            .iter()
            .rev()
            .find(|s| steps.iter().any(|x| x == s.as_str()))
            .map_or("尚未记录步骤", |s| s.label());
        Ok(RecordLine {
            id: r.get(0)?,
            cells: vec![
                r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                word(
                    &r.get::<_, String>(2)?,
                    RecommendingOrg::parse,
                    RecommendingOrg::label,
                ),
                r.get::<_, i64>(3)?.to_string(),
                if r.get::<_, bool>(4)? {
                    "直接推荐"
                } else {
                    "逐级推荐"
                }
                .to_string(),
                furthest.to_string(),
            ],
        })
    })?;
    out.push(RecordList {
        key: "nominations",
        title_zh: "推优",
        columns: vec!["被推荐人", "推荐组织", "年度", "方式", "已到步骤"],
        rows: rows.collect::<Result<_, _>>()?,
    });

    // unit_ids is a comma list: an exact match on ",id,".
    let mut stmt = conn.prepare(
        "SELECT id, date, title, kind, organizations, participants, women_participants
         FROM p_activities
         WHERE township = ?1 AND archived = 0
           AND instr(',' || unit_ids || ',', ',' || ?2 || ',') > 0
         ORDER BY date DESC, id",
    )?;
    let rows = stmt.query_map(params![township, unit], |r| {
        let orgs: String = r.get(4)?;
        Ok(RecordLine {
            id: r.get(0)?,
            cells: vec![
                r.get(1)?,
                r.get(2)?,
                word(
                    &r.get::<_, String>(3)?,
                    ActivityKind::parse,
                    ActivityKind::label,
                ),
                orgs.split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| word(s, OrgKind::parse, OrgKind::label))
                    .collect::<Vec<_>>()
                    .join("、"),
                r.get::<_, i64>(5)?.to_string(),
                r.get::<_, i64>(6)?.to_string(),
            ],
        })
    })?;
    out.push(RecordList {
        key: "activities",
        title_zh: "活动",
        columns: vec!["日期", "名称", "类型", "组织", "参加人次", "其中女性"],
        rows: rows.collect::<Result<_, _>>()?,
    });

    let mut stmt = conn.prepare(
        "SELECT id, date, cadre, purpose FROM p_visits
         WHERE township = ?1 AND unit_id = ?2 AND archived = 0 ORDER BY date DESC, id",
    )?;
    let rows = stmt.query_map(params![township, unit], |r| {
        Ok(RecordLine {
            id: r.get(0)?,
            cells: vec![
                r.get(1)?,
                r.get(2)?,
                r.get::<_, Option<String>>(3)?.unwrap_or_default(),
            ],
        })
    })?;
    out.push(RecordList {
        key: "visits",
        title_zh: "走访",
        columns: vec!["日期", "走访干部", "事由"],
        rows: rows.collect::<Result<_, _>>()?,
    });

    let mut stmt = conn.prepare(
        "SELECT id, year, title, level FROM p_honors
         WHERE township = ?1 AND recipient_unit = ?2 AND archived = 0 ORDER BY year DESC, id",
    )?;
    let rows = stmt.query_map(params![township, unit], |r| {
        Ok(RecordLine {
            id: r.get(0)?,
            cells: vec![
                r.get::<_, i64>(1)?.to_string(),
                word(
                    &r.get::<_, String>(2)?,
                    HonorTitle::parse,
                    HonorTitle::label,
                ),
                word(
                    &r.get::<_, String>(3)?,
                    HonorLevel::parse,
                    HonorLevel::label,
                ),
            ],
        })
    })?;
    out.push(RecordList {
        key: "honors",
        title_zh: "荣誉",
        columns: vec!["年度", "称号", "级别"],
        rows: rows.collect::<Result<_, _>>()?,
    });
    Ok(out)
}
