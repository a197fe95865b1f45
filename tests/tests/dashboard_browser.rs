//! The county dashboard (issue 15) in headless Chromium, against a real
//! county server holding the report tests' fixture county (three townships
//! built and synced through `qunjian-client` replicas) and a fourth
//! township no device has synced yet. Signed in with a viewer token, the
//! figures on 总览 and every chart's data (read back with ECharts'
//! `getOption()`) equal the JSON API's; the API agrees with the reports;
//! the page drills down to a township and a unit; 推优 draws its funnels
//! against the quotas and its wide table scrolls inside its card; 同步
//! shows a township coming online without a reload; the CSV and Excel
//! buttons download; the print view renders; and a township token sees its
//! own township only. One browser for the whole file.

mod common;
// Its hand-worked figures are the report tests'; this file reads the API.
#[allow(dead_code)]
mod reports_fixture;

use std::path::Path;
use std::time::Instant;

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::browser::{
    SetDownloadBehaviorBehavior, SetDownloadBehaviorParams,
};
use chromiumoxide::cdp::browser_protocol::page::PrintToPdfParams;
use chromiumoxide::page::MediaTypeParams;
use common::browser::*;
use common::*;
use reports_fixture::*;
use serde_json::{Value, json};

/// A fourth township, registered while the server runs; no device yet.
const D: &str = "330825104";

/// A chart's series as drawn: each series' values (an item's `value`
/// when the page gave an object), colours and mark lines, and its category
/// axis.
fn chart(id: &str) -> String {
    format!(
        r#"(() => {{
  const el = document.getElementById({id});
  const c = el && echarts.getInstanceByDom(el);
  if (!c) return null;
  const o = c.getOption();
  const plain = (d) => (d && typeof d === 'object' && !Array.isArray(d)) ? (d.value ?? null) : d;
  const axis = (a) => a && a[0] && a[0].data;
  return {{
    series: o.series.map(s => ({{
      data: s.data.map(plain),
      colors: s.data.map(d => d && d.itemStyle ? d.itemStyle.color : null),
      marks: s.markLine ? s.markLine.data.map(m => m.xAxis) : null,
    }})),
    categories: axis(o.yAxis)?.length ? axis(o.yAxis) : axis(o.xAxis),
  }};
}})()"#,
        id = json!(id)
    )
}

async fn chart_data(page: &Page, id: &str) -> Value {
    until(page, &format!("chart {id}"), &chart(id)).await
}

/// `v` with every number as a float: the page's `1` is the API's `1.0`.
fn floats(v: &Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64()),
        Value::Array(items) => Value::Array(items.iter().map(floats).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), floats(v))).collect())
        }
        other => other.clone(),
    }
}

/// Two JSON values equal as numbers.
#[track_caller]
fn same(drawn: &Value, api: &Value, what: &str) {
    assert_eq!(floats(drawn), floats(api), "{what}: drawn vs API");
}

/// The values of a JSON array of objects at `key`.
fn pluck(items: &Value, key: &str) -> Vec<Value> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {items}"))
        .iter()
        .map(|i| i[key].clone())
        .collect()
}

async fn viewer_json(county: &County, token: &str, path: &str) -> Value {
    get_json_as(&format!("{}{path}", county.server.http()), token).await
}

/// Go to `hash` and wait for its page module to say it has drawn `name`
/// (or an error). The mark is cleared first, so the last page's cannot pass.
async fn drawn(page: &Page, hash: &str, name: &str) {
    js(
        page,
        &format!(
            "delete document.getElementById('main').dataset.page; location.hash = {}",
            json!(hash)
        ),
    )
    .await;
    until(
        page,
        &format!("{hash}: {name}"),
        "document.getElementById('main').dataset.page",
    )
    .await;
    let shown = js(page, "document.getElementById('main').dataset.page").await;
    assert_eq!(
        shown,
        json!(name),
        "{hash}: {}",
        js(page, "document.getElementById('main').innerText").await
    );
}

/// The cards and the four charts of an overview body `o`, as the page shows them.
async fn figures_match(page: &Page, o: &Value) {
    let card =
        |id: &str, attr: &str| format!("document.getElementById({}).dataset.{attr}", json!(id));
    let number = |v: Value| -> i64 {
        v.as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not a number: {v}"))
    };
    assert_eq!(
        number(js(page, &card("card-gaps", "value")).await),
        o["gaps"]
    );
    assert_eq!(
        number(js(page, &card("card-overdue", "value")).await),
        o["overdue"]
    );
    assert_eq!(
        number(js(page, &card("card-rates", "missed")).await),
        o["rates_missed"]
    );
    assert_eq!(
        number(js(page, &card("card-rates", "met")).await),
        o["rates_met"]
    );
    assert_eq!(
        number(js(page, &card("card-activities", "value")).await),
        o["activities_total"]
    );
    assert_eq!(
        number(js(page, &card("card-stale", "value")).await),
        o["stale"].as_array().expect("stale").len() as i64
    );
    let all = o["nominations"]["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["key"] == "all")
        .expect("the all group")
        .clone();
    assert_eq!(
        number(js(page, &card("card-nominations", "value")).await),
        all["counts"][0]
    );

    // Rates: a bar per rate at its rate, a tick at its target, red when missed.
    let rates = chart_data(page, "chart-rates").await;
    same(
        &rates["categories"],
        &json!(pluck(&o["rates"], "label_zh")),
        "rates categories",
    );
    same(
        &rates["series"][0]["data"],
        &json!(pluck(&o["rates"], "rate")),
        "rates series 0 data",
    );
    let targets: Vec<Value> = rates["series"][1]["data"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|p| p[0].clone())
        .collect();
    same(
        &json!(targets),
        &json!(pluck(&o["rates"], "target_rate")),
        "targets",
    );
    for (met, colour) in pluck(&o["rates"], "met")
        .iter()
        .zip(rates["series"][0]["colors"].as_array().expect("colours"))
    {
        assert_eq!(*met == json!(false), *colour == json!("#b91c1c"), "{rates}");
    }
    // 应建未建 by organization.
    let gaps = chart_data(page, "chart-gaps").await;
    same(
        &gaps["categories"],
        &json!(pluck(&o["gaps_by_org"], "label_zh")),
        "gaps categories",
    );
    same(
        &gaps["series"][0]["data"],
        &json!(pluck(&o["gaps_by_org"], "count")),
        "gaps series 0 data",
    );
    same(
        &gaps["series"][1]["data"],
        &json!(pluck(&o["gaps_by_org"], "overdue")),
        "gaps series 1 data",
    );
    // The year's 推优 by step, against the quota where there is one.
    let funnel = chart_data(page, "chart-funnel").await;
    same(
        &funnel["categories"],
        &json!(pluck(&o["nominations"]["stages"], "label_zh")),
        "funnel categories",
    );
    same(
        &funnel["series"][0]["data"],
        &all["counts"],
        "funnel series 0 data",
    );
    let marks = match &all["quota"] {
        Value::Null => Value::Null,
        q => json!([q["min"], q["max"]]),
    };
    same(
        &funnel["series"][0]["marks"],
        &marks,
        "funnel series 0 marks",
    );
    // Activities by month.
    let months = chart_data(page, "chart-months").await;
    same(
        &months["series"][0]["data"],
        &json!(pluck(&o["activities"], "activities")),
        "months series 0 data",
    );
    same(
        &months["series"][1]["data"],
        &json!(pluck(&o["activities"], "participants")),
        "months series 1 data",
    );
}

/// Every file in `dir` (downloads land there).
fn files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.ends_with(".crdownload"))
                .collect()
        })
        .unwrap_or_default()
}

/// The coverage report's title, which its CSV carries.
async fn coverage_title(county: &County) -> String {
    county.report("coverage", "").await["title_zh"]
        .as_str()
        .expect("title")
        .to_string()
}

async fn sign_in(page: &Page, token: &str) {
    until(
        page,
        "the sign-in form",
        "document.getElementById('main').dataset.page === 'login'",
    )
    .await;
    js(
        page,
        &format!(
            "(() => {{ const f = document.getElementById('login'); f.elements.token.value = {}; f.requestSubmit(); return true; }})()",
            json!(token)
        ),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_county_dashboard_in_a_browser() {
    let started = Instant::now();
    let county = county().await;
    let data = county.scratch.data_dir();
    let d_url = add_township(&data, D, "模环乡");
    // Named once, as an IT office does after installing; the running
    // server reads it on each request.
    let named = admin_cli(
        &data,
        &["county", "set", "--code", "330825", "--name", "龙游县"],
    );
    assert!(named.status.success(), "{}", text(&named.stderr));
    let viewer = token(&data, "county-viewer", None);
    let a_token = township_token(&data, A);
    let q = format!("?as_of={AS_OF}");
    let fixture_ready = started.elapsed();

    let shots = tempfile::tempdir().expect("screenshot dir");
    let downloads = tempfile::tempdir().expect("download dir");
    let chromium = Chromium::launch().await;
    chromium
        .browser
        .execute(
            SetDownloadBehaviorParams::builder()
                .behavior(SetDownloadBehaviorBehavior::Allow)
                .download_path(downloads.path().to_string_lossy().into_owned())
                .build()
                .expect("download behaviour"),
        )
        .await
        .expect("allow downloads");
    let page = chromium.open(&format!("{}/", county.server.http())).await;
    let browser_ready = started.elapsed();

    // Signed in with a viewer token, 总览 is the first page.
    sign_in(&page, &viewer).await;
    drawn(&page, "#/overview", "overview").await;
    let county_shown = js(&page, "document.getElementById('county').textContent").await;
    assert!(
        county_shown.as_str().is_some_and(|s| !s.trim().is_empty()),
        "the header names the county: {county_shown}"
    );

    // 总览 as of the fixture's date: every figure is the API's.
    drawn(&page, &format!("#/overview{q}"), "overview").await;
    let o = viewer_json(&county, &viewer, &format!("/api/overview{q}")).await;
    figures_match(&page, &o).await;
    // ... and the API's are the reports': the county's rates are the
    // coverage report's 全县合计 rows, 应建未建 its rows by organization,
    // the funnel the nominations report's 群团组织合计.
    let coverage = county.rows("coverage", &format!("as_of={AS_OF}")).await;
    for r in o["rates"].as_array().expect("rates") {
        let row = coverage
            .iter()
            .find(|c| c["township"] == "全县合计" && c["target_key"] == r["target"])
            .unwrap_or_else(|| panic!("no total row for {r}"));
        assert_eq!(
            (&row["rate"], &row["target_rate"], &row["met"]),
            (&r["rate"], &r["target_rate"], &r["met"])
        );
    }
    let gap_rows = county.rows("gaps", &format!("as_of={AS_OF}")).await;
    assert_eq!(o["gaps"], json!(gap_rows.len()));
    for g in o["gaps_by_org"].as_array().expect("by org") {
        let n = gap_rows
            .iter()
            .filter(|r| r["missing"] == g["label_zh"])
            .count();
        assert_eq!(g["count"], json!(n), "{g}");
    }
    let nominations = county
        .rows("nominations", &format!("as_of={AS_OF}&year=2026"))
        .await;
    let total = nominations
        .iter()
        .find(|r| r["township"] == "全县合计" && r["organization"] == "群团组织合计")
        .expect("the 群团组织合计 row");
    let all = &o["nominations"]["groups"][4];
    assert_eq!(all["key"], "all");
    assert_eq!(all["counts"][0], total["nominated"]);
    assert_eq!(all["quota"]["min"], total["quota_min"]);
    // Activities by month, worked out by hand: three in March (two in
    // 城关镇, one in 湖镇镇), one in April; July's is after the date.
    let months: Vec<Value> = pluck(&o["activities"], "activities");
    assert_eq!(
        months,
        json!([0, 0, 3, 1, 0, 0])
            .as_array()
            .expect("months")
            .clone()
    );
    // 模环乡 has never synced: the one township listed as silent.
    assert_eq!(pluck(&o["stale"], "code"), vec![json!(D)]);
    let stale = js(
        &page,
        "[...document.querySelectorAll('#stale li')].map(li => li.dataset.code)",
    )
    .await;
    assert_eq!(stale, json!([D]));

    // 应建未建's table: 已逾期 是 is red and bold, 否 plain; no raw codes.
    let overdue_cells = js(
        &page,
        r#"(() => { const t = document.getElementById('table-gaps');
          const i = [...t.tHead.rows[0].cells].findIndex(th => th.dataset.key === 'overdue');
          return [...t.tBodies[0].rows].map(r => [r.cells[i].textContent, r.cells[i].className,
            getComputedStyle(r.cells[i]).fontWeight]); })()"#,
    )
    .await;
    let overdue_cells = overdue_cells.as_array().expect("cells");
    assert_eq!(overdue_cells.len(), gap_rows.len());
    assert!(overdue_cells.iter().any(|c| c[0] == "是"));
    for c in overdue_cells {
        match c[0].as_str() {
            Some("是") => {
                assert_eq!(c[1], "bad");
                assert!(
                    c[2].as_str().is_some_and(|w| w == "700" || w == "bold"),
                    "{c}"
                );
            }
            Some("否") => assert_eq!(c[1], ""),
            other => panic!("已逾期 reads {other:?}"),
        }
    }
    let coverage_text = js(&page, "document.getElementById('table-coverage').innerText").await;
    let coverage_text = coverage_text.as_str().expect("text");
    assert!(
        !coverage_text.contains("union_formation"),
        "raw target codes shown"
    );
    assert!(!coverage_text.contains("330825101"), "township codes shown");
    // A click on a header sorts; the 全县合计 rows stay last.
    let sorted = js(
        &page,
        r#"(() => { const t = document.getElementById('table-coverage');
          const th = [...t.tHead.rows[0].cells].find(th => th.dataset.key === 'formed');
          th.click();
          const rows = [...t.tBodies[0].rows];
          const i = th.cellIndex;
          const plain = rows.filter(r => !r.classList.contains('total')).map(r => Number(r.cells[i].dataset.v));
          const up = plain.every((v, k) => k === 0 || plain[k - 1] <= v);
          const totalsLast = rows.slice(plain.length).every(r => r.classList.contains('total'));
          return up && totalsLast && th.classList.contains('sorted-asc'); })()"#,
    )
    .await;
    assert_eq!(sorted, json!(true));
    // Its CSV and Excel buttons download the export, one after the other:
    // the CSV's text, then a workbook (a zip). (Headless Chromium saves a
    // blob under its own name; the names are the exports' business.)
    let csv_title = coverage_title(&county).await;
    for (ext, looks_right) in [
        (
            "csv",
            Box::new(move |b: &[u8]| String::from_utf8_lossy(b).contains(&csv_title))
                as Box<dyn Fn(&[u8]) -> bool>,
        ),
        ("xlsx", Box::new(|b: &[u8]| b.starts_with(b"PK"))),
    ] {
        js(
            &page,
            &format!("document.querySelector('[data-report=\"coverage\"] [data-file=\"coverage.{ext}\"]').click()"),
        )
        .await;
        eventually(
            reports_fixture::WAIT,
            &format!("the {ext} file downloaded"),
            async || {
                let got = files(downloads.path());
                let found = got.iter().any(|n| {
                    std::fs::read(downloads.path().join(n)).is_ok_and(|b| looks_right(&b))
                });
                if found {
                    Ok(())
                } else {
                    Err(format!("{got:?}"))
                }
            },
        )
        .await;
    }
    js(&page, "window.scrollTo(0, 0)").await;
    screenshot(&page, shots.path(), "dashboard-overview.png").await;

    // The print view (A4 landscape): no header or buttons, a print title,
    // charts scaled by their viewBox.
    page.emulate_media_type(MediaTypeParams::Print)
        .await
        .expect("print media");
    let print = js(
        &page,
        r#"({ header: getComputedStyle(document.getElementById('top')).display,
            title: getComputedStyle(document.getElementById('print-head')).display,
            heading: document.getElementById('print-title').textContent,
            scaled: !!document.querySelector('#chart-rates svg[viewBox]') })"#,
    )
    .await;
    assert_eq!(print["header"], "none", "{print}");
    assert_eq!(print["title"], "flex", "{print}");
    assert!(
        print["heading"]
            .as_str()
            .is_some_and(|h| h.contains("总览")),
        "{print}"
    );
    assert_eq!(print["scaled"], true);
    screenshot(&page, shots.path(), "dashboard-overview-print.png").await;
    page.emulate_media_type(MediaTypeParams::Screen)
        .await
        .expect("screen media");

    // Down to a township: its link in the townships' table.
    js(
        &page,
        &format!("document.querySelector('#townships-table tr[data-code=\"{A}\"] a').click()"),
    )
    .await;
    until(
        &page,
        "城关镇's page",
        &format!("document.getElementById('main').dataset.township === '{A}'"),
    )
    .await;
    let a = viewer_json(&county, &viewer, &format!("/api/overview{q}&township={A}")).await;
    assert_eq!(a["township"]["name"], "城关镇");
    figures_match(&page, &a).await;
    // A township's figures draw no county quota.
    assert_eq!(a["nominations"]["groups"][4]["quota"], Value::Null);
    let units = viewer_json(&county, &viewer, &format!("/api/townships/{A}/units{q}")).await;
    let listed = js(
        &page,
        "[...document.querySelectorAll('#units-table tr[data-unit]')].map(r => r.dataset.unit)",
    )
    .await;
    let mut listed: Vec<Value> = listed.as_array().expect("rows").clone();
    let mut wanted = pluck(&units["units"], "id");
    listed.sort_by_key(|v| v.to_string());
    wanted.sort_by_key(|v| v.to_string());
    assert_eq!(listed, wanted);
    js(&page, "window.scrollTo(0, 0)").await;
    screenshot(&page, shots.path(), "dashboard-township.png").await;
    // The township's print view, as a PDF on A4 landscape.
    let pdf = page
        .pdf(
            PrintToPdfParams::builder()
                .landscape(true)
                .prefer_css_page_size(true)
                .print_background(true)
                .build(),
        )
        .await
        .expect("print to PDF");
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");

    // Down to a unit: 城关X3公司 lacks its union, overdue since 2019.
    let x3 = county.town(A).id("X3").to_string();
    js(
        &page,
        &format!("document.querySelector('#units-table tr[data-unit=\"{x3}\"] a').click()"),
    )
    .await;
    until(
        &page,
        "城关X3公司's page",
        &format!("document.getElementById('main').dataset.unit === '{x3}'"),
    )
    .await;
    let union = js(
        &page,
        r#"(() => { const o = document.querySelector('#unit-orgs .org[data-org="union"]');
          return { lacking: o.classList.contains('lacking'), text: o.innerText,
                   missing: document.getElementById('unit-missing').innerText }; })()"#,
    )
    .await;
    assert_eq!(union["lacking"], true, "{union}");
    assert!(
        union["text"]
            .as_str()
            .is_some_and(|t| t.contains("已逾期") && t.contains("工会")),
        "{union}"
    );
    assert!(
        union["missing"]
            .as_str()
            .is_some_and(|t| t.contains("工会")),
        "{union}"
    );
    // 城关L1公司's records: the page lists what the API gives.
    let l1 = county.town(A).id("L1").to_string();
    drawn(&page, &format!("#/unit/{A}/{l1}{q}"), "unit").await;
    let l1_page = viewer_json(
        &county,
        &viewer,
        &format!("/api/townships/{A}/units/{l1}{q}"),
    )
    .await;
    for list in l1_page["records"].as_array().expect("records") {
        let shown = js(
            &page,
            &format!(
                "document.querySelectorAll('#records-{} tbody tr').length",
                list["key"].as_str().expect("key")
            ),
        )
        .await;
        assert_eq!(
            shown,
            json!(list["rows"].as_array().expect("rows").len()),
            "{}",
            list["key"]
        );
    }
    assert_eq!(
        l1_page["records"][1]["rows"].as_array().map(Vec::len),
        Some(4),
        "L1's four 推优"
    );

    // 推优: a funnel per group with its quota lines, the shares against
    // their ranges, and the 20-column table inside its card.
    drawn(&page, &format!("#/nominations{q}"), "nominations").await;
    let f = viewer_json(&county, &viewer, &format!("/api/funnel{q}")).await;
    for g in f["groups"].as_array().expect("groups") {
        let id = format!("chart-funnel-{}", g["key"].as_str().expect("key"));
        let drawn = chart_data(&page, &id).await;
        same(&drawn["series"][0]["data"], &g["counts"], &id);
        let marks = match &g["quota"] {
            Value::Null => Value::Null,
            q => json!([q["min"], q["max"]]),
        };
        same(&drawn["series"][0]["marks"], &marks, &id);
    }
    for (id, key) in [
        ("chart-under35", "under_35_share"),
        ("chart-women", "women_share"),
    ] {
        let drawn = chart_data(&page, id).await;
        same(
            &drawn["series"][0]["data"],
            &json!(pluck(&f["groups"], key)),
            id,
        );
    }
    let wide = js(
        &page,
        r#"(() => { const card = document.querySelector('[data-report="nominations"]');
          const wrap = card.querySelector('.table-wrap');
          const first = card.querySelector('tbody td');
          return { right: card.getBoundingClientRect().right, width: innerWidth,
                   scrolls: wrap.scrollWidth > wrap.clientWidth ? getComputedStyle(wrap).overflowX : 'fits',
                   sticky: getComputedStyle(first).position + ' ' + getComputedStyle(first).left,
                   columns: card.querySelectorAll('thead th').length }; })()"#,
    )
    .await;
    assert!(
        wide["right"].as_f64().expect("right") <= wide["width"].as_f64().expect("width"),
        "the 推优 card is cut off: {wide}"
    );
    assert!(
        wide["scrolls"] == "auto" || wide["scrolls"] == "fits",
        "{wide}"
    );
    assert_eq!(wide["sticky"], "sticky 0px", "{wide}");
    js(&page, "window.scrollTo(0, 0)").await;
    screenshot(&page, shots.path(), "dashboard-nominations.png").await;

    // 同步: 模环乡 comes online while the page is shown, without a reload.
    drawn(&page, "#/sync", "sync").await;
    let d_card = format!("document.querySelector('.town[data-code=\"{D}\"]')");
    let before = until(
        &page,
        "模环乡's card",
        &format!("{d_card} && {d_card}.dataset.online"),
    )
    .await;
    assert_eq!(before, json!("0"));
    js(&page, "window.stillThisPage = true").await;
    let d_token = township_token(&data, D);
    let replica = connected_replica(
        &county.scratch.replica_file(D),
        &county.server.sync_url(),
        &d_url,
        &d_token,
    )
    .await;
    until(
        &page,
        "模环乡 online on the 同步 page",
        &format!("{d_card}?.dataset.online === '1' && window.stillThisPage === true"),
    )
    .await;
    replica.close().await;

    // A township token: its own township only, no county figures.
    js(&page, "document.getElementById('logout').click()").await;
    sign_in(&page, &a_token).await;
    // Still on 同步: its own township's card only.
    let towns = until(
        &page,
        "城关镇's 同步",
        "document.getElementById('main').dataset.page === 'sync' && [...document.querySelectorAll('.town')].map(t => t.dataset.code)",
    )
    .await;
    assert_eq!(towns, json!([A]));
    drawn(&page, "#/overview", "township").await;
    let own =
        get_json_as::<Value>(&format!("{}/api/overview", county.server.http()), &a_token).await;
    assert_eq!(own["township"]["code"], A);
    assert_eq!(pluck(&own["townships"], "code"), vec![json!(A)]);
    figures_match(&page, &own).await;
    let nav = js(
        &page,
        "({ overview: document.getElementById('nav-overview').hidden, mine: document.getElementById('nav-township').textContent })",
    )
    .await;
    assert_eq!(nav, json!({"overview": true, "mine": "本乡镇"}));
    let figures_text = js(
        &page,
        "[...document.querySelectorAll('.cards, .charts')].map(e => e.innerText).join(' ')",
    )
    .await;
    for other in ["全县", "湖镇镇", "龙洲街道", "计划 300"] {
        assert!(
            !figures_text.as_str().expect("text").contains(other),
            "a township token's figures show {other}: {figures_text}"
        );
    }
    // Another township's page is refused, with the server's words.
    drawn(
        &page,
        &format!("#/unit/{B}/{}", county.town(B).id("WC")),
        "error",
    )
    .await;
    let refused = js(&page, "document.getElementById('page-error').textContent").await;
    assert!(
        refused.as_str().is_some_and(|t| t.contains("本乡镇")),
        "{refused}"
    );

    // The new endpoints refuse bad input with a status and words.
    let base = county.server.http();
    for (path, token, status, says) in [
        ("/api/overview?as_of=2026-13-01", &viewer, 400, "as_of"),
        ("/api/funnel?year=26", &viewer, 400, "year"),
        ("/api/townships/999/units", &viewer, 404, "没有乡镇代码"),
        (
            &format!("/api/townships/{A}/units/nope") as &str,
            &viewer,
            404,
            "没有编号为",
        ),
        (
            &format!("/api/overview?township={B}"),
            &a_token,
            403,
            "本乡镇",
        ),
        (
            &format!("/api/townships/{B}/units"),
            &a_token,
            403,
            "本乡镇",
        ),
    ] {
        let response = get_as(&format!("{base}{path}"), token).await;
        assert_eq!(response.status().as_u16(), status, "{path}");
        let body: Value = response.json().await.expect("a JSON error");
        assert!(
            body["error"].as_str().is_some_and(|e| e.contains(says)),
            "{path}: {body}"
        );
    }

    keep_screenshots(
        shots.path(),
        &[
            "dashboard-overview.png",
            "dashboard-township.png",
            "dashboard-nominations.png",
        ],
    );
    println!(
        "fixture {:.1} s, browser {:.1} s, whole test {:.1} s",
        fixture_ready.as_secs_f64(),
        (browser_ready - fixture_ready).as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    chromium.close().await;
    county.close().await;
}
