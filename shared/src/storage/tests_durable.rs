//! `holds`: whether the file has a document's heads, through the rows
//! samod-core writes (one per change, or a snapshot), across a reopen, and
//! never while the write is failing.

use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ChangeHash, ROOT};
use samod::storage::Storage;

use super::SqliteStorage;
use super::tests::{db_path, key};

const DOC: &str = "4TxRVzbdC93LKZUk9iW4ZptmHwMx";

/// A document with `n` changes, one field each.
fn doc_with(n: usize) -> AutoCommit {
    let mut doc = AutoCommit::new();
    for i in 0..n {
        doc.put(ROOT, format!("k{i}"), i as i64).unwrap();
        doc.commit();
    }
    doc
}

/// Write `doc`'s changes as samod-core does: a row per change.
async fn put_incrementals(storage: &SqliteStorage, doc: &mut AutoCommit) {
    for change in doc.get_changes(&[]) {
        let k = key(&format!("{DOC}/incremental/{}", change.hash()));
        storage.put(k, change.raw_bytes().to_vec()).await;
    }
}

#[tokio::test]
async fn heads_are_held_once_their_rows_are_committed() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(db_path(&dir)).unwrap();
    let mut doc = doc_with(3);
    let heads = doc.get_heads();
    assert!(
        storage.holds(DOC, Vec::new()).await,
        "no heads: nothing to hold"
    );
    assert!(!storage.holds(DOC, heads.clone()).await);

    put_incrementals(&storage, &mut doc).await;
    assert!(storage.holds(DOC, heads.clone()).await);
    assert!(
        !storage.holds("another-doc", heads).await,
        "heads belong to their document"
    );
}

#[tokio::test]
async fn a_reopened_file_holds_its_rows_and_its_snapshots_heads() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc = doc_with(2);
    let compacted = doc.get_heads();
    {
        let storage = SqliteStorage::open(db_path(&dir)).unwrap();
        // A compaction: the whole document in one row, named by its heads.
        storage
            .put(key(&format!("{DOC}/snapshot/abc")), doc.save())
            .await;
        storage.flush().await;
    }
    let later = {
        doc.put(ROOT, "later", 1).unwrap();
        doc.commit();
        doc.get_heads()
    };
    let storage = SqliteStorage::open(db_path(&dir)).unwrap();
    assert!(storage.holds(DOC, compacted.clone()).await);
    assert!(!storage.holds(DOC, later.clone()).await);
    let change = doc
        .get_change_by_hash(&later[0])
        .unwrap()
        .raw_bytes()
        .to_vec();
    storage
        .put(key(&format!("{DOC}/incremental/{}", later[0])), change)
        .await;
    assert!(storage.holds(DOC, later).await);

    // A change inside the snapshot but not its head is not vouched for by
    // it (it cannot be a head of the document any more).
    let first = doc.get_changes(&[])[0].hash();
    assert!(!compacted.contains(&first));
    assert!(!storage.holds(DOC, vec![first]).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_write_is_not_held_until_it_commits() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let storage = SqliteStorage::open(&path).unwrap();
    let admin = rusqlite::Connection::open(&path).unwrap();
    admin.busy_timeout(Duration::from_secs(5)).unwrap();
    admin
        .execute_batch(
            "CREATE TRIGGER broken BEFORE INSERT ON samod_kv \
             BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;",
        )
        .unwrap();

    let mut doc = doc_with(1);
    let heads: Vec<ChangeHash> = doc.get_heads();
    let mut commits = storage.commits();
    commits.borrow_and_update();
    let writing = {
        let storage = storage.clone();
        let change = doc.get_changes(&[])[0].raw_bytes().to_vec();
        let k = key(&format!("{DOC}/incremental/{}", heads[0]));
        tokio::spawn(async move { storage.put(k, change).await })
    };
    // The positive signal that the write reached SQLite and failed.
    while storage.health().failed_attempts == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!storage.holds(DOC, heads.clone()).await);
    assert!(!commits.has_changed().unwrap(), "nothing was committed");

    admin.execute_batch("DROP TRIGGER broken").unwrap();
    writing.await.unwrap();
    assert!(commits.has_changed().unwrap(), "the commit is announced");
    assert!(storage.holds(DOC, heads).await);
}
