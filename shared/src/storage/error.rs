//! Why opening a storage file can fail, in words an operator can act on.
//!
//! Opening is the only fallible step of `SqliteStorage`: once it is open,
//! samod's `Storage` trait has no error channel, so write failures are
//! retried and reported through `StorageHealth` instead (see `writer.rs`).
//! Every variant therefore names the path it was about, because the server
//! and the client each open a file chosen by configuration and "unable to
//! open database file" alone does not say which one.

use std::path::PathBuf;

/// An error opening (creating, checking or preparing) a storage database.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The directory that should hold the database file could not be created.
    #[error("cannot create directory {} for the database: {source}", .path.display())]
    CreateDir {
        /// The directory we tried to create.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },

    /// SQLite could not open or create the file (missing permissions, the
    /// path is a directory, ...).
    #[error("cannot open SQLite database {}: {source}", .path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },

    /// The file exists but is not a SQLite database (or is encrypted or
    /// corrupt beyond its header).
    #[error("{} is not a SQLite database (wrong file, encrypted or corrupt)", .path.display())]
    NotADatabase {
        /// The offending file.
        path: PathBuf,
    },

    /// The database refused to switch to WAL mode (for example on a file
    /// system without shared-memory support). We refuse to run without WAL
    /// because readers and the admin CLI would then block the writer.
    #[error("cannot put {} in WAL mode: journal_mode stays {mode:?}", .path.display())]
    NoWal {
        /// The database file.
        path: PathBuf,
        /// The journal mode SQLite reported instead of `wal`.
        mode: String,
    },

    /// A setup statement (a pragma, creating the `samod_kv` table) failed.
    #[error("cannot prepare SQLite database {} ({step}): {source}", .path.display())]
    Setup {
        /// The database file.
        path: PathBuf,
        /// Which step failed, e.g. `"create table samod_kv"`.
        step: &'static str,
        /// What SQLite said.
        source: rusqlite::Error,
    },

    /// The operating system refused to start the writer or a reader thread.
    #[error("cannot start the storage thread for {}: {source}", .path.display())]
    Thread {
        /// The database file the thread would have served.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}
