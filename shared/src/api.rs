//! Every JSON body the county server sends, defined once for the server that
//! writes it and the clients and tests that read it.

use serde::{Deserialize, Serialize};

/// One township as `GET /api/townships` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TownshipInfo {
    /// The township's administrative code.
    pub code: String,
    /// 乡镇名称.
    pub name: String,
    /// `xiang`, `zhen` or `jiedao`.
    pub kind: String,
    /// The document's `automerge:` URL, which any automerge-repo client can find.
    pub document_url: String,
    /// When the township was added (RFC 3339, UTC).
    pub created_at: String,
    /// When the server last received a change to the document from a device
    /// (RFC 3339, UTC); `None` until the first one arrives.
    pub last_change_at: Option<String>,
}

/// The body of `GET /healthz`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: String,
    /// False while writes to SQLite are failing and being retried.
    pub storage_ok: bool,
    /// Writes queued and not yet durable.
    pub pending_writes: usize,
    /// The last storage error, if writes are failing.
    pub storage_error: Option<String>,
    /// Open sync (WebSocket) connections.
    pub connections: usize,
}

/// The body of `GET /api/townships/{code}/document`: the document as the
/// server holds it now.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocumentSnapshot {
    /// The township's code.
    pub code: String,
    /// Heads of the server's copy, sorted hex.
    pub heads: Vec<String>,
    /// The materialized document.
    pub document: serde_json::Value,
}

/// Every error body the server sends: what went wrong, in words a person can act on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiError {
    /// The message.
    pub error: String,
}
