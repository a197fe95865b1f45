//! The township's own organizations through the projection and into the
//! coverage report: `p_township_orgs` follows the document (also when only
//! `township_orgs` changed, which the incremental projection reads in
//! full), and the full-time 妇联 chair counts townships by their own 妇联.

use qunjian_shared::rules::{Rules, TargetId};
use qunjian_shared::schema::{Date, Unit, UnitKind, WomenOrgForm};
use qunjian_shared::{TownshipKind, TownshipMeta, edit};
use rusqlite::Connection;

use super::{incremental, write};
use crate::report_table::Cell;
use crate::reports::{coverage, filters::Filters, source};

fn today() -> Date {
    Date::ymd(2026, 11, 24).expect("date")
}

fn open(dir: &std::path::Path) -> Connection {
    let conn = crate::db::connect(dir).expect("db");
    conn.execute_batch(crate::townships::SCHEMA)
        .expect("townships");
    conn.execute_batch(super::tables::SCHEMA).expect("tables");
    super::tables::upgrade(&conn).expect("upgrade");
    conn
}

fn township(conn: &Connection, code: &str, name: &str) -> automerge::Automerge {
    conn.execute(
        "INSERT INTO townships (code, name, kind, document_id, created_at)
         VALUES (?1, ?2, 'zhen', ?1, '2026-01-01T00:00:00Z')",
        [code, name],
    )
    .expect("insert township");
    TownshipMeta::new(code, name, TownshipKind::Zhen, "330825")
        .and_then(|meta| meta.new_document())
        .expect("a valid township document")
}

fn federation(doc: &mut automerge::Automerge, full_time: bool, established: Option<&str>) {
    let mut tx = doc.transaction();
    edit::update_township_orgs(&mut tx, |o| {
        o.federation.formed = true;
        o.federation.chair = Some("张敏".into());
        o.federation.chair_full_time = Some(full_time);
        o.federation.established = established.map(|d| d.parse().expect("date"));
    })
    .expect("edit");
    tx.commit();
}

/// A community whose 妇联 has a full-time chair: not the township's.
fn community_federation(doc: &mut automerge::Automerge) {
    let mut c = Unit::new("城东社区", UnitKind::Community);
    c.women_org.formed = true;
    c.women_org.form = Some(WomenOrgForm::Federation);
    c.women_org.chair_full_time = Some(true);
    let mut tx = doc.transaction();
    edit::add(&mut tx, &c).expect("add");
    tx.commit();
}

/// Project incrementally from `known`, as the worker does.
fn project(
    conn: &Connection,
    code: &str,
    doc: &automerge::Automerge,
    known: Option<incremental::Known>,
) -> incremental::Known {
    let (p, known, _) = incremental::project(code, doc, today(), known).expect("project");
    write::replace(conn, &p, "2026-11-24T00:00:00Z").expect("write");
    known
}

/// `(township code, required, formed, met)` of the full-time chair rows.
fn chair_rows(conn: &Connection, as_of: &str) -> Vec<(String, i64, i64, Option<bool>)> {
    let f = Filters {
        township: None,
        year: None,
        organization: None,
        as_of: as_of.parse().expect("date"),
    };
    let table = coverage::build(
        &source::townships(conn, &f).expect("townships"),
        &source::units(conn, &f).expect("units"),
        &source::people(conn, &f).expect("people"),
        &source::township_orgs(conn, &f).expect("township orgs"),
        &f,
        &Rules::default(),
    );
    table
        .rows
        .iter()
        .filter(|r| matches!(&r[3], Cell::Text(k) if k == TargetId::FederationChair.as_str()))
        .map(|r| match (&r[1], &r[4], &r[5], &r[8]) {
            (Cell::Text(code), Cell::Int(req), Cell::Int(formed), met) => (
                code.clone(),
                *req,
                *formed,
                match met {
                    Cell::Bool(b) => Some(*b),
                    _ => None,
                },
            ),
            other => panic!("unexpected cells {other:?}"),
        })
        .collect()
}

#[test]
fn the_chair_rate_counts_townships_by_their_own_federation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = open(dir.path());
    let mut a = township(&conn, "101", "甲镇");
    let mut b = township(&conn, "102", "乙镇");
    community_federation(&mut b);
    let known_a = project(&conn, "101", &a, None);
    project(&conn, "102", &b, None);
    assert_eq!(
        chair_rows(&conn, "2026-06-30"),
        [
            ("101".to_string(), 1, 0, Some(false)),
            ("102".to_string(), 1, 0, Some(false)),
            (String::new(), 2, 0, Some(false)),
        ],
        "nothing recorded: 0 of 1 each; 乙镇's community 妇联 does not count"
    );

    // Only township_orgs changes: the incremental projection must see it.
    federation(&mut a, true, Some("2026-03-08"));
    project(&conn, "101", &a, Some(known_a));
    let row: (i64, Option<String>, Option<String>, Option<bool>) = conn
        .query_row(
            "SELECT formed, established, leader, leader_full_time FROM p_township_orgs
             WHERE township = '101' AND org = 'federation'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("row");
    assert_eq!(
        row,
        (
            1,
            Some("2026-03-08".into()),
            Some("张敏".into()),
            Some(true)
        )
    );
    assert_eq!(
        chair_rows(&conn, "2026-06-30"),
        [
            ("101".to_string(), 1, 1, Some(true)),
            ("102".to_string(), 1, 0, Some(false)),
            (String::new(), 2, 1, Some(false)),
        ]
    );
    // Before its founding date the 妇联 does not count yet.
    assert_eq!(
        chair_rows(&conn, "2026-03-07")[0],
        ("101".to_string(), 1, 0, Some(false))
    );
}

#[test]
fn a_document_made_before_township_orgs_projects_as_nothing_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = open(dir.path());
    let mut a = township(&conn, "101", "甲镇");
    let mut tx = a.transaction();
    automerge::transaction::Transactable::delete(
        &mut tx,
        automerge::ROOT,
        qunjian_shared::schema::TOWNSHIP_ORGS,
    )
    .expect("delete");
    tx.commit();
    let known = project(&conn, "101", &a, None);
    assert_eq!(
        chair_rows(&conn, "2026-06-30"),
        [
            ("101".to_string(), 1, 0, Some(false)),
            (String::new(), 1, 0, Some(false))
        ]
    );
    // The first edit creates the map; the projection follows.
    federation(&mut a, true, None);
    project(&conn, "101", &a, Some(known));
    assert_eq!(
        chair_rows(&conn, "2026-06-30")[0],
        ("101".to_string(), 1, 1, Some(true))
    );
}
