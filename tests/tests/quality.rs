//! 数据质量 as the county reads it (issue 15): two devices of one township
//! rename the same units differently while the server is down; one of those
//! units also has a bad credit code and is then archived. The county's
//! quality report names the live unit's conflict by the unit and the field
//! in words, lists the other unit's bad code in words, and says nothing of
//! the archived unit (not even that it shares a credit code) — until it is
//! restored.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use serde_json::Value;

const CODE: &str = "330825101";
const WAIT: Duration = Duration::from_secs(30);

fn ok(replica: &Path, token: &str, args: &[&str]) -> String {
    let out = qunjian(replica, &[("QUNJIAN_TOKEN", token)], args);
    assert!(
        out.status.success(),
        "qunjian {args:?}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout).trim().to_string()
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// The quality report once the server's rows show its latest document.
async fn quality(server: &ServerProcess) -> Value {
    let data = server.data_dir.clone();
    eventually(WAIT, "the latest document projected", async || {
        let heads = server.document(CODE).await.heads.join(",");
        match projected_heads(&data, CODE) {
            Some(p) if p == heads => Ok(()),
            other => Err(format!("server {heads}, rows {other:?}")),
        }
    })
    .await;
    get_json_as(
        &format!("{}/api/reports/quality", server.http()),
        &server.admin_token(),
    )
    .await
}

/// The rows about record `id`.
fn about<'a>(body: &'a Value, id: &str) -> Vec<&'a Value> {
    body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["record_id"] == id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quality_speaks_in_words_names_the_conflicts_unit_and_leaves_out_archived_records() {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    add_township(&data, CODE, "城关镇");
    let token = township_token(&data, CODE);
    let port = free_port();
    let server = ServerProcess::start(&data, port);
    let sync_url = server.sync_url();
    let sync = ["sync", "--server", sync_url.as_str()];
    let (a, b) = (scratch.replica_file("A"), scratch.replica_file("B"));

    ok(&a, &token, &sync);
    let village = ok(
        &a,
        &token,
        &["unit", "add", "--name", "城关村", "--kind", "village"],
    );
    let bad = |name: &str| {
        ok(
            &a,
            &token,
            &[
                "unit",
                "add",
                "--name",
                name,
                "--kind",
                "enterprise",
                "--credit-code",
                "91330825MA2A0B1C2N",
                "--force",
            ],
        )
    };
    let paper = bad("红星纸业");
    let old = bad("旧纸厂");
    ok(&a, &token, &sync);
    ok(&b, &token, &sync);

    // Server down: each device renames the village and the old mill its way.
    server.kill();
    for (unit, on_a, on_b) in [
        (&village, "城关村委会", "城关社区"),
        (&old, "旧纸厂一", "旧纸厂二"),
    ] {
        ok(&a, &token, &["unit", "update", unit, "--name", on_a]);
        ok(&b, &token, &["unit", "update", unit, "--name", on_b]);
    }
    let server = ServerProcess::start(&data, port);
    ok(&a, &token, &sync);
    ok(&b, &token, &sync);
    ok(&a, &token, &sync);
    // The old mill is closed: archived.
    ok(&a, &token, &["unit", "archive", &old]);
    ok(&a, &token, &sync);

    let body = quality(&server).await;
    assert_eq!(
        about(&body, &old),
        Vec::<&Value>::new(),
        "archived: {body:#}"
    );

    // The village's conflict: its unit and field in words, both names.
    let conflict = about(&body, &village);
    assert_eq!(conflict.len(), 1, "{body:#}");
    let c = conflict[0];
    assert_eq!(s(&c["problem"]), "并发修改冲突");
    assert_eq!(s(&c["record_kind"]), "单位");
    assert_eq!(s(&c["field_label"]), "单位名称");
    assert_eq!(
        (s(&c["map"]), s(&c["field"])),
        ("units".into(), "name".into())
    );
    let message = s(&c["message"]);
    assert!(
        message.starts_with("单位「城关")
            && message.contains("「单位名称」")
            && message.contains("城关村委会")
            && message.contains("城关社区"),
        "{message}"
    );

    // The paper mill's credit code, in words; the stored names only in the
    // columns marked as machine ids.
    let code = about(&body, &paper);
    assert_eq!(code.len(), 1, "{body:#}");
    assert_eq!(s(&code[0]["record_kind"]), "单位");
    assert_eq!(s(&code[0]["field_label"]), "统一社会信用代码");
    assert_eq!(s(&code[0]["field"]), "credit_code");
    assert!(s(&code[0]["message"]).contains("红星纸业"), "{body:#}");
    let machine: Vec<String> = body["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .filter(|c| c["machine"] == true)
        .map(|c| s(&c["key"]))
        .collect();
    assert_eq!(machine, ["map", "record_id", "field"]);
    for row in body["rows"].as_array().expect("rows") {
        for (key, cell) in row.as_object().expect("a row object") {
            if machine.contains(key) {
                continue;
            }
            let cell = s(cell);
            for raw in ["units", "credit_code", "name"] {
                assert!(!cell.contains(raw), "{key} = {cell}");
            }
        }
    }

    // The CSV has the words and leaves the machine ids out.
    let csv = get_as(
        &format!("{}/api/export/quality.csv", server.http()),
        &server.admin_token(),
    )
    .await
    .text()
    .await
    .expect("CSV");
    assert!(csv.contains("统一社会信用代码"), "{csv}");
    assert!(
        !csv.contains("credit_code") && !csv.contains(&paper),
        "{csv}"
    );

    // Restored, the old mill's findings and conflict are back, and its
    // credit code is shared with the paper mill's again.
    ok(&a, &token, &["unit", "restore", &old]);
    ok(&a, &token, &sync);
    let body = quality(&server).await;
    let mut problems: Vec<String> = about(&body, &old)
        .iter()
        .map(|r| s(&r["problem"]))
        .collect();
    problems.sort();
    assert_eq!(
        problems,
        ["信用代码重复", "并发修改冲突", "统一社会信用代码有误"],
        "{body:#}"
    );
    server.terminate();
}
