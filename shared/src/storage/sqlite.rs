//! Everything that speaks SQL: opening connections with the pragmas we rely
//! on, the one `samod_kv` table, how a `StorageKey` becomes a row key and
//! back, and the two read queries.
//!
//! Keeping the SQL in one file makes it possible to check, in one test, that
//! the range query really uses the primary key index (see `tests` below):
//! samod loads a document by loading the range `<doc id>/...`, so a table
//! scan would make every load cost as much as the whole database.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use samod::storage::StorageKey;

use super::StorageError;

/// Created on open if missing. Other tables in the same file (the server's
/// `townships`, projections, audit log) belong to other code: we only ever
/// touch this one. `WITHOUT ROWID` stores rows in primary-key order, so a
/// prefix range is one contiguous run of the B-tree.
pub(crate) const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS samod_kv (\
     key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID";

/// samod may write the same key twice (a re-sent change): last write wins.
pub(crate) const UPSERT: &str = "INSERT OR REPLACE INTO samod_kv (key, value) VALUES (?1, ?2)";

pub(crate) const DELETE: &str = "DELETE FROM samod_kv WHERE key = ?1";

const LOAD: &str = "SELECT value FROM samod_kv WHERE key = ?1";

/// The keys under a prefix `p` are `p` itself (`is_prefix_of` holds for
/// equal keys) and the keys that start with `p/`. Keys are compared as
/// UTF-8 bytes (SQLite's BINARY collation) and `'0'` is the byte right after
/// `'/'`, so `key >= 'p/' AND key < 'p0'` is exactly "starts with `p/`" and
/// excludes `pc/...` (prefix `["ab"]` must not match `abc/x`). Unlike
/// `LIKE 'p/%'` (case-insensitive, `%`/`_` wildcards) it is a range SQLite
/// answers with a primary key SEARCH. `UNION ALL` rather than `OR` so that
/// each half gets its own index search.
pub(crate) const LOAD_RANGE: &str = "SELECT key, value FROM samod_kv WHERE key = ?1 \
     UNION ALL SELECT key, value FROM samod_kv WHERE key >= ?2 AND key < ?3";

/// The empty prefix is a prefix of every key.
const LOAD_ALL: &str = "SELECT key, value FROM samod_kv";

/// Opens the connection the writer thread will own, creating the file (and
/// its directory) and the table if needed.
pub(crate) fn open_writer(path: &Path, busy_timeout: Duration) -> Result<Connection, StorageError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StorageError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    // No SQLITE_OPEN_URI: a configured path is a path, never a `file:` URI.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|source| StorageError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    prepare(&conn, path, busy_timeout)?;

    // WAL lets the reader threads and the admin CLI read while we write, and
    // makes a commit one sequential append plus one fsync. The mode is
    // stored in the file, so this also converts an older database.
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(|e| setup_error(path, "journal_mode=WAL", e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StorageError::NoWal {
            path: path.to_path_buf(),
            mode,
        });
    }
    conn.execute_batch(CREATE_TABLE)
        .map_err(|e| setup_error(path, "create table samod_kv", e))?;
    Ok(conn)
}

/// Opens a connection for a reader thread. The writer has already created
/// the file and the table; `query_only` makes sure a bug here can never
/// write behind the writer's back.
pub(crate) fn open_reader(path: &Path, busy_timeout: Duration) -> Result<Connection, StorageError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|source| StorageError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    prepare(&conn, path, busy_timeout)?;
    conn.pragma_update(None, "query_only", true)
        .map_err(|e| setup_error(path, "query_only", e))?;
    Ok(conn)
}

/// Settings every connection needs; none of them persist in the file.
fn prepare(conn: &Connection, path: &Path, busy_timeout: Duration) -> Result<(), StorageError> {
    // Other processes (the admin CLI, a backup) open the same file; without
    // a busy timeout any overlap would fail immediately with SQLITE_BUSY.
    conn.busy_timeout(busy_timeout)
        .map_err(|e| setup_error(path, "busy_timeout", e))?;
    // FULL: a commit returns only after the WAL is fsynced, so when a put
    // resolves the change survives a power cut. samod tells peers it has a
    // change once it is stored; NORMAL could lose the last commits and a
    // peer would never re-send them.
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(|e| setup_error(path, "synchronous=FULL", e))?;
    Ok(())
}

/// The first statement that reads the file is where SQLite notices it is
/// not a database; say so plainly rather than "file is not a database
/// (code 26) while setting journal_mode".
fn setup_error(path: &Path, step: &'static str, source: rusqlite::Error) -> StorageError {
    if source.sqlite_error_code() == Some(ErrorCode::NotADatabase) {
        StorageError::NotADatabase {
            path: path.to_path_buf(),
        }
    } else {
        StorageError::Setup {
            path: path.to_path_buf(),
            step,
            source,
        }
    }
}

/// The row key of a storage key: components joined by '/', which
/// `StorageKey` guarantees no component contains.
pub(crate) fn key_text(key: &StorageKey) -> String {
    key.to_string()
}

/// The storage key of a row key, or `None` if the row was not written by us
/// (an empty component such as `a//b` cannot be a `StorageKey`).
pub(crate) fn parse_key(text: &str) -> Option<StorageKey> {
    if text.is_empty() {
        // The empty key (no components) displays as "".
        return StorageKey::from_parts(std::iter::empty::<&str>()).ok();
    }
    StorageKey::from_parts(text.split('/')).ok()
}

/// The value of one key.
pub(crate) fn load(conn: &Connection, key: &StorageKey) -> rusqlite::Result<Option<Vec<u8>>> {
    let mut stmt = conn.prepare_cached(LOAD)?;
    let mut rows = stmt.query([key_text(key)])?;
    match rows.next()? {
        Some(row) => Ok(value_bytes(&key_text(key), row.get_ref(0)?)),
        None => Ok(None),
    }
}

/// Every key `prefix` is a prefix of (component-wise), with its value.
pub(crate) fn load_range(
    conn: &Connection,
    prefix: &StorageKey,
) -> rusqlite::Result<HashMap<StorageKey, Vec<u8>>> {
    let p = key_text(prefix);
    let mut stmt;
    let mut rows = if p.is_empty() {
        stmt = conn.prepare_cached(LOAD_ALL)?;
        stmt.query([])?
    } else {
        stmt = conn.prepare_cached(LOAD_RANGE)?;
        stmt.query([p.clone(), format!("{p}/"), format!("{p}0")])?
    };
    let mut out = HashMap::new();
    while let Some(row) = rows.next()? {
        let text = match row.get_ref(0)? {
            ValueRef::Text(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            other => {
                tracing::warn!(kind = ?other.data_type(), "samod_kv row with a non-text key; skipped");
                continue;
            }
        };
        let Some(key) = parse_key(&text) else {
            tracing::warn!(key = %text, "samod_kv row whose key is not a storage key; skipped");
            continue;
        };
        if let Some(value) = value_bytes(&text, row.get_ref(1)?) {
            out.insert(key, value);
        }
    }
    Ok(out)
}

/// We only write BLOBs; accept TEXT too (same bytes) in case another tool
/// rewrote a row, and skip anything else rather than fail the whole load.
fn value_bytes(key: &str, value: ValueRef<'_>) -> Option<Vec<u8>> {
    match value {
        ValueRef::Blob(b) | ValueRef::Text(b) => Some(b.to_vec()),
        other => {
            tracing::warn!(key, kind = ?other.data_type(), "samod_kv value is not a blob; skipped");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(conn: &Connection, sql: &str, params: &[&str]) -> Vec<String> {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let params = rusqlite::params_from_iter(params);
        let rows = stmt
            .query_map(params, |row| row.get::<_, String>(3))
            .unwrap();
        rows.map(|r| r.unwrap()).collect()
    }

    #[test]
    fn range_query_searches_the_primary_key() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_writer(&dir.path().join("db.sqlite"), Duration::from_secs(1)).unwrap();
        let details = plan(&conn, LOAD_RANGE, &["doc", "doc/", "doc0"]);
        println!("{details:#?}");
        assert!(
            details.iter().all(|d| !d.contains("SCAN")),
            "range query scans: {details:?}"
        );
        let searches: Vec<_> = details
            .iter()
            .filter(|d| d.starts_with("SEARCH samod_kv USING PRIMARY KEY"))
            .collect();
        assert_eq!(searches.len(), 2, "both halves use the index: {details:?}");
        assert!(searches.iter().any(|d| d.contains("key=?")), "{details:?}");
        assert!(
            searches.iter().any(|d| d.contains("key>? AND key<?")),
            "{details:?}"
        );
        let single = plan(&conn, LOAD, &["doc/snapshot/h"]);
        assert!(
            single
                .iter()
                .all(|d| d.contains("SEARCH samod_kv USING PRIMARY KEY")),
            "{single:?}"
        );
    }

    #[test]
    fn connections_use_wal_full_sync_and_a_busy_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let busy = Duration::from_millis(1234);
        for conn in [
            open_writer(&path, busy).unwrap(),
            open_reader(&path, busy).unwrap(),
        ] {
            let mode: String = conn
                .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
            let sync: i64 = conn
                .query_row("PRAGMA synchronous", [], |r| r.get(0))
                .unwrap();
            assert_eq!(sync, 2, "synchronous=FULL");
            let timeout: i64 = conn
                .query_row("PRAGMA busy_timeout", [], |r| r.get(0))
                .unwrap();
            assert_eq!(timeout, 1234);
        }
        let reader = open_reader(&path, busy).unwrap();
        assert!(
            reader.execute("DELETE FROM samod_kv", []).is_err(),
            "readers are query_only"
        );
    }

    #[test]
    fn keys_round_trip_and_bad_keys_are_rejected() {
        let key = StorageKey::from_parts(["doc", "incremental", "abc"]).unwrap();
        assert_eq!(key_text(&key), "doc/incremental/abc");
        assert_eq!(parse_key("doc/incremental/abc"), Some(key));
        let empty = StorageKey::from_parts(std::iter::empty::<&str>()).unwrap();
        assert_eq!(parse_key(""), Some(empty));
        assert_eq!(parse_key("a//b"), None);
        assert_eq!(parse_key("a/"), None);
    }
}
