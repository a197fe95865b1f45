//! Fixes to the township tool `qunjian`, each through the real binary
//! against a real server: an edit that cannot be stored fails at once, `org
//! set --not-formed` really un-forms, the replica remembers its document
//! (and a token `qunjian app` kept), another township's token is told so
//! at once, and an error says its cause once.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Run a command, killing it if it has not exited within `within`.
fn run_within(mut cmd: Command, within: Duration) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn qunjian");
    if exit_within(&mut child, within).is_none() {
        let _ = child.kill();
    }
    child.wait_with_output().expect("collect qunjian's output")
}

/// A server with one township, its document URL and a device token.
struct Setup {
    scratch: Scratch,
    server: ServerProcess,
    url: String,
    token: String,
}

fn setup() -> Setup {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let server = ServerProcess::start(&data, 0);
    let url = add_township(&data, "330825101", "城关镇");
    let token = township_token(&data, "330825101");
    Setup {
        scratch,
        server,
        url,
        token,
    }
}

/// A replica that has synced once (it holds the document).
fn synced_replica(s: &Setup, name: &str) -> std::path::PathBuf {
    let replica = s.scratch.replica_file(name);
    let first = qunjian(
        &replica,
        &[("QUNJIAN_TOKEN", &s.token)],
        &["sync", "--server", &s.server.sync_url()],
    );
    assert!(first.status.success(), "{}", text(&first.stderr));
    replica
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_on_an_unwritable_replica_fails_at_once() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;

    let s = setup();
    let replica = synced_replica(&s, "tablet");
    let dir = replica.parent().expect("the replica's directory");
    // Fold the write-ahead log into the file and let the last connection
    // remove it, so the read-only file alone holds the replica (deleting a
    // -wal that still holds commits would corrupt it).
    {
        let conn = rusqlite::Connection::open(&replica).expect("open the replica");
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
    }
    for leftover in ["-wal", "-shm"] {
        let mut p = replica.clone().into_os_string();
        p.push(leftover);
        assert!(
            !Path::new(&p).exists(),
            "{} is still there after the last connection closed",
            Path::new(&p).display()
        );
    }
    std::fs::set_permissions(&replica, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).expect("chmod dir");

    // root writes whatever the mode says: run as nobody then, from a copy
    // of the binary beside the replica, since nobody may not be able to
    // reach the build directory (a checkout under /root).
    // SAFETY: geteuid has no preconditions.
    let as_root = unsafe { libc::geteuid() } == 0;
    let program = if as_root {
        let copy = dir.join("qunjian-copy");
        std::fs::copy(CLI, &copy).expect("copy the CLI");
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755))
            .expect("chmod the copy");
        copy
    } else {
        Path::new(CLI).to_path_buf()
    };
    let mut cmd = qunjian_command_of(
        &program,
        &replica,
        &[("QUNJIAN_DOC", &s.url)],
        &["unit", "add", "--name", "城关村", "--kind", "village"],
    );
    if as_root {
        cmd.uid(65534).gid(65534);
    }
    let started = Instant::now();
    let out = run_within(cmd, Duration::from_secs(30));
    let stderr = text(&out.stderr);
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod dir back");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "it kept trying: {stderr}"
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        text(&out.stdout).trim().is_empty(),
        "an id was printed for a unit that was not saved: {}",
        text(&out.stdout)
    );
    println!("{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("错误")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains("只读") && errors[0].contains("权限"),
        "{stderr}"
    );
}

/// The file opens, but the disk refuses the edit (a file size limit the
/// edit does not fit in, as a full disk would): no id, a reason, at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_the_disk_refuses_fails_at_once() {
    use std::os::unix::process::CommandExt;

    let s = setup();
    let replica = synced_replica(&s, "tablet");
    // Text that does not compress: 120 KB in the change.
    let mut x: u32 = 12345;
    let name: String = (0..40_000)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            char::from_u32(0x4e00 + (x >> 16) % 0x5000).unwrap_or('城')
        })
        .collect();
    let mut cmd = qunjian_command(
        &replica,
        &[("QUNJIAN_DOC", &s.url)],
        &["unit", "add", "--name", &name, "--kind", "village"],
    );
    // SAFETY: only async-signal-safe calls between fork and exec. Files
    // may not grow past 64 KiB (the WAL index needs 32 KiB); an ignored
    // SIGXFSZ makes the write fail with EFBIG instead of killing.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: 64 * 1024,
                rlim_max: 64 * 1024,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = Instant::now();
    let out = run_within(cmd, Duration::from_secs(40));
    let stderr = text(&out.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "it kept trying: {stderr}"
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        text(&out.stdout).trim().is_empty(),
        "an id was printed for a unit that was not saved: {}",
        text(&out.stdout)
    );
    println!("{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("错误")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains("无法写入"), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| !l.trim().is_empty()).count(),
        1,
        "one line: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_set_not_formed_clears_the_date() {
    let s = setup();
    let replica = synced_replica(&s, "tablet");
    let doc = [("QUNJIAN_DOC", s.url.as_str())];
    let added = qunjian(
        &replica,
        &doc,
        &["unit", "add", "--name", "城关村", "--kind", "village"],
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    let id = text(&added.stdout).trim().to_string();
    for org in ["party", "union", "league", "women", "womens_home"] {
        let set = qunjian(
            &replica,
            &doc,
            &["org", "set", &id, org, "--established", "2026-03-01"],
        );
        assert!(set.status.success(), "{}", text(&set.stderr));
        let unset = qunjian(&replica, &doc, &["org", "set", &id, org, "--not-formed"]);
        assert!(unset.status.success(), "{}", text(&unset.stderr));
        assert!(text(&unset.stdout).contains("未建"));
    }
    let shown = qunjian(&replica, &doc, &["show"]);
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    let json: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("show prints JSON");
    let unit: qunjian_client::schema::Unit =
        serde_json::from_value(json["units"][&id].clone()).expect("a unit");
    use qunjian_client::schema::Formed;
    assert!(!unit.party_org.is_formed(), "{:?}", unit.party_org);
    assert!(!unit.union.is_formed(), "{:?}", unit.union);
    assert!(!unit.league.is_formed(), "{:?}", unit.league);
    assert!(!unit.women_org.is_formed(), "{:?}", unit.women_org);
    assert!(!unit.womens_home.is_formed(), "{:?}", unit.womens_home);

    // The county counts it as not formed either.
    let synced = qunjian(
        &replica,
        &[("QUNJIAN_DOC", &s.url), ("QUNJIAN_TOKEN", &s.token)],
        &["sync", "--server", &s.server.sync_url()],
    );
    assert!(synced.status.success(), "{}", text(&synced.stderr));
    let county = s.server.document("330825101").await;
    assert!(
        county.document["units"][&id]["union"]["established"].is_null(),
        "{}",
        county.document["units"][&id]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replica_remembers_its_document_and_server() {
    let s = setup();
    let replica = synced_replica(&s, "tablet");
    // Offline, no QUNJIAN_DOC.
    let added = qunjian(
        &replica,
        &[],
        &["unit", "add", "--name", "城关村", "--kind", "village"],
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    let id = text(&added.stdout).trim().to_string();
    // Sync again with the token alone: the server address is remembered too.
    let again = qunjian(&replica, &[("QUNJIAN_TOKEN", &s.token)], &["sync"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let county = s.server.document("330825101").await;
    assert_eq!(county.document["units"][&id]["name"], "城关村");
    // An explicit --doc still wins (and this one is not in the replica).
    let other = qunjian(
        &replica,
        &[("QUNJIAN_DOC", "automerge:2j9knpCseyhnK8izDmLpGP5WMdZQ")],
        &["show"],
    );
    assert!(!other.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_the_replica_keeps_syncs_without_being_given() {
    let s = setup();
    let replica = synced_replica(&s, "tablet");
    // Without a token given or kept, sync says what it needs.
    let refused = qunjian(&replica, &[], &["sync"]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("同步需要令牌"),
        "{}",
        text(&refused.stderr)
    );
    // `qunjian app` keeps the token it was set up with in the replica.
    {
        let kept = qunjian_client::Replica::open_with_token(&replica, &s.token)
            .await
            .expect("open the replica");
        kept.remember_token().expect("keep the token");
        kept.close().await;
    }
    let added = qunjian(
        &replica,
        &[],
        &["unit", "add", "--name", "城关村", "--kind", "village"],
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    let id = text(&added.stdout).trim().to_string();
    let synced = qunjian(&replica, &[], &["sync"]);
    assert!(synced.status.success(), "{}", text(&synced.stderr));
    let county = s.server.document("330825101").await;
    assert_eq!(county.document["units"][&id]["name"], "城关村");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_townships_token_is_told_at_once() {
    let s = setup();
    let replica = synced_replica(&s, "tablet");
    let data = s.scratch.data_dir();
    add_township(&data, "330825102", "北关镇");
    let other = township_token(&data, "330825102");
    let started = Instant::now();
    let out = qunjian(
        &replica,
        &[("QUNJIAN_DOC", &s.url), ("QUNJIAN_TOKEN", &other)],
        &["sync", "--server", &s.server.sync_url(), "--timeout", "20"],
    );
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "it waited for the timeout: {stderr}"
    );
    println!("{stderr}");
    assert!(stderr.contains("此令牌不能访问该乡镇文档"), "{stderr}");
}

#[test]
fn an_error_says_its_cause_once() {
    let scratch = Scratch::new();
    // A directory where the replica file should be.
    let replica = scratch.replica_file("dir");
    std::fs::create_dir_all(&replica).expect("mkdir");
    let out = qunjian(
        &replica,
        &[("QUNJIAN_DOC", "automerge:2j9knpCseyhnK8izDmLpGP5WMdZQ")],
        &["show"],
    );
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("错误"))
        .unwrap_or_else(|| panic!("no error line: {stderr}"));
    println!("{line}");
    let parts: Vec<&str> = line.split(": ").map(str::trim).collect();
    for (i, part) in parts.iter().enumerate() {
        assert!(
            !parts[i + 1..].contains(part),
            "'{part}' is repeated in: {line}"
        );
    }
    assert_eq!(
        line.to_lowercase().matches("unable to open").count(),
        1,
        "{line}"
    );
    let path = replica.display().to_string();
    assert_eq!(line.matches(&path).count(), 1, "{line}");
}
