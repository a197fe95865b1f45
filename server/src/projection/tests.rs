//! The projection against a real SQLite file: rows follow the latest
//! version, one township's rewrite leaves the others alone, and a failure
//! keeps the last good rows.

use qunjian_shared::schema::{Date, Unit, UnitKind};
use qunjian_shared::{TownshipKind, TownshipMeta, edit};
use rusqlite::Connection;

use super::{read, write};

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
    let conn = crate::db::open(dir.path()).expect("db");
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
    let conn = crate::db::open(dir.path()).expect("db");
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
