//! The audit table: who connected, with which token, what they sent, and
//! every refusal. Append-only — triggers refuse UPDATE and DELETE — so a
//! bug or a stolen admin token cannot quietly rewrite history through the
//! server. Sessions hand rows to one writer task, so a connection never
//! waits on SQLite to be logged.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SecondsFormat, Utc};
use qunjian_shared::api::AuditEntry;
use rusqlite::{Connection, params_from_iter};
use tokio::sync::mpsc;

pub mod collapse;

use crate::clock::YEARS;
use crate::db::{self, Db, DbError};
use crate::text::clip;

/// The table and the triggers that keep it append-only.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    event       TEXT NOT NULL,
    token_id    TEXT,
    token_label TEXT,
    peer        TEXT,
    township    TEXT,
    document    TEXT,
    changes     INTEGER NOT NULL DEFAULT 0,
    bytes       INTEGER NOT NULL DEFAULT 0,
    detail      TEXT
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE INDEX IF NOT EXISTS audit_township_at ON audit (township, at);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END;
";

qunjian_shared::text_enum! {
    /// What happened, as the `event` column stores it.
    Event {
        /// A sync connection was accepted.
        Opened = "opened" "连接",
        /// A sync connection ended (detail: why).
        Closed = "closed" "断开",
        /// Sync data received for one document over an interval.
        Received = "received" "接收",
        /// A request or connection was refused (detail: why).
        Refused = "refused" "拒绝",
        /// A token was created.
        TokenCreated = "token-created" "创建令牌",
        /// A token was revoked.
        TokenRevoked = "token-revoked" "吊销令牌",
        /// The county's name and code were set (detail: code and name).
        CountySet = "county-set" "设定县名称",
    }
}

/// A token as an audit row names it. `auth` makes one from its token rows
/// (`TokenRow::actor`), so the audit table needs nothing from `auth`.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Token id.
    pub token_id: String,
    /// Token label.
    pub token_label: String,
    /// The peer id its connections use.
    pub peer: String,
    /// A township token's township.
    pub township: Option<String>,
}

/// One row to append.
#[derive(Debug, Clone)]
pub struct Entry {
    /// When (filled in by [`Entry::new`]).
    pub at: String,
    /// What.
    pub event: Event,
    /// Token id.
    pub token_id: Option<String>,
    /// Token label.
    pub token_label: Option<String>,
    /// Peer id.
    pub peer: Option<String>,
    /// Township code.
    pub township: Option<String>,
    /// Document id.
    pub document: Option<String>,
    /// Changes received.
    pub changes: u64,
    /// Bytes received.
    pub bytes: u64,
    /// Why.
    pub detail: Option<String>,
}

impl Entry {
    /// An entry stamped now.
    pub fn new(event: Event) -> Self {
        Entry {
            at: crate::clock::now(),
            event,
            token_id: None,
            token_label: None,
            peer: None,
            township: None,
            document: None,
            changes: 0,
            bytes: 0,
            detail: None,
        }
    }

    /// With who acted: the token (id, label, peer) and, for a township
    /// token, its township.
    pub fn by(mut self, actor: Actor) -> Self {
        self.token_id = Some(actor.token_id);
        self.token_label = Some(actor.token_label);
        self.peer = Some(actor.peer);
        if self.township.is_none() {
            self.township = actor.township;
        }
        self
    }

    /// With a reason.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Append rows in one transaction (the caller's, if one is open).
pub fn insert(conn: &Connection, entries: &[Entry]) -> Result<(), DbError> {
    db::in_transaction(conn, |tx| {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO audit (at, event, token_id, token_label, peer, township, document,
                                changes, bytes, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for e in entries {
            stmt.execute(rusqlite::params![
                e.at,
                e.event.as_str(),
                e.token_id,
                e.token_label,
                e.peer,
                e.township,
                e.document,
                i64::try_from(e.changes).unwrap_or(i64::MAX),
                i64::try_from(e.bytes).unwrap_or(i64::MAX),
                e.detail,
            ])?;
        }
        Ok(())
    })
}

/// Rows kept in memory for the writer; past this, rows are dropped and
/// counted (a flood must not grow the server without bound).
const QUEUE: usize = 10_000;

/// Where sessions send rows.
#[derive(Clone)]
pub struct Audit {
    tx: mpsc::Sender<Entry>,
}

impl Audit {
    /// Start the writer on `db`; it ends when every `Audit` is dropped,
    /// after writing what is queued.
    pub fn start(db: Db) -> (Audit, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (Audit { tx }, tokio::spawn(write_loop(db, rx)))
    }

    /// Queue a row; never waits.
    pub fn record(&self, entry: Entry) {
        if let Err(e) = self.tx.try_send(entry) {
            tracing::warn!("audit queue full or closed; row dropped: {e}");
        }
    }
}

async fn write_loop(db: Db, mut rx: mpsc::Receiver<Entry>) {
    let mut collapser = collapse::Collapser::default();
    let mut batch = Vec::new();
    loop {
        let due = collapser.next_due();
        let received = tokio::select! {
            n = rx.recv_many(&mut batch, 512) => n,
            () = sleep_until(due) => {
                write(&db, collapser.due(std::time::Instant::now())).await;
                continue;
            }
        };
        let now = std::time::Instant::now();
        if received == 0 {
            // Every sender is gone: the server is stopping.
            write(&db, collapser.drain(now)).await;
            return;
        }
        let mut rows: Vec<Entry> = std::mem::take(&mut batch)
            .into_iter()
            .filter_map(|e| collapser.offer(e, now))
            .collect();
        rows.extend(collapser.due(now));
        write(&db, rows).await;
    }
}

async fn sleep_until(due: Option<std::time::Instant>) {
    match due {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

async fn write(db: &Db, rows: Vec<Entry>) {
    if rows.is_empty() {
        return;
    }
    let count = rows.len();
    if let Err(e) = db.call(move |conn| insert(conn, &rows)).await {
        tracing::error!(count, "cannot write audit rows: {e}");
    }
}

/// What `GET /api/audit` may filter on.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AuditQuery {
    /// Township code.
    pub township: Option<String>,
    /// From (inclusive): RFC 3339, or a date meaning 00:00 China time.
    pub since: Option<String>,
    /// Until (exclusive): RFC 3339, or a date meaning 00:00 China time.
    pub until: Option<String>,
    /// One event kind.
    pub event: Option<String>,
    /// At most this many rows, newest first (default 1000, at most 10000).
    pub limit: Option<u32>,
}

/// Why a filter was refused: which parameter, and what it held.
#[derive(Debug, thiserror::Error)]
#[error(
    "{param} 参数应为 1900–2999 年间的日期或时间，如 2026-11-24 或 2026-11-24T08:00:00+08:00，实为“{}” ({param} must be a date or RFC 3339 time, years 1900–2999)",
    clip(given)
)]
pub struct BadTime {
    param: &'static str,
    given: String,
}

/// A filter time as the table stores times (UTC, milliseconds); `param`
/// names it in the error.
pub fn normalize_time(param: &'static str, text: &str) -> Result<String, BadTime> {
    let text = text.trim();
    let bad = || BadTime {
        param,
        given: text.to_string(),
    };
    // A sign or a fifth digit would parse, and compare wrongly as a string.
    if !text.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(bad());
    }
    let in_range = |t: &DateTime<Utc>| YEARS.contains(&t.year());
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        let t = t.with_timezone(&Utc);
        return in_range(&t)
            .then(|| t.to_rfc3339_opts(SecondsFormat::Millis, true))
            .ok_or_else(bad);
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())?;
    // A cadre's "from the 24th" means the 24th in China, UTC+8.
    let china = FixedOffset::east_opt(8 * 3600).ok_or_else(bad)?;
    let start = date
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(china).single())
        .map(|t| t.with_timezone(&Utc))
        .filter(|_| YEARS.contains(&date.year()))
        .ok_or_else(bad)?;
    Ok(start.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// Rows matching `q`, newest first.
pub fn query(conn: &Connection, q: &AuditQuery) -> Result<Vec<AuditEntry>, QueryError> {
    let mut clauses = Vec::new();
    let mut args: Vec<String> = Vec::new();
    if let Some(t) = &q.township {
        args.push(t.clone());
        clauses.push(format!("township = ?{}", args.len()));
    }
    if let Some(s) = &q.since {
        args.push(normalize_time("since", s)?);
        clauses.push(format!("at >= ?{}", args.len()));
    }
    if let Some(u) = &q.until {
        args.push(normalize_time("until", u)?);
        clauses.push(format!("at < ?{}", args.len()));
    }
    if let Some(e) = &q.event {
        args.push(e.clone());
        clauses.push(format!("event = ?{}", args.len()));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let limit = q.limit.unwrap_or(1000).min(10_000);
    let sql = format!(
        "SELECT seq, at, event, token_id, token_label, peer, township, document, changes, bytes, detail
         FROM audit {filter} ORDER BY seq DESC LIMIT {limit}"
    );
    let mut stmt = conn.prepare(&sql).map_err(DbError::from)?;
    let rows = stmt
        .query_map(params_from_iter(args.iter()), |r| {
            Ok(AuditEntry {
                seq: r.get(0)?,
                at: r.get(1)?,
                event: r.get(2)?,
                token_id: r.get(3)?,
                token_label: r.get(4)?,
                peer: r.get(5)?,
                township: r.get(6)?,
                document: r.get(7)?,
                changes: r.get(8)?,
                bytes: r.get(9)?,
                detail: r.get(10)?,
            })
        })
        .map_err(DbError::from)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row.map_err(DbError::from)?);
    }
    Ok(out)
}

/// Why an audit query failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// A bad since/until.
    #[error(transparent)]
    Time(#[from] BadTime),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_can_be_added_but_not_changed_or_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = db::connect(dir.path()).expect("open");
        conn.execute_batch(SCHEMA).expect("audit table");
        let mut e = Entry::new(Event::Refused).detail("no token");
        e.township = Some("101".into());
        insert(&conn, &[e.clone(), Entry::new(Event::Opened)]).expect("insert");
        assert!(conn.execute("UPDATE audit SET detail = 'x'", []).is_err());
        assert!(conn.execute("DELETE FROM audit", []).is_err());
        let rows = query(
            &conn,
            &AuditQuery {
                township: Some("101".into()),
                ..Default::default()
            },
        )
        .expect("query");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].event, "refused");
        assert_eq!(rows[0].detail.as_deref(), Some("no token"));
    }

    #[test]
    fn dates_mean_midnight_in_china_and_bad_times_are_named() {
        assert_eq!(
            normalize_time("since", "2026-11-24").expect("date"),
            "2026-11-23T16:00:00.000Z"
        );
        assert_eq!(
            normalize_time("since", "2026-11-24T08:00:00+08:00").expect("rfc3339"),
            "2026-11-24T00:00:00.000Z"
        );
        assert!(normalize_time("since", "yesterday").is_err());
        for bad in [
            "-2026-01-01",
            "0000-01-01",
            "+2026-01-01",
            "3000-01-01",
            "1899-12-31T00:00:00Z",
        ] {
            let err = normalize_time("until", bad).expect_err(bad).to_string();
            assert!(
                err.starts_with("until 参数") && err.contains("1900–2999"),
                "{err}"
            );
        }
        let err = normalize_time("since", &"9".repeat(10_000)).expect_err("long");
        assert!(err.to_string().len() < 400, "{err}");
    }
}
