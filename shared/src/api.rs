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

/// `/sync`'s 503 body while the server's storage is failing: new sync
/// connections are refused rather than accepted with changes the server
/// could not store (a device keeps them and retries).
pub const STORAGE_FAILING: &str = "服务器存储写入失败，修改仍保存在本设备，恢复后会自动同步 (server storage is failing; your changes stay on this device)";

/// Every error body the server sends: what went wrong, in words a person can act on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiError {
    /// The message.
    pub error: String,
}

/// The body of `GET /api/me`: who a token is, and what it may reach. A
/// device needs only the server's address and its token; this tells it the
/// rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// The token's public id.
    pub token_id: String,
    /// The label given when the token was created.
    pub label: String,
    /// `county-admin`, `county-viewer` or `township`.
    pub role: String,
    /// The township, for a township token.
    pub township: Option<TownshipInfo>,
    /// The samod/automerge-repo peer id the device must use on `/sync`.
    pub peer_id: String,
    /// The township document's `automerge:` URL, for a township token.
    pub document_url: Option<String>,
    /// The county the server serves: `{"code": "330825", "name": "龙游县"}`,
    /// or `{"code": null, "name": "本县"}` until it is named. (Absent from
    /// older servers' answers; read as the unnamed county.)
    #[serde(default)]
    pub county: crate::county::County,
}

/// One token as `GET /api/tokens` and `token list` show it (never the
/// token itself: only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// Public id (the first 16 hex digits of the token's hash).
    pub id: String,
    /// What it is for, e.g. the device or person holding it.
    pub label: String,
    /// `county-admin`, `county-viewer` or `township`.
    pub role: String,
    /// The township code, for a township token.
    pub township: Option<String>,
    /// When it was created (RFC 3339, UTC).
    pub created_at: String,
    /// When it was last used, to the minute (RFC 3339, UTC).
    pub last_used_at: Option<String>,
    /// When it was revoked (RFC 3339, UTC).
    pub revoked_at: Option<String>,
}

/// The body of `POST /api/tokens` and what `token create` prints: the only
/// time the token itself is shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewToken {
    /// The token; store it now, it cannot be shown again.
    pub token: String,
    /// The samod peer id a device with this token must sync as.
    pub peer_id: String,
    /// Its record.
    pub info: TokenInfo,
}

/// The body a county admin sends to `POST /api/tokens`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateToken {
    /// `county-admin`, `county-viewer` or `township`.
    pub role: String,
    /// The township code, for `township`.
    pub township: Option<String>,
    /// What the token is for.
    pub label: Option<String>,
}

/// One report as `GET /api/reports` lists it, with where to fetch it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLink {
    /// The name in URLs (`coverage`, `gaps`, …).
    pub name: String,
    /// The JSON report.
    pub json: String,
    /// The CSV export.
    pub csv: String,
    /// The Excel export.
    pub xlsx: String,
}

/// The JSON body of one report (`GET /api/reports/{name}`): the table, and
/// what it was drawn for. The table's own fields (`name`, `title_zh`,
/// `columns`, `rows`) are flattened into the same object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportBody<T> {
    /// The county, from the rules file.
    pub county: String,
    /// The date the figures stand on.
    pub as_of: String,
    /// The filters applied, as (Chinese label, value).
    pub filters: Vec<(String, String)>,
    /// The table.
    #[serde(flatten)]
    pub table: T,
}

/// One row of `GET /api/audit`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Row number, increasing.
    pub seq: i64,
    /// When (RFC 3339, UTC, milliseconds).
    pub at: String,
    /// `opened`, `closed`, `received`, `refused`, `token-created`, `token-revoked`,
    /// `county-set`.
    pub event: String,
    /// The token's id, when one was presented and known.
    pub token_id: Option<String>,
    /// The token's label.
    pub token_label: Option<String>,
    /// The peer id of the connection.
    pub peer: Option<String>,
    /// The township the document or token belongs to.
    pub township: Option<String>,
    /// The document id.
    pub document: Option<String>,
    /// Changes received (sync messages: change chunks).
    pub changes: i64,
    /// Bytes received.
    pub bytes: i64,
    /// Why, for refusals and closings.
    pub detail: Option<String>,
}
