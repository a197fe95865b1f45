//! Compaction in the background (`compactor.rs`): what it folds and what it
//! keeps, that a document reads the same before and after, that writes and
//! loads go on while it runs, and that samod's own documents get compacted.

use std::collections::HashMap;
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, Automerge, ROOT};
use samod::Repo;
use samod::storage::{Storage, StorageKey};

use super::compactor::{CompactionPolicy, DocRows, fold};
use super::tests::{db_path, key};
use super::{SqliteStorage, StorageOptions};

const DOC: &str = "4TxRVzbdC93LKZUk9iW4ZptmHwMx";

/// A policy that compacts after a handful of small rows.
fn eager() -> StorageOptions {
    StorageOptions {
        compaction: Some(CompactionPolicy {
            min_incremental_bytes: 1,
            max_rows: 20,
        }),
        ..StorageOptions::default()
    }
}

/// `doc`'s changes from `from` on, as samod-core writes them: a row each.
fn rows_of(doc: &mut AutoCommit, from: usize) -> Vec<(StorageKey, Vec<u8>)> {
    doc.get_changes(&[])
        .into_iter()
        .skip(from)
        .map(|c| {
            (
                key(&format!("{DOC}/incremental/{}", c.hash())),
                c.raw_bytes().to_vec(),
            )
        })
        .collect()
}

fn edit(doc: &mut AutoCommit, i: usize) {
    doc.put(ROOT, format!("k{}", i % 7), i as i64).unwrap();
    doc.commit();
}

/// What a document's rows load to, the way samod-core loads them.
fn load(rows: &HashMap<StorageKey, Vec<u8>>) -> Automerge {
    let mut doc = Automerge::new();
    for value in rows.values() {
        doc.load_incremental(value).unwrap();
    }
    doc
}

/// Waits (bounded) until the storage has finished `n` compactions.
async fn compactions_reach(storage: &SqliteStorage, n: u64) {
    let mut commits = storage.commits();
    let reached = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            commits.borrow_and_update();
            if storage.health().compactions >= n {
                return;
            }
            if commits.changed().await.is_err() {
                return;
            }
        }
    })
    .await;
    assert!(
        reached.is_ok() && storage.health().compactions >= n,
        "only {} compactions after 20 s",
        storage.health().compactions
    );
}

/// A samod repo on `storage` holding a new document edited `edits` times:
/// (repo, document id, heads).
async fn samod_document(
    storage: &SqliteStorage,
    edits: usize,
) -> (Repo, samod::DocumentId, Vec<automerge::ChangeHash>) {
    let repo = Repo::build_tokio()
        .with_storage(storage.clone())
        .load()
        .await;
    let handle = repo.create(Automerge::new()).await.unwrap();
    for i in 0..edits {
        handle.with_document(|doc| {
            doc.transact::<_, _, automerge::AutomergeError>(|tx| {
                tx.put(ROOT, format!("k{}", i % 7), i as i64)?;
                Ok(())
            })
            .unwrap();
        });
    }
    let heads = handle.with_document(|d| d.get_heads());
    (repo, handle.document_id().clone(), heads)
}

/// Stops `repo`, waits until `storage` has written everything, closes it,
/// and opens a new repo on the same file: (repo, the document as found).
async fn reopen(
    repo: Repo,
    storage: SqliteStorage,
    path: &std::path::Path,
    id: samod::DocumentId,
) -> (Repo, samod::DocHandle) {
    repo.stop().await;
    tokio::time::timeout(Duration::from_secs(10), storage.flush())
        .await
        .unwrap();
    drop(storage);
    let storage = SqliteStorage::open(path).unwrap();
    let repo = Repo::build_tokio()
        .with_storage(storage.clone())
        .load()
        .await;
    let handle = repo.find(id).await.unwrap().expect("the document is found");
    (repo, handle)
}

#[test]
fn the_policy_waits_until_incrementals_outweigh_the_snapshot() {
    let policy = CompactionPolicy {
        min_incremental_bytes: 100,
        max_rows: 10,
    };
    let rows = |snapshot_bytes, incremental_bytes, incremental_rows| DocRows {
        snapshot_bytes,
        incremental_bytes,
        incremental_rows,
    };
    assert!(!policy.due(&rows(0, 0, 0)), "nothing to fold");
    assert!(!policy.due(&rows(0, 100, 3)), "under the minimum");
    assert!(policy.due(&rows(0, 101, 3)));
    assert!(!policy.due(&rows(500, 400, 3)), "lighter than the snapshot");
    assert!(policy.due(&rows(500, 501, 3)));
    assert!(policy.due(&rows(500, 50, 11)), "too many rows");
}

#[test]
fn a_fold_holds_every_change_and_replaces_every_row() {
    let mut doc = AutoCommit::new();
    for i in 0..30 {
        edit(&mut doc, i);
    }
    let mut stored: HashMap<StorageKey, Vec<u8>> = HashMap::new();
    // An older snapshot of the first ten changes, then rows for them all
    // (a snapshot can overlap rows, e.g. after a crash mid-compaction).
    let tenth = doc.get_changes(&[])[9].hash();
    let mut first = doc.fork_at(&[tenth]).unwrap();
    stored.insert(key(&format!("{DOC}/snapshot/old")), first.save());
    stored.extend(rows_of(&mut doc, 0));

    let folded = fold(DOC, stored.clone());
    assert_eq!(folded.superseded.len(), 31, "every row is inside");
    assert_eq!(folded.kept, 0);
    assert_eq!(folded.heads, doc.get_heads());
    let again = Automerge::load(&folded.snapshot).unwrap();
    assert_eq!(again.get_heads(), doc.get_heads());
    assert_eq!(again.get_changes(&[]).len(), 30);
    assert!(folded.key.starts_with(&format!("{DOC}/snapshot/")));
    assert_ne!(folded.key, format!("{DOC}/snapshot/old"));
}

#[test]
fn a_fold_keeps_rows_it_cannot_vouch_for() {
    let mut doc = AutoCommit::new();
    for i in 0..5 {
        edit(&mut doc, i);
    }
    let mut stored: HashMap<StorageKey, Vec<u8>> = rows_of(&mut doc, 0).into_iter().collect();
    // The second change's row is missing, so the later ones cannot apply:
    // `save()` leaves them out, and their rows must stay.
    let second = key(&format!(
        "{DOC}/incremental/{}",
        doc.get_changes(&[])[1].hash()
    ));
    stored.remove(&second);
    stored.insert(key(&format!("{DOC}/incremental/garbage")), vec![1, 2, 3]);

    let folded = fold(DOC, stored);
    assert_eq!(folded.superseded.len(), 1, "only the first change is whole");
    assert_eq!(folded.kept, 4, "3 waiting changes and the garbage row");
    assert_eq!(
        Automerge::load(&folded.snapshot)
            .unwrap()
            .get_changes(&[])
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_storage_compacts_rows_it_is_given_and_the_document_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open_with(db_path(&dir), eager()).unwrap();
    let mut doc = AutoCommit::new();
    for i in 0..100 {
        edit(&mut doc, i);
    }
    for (k, v) in rows_of(&mut doc, 0) {
        storage.put(k, v).await;
    }
    compactions_reach(&storage, 1).await;

    let stored = storage.load_range(key(DOC)).await;
    let snapshots = stored
        .keys()
        .filter(|k| k.to_string().contains("/snapshot/"))
        .count();
    assert!(snapshots >= 1, "no snapshot row");
    assert!(
        stored.len() < 100,
        "{} rows: nothing was folded",
        stored.len()
    );
    assert_eq!(load(&stored).get_heads(), doc.get_heads());
    assert!(
        storage.holds(DOC, doc.get_heads()).await,
        "compacted heads are still held"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_and_loads_go_on_while_it_compacts_and_nothing_goes_missing() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open_with(db_path(&dir), eager()).unwrap();
    let mut doc = AutoCommit::new();
    let mut written = 0;
    // 30 rounds of 25 changes: each round makes the document due again, so
    // compactions run while later rounds are written and loads are read.
    for round in 0..30 {
        for i in 0..25 {
            edit(&mut doc, round * 25 + i);
        }
        for (k, v) in rows_of(&mut doc, written) {
            storage.put(k, v).await;
        }
        written = doc.get_changes(&[]).len();
        let stored = storage.load_range(key(DOC)).await;
        let loaded = load(&stored);
        assert_eq!(
            loaded.get_heads(),
            doc.get_heads(),
            "round {round}: a load missed changes"
        );
    }
    compactions_reach(&storage, 2).await;
    let stored = storage.load_range(key(DOC)).await;
    assert_eq!(load(&stored).get_changes(&[]).len(), written);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_samod_document_is_compacted_and_reopens_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let storage = SqliteStorage::open_with(&path, eager()).unwrap();
    let (repo, id, heads) = samod_document(&storage, 200).await;
    compactions_reach(&storage, 1).await;
    let stored = storage.load_range(key(&id.to_string())).await;
    assert!(
        stored.len() < 200,
        "{} rows: nothing was folded",
        stored.len()
    );

    let (repo, handle) = reopen(repo, storage, &path, id).await;
    assert_eq!(handle.with_document(|d| d.get_heads()), heads);
    let all = handle.with_document(|d| d.get_changes(&[]).len());
    assert_eq!(all, 201, "every change loaded (200 edits and the creation)");
    repo.stop().await;
}

#[test]
fn a_damaged_snapshot_row_is_kept() {
    let mut doc = AutoCommit::new();
    for i in 0..10 {
        edit(&mut doc, i);
    }
    let whole = doc.save();
    let mut stored: HashMap<StorageKey, Vec<u8>> = HashMap::new();
    stored.insert(key(&format!("{DOC}/snapshot/good")), whole.clone());
    stored.insert(
        key(&format!("{DOC}/snapshot/torn")),
        whole[..whole.len() / 2].to_vec(),
    );
    let folded = fold(DOC, stored);
    assert_eq!(folded.superseded, vec![format!("{DOC}/snapshot/good")]);
    assert_eq!(folded.kept, 1);
    assert_eq!(folded.heads, doc.get_heads());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samod_loads_every_good_row_around_a_damaged_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let no_compaction = StorageOptions {
        compaction: None,
        ..StorageOptions::default()
    };
    let storage = SqliteStorage::open_with(&path, no_compaction).unwrap();
    let (repo, id, heads) = samod_document(&storage, 50).await;
    // A damaged row among the document's rows (its key sorts among them).
    storage
        .put(
            key(&format!("{id}/incremental/00")),
            vec![0x85, 0x6f, 0x4a, 0x83, 1, 2, 3],
        )
        .await;

    let (repo, handle) = reopen(repo, storage, &path, id).await;
    assert_eq!(handle.with_document(|d| d.get_heads()), heads);
    let all = handle.with_document(|d| d.get_changes(&[]).len());
    assert_eq!(all, 51, "every change loaded (50 edits and the creation)");
    repo.stop().await;
}
