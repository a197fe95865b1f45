//! What a backup holds, counted with SQL alone (no document is loaded), so
//! `backup` can say it right after the copy at almost no cost; `verify`
//! adds what only loading the documents can tell (changes, whether each
//! loads). Also the small note a backup carries about itself.

use rusqlite::{Connection, OptionalExtension};

/// Rows of a backup, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Rows of `townships`.
    pub townships: u64,
    /// Documents with stored chunks in `samod_kv`.
    pub documents: u64,
    /// Stored chunks (snapshots and incremental changes) of all documents.
    pub chunks: u64,
    /// Tokens not revoked.
    pub tokens_active: u64,
    /// Tokens revoked.
    pub tokens_revoked: u64,
}

impl Counts {
    /// One line for a person: `3 个乡镇，3 个文档，…`.
    pub fn line(&self) -> String {
        format!(
            "{} 个乡镇，{} 个文档（{} 个存储块），{} 个有效令牌，{} 个已吊销 \
             ({} townships, {} documents, {} stored chunks, {} active tokens, {} revoked)",
            self.townships,
            self.documents,
            self.chunks,
            self.tokens_active,
            self.tokens_revoked,
            self.townships,
            self.documents,
            self.chunks,
            self.tokens_active,
            self.tokens_revoked,
        )
    }
}

/// Whether `conn`'s database has a table `name`.
pub fn has_table(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
        [name],
        |r| r.get(0),
    )
}

/// Count what `conn`'s database holds; a missing table counts nothing.
pub fn count(conn: &Connection) -> rusqlite::Result<Counts> {
    let number = |table: &str, sql: &str| -> rusqlite::Result<u64> {
        if !has_table(conn, table)? {
            return Ok(0);
        }
        let n: Option<i64> = conn.query_row(sql, [], |r| r.get(0))?;
        Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
    };
    Ok(Counts {
        townships: number("townships", "SELECT count(*) FROM townships")?,
        // A key is `<document id>/snapshot/…` or `<document id>/incremental/…`.
        documents: number(
            "samod_kv",
            "SELECT count(DISTINCT substr(key, 1, instr(key, '/') - 1)) FROM samod_kv
             WHERE instr(key, '/') > 0",
        )?,
        chunks: number(
            "samod_kv",
            "SELECT count(*) FROM samod_kv WHERE instr(key, '/') > 0",
        )?,
        tokens_active: number(
            "tokens",
            "SELECT count(*) FROM tokens WHERE revoked_at IS NULL",
        )?,
        tokens_revoked: number(
            "tokens",
            "SELECT count(*) FROM tokens WHERE revoked_at IS NOT NULL",
        )?,
    })
}

/// The note a backup carries: when it was taken and by which version.
/// The running database never has it; `restore` removes it.
pub const NOTE_TABLE: &str = "qunjian_backup";

/// Write the note into a fresh backup copy.
pub fn write_note(conn: &Connection, taken_at: &str) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {NOTE_TABLE} (taken_at TEXT NOT NULL, version TEXT NOT NULL);
         DELETE FROM {NOTE_TABLE};"
    ))?;
    conn.execute(
        &format!("INSERT INTO {NOTE_TABLE} (taken_at, version) VALUES (?1, ?2)"),
        [taken_at, env!("CARGO_PKG_VERSION")],
    )?;
    Ok(())
}

/// When the backup was taken (RFC 3339, UTC), if the file carries the note.
pub fn taken_at(conn: &Connection) -> rusqlite::Result<Option<String>> {
    if !has_table(conn, NOTE_TABLE)? {
        return Ok(None);
    }
    conn.query_row(
        &format!("SELECT taken_at FROM {NOTE_TABLE} LIMIT 1"),
        [],
        |r| r.get(0),
    )
    .optional()
}
