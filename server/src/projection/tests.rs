//! The projection against a real SQLite file: rows follow the latest
//! version, one township's rewrite leaves the others alone, and a failure
//! keeps the last good rows.

use qunjian_shared::schema::{Date, Unit, UnitKind};
use qunjian_shared::{TownshipKind, TownshipMeta, edit};
use rusqlite::Connection;

use super::{read, write};

/// The database with the tables projection writes (and the townships it
/// names), opened as the server opens it.
fn open(dir: &std::path::Path) -> crate::db::DbResult<rusqlite::Connection> {
    let conn = crate::db::connect(dir)?;
    conn.execute_batch(crate::townships::SCHEMA)?;
    conn.execute_batch(super::tables::SCHEMA)?;
    super::tables::upgrade(&conn)?;
    Ok(conn)
}

fn township(code: &str) -> automerge::Automerge {
    TownshipMeta::new(code, "某镇", TownshipKind::Zhen, "330825")
        .and_then(|meta| meta.new_document())
        .expect("a valid township document")
}

fn add_unit(doc: &mut automerge::Automerge, name: &str) {
    let mut tx = doc.transaction();
    edit::add(&mut tx, &Unit::new(name, UnitKind::Village)).expect("add");
    tx.commit();
}

fn today() -> Date {
    Date::ymd(2026, 11, 24).expect("date")
}

fn units(conn: &Connection, township: &str) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT name FROM p_units WHERE township = ?1 ORDER BY name")
        .expect("prepare");
    stmt.query_map([township], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn project(conn: &Connection, code: &str, doc: &automerge::Automerge) {
    let p = read::read(code, doc, today()).expect("read");
    write::replace(conn, &p, "2026-11-24T00:00:00Z").expect("write");
}

#[test]
fn rows_follow_the_latest_version_township_by_township() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = open(dir.path()).expect("db");
    let (mut a, mut b) = (township("101"), township("102"));
    add_unit(&mut a, "甲村");
    add_unit(&mut b, "乙村");
    project(&conn, "101", &a);
    project(&conn, "102", &b);
    add_unit(&mut a, "丙村");
    project(&conn, "101", &a);
    assert_eq!(units(&conn, "101"), ["丙村", "甲村"]);
    assert_eq!(units(&conn, "102"), ["乙村"]);
    let heads = write::projected_heads(&conn, "101").expect("heads");
    assert_eq!(
        heads,
        Some(qunjian_shared::doc_json::heads_hex(&a.get_heads()).join(","))
    );
}

#[test]
fn a_failure_keeps_the_last_good_rows_and_is_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = open(dir.path()).expect("db");
    let mut a = township("101");
    add_unit(&mut a, "甲村");
    project(&conn, "101", &a);
    write::record_failure(&conn, "101", "meta unreadable", "2026-11-24T01:00:00Z").expect("record");
    assert_eq!(units(&conn, "101"), ["甲村"]);
    let error: Option<String> = conn
        .query_row(
            "SELECT error FROM p_state WHERE township = '101'",
            [],
            |r| r.get(0),
        )
        .expect("state");
    assert_eq!(error.as_deref(), Some("meta unreadable"));
    // While failing, the heads are not trusted: the next read projects again.
    assert_eq!(write::projected_heads(&conn, "101").expect("heads"), None);
    project(&conn, "101", &a);
    let error: Option<String> = conn
        .query_row(
            "SELECT error FROM p_state WHERE township = '101'",
            [],
            |r| r.get(0),
        )
        .expect("state");
    assert_eq!(error, None);
}

/// The activities report's sums (months kept at projection, the as_of month
/// from the rows) equal summing every row, for any as_of, year and
/// township; also after a rewrite and for a database projected before the
/// sums existed.
#[test]
fn activity_sums_equal_summing_every_row() {
    use qunjian_shared::schema::{Activity, ActivityKind, OrgKind};

    use crate::reports::{Filters, source};

    let dir = tempfile::tempdir().expect("tempdir");
    let conn = open(dir.path()).expect("db");
    let mut seed = 0x5eed_u64;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let orgs = [OrgKind::Union, OrgKind::League, OrgKind::Women];
    for code in ["101", "102"] {
        let mut doc = township(code);
        let mut tx = doc.transaction();
        for i in 0..300 {
            let day = Date::ymd(
                2025 + next(2) as i32,
                1 + next(12) as u32,
                1 + next(28) as u32,
            )
            .expect("date");
            let mut a = Activity::new(ActivityKind::Event, format!("活动{i}"), day);
            for org in orgs {
                if next(2) == 0 {
                    a.organizations.insert(org);
                }
            }
            a.participants = next(60) as u32;
            a.women_participants = next(30) as u32;
            a.archived = next(10) == 0;
            edit::add(&mut tx, &a).expect("add");
        }
        tx.commit();
        project(&conn, code, &doc);
    }
    let every_row = |f: &Filters| -> Vec<(String, String, String, i64, i64, i64)> {
        let mut stmt = conn
            .prepare(
                "SELECT township, organizations, substr(date, 1, 7), COUNT(*),
                        SUM(participants), SUM(women_participants)
                 FROM p_activities
                 WHERE archived = 0 AND (?1 IS NULL OR township = ?1) AND date <= ?2
                   AND (?3 IS NULL OR substr(date, 1, 4) = CAST(?3 AS TEXT))
                 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            )
            .expect("prepare");
        stmt.query_map(
            rusqlite::params![f.township, f.as_of.to_string(), f.year],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
    };
    let kept = |f: &Filters| -> Vec<(String, String, String, i64, i64, i64)> {
        let mut rows: Vec<_> = source::activities(&conn, f)
            .expect("report source")
            .into_iter()
            .map(|r| {
                let orgs = r.organizations.join(",");
                (
                    r.township,
                    orgs,
                    r.month,
                    r.activities,
                    r.participants,
                    r.women,
                )
            })
            .collect();
        rows.sort();
        rows
    };
    let check = || {
        for as_of in [
            "2024-12-31",
            "2025-01-01",
            "2025-06-15",
            "2025-12-31",
            "2026-03-01",
            "2026-07-14",
            "2026-12-31",
        ] {
            for year in [None, Some(2025), Some(2026)] {
                for township in [None, Some("102".to_string())] {
                    let f = Filters {
                        township,
                        year,
                        organization: None,
                        as_of: as_of.parse().expect("date"),
                    };
                    let want = every_row(&f);
                    assert_eq!(kept(&f), want, "{f:?}");
                }
            }
        }
    };
    check();
    // A database projected before the sums existed fills them on open.
    conn.execute("DELETE FROM p_activity_months", [])
        .expect("forget sums");
    let conn_again = open(dir.path()).expect("reopen");
    drop(conn_again);
    check();
}

/// A database projected before `p_units.women_chair_on_committees` existed
/// gains the column on open, and forgets which version its rows show, so
/// each township is rewritten (record JSON included) with the new field.
#[test]
fn an_older_projection_gains_the_chair_column_and_is_rewritten() {
    use qunjian_shared::schema::WomenOrgForm;

    let dir = tempfile::tempdir().expect("tempdir");
    let conn = crate::db::connect(dir.path()).expect("db");
    conn.execute_batch(crate::townships::SCHEMA)
        .expect("townships");
    // p_units as the previous server created it, and a township's rows
    // marked current.
    let old = super::tables::SCHEMA.replace("    women_chair_on_committees INTEGER,\n", "");
    assert_ne!(old, super::tables::SCHEMA, "the column is in SCHEMA");
    conn.execute_batch(&old).expect("old schema");
    conn.execute(
        "INSERT INTO p_state (township, heads, projected_at) VALUES ('101', 'abc', 'then')",
        [],
    )
    .expect("state");
    assert_eq!(
        write::projected_heads(&conn, "101")
            .expect("heads")
            .as_deref(),
        Some("abc")
    );

    // Opened as the server opens it: twice, the second a no-op.
    conn.execute_batch(super::tables::SCHEMA).expect("schema");
    super::tables::upgrade(&conn).expect("upgrade");
    assert_eq!(write::projected_heads(&conn, "101").expect("heads"), None);
    super::tables::upgrade(&conn).expect("upgrade again");

    let mut doc = township("101");
    let mut village = Unit::new("一村", UnitKind::Village);
    village.women_org.formed = true;
    village.women_org.form = Some(WomenOrgForm::Congress);
    village.women_org.chair_on_committees = Some(true);
    let mut tx = doc.transaction();
    edit::add(&mut tx, &village).expect("add");
    tx.commit();
    project(&conn, "101", &doc);
    let (column, record): (Option<bool>, String) = conn
        .query_row(
            "SELECT women_chair_on_committees, record FROM p_units WHERE township = '101'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("row");
    assert_eq!(column, Some(true));
    let unit: Unit = serde_json::from_str(&record).expect("record");
    assert_eq!(unit.women_org.chair_on_committees, Some(true));
}
