//! Admin commands that work on a data directory directly, whether or not a
//! server is running on it: SQLite's busy timeout serializes the two
//! processes, and samod's storage keys are content-addressed, so a second
//! writer never overwrites the server's data.

use std::path::Path;

use qunjian_shared::{SqliteStorage, TownshipKind, TownshipMeta};

use crate::{db, schema, townships};

/// Why `township add` refused.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    /// The code is already taken; no second document was created.
    #[error(
        "乡镇代码 {code} 已存在 (township code {code} already exists: {name}, {url}); nothing was created"
    )]
    Duplicate {
        /// The code.
        code: String,
        /// The existing township's name.
        name: String,
        /// The existing document's URL.
        url: String,
    },
    /// The code, name or kind is not valid.
    #[error(transparent)]
    Meta(#[from] qunjian_shared::MetaError),
    /// The database could not be used.
    #[error(transparent)]
    Db(#[from] db::DbError),
    /// The storage could not be opened.
    #[error(transparent)]
    Storage(#[from] qunjian_shared::StorageError),
    /// samod stopped before the document was stored.
    #[error("the document store stopped before the township was saved")]
    Stopped,
}

/// Create a township's document and record it; returns the new row.
pub async fn add_township(
    data_dir: &Path,
    code: &str,
    name: &str,
    kind: TownshipKind,
    county_code: &str,
) -> Result<townships::Township, AddError> {
    let meta = TownshipMeta::new(code, name, kind, county_code)?;
    let conn = schema::open(data_dir)?;
    if let Some(existing) = townships::get(&conn, &meta.township_code)? {
        return Err(duplicate(existing));
    }

    let storage = SqliteStorage::open(db::db_path(data_dir))?;
    let repo = samod::Repo::build_tokio()
        .with_storage(storage.clone())
        .load()
        .await;
    let created = repo.create(meta.new_document()?).await;
    // Repo::create resolves once the document is in storage; stop and flush
    // anyway so nothing is left in a queue when this process exits.
    repo.stop().await;
    storage.flush().await;
    let handle = created.map_err(|_| AddError::Stopped)?;

    let inserted = townships::insert(
        &conn,
        &meta.township_code,
        &meta.township_name,
        meta.township_kind.as_str(),
        handle.document_id(),
    )?;
    let row = townships::get(&conn, &meta.township_code)?.ok_or(AddError::Stopped)?;
    if !inserted {
        // Another `township add` of the same code won the race between our
        // check and our insert; its document is the township's, ours is an
        // unreferenced orphan that nothing will ever find.
        return Err(duplicate(row));
    }
    Ok(row)
}

fn duplicate(existing: townships::Township) -> AddError {
    AddError::Duplicate {
        url: existing.url().to_string(),
        code: existing.code,
        name: existing.name,
    }
}
