//! `qunjian app` end to end in headless Chromium: the real binary over a
//! real county server on loopback, driven as a cadre would drive it —
//! first start with the server's address and the token, units added and
//! their organizations recorded through the forms, a refused entry, the
//! server going away and coming back — and the county's own report
//! agreeing at the end. Every wait polls the page with a deadline.

mod common;

use std::time::Instant;

use chromiumoxide::Page;
use common::browser::*;
use common::*;
use serde_json::Value;

const CODE: &str = "330101001";

/// The gaps the overview lists, as "unit:missing".
const OVERVIEW_GAPS: &str = r#"document.getElementById('gaps-count') &&
  [...document.querySelectorAll('#gaps-table tr[data-unit]')]
    .map(tr => tr.cells[0].textContent + ':' + tr.cells[2].textContent)"#;

async fn overview_gaps(page: &Page) -> Vec<String> {
    js(page, "location.hash = '#/overview'").await;
    let v = until(page, "the overview", OVERVIEW_GAPS).await;
    serde_json::from_value(v).expect("gap rows")
}

/// Add a unit through the form; its id, from the page it lands on.
async fn add_unit(page: &Page, fields: &[(&str, &str)]) -> String {
    js(page, "location.hash = '#/units/new'").await;
    until(
        page,
        "the add form",
        "!!document.getElementById('unit-form')",
    )
    .await;
    submit_form(page, "unit-form", fields).await;
    let hash = until(
        page,
        "the new unit's page",
        "document.querySelector('.orgs') && !location.hash.endsWith('/new') && location.hash",
    )
    .await;
    hash.as_str()
        .and_then(|h| h.strip_prefix("#/units/"))
        .expect("a unit's page")
        .to_string()
}

/// Record `org` as formed on `date` on the unit's page.
async fn record_org(page: &Page, unit: &str, org: &str, date: &str) {
    js(page, &format!("location.hash = '#/units/{unit}'")).await;
    let form = format!(
        "document.querySelector('#main[data-unit=\"{unit}\"] .org[data-org=\"{org}\"] form')"
    );
    until(page, "the organization's form", &format!("!!{form}")).await;
    js(
        page,
        &format!("(() => {{ const f = {form}; f.elements.established.value = '{date}'; f.requestSubmit(); return true; }})()"),
    )
    .await;
    until(
        page,
        "the organization recorded",
        &format!(
            "document.querySelector('#main[data-unit=\"{unit}\"] .org[data-org=\"{org}\"].formed .state')?.textContent === '已建'"
        ),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cadre_works_in_the_browser_online_and_offline() {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    add_township(&data, CODE, "城关镇");
    let token = township_token(&data, CODE);
    let port = free_port();
    let server = ServerProcess::start(&data, port);
    let replica = scratch.replica_file("app.db");
    let (app, url) = start_app(&replica);
    let base = url.split("/?").next().expect("base").to_string();

    // Without the secret's cookie, nothing answers.
    for path in ["/", "/api/status", "/api/units"] {
        let response = reqwest::get(format!("{base}{path}")).await.expect("GET");
        assert_eq!(response.status(), 403, "{path}");
        let body: Value = response.json().await.expect("JSON error");
        assert!(
            body["error"]
                .as_str()
                .is_some_and(|e| e.contains("qunjian app")),
            "{body}"
        );
    }
    let post = reqwest::Client::new()
        .post(format!("{base}/api/units"))
        .header("cookie", "qunjian_app=wrong")
        .json(&serde_json::json!({"name": "x", "kind": "village"}))
        .send()
        .await
        .expect("POST");
    assert_eq!(post.status(), 403);

    let shots = tempfile::tempdir().expect("screenshot dir");
    let chromium = Chromium::launch().await;
    let started = Instant::now();
    let page = chromium.open(&url).await;

    // First start: the server's address and the token, then the document.
    first_start(&page, &server.http(), &token).await;
    let township = until(
        &page,
        "the township's name",
        "document.getElementById('township').textContent === '城关镇'",
    )
    .await;
    assert_eq!(township, Value::Bool(true));
    assert_eq!(overview_gaps(&page).await, Vec::<String>::new());

    // A village without 妇女之家, an enterprise of 40 with 32 women and no union.
    let village = add_unit(&page, &[("name", "城关村"), ("kind", "village")]).await;
    let factory = add_unit(
        &page,
        &[
            ("name", "红星机械厂"),
            ("kind", "enterprise"),
            ("employees", "40"),
            ("female_staff", "32"),
        ],
    )
    .await;
    let gaps = overview_gaps(&page).await;
    assert!(gaps.contains(&"城关村:妇女之家".to_string()), "{gaps:?}");
    assert!(gaps.contains(&"红星机械厂:工会".to_string()), "{gaps:?}");
    screenshot(&page, shots.path(), "app-overview.png").await;

    // A bad credit code: its message at the field, and nothing saved.
    js(&page, &format!("location.hash = '#/units/{factory}'")).await;
    until(
        &page,
        "the unit's form",
        &format!("!!document.querySelector('#main[data-unit=\"{factory}\"] #edit-form')"),
    )
    .await;
    submit_form(&page, "edit-form", &[("credit_code", "91330100MA2ABCDE1X")]).await;
    let problem = until(
        &page,
        "the credit code's problem at its field",
        "document.querySelector('label[data-field=\"credit_code\"] .field-problem')?.textContent",
    )
    .await;
    assert!(
        problem.as_str().is_some_and(|p| p.contains("信用代码")),
        "{problem}"
    );
    screenshot(&page, shots.path(), "app-unit.png").await;
    let saved = js(
        &page,
        &format!(
            "fetch('/api/units/{factory}').then(r => r.json()).then(u => u.fields.credit_code)"
        ),
    )
    .await;
    assert_eq!(saved, Value::Null, "a refused entry saved nothing");

    // 妇女之家 recorded online: its gap goes.
    record_org(&page, &village, "womens_home", "2026-03-01").await;
    let gaps = overview_gaps(&page).await;
    assert!(!gaps.contains(&"城关村:妇女之家".to_string()), "{gaps:?}");

    // The server goes away: the header says so, and the union is recorded offline.
    server.kill();
    until(
        &page,
        "离线 in the header",
        "document.getElementById('sync-state').textContent === '离线'",
    )
    .await;
    record_org(&page, &factory, "union", "2026-04-01").await;
    until(
        &page,
        "changes waiting for the server",
        "/待上传修改 [1-9]/.test(document.getElementById('sync-unsent').textContent)",
    )
    .await;
    let gaps = overview_gaps(&page).await;
    assert!(!gaps.contains(&"红星机械厂:工会".to_string()), "{gaps:?}");

    // It comes back: synced, and the county sees what the township sees.
    let server = ServerProcess::start(&data, port);
    until(
        &page,
        "在线 and nothing waiting",
        "document.getElementById('sync-state').textContent === '在线' && \
         document.getElementById('sync-unsent').textContent === '待上传修改 0 条'",
    )
    .await;
    let township_gaps = overview_gaps(&page).await;
    let county = eventually(WAIT, "the county's gaps match the app's", async || {
        let body: Value = get_json_as(
            &format!("{}/api/reports/gaps?township={CODE}", server.http()),
            &server.admin_token(),
        )
        .await;
        let rows: Vec<String> = body["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| {
                format!(
                    "{}:{}",
                    r["unit"].as_str().unwrap_or(""),
                    r["missing"].as_str().unwrap_or("")
                )
            })
            .collect();
        let units: Vec<String> = server.document(CODE).await.document["units"]
            .as_object()
            .map(|u| u.keys().cloned().collect())
            .unwrap_or_default();
        if units.contains(&factory) && rows == township_gaps {
            Ok(rows)
        } else {
            Err(rows)
        }
    })
    .await;
    assert_eq!(county, township_gaps);

    // Stopped as Ctrl-C stops it, and started again with no token given:
    // it opens on the township it remembers, online, and an edit syncs.
    assert!(app.stop().success(), "the app stops cleanly on Ctrl-C");
    let (_app, url) = start_app(&replica);
    let page = chromium.open(&url).await;
    until(
        &page,
        "the remembered township, online, after a restart",
        "document.getElementById('township').textContent === '城关镇' && \
         document.getElementById('sync-state').textContent === '在线'",
    )
    .await;
    let school = add_unit(&page, &[("name", "城关小学"), ("kind", "institution")]).await;
    until(
        &page,
        "the new unit sent",
        "document.getElementById('sync-unsent').textContent === '待上传修改 0 条'",
    )
    .await;
    eventually(
        WAIT,
        "the county has the unit added after the restart",
        async || server.document(CODE).await.document["units"][&school]["name"] == "城关小学",
    )
    .await;

    // Archived on its page (the first click only asks), gone from the list,
    // back with 显示已归档, and restored.
    let on_page = format!("#main[data-unit=\"{school}\"]");
    goto(
        &page,
        &format!("#/units/{school}"),
        &format!("!!document.querySelector('{on_page} #archive')"),
    )
    .await;
    js(&page, "document.getElementById('archive').click()").await;
    until(
        &page,
        "the archive button asks again",
        "document.getElementById('archive').textContent.includes('再点一次')",
    )
    .await;
    let units = format!(
        "fetch('/api/units').then(r => r.json()).then(b => b.units.some(u => u.id === '{school}'))"
    );
    assert_eq!(
        js(&page, &units).await,
        Value::Bool(true),
        "one click archives nothing"
    );
    js(&page, "document.getElementById('archive').click()").await;
    until(
        &page,
        "the unit archived",
        &format!("!!document.querySelector('{on_page} #restore')"),
    )
    .await;
    let row = format!("document.querySelector('#units-table tr[data-id=\"{school}\"]')");
    goto(
        &page,
        "#/units",
        "document.querySelector('#main').dataset.page === 'units'",
    )
    .await;
    assert_eq!(
        js(&page, &format!("!!{row}")).await,
        Value::Bool(false),
        "archived units leave the list"
    );
    goto(
        &page,
        "#/units?all",
        &format!("{row}?.classList.contains('archived')"),
    )
    .await;
    goto(
        &page,
        &format!("#/units/{school}"),
        &format!("!!document.querySelector('{on_page} #restore')"),
    )
    .await;
    js(&page, "document.getElementById('restore').click()").await;
    until(
        &page,
        "the unit restored",
        &format!("!!document.querySelector('{on_page} #archive')"),
    )
    .await;
    assert_eq!(js(&page, &units).await, Value::Bool(true), "restored");
    eprintln!("browser part took {:?}", started.elapsed());

    keep_screenshots(shots.path(), &["app-overview.png", "app-unit.png"]);
    chromium.close().await;
}
