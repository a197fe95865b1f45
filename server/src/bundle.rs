//! `qunjian-server bundle import|export`: a township's changes by file,
//! where a township has no network (docs/BUNDLES.md; the format is
//! `qunjian_shared::bundle`).
//!
//! Export only reads the database (the stored chunks of the document), so
//! it is safe while a server runs; it holds what the server has stored.
//!
//! Import writes, and needs the server stopped: a running server holds
//! each document it has opened in memory, and samod does not notice rows
//! another process adds, so the server would neither see the imported
//! changes nor pass them on to devices until it restarts. Import therefore
//! takes the data directory's serve lock (`data_dir::lock`) for its whole
//! run and refuses while a server holds it; the next `serve` loads the
//! document with the imported changes and projects it for the reports.

use std::path::Path;

use qunjian_shared::SqliteStorage;
use qunjian_shared::bundle::{self, ApplyError, Bundle, BundleError};
use samod::DocumentId;
use samod::storage::{Storage, StorageKey};

use crate::audit::{self, Entry, Event};
use crate::{data_dir, db, schema, townships};

/// Why a bundle command refused; the data directory is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum BundleCmdError {
    /// The bundle was refused (not a bundle, truncated, corrupted, another
    /// township's, or missing earlier changes).
    #[error(transparent)]
    Refused(#[from] ApplyError),
    /// No township has that code.
    #[error("没有代码为 {0} 的乡镇 (no township {0}); see `qunjian-server township list`")]
    UnknownTownship(String),
    /// A server is running on the data directory.
    #[error(
        "{0}\n导入同步包前请先停止服务器，导入后再启动，服务器启动时会读入导入的修改 \
         (stop the server before importing a bundle; it loads the imported changes when it starts again)"
    )]
    ServerRunning(data_dir::LockError),
    /// The data directory could not be created.
    #[error("数据目录无法建立 (cannot create the data directory): {0}")]
    DataDir(std::io::Error),
    /// The database could not be used.
    #[error(transparent)]
    Db(#[from] db::DbError),
    /// The storage could not be opened.
    #[error(transparent)]
    Storage(#[from] qunjian_shared::StorageError),
    /// The stored document could not be read.
    #[error("乡镇 {0} 的文档无法读取 (the township's stored document cannot be read)")]
    Unreadable(String),
    /// samod stopped before the changes were stored.
    #[error("the document store stopped before the changes were saved")]
    Stopped,
}

impl From<BundleError> for BundleCmdError {
    fn from(e: BundleError) -> Self {
        BundleCmdError::Refused(ApplyError::Bundle(e))
    }
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The township code.
    pub township: String,
    /// Changes new to the county (0: it held them all).
    pub new_changes: usize,
}

/// The bundle of township `code`: always its whole document, since the
/// county cannot know what a device without network holds (a device
/// applies only what it lacks).
pub async fn export(data_dir: &Path, code: &str) -> Result<Bundle, BundleCmdError> {
    let conn = schema::open(data_dir)?;
    let row = townships::get(&conn, code)?
        .ok_or_else(|| BundleCmdError::UnknownTownship(code.to_string()))?;
    let storage = SqliteStorage::open(db::db_path(data_dir))?;
    let doc = stored_document(&storage, &row.document_id, code).await?;
    Ok(bundle::export(
        &doc,
        true,
        &row.code,
        &row.document_id.to_string(),
        None,
    ))
}

/// Apply a bundle's bytes to its township's document, with the server
/// stopped, and audit it as a sync (`received`, detail `bundle import`).
pub async fn import(data_dir: &Path, bytes: &[u8]) -> Result<Imported, BundleCmdError> {
    let bundle = Bundle::parse(bytes)?;
    data_dir::create(data_dir).map_err(BundleCmdError::DataDir)?;
    let _lock = data_dir::lock(data_dir).map_err(BundleCmdError::ServerRunning)?;
    let conn = schema::open(data_dir)?;
    let row = townships::get(&conn, &bundle.township)?
        .ok_or_else(|| BundleCmdError::UnknownTownship(bundle.township.clone()))?;
    bundle.check_for(&row.document_id.to_string(), Some(&row.code))?;

    let storage = SqliteStorage::open(db::db_path(data_dir))?;
    let repo = samod::Repo::build_tokio()
        .with_storage(storage.clone())
        .load()
        .await;
    let applied = match repo.find(row.document_id.clone()).await {
        Ok(Some(handle)) => handle
            .with_document(|doc| bundle::apply(doc, &bundle))
            .map_err(BundleCmdError::from),
        Ok(None) => Err(BundleCmdError::Unreadable(row.code.clone())),
        Err(_) => Err(BundleCmdError::Stopped),
    };
    // Stop and flush so every stored change is durable before we say so.
    repo.stop().await;
    storage.flush().await;
    let new_changes = applied?;

    let mut entry = Entry::new(Event::Received).detail("bundle import");
    entry.township = Some(row.code.clone());
    entry.document = Some(row.document_id.to_string());
    entry.changes = u64::try_from(new_changes).unwrap_or(u64::MAX);
    entry.bytes = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    audit::insert(&conn, &[entry])?;
    if new_changes > 0 {
        townships::touch(&conn, &row.code, &entry_time())?;
    }
    Ok(Imported {
        township: row.code,
        new_changes,
    })
}

fn entry_time() -> String {
    crate::clock::now()
}

/// The document as stored: every snapshot and incremental chunk, read
/// without starting samod (nothing is written by it).
async fn stored_document(
    storage: &SqliteStorage,
    id: &DocumentId,
    code: &str,
) -> Result<automerge::Automerge, BundleCmdError> {
    let mut doc = automerge::Automerge::new();
    // One read of every row: a compaction committing between two reads
    // (snapshots, then incrementals) could hide the rows it folded.
    for chunk in storage
        .load_range(StorageKey::document_prefix(id))
        .await
        .into_values()
    {
        doc.load_incremental(&chunk)
            .map_err(|_| BundleCmdError::Unreadable(code.to_string()))?;
    }
    if doc.get_heads().is_empty() {
        return Err(BundleCmdError::Unreadable(code.to_string()));
    }
    Ok(doc)
}

/// `qunjian-server bundle import FILE`: read, import, say what happened.
pub async fn import_file(data_dir: &Path, file: &Path) -> anyhow::Result<()> {
    use anyhow::Context;
    let bytes =
        std::fs::read(file).with_context(|| format!("无法读取同步包 {}", file.display()))?;
    let imported = import(data_dir, &bytes)
        .await
        .with_context(|| format!("同步包 {} 未导入，数据未改变", file.display()))?;
    if imported.new_changes == 0 {
        eprintln!(
            "乡镇 {} 的同步包里的修改县里都已有 (nothing new)",
            imported.township
        );
    } else {
        eprintln!(
            "已导入乡镇 {} 的 {} 个修改；启动服务器后生效 (imported {} changes; the server loads them when it starts)",
            imported.township, imported.new_changes, imported.new_changes
        );
    }
    Ok(())
}

/// `qunjian-server bundle export --township CODE -o FILE`.
pub async fn export_file(data_dir: &Path, code: &str, output: &Path) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::Write;
    let bytes = export(data_dir, code).await?.encode();
    // Beside the target, then renamed: a pulled USB stick leaves the old
    // file or the new one, never half of one.
    let mut tmp_name = output.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".part");
    let tmp = output.with_file_name(tmp_name);
    let mut f =
        std::fs::File::create(&tmp).with_context(|| format!("无法写入 {}", tmp.display()))?;
    f.write_all(&bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("无法写入 {}", tmp.display()))?;
    std::fs::rename(&tmp, output).with_context(|| format!("无法写入 {}", output.display()))?;
    eprintln!(
        "已导出乡镇 {code} 的完整文档到 {}（{} 字节）",
        output.display(),
        bytes.len()
    );
    Ok(())
}
