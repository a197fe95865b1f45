//! Taking a backup: SQLite's online backup of `<data-dir>/qunjian.db`
//! into one self-contained file, while the server runs and syncs.
//!
//! The copy reads through its own connection and never takes the data
//! directory's serve lock, so a running server and a backup go on side by
//! side. The whole copy is one `sqlite3_backup_step(-1)`: one read
//! transaction, so it is one consistent snapshot of every table (documents,
//! townships, tokens, audit) as of its start, holding every change
//! committed before it. In WAL mode a reader never blocks the writer: sync
//! goes on, and the WAL only grows a little until the copy ends. (Copying
//! in small steps instead would restart from the beginning each time the
//! server commits in between, and under steady sync might never end.)
//!
//! The copy is switched from WAL to a rollback journal, so a backup is one
//! file with no `-wal` beside it, and is written as `.part`, fsynced and
//! renamed (`durable_file`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::counts::{self, Counts};
use super::durable_file;
use crate::db;

/// A finished backup.
#[derive(Debug, Clone)]
pub struct Taken {
    /// The backup file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// What it holds.
    pub counts: Counts,
    /// When the copy started (RFC 3339, UTC): it holds every change the
    /// server had stored by then.
    pub taken_at: String,
    /// How long it took, copy and fsync included.
    pub elapsed: Duration,
}

impl Taken {
    /// What `backup` prints.
    pub fn summary(&self) -> String {
        format!(
            "已备份到 {path}：{size}，{counts}，用时 {secs:.2} 秒\n\
             backed up to {path}: {bytes} bytes, took {secs:.2} s",
            path = self.path.display(),
            size = human_size(self.bytes),
            counts = self.counts.line(),
            bytes = self.bytes,
            secs = self.elapsed.as_secs_f64(),
        )
    }
}

/// Why no backup was written (nothing is left under the target's name).
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The data directory has no database.
    #[error(
        "数据目录 {0} 里没有 qunjian.db，请检查 --data-dir (no database in the data directory)"
    )]
    NoDatabase(PathBuf),
    /// The target exists.
    #[error("{0} 已存在，不会覆盖：换一个文件名或先删除它 (the file exists; choose another name)")]
    Exists(PathBuf),
    /// The server's database could not be read.
    #[error("无法读取数据库 {path} (cannot read the database): {source}")]
    Source {
        /// The database.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The copy could not be written.
    #[error("无法写入备份 {path} (cannot write the backup): {source}")]
    Write {
        /// The `.part` file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A file operation failed.
    #[error("无法写入备份 {path} (cannot write the backup): {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The database stayed locked.
    #[error("数据库一直被锁定，备份未完成 (the database stayed locked; no backup written)")]
    Busy,
}

/// How long the copy waits for a lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Back `data_dir`'s database up to `to`, which must not exist. Blocking:
/// run it off the async runtime.
pub fn take(data_dir: &Path, to: &Path) -> Result<Taken, BackupError> {
    let started = Instant::now();
    let source_path = db::db_path(data_dir);
    if !source_path.is_file() {
        return Err(BackupError::NoDatabase(data_dir.to_path_buf()));
    }
    if to.exists() {
        return Err(BackupError::Exists(to.to_path_buf()));
    }
    let part = durable_file::part_path(to);
    let result = copy_to(&source_path, &part).and_then(|(counts, taken_at)| {
        let io = |source| BackupError::Io {
            path: part.clone(),
            source,
        };
        durable_file::sync(&part).map_err(io)?;
        // Checked again: another backup may have taken the name meanwhile.
        if to.exists() {
            return Err(BackupError::Exists(to.to_path_buf()));
        }
        durable_file::publish(&part, to).map_err(io)?;
        Ok((counts, taken_at))
    });
    let (counts, taken_at) = match result {
        Ok(done) => done,
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            return Err(e);
        }
    };
    let bytes = std::fs::metadata(to)
        .map_err(|source| BackupError::Io {
            path: to.to_path_buf(),
            source,
        })?
        .len();
    Ok(Taken {
        path: to.to_path_buf(),
        bytes,
        counts,
        taken_at,
        elapsed: started.elapsed(),
    })
}

/// The online backup of `source` into a new file `part`, switched to a
/// rollback journal, with its note and counts.
fn copy_to(source: &Path, part: &Path) -> Result<(Counts, String), BackupError> {
    let read_err = |source_err| BackupError::Source {
        path: source.to_path_buf(),
        source: source_err,
    };
    let write_err = |source| BackupError::Write {
        path: part.to_path_buf(),
        source,
    };
    // Read-only: a backup can never write to the server's file.
    let from = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(read_err)?;
    from.busy_timeout(BUSY_TIMEOUT).map_err(read_err)?;

    durable_file::create_private(part).map_err(|source| BackupError::Io {
        path: part.to_path_buf(),
        source,
    })?;
    let mut to = Connection::open_with_flags(
        part,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(write_err)?;

    let taken_at = crate::clock::now();
    {
        let backup = Backup::new(&from, &mut to).map_err(write_err)?;
        let deadline = Instant::now() + BUSY_TIMEOUT;
        loop {
            // -1 copies everything in one step; anything but Done is a lock
            // held elsewhere for a moment (a checkpoint), worth a retry.
            if backup.step(-1).map_err(write_err)? == StepResult::Done {
                break;
            }
            if Instant::now() > deadline {
                return Err(BackupError::Busy);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    drop(from);
    // One self-contained file, every commit fsynced.
    let finish = || -> rusqlite::Result<Counts> {
        to.pragma_update(None, "journal_mode", "DELETE")?;
        to.pragma_update(None, "synchronous", "FULL")?;
        counts::write_note(&to, &taken_at)?;
        counts::count(&to)
    };
    let counts = finish().map_err(write_err)?;
    to.close().map_err(|(_, e)| write_err(e))?;
    Ok((counts, taken_at))
}

/// `12.3 MB`, for a person.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit < UNITS.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{size:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_like_db(dir: &Path) -> Connection {
        let conn = crate::schema::open(dir).expect("open");
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS samod_kv (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
             INSERT INTO samod_kv VALUES ('doc1/incremental/a', x'00'), ('doc1/snapshot/b', x'01'),
                                         ('doc2/incremental/c', x'02'), ('storage-adapter-id', x'03');",
        )
        .expect("rows");
        conn
    }

    #[test]
    fn a_backup_is_one_file_with_its_note_and_counts_and_never_overwrites() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let live = server_like_db(&data);
        let to = dir.path().join("b.db");
        let taken = take(&data, &to).expect("backup");
        assert_eq!(taken.counts.documents, 2);
        assert_eq!(taken.counts.chunks, 3);
        assert!(taken.bytes > 0);
        assert!(!durable_file::part_path(&to).exists());
        assert!(
            !dir.path().join("b.db-wal").exists(),
            "a rollback-journal file"
        );
        // The live database is still in WAL mode and still writable.
        live.execute(
            "INSERT INTO samod_kv VALUES ('doc3/incremental/d', x'04')",
            [],
        )
        .expect("the server still writes");

        let copy = Connection::open_with_flags(&to, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the copy read-only");
        let mode: String = copy
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("mode");
        assert_eq!(mode, "delete");
        assert_eq!(
            counts::taken_at(&copy).expect("note"),
            Some(taken.taken_at.clone())
        );

        match take(&data, &to) {
            Err(BackupError::Exists(p)) => assert_eq!(p, to),
            other => panic!("overwrote a backup: {other:?}"),
        }
        // With no server running (no -wal, no -shm beside the file) too.
        drop(live);
        assert!(!data.join("qunjian.db-wal").exists());
        let stopped =
            take(&data, &dir.path().join("stopped.db")).expect("backup of a stopped server");
        assert_eq!(stopped.counts.documents, 3);
        match take(&dir.path().join("nothing"), &dir.path().join("c.db")) {
            Err(BackupError::NoDatabase(_)) => {}
            other => panic!("{other:?}"),
        }
        assert!(!dir.path().join("nothing").exists(), "nothing created");
    }

    #[test]
    fn sizes_read_as_a_person_would() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1536), "1.5 KB");
        assert_eq!(human_size(3 * 1024 * 1024), "3.0 MB");
    }
}
