//! Replacing one township's rows, all in one SQLite transaction: a report
//! never sees half of one version of a document and half of the next.

use std::collections::BTreeMap;

use qunjian_shared::schema::{OrgKind, Unit};
use rusqlite::{Connection, params};

use super::read::{Projected, steps};
use crate::db::DbError;

/// Tables holding rows of one township, cleared before each rewrite.
pub const TABLES: &[&str] = &[
    "p_units",
    "p_organizations",
    "p_township_orgs",
    "p_people",
    "p_nominations",
    "p_nomination_steps",
    "p_activities",
    "p_activity_months",
    "p_honors",
    "p_visits",
    "p_exec_links",
    "p_findings",
];

/// Write `p` in place of its township's previous rows, and clear any
/// earlier read failure.
pub fn replace(conn: &Connection, p: &Projected, at: &str) -> Result<(), DbError> {
    // The server's one connection sits behind a mutex, so no other
    // transaction can be open on it here.
    let tx = conn.unchecked_transaction()?;
    for table in TABLES {
        tx.execute(
            &format!("DELETE FROM {table} WHERE township = ?1"),
            [&p.township],
        )?;
    }
    insert_units(&tx, p)?;
    insert_township_orgs(&tx, p)?;
    insert_people(&tx, p)?;
    insert_nominations(&tx, p)?;
    insert_activities(&tx, p)?;
    insert_honors_visits_and_links(&tx, p)?;
    insert_findings(&tx, p)?;
    tx.execute(
        "INSERT INTO p_state (township, heads, projected_at, error, error_at)
         VALUES (?1, ?2, ?3, NULL, NULL)
         ON CONFLICT (township) DO UPDATE SET
           heads = excluded.heads, projected_at = excluded.projected_at,
           error = NULL, error_at = NULL",
        params![p.township, p.heads.join(","), at],
    )?;
    tx.commit()?;
    Ok(())
}

/// Note that the township's document could not be read; its previous rows
/// stay, so the county's figures do not vanish because of one bad write.
pub fn record_failure(
    conn: &Connection,
    township: &str,
    error: &str,
    at: &str,
) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO p_state (township, error, error_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (township) DO UPDATE SET error = excluded.error, error_at = excluded.error_at",
        params![township, error, at],
    )?;
    Ok(())
}

/// Note that the township's rows are still its document's latest version.
pub fn confirm(conn: &Connection, township: &str, at: &str) -> Result<(), DbError> {
    conn.execute(
        "UPDATE p_state SET projected_at = ?2 WHERE township = ?1 AND error IS NULL",
        params![township, at],
    )?;
    Ok(())
}

/// The heads the township's rows were last written from, if any.
pub fn projected_heads(conn: &Connection, township: &str) -> Result<Option<String>, DbError> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT heads FROM p_state WHERE township = ?1 AND error IS NULL",
            [township],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

fn insert_units(tx: &Connection, p: &Projected) -> Result<(), DbError> {
    let mut unit = tx.prepare(
        "INSERT INTO p_units (township, id, name, kind, parent, credit_code, employees,
           female_staff, youth, opened, archived, record, women_chair_on_committees)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    let mut org = tx.prepare(
        "INSERT INTO p_organizations (township, unit_id, org, formed, form, established, leader)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (id, u) in &p.doc.units {
        let record = serde_json::to_string(u).map_err(|e| DbError::Task(e.to_string()))?;
        unit.execute(params![
            p.township,
            id,
            u.name,
            u.kind.as_str(),
            u.parent,
            u.credit_code,
            u.employees,
            u.female_staff,
            u.youth,
            u.opened.map(|d| d.to_string()),
            u.archived,
            record,
            u.women_org.chair_on_committees,
        ])?;
        for o in organizations(u) {
            org.execute(params![
                p.township,
                id,
                o.kind.as_str(),
                u.has(o.kind),
                o.form,
                o.established.map(|d| d.to_string()),
                o.leader,
            ])?;
        }
    }
    Ok(())
}

/// One organization of a unit, flattened.
struct OrgRow<'a> {
    kind: OrgKind,
    form: Option<&'static str>,
    established: Option<qunjian_shared::schema::Date>,
    leader: Option<&'a str>,
}

/// The organizations a unit has any record of (formed or partly filled in).
fn organizations(u: &Unit) -> Vec<OrgRow<'_>> {
    let all = [
        OrgRow {
            kind: OrgKind::Party,
            form: u.party_org.form.map(|f| f.as_str()),
            established: u.party_org.established,
            leader: None,
        },
        OrgRow {
            kind: OrgKind::Union,
            form: None,
            established: u.union.established,
            leader: u.union.chair.as_deref(),
        },
        OrgRow {
            kind: OrgKind::League,
            form: None,
            established: u.league.established,
            leader: u.league.secretary.as_deref(),
        },
        OrgRow {
            kind: OrgKind::Women,
            form: u.women_org.form.map(|f| f.as_str()),
            established: u.women_org.established,
            leader: u.women_org.chair.as_deref(),
        },
        OrgRow {
            kind: OrgKind::WomensHome,
            form: None,
            established: u.womens_home.established,
            leader: None,
        },
    ];
    all.into_iter()
        .filter(|o| u.has(o.kind) || o.form.is_some() || o.leader.is_some())
        .collect()
}

/// The township's own organizations, one row each, always written (all
/// unrecorded in a document made before they had a place).
fn insert_township_orgs(tx: &Connection, p: &Projected) -> Result<(), DbError> {
    let mut stmt = tx.prepare(
        "INSERT INTO p_township_orgs (township, org, formed, established, leader,
           leader_full_time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let o = &p.doc.township_orgs;
    let (f, l, u) = (&o.federation, &o.league_committee, &o.union_federation);
    let rows = [
        (
            "federation",
            f.formed,
            f.established,
            &f.chair,
            f.chair_full_time,
        ),
        (
            "league_committee",
            l.formed,
            l.established,
            &l.secretary,
            l.secretary_full_time,
        ),
        (
            "union_federation",
            u.formed,
            u.established,
            &u.chair,
            u.chair_full_time,
        ),
    ];
    for (org, formed, established, leader, full_time) in rows {
        stmt.execute(params![
            p.township,
            org,
            formed,
            established.map(|d| d.to_string()),
            leader,
            full_time,
        ])?;
    }
    Ok(())
}

fn insert_people(tx: &Connection, p: &Projected) -> Result<(), DbError> {
    let mut stmt = tx.prepare(
        "INSERT INTO p_people (township, id, name, gender, birth_year, unit_id, party_stage,
           roles, archived)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for (id, person) in &p.doc.people {
        let roles: Vec<&str> = person.roles.iter().map(|r| r.as_str()).collect();
        stmt.execute(params![
            p.township,
            id,
            person.name,
            person.gender.map(|g| g.as_str()),
            person.birth_year,
            person.unit,
            person.party_stage.as_str(),
            roles.join(","),
            person.archived,
        ])?;
    }
    Ok(())
}

fn insert_nominations(tx: &Connection, p: &Projected) -> Result<(), DbError> {
    let mut nomination = tx.prepare(
        "INSERT INTO p_nominations (township, id, person_id, organization, unit_id, year,
           direct, archived, out_of_order)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    let mut step = tx.prepare(
        "INSERT INTO p_nomination_steps (township, nomination_id, step, date, decision)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (id, n) in &p.doc.nominations {
        let out_of_order: Vec<String> = n
            .steps_out_of_order()
            .iter()
            .map(|(s, before)| format!("{}<{}", s.as_str(), before.as_str()))
            .collect();
        nomination.execute(params![
            p.township,
            id,
            n.person,
            n.organization.as_str(),
            n.unit,
            n.year,
            n.direct,
            n.archived,
            (!out_of_order.is_empty()).then(|| out_of_order.join(",")),
        ])?;
        for (name, date, decision) in steps(&n.steps) {
            step.execute(params![
                p.township,
                id,
                name.as_str(),
                date.to_string(),
                decision
            ])?;
        }
    }
    Ok(())
}

fn insert_activities(tx: &Connection, p: &Projected) -> Result<(), DbError> {
    let mut stmt = tx.prepare(
        "INSERT INTO p_activities (township, id, kind, title, date, organizations, unit_ids,
           participants, women_participants, archived)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for (id, a) in &p.doc.activities {
        let orgs: Vec<&str> = a.organizations.iter().map(|o| o.as_str()).collect();
        let units: Vec<&str> = a.units.iter().map(String::as_str).collect();
        stmt.execute(params![
            p.township,
            id,
            a.kind.as_str(),
            a.title,
            a.date.to_string(),
            orgs.join(","),
            units.join(","),
            a.participants,
            a.women_participants,
            a.archived,
        ])?;
    }
    // The sums the county-wide report reads (see tables.rs), grouped as
    // the report's SQL over p_activities groups them.
    let mut months: BTreeMap<(String, String), (i64, i64, i64)> = BTreeMap::new();
    for a in p.doc.activities.values().filter(|a| !a.archived) {
        let orgs: Vec<&str> = a.organizations.iter().map(|o| o.as_str()).collect();
        let date = a.date.to_string();
        let month = date.get(..7).unwrap_or(&date).to_string();
        let sum = months.entry((orgs.join(","), month)).or_default();
        sum.0 += 1;
        sum.1 += i64::from(a.participants);
        sum.2 += i64::from(a.women_participants);
    }
    let mut stmt = tx.prepare(
        "INSERT INTO p_activity_months (township, organizations, month, activities,
           participants, women_participants)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for ((orgs, month), (n, people, women)) in months {
        stmt.execute(params![p.township, orgs, month, n, people, women])?;
    }
    Ok(())
}

fn insert_honors_visits_and_links(tx: &Connection, p: &Projected) -> Result<(), DbError> {
    let mut honor = tx.prepare(
        "INSERT INTO p_honors (township, id, title, level, year, recipient_unit,
           recipient_person, archived)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (id, h) in &p.doc.honors {
        honor.execute(params![
            p.township,
            id,
            h.title.as_str(),
            h.level.as_str(),
            h.year,
            h.recipient_unit,
            h.recipient_person,
            h.archived,
        ])?;
    }
    let mut visit = tx.prepare(
        "INSERT INTO p_visits (township, id, cadre, unit_id, date, purpose, archived)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (id, v) in &p.doc.visits {
        visit.execute(params![
            p.township,
            id,
            v.cadre,
            v.unit,
            v.date.to_string(),
            v.purpose,
            v.archived,
        ])?;
    }
    let mut link = tx.prepare(
        "INSERT INTO p_exec_links (township, id, executive, unit_id, since, until, archived)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (id, l) in &p.doc.exec_links {
        link.execute(params![
            p.township,
            id,
            l.executive.trim(),
            l.unit,
            l.since.to_string(),
            l.until.map(|d| d.to_string()),
            l.archived,
        ])?;
    }
    Ok(())
}

fn insert_findings(tx: &Connection, p: &Projected) -> Result<(), DbError> {
    let mut stmt = tx.prepare(
        "INSERT INTO p_findings (township, source, map, record_id, field, rule, message_zh,
           message_en)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for f in &p.findings {
        stmt.execute(params![
            p.township,
            "validation",
            f.record.map,
            f.record.id,
            f.field,
            f.rule.as_str(),
            f.message_zh,
            f.message_en,
        ])?;
    }
    for c in &p.conflicts {
        let (zh, en) = qunjian_shared::conflicts::describe(&p.doc, c);
        stmt.execute(params![
            p.township, "conflict", c.map, c.id, c.field, "conflict", zh, en,
        ])?;
    }
    Ok(())
}
