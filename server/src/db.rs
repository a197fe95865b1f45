//! The server's one SQLite file, `<data-dir>/qunjian.db`.
//!
//! samod's documents live in its `samod_kv` table (owned by
//! `SqliteStorage`); the tables here are the server's own. The admin CLI and
//! a running server open this file at the same time, so every connection
//! waits on a busy timeout instead of failing on a lock.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

/// The database file inside a data directory.
pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join("qunjian.db")
}

/// How long a connection waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Open (creating if needed) the data directory and the server's tables.
pub fn open(data_dir: &Path) -> Result<Connection, DbError> {
    let created = !data_dir.exists();
    std::fs::create_dir_all(data_dir).map_err(|source| DbError::CreateDir {
        path: data_dir.to_path_buf(),
        source,
    })?;
    // The directory holds personal data and the admin token: a new one is
    // the server user's alone (an existing one keeps what its owner chose).
    #[cfg(unix)]
    if created {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700)).map_err(
            |source| DbError::CreateDir {
                path: data_dir.to_path_buf(),
                source,
            },
        )?;
    }
    let path = db_path(data_dir);
    let conn = Connection::open(&path).map_err(|source| DbError::Open {
        path: path.clone(),
        source,
    })?;
    let setup = || -> rusqlite::Result<()> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(crate::projection::tables::SCHEMA)?;
        conn.execute_batch(crate::peers::SCHEMA)?;
        conn.execute_batch(crate::auth::tokens::SCHEMA)?;
        conn.execute_batch(crate::audit::SCHEMA)?;
        Ok(())
    };
    setup().map_err(|source| DbError::Open { path, source })?;
    Ok(conn)
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS townships (
    code           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    document_id    TEXT NOT NULL UNIQUE,
    created_at     TEXT NOT NULL,
    last_change_at TEXT
);
";

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

/// One connection shared by the running server's tasks. SQLite calls block,
/// so each runs on tokio's blocking pool; a std Mutex is right here because
/// it is only ever held inside that blocking closure.
#[derive(Clone)]
pub struct Db {
    conn: std::sync::Arc<std::sync::Mutex<Connection>>,
}

impl Db {
    /// Open the data directory's database for the server.
    pub fn open(data_dir: &Path) -> Result<Self, DbError> {
        Ok(Db {
            conn: std::sync::Arc::new(std::sync::Mutex::new(open(data_dir)?)),
        })
    }

    /// Run `f` with the connection, off the async runtime.
    pub async fn call<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let conn = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&conn)
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }
}
