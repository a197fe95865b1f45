//! `verify`: is this file a backup the server can run from? Read-only
//! (the file is never written, so a backup on read-only media can be
//! checked), and it answers with a report rather than the first error, so
//! an operator sees everything wrong at once.
//!
//! Checked, in order: SQLite's `integrity_check`; the server's tables are
//! there; every township's document loads from its stored chunks the way
//! the server loads it (samod's loader: each snapshot, then each
//! incremental chunk, read with the storage's own query), strictly here:
//! a chunk that does not parse, or a change whose history is missing, is a
//! problem, where the server would skip it with a warning; the document's
//! schema version is one this server knows; and the projection can read
//! it (meta, township code, records), as it must before any report.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use automerge::{Automerge, Change, LoadOptions, OnPartialLoad, ReadDoc, VerificationMode};
use qunjian_shared::schema::Date;
use qunjian_shared::{SCHEMA_VERSION, TownshipMeta};
use rusqlite::{Connection, OpenFlags};
use samod::DocumentId;
use samod::storage::StorageKey;

use super::counts::{self, Counts};
use crate::projection::read;
use crate::townships;

/// The tables without which the server cannot run from a file. (samod's
/// `samod_kv` appears with the first document; a township without it
/// fails to load, below.)
const REQUIRED_TABLES: [&str; 2] = ["townships", "tokens"];

/// What `verify` found.
#[derive(Debug, Clone)]
pub struct Verification {
    /// The file checked.
    pub path: PathBuf,
    /// Whether SQLite's `integrity_check` passed.
    pub integrity_ok: bool,
    /// When the backup was taken, if it says.
    pub taken_at: Option<String>,
    /// Rows by kind, if the file could be read at all.
    pub counts: Option<Counts>,
    /// Each township's document.
    pub townships: Vec<TownshipCheck>,
    /// Everything wrong; empty means the backup is usable.
    pub problems: Vec<String>,
}

/// One township's document.
#[derive(Debug, Clone)]
pub struct TownshipCheck {
    /// The township code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Changes in its document's history.
    pub changes: u64,
    /// The document's schema version.
    pub schema: Option<u64>,
    /// Why it does not load, if it does not.
    pub problem: Option<String>,
}

impl Verification {
    /// Whether the backup can be restored and served.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// Changes in all townships' documents.
    pub fn changes(&self) -> u64 {
        self.townships.iter().map(|t| t.changes).sum()
    }

    /// The report, in Chinese with English in parentheses.
    pub fn render(&self) -> String {
        let mut out = format!("检查备份 {} (verifying a backup)\n", self.path.display());
        if self.integrity_ok {
            out.push_str("  完整性 (integrity): 通过 (ok)\n");
        }
        if let Some(at) = &self.taken_at {
            out.push_str(&format!("  备份时间 (taken at): {at}\n"));
        }
        if let Some(c) = &self.counts {
            out.push_str(&format!(
                "  乡镇 (townships): {}\n  文档 (documents): {}（{} 个存储块 stored chunks）\n  \
                 修改 (changes): {}\n  令牌 (tokens): {} 个有效 (active)，{} 个已吊销 (revoked)\n",
                c.townships,
                c.documents,
                c.chunks,
                self.changes(),
                c.tokens_active,
                c.tokens_revoked
            ));
        }
        for t in &self.townships {
            match &t.problem {
                None => out.push_str(&format!(
                    "  乡镇 {} {}：文档可读，{} 个修改，结构版本 {} (loads, {} changes, schema {})\n",
                    t.code,
                    t.name,
                    t.changes,
                    t.schema.unwrap_or(0),
                    t.changes,
                    t.schema.unwrap_or(0)
                )),
                Some(p) => out.push_str(&format!("  乡镇 {} {}：{p}\n", t.code, t.name)),
            }
        }
        if self.ok() {
            out.push_str("结果：备份完好，可以恢复 (the backup is good)\n");
        } else {
            out.push_str("结果：备份不可用 (the backup is NOT usable):\n");
            for p in &self.problems {
                out.push_str(&format!("  - {p}\n"));
            }
        }
        out
    }
}

/// Check the backup at `path`, never writing to it. Blocking.
pub fn verify(path: &Path) -> Verification {
    let mut v = Verification {
        path: path.to_path_buf(),
        integrity_ok: false,
        taken_at: None,
        counts: None,
        townships: Vec::new(),
        problems: Vec::new(),
    };
    if !path.is_file() {
        v.problems
            .push("文件不存在或不是普通文件 (no such file)".to_string());
        return v;
    }
    let conn = match Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) {
        Ok(conn) => conn,
        Err(e) => {
            v.problems
                .push(format!("无法打开 (cannot open the file): {e}"));
            return v;
        }
    };
    if let Err(problem) = integrity(&conn) {
        v.problems.push(problem);
        return v;
    }
    v.integrity_ok = true;
    match missing_tables(&conn) {
        Ok(missing) if missing.is_empty() => {}
        Ok(missing) => {
            v.problems.push(format!(
                "不是群建县级服务器的数据库，缺少表 {} (not a qunjian-server database: missing tables)",
                missing.join("、")
            ));
            return v;
        }
        Err(e) => {
            v.problems
                .push(format!("无法读取 (cannot read the file): {e}"));
            return v;
        }
    }
    v.taken_at = counts::taken_at(&conn).ok().flatten();
    match counts::count(&conn) {
        Ok(c) => v.counts = Some(c),
        Err(e) => v
            .problems
            .push(format!("无法计数 (cannot count rows): {e}")),
    }
    let rows = match townships::list(&conn) {
        Ok(rows) => rows,
        Err(e) => {
            v.problems
                .push(format!("无法读取乡镇表 (cannot read the townships): {e}"));
            return v;
        }
    };
    if let Some(c) = &v.counts
        && c.townships > rows.len() as u64
    {
        v.problems.push(format!(
            "{} 个乡镇的文档编号无法识别 (townships with an unreadable document id)",
            c.townships - rows.len() as u64
        ));
    }
    let today = Date(chrono::Local::now().date_naive());
    for row in rows {
        let check = township(&conn, &row.code, &row.document_id, today);
        let mut check = match check {
            Ok(check) => check,
            Err(problem) => TownshipCheck {
                code: row.code.clone(),
                name: row.name.clone(),
                changes: 0,
                schema: None,
                problem: Some(problem),
            },
        };
        check.name = row.name.clone();
        if let Some(p) = &check.problem {
            v.problems
                .push(format!("乡镇 {} {}：{p}", row.code, row.name));
        }
        v.townships.push(check);
    }
    v
}

/// SQLite's `integrity_check`, its first lines as the problem.
fn integrity(conn: &Connection) -> Result<(), String> {
    let lines = (|| -> rusqlite::Result<Vec<String>> {
        let mut stmt = conn.prepare("PRAGMA integrity_check(20)")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect()
    })()
    .map_err(|e| format!("文件已损坏或不是数据库 (damaged, or not a database): {e}"))?;
    if lines.len() == 1 && lines[0] == "ok" {
        return Ok(());
    }
    Err(format!(
        "文件已损坏，完整性检查未通过 (damaged: integrity_check failed): {}",
        lines.join("; ")
    ))
}

fn missing_tables(conn: &Connection) -> rusqlite::Result<Vec<&'static str>> {
    let mut missing = Vec::new();
    for table in REQUIRED_TABLES {
        if !counts::has_table(conn, table)? {
            missing.push(table);
        }
    }
    Ok(missing)
}

/// Load and read one township's document.
fn township(
    conn: &Connection,
    code: &str,
    id: &DocumentId,
    today: Date,
) -> Result<TownshipCheck, String> {
    let doc = load(conn, id)?;
    let changes = doc.stats().num_changes;
    let meta = TownshipMeta::read(&doc)
        .map_err(|e| format!("文档的 meta 无法读取 (meta unreadable): {e}"))?;
    let mut check = TownshipCheck {
        code: code.to_string(),
        name: String::new(),
        changes,
        schema: Some(meta.schema),
        problem: None,
    };
    if meta.schema > SCHEMA_VERSION {
        check.problem = Some(format!(
            "文档结构版本 {} 比本程序支持的 {SCHEMA_VERSION} 新，请用新版 qunjian-server 恢复 \
             (schema {} is newer than this server's {SCHEMA_VERSION}; use a newer qunjian-server)",
            meta.schema, meta.schema
        ));
        return Ok(check);
    }
    // The projection's own read; a library panic on malformed data is a
    // finding here, as it is contained there.
    match catch_unwind(AssertUnwindSafe(|| read::read(code, &doc, today))) {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => check.problem = Some(e.to_string()),
        Err(_) => {
            check.problem = Some("读取文档时出错 (reading the document panicked)".to_string())
        }
    }
    Ok(check)
}

/// The document as the server would load it (samod's `handle_load`:
/// every snapshot, then every incremental chunk, through
/// `load_incremental`), but strictly: samod skips a chunk that does not
/// load with a warning, and `load_incremental` keeps what it can of a
/// damaged one. Here a snapshot must load on its own, an incremental chunk
/// must be one whole change whose hash is its key's, and every change
/// stored must be in the document at the end.
fn load(conn: &Connection, id: &DocumentId) -> Result<Automerge, String> {
    // One read, as samod loads: rows from one moment even if the file is
    // being compacted.
    let rows = qunjian_shared::storage::read_range(conn, &StorageKey::document_prefix(id))
        .map_err(|e| format!("无法读取文档 (cannot read the document): {e}"))?;
    let mut rows: Vec<_> = rows.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    rows.sort();
    let (snapshots, incrementals): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .filter(|(k, _)| k.contains("/snapshot/") || k.contains("/incremental/"))
        .partition(|(k, _)| k.contains("/snapshot/"));
    if snapshots.is_empty() && incrementals.is_empty() {
        return Err("备份里没有这个乡镇的文档 (the document is not in the backup)".to_string());
    }
    let damaged = |key: &str, why: String| {
        format!("存储块 {key} 已损坏 (a stored chunk does not load): {why}")
    };
    let mut doc = Automerge::new();
    for (key, chunk) in &snapshots {
        let strict = LoadOptions::new()
            .on_partial_load(OnPartialLoad::Error)
            .verification_mode(VerificationMode::Check);
        let loaded = contained(|| {
            Automerge::load_with_options(chunk, strict)
                .map(drop)
                .map_err(|e| e.to_string())
        })
        .and_then(|()| {
            contained(|| {
                doc.load_incremental(chunk)
                    .map(drop)
                    .map_err(|e| e.to_string())
            })
        });
        loaded.map_err(|why| damaged(key, why))?;
    }
    let mut stored = Vec::new();
    for (key, chunk) in &incrementals {
        let change = contained(|| Change::from_bytes(chunk.clone()).map_err(|e| e.to_string()))
            .map_err(|why| damaged(key, why))?;
        if !key.ends_with(&format!("/{}", change.hash())) {
            return Err(damaged(
                key,
                "内容与键不符 (its change is not the one its key names)".into(),
            ));
        }
        stored.push(change.hash());
        contained(|| {
            doc.load_incremental(chunk)
                .map(drop)
                .map_err(|e| e.to_string())
        })
        .map_err(|why| damaged(key, why))?;
    }
    let missing = doc.get_missing_deps(&[]).len()
        + stored
            .iter()
            .filter(|h| !qunjian_shared::history::has_change(&doc, h))
            .count();
    if missing > 0 || doc.get_heads().is_empty() {
        return Err(format!(
            "文档历史不完整，缺少 {missing} 个修改 (history incomplete: {missing} changes missing)"
        ));
    }
    Ok(doc)
}

/// `f`, with a panic inside a library (malformed bytes meeting a bug)
/// turned into an error like any other.
fn contained<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err("读取时出错 (reading panicked)".to_string()))
}
