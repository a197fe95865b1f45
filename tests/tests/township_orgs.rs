//! Issue 14, the full-time 妇联 chair as meant: townships whose own 妇联 has
//! a full-time chair, over townships. A township records its own 妇联 with
//! `qunjian township-org set`, syncs, and the county's coverage row for
//! 专职妇联主席配备率 equals the device's `qunjian coverage --json` row;
//! a community's 妇联 with a full-time chair does not count, before or
//! after. Through the real binaries on loopback.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use qunjian_client::schema::{Unit, UnitKind, WomenOrgForm};
use serde_json::Value;

const CODE: &str = "330825101";
const OTHER: &str = "330825102";
const AS_OF: &str = "2026-06-30";
const CHAIR: &str = "federation_chair_full_time";
const WAIT: Duration = Duration::from_secs(30);

/// `qunjian` with these env vars and args; fails the test unless it exits 0.
fn ok(replica: &Path, env: &[(&str, &str)], args: &[&str]) -> String {
    let out = qunjian(replica, env, args);
    assert!(
        out.status.success(),
        "qunjian {args:?} failed: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// The county's coverage rows of the chair target: this township's and
/// the county total (`township_code` empty).
async fn county_chair_rows(server: &ServerProcess) -> (Value, Value) {
    let body: Value = get_json_as(
        &format!("{}/api/reports/coverage?as_of={AS_OF}", server.http()),
        &server.admin_token(),
    )
    .await;
    let rows = body["rows"].as_array().expect("rows");
    let find = |code: &str| {
        rows.iter()
            .find(|r| r["target_key"] == CHAIR && r["township_code"] == code)
            .unwrap_or_else(|| panic!("no {CHAIR} row for '{code}' in {body}"))
            .clone()
    };
    (find(CODE), find(""))
}

/// The device's chair row, offline.
fn device_chair_row(replica: &Path, env: &[(&str, &str)]) -> Value {
    let out = ok(replica, env, &["coverage", "--json", "--as-of", AS_OF]);
    let body: Value = serde_json::from_str(&out).expect("coverage JSON");
    body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["target_key"] == CHAIR)
        .unwrap_or_else(|| panic!("no {CHAIR} row in {body}"))
        .clone()
}

/// Wait until the server has projected the document as it holds it now.
async fn projected(server: &ServerProcess) {
    eventually(WAIT, "the server projects the township", async || {
        let heads = server.document(CODE).await.heads.join(",");
        let rows = projected_heads(&server.data_dir, CODE);
        (rows.as_deref() == Some(heads.as_str()))
            .then_some(())
            .ok_or(format!("document {heads}, projected {rows:?}"))
    })
    .await;
}

fn counts(row: &Value) -> (i64, i64, Value) {
    (
        row["required"].as_i64().expect("required"),
        row["formed"].as_i64().expect("formed"),
        row["met"].clone(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_townships_own_federation_chair_counts_on_device_and_server_alike() {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let server = ServerProcess::start(&data, 0);
    let url = add_township(&data, CODE, "城关镇");
    add_township(&data, OTHER, "湖镇镇");
    let token = township_token(&data, CODE);

    // A community whose 妇联 has a full-time chair, written by the library
    // and synced: under the old figure it alone made 1 of 1.
    let replica_file = scratch.replica_file("tablet");
    let replica = connected_replica(&replica_file, &server.sync_url(), &url, &token).await;
    let township = replica.township(&url).await.expect("township");
    let mut community = Unit::new("城东社区", UnitKind::Community);
    community.women_org.formed = true;
    community.women_org.form = Some(WomenOrgForm::Federation);
    community.women_org.chair = Some("李桂英".into());
    community.women_org.chair_full_time = Some(true);
    township.add(&community).expect("add community");
    replica.wait_synced(&url, WAIT).await.expect("synced");
    replica.close().await;
    projected(&server).await;
    let (mine, county) = county_chair_rows(&server).await;
    assert_eq!(
        counts(&mine),
        (1, 0, Value::Bool(false)),
        "a community's 妇联 is not the township's: {mine}"
    );
    assert_eq!(counts(&county), (2, 0, Value::Bool(false)), "{county}");

    // The township records its own 妇联 with the CLI, offline.
    let doc_env = [("QUNJIAN_DOC", url.as_str())];
    let said = ok(
        &replica_file,
        &doc_env,
        &[
            "township-org",
            "set",
            "--federation-chair",
            "张敏",
            "--federation-chair-full-time",
            "是",
            "--federation-established",
            "2021-03-08",
            "--league-committee-secretary",
            "王强",
        ],
    );
    assert!(
        said.contains("乡镇妇联: 已建，成立于 2021-03-08，主席 张敏（专职）"),
        "{said}"
    );
    let shown: Value = serde_json::from_str(&ok(
        &replica_file,
        &doc_env,
        &["township-org", "show", "--json"],
    ))
    .expect("show JSON");
    assert_eq!(shown["federation"]["chair_full_time"], true, "{shown}");
    assert_eq!(shown["league_committee"]["secretary"], "王强", "{shown}");
    // A bad value refuses the whole command.
    let refused = qunjian(
        &replica_file,
        &doc_env,
        &[
            "township-org",
            "set",
            "--federation-chair-full-time",
            "maybe",
        ],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("--federation-chair-full-time"),
        "{}",
        text(&refused.stderr)
    );

    // Offline, the device already counts it.
    let device = device_chair_row(&replica_file, &doc_env);
    assert_eq!(counts(&device), (1, 1, Value::Bool(true)), "{device}");

    // Synced, the county agrees row for row.
    let sync_env = [("QUNJIAN_TOKEN", token.as_str())];
    let synced = ok(
        &replica_file,
        &sync_env,
        &["--doc", &url, "sync", "--server", &server.sync_url()],
    );
    assert!(synced.contains("已同步："), "{synced}");
    projected(&server).await;
    let (mine, county) = county_chair_rows(&server).await;
    server.terminate();
    assert_eq!(mine, device_chair_row(&replica_file, &doc_env));
    assert_eq!(counts(&mine), (1, 1, Value::Bool(true)), "{mine}");
    // The county: 1 of its 2 townships, short of 70 %.
    assert_eq!(counts(&county), (2, 1, Value::Bool(false)), "{county}");
    assert_eq!(county["rate"], 0.5, "{county}");
}
