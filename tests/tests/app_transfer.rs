//! `qunjian app`'s 导入 and 同步 pages in headless Chromium, over a real
//! county server: the ledger template downloaded, a filled workbook checked
//! (a refused row named with its sheet, row and reason, nothing added) and
//! then imported; a sync showing how many changes went each way; a bundle
//! exported from the page and read by the command line on another
//! replica, and one made by the command line imported through the page,
//! a file that is not a bundle refused.

mod common;

use std::path::Path;
use std::time::Instant;

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::dom::SetFileInputFilesParams;
use common::browser::*;
use common::*;
use rust_xlsxwriter::Workbook;
use serde_json::Value;

const CODE: &str = "330101001";

/// A sheet of a test workbook: its name, headers and rows of text.
type Sheet<'a> = (&'a str, &'a [&'a str], &'a [&'a [&'a str]]);

/// A workbook of sheets, every cell text.
fn workbook(path: &Path, sheets: &[Sheet<'_>]) {
    let mut wb = Workbook::new();
    for (name, headers, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        for (c, h) in headers.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    ws.write_string(r as u32 + 1, c as u16, *cell).unwrap();
                }
            }
        }
    }
    wb.save(path).unwrap();
}

/// Choose `file` in the page's `<input type=file>` at `selector`, as a
/// person picking it would (the input's change event fires). Its path
/// must be ASCII: headless Chromium here silently chooses nothing for a
/// Chinese file name.
async fn choose_file(page: &Page, selector: &str, file: &Path) {
    let input = page.find_element(selector).await.expect("the file input");
    page.execute(SetFileInputFilesParams {
        files: vec![file.to_str().expect("a UTF-8 path").to_string()],
        node_id: None,
        backend_node_id: None,
        object_id: Some(input.remote_object_id.clone()),
    })
    .await
    .expect("set the file");
}

/// The names of the units `/api/units` lists, fetched by the page.
async fn unit_names(page: &Page) -> Vec<String> {
    let v = js(
        page,
        "fetch('/api/units').then(r => r.json()).then(d => d.units.map(u => u.name))",
    )
    .await;
    serde_json::from_value(v).expect("unit names")
}

fn ok(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}{}",
        text(&out.stderr),
        text(&out.stdout)
    );
    text(&out.stdout).trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cadre_imports_a_ledger_syncs_and_carries_bundles() {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let url = add_township(&data, CODE, "城关镇");
    let token = township_token(&data, CODE);
    // Another township, whose bundle this one must refuse.
    let foreign_url = add_township(&data, "330101002", "东山乡");
    let foreign_token = township_token(&data, "330101002");
    let server = ServerProcess::start(&data, 0);
    let sync_url = server.sync_url();
    let env = [
        ("QUNJIAN_TOKEN", token.as_str()),
        ("QUNJIAN_DOC", url.as_str()),
    ];
    // The app's replica and another device's, both synced once.
    let replica = scratch.replica_file("app");
    let other = scratch.replica_file("other");
    for r in [&replica, &other] {
        ok(qunjian(r, &env, &["sync", "--server", &sync_url]));
    }
    let (_app, app_url) = start_app_with(&replica, &[("QUNJIAN_TOKEN", token.as_str())]);
    let files = tempfile::tempdir().expect("file dir");
    let shots = tempfile::tempdir().expect("screenshot dir");
    let chromium = Chromium::launch().await;
    let started = Instant::now();
    let page = chromium.open(&app_url).await;

    // The first page first: a hash set while it is still loading would
    // show the next page twice, and a file chosen in the first copy.
    until(
        &page,
        "the overview",
        "!!document.getElementById('gaps-count')",
    )
    .await;

    // 导入: the template is an xlsx with a Chinese file name.
    goto(&page, "#/import", "!!document.getElementById('file')").await;
    let template = js(
        &page,
        "fetch('/api/ledger/template').then(async r => ({ status: r.status, \
           disposition: r.headers.get('content-disposition'), \
           head: String.fromCharCode(...new Uint8Array(await r.arrayBuffer()).slice(0, 2)) }))",
    )
    .await;
    assert_eq!(template["status"], 200, "{template}");
    assert_eq!(template["head"], "PK", "an xlsx is a zip: {template}");
    assert!(
        template["disposition"]
            .as_str()
            .is_some_and(|d| d.contains("filename*=UTF-8''") && d.contains("%E6%A8%A1%E6%9D%BF")),
        "{template}"
    );

    // A file over the limit is refused in words, not cut off (sent from
    // here: a browser takes long to build 50 MB).
    let (base, secret) = app_url.split_once("/?secret=").expect("the app's address");
    let too_big = reqwest::Client::new()
        .post(format!("{base}/api/ledger/dry-run"))
        .header("cookie", format!("qunjian_app={secret}"))
        .body(vec![0u8; 50 * 1024 * 1024 + 1])
        .send()
        .await
        .expect("POST");
    assert_eq!(too_big.status(), 413);
    let body: Value = too_big.json().await.expect("a JSON error");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("文件太大")),
        "{body}"
    );

    // Two good units and a person; a unit of a kind there is not (row 4).
    let ledger = files.path().join("ledger.xlsx");
    workbook(
        &ledger,
        &[
            (
                "单位",
                &["单位名称", "单位类型", "职工人数"],
                &[
                    &["城关村", "行政村", ""],
                    &["红星纸业", "非公企业", "20"],
                    &["未知类型", "村委会", ""],
                ],
            ),
            (
                "人员",
                &["姓名", "性别", "出生年份", "所属单位"],
                &[&["李桂英", "女", "1990", "城关村"]],
            ),
        ],
    );
    choose_file(&page, "#file", &ledger).await;
    js(&page, "document.getElementById('check').click()").await;
    let shown = until(
        &page,
        "the dry run",
        "document.getElementById('main').dataset.import || \
         document.getElementById('import-problem').textContent",
    )
    .await;
    assert_eq!(shown, "dry-run");
    let refused = js(
        &page,
        "[...document.querySelectorAll('#refused-table tbody tr')].map(tr => \
           [tr.dataset.sheet, tr.dataset.row, tr.cells[2].textContent, tr.cells[3].textContent])",
    )
    .await;
    let refused = refused.as_array().expect("refused rows").clone();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0][0], "单位");
    assert_eq!(refused[0][1], "4");
    assert_eq!(refused[0][2], "单位类型");
    assert!(
        refused[0][3].as_str().is_some_and(|m| m.contains("村委会")),
        "the reason names the value: {refused:?}"
    );
    let summary = js(
        &page,
        "document.getElementById('import-summary').textContent",
    )
    .await;
    assert!(
        summary
            .as_str()
            .is_some_and(|s| s.contains("将新增 3 行") && s.contains("拒绝 1 行")),
        "{summary}"
    );
    // A dry run adds nothing.
    assert_eq!(unit_names(&page).await, Vec::<String>::new());
    screenshot(&page, shots.path(), "app-import.png").await;

    js(&page, "document.getElementById('confirm').click()").await;
    until(
        &page,
        "the import",
        "document.getElementById('main').dataset.import === 'done'",
    )
    .await;
    let mut names = unit_names(&page).await;
    names.sort();
    assert_eq!(names, ["城关村", "红星纸业"]);
    goto(
        &page,
        "#/units",
        "!!document.querySelector('#units-table tr[data-name=\"红星纸业\"]')",
    )
    .await;

    // 同步: another device adds a unit and syncs; a sync here brings it,
    // and the page says how many changes went each way.
    ok(qunjian(
        &other,
        &env,
        &["unit", "add", "--name", "南街社区", "--kind", "community"],
    ));
    ok(qunjian(&other, &env, &["sync", "--server", &sync_url]));
    goto(&page, "#/sync", "!!document.getElementById('last-result')").await;
    let before = js(&page, "document.getElementById('main').dataset.syncAt").await;
    js(&page, "document.getElementById('sync-page-now').click()").await;
    until(
        &page,
        "a new sync result",
        &format!(
            "document.getElementById('main').dataset.syncAt !== {before} && \
             document.querySelector('#last-result .sent')"
        ),
    )
    .await;
    // The import went up and 南街社区 came down, in this sync or a
    // background one just before: the last sync that moved changes says so.
    until(
        &page,
        "南街社区 received",
        "Number(document.querySelector('#last-moved .received')?.textContent) > 0",
    )
    .await;
    assert!(unit_names(&page).await.contains(&"南街社区".to_string()));
    until(
        &page,
        "everything sent",
        "document.getElementById('sync-unsent-count').textContent === '0' && \
         document.getElementById('sync-online').textContent === '在线'",
    )
    .await;
    let server_shown = js(&page, "document.querySelector('.card .server').textContent").await;
    assert_eq!(server_shown, Value::String(sync_url.clone()));

    // Export from the page, and read the whole document on a new replica
    // with the command line.
    js(&page, "document.getElementById('export').click()").await;
    until(
        &page,
        "the export",
        "!!document.getElementById('export-done')",
    )
    .await;
    let bytes = js(
        &page,
        "fetch('/api/bundle/export?all=1').then(r => r.arrayBuffer()).then(b => Array.from(new Uint8Array(b)))",
    )
    .await;
    let bytes: Vec<u8> = serde_json::from_value(bytes).expect("bundle bytes");
    let exported = files.path().join("whole.qjb");
    std::fs::write(&exported, &bytes).expect("write the bundle");
    let fresh = scratch.replica_file("fresh");
    let fresh_url = ok(qunjian(
        &fresh,
        &[],
        &["bundle", "import", exported.to_str().unwrap()],
    ));
    assert_eq!(fresh_url, url);
    let shown: Value = serde_json::from_str(&ok(qunjian(
        &fresh,
        &[("QUNJIAN_DOC", url.as_str())],
        &["show"],
    )))
    .expect("show prints JSON");
    let mut fresh_names: Vec<&str> = shown["units"]
        .as_object()
        .expect("units")
        .values()
        .filter_map(|u| u["name"].as_str())
        .collect();
    fresh_names.sort();
    assert_eq!(fresh_names, ["南街社区", "城关村", "红星纸业"]);

    // The other device, offline, adds a unit and exports a bundle; the
    // page imports it and says what it brought.
    ok(qunjian(
        &other,
        &env,
        &["unit", "add", "--name", "北村", "--kind", "village"],
    ));
    let carried = files.path().join("beicun.qjb");
    ok(qunjian(
        &other,
        &env,
        &["bundle", "export", "-o", carried.to_str().unwrap()],
    ));
    choose_file(&page, "#bundle-file", &carried).await;
    js(&page, "document.getElementById('bundle-import').click()").await;
    let brought = until(
        &page,
        "the bundle imported",
        "document.getElementById('bundle-done')?.dataset.new",
    )
    .await;
    assert!(
        brought.as_str().and_then(|n| n.parse::<u32>().ok()) >= Some(1),
        "{brought}"
    );
    assert!(unit_names(&page).await.contains(&"北村".to_string()));
    let said = js(&page, "document.getElementById('bundle-done').textContent").await;
    assert!(
        said.as_str().is_some_and(|s| s.contains("城关镇")),
        "{said}"
    );
    screenshot(&page, shots.path(), "app-sync.png").await;

    // Another township's bundle, and a file that is not a bundle, are
    // refused and say why.
    let foreign = scratch.replica_file("foreign");
    let foreign_env = [
        ("QUNJIAN_TOKEN", foreign_token.as_str()),
        ("QUNJIAN_DOC", foreign_url.as_str()),
    ];
    ok(qunjian(
        &foreign,
        &foreign_env,
        &["sync", "--server", &sync_url],
    ));
    let foreign_bundle = files.path().join("dongshan.qjb");
    ok(qunjian(
        &foreign,
        &foreign_env,
        &[
            "bundle",
            "export",
            "--all",
            "-o",
            foreign_bundle.to_str().unwrap(),
        ],
    ));
    for (file, why) in [(&foreign_bundle, "另一个乡镇"), (&ledger, "不是群建同步包")] {
        js(
            &page,
            "document.getElementById('bundle-result').innerHTML = ''",
        )
        .await;
        choose_file(&page, "#bundle-file", file).await;
        js(&page, "document.getElementById('bundle-import').click()").await;
        let shown = until(
            &page,
            "the refusal",
            "document.getElementById('bundle-refused')?.textContent",
        )
        .await;
        assert!(shown.as_str().is_some_and(|w| w.contains(why)), "{shown}");
    }
    let names = unit_names(&page).await;
    assert_eq!(
        names.len(),
        4,
        "nothing came from the refused files: {names:?}"
    );

    eprintln!("browser part took {:?}", started.elapsed());
    keep_screenshots(shots.path(), &["app-import.png", "app-sync.png"]);
    chromium.close().await;
}
