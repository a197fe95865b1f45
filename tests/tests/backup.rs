//! Backup, restore and verify (issue 16) through the real `county-server`
//! binary on loopback:
//!
//! - a backup taken while a device keeps editing holds every change the
//!   server acknowledged before it began; restored into a new directory
//!   (a non-empty one is refused), it serves again, devices resend what
//!   they made after it, and everything converges; a token revoked after
//!   the backup is listed and revoked again with `--revoke`;
//! - `verify` passes a good backup and fails a truncated, a foreign and a
//!   damaged one, saying why; `restore` refuses a damaged one;
//! - `serve --backup-dir` writes backups on its timer and keeps the newest
//!   N, and a backup that fails does not stop sync.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::broken_disk::{holds, on_disk};
use common::*;
use qunjian_client::{Backoff, Replica};
use qunjian_shared::api::{DocumentSnapshot, TokenInfo};

const CODE: &str = "330825101";
const NAME: &str = "城关镇";
/// Edits the busy device makes, before, during and after the backup.
const EDITS: usize = 60;

/// `qunjian-server token create --role township --label L`: the token.
fn labelled_token(data: &Path, label: &str) -> String {
    let out = admin_cli(
        data,
        &[
            "token",
            "create",
            "--role",
            "township",
            "--township",
            CODE,
            "--label",
            label,
        ],
    );
    assert!(out.status.success(), "token create: {}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

/// A device that retries quickly once its server is back.
async fn device(path: &Path, sync_url: &str, url: &str, token: &str) -> Replica {
    let replica = Replica::open_with_token(path, token)
        .await
        .expect("open replica");
    replica
        .connect_with(
            sync_url,
            Backoff {
                initial: Duration::from_millis(100),
                max: Duration::from_secs(1),
            },
        )
        .expect("connect");
    replica
        .wait_synced(url, Duration::from_secs(20))
        .await
        .expect("first sync");
    replica
}

/// `qunjian-server verify FILE`.
fn verify(file: &Path) -> Output {
    Command::new(SERVER_BIN)
        .arg("verify")
        .arg(file)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run verify")
}

/// `qunjian-server backup --to FILE --data-dir D`, which must succeed.
fn backup(data: &Path, to: &Path) -> String {
    let out = admin_cli(data, &["backup", "--to", &to.to_string_lossy()]);
    assert!(
        out.status.success(),
        "backup failed: {}{}",
        text(&out.stderr),
        text(&out.stdout)
    );
    text(&out.stdout)
}

async fn server_doc(addr: &str, admin: &str) -> DocumentSnapshot {
    get_json_as(
        &format!("http://{addr}/api/townships/{CODE}/document"),
        admin,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_holds_every_acknowledged_change_and_devices_resend_the_rest() {
    init_tracing();
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let url = add_township(&data, CODE, NAME);
    let token_a = labelled_token(&data, "平板A");
    let token_b = labelled_token(&data, "平板B");
    let lost = labelled_token(&data, "丢失的平板");
    let port = free_port();
    let server = ServerProcess::start(&data, port);
    let admin = server.admin_token();
    let a = device(
        &scratch.replica_file("a"),
        &server.sync_url(),
        &url,
        &token_a,
    )
    .await;
    let b = device(
        &scratch.replica_file("b"),
        &server.sync_url(),
        &url,
        &token_b,
    )
    .await;
    let file = scratch.replica_file("backup-copy");

    // Device A edits and waits for each acknowledgement, while the backup
    // is taken once ten edits are acknowledged.
    let acked: Mutex<Vec<Vec<String>>> = Mutex::new(Vec::new());
    let writing = async {
        let doc = a.township(&url).await.expect("doc");
        for i in 0..EDITS {
            set_unit_field(&doc, &format!("u{i}"), "name", &format!("第{i}次修改"));
            let status = a
                .wait_synced(&url, Duration::from_secs(20))
                .await
                .expect("acknowledged");
            acked.lock().expect("lock").push(status.local_heads);
        }
    };
    let backing_up = async {
        eventually(
            Duration::from_secs(30),
            "ten edits acknowledged",
            async || acked.lock().expect("lock").len() >= 10,
        )
        .await;
        let (before, heads_before) = {
            let acked = acked.lock().expect("lock");
            (acked.len(), acked.last().cloned().expect("an edit"))
        };
        let started = Instant::now();
        let (data, to) = (data.clone(), file.clone());
        let out = tokio::task::spawn_blocking(move || backup(&data, &to))
            .await
            .expect("join");
        let during = acked.lock().expect("lock").len() - before;
        println!(
            "backup took {:?} (process included); {during} edits were acknowledged meanwhile\n{out}",
            started.elapsed()
        );
        (out, heads_before)
    };
    let ((), (out, heads_before)) = tokio::join!(writing, backing_up);
    assert!(out.contains("已备份到"), "{out}");
    assert!(out.contains("1 个乡镇"), "{out}");

    // Every change acknowledged before the backup began is in it.
    let copy =
        rusqlite::Connection::open_with_flags(&file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the backup");
    assert!(
        holds(&on_disk(&copy, &url), &heads_before),
        "the backup lacks a change acknowledged before it began"
    );
    drop(copy);

    // After the backup: B edits, and the lost tablet's token is revoked.
    let b_doc = b.township(&url).await.expect("doc");
    set_unit_field(&b_doc, "after", "name", "备份之后乙的修改");
    b.wait_synced(&url, Duration::from_secs(20))
        .await
        .expect("B synced");
    let out = admin_cli(&data, &["token", "revoke", "丢失的平板"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // The disk is lost with the server.
    server.kill();

    // A directory with files in it is refused, and left as it was.
    let before: BTreeSet<_> = std::fs::read_dir(&data)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    let out = admin_cli(&data, &["restore", &file.to_string_lossy()]);
    assert!(!out.status.success(), "restored over a live data directory");
    assert!(
        text(&out.stderr).contains("不是空的"),
        "{}",
        text(&out.stderr)
    );
    let after: BTreeSet<_> = std::fs::read_dir(&data)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(before, after, "a refused restore touched the directory");

    // Restored into a new directory, revoking the lost tablet again.
    let restored = scratch.data_dir().with_file_name("restored-data");
    let out = admin_cli(
        &restored,
        &["restore", &file.to_string_lossy(), "--revoke", "丢失的平板"],
    );
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "restore: {}{stdout}",
        text(&out.stderr)
    );
    println!("{stdout}");
    for expected in [
        "备份完好",
        "已恢复到",
        "已再次吊销令牌 丢失的平板",
        "平板A",
        "平板B",
        "token revoke",
    ] {
        assert!(stdout.contains(expected), "{expected:?} missing: {stdout}");
    }
    let out = admin_cli(&restored, &["token", "list", "--json"]);
    let tokens: Vec<TokenInfo> = serde_json::from_slice(&out.stdout).expect("token list JSON");
    let revoked = |label: &str| {
        tokens
            .iter()
            .find(|t| t.label == label)
            .unwrap_or_else(|| panic!("no token {label}"))
            .revoked_at
            .is_some()
    };
    assert!(revoked("丢失的平板"));
    assert!(!revoked("平板A") && !revoked("平板B"));

    // The restored server on the same address: the devices resend what
    // the backup lacks, and all converge.
    let server = ServerProcess::start(&restored, port);
    let addr = server.addr.to_string();
    let heads = converge_with(
        async || server_doc(&addr, &admin).await.heads,
        &url,
        &[&a, &b],
        Duration::from_secs(60),
        Duration::from_millis(300),
    )
    .await;
    let doc = server_doc(&addr, &admin).await;
    assert_eq!(doc.heads, heads);
    for i in 0..EDITS {
        assert_eq!(
            doc.document["units"][format!("u{i}")]["name"],
            format!("第{i}次修改"),
            "edit {i}"
        );
    }
    assert_eq!(doc.document["units"]["after"]["name"], "备份之后乙的修改");
    let me = get_as(&format!("http://{addr}/api/me"), &lost).await;
    assert_eq!(
        me.status().as_u16(),
        401,
        "the lost tablet's token opens nothing"
    );
    a.close().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_passes_a_good_backup_and_fails_a_damaged_one_saying_why() {
    init_tracing();
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let url = add_township(&data, CODE, NAME);
    let token = township_token(&data, CODE);
    let server = ServerProcess::start(&data, 0);
    let a = connected_replica(&scratch.replica_file("a"), &server.sync_url(), &url, &token).await;
    let doc = a.township(&url).await.expect("doc");
    set_unit_field(&doc, "u1", "name", "要备份的单位");
    a.wait_synced(&url, Duration::from_secs(20))
        .await
        .expect("synced");
    let good = scratch.replica_file("good");
    backup(&data, &good);

    let out = verify(&good);
    let report = text(&out.stdout);
    println!("{report}");
    assert!(out.status.success(), "{report}{}", text(&out.stderr));
    for expected in [
        "完整性 (integrity)",
        "乡镇 (townships): 1",
        "文档 (documents): 1",
        "修改 (changes)",
        "令牌 (tokens): 2 个有效",
        &format!("乡镇 {CODE} {NAME}：文档可读"),
        "备份完好",
    ] {
        assert!(report.contains(expected), "{expected:?} missing: {report}");
    }

    let bytes = std::fs::read(&good).expect("read the backup");
    let damaged = |name: &str, contents: &[u8]| -> PathBuf {
        let path = scratch.replica_file(name);
        std::fs::write(&path, contents).expect("write");
        path
    };
    // Truncated, as a copy cut short would be.
    let truncated = damaged("truncated", &bytes[..bytes.len() / 2]);
    // Not a database at all.
    let foreign = damaged(
        "foreign",
        "这不是数据库 not a database".repeat(200).as_bytes(),
    );
    // A database whose document chunk is garbage: SQLite finds nothing
    // wrong, the document does not load.
    let garbled = damaged("garbled", &bytes);
    {
        let conn = rusqlite::Connection::open(&garbled).expect("open");
        let id = url.strip_prefix("automerge:").expect("url");
        let changed = conn
            .execute(
                "UPDATE samod_kv SET value = x'856f4a83deadbeef00112233'
                 WHERE key = (SELECT min(key) FROM samod_kv WHERE key LIKE ?1 || '/%')",
                [id],
            )
            .expect("garble");
        assert_eq!(changed, 1);
    }
    let missing = scratch.replica_file("no-such-backup");
    for (file, why) in [
        (&truncated, "damaged"),
        (&foreign, "not a database"),
        (&garbled, CODE),
        (&missing, "no such file"),
    ] {
        let out = verify(file);
        let report = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{}: {report}", file.display());
        assert!(report.contains("备份不可用"), "{report}");
        assert!(report.contains(why), "{why:?} missing: {report}");
        assert!(
            text(&out.stderr).contains("不可用"),
            "{}",
            text(&out.stderr)
        );
        println!("{report}");
    }

    // A damaged backup is not restored, and leaves no directory behind.
    let target = scratch.data_dir().with_file_name("restore-target");
    let out = admin_cli(&target, &["restore", &garbled.to_string_lossy()]);
    assert!(!out.status.success(), "restored a damaged backup");
    assert!(
        text(&out.stderr).contains("未恢复"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !target.exists(),
        "a refused restore left {}",
        target.display()
    );
    a.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_backups_appear_rotate_and_a_failing_one_does_not_stop_sync() {
    init_tracing();
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let url = add_township(&data, CODE, NAME);
    let token = township_token(&data, CODE);
    // A file where the backup directory should be: every backup fails.
    let dir = scratch.data_dir().with_file_name("backups");
    std::fs::write(&dir, b"in the way").expect("file in the way");
    let dir_arg = dir.to_string_lossy().into_owned();
    let server = ServerProcess::start_with(
        &data,
        0,
        &[
            "--backup-dir",
            &dir_arg,
            "--backup-every",
            "1s",
            "--backup-keep",
            "2",
        ],
    );
    let a = connected_replica(&scratch.replica_file("a"), &server.sync_url(), &url, &token).await;
    // Sync goes on while backups fail (the first is due at once).
    let doc = a.township(&url).await.expect("doc");
    for i in 0..3 {
        set_unit_field(&doc, &format!("u{i}"), "name", "备份失败时照常同步");
        a.wait_synced(&url, Duration::from_secs(20))
            .await
            .expect("syncs while backups fail");
    }
    assert!(dir.is_file(), "nothing replaced the file in the way");

    // Out of the way: the next tick writes backups, and only the newest 2 stay.
    std::fs::remove_file(&dir).expect("remove");
    let backups = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|n| n.ends_with(".db"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let mut seen = BTreeSet::new();
    let mut most = 0;
    let kept = eventually(
        Duration::from_secs(60),
        "four backups written, two kept",
        async || {
            let now = backups(&dir);
            most = most.max(now.len());
            seen.extend(now.iter().cloned());
            (seen.len() >= 4 && now.len() == 2).then_some(now)
        },
    )
    .await;
    // The one just written sits beside the two kept until rotation.
    assert!(
        most <= 3,
        "more than --backup-keep + 1 files at once: {most}"
    );
    for name in &kept {
        assert!(
            name.starts_with("qunjian-") && name.ends_with("Z.db"),
            "{name}"
        );
    }
    let newest = dir.join(kept.last().expect("a backup"));
    let out = verify(&newest);
    assert!(
        out.status.success(),
        "a scheduled backup does not verify: {}",
        text(&out.stdout)
    );
    assert!(text(&out.stdout).contains("乡镇 (townships): 1"));
    println!("{} backups written; kept {kept:?}", seen.len());
    a.close().await;
    assert!(server.terminate().success(), "serve stops cleanly");
}
