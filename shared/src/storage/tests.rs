//! Behaviour of `SqliteStorage` through samod's `Storage` trait: what goes
//! in comes out, ranges are component-wise, concurrent writes all land,
//! data survives a reopen, and group commit really groups.
//! Failure handling is in `tests_failures.rs`.

use std::collections::HashMap;
use std::path::PathBuf;

use futures::future::join_all;
use samod::storage::{Storage, StorageKey};

use super::{SqliteStorage, StorageOptions};

pub(super) fn key(text: &str) -> StorageKey {
    StorageKey::from_parts(text.split('/')).unwrap()
}

pub(super) fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("qunjian.db")
}

fn keys(map: &HashMap<StorageKey, Vec<u8>>) -> Vec<String> {
    let mut keys: Vec<String> = map.keys().map(|k| k.to_string()).collect();
    keys.sort();
    keys
}

#[test]
fn storage_is_send_sync_and_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<SqliteStorage>();
}

#[tokio::test]
async fn put_load_delete_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(db_path(&dir)).unwrap();
    storage.put(key("doc/snapshot/h1"), b"one".to_vec()).await;
    assert_eq!(
        storage.load(key("doc/snapshot/h1")).await,
        Some(b"one".to_vec())
    );

    storage.put(key("doc/snapshot/h1"), b"two".to_vec()).await;
    assert_eq!(
        storage.load(key("doc/snapshot/h1")).await,
        Some(b"two".to_vec())
    );

    storage.delete(key("doc/snapshot/h1")).await;
    assert_eq!(storage.load(key("doc/snapshot/h1")).await, None);
    // Deleting what is not there is not an error.
    storage.delete(key("doc/snapshot/h1")).await;
    let health = storage.health();
    assert!(health.ok && health.pending_writes == 0, "{health:?}");
}

#[tokio::test]
async fn load_of_missing_key_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(db_path(&dir)).unwrap();
    assert_eq!(storage.load(key("nothing/here")).await, None);
    assert!(storage.load_range(key("nothing")).await.is_empty());
    assert_eq!(storage.health().read_errors, 0);
}

#[tokio::test]
async fn load_range_is_component_wise() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(db_path(&dir)).unwrap();
    for k in [
        "ab", "ab/x", "ab/y/z", "abc/x", "ab0", "ab.x/y", "a/b", "b/ab",
    ] {
        storage.put(key(k), k.as_bytes().to_vec()).await;
    }
    let range = storage.load_range(key("ab")).await;
    assert_eq!(keys(&range), ["ab", "ab/x", "ab/y/z"]);
    assert_eq!(range[&key("ab/y/z")], b"ab/y/z");

    assert_eq!(keys(&storage.load_range(key("ab/y")).await), ["ab/y/z"]);
    assert_eq!(keys(&storage.load_range(key("a")).await), ["a/b"]);
    assert!(storage.load_range(key("ab/y/z/w")).await.is_empty());
}

#[tokio::test]
async fn empty_prefix_loads_everything() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(db_path(&dir)).unwrap();
    for k in ["a/1", "b/2/3", "storage-adapter-id"] {
        storage.put(key(k), vec![1]).await;
    }
    let empty = StorageKey::from_parts(std::iter::empty::<&str>()).unwrap();
    let all = storage.load_range(empty).await;
    assert_eq!(keys(&all), ["a/1", "b/2/3", "storage-adapter-id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_puts_are_all_readable() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(db_path(&dir)).unwrap();
    let tasks = (0..1000).map(|i| {
        let storage = storage.clone();
        tokio::spawn(async move {
            let k = key(&format!("doc{}/incremental/{i:04}", i % 10));
            storage.put(k, format!("value {i}").into_bytes()).await;
        })
    });
    for result in join_all(tasks).await {
        result.unwrap();
    }
    let all = storage
        .load_range(StorageKey::from_parts(std::iter::empty::<&str>()).unwrap())
        .await;
    assert_eq!(all.len(), 1000);
    assert_eq!(storage.load_range(key("doc3")).await.len(), 100);
    for i in [0, 1, 499, 999] {
        let k = key(&format!("doc{}/incremental/{i:04}", i % 10));
        assert_eq!(
            storage.load(k).await,
            Some(format!("value {i}").into_bytes())
        );
    }
    assert_eq!(storage.health().pending_writes, 0);
}

#[tokio::test]
async fn reopen_after_drop_sees_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    {
        let storage = SqliteStorage::open(&path).unwrap();
        for i in 0..50 {
            storage
                .put(key(&format!("doc/incremental/{i}")), vec![i])
                .await;
        }
        storage.delete(key("doc/incremental/7")).await;
    }
    let storage = SqliteStorage::open(&path).unwrap();
    let all = storage.load_range(key("doc")).await;
    assert_eq!(all.len(), 49);
    assert_eq!(all[&key("doc/incremental/42")], vec![42]);
    assert!(!all.contains_key(&key("doc/incremental/7")));
}

#[tokio::test]
async fn flush_makes_unawaited_writes_durable() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let storage = SqliteStorage::open(&path).unwrap();
    // Queued at call time, even though these futures are never polled.
    for i in 0..20 {
        drop(storage.put(key(&format!("doc/incremental/{i}")), vec![i]));
    }
    storage.flush().await;
    let conn = rusqlite::Connection::open(&path).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM samod_kv", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 20);
}

#[tokio::test]
async fn shares_the_file_with_other_tables() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE townships (id TEXT PRIMARY KEY); INSERT INTO townships VALUES ('t1');",
    )
    .unwrap();
    let storage = SqliteStorage::open(&path).unwrap();
    storage.put(key("doc/x"), vec![1]).await;
    let n: i64 = conn
        .query_row("SELECT count(*) FROM townships", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(storage.path(), path.as_path());
}

/// Puts 1000 values concurrently and returns how many commits that took.
async fn commits_for_1000_puts(group_commit: bool) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let opts = StorageOptions {
        group_commit,
        ..StorageOptions::default()
    };
    let storage = SqliteStorage::open_with(db_path(&dir), opts).unwrap();
    let tasks = (0..1000).map(|i| {
        let storage = storage.clone();
        tokio::spawn(async move {
            storage
                .put(key(&format!("doc/incremental/{i}")), vec![0; 100])
                .await;
        })
    });
    for result in join_all(tasks).await {
        result.unwrap();
    }
    let health = storage.health();
    assert_eq!(health.pending_writes, 0);
    health.commits
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_commit_batches_concurrent_puts() {
    let commits = commits_for_1000_puts(true).await;
    println!("1000 concurrent puts, group commit: {commits} commits");
    assert!(commits >= 2, "the first put is committed alone: {commits}");
    assert!(
        commits < 100,
        "group commit did not group: {commits} commits"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_group_commit_each_put_commits() {
    assert_eq!(commits_for_1000_puts(false).await, 1000);
}

#[tokio::test]
async fn dropping_the_last_handle_still_commits_queued_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let storage = SqliteStorage::open(&path).unwrap();
    for i in 0..100 {
        drop(storage.put(key(&format!("doc/incremental/{i}")), vec![i]));
    }
    drop(storage);
    // The writer drains in the background; wait (bounded) for it.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let n: i64 = conn
            .query_row("SELECT count(*) FROM samod_kv", [], |r| r.get(0))
            .unwrap();
        if n == 100 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "only {n} of 100 committed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
