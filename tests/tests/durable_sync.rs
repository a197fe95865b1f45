//! What "synced" promises while the server's storage fails (issue 11,
//! items 1 and 2), through the real `county-server` binary, with a SQLite
//! trigger on `samod_kv` breaking its storage from the side:
//!
//! - new connections are refused with a 503 that says why, the client
//!   (library and `qunjian sync`) reports it, and after kill -9 and a
//!   restart with the disk mended the device still holds its change and
//!   syncs it;
//! - SIGTERM while the disk fails ends within `--stop-timeout`, non-zero,
//!   naming how many writes were not stored;
//! - a connected device is never told its change is there while storage
//!   fails, and once `wait_synced` returns the change is in the server's
//!   file (the server holds each reply until then: `doc_sync/hold.rs`).

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::broken_disk::{BREAK, MEND, holds, on_disk, side, wait_for_failing_write};
use common::*;
use qunjian_client::{ClientError, Replica};

const CODE: &str = "330825201";
const NAME: &str = "詹家镇";
const CLI: &str = env!("CARGO_BIN_EXE_qunjian-cli");

/// A server whose storage is broken from the side, a replica connected to
/// it, and a change of the replica's that the server received and is
/// failing to write.
struct Broken {
    scratch: Scratch,
    data: std::path::PathBuf,
    url: String,
    token: String,
    port: u16,
    server: ServerProcess,
    replica: Replica,
    side: rusqlite::Connection,
    ours: Vec<String>,
}

async fn broken_with_a_change() -> Broken {
    init_tracing();
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let url = add_township(&data, CODE, NAME);
    let token = township_token(&data, CODE);
    let port = free_port();
    let server = ServerProcess::start(&data, port);
    let base = server.http();
    let replica =
        connected_replica(&scratch.replica_file("a"), &server.sync_url(), &url, &token).await;

    let side = side(&data);
    side.execute_batch(BREAK).expect("break the disk");
    let doc = replica.township(&url).await.expect("doc");
    set_unit_field(&doc, "u1", "name", "写入失败时不算已同步");
    let ours = doc.heads();

    // The server received the change (it is trying to write it).

    let body = wait_for_failing_write(&base).await;
    assert!(
        body["storage_error"]
            .as_str()
            .unwrap_or("")
            .contains("disk on fire"),
        "{body}"
    );
    Broken {
        scratch,
        data,
        url,
        token,
        port,
        server,
        replica,
        side,
        ours,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_storage_fails_new_connections_hear_why_and_nothing_is_lost_over_a_restart() {
    let Broken {
        scratch,
        data,
        url,
        token,
        port,
        server,
        replica,
        side,
        ours,
    } = broken_with_a_change().await;
    // A new connection is turned away with the reason, and the client says it.
    let other = Replica::open_with_token(scratch.replica_file("b"), &token)
        .await
        .expect("open replica b");
    other.connect(&server.sync_url()).expect("connect b");
    match other.wait_synced(&url, Duration::from_secs(20)).await {
        Err(ClientError::ServerStorageFailing(message)) => {
            assert!(message.contains("服务器存储写入失败"), "{message}");
        }
        other => panic!("expected the storage refusal, got {other:?}"),
    }
    assert!(other.server_trouble().is_some());
    other.close().await;
    let cli = Command::new(CLI)
        .arg("--replica")
        .arg(scratch.replica_file("c"))
        .args(["sync", "--server", &server.sync_url(), "--timeout", "20"])
        .env("QUNJIAN_TOKEN", &token)
        .env_remove("QUNJIAN_DOC")
        .env_remove("QUNJIAN_SERVER")
        .env_remove("QUNJIAN_CA_FILE")
        .output()
        .expect("run qunjian sync");
    let stdout = String::from_utf8_lossy(&cli.stdout);
    let stderr = String::from_utf8_lossy(&cli.stderr);
    assert!(!cli.status.success(), "qunjian sync succeeded: {stdout}");
    assert!(!stdout.contains("已同步"), "{stdout}");
    assert!(stderr.contains("服务器存储故障"), "{stderr}");

    // Lose the process and whatever it had queued; mend the disk; restart.
    server.kill();
    side.execute_batch(MEND).expect("mend the disk");
    assert!(!holds(&on_disk(&side, &url), &ours));
    let server = ServerProcess::start(&data, port);
    // The device still had the change, and syncs it now.
    replica
        .wait_synced(&url, Duration::from_secs(30))
        .await
        .expect("syncs with the restarted server");
    assert!(holds(&on_disk(&side, &url), &ours));
    assert_eq!(
        server.document(CODE).await.document["units"]["u1"]["name"],
        "写入失败时不算已同步"
    );
    replica.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_the_server_cannot_store_is_never_acknowledged() {
    let Broken {
        scratch: _scratch,
        data: _data,
        url,
        token: _token,
        port: _port,
        server: _server,
        replica,
        side,
        ours,
    } = broken_with_a_change().await;
    // The server is trying to write the change ...
    // ... and does not say it has it.
    match replica.wait_synced(&url, Duration::from_secs(3)).await {
        Err(ClientError::SyncTimeout(status)) => {
            assert!(status.connected, "{status}");
            assert!(!status.server_has_ours, "{status}");
        }
        other => panic!("synced while the server cannot store the change: {other:?}"),
    }
    assert!(!holds(&on_disk(&side, &url), &ours));

    // The rest (the refusal of new connections, kill -9, the restart) is
    // `while_storage_fails_new_connections_hear_why_…` above.
    replica.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_wait_synced_returns_the_change_is_in_the_servers_file() {
    init_tracing();
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let url = add_township(&data, CODE, NAME);
    let token = township_token(&data, CODE);
    let port = free_port();
    let server = ServerProcess::start(&data, port);
    let replica =
        connected_replica(&scratch.replica_file("a"), &server.sync_url(), &url, &token).await;
    let side = side(&data);
    let doc = replica.township(&url).await.expect("doc");

    // Many rounds, each read right after `wait_synced` returns: without the
    // hold the reply could overtake the commit in any of them.
    for i in 0..30 {
        set_unit_field(&doc, &format!("u{i}"), "name", &format!("第{i}次"));
        let status = replica
            .wait_synced(&url, Duration::from_secs(20))
            .await
            .expect("synced");
        assert!(
            holds(&on_disk(&side, &url), &status.local_heads),
            "round {i}: wait_synced returned before the server's file held the change"
        );
    }
    let ours = doc.heads();

    server.kill();
    let server = ServerProcess::start(&data, port);
    let snapshot = server.document(CODE).await;
    assert_eq!(snapshot.heads, ours);
    assert_eq!(snapshot.document["units"]["u29"]["name"], "第29次");
    replica.close().await;
}

/// `text` without terminal colour codes (`ESC [ ... m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Start `serve` with `--stop-timeout 2`, its stderr in `log`.
fn start_logged(data_dir: &Path, log: &Path) -> (Child, String) {
    use std::io::{BufRead, BufReader};
    let stderr = std::fs::File::create(log).expect("create log");
    let mut child = Command::new(SERVER_BIN)
        .args(["serve", "--data-dir"])
        .arg(data_dir)
        .args(["--listen", "127.0.0.1:0", "--stop-timeout", "2"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start county-server");
    let stdout = child.stdout.take().expect("server stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the server's first line");
    (child, listening_address(&line).to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_the_disk_fails_ends_within_the_stop_timeout_and_says_what_was_lost() {
    init_tracing();
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let url = add_township(&data, CODE, NAME);
    let token = township_token(&data, CODE);
    let log = scratch.replica_file("server-log");
    let (mut child, addr) = start_logged(&data, &log);
    let replica = connected_replica(
        &scratch.replica_file("a"),
        &format!("ws://{addr}/sync"),
        &url,
        &token,
    )
    .await;

    let side = side(&data);
    side.execute_batch(BREAK).expect("break the disk");
    let doc = replica.township(&url).await.expect("doc");
    set_unit_field(&doc, "u1", "name", "停机时写不进去");
    wait_for_failing_write(&format!("http://{addr}")).await;

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -TERM failed");
    let sent = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait for server") {
            break exit;
        }
        if sent.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not exit within 20 s of SIGTERM (--stop-timeout 2)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = strip_ansi(&std::fs::read_to_string(&log).expect("read the server's log"));
    assert!(
        !exit.success(),
        "exit {exit:?} after an incomplete stop; log:\n{stderr}"
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("ERROR") && l.contains("pending=") && !l.contains("pending=0")),
        "no error line naming the unwritten writes:\n{stderr}"
    );
    assert!(stderr.contains("write(s) not durable"), "{stderr}");
    replica.close().await;
}
