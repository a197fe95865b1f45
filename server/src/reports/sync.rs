//! `sync`: per township, when its last change arrived, which devices have
//! synced it, how many are connected now, when the county last heard from
//! it at all, and whether its document could be read for the figures.
//!
//! "Last contact" is the later of the last change received and the last
//! time a device was seen syncing: a township whose devices sync but change
//! nothing is in contact, one silent for more than [`STALE_DAYS`] is not.

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::Serialize;

use super::filters::Filters;
use super::table;
use crate::db::DbError;
use crate::peers::ConnectedNow;
use crate::report_table::{Cell, ReportTable};

/// A township silent for more than this many days has "not synced".
pub const STALE_DAYS: i64 = 7;

/// One township's contact with the county.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contact {
    /// Township code.
    pub code: String,
    /// Township name.
    pub name: String,
    /// When its last change arrived (RFC 3339), if ever.
    pub last_change_at: Option<String>,
    /// Devices that have ever synced it.
    pub devices_seen: i64,
    /// When a device was last seen syncing it, if ever.
    pub device_last_seen: Option<String>,
    /// Devices connected now.
    pub connected_now: i64,
    /// When its figures were last brought up to date.
    pub projected_at: Option<String>,
    /// Why its document could not be read, if it could not.
    pub read_error: Option<String>,
    /// The later of `last_change_at` and `device_last_seen`.
    pub last_contact: Option<String>,
    /// Whole days since `last_contact`; `None` if never in contact.
    pub days_since_contact: Option<i64>,
    /// Never in contact, or silent for more than [`STALE_DAYS`] days.
    pub stale: bool,
}

/// The contact of every township `f` covers, by code, as of `now`.
pub fn contacts(
    conn: &Connection,
    f: &Filters,
    connected: &ConnectedNow,
    now: DateTime<Utc>,
) -> Result<Vec<Contact>, DbError> {
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
    let mut out = Vec::new();
    for row in rows {
        let (code, name, doc, last_change_at, devices_seen, device_last_seen, projected_at, error) =
            row?;
        // Every stored time is the clock's RFC 3339 in UTC, so the later
        // one is the greater string.
        let last_contact = last_change_at
            .clone()
            .max(device_last_seen.clone())
            .filter(|s| !s.is_empty());
        let days_since_contact = last_contact
            .as_deref()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| (now - t.with_timezone(&Utc)).num_days().max(0));
        let connected_now = connected.get(&doc).copied().unwrap_or(0) as i64;
        out.push(Contact {
            code,
            name,
            last_change_at,
            devices_seen,
            device_last_seen,
            connected_now,
            projected_at,
            read_error: error,
            stale: connected_now == 0 && days_since_contact.is_none_or(|d| d > STALE_DAYS),
            last_contact,
            days_since_contact,
        });
    }
    Ok(out)
}

/// Build the table.
pub fn build(
    conn: &Connection,
    f: &Filters,
    connected: &ConnectedNow,
) -> Result<ReportTable, DbError> {
    let text = |s: &Option<String>| s.clone().map_or(Cell::Empty, Cell::Text);
    let out = contacts(conn, f, connected, Utc::now())?
        .iter()
        .map(|c| {
            vec![
                Cell::Text(c.name.clone()),
                Cell::Text(c.code.clone()),
                text(&c.last_change_at),
                Cell::Int(c.devices_seen),
                text(&c.device_last_seen),
                Cell::Int(c.connected_now),
                text(&c.last_contact),
                c.days_since_contact.map_or(Cell::Empty, Cell::Int),
                Cell::Bool(c.stale),
                text(&c.projected_at),
                text(&c.read_error),
            ]
        })
        .collect();
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
            ("last_contact", "最近联系"),
            ("days_since_contact", "未联系天数"),
            ("stale", "超过7天未联系"),
            ("projected_at", "统计更新时间"),
            ("read_error", "文档读取错误"),
        ],
        out,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_contact_is_the_later_time_and_silence_past_a_week_is_stale() {
        let conn = Connection::open_in_memory().expect("db");
        conn.execute_batch(crate::townships::SCHEMA)
            .expect("townships");
        conn.execute_batch(crate::peers::SCHEMA).expect("peers");
        conn.execute_batch(
            "CREATE TABLE p_state (township TEXT PRIMARY KEY, heads TEXT,
               projected_at TEXT, error TEXT, error_at TEXT);
             INSERT INTO townships (code, name, kind, document_id, created_at, last_change_at) VALUES
               ('1', '甲镇', 'zhen', 'd1', '2026-01-01T00:00:00.000Z', '2026-11-20T00:00:00.000Z'),
               ('2', '乙镇', 'zhen', 'd2', '2026-01-01T00:00:00.000Z', '2026-11-29T00:00:00.000Z'),
               ('3', '丙镇', 'zhen', 'd3', '2026-01-01T00:00:00.000Z', NULL);
             INSERT INTO doc_peers VALUES
               ('d1', 'p1', '2026-01-01T00:00:00.000Z', '2026-11-30T00:00:00.000Z');",
        )
        .expect("rows");
        let now = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
            .expect("now")
            .with_timezone(&Utc);
        let f = Filters::parse(
            &Default::default(),
            qunjian_shared::schema::Date(now.date_naive()),
        )
        .expect("filters");
        let c = contacts(&conn, &f, &ConnectedNow::new(), now).expect("contacts");
        // 甲镇: changed 11-20, a device seen 11-30: in contact a day ago.
        assert_eq!(
            c[0].last_contact.as_deref(),
            Some("2026-11-30T00:00:00.000Z")
        );
        assert_eq!((c[0].days_since_contact, c[0].stale), (Some(1), false));
        assert_eq!((c[1].days_since_contact, c[1].stale), (Some(2), false));
        // 丙镇: never.
        assert_eq!((c[2].last_contact.clone(), c[2].stale), (None, true));
        let mut online = ConnectedNow::new();
        online.insert("d3".into(), 1);
        let later = now + chrono::Duration::days(30);
        let c = contacts(&conn, &f, &online, later).expect("contacts");
        // A month later 甲镇 and 乙镇 are stale; 丙镇 is online now.
        assert_eq!((c[0].days_since_contact, c[0].stale), (Some(31), true));
        assert!(!c[2].stale);
    }
}
