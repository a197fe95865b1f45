//! What can go wrong for an app using the client, in words that say what to do.

use crate::SyncStatus;

/// Every error the client library returns.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The replica's SQLite file could not be opened.
    #[error("cannot open the local replica: {0}")]
    Storage(#[from] qunjian_shared::StorageError),
    /// The server address is not a ws:// or wss:// URL.
    #[error(
        "server address '{0}' is not valid: give a WebSocket URL such as ws://127.0.0.1:8080/sync"
    )]
    BadServerUrl(String),
    /// The document URL is not an automerge: URL.
    #[error(
        "document address '{0}' is not valid: give the automerge: URL that `qunjian-server township add` printed"
    )]
    BadDocumentUrl(String),
    /// The document is neither in the local file nor obtainable from the server now.
    #[error("document {url} is not in the local replica and {reason}")]
    NotFound {
        /// The document.
        url: String,
        /// Why the server could not supply it.
        reason: &'static str,
    },
    /// `wait_synced` ran out of time.
    #[error("not synced within the time allowed: {0}")]
    SyncTimeout(Box<SyncStatus>),
    /// An edit was refused (missing record, step out of order, ...).
    #[error(transparent)]
    Edit(#[from] qunjian_shared::edit::EditError),
    /// An entry was refused for the problems listed (a wrong check
    /// character, counts above totals, ...); nothing was written. Forcing
    /// it records it anyway, and `validate` lists the same problems.
    #[error(transparent)]
    EntryRefused(#[from] qunjian_shared::validation::EntryProblems),
    /// The document has no valid `meta`.
    #[error(transparent)]
    Meta(#[from] qunjian_shared::MetaError),
    /// The document could not be migrated to this program's schema.
    #[error(transparent)]
    Migrate(Box<qunjian_shared::migrate::MigrateError>),
    /// An Automerge operation failed.
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    /// The token is not shaped like one.
    #[error(transparent)]
    BadToken(#[from] qunjian_shared::token::TokenFormatError),
    /// The server refused this replica's token (unknown, revoked, or not
    /// allowed); syncing has stopped.
    #[error("{0}; ask the county for a new token")]
    Refused(crate::dialer::Refused),
    /// The server turned the connection away because its storage is
    /// failing (HTTP 503): this replica's changes are not on the server
    /// and stay here; the dialer keeps retrying in the background.
    #[error(
        "服务器存储故障，修改仍保存在本设备，后台会继续重试 (the server cannot store changes now; they stay on this device and syncing keeps retrying): {0}"
    )]
    ServerStorageFailing(String),
    /// TLS could not be set up (a bad CA file).
    #[error("TLS: {0}")]
    Tls(String),
    /// A request to the server's HTTP API failed.
    #[error("{0}")]
    Http(String),
    /// Local changes could not be made durable in the replica's file.
    #[error(
        "副本文件 {} 无法写入，修改没有保存：请检查它是否只读、当前用户是否有写权限、磁盘是否已满 (the replica file cannot be written: check its permissions) — {reason}",
        .path.display()
    )]
    NotSaved {
        /// The replica's file.
        path: std::path::PathBuf,
        /// What SQLite said.
        reason: String,
    },
    /// What the replica learned (its document, its server) could not be
    /// written to its file.
    #[error(
        "无法在副本文件 {} 中记住文档和服务器地址 (cannot remember the document in the replica file): {reason}",
        .path.display()
    )]
    Remember {
        /// The replica's file.
        path: std::path::PathBuf,
        /// What SQLite said.
        reason: String,
    },
    /// The replica has been closed.
    #[error("the replica is closed")]
    Stopped,
}

impl From<samod::Stopped> for ClientError {
    fn from(_: samod::Stopped) -> Self {
        ClientError::Stopped
    }
}

impl From<qunjian_shared::migrate::MigrateError> for ClientError {
    fn from(e: qunjian_shared::migrate::MigrateError) -> Self {
        ClientError::Migrate(Box::new(e))
    }
}
