//! End to end with samod itself: a `Repo` on `SqliteStorage` stores a
//! document, and a second `Repo` on the same file finds it after a restart.
//! This checks the keys samod really uses (`<doc id>/incremental/<hash>`,
//! `<doc id>/snapshot/<hash>`, `storage-adapter-id`), not just ours.

use std::time::Duration;

use automerge::{Automerge, ROOT, ReadDoc, transaction::Transactable};
use samod::Repo;
use samod::storage::Storage;

use super::SqliteStorage;
use super::tests::{db_path, key};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_samod_document_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);

    let storage = SqliteStorage::open(&path).unwrap();
    let repo = Repo::build_tokio()
        .with_storage(storage.clone())
        .load()
        .await;
    let handle = repo.create(Automerge::new()).await.unwrap();
    for i in 0..20 {
        handle.with_document(|doc| {
            doc.transact::<_, _, automerge::AutomergeError>(|tx| {
                tx.put(ROOT, "name", format!("Township {i}"))?;
                Ok(())
            })
            .unwrap();
        });
    }
    let doc_id = handle.document_id().clone();
    repo.stop().await;
    tokio::time::timeout(Duration::from_secs(10), storage.flush())
        .await
        .unwrap();
    let stored = storage.load_range(key(&doc_id.to_string())).await;
    assert!(!stored.is_empty(), "samod stored nothing under {doc_id}");
    drop(storage);

    let storage = SqliteStorage::open(&path).unwrap();
    let repo = Repo::build_tokio()
        .with_storage(storage.clone())
        .load()
        .await;
    let handle = repo
        .find(doc_id.clone())
        .await
        .unwrap()
        .expect("document found in SQLite after restart");
    let name = handle.with_document(|doc| {
        doc.get(ROOT, "name")
            .unwrap()
            .map(|(value, _)| value.to_string())
    });
    assert_eq!(name.as_deref(), Some("\"Township 19\""));
    repo.stop().await;
    assert!(storage.health().ok);
}
