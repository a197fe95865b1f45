//! What a replica remembers about itself once it has synced: its township
//! document and the server it synced with, in a small `qunjian_meta` table
//! of the replica's own SQLite file, so a device works offline without
//! being told its document again.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::{ClientError, Replica};

const CREATE: &str =
    "CREATE TABLE IF NOT EXISTS qunjian_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)";

const DOCUMENT: &str = "document_url";
const SERVER: &str = "server_url";
const TOKEN: &str = "device_token";

/// What a replica file remembers (see [`Replica::remember`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Remembered {
    /// The township document's `automerge:` URL.
    pub document: Option<String>,
    /// The server's sync address it last synced with.
    pub server: Option<String>,
    /// The device's token, when an app set up with it asked the replica
    /// to keep it ([`Replica::remember_token`]).
    pub token: Option<String>,
}

impl Replica {
    /// Remember the document and the server this replica has synced with,
    /// in its file, for [`Replica::remembered`].
    pub fn remember(&self, document_url: &str, server: &str) -> Result<(), ClientError> {
        self.meta_put(&[(DOCUMENT, document_url), (SERVER, server)])
    }

    /// Keep this replica's token in its file, so an app started again
    /// syncs without asking for it (`qunjian app`'s first start). The
    /// token sits beside the document it opens: the replica file is the
    /// device user's own (SQLite creates it 0644 under the usual umask;
    /// the file is made 0600 here), and whoever can read it can read the
    /// whole ledger anyway.
    pub fn remember_token(&self) -> Result<(), ClientError> {
        let Some(token) = self.token() else {
            return Ok(());
        };
        self.meta_put(&[(TOKEN, token)])?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = self.storage.path();
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(
                |e| ClientError::Remember {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                },
            )?;
        }
        Ok(())
    }

    /// Write `pairs` into the replica file's `qunjian_meta`, in one transaction.
    pub(crate) fn meta_put(&self, pairs: &[(&str, &str)]) -> Result<(), ClientError> {
        let path = self.storage.path();
        let failed = |e: rusqlite::Error| ClientError::Remember {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        let mut conn = Connection::open(path).map_err(failed)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(failed)?;
        // Immediate: the write lock is taken (waiting out the busy timeout)
        // before anything is read. A deferred transaction that reads first
        // fails at once with "database is locked" when samod's storage
        // writer commits in between, which it does right after a sync.
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(failed)?;
        tx.execute_batch(CREATE).map_err(failed)?;
        for (key, value) in pairs {
            tx.execute(
                "INSERT OR REPLACE INTO qunjian_meta (key, value) VALUES (?1, ?2)",
                (key, value),
            )
            .map_err(failed)?;
        }
        tx.commit().map_err(failed)
    }

    /// One value of the replica file's `qunjian_meta`; `None` when it was
    /// never written or the file cannot be read (the callers fall back to
    /// a default and say so).
    pub(crate) fn meta_get(&self, key: &str) -> Option<String> {
        meta_get(self.storage.path(), key)
    }

    /// What the replica file at `path` remembers; nothing when the file does
    /// not exist, is not a replica, or has never synced. Never creates or
    /// writes the file.
    pub fn remembered(path: impl AsRef<Path>) -> Remembered {
        let path = path.as_ref();
        if !path.is_file() {
            return Remembered::default();
        }
        Remembered {
            document: meta_get(path, DOCUMENT),
            server: meta_get(path, SERVER),
            token: meta_get(path, TOKEN),
        }
    }
}

/// One value of `qunjian_meta` in the file at `path`, read-only: never
/// creates or writes the file.
fn meta_get(path: &Path, key: &str) -> Option<String> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).ok()?;
    conn.query_row(
        "SELECT value FROM qunjian_meta WHERE key = ?1",
        [key],
        |row| row.get(0),
    )
    .optional()
    .ok()
    .flatten()
}
