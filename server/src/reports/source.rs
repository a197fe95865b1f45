//! Reading the projection tables back as plain data for the reports.
//!
//! Each report is a pure function of what these return, so it can be
//! tested on hand-made rows; only this file knows the SQL.

use std::collections::BTreeMap;

use qunjian_shared::schema::{Date, Gender, PartyStage, Person, Role, Set, TownshipOrgs, Unit};
use rusqlite::{Connection, params};

use super::filters::Filters;
use crate::db::DbError;

/// A township the report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TownshipRef {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// The name of township `code` among `townships`, or the code itself if it
/// is not there (a row left behind by a township no longer listed).
pub fn name_of(townships: &[TownshipRef], code: &str) -> String {
    townships
        .iter()
        .find(|t| t.code == code)
        .map_or_else(|| code.to_string(), |t| t.name.clone())
}

/// The townships `f` covers, by code.
pub fn townships(conn: &Connection, f: &Filters) -> Result<Vec<TownshipRef>, DbError> {
    let mut stmt = conn
        .prepare("SELECT code, name FROM townships WHERE ?1 IS NULL OR code = ?1 ORDER BY code")?;
    let rows = stmt.query_map([&f.township], |r| {
        Ok(TownshipRef {
            code: r.get(0)?,
            name: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A unit with where it lives.
#[derive(Debug, Clone)]
pub struct UnitRow {
    /// Township code.
    pub township: String,
    /// Unit id.
    pub id: String,
    /// The unit.
    pub unit: Unit,
}

/// Every unit of the covered townships, archived ones included (the rules
/// decide what archived means).
pub fn units(conn: &Connection, f: &Filters) -> Result<Vec<UnitRow>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT township, id, record FROM p_units WHERE ?1 IS NULL OR township = ?1
         ORDER BY township, name, id",
    )?;
    let rows = stmt.query_map([&f.township], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (township, id, record) = row?;
        // The projection wrote this JSON from a typed unit; a row that no
        // longer parses (an older server's shape) is skipped, not fatal.
        match serde_json::from_str::<Unit>(&record) {
            Ok(unit) => out.push(UnitRow { township, id, unit }),
            Err(e) => tracing::warn!(%township, %id, "projected unit unreadable: {e}"),
        }
    }
    Ok(out)
}

/// A person with the township she is recorded in.
#[derive(Debug, Clone)]
pub struct PersonRow {
    /// Township code.
    pub township: String,
    /// The person, rebuilt from her columns.
    pub person: Person,
}

/// Every person of the covered townships, archived ones included (the rules
/// decide what archived means).
///
/// `p_people` holds every field of a person, so the typed person is rebuilt
/// from its columns and the rates see exactly what the device sees. A value
/// this server cannot name (a gender, stage or role written by a newer
/// writer) reads as unknown / left out, as hydrating the document would.
pub fn people(conn: &Connection, f: &Filters) -> Result<Vec<PersonRow>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT township, name, gender, birth_year, unit_id, party_stage, roles, archived
         FROM p_people WHERE ?1 IS NULL OR township = ?1 ORDER BY township, id",
    )?;
    let rows = stmt.query_map([&f.township], |r| {
        let gender: Option<String> = r.get(2)?;
        let stage: String = r.get(5)?;
        let roles: String = r.get(6)?;
        Ok(PersonRow {
            township: r.get(0)?,
            person: Person {
                name: r.get(1)?,
                gender: gender.as_deref().and_then(Gender::parse),
                birth_year: r.get::<_, Option<i64>>(3)?.and_then(|y| y.try_into().ok()),
                unit: r.get(4)?,
                party_stage: PartyStage::parse(&stage).unwrap_or(PartyStage::Masses),
                roles: Set(roles.split(',').filter_map(Role::parse).collect()),
                archived: r.get(7)?,
            },
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A 推优 record as the nominations report needs it.
#[derive(Debug, Clone)]
pub struct NominationRow {
    /// Township code.
    pub township: String,
    /// Year.
    pub year: i32,
    /// union, league or women.
    pub organization: String,
    /// Steps recorded by `as_of`, by name.
    pub steps: Vec<String>,
    /// The party decision, if recorded by `as_of`.
    pub decision: Option<String>,
    /// The person's birth year, if known.
    pub birth_year: Option<i32>,
    /// The person's gender, if known.
    pub gender: Option<String>,
    /// Steps recorded without their predecessor.
    pub out_of_order: Option<String>,
}

/// Every live (not archived) nomination of the covered townships and year.
///
/// One statement: each nomination's steps recorded by `as_of` come as one
/// comma list from the steps' primary key, instead of a query per
/// nomination (40,000 of them for a county of large townships).
pub fn nominations(conn: &Connection, f: &Filters) -> Result<Vec<NominationRow>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT n.township, n.year, n.organization, p.birth_year, p.gender, n.out_of_order,
                (SELECT group_concat(s.step) FROM p_nomination_steps s
                 WHERE s.township = n.township AND s.nomination_id = n.id AND s.date <= ?3),
                (SELECT s.decision FROM p_nomination_steps s
                 WHERE s.township = n.township AND s.nomination_id = n.id
                   AND s.step = 'party_decision' AND s.date <= ?3)
         FROM p_nominations n
         LEFT JOIN p_people p ON p.township = n.township AND p.id = n.person_id
         WHERE n.archived = 0 AND (?1 IS NULL OR n.township = ?1) AND (?2 IS NULL OR n.year = ?2)",
    )?;
    let rows = stmt.query_map(params![f.township, f.year, f.as_of.to_string()], |r| {
        let steps: Option<String> = r.get(6)?;
        Ok(NominationRow {
            township: r.get(0)?,
            year: r.get(1)?,
            organization: r.get(2)?,
            birth_year: r.get(3)?,
            gender: r.get(4)?,
            out_of_order: r.get(5)?,
            steps: steps
                .map(|s| s.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
            decision: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Activities of one township, set of organizations and month, summed.
#[derive(Debug, Clone)]
pub struct ActivityRow {
    /// Township code.
    pub township: String,
    /// Organizing organizations.
    pub organizations: Vec<String>,
    /// `YYYY-MM`.
    pub month: String,
    /// How many activities.
    pub activities: i64,
    /// Participants.
    pub participants: i64,
    /// Women among them.
    pub women: i64,
}

/// Live activities of the covered townships dated by `as_of` (and in the
/// year), summed by township, organizations and month in SQL. A county has
/// hundreds of thousands of activities: months before `as_of`'s come from
/// the sums kept at projection (`p_activity_months`), and only `as_of`'s
/// own month is summed from the rows, up to `as_of` (a scan of 200,000
/// rows that keeps few: about 30 ms).
pub fn activities(conn: &Connection, f: &Filters) -> Result<Vec<ActivityRow>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT township, organizations, month, SUM(n), SUM(people), SUM(women) FROM (
             SELECT township, organizations, month, activities AS n,
                    participants AS people, women_participants AS women
             FROM p_activity_months
             WHERE month < substr(?2, 1, 7) AND (?1 IS NULL OR township = ?1)
               AND (?3 IS NULL OR substr(month, 1, 4) = CAST(?3 AS TEXT))
             UNION ALL
             SELECT township, organizations, substr(date, 1, 7), COUNT(*),
                    SUM(participants), SUM(women_participants)
             FROM p_activities
             WHERE archived = 0 AND date >= substr(?2, 1, 7) || '-01' AND date <= ?2
               AND (?1 IS NULL OR township = ?1)
               AND (?3 IS NULL OR substr(date, 1, 4) = CAST(?3 AS TEXT))
             GROUP BY township, organizations, substr(date, 1, 7)
         )
         GROUP BY township, organizations, month",
    )?;
    let rows = stmt.query_map(params![f.township, f.as_of.to_string(), f.year], |r| {
        let orgs: String = r.get(1)?;
        Ok(ActivityRow {
            township: r.get(0)?,
            organizations: orgs
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            month: r.get(2)?,
            activities: r.get(3)?,
            participants: r.get(4)?,
            women: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The township's own organizations of each covered township, by code, as
/// projected into `p_township_orgs`. A township with no rows yet (its
/// document never projected) is absent: nothing recorded.
pub fn township_orgs(
    conn: &Connection,
    f: &Filters,
) -> Result<BTreeMap<String, TownshipOrgs>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT township, org, formed, established, leader, leader_full_time
         FROM p_township_orgs WHERE ?1 IS NULL OR township = ?1",
    )?;
    let rows = stmt.query_map([&f.township], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, bool>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<bool>>(5)?,
        ))
    })?;
    let mut out: BTreeMap<String, TownshipOrgs> = BTreeMap::new();
    for row in rows {
        let (township, org, formed, established, leader, full_time) = row?;
        // Written from a typed date; one that no longer parses is left
        // unrecorded rather than failing the report.
        let established = established.and_then(|d| d.parse::<Date>().ok());
        let o = out.entry(township).or_default();
        match org.as_str() {
            "federation" => {
                let f = &mut o.federation;
                (f.formed, f.established, f.chair, f.chair_full_time) =
                    (formed, established, leader, full_time);
            }
            "league_committee" => {
                let l = &mut o.league_committee;
                (l.formed, l.established, l.secretary, l.secretary_full_time) =
                    (formed, established, leader, full_time);
            }
            "union_federation" => {
                let u = &mut o.union_federation;
                (u.formed, u.established, u.chair, u.chair_full_time) =
                    (formed, established, leader, full_time);
            }
            _ => {}
        }
    }
    Ok(out)
}
