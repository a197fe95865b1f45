//! Guards the samod-core patch (vendor/README.md): edits append small
//! incremental rows instead of re-saving the whole document every tenth
//! edit, and opening a document does not write it again.

use automerge::ROOT;
use automerge::transaction::Transactable;
use qunjian_client::Replica;
use qunjian_shared::{TownshipKind, TownshipMeta};

/// (snapshot rows, incremental rows, bytes) in a replica file.
fn rows(path: &std::path::Path) -> (usize, usize, usize) {
    let conn = rusqlite::Connection::open(path).expect("open db");
    let count = |kind: &str| -> (usize, usize) {
        conn.query_row(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(value)), 0) FROM samod_kv WHERE key LIKE ?1",
            [format!("%/{kind}/%")],
            |r| Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? as usize)),
        )
        .expect("count rows")
    };
    let (snapshots, snapshot_bytes) = count("snapshot");
    let (incrementals, incremental_bytes) = count("incremental");
    (snapshots, incrementals, snapshot_bytes + incremental_bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_append_small_rows_and_opening_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("replica.db");
    let replica = Replica::open(&path).await.expect("open");
    let meta = TownshipMeta::new("330825601", "溪口镇", TownshipKind::Zhen, "").expect("meta");
    let handle = replica
        .repo()
        .create(meta.new_document().expect("doc"))
        .await
        .expect("create");
    let url = handle.url().to_string();
    let township = replica.township(&url).await.expect("township");
    for i in 0..200 {
        township
            .transact("edit", |tx| tx.put(ROOT, "counter", i as i64))
            .expect("edit");
        // Not a wait for an event: an app's pace, so samod sees each write finish.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    replica.close().await;
    let (snapshots, incrementals, _) = rows(&path);
    assert!(
        snapshots <= 1,
        "{snapshots} snapshots: compaction by count is back"
    );
    assert!(incrementals >= 150, "only {incrementals} incremental rows");

    let before = rows(&path);
    let replica = Replica::open(&path).await.expect("reopen");
    let township = replica.township(&url).await.expect("township");
    assert_eq!(township.read(|d| d.get_heads().len()), 1);
    replica.close().await;
    assert_eq!(rows(&path), before, "opening the document wrote to storage");
}
