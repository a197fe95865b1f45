//! `sync`: per township, when its last change arrived, which devices have
//! synced it, how many are connected now, and whether its document could
//! be read for the figures.

use rusqlite::Connection;

use super::filters::Filters;
use super::table;
use crate::db::DbError;
use crate::peers::ConnectedNow;
use crate::report_table::{Cell, ReportTable};

/// Build the table.
pub fn build(
    conn: &Connection,
    f: &Filters,
    connected: &ConnectedNow,
) -> Result<ReportTable, DbError> {
    let mut stmt = conn.prepare(
        "SELECT t.code, t.name, t.document_id, t.last_change_at,
                (SELECT COUNT(*) FROM doc_peers d WHERE d.document_id = t.document_id),
                (SELECT MAX(last_seen) FROM doc_peers d WHERE d.document_id = t.document_id),
                s.projected_at, s.error
         FROM townships t LEFT JOIN p_state s ON s.township = t.code
         WHERE ?1 IS NULL OR t.code = ?1
         ORDER BY t.code",
    )?;
    let rows = stmt.query_map([&f.township], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, Option<String>>(7)?,
        ))
    })?;
    let text = |s: Option<String>| s.map_or(Cell::Empty, Cell::Text);
    let mut out = Vec::new();
    for row in rows {
        let (code, name, doc, last_change, seen, last_seen, projected, error) = row?;
        let now = connected.get(&doc).copied().unwrap_or(0);
        out.push(vec![
            Cell::Text(name),
            Cell::Text(code),
            text(last_change),
            Cell::Int(seen),
            text(last_seen),
            Cell::Int(now as i64),
            text(projected),
            text(error),
        ]);
    }
    Ok(table(
        "sync",
        "同步情况",
        &[
            ("township", "乡镇"),
            ("township_code", "乡镇代码"),
            ("last_change_at", "最近收到修改"),
            ("devices_seen", "同步过的设备数"),
            ("device_last_seen", "设备最近在线"),
            ("connected_now", "当前在线设备"),
            ("projected_at", "统计更新时间"),
            ("read_error", "文档读取错误"),
        ],
        out,
    ))
}
