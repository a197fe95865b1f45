//! The server's one SQLite file, `<data-dir>/qunjian.db`.
//!
//! samod's documents live in its `samod_kv` table (owned by
//! `SqliteStorage`); the tables here are the server's own. The admin CLI and
//! a running server open this file at the same time, so every connection
//! waits on a busy timeout instead of failing on a lock.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::lock::lock;
use rusqlite::Connection;

/// The database file inside a data directory.
pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join("qunjian.db")
}

/// How long a connection waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Open (creating if needed) the data directory and a connection to its
/// database, set up as every connection of the server is (busy timeout,
/// WAL, full fsync), its files made private (`data_dir`). The tables are `schema`'s business, one level up.
pub fn connect(data_dir: &Path) -> Result<Connection, DbError> {
    crate::data_dir::create(data_dir).map_err(|source| DbError::CreateDir {
        path: data_dir.to_path_buf(),
        source,
    })?;
    // Before the open: SQLite gives a new -wal and -shm the database's mode.
    crate::data_dir::make_files_private_and_say(data_dir)
        .map_err(|source| private_error(data_dir, source))?;
    let path = db_path(data_dir);
    let conn = Connection::open(&path).map_err(|source| DbError::Open {
        path: path.clone(),
        source,
    })?;
    let setup = || -> rusqlite::Result<()> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(())
    };
    setup().map_err(|source| DbError::Open { path, source })?;
    // A process without the CLI's umask (a test calling `start`) creates
    // new files with its own; fix them quietly (nothing to do otherwise).
    crate::data_dir::make_files_private(data_dir)
        .map_err(|source| private_error(data_dir, source))?;
    Ok(conn)
}

fn private_error(data_dir: &Path, source: std::io::Error) -> DbError {
    DbError::Private {
        path: data_dir.to_path_buf(),
        source,
    }
}

/// Run `f` in a transaction: a new one, committed if `f` succeeds, or the
/// caller's if one is open (SQLite does not nest them), so a function that
/// must write two tables together can also be part of a larger write. A
/// new one takes the write lock at once (IMMEDIATE): a deferred one that
/// reads first cannot wait for a running server's writer when it comes to
/// write, and fails with "database is locked" instead.
pub fn in_transaction<T, E>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<rusqlite::Error>,
{
    if !conn.is_autocommit() {
        return f(conn);
    }
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

/// A result whose error is a [`DbError`].
pub type DbResult<T> = Result<T, DbError>;

/// Why the server's database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The data directory could not be created.
    #[error("cannot create data directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The files in the data directory could not be made private.
    #[error("cannot make the files in {path} private (chmod 600): {source}")]
    Private {
        /// The data directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The database file could not be opened or set up.
    #[error("cannot open database {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A query failed.
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    /// The blocking task running a query died.
    #[error("database task failed: {0}")]
    Task(String),
}

/// The running server's connections. One writer, shared by the tasks that
/// change the server's tables (tokens, audit, projection); reports read
/// through their own connections, so a county-wide Excel export that takes
/// a second does not hold up a device's first token check or the audit
/// writer. SQLite calls block, so each runs on tokio's blocking pool; std
/// Mutexes are right here because they are only held inside that closure.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    readers: Arc<Readers>,
}

/// Read connections kept open between reports; more are opened when
/// reports overlap, and the extras closed afterwards.
struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

/// How many idle read connections are kept.
const IDLE_READERS: usize = 2;

impl Db {
    /// The server's connections to the data directory's database, with
    /// `conn` (set up by `schema::open`) as the writer.
    pub fn new(conn: Connection, data_dir: &Path) -> Self {
        Db {
            conn: Arc::new(Mutex::new(conn)),
            readers: Arc::new(Readers {
                path: db_path(data_dir),
                idle: Mutex::default(),
            }),
        }
    }

    /// Run `f` with the writer connection, off the async runtime.
    pub async fn call<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || f(&lock(&conn)))
            .await
            .map_err(|e| DbError::Task(e.to_string()))?
    }

    /// Run `f` on a read-only connection inside one read transaction, so
    /// every query it makes sees the same snapshot even while the
    /// projection replaces a township's rows.
    pub async fn read<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = readers.take()?;
            conn.execute_batch("BEGIN")?;
            let result = f(&conn);
            // A read transaction has nothing to keep; ending it cannot lose
            // data, and a connection whose ROLLBACK failed is not reused.
            if conn.execute_batch("ROLLBACK").is_ok() {
                readers.give_back(conn);
            }
            result
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }
}

impl Readers {
    fn take(&self) -> Result<Connection, DbError> {
        if let Some(conn) = lock(&self.idle).pop() {
            return Ok(conn);
        }
        let conn = Connection::open(&self.path).map_err(|source| DbError::Open {
            path: self.path.clone(),
            source,
        })?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // A report that tried to write would be a bug; make it an error.
        conn.pragma_update(None, "query_only", true)?;
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = lock(&self.idle);
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_report_reads_one_snapshot_while_the_writer_goes_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::new(connect(dir.path()).expect("open"), dir.path());
        db.call(|c| Ok(c.execute_batch("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1);")?))
            .await
            .expect("setup");

        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let reader = db.clone();
        let reading = tokio::spawn(async move {
            reader
                .read(move |c| {
                    let count = |c: &Connection| -> Result<i64, DbError> {
                        Ok(c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?)
                    };
                    let before = count(c)?;
                    let _ = started_tx.send(());
                    let _ = go_rx.recv();
                    Ok((before, count(c)?))
                })
                .await
        });

        // The writer is not held up by the open read.
        tokio::task::spawn_blocking(move || started_rx.recv())
            .await
            .expect("join")
            .expect("reader started");
        db.call(|c| Ok(c.execute("INSERT INTO t VALUES (2)", [])?))
            .await
            .expect("write during the read");
        let _ = go_tx.send(());

        let (before, after) = reading.await.expect("join").expect("read");
        assert_eq!((before, after), (1, 1), "the read saw one snapshot");
        let now = db
            .read(|c| Ok(c.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))?))
            .await
            .expect("read again");
        assert_eq!(now, 2, "the next read sees the write");

        let refused = db
            .read(|c| Ok(c.execute("INSERT INTO t VALUES (3)", [])?))
            .await;
        assert!(refused.is_err(), "a read connection cannot write");
    }
}
