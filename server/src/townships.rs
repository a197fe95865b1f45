//! The `townships` table: which townships the county has and which document
//! holds each. It is the server's index into samod's storage, written by the
//! admin CLI and read by the running server.

use qunjian_shared::api::TownshipInfo;
use rusqlite::{Connection, params};
use samod::{AutomergeUrl, DocumentId};

use crate::db::DbError;

/// The table: one row per township, naming its document.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS townships (
    code           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    document_id    TEXT NOT NULL UNIQUE,
    created_at     TEXT NOT NULL,
    last_change_at TEXT
);
";

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Township {
    /// Administrative code, the primary key.
    pub code: String,
    /// 乡镇名称.
    pub name: String,
    /// `xiang`, `zhen` or `jiedao`.
    pub kind: String,
    /// The document's id in samod's storage.
    pub document_id: DocumentId,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; when a device's change last arrived.
    pub last_change_at: Option<String>,
}

impl Township {
    /// The `automerge:` URL devices use to find the document.
    pub fn url(&self) -> AutomergeUrl {
        AutomergeUrl::from(&self.document_id)
    }

    /// The API's view of this row.
    pub fn info(&self) -> TownshipInfo {
        TownshipInfo {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            document_url: self.url().to_string(),
            created_at: self.created_at.clone(),
            last_change_at: self.last_change_at.clone(),
        }
    }
}

/// Every township, ordered by code.
pub fn list(conn: &Connection) -> Result<Vec<Township>, DbError> {
    select(conn, "ORDER BY code", [])
}

/// One township by code.
pub fn get(conn: &Connection, code: &str) -> Result<Option<Township>, DbError> {
    Ok(select(conn, "WHERE code = ?1", [code])?.into_iter().next())
}

/// Rows whose document id cannot be parsed (someone edited the table by
/// hand) are skipped with a warning rather than failing the whole list.
fn select<P: rusqlite::Params>(
    conn: &Connection,
    tail: &str,
    params: P,
) -> Result<Vec<Township>, DbError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT code, name, kind, document_id, created_at, last_change_at FROM townships {tail}"
    ))?;
    let rows = stmt.query_map(params, |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (code, name, kind, doc_id, created_at, last_change_at) = row?;
        match doc_id.parse::<DocumentId>() {
            Ok(document_id) => out.push(Township {
                code,
                name,
                kind,
                document_id,
                created_at,
                last_change_at,
            }),
            Err(e) => tracing::warn!(%code, %doc_id, "township has an unreadable document id: {e}"),
        }
    }
    Ok(out)
}

/// Record a new township. A code that is already there is `Ok(false)`,
/// so the caller can say so instead of creating a second document.
pub fn insert(
    conn: &Connection,
    code: &str,
    name: &str,
    kind: &str,
    document_id: &DocumentId,
) -> Result<bool, DbError> {
    let inserted = conn.execute(
        "INSERT INTO townships (code, name, kind, document_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (code) DO NOTHING",
        params![
            code,
            name,
            kind,
            document_id.to_string(),
            crate::clock::now()
        ],
    )?;
    Ok(inserted == 1)
}

/// Note that a change to this township's document arrived at `at`.
pub fn touch(conn: &Connection, code: &str, at: &str) -> Result<(), DbError> {
    conn.execute(
        "UPDATE townships SET last_change_at = ?2 WHERE code = ?1",
        params![code, at],
    )?;
    Ok(())
}

/// The code of the township whose document is `document_id`.
pub fn by_document(conn: &Connection, document_id: &DocumentId) -> Result<Option<String>, DbError> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT code FROM townships WHERE document_id = ?1",
            params![document_id.to_string()],
            |r| r.get(0),
        )
        .optional()?)
}
