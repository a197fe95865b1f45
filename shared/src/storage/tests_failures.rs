//! What happens when SQLite says no: a failing commit is retried and
//! reported but never dropped, a failing read is reported and answered
//! "not found", bad rows are skipped, and opening a bad file says why.

use std::time::{Duration, Instant};

use samod::storage::Storage;

use super::tests::{db_path, key};
use super::{SqliteStorage, StorageError, StorageOptions};

fn admin(path: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_write_is_retried_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let storage = SqliteStorage::open(&path).unwrap();
    storage.put(key("ok/1"), b"1".to_vec()).await;

    let admin = admin(&path);
    admin
        .execute_batch(
            "CREATE TRIGGER fail_puts BEFORE INSERT ON samod_kv WHEN NEW.key LIKE 'fail/%' \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();

    let handle = storage.clone();
    let put = tokio::spawn(async move { handle.put(key("fail/x"), b"x".to_vec()).await });

    let deadline = Instant::now() + Duration::from_secs(5);
    let health = loop {
        let health = storage.health();
        let injected = health
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("injected"));
        if !health.ok && injected {
            break health;
        }
        assert!(
            Instant::now() < deadline,
            "failure never reported: {health:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(health.failed_attempts >= 1, "{health:?}");
    assert_eq!(health.pending_writes, 1, "{health:?}");
    let json = serde_json::to_value(&health).unwrap();
    assert_eq!(json["ok"], false);

    // Let it retry a few times: still failing, still not resolved.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!put.is_finished(), "a failed write must not resolve");
    assert!(storage.health().failed_attempts >= 2);

    admin.execute_batch("DROP TRIGGER fail_puts").unwrap();
    tokio::time::timeout(Duration::from_secs(10), put)
        .await
        .expect("the retried put resolves once the failure is gone")
        .unwrap();
    assert_eq!(storage.load(key("fail/x")).await, Some(b"x".to_vec()));
    let health = storage.health();
    assert!(health.ok, "{health:?}");
    assert_eq!(health.failed_attempts, 0);
    assert_eq!(health.pending_writes, 0);
}

#[tokio::test]
async fn failing_read_is_reported_and_answered_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let storage = SqliteStorage::open(&path).unwrap();
    storage.put(key("doc/a"), vec![1]).await;
    admin(&path).execute_batch("DROP TABLE samod_kv").unwrap();

    assert_eq!(storage.load(key("doc/a")).await, None);
    assert!(storage.load_range(key("doc")).await.is_empty());
    let health = storage.health();
    assert_eq!(health.read_errors, 2, "{health:?}");
    assert!(health.ok, "read failures do not mark writes unhealthy");
    assert!(health.last_error.unwrap().contains("no such table"));
}

#[tokio::test]
async fn unparseable_rows_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let storage = SqliteStorage::open(&path).unwrap();
    storage.put(key("doc/good"), vec![1]).await;
    admin(&path)
        .execute_batch(
            "INSERT INTO samod_kv VALUES ('doc//bad', x'00'), ('doc/', x'00'), (7, x'00'), \
             ('doc/text', 'as text');",
        )
        .unwrap();
    let range = storage.load_range(key("doc")).await;
    let mut found: Vec<String> = range.keys().map(|k| k.to_string()).collect();
    found.sort();
    assert_eq!(found, ["doc/good", "doc/text"]);
    assert_eq!(range[&key("doc/text")], b"as text");
    assert_eq!(storage.health().read_errors, 0);
}

#[test]
fn opening_a_file_that_is_not_sqlite_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    std::fs::write(&path, vec![b'x'; 4096]).unwrap();
    let err = SqliteStorage::open(&path).unwrap_err();
    assert!(matches!(err, StorageError::NotADatabase { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("not a SQLite database"), "{message}");
    assert!(message.contains("qunjian.db"), "{message}");
}

#[test]
fn opening_creates_missing_directories() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/c/qunjian.db");
    let storage = SqliteStorage::open_with(&path, StorageOptions::default()).unwrap();
    assert!(path.exists());
    assert!(storage.health().ok);
}

#[test]
fn opening_where_a_directory_cannot_be_created_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"").unwrap();
    let err = SqliteStorage::open(blocker.join("sub/qunjian.db")).unwrap_err();
    assert!(matches!(err, StorageError::CreateDir { .. }), "{err:?}");
    assert!(err.to_string().contains("file/sub"), "{err}");
}

#[test]
fn opening_a_directory_as_the_database_fails() {
    let dir = tempfile::tempdir().unwrap();
    let err = SqliteStorage::open(dir.path()).unwrap_err();
    assert!(matches!(err, StorageError::Open { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_observer_hears_every_commit_and_every_failed_attempt() {
    use super::{CommitAttempt, CommitObserver};
    use std::sync::{Arc, Mutex};

    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let heard = Arc::new(Mutex::new(Vec::new()));
    let sink = heard.clone();
    let opts = StorageOptions {
        on_commit: Some(CommitObserver::new(move |a| sink.lock().unwrap().push(a))),
        ..StorageOptions::default()
    };
    let storage = SqliteStorage::open_with(&path, opts).unwrap();
    storage.put(key("ok/1"), b"1".to_vec()).await;
    storage.delete(key("ok/1")).await;
    let writes: usize = heard
        .lock()
        .unwrap()
        .iter()
        .map(|a| match a {
            CommitAttempt::Committed { writes, .. } => *writes,
            CommitAttempt::Failed { .. } => panic!("nothing failed yet: {a:?}"),
        })
        .sum();
    assert_eq!(writes, 2, "a put and a delete, committed");

    let admin = admin(&path);
    admin
        .execute_batch(
            "CREATE TRIGGER fail_puts BEFORE INSERT ON samod_kv \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();
    let handle = storage.clone();
    let put = tokio::spawn(async move { handle.put(key("fail/x"), b"x".to_vec()).await });
    let deadline = Instant::now() + Duration::from_secs(5);
    while !heard
        .lock()
        .unwrap()
        .iter()
        .any(|a| matches!(a, CommitAttempt::Failed { writes: 1, .. }))
    {
        assert!(Instant::now() < deadline, "no failed attempt heard");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    admin.execute_batch("DROP TRIGGER fail_puts").unwrap();
    tokio::time::timeout(Duration::from_secs(10), put)
        .await
        .expect("resolves once the failure is gone")
        .unwrap();
    assert!(matches!(
        heard.lock().unwrap().last(),
        Some(CommitAttempt::Committed { writes: 1, .. })
    ));
}
