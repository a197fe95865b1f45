//! When the county server cannot write to SQLite, it says so on /healthz
//! (503) and keeps the change queued; once the disk recovers, the change is
//! written and nothing was lost. The server runs in-process here so the test
//! can break its database from the side with a trigger.

mod common;

use std::time::Duration;

use automerge::ROOT;
use automerge::transaction::Transactable;
use common::broken_disk::{BREAK, MEND, healthz};
use common::*;
use qunjian_server::{ServeConfig, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_writes_show_on_healthz_and_are_written_once_the_disk_recovers() {
    init_tracing();
    let scratch = Scratch::new();
    let url = add_township(&scratch.data_dir(), "330825201", "詹家镇");
    let token = township_token(&scratch.data_dir(), "330825201");
    let server = start(ServeConfig {
        data_dir: scratch.data_dir(),
        listen: "127.0.0.1:0".parse().expect("addr"),
        rules: Default::default(),
        limits: Default::default(),
        stop_timeout: Duration::from_secs(30),
        allow_origins: Default::default(),
        backups: None,
        metrics_listen: None,
    })
    .await
    .expect("server starts");
    let base = format!("http://{}", server.addr);
    assert_eq!(healthz(&base).await.0, 200);

    let replica =
        connected_replica(&scratch.replica_file("a"), &server.sync_url(), &url, &token).await;
    let side = rusqlite::Connection::open(scratch.data_dir().join("qunjian.db")).expect("open db");
    side.busy_timeout(Duration::from_secs(10))
        .expect("busy timeout");
    side.execute_batch(BREAK).expect("break the disk");

    let doc = replica.township(&url).await.expect("doc");
    doc.transact("note", |tx| tx.put(ROOT, "note", "写入失败时也不丢"))
        .expect("edit");

    let body = eventually(Duration::from_secs(15), "healthz turns 503", async || {
        let (status, body) = healthz(&base).await;
        if status == 503 { Ok(body) } else { Err(body) }
    })
    .await;
    assert_eq!(body["storage_ok"], false);
    assert_eq!(body["status"], "degraded");
    assert!(
        body["storage_error"]
            .as_str()
            .unwrap_or("")
            .contains("disk on fire"),
        "{body}"
    );
    assert!(body["pending_writes"].as_u64().unwrap_or(0) >= 1, "{body}");

    side.execute_batch(MEND).expect("mend the disk");
    eventually(Duration::from_secs(15), "healthz recovers", async || {
        let (status, body) = healthz(&base).await;
        if status == 200 && body["pending_writes"] == 0 {
            Ok(())
        } else {
            Err(body)
        }
    })
    .await;
    replica.close().await;
    server.stop().await.expect("everything durable at stop");

    // A restarted server has the change: it was retried, not dropped.
    let server = ServerProcess::start(&scratch.data_dir(), 0);
    assert_eq!(
        server.document("330825201").await.document["note"],
        "写入失败时也不丢"
    );
}
