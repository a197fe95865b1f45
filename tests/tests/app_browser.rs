//! `qunjian app` end to end in headless Chromium: the real binary over a
//! real county server on loopback, driven as a cadre would drive it —
//! first start with the server's address and the token, units added and
//! their organizations recorded through the forms, a refused entry, the
//! server going away and coming back — and the county's own report
//! agreeing at the end. Every wait polls the page with a deadline.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use chromiumoxide::Page;
use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::handler::viewport::Viewport;
use chromiumoxide::page::ScreenshotParams;
use common::*;
use futures::StreamExt;
use serde_json::Value;

const CHROMIUM: &str = "/usr/bin/chromium";
const CODE: &str = "330101001";
/// Every wait is on a condition; this only bounds it. Coming back online
/// can take a dialer backoff (at most 15 s) after a sync attempt that was
/// still waiting offline (10 s): on a loaded 2-core CI machine 30 s is too
/// close to that.
const WAIT: Duration = Duration::from_secs(60);

/// The app process, stopped when the test ends.
struct AppProcess(Child);

impl Drop for AppProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `qunjian app` and read the address (with its secret) it prints.
fn start_app(replica: &std::path::Path) -> (AppProcess, String) {
    let mut child = qunjian_command(
        replica,
        &[],
        &[
            "app",
            "--listen",
            "127.0.0.1:0",
            "--no-open",
            "--sync-every",
            "2",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit())
    .spawn()
    .expect("start qunjian app");
    let stdout = child.stdout.take().expect("app stdout");
    let mut lines = BufReader::new(stdout);
    let mut line = String::new();
    lines
        .read_line(&mut line)
        .expect("read the app's first line");
    // Read the rest too: a closed pipe would end the app at its next line.
    std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("the app printed no address: {line:?}"))
        .to_string();
    (AppProcess(child), url)
}

/// Evaluate `js` in the page, as JSON.
async fn js(page: &Page, js: &str) -> Value {
    page.evaluate(js)
        .await
        .unwrap_or_else(|e| panic!("evaluate {js}: {e}"))
        .into_value::<Value>()
        .unwrap_or(Value::Null)
}

/// Poll `expr` until it is truthy; its value.
async fn until(page: &Page, what: &str, expr: &str) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let v = js(page, expr).await;
        let truthy = match &v {
            Value::Null | Value::Bool(false) => false,
            Value::String(s) => !s.is_empty(),
            Value::Number(n) => n.as_f64() != Some(0.0),
            _ => true,
        };
        if truthy {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "not within {WAIT:?}: {what} ({expr} = {v})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The gaps the overview lists, as "unit:missing".
const OVERVIEW_GAPS: &str = r#"document.getElementById('gaps-count') &&
  [...document.querySelectorAll('#gaps-table tr[data-unit]')]
    .map(tr => tr.cells[0].textContent + ':' + tr.cells[2].textContent)"#;

async fn overview_gaps(page: &Page) -> Vec<String> {
    js(page, "location.hash = '#/overview'").await;
    let v = until(page, "the overview", OVERVIEW_GAPS).await;
    serde_json::from_value(v).expect("gap rows")
}

/// Fill the unit form `form` with `fields` and submit it.
async fn submit_unit_form(page: &Page, form: &str, fields: &[(&str, &str)]) {
    let mut script = format!("(() => {{ const f = document.getElementById('{form}');");
    for (name, value) in fields {
        script.push_str(&format!("f.elements['{name}'].value = '{value}';"));
    }
    script.push_str("f.requestSubmit(); return true; })()");
    js(page, &script).await;
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
    submit_unit_form(page, "unit-form", fields).await;
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

async fn screenshot(page: &Page, dir: &std::path::Path, name: &str) {
    let png = page
        .screenshot(ScreenshotParams::builder().build())
        .await
        .expect("screenshot");
    std::fs::write(dir.join(name), png).expect("write screenshot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cadre_works_in_the_browser_online_and_offline() {
    assert!(
        std::path::Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install Debian's `chromium` (and `fonts-wqy-microhei`), as .ci/run does"
    );
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    add_township(&data, CODE, "城关镇");
    let token = township_token(&data, CODE);
    let port = free_port();
    let server = ServerProcess::start(&data, port);
    let replica = scratch.replica_file("app.db");
    let (_app, url) = start_app(&replica);
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
    let profile = tempfile::tempdir().expect("browser profile");
    let config = BrowserConfig::builder()
        .chrome_executable(CHROMIUM)
        .no_sandbox()
        .new_headless_mode()
        .user_data_dir(profile.path())
        .window_size(1366, 768)
        .viewport(Viewport {
            width: 1366,
            height: 768,
            device_scale_factor: Some(1.0),
            emulating_mobile: false,
            is_landscape: true,
            has_touch: false,
        })
        .build()
        .expect("browser config");
    let (mut browser, mut handler) = Browser::launch(config).await.expect("launch chromium");
    let events = tokio::spawn(async move { while handler.next().await.is_some() {} });
    let started = Instant::now();
    let page = browser.new_page(url.as_str()).await.expect("open the app");

    // First start: the server's address and the token, then the document.
    until(
        &page,
        "the first-start form",
        "!!document.getElementById('setup-server')",
    )
    .await;
    js(
        &page,
        &format!(
            "(() => {{ document.getElementById('setup-server').value = '{}'; \
             document.getElementById('setup-token').value = '{token}'; \
             document.getElementById('setup-form').requestSubmit(); return true; }})()",
            server.http()
        ),
    )
    .await;
    until(
        &page,
        "the overview after first start",
        "!!document.getElementById('gaps-count')",
    )
    .await;
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
    submit_unit_form(&page, "edit-form", &[("credit_code", "91330100MA2ABCDE1X")]).await;
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
    eprintln!("browser part took {:?}", started.elapsed());

    if let Ok(dir) = std::env::var("QUNJIAN_APP_SCREENSHOTS") {
        for name in ["app-overview.png", "app-unit.png"] {
            std::fs::copy(
                shots.path().join(name),
                std::path::Path::new(&dir).join(name),
            )
            .expect("copy screenshot");
        }
    }
    browser.close().await.expect("close browser");
    let _ = browser.wait().await;
    events.abort();
}
