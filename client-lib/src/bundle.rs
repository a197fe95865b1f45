//! Sync by file: a replica's changes written to a bundle (a file carried on
//! a USB stick), and bundles read back in. The format is
//! `qunjian_shared::bundle`; docs/BUNDLES.md says when to use it.
//!
//! What the county already holds is remembered in a small table of the
//! replica file, `qunjian_server_heads`: the server's heads after the last
//! successful sync ([`Replica::remember_server_heads`]) or the heads of the
//! last bundle imported from the county. An export without `all` holds the
//! changes that are not ancestors of those heads; with none remembered, it
//! holds the whole document.

use std::path::Path;

use automerge::ChangeHash;
use qunjian_shared::TownshipMeta;
use qunjian_shared::bundle::{self, ApplyError, Bundle, BundleError, BundleKind};
use samod::storage::{Storage, StorageKey};
use samod::{AutomergeUrl, DocumentId};

use crate::{ClientError, Replica};

/// The replica's note of what the county holds, one row per document.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS qunjian_server_heads (
    document_id TEXT PRIMARY KEY,
    heads       TEXT NOT NULL,
    source      TEXT NOT NULL,
    at          TEXT NOT NULL
);
";

/// Why a bundle could not be written or read; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum BundleFailure {
    /// The bundle was refused (not a bundle, truncated, corrupted, another
    /// township's, or missing earlier changes).
    #[error(transparent)]
    Refused(#[from] ApplyError),
    /// The replica could not be used.
    #[error(transparent)]
    Client(Box<ClientError>),
    /// The replica file's note of the server's heads could not be read or written.
    #[error("replica file: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl From<ClientError> for BundleFailure {
    fn from(e: ClientError) -> Self {
        BundleFailure::Client(Box::new(e))
    }
}

impl From<BundleError> for BundleFailure {
    fn from(e: BundleError) -> Self {
        BundleFailure::Refused(ApplyError::Bundle(e))
    }
}

/// What [`Replica::export_bundle`] wrote.
#[derive(Debug, Clone)]
pub struct Exported {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Changes since the server's known heads, or the whole document.
    pub whole_document: bool,
    /// The township code.
    pub township: String,
    /// The replica's heads, sorted hex.
    pub heads: Vec<String>,
}

/// What [`Replica::import_bundle`] did.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The document's `automerge:` URL.
    pub url: String,
    /// The township code.
    pub township: String,
    /// Changes that were new to this replica (0: it held them all).
    pub new_changes: usize,
    /// The replica did not hold the document before.
    pub created: bool,
    /// The document's heads now, sorted hex.
    pub heads: Vec<String>,
}

impl Replica {
    /// A bundle of the document at `url`: the changes the county is not
    /// known to hold, or with `all` the whole document. Offline.
    pub async fn export_bundle(&self, url: &str, all: bool) -> Result<Exported, BundleFailure> {
        let id = document_id(url)?;
        let since = if all {
            None
        } else {
            self.known_server_heads(&id)?
        };
        let township = self.township(url).await?;
        let bundle = township.read(|doc| {
            let meta = TownshipMeta::read(doc).map_err(ClientError::from)?;
            Ok::<_, ClientError>(bundle::export(
                doc,
                false,
                &meta.township_code,
                &id.to_string(),
                since.as_deref(),
            ))
        })?;
        Ok(Exported {
            bytes: bundle.encode(),
            whole_document: bundle.kind == BundleKind::Document,
            township: bundle.township,
            heads: bundle.heads,
        })
    }

    /// Apply a bundle's bytes. With `url`, the bundle must be that
    /// document's; without, the bundle names it, and a replica that does
    /// not hold it yet starts from the bundle. A bundle the replica already
    /// holds changes nothing; a refused one changes nothing either.
    pub async fn import_bundle(
        &self,
        bytes: &[u8],
        url: Option<&str>,
    ) -> Result<Imported, BundleFailure> {
        let bundle = Bundle::parse(bytes)?;
        let id: DocumentId = bundle
            .document
            .parse()
            .map_err(|_| BundleError::BadHeader("document id".into()))?;
        if let Some(url) = url {
            let expected = document_id(url)?;
            if expected != id {
                let township = self.township_code(url).await;
                return Err(BundleError::WrongTownship {
                    expected: format!(
                        "乡镇 {} 文档 {expected}",
                        township.as_deref().unwrap_or("?")
                    ),
                    found: format!("乡镇 {} 文档 {}", bundle.township, bundle.document),
                }
                .into());
            }
        }
        let doc_url = AutomergeUrl::from(&id).to_string();
        let stored = self.has_stored(&id).await;
        let (new_changes, created) = if stored {
            let handle = self
                .repo()
                .find(id.clone())
                .await
                .map_err(ClientError::from)?
                .ok_or_else(|| ClientError::NotFound {
                    url: doc_url.clone(),
                    reason: "the replica file could not load it",
                })?;
            let new = handle.with_document(|doc| bundle::apply(doc, &bundle))?;
            (new, false)
        } else {
            // A document this replica has never held: checked on a fresh
            // document, then stored change by change under the document's
            // own id, as samod stores what it receives.
            let mut doc = automerge::Automerge::new();
            let new = bundle::apply(&mut doc, &bundle)?;
            let storage = self.storage();
            for change in doc.get_changes(&[]) {
                let key = StorageKey::incremental_path(&id, change.hash());
                storage.put(key, change.raw_bytes().to_vec()).await;
            }
            storage.flush().await;
            (new, true)
        };
        if bundle.from_county {
            let heads: Vec<&str> = bundle.heads.iter().map(String::as_str).collect();
            self.store_server_heads(&id, &heads, "bundle")?;
        }
        let township = self.township(&doc_url).await?;
        let heads = township.read(|doc| qunjian_shared::doc_json::heads_hex(&doc.get_heads()));
        Ok(Imported {
            url: doc_url,
            township: bundle.township,
            new_changes,
            created,
            heads,
        })
    }

    /// Note the server's heads for `url` from the last sync (call after a
    /// successful [`wait_synced`](Replica::wait_synced)); later exports
    /// then hold only what came after. Does nothing before any sync.
    pub async fn remember_server_heads(&self, url: &str) -> Result<(), BundleFailure> {
        let id = document_id(url)?;
        let status = self.sync_status(url).await?;
        if let Some(heads) = status.server_heads {
            let heads: Vec<&str> = heads.iter().map(String::as_str).collect();
            self.store_server_heads(&id, &heads, "sync")?;
        }
        Ok(())
    }

    async fn township_code(&self, url: &str) -> Option<String> {
        let township = self.township(url).await.ok()?;
        township.read(|doc| TownshipMeta::read(doc).ok().map(|m| m.township_code))
    }

    /// Whether the replica file holds any of the document.
    pub(crate) async fn has_stored(&self, id: &DocumentId) -> bool {
        // One read: a compaction between two reads could hide every row.
        !self
            .storage()
            .load_range(StorageKey::document_prefix(id))
            .await
            .is_empty()
    }

    fn heads_db(&self) -> Result<rusqlite::Connection, rusqlite::Error> {
        open_heads_db(self.storage().path())
    }

    pub(crate) fn known_server_heads(
        &self,
        id: &DocumentId,
    ) -> Result<Option<Vec<ChangeHash>>, BundleFailure> {
        use rusqlite::OptionalExtension;
        let conn = self.heads_db()?;
        let heads: Option<String> = conn
            .query_row(
                "SELECT heads FROM qunjian_server_heads WHERE document_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        // A row that does not parse is as good as none: export everything.
        Ok(heads.and_then(|h| {
            h.split(',')
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<ChangeHash>().ok())
                .collect::<Option<Vec<_>>>()
        }))
    }

    fn store_server_heads(
        &self,
        id: &DocumentId,
        heads: &[&str],
        source: &str,
    ) -> Result<(), BundleFailure> {
        let conn = self.heads_db()?;
        conn.execute(
            "INSERT INTO qunjian_server_heads (document_id, heads, source, at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (document_id) DO UPDATE
             SET heads = excluded.heads, source = excluded.source, at = excluded.at",
            rusqlite::params![
                id.to_string(),
                heads.join(","),
                source,
                chrono::Utc::now().to_rfc3339()
            ],
        )?;
        Ok(())
    }
}

fn open_heads_db(path: &Path) -> Result<rusqlite::Connection, rusqlite::Error> {
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

pub(crate) fn document_id(url: &str) -> Result<DocumentId, ClientError> {
    let parsed: AutomergeUrl = url
        .parse()
        .map_err(|_| ClientError::BadDocumentUrl(url.to_string()))?;
    Ok(parsed.document_id().clone())
}
