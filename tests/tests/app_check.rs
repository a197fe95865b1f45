//! 数据检查 in `qunjian app`, end to end: two devices of one township rename
//! the same unit differently while the county server is down; once both
//! have synced, the app on one shows the conflict with both names and who
//! wrote each, one click keeps one, and after a sync the other device, the
//! server and the app all hold the kept name with no conflict left. A
//! credit code recorded with --force shows as a finding naming its unit.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::browser::*;
use common::*;
use serde_json::Value;

const CODE: &str = "330101001";

/// `qunjian --replica R args` with the device's token; stdout, and
/// stderr on failure.
fn run(replica: &Path, token: &str, args: &[&str]) -> Result<String, String> {
    let out = qunjian(replica, &[("QUNJIAN_TOKEN", token)], args);
    if out.status.success() {
        Ok(text(&out.stdout))
    } else {
        Err(format!("{}{}", text(&out.stdout), text(&out.stderr)))
    }
}

fn ok(replica: &Path, token: &str, args: &[&str]) -> String {
    run(replica, token, args).unwrap_or_else(|e| panic!("qunjian {args:?}: {e}"))
}

/// `qunjian check --json` (which fails while there is anything to list).
fn check(replica: &Path, token: &str) -> Value {
    let out = qunjian(replica, &[("QUNJIAN_TOKEN", token)], &["check", "--json"]);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("check --json: {e}: {}", text(&out.stderr)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_is_settled_with_one_click_and_reaches_every_device() {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    add_township(&data, CODE, "城关镇");
    let token = township_token(&data, CODE);
    let port = free_port();
    let server = ServerProcess::start(&data, port);
    let sync_url = server.sync_url();
    let sync = ["sync", "--server", sync_url.as_str()];
    let (a, b) = (scratch.replica_file("A"), scratch.replica_file("B"));

    // Both devices hold the unit, and A a forced bad credit code.
    ok(&a, &token, &sync);
    let unit = ok(
        &a,
        &token,
        &["unit", "add", "--name", "城关村", "--kind", "village"],
    )
    .trim()
    .to_string();
    let bad_code = [
        "unit",
        "add",
        "--name",
        "红星纸业",
        "--kind",
        "enterprise",
        "--credit-code",
        "91330825MA2A0B1C2N",
        "--force",
    ];
    let paper = ok(&a, &token, &bad_code).trim().to_string();
    ok(&a, &token, &sync);
    ok(&b, &token, &sync);
    assert_eq!(
        check(&b, &token)["conflicts"],
        serde_json::json!([]),
        "no conflict before the renames"
    );

    // The server goes away; each device renames the unit its own way.
    server.kill();
    ok(
        &a,
        &token,
        &["unit", "update", &unit, "--name", "城关村委会"],
    );
    ok(&b, &token, &["unit", "update", &unit, "--name", "城关社区"]);
    let server = ServerProcess::start(&data, port);
    ok(&a, &token, &sync);
    ok(&b, &token, &sync);
    ok(&a, &token, &sync);
    let conflicts = check(&a, &token)["conflicts"].clone();
    assert_eq!(conflicts.as_array().map(Vec::len), Some(1), "{conflicts}");

    let (app, url) = start_app_with(&a, &[("QUNJIAN_TOKEN", &token)]);
    let shots = tempfile::tempdir().expect("screenshot dir");
    let chromium = Chromium::launch().await;
    let started = Instant::now();
    let page = chromium.open(&url).await;
    until(
        &page,
        "the app's overview",
        "!!document.getElementById('gaps-count')",
    )
    .await;

    // The conflict: the unit by name, the field in words, both names, and
    // who wrote each (a device number and the change's time).
    let card = format!(
        "document.querySelector('.conflict[data-map=\"units\"][data-id=\"{unit}\"][data-field=\"name\"]')"
    );
    goto(&page, "#/check", &format!("!!{card}")).await;
    let shown = js(
        &page,
        &format!(
            "(() => {{ const c = {card}; return {{ \
               record: c.querySelector('.conflict-what a').textContent, \
               link: c.querySelector('.conflict-what a').getAttribute('href'), \
               field: c.querySelector('.conflict-field').textContent, \
               values: [...c.querySelectorAll('.conflict-value .value-text')].map(e => e.textContent).sort(), \
               current: [...c.querySelectorAll('.conflict-value .current')].map(e => e.closest('.conflict-value').querySelector('.value-text').textContent), \
               writers: [...c.querySelectorAll('.writer')].map(e => e.textContent), \
               count: document.getElementById('conflicts-count').textContent, \
               nav: document.querySelector('#nav .nav-count')?.textContent }}; }})()"
        ),
    )
    .await;
    assert_eq!(shown["field"], "单位名称", "{shown}");
    assert_eq!(
        shown["values"],
        serde_json::json!(["城关村委会", "城关社区"]),
        "{shown}"
    );
    assert_eq!(shown["link"], format!("#/units/{unit}"), "{shown}");
    assert_eq!(shown["count"], "1", "{shown}");
    assert_eq!(shown["nav"], "1", "{shown}");
    // The record's current name is one of the two, whichever Automerge
    // shows, and that value is marked as the one the ledger shows now.
    assert!(
        ["城关社区", "城关村委会"].contains(&shown["record"].as_str().unwrap_or("")),
        "{shown}"
    );
    assert_eq!(
        shown["current"],
        serde_json::json!([shown["record"]]),
        "{shown}"
    );
    let writers: Vec<&str> = shown["writers"]
        .as_array()
        .expect("writers")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(writers.len(), 2, "{shown}");
    assert_ne!(writers[0], writers[1], "two writers told apart: {shown}");
    for w in &writers {
        // 设备 <number> · <yyyy-mm-dd hh:mm:ss> · 修改单位
        assert!(
            w.starts_with("设备 ") && w.contains(" · 20") && w.ends_with("修改单位"),
            "{w}"
        );
    }

    // The forced credit code: a finding under 单位, naming the unit.
    let finding = js(
        &page,
        &format!(
            "(() => {{ const r = document.querySelector('tr.finding[data-id=\"{paper}\"][data-rule=\"bad_credit_code\"]'); \
               return r && {{ name: r.cells[0].textContent, rule: r.cells[1].textContent, message: r.cells[2].textContent, \
               group: [...document.querySelectorAll('#findings-table tr.group')].map(g => g.textContent) }}; }})()"
        ),
    )
    .await;
    assert_eq!(finding["name"], "红星纸业", "{finding}");
    assert_eq!(finding["rule"], "统一社会信用代码有误", "{finding}");
    assert!(
        finding["message"]
            .as_str()
            .is_some_and(|m| m.contains("91330825MA2A0B1C2N")),
        "{finding}"
    );
    assert!(
        finding["group"].as_array().is_some_and(|g| g
            .iter()
            .any(|t| t.as_str().is_some_and(|t| t.starts_with("单位（")))),
        "{finding}"
    );
    screenshot(&page, shots.path(), "app-check.png").await;

    // Settling a field that is not in conflict is refused with the
    // library's word, and changes nothing.
    js(
        &page,
        &format!(
            "fetch('/api/check/resolve', {{ method: 'POST', headers: {{ 'content-type': 'application/json' }}, \
               body: JSON.stringify({{ map: 'units', id: '{unit}', field: 'kind', value: 'community' }}) }}) \
               .then(async r => {{ window.refused = [r.status, (await r.json()).error]; }}); true"
        ),
    )
    .await;
    let refused = until(&page, "the refusal", "window.refused").await;
    assert_eq!(refused[0], 422, "{refused}");
    assert!(
        refused[1].as_str().is_some_and(|e| e.contains("没有冲突")),
        "{refused}"
    );

    // One click keeps 城关村委会.
    js(
        &page,
        &format!(
            "(() => {{ const v = [...{card}.querySelectorAll('.conflict-value')] \
               .find(v => v.querySelector('.value-text').textContent === '城关村委会'); \
               v.querySelector('button.keep').click(); return true; }})()"
        ),
    )
    .await;
    let settled = until(
        &page,
        "the conflict settled",
        "!!document.getElementById('no-conflicts') && document.getElementById('check-notice')?.textContent",
    )
    .await;
    assert!(
        settled.as_str().is_some_and(|n| n.contains("城关村委会")),
        "{settled}"
    );
    assert_eq!(
        js(&page, "document.querySelector('#nav .nav-count')").await,
        Value::Null,
        "no count in the menu once settled"
    );
    // The finding is still listed: keeping a value fixes only the conflict.
    assert_eq!(
        js(
            &page,
            "document.getElementById('findings-count').textContent"
        )
        .await,
        "1"
    );
    let browser_time = started.elapsed();

    // The app's background sync carries it to the server; B syncs and has
    // the kept name and no conflict.
    let b_check = eventually(Duration::from_secs(60), "B has the kept name", async || {
        run(&b, &token, &sync).ok()?;
        let c = check(&b, &token);
        let shown = run(&b, &token, &["unit", "show", &unit, "--json"]).ok()?;
        let name = serde_json::from_str::<Value>(&shown).ok()?["name"].clone();
        (name == "城关村委会").then_some(c)
    })
    .await;
    assert_eq!(b_check["conflicts"], serde_json::json!([]), "{b_check}");
    assert_eq!(
        b_check["findings"].as_array().map(Vec::len),
        Some(1),
        "{b_check}"
    );
    let doc = server.document(CODE).await;
    assert_eq!(doc.document["units"][&unit]["name"], "城关村委会");
    assert_eq!(check(&a, &token)["conflicts"], serde_json::json!([]));

    keep_screenshots(shots.path(), &["app-check.png"]);
    eprintln!("browser part took {browser_time:?}");
    chromium.close().await;
    app.stop();
}
