//! The sync core end to end: real county server processes on loopback
//! ports, real replicas on their own SQLite files, real WebSockets.

mod common;

use std::time::Duration;

use automerge::{ROOT, ReadDoc};
use common::*;
use qunjian_client::{Backoff, Replica, Township};

const SYNC_TIMEOUT: Duration = Duration::from_secs(30);

/// Wait (bounded) until every replica and the server hold the same heads.
async fn converge(
    server: &ServerProcess,
    code: &str,
    url: &str,
    replicas: &[&Replica],
) -> Vec<String> {
    let heads = async || server.document(code).await.heads;
    converge_with(
        heads,
        url,
        replicas,
        SYNC_TIMEOUT,
        Duration::from_millis(50),
    )
    .await
}

/// The text at units/<unit>/<field>, if any.
fn unit_field(doc: &Township, unit: &str, field: &str) -> Option<String> {
    let json = doc.to_json();
    json["units"][unit][field].as_str().map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_edits_on_two_replicas_merge_everywhere() {
    init_tracing();
    let scratch = Scratch::new();
    let url = add_township(&scratch.data_dir(), "330825101", "城关镇");
    let token = township_token(&scratch.data_dir(), "330825101");
    let server = ServerProcess::start(&scratch.data_dir(), 0);

    let a = connected_replica(&scratch.replica_file("a"), &server.sync_url(), &url, &token).await;
    let b = connected_replica(&scratch.replica_file("b"), &server.sync_url(), &url, &token).await;
    // The unit both devices will edit exists before they part: a map created
    // twice concurrently would be two maps, one hidden behind the other.
    set_unit_field(
        &a.township(&url).await.expect("doc"),
        "shared",
        "name",
        "共同单位",
    );
    converge(&server, "330825101", &url, &[&a, &b]).await;
    a.disconnect();
    b.disconnect();

    let doc_a = a.township(&url).await.expect("doc a");
    let doc_b = b.township(&url).await.expect("doc b");
    for i in 0..100 {
        set_unit_field(&doc_a, &format!("a-{i:03}"), "name", &format!("村A{i}"));
        set_unit_field(&doc_b, &format!("b-{i:03}"), "name", &format!("村B{i}"));
        // Ten keys both devices write while apart: a real conflict.
        set_unit_field(&doc_a, "shared", &format!("k{}", i % 10), &format!("A{i}"));
        set_unit_field(&doc_b, "shared", &format!("k{}", i % 10), &format!("B{i}"));
    }
    assert!(!a.sync_status(&url).await.expect("status").connected);

    a.connect(&server.sync_url()).expect("reconnect a");
    b.connect(&server.sync_url()).expect("reconnect b");
    let heads = converge(&server, "330825101", &url, &[&a, &b]).await;
    assert!(!heads.is_empty());

    let json_a = doc_a.to_json();
    let json_b = doc_b.to_json();
    let json_server = server.document("330825101").await.document;
    assert_eq!(json_a, json_b);
    assert_eq!(json_a, json_server);
    let units = json_a["units"].as_object().expect("units map");
    assert_eq!(units.len(), 201, "100 + 100 units and the shared one");
    assert_eq!(
        unit_field(&doc_a, "a-042", "name").as_deref(),
        Some("村A42")
    );
    assert_eq!(
        unit_field(&doc_b, "b-099", "name").as_deref(),
        Some("村B99")
    );
    for k in 0..10 {
        let v = unit_field(&doc_a, "shared", &format!("k{k}")).expect("shared key");
        assert!(
            v == format!("A{}", 90 + k) || v == format!("B{}", 90 + k),
            "k{k} = {v}"
        );
    }
    // Both values of a concurrent write survive as a conflict, not a loss.
    let conflicting = doc_a.read(|d| {
        let units = d.get(ROOT, "units").unwrap().unwrap().1;
        let shared = d.get(&units, "shared").unwrap().unwrap().1;
        d.get_all(&shared, "k3").unwrap().len()
    });
    assert_eq!(conflicting, 2);
    a.close().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_keeps_every_change_a_replica_saw_synced() {
    init_tracing();
    let scratch = Scratch::new();
    let url = add_township(&scratch.data_dir(), "330825102", "湖镇镇");
    let token = township_token(&scratch.data_dir(), "330825102");
    let server = ServerProcess::start(&scratch.data_dir(), 0);

    let a = connected_replica(&scratch.replica_file("a"), &server.sync_url(), &url, &token).await;
    let doc_a = a.township(&url).await.expect("doc");
    for i in 0..50 {
        set_unit_field(&doc_a, &format!("u-{i}"), "name", &format!("单位{i}"));
    }
    let synced = a.wait_synced(&url, SYNC_TIMEOUT).await.expect("synced");
    let synced_json = doc_a.to_json();
    server.kill();
    a.close().await;

    let server = ServerProcess::start(&scratch.data_dir(), 0);
    let fresh = connected_replica(
        &scratch.replica_file("fresh"),
        &server.sync_url(),
        &url,
        &token,
    )
    .await;
    let doc_fresh = fresh.township(&url).await.expect("doc");
    assert_eq!(doc_fresh.heads(), synced.local_heads);
    assert_eq!(doc_fresh.to_json(), synced_json);
    assert_eq!(server.document("330825102").await.heads, synced.local_heads);
    fresh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reopened_replica_sends_its_offline_edits_when_the_server_returns() {
    init_tracing();
    let scratch = Scratch::new();
    let url = add_township(&scratch.data_dir(), "330825103", "小南海镇");
    let token = township_token(&scratch.data_dir(), "330825103");
    let port = free_port();
    let server = ServerProcess::start(&scratch.data_dir(), port);
    let sync_url = server.sync_url();

    let a = connected_replica(&scratch.replica_file("a"), &sync_url, &url, &token).await;
    server.kill();
    let doc_a = a.township(&url).await.expect("doc");
    set_unit_field(&doc_a, "u-offline", "name", "离线时录入");
    let offline_heads = doc_a.heads();
    a.close().await;

    // Reopened from its file, still offline: the edit is there.
    let a = Replica::open_with_token(scratch.replica_file("a"), &token)
        .await
        .expect("reopen");
    let doc_a = a.township(&url).await.expect("doc from the local file");
    assert_eq!(doc_a.heads(), offline_heads);
    assert_eq!(
        unit_field(&doc_a, "u-offline", "name").as_deref(),
        Some("离线时录入")
    );
    a.connect_with(&sync_url, fast_backoff()).expect("connect");
    assert!(!a.sync_status(&url).await.expect("status").is_synced());

    let server = ServerProcess::start(&scratch.data_dir(), port);
    let status = a
        .wait_synced(&url, SYNC_TIMEOUT)
        .await
        .expect("synced after return");
    assert_eq!(status.local_heads, offline_heads);
    let on_server = server.document("330825103").await;
    assert_eq!(on_server.heads, offline_heads);
    assert_eq!(
        on_server.document["units"]["u-offline"]["name"],
        "离线时录入"
    );
    a.close().await;
}

fn fast_backoff() -> Backoff {
    Backoff {
        initial: Duration::from_millis(100),
        max: Duration::from_secs(1),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_started_before_the_server_syncs_once_it_comes_up() {
    init_tracing();
    let scratch = Scratch::new();
    let url = add_township(&scratch.data_dir(), "330825104", "塔石镇");
    let token = township_token(&scratch.data_dir(), "330825104");
    let port = free_port();

    // First sync so the replica has the document, then the server goes away.
    let server = ServerProcess::start(&scratch.data_dir(), port);
    let first =
        connected_replica(&scratch.replica_file("a"), &server.sync_url(), &url, &token).await;
    first.close().await;
    server.kill();

    let a = Replica::open_with_token(scratch.replica_file("a"), &token)
        .await
        .expect("open");
    a.connect_with(&format!("ws://127.0.0.1:{port}/sync"), fast_backoff())
        .expect("connect to a server that is down");
    let doc_a = a
        .township(&url)
        .await
        .expect("local doc while the server is down");
    for i in 0..10 {
        set_unit_field(&doc_a, &format!("u-{i}"), "name", &format!("停机时{i}"));
    }
    // Not a wait for an event: the server stays down a while, so the dialer
    // fails and backs off before it comes up (that is what is tested).
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!a.is_connected());

    // The server starts; the test makes no call to the replica but waiting.
    let server = ServerProcess::start(&scratch.data_dir(), port);
    let status = a
        .wait_synced(&url, SYNC_TIMEOUT)
        .await
        .expect("synced by itself");
    assert!(status.connected);
    assert_eq!(server.document("330825104").await.heads, doc_a.heads());
    a.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_a_township_code_twice_fails_and_creates_nothing() {
    let scratch = Scratch::new();
    let url = add_township(&scratch.data_dir(), "330825105", "沐尘畲族乡");
    let again = township_add(&scratch.data_dir(), "330825105", "另一个名字");
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains("330825105") && stderr.contains("已存在"),
        "stderr: {stderr}"
    );
    assert!(
        stderr.contains(&url),
        "the message names the existing document: {stderr}"
    );
    assert!(again.stdout.is_empty());

    let server = ServerProcess::start(&scratch.data_dir(), 0);
    let townships = server.townships().await;
    assert_eq!(townships.len(), 1);
    assert_eq!(townships[0].name, "沐尘畲族乡");
    assert_eq!(townships[0].document_url, url);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_township_added_while_the_server_runs_is_served_and_tracked() {
    init_tracing();
    let scratch = Scratch::new();
    let server = ServerProcess::start(&scratch.data_dir(), 0);
    assert!(server.townships().await.is_empty());

    let url = add_township(&scratch.data_dir(), "330825106", "大街乡");

    let token = township_token(&scratch.data_dir(), "330825106");
    let listed = server.townships().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].document_url, url);
    assert_eq!(listed[0].last_change_at, None);

    let a = connected_replica(&scratch.replica_file("a"), &server.sync_url(), &url, &token).await;
    let doc_a = a.township(&url).await.expect("doc");
    assert_eq!(doc_a.to_json()["meta"]["township_name"], "大街乡");
    set_unit_field(&doc_a, "u-1", "name", "新村");
    a.wait_synced(&url, SYNC_TIMEOUT).await.expect("synced");

    // The time of the last change shows up without a restart (bounded wait).
    eventually(
        Duration::from_secs(15),
        "last_change_at is set",
        async || {
            let listed = server.townships().await;
            if listed[0].last_change_at.is_some() {
                Ok(())
            } else {
                Err(listed)
            }
        },
    )
    .await;
    a.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_server_cleanly_and_health_reports_connections() {
    init_tracing();
    let scratch = Scratch::new();
    let url = add_township(&scratch.data_dir(), "330825107", "横山镇");
    let token = township_token(&scratch.data_dir(), "330825107");
    let server = ServerProcess::start(&scratch.data_dir(), 0);
    let a = connected_replica(&scratch.replica_file("a"), &server.sync_url(), &url, &token).await;

    let health: serde_json::Value = get_json(&format!("{}/healthz", server.http())).await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["storage_ok"], true);
    assert_eq!(health["connections"], 1);

    let status = server.terminate();
    assert!(status.success(), "exit status {status}");
    a.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_townships_and_bad_urls_get_clear_errors() {
    let scratch = Scratch::new();
    let server = ServerProcess::start(&scratch.data_dir(), 0);
    let response = get_as(
        &format!("{}/api/townships/nope/document", server.http()),
        &server.admin_token(),
    )
    .await;
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.expect("json");
    assert!(body["error"].as_str().unwrap_or("").contains("nope"));

    let replica = Replica::open(scratch.replica_file("a"))
        .await
        .expect("open");
    let err = replica.connect("http://example").unwrap_err();
    assert!(err.to_string().contains("ws://"), "{err}");
    let err = replica.township("not-a-url").await.unwrap_err();
    assert!(err.to_string().contains("automerge:"), "{err}");
    replica.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ephemeral_messages_pass_between_devices_and_keep_both_connected() {
    // Presence and cursors travel as ephemeral messages, which samod
    // relays under their author's senderId (gossip); the server's
    // per-message checks must pass them both ways and keep both devices on.
    // (The fuzz test, with more peers, is what caught a relayed one being
    // taken for impersonation.)
    init_tracing();
    let scratch = Scratch::new();
    let url = add_township(&scratch.data_dir(), "330825108", "罗家乡");
    let token_a = township_token(&scratch.data_dir(), "330825108");
    let token_b = township_token(&scratch.data_dir(), "330825108");
    let server = ServerProcess::start(&scratch.data_dir(), 0);
    let a = connected_replica(
        &scratch.replica_file("a"),
        &server.sync_url(),
        &url,
        &token_a,
    )
    .await;
    let b = connected_replica(
        &scratch.replica_file("b"),
        &server.sync_url(),
        &url,
        &token_b,
    )
    .await;
    let id = url
        .parse::<samod::AutomergeUrl>()
        .expect("url")
        .document_id()
        .clone();
    let on_a = a
        .repo()
        .find(id.clone())
        .await
        .expect("a")
        .expect("a has it");
    let on_b = b.repo().find(id).await.expect("b").expect("b has it");
    let mut b_hears = Box::pin(on_b.ephemera());
    let mut a_hears = Box::pin(on_a.ephemera());
    for i in 0..20u8 {
        on_a.broadcast(vec![i]);
        on_b.broadcast(vec![100 + i]);
    }
    // Each hears all twenty of the other's: the server passed every one
    // (a refused one would have closed that connection and lost the rest).
    for (hears, from, who) in [
        (&mut b_hears, 0u8, "b hears all of a's presence"),
        (&mut a_hears, 100u8, "a hears all of b's presence"),
    ] {
        let mut heard = std::collections::BTreeSet::new();
        tokio::time::timeout(Duration::from_secs(10), async {
            while heard.len() < 20 {
                let message = futures::StreamExt::next(&mut *hears)
                    .await
                    .expect("stream open");
                if let [n] = message[..]
                    && (from..from + 20).contains(&n)
                {
                    heard.insert(n);
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{who}: heard only {heard:?}"));
    }
    assert!(a.is_connected() && b.is_connected());
    let doc_a = a.township(&url).await.expect("doc");
    set_unit_field(&doc_a, "u-1", "name", "在线");
    converge(&server, "330825108", &url, &[&a, &b]).await;
    a.close().await;
    b.close().await;
}
