//! Root maps a newer schema adds, created by the server in the documents
//! it holds, once, when it starts.
//!
//! A map created by two devices would be two maps under one key, one
//! hiding the other (`qunjian_shared::migrate::containers` says more), so
//! the one writer every device syncs with creates them. Devices that sync
//! afterwards write their records into this map.

use qunjian_shared::migrate::containers;
use samod::Repo;

use crate::db::Db;
use crate::townships;

/// Add the missing root maps to every township's document. A township
/// whose document cannot be found or changed is logged and skipped: it
/// still syncs, and its devices create the map on first use.
pub async fn create_missing(repo: &Repo, db: &Db) -> anyhow::Result<()> {
    let all = db.call(townships::list).await?;
    for township in all {
        let Ok(Some(handle)) = repo.find(township.document_id.clone()).await else {
            tracing::warn!(township = %township.code, "document not found: root maps not checked");
            continue;
        };
        let created = handle
            .with_document_async(containers::create_missing)
            .await
            .map_err(|_| anyhow::anyhow!("the document store stopped while starting"))?;
        match created {
            Ok(names) if names.is_empty() => {}
            Ok(names) => {
                tracing::info!(township = %township.code, maps = ?names, "created root maps in an older document");
            }
            Err(e) => {
                tracing::warn!(township = %township.code, error = %e, "could not create root maps");
            }
        }
    }
    Ok(())
}
