//! Sync by file (docs/BUNDLES.md) through the real binaries: two devices
//! and the county exchange changes by bundles alone, no server running,
//! and end where a network sync would have put them; and every damaged,
//! foreign or repeated bundle is refused or changes nothing.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use qunjian_client::Replica;
use qunjian_shared::bundle::Bundle;

const CODE: &str = "330825101";

/// `qunjian --replica R [args]`, with `--doc` when given, nothing inherited.
fn qunjian(replica: &Path, doc: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(CLI);
    cmd.arg("--replica").arg(replica);
    if let Some(doc) = doc {
        cmd.arg("--doc").arg(doc);
    }
    cmd.args(args)
        .env_remove("QUNJIAN_TOKEN")
        .env_remove("QUNJIAN_DOC")
        .env_remove("QUNJIAN_SERVER")
        .env_remove("QUNJIAN_CA_FILE")
        .output()
        .expect("run qunjian")
}

/// The output's stdout, failing the test with its stderr if it failed.
fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}{}",
        text(&out.stderr),
        text(&out.stdout)
    );
    text(&out.stdout).trim().to_string()
}

/// The output's stderr, failing the test if it succeeded.
fn refused(out: Output) -> String {
    assert!(!out.status.success(), "accepted: {}", text(&out.stderr));
    text(&out.stderr)
}

fn show(replica: &Path, url: &str) -> serde_json::Value {
    serde_json::from_str(&ok(qunjian(replica, Some(url), &["show"]))).expect("show prints JSON")
}

async fn heads(replica: &Path, url: &str) -> Vec<String> {
    let r = Replica::open(replica).await.expect("open replica");
    let heads = r.township(url).await.expect("document").heads();
    r.close().await;
    heads
}

fn bundle_heads(file: &Path) -> Vec<String> {
    Bundle::parse(&std::fs::read(file).expect("read bundle"))
        .expect("a bundle")
        .heads
}

fn export_county(data: &Path, code: &str, file: &Path) {
    ok(admin_cli(
        data,
        &[
            "bundle",
            "export",
            "--township",
            code,
            "-o",
            file.to_str().expect("utf-8 path"),
        ],
    ));
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

struct Received {
    changes: i64,
    detail: Option<String>,
    township: Option<String>,
}

fn received_rows(data: &Path) -> Vec<Received> {
    let conn = rusqlite::Connection::open(qunjian_server::db::db_path(data)).expect("open db");
    let mut stmt = conn
        .prepare(
            "SELECT changes, detail, township FROM audit WHERE event = 'received' ORDER BY seq",
        )
        .expect("prepare");
    stmt.query_map([], |r| {
        Ok(Received {
            changes: r.get(0)?,
            detail: r.get(1)?,
            township: r.get(2)?,
        })
    })
    .expect("query")
    .map(|r| r.expect("row"))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_and_the_county_converge_by_bundles_alone() {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let url = add_township(&data, CODE, "城关镇");
    let stick = |name: &str| -> PathBuf { scratch.replica_file(name).with_extension("qjb") };
    let (a, b) = (
        scratch.replica_file("device-a"),
        scratch.replica_file("device-b"),
    );

    // Device A has never been online: it starts from the county's bundle,
    // which names the document (no --doc).
    let from_county = stick("county-0");
    export_county(&data, CODE, &from_county);
    assert_eq!(
        ok(qunjian(&a, None, &["bundle", "import", path(&from_county)])),
        url
    );

    // A adds a unit and carries it to the county.
    let unit_a = ok(qunjian(
        &a,
        Some(&url),
        &["unit", "add", "--name", "城关村", "--kind", "village"],
    ));
    let from_a = stick("a-1");
    ok(qunjian(
        &a,
        Some(&url),
        &["bundle", "export", "-o", path(&from_a)],
    ));
    ok(admin_cli(&data, &["bundle", "import", path(&from_a)]));

    // Device B starts from the county's export and sees A's unit.
    let county_1 = stick("county-1");
    export_county(&data, CODE, &county_1);
    assert_eq!(
        ok(qunjian(&b, None, &["bundle", "import", path(&county_1)])),
        url
    );
    assert_eq!(show(&b, &url)["units"][&unit_a]["name"], "城关村");

    // B edits A's unit and adds its own; only what the county lacks travels.
    ok(qunjian(
        &b,
        Some(&url),
        &["set", &format!("units/{unit_a}/name"), "\"城关村（东）\""],
    ));
    let unit_b = ok(qunjian(
        &b,
        Some(&url),
        &["unit", "add", "--name", "南街社区", "--kind", "community"],
    ));
    let from_b = stick("b-1");
    ok(qunjian(
        &b,
        Some(&url),
        &["bundle", "export", "-o", path(&from_b)],
    ));
    let delta = Bundle::parse(&std::fs::read(&from_b).expect("read")).expect("bundle");
    assert_eq!(
        delta.kind,
        qunjian_shared::bundle::BundleKind::Changes,
        "B knows what the county holds from the county's bundle"
    );
    ok(admin_cli(&data, &["bundle", "import", path(&from_b)]));

    // A takes the county's export; all three now hold the same heads.
    let county_2 = stick("county-2");
    export_county(&data, CODE, &county_2);
    ok(qunjian(
        &a,
        Some(&url),
        &["bundle", "import", path(&county_2)],
    ));
    let county_heads = bundle_heads(&county_2);
    assert_eq!(heads(&a, &url).await, county_heads);
    assert_eq!(heads(&b, &url).await, county_heads);
    let doc_a = show(&a, &url);
    assert_eq!(doc_a, show(&b, &url));
    assert_eq!(doc_a["units"][&unit_a]["name"], "城关村（东）");
    assert_eq!(doc_a["units"][&unit_b]["name"], "南街社区");

    // Each import is audited as a sync would be.
    let rows = received_rows(&data);
    assert_eq!(rows.len(), 2, "one row per import");
    for row in &rows {
        assert_eq!(row.detail.as_deref(), Some("bundle import"));
        assert_eq!(row.township.as_deref(), Some(CODE));
        assert!(row.changes > 0);
    }
    assert_eq!(rows[0].changes, 1, "A's one unit");

    // The server, started now, holds exactly that, and a device syncing
    // over the network ends at the same heads and the same document.
    let server = ServerProcess::start(&data, 0);
    let snapshot = server.document(CODE).await;
    assert_eq!(snapshot.heads, county_heads);
    assert_eq!(snapshot.document, doc_a);
    let token = township_token(&data, CODE);
    let c = connected_replica(
        &scratch.replica_file("device-c"),
        &server.sync_url(),
        &url,
        &token,
    )
    .await;
    let online = c.township(&url).await.expect("document");
    assert_eq!(online.heads(), county_heads);
    assert_eq!(online.to_json(), doc_a);
    c.close().await;

    // A device that synced over the network remembers what the server
    // holds: its next bundle carries only what came after.
    let d = scratch.replica_file("device-d");
    let synced = Command::new(CLI)
        .arg("--replica")
        .arg(&d)
        .args(["--doc", &url, "--token", &token, "sync", "--server"])
        .arg(server.sync_url())
        .env_remove("QUNJIAN_TOKEN")
        .env_remove("QUNJIAN_DOC")
        .output()
        .expect("run qunjian");
    ok(synced);
    ok(qunjian(
        &d,
        Some(&url),
        &["unit", "add", "--name", "北村", "--kind", "village"],
    ));
    let from_d = stick("d-1");
    ok(qunjian(
        &d,
        Some(&url),
        &["bundle", "export", "-o", path(&from_d)],
    ));
    let after_sync = Bundle::parse(&std::fs::read(&from_d).expect("read")).expect("bundle");
    assert_eq!(after_sync.kind, qunjian_shared::bundle::BundleKind::Changes);
    ok(qunjian(
        &d,
        Some(&url),
        &["bundle", "export", "--all", "-o", path(&stick("d-all"))],
    ));
    let whole = Bundle::parse(&std::fs::read(stick("d-all")).expect("read")).expect("bundle");
    assert_eq!(whole.kind, qunjian_shared::bundle::BundleKind::Document);
    assert_eq!(whole.heads, after_sync.heads);
    assert!(after_sync.payload.len() < whole.payload.len());

    // While it runs, the county may export but not import: a running
    // server would not see the imported rows.
    export_county(&data, CODE, &stick("county-3"));
    let busy = refused(admin_cli(&data, &["bundle", "import", path(&from_b)]));
    assert!(busy.contains("停止服务器"), "{busy}");
    assert_eq!(received_rows(&data).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_foreign_and_damaged_bundles_change_nothing() {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let url = add_township(&data, CODE, "城关镇");
    add_township(&data, "330825102", "南山乡");
    let ours = scratch.replica_file("ours").with_extension("qjb");
    let theirs = scratch.replica_file("theirs").with_extension("qjb");
    export_county(&data, CODE, &ours);
    export_county(&data, "330825102", &theirs);

    let device = scratch.replica_file("device");
    ok(qunjian(&device, None, &["bundle", "import", path(&ours)]));
    ok(qunjian(
        &device,
        Some(&url),
        &["unit", "add", "--name", "城关村", "--kind", "village"],
    ));
    let from_device = scratch.replica_file("from-device").with_extension("qjb");
    ok(qunjian(
        &device,
        Some(&url),
        &["bundle", "export", "-o", path(&from_device)],
    ));
    let before = heads(&device, &url).await;
    let doc_before = show(&device, &url);

    // Twice: nothing new.
    let again = qunjian(&device, Some(&url), &["bundle", "import", path(&ours)]);
    ok(again);
    assert_eq!(heads(&device, &url).await, before);

    let bytes = std::fs::read(&from_device).expect("read");
    let damaged = |name: &str, contents: &[u8]| -> PathBuf {
        let p = scratch.replica_file(name).with_extension("qjb");
        std::fs::write(&p, contents).expect("write");
        p
    };
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x20;
    let mut noise = Vec::new();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..4096 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        noise.push(x as u8);
    }
    let cases = [
        (theirs.clone(), "另一个乡镇"),
        (damaged("truncated", &bytes[..bytes.len() / 2]), "不完整"),
        (damaged("header-cut", &bytes[..20]), "不完整"),
        (damaged("flipped", &flipped), "校验失败"),
        (damaged("random", &noise), "不是群建同步包"),
    ];

    // The device refuses each, and nothing changes.
    for (file, says) in &cases {
        let err = refused(qunjian(
            &device,
            Some(&url),
            &["bundle", "import", path(file)],
        ));
        assert!(err.contains(says), "{}: {err}", file.display());
        assert!(err.contains("未导入"), "{err}");
    }
    assert_eq!(heads(&device, &url).await, before);
    assert_eq!(show(&device, &url), doc_before);
    // A new replica file is not created from a refused bundle either.
    let fresh = scratch.replica_file("fresh");
    refused(qunjian(
        &fresh,
        None,
        &["bundle", "import", path(&cases[1].0)],
    ));

    // The county refuses the damaged ones, and a bundle whose header names
    // this township over another township's document.
    let mut forged = Bundle::parse(&std::fs::read(&theirs).expect("read")).expect("bundle");
    forged.township = CODE.into();
    let forged = damaged("forged", &forged.encode());
    let county_before = bundle_heads(&ours);
    for (file, says) in cases[1..].iter().chain([&(forged, "另一个乡镇")]) {
        let err = refused(admin_cli(&data, &["bundle", "import", path(file)]));
        assert!(err.contains(says), "{}: {err}", file.display());
    }
    let check = scratch.replica_file("check").with_extension("qjb");
    export_county(&data, CODE, &check);
    assert_eq!(bundle_heads(&check), county_before);
    assert!(received_rows(&data).is_empty());

    // The device's bundle, twice: the second adds nothing (audited as 0).
    ok(admin_cli(&data, &["bundle", "import", path(&from_device)]));
    ok(admin_cli(&data, &["bundle", "import", path(&from_device)]));
    export_county(&data, CODE, &check);
    assert_eq!(bundle_heads(&check), before);
    let rows = received_rows(&data);
    assert_eq!(rows.iter().map(|r| r.changes).collect::<Vec<_>>(), [1, 0]);
}
