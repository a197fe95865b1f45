//! The replica's SQLite file as it lies on disk: its size (with the `-wal`
//! file) and the rows samod keeps in `samod_kv` for the document.

use std::path::{Path, PathBuf};

use anyhow::Context;

pub struct Files {
    pub db: u64,
    pub wal: Option<u64>,
}

impl Files {
    /// The database and its `-wal` file together.
    pub fn total(&self) -> u64 {
        self.db + self.wal.unwrap_or(0)
    }
}

pub fn file_sizes(db: &Path) -> anyhow::Result<Files> {
    let size = std::fs::metadata(db)
        .with_context(|| format!("reading the size of {}", db.display()))?
        .len();
    let mut wal_path = db.as_os_str().to_owned();
    wal_path.push("-wal");
    let wal = match std::fs::metadata(PathBuf::from(wal_path)) {
        Ok(m) => Some(m.len()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).context("reading the size of the -wal file"),
    };
    Ok(Files { db: size, wal })
}

#[derive(Default)]
pub struct KvRows {
    pub snapshots: (usize, u64),
    pub incrementals: (usize, u64),
    pub other: (usize, u64),
}

/// The rows samod keeps for the document, by kind (count, bytes).
pub fn samod_rows(db: &Path) -> anyhow::Result<KvRows> {
    let mut kv = KvRows::default();
    for (kind, len) in samod_kv::<i64>(db, "length(value)")? {
        let slot = match kind {
            RowKind::Snapshot => &mut kv.snapshots,
            RowKind::Incremental => &mut kv.incrementals,
            RowKind::Other => &mut kv.other,
        };
        slot.0 += 1;
        slot.1 += len.max(0) as u64;
    }
    Ok(kv)
}

/// What a `samod_kv` row holds, by the second segment of its key.
pub enum RowKind {
    Snapshot,
    Incremental,
    Other,
}

/// Every `samod_kv` row, read-only, as its kind and the `column` expression
/// (`value`, `length(value)`) of it.
pub fn samod_kv<T: rusqlite::types::FromSql>(
    db: &Path,
    column: &str,
) -> anyhow::Result<Vec<(RowKind, T)>> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .with_context(|| format!("opening {} read-only", db.display()))?;
    let mut stmt = conn
        .prepare(&format!("SELECT key, {column} FROM samod_kv"))
        .context("querying samod_kv")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, T>(1)?)))
        .context("querying samod_kv")?;
    rows.map(|row| {
        let (key, value) = row.context("reading a samod_kv row")?;
        let kind = match key.split('/').nth(1) {
            Some("snapshot") => RowKind::Snapshot,
            Some("incremental") => RowKind::Incremental,
            _ => RowKind::Other,
        };
        Ok((kind, value))
    })
    .collect()
}
