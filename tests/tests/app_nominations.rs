//! 推优 in `qunjian app`, in headless Chromium over a real county server:
//! a nomination started on the page and its six steps recorded through
//! each step's form in order; a step dated before the one it follows, or
//! in the future, refused beside its date with nothing saved; a direct
//! nomination refused for someone whose roles do not allow it and made for
//! a league secretary, starting at 上级审核; 概览 counting this year's
//! nominations by step; and, once synced, the county's `nominations`
//! report counting the same.

mod common;

use std::time::Instant;

use chromiumoxide::Page;
use common::browser::*;
use common::*;
use serde_json::{Value, json};

const CODE: &str = "330101002";

/// `POST path` with `body` from the page (the cookie is the page's); the
/// JSON answer.
async fn post(page: &Page, path: &str, body: Value) -> Value {
    js(
        page,
        &format!(
            "fetch({}, {{method: 'POST', headers: {{'content-type': 'application/json'}}, body: JSON.stringify({body})}}).then(r => r.json())",
            json!(path)
        ),
    )
    .await
}

async fn get(page: &Page, path: &str) -> Value {
    js(page, &format!("fetch({}).then(r => r.json())", json!(path))).await
}

/// A date `days` before today on this machine (the app's clock).
fn days_ago(days: i64) -> String {
    (chrono::Local::now().date_naive() - chrono::Duration::days(days)).to_string()
}

/// Start a nomination through the new-nomination form; its id, from the
/// page it lands on.
async fn nominate(page: &Page, fields: &[(&str, &str)]) -> String {
    goto(
        page,
        "#/nominations/new",
        "document.getElementById('main').dataset.page === 'new-nomination'",
    )
    .await;
    submit_form(page, "nomination-form", fields).await;
    let hash = until(
        page,
        "the new nomination's page",
        "document.getElementById('main').dataset.page === 'nomination' && location.hash",
    )
    .await;
    hash.as_str()
        .and_then(|h| h.strip_prefix("#/nominations/"))
        .expect("a nomination's page")
        .to_string()
}

/// Wait until the nomination's page offers `step`'s form.
async fn form_of(page: &Page, id: &str, step: &str) {
    until(
        page,
        &format!("the form of {step}"),
        &format!(
            "(() => {{ const m = document.getElementById('main'); return m.dataset.nomination === '{id}' \
             && m.dataset.next === '{step}' && !!document.getElementById('step-form'); }})()"
        ),
    )
    .await;
}

/// Record `step` through its form with `fields` (the step's own names).
async fn record(page: &Page, id: &str, step: &str, fields: &[(&str, &str)]) {
    form_of(page, id, step).await;
    let named: Vec<(String, &str)> = fields
        .iter()
        .map(|(k, v)| (format!("steps.{step}.{k}"), *v))
        .collect();
    let named: Vec<(&str, &str)> = named.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    submit_form(page, "step-form", &named).await;
    until(
        page,
        &format!("{step} shown done"),
        &format!(
            "document.querySelector('#stepper li[data-step=\"{step}\"]')?.dataset.state === 'done'"
        ),
    )
    .await;
}

/// Submit `step`'s form dated `date`; the message shown beside the date.
async fn refused_date(page: &Page, id: &str, step: &str, date: &str) -> String {
    form_of(page, id, step).await;
    let field = format!("steps.{step}.date");
    // A message from an earlier refusal is not this one's.
    js(
        page,
        "document.querySelectorAll('#step-form .field-problem').forEach(e => e.remove())",
    )
    .await;
    submit_form(page, "step-form", &[(field.as_str(), date)]).await;
    let message = until(
        page,
        "the refusal beside the date",
        &format!(
            "document.querySelector('#step-form label[data-field=\"{field}\"] .field-problem')?.textContent"
        ),
    )
    .await;
    message.as_str().unwrap_or_default().to_string()
}

/// The states of the six steps, as the stepper shows them.
async fn states(page: &Page) -> Vec<String> {
    let v = js(
        page,
        "[...document.querySelectorAll('#stepper li')].map(li => li.dataset.step + ':' + li.dataset.state)",
    )
    .await;
    serde_json::from_value(v).expect("states")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cadre_records_nominations_step_by_step() {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    add_township(&data, CODE, "城南镇");
    let token = township_token(&data, CODE);
    let server = ServerProcess::start(&data, free_port());
    let replica = scratch.replica_file("nominations.db");
    let device = [("QUNJIAN_TOKEN", token.as_str())];
    let first = qunjian(&replica, &device, &["sync", "--server", &server.sync_url()]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let (_app, url) = start_app_with(&replica, &device);

    let shots = tempfile::tempdir().expect("screenshot dir");
    let chromium = Chromium::launch().await;
    let started = Instant::now();
    let page = chromium.open(&url).await;
    until(
        &page,
        "the overview",
        "document.getElementById('township').textContent === '城南镇' && !!document.getElementById('nominations-overview')",
    )
    .await;

    // A village, a woman of the masses and a league secretary.
    let unit = post(
        &page,
        "/api/units",
        json!({"name": "南塘村", "kind": "village"}),
    )
    .await["id"]
        .as_str()
        .expect("unit id")
        .to_string();
    let li = post(
        &page,
        "/api/people",
        json!({"name": "李娟", "gender": "female", "birth_year": 1996, "unit": unit}),
    )
    .await["id"]
        .as_str()
        .expect("person id")
        .to_string();
    let wang = post(
        &page,
        "/api/people",
        json!({"name": "王磊", "gender": "male", "birth_year": 1994, "unit": unit, "roles": ["league_secretary"]}),
    )
    .await["id"]
        .as_str()
        .expect("person id")
        .to_string();

    // Step by step: the women's organization recommends 李娟.
    let year = chrono::Local::now().format("%Y").to_string();
    let first = nominate(
        &page,
        &[
            ("person", &li),
            ("organization", "women"),
            ("unit", &unit),
            ("direct", "false"),
        ],
    )
    .await;
    let shown = states(&page).await;
    assert_eq!(shown[0], "assembly:next", "{shown:?}");
    assert!(
        shown[1..].iter().all(|s| s.ends_with(":later")),
        "{shown:?}"
    );
    record(
        &page,
        &first,
        "assembly",
        &[
            ("date", &days_ago(60)),
            ("attendance", "35"),
            ("votes_for", "33"),
        ],
    )
    .await;
    record(
        &page,
        &first,
        "inspection",
        &[
            ("date", &days_ago(50)),
            ("inspector", "张建国"),
            ("summary", "工作积极，群众评价好"),
        ],
    )
    .await;

    // 审批 dated before 考察, then in the future: each refused at its date.
    let before = refused_date(&page, &first, "approval", &days_ago(55)).await;
    assert!(before.contains("早于"), "{before}");
    screenshot(&page, shots.path(), "app-nomination.png").await;
    let future = refused_date(&page, &first, "approval", "2099-01-01").await;
    assert!(future.contains("晚于今天"), "{future}");
    let saved = get(&page, &format!("/api/nominations/{first}")).await;
    assert_eq!(saved["steps"][2]["state"], "next", "nothing saved: {saved}");
    assert_eq!(saved["steps"][2]["date"], Value::Null);
    // A step whose predecessor is missing is refused outright, naming it.
    let skipped = post(
        &page,
        &format!("/api/nominations/{first}/steps/party_decision"),
        json!({"date": days_ago(5), "decision": "activist"}),
    )
    .await;
    assert!(
        skipped["error"]
            .as_str()
            .is_some_and(|e| e.contains("缺少上一步「推荐」")),
        "{skipped}"
    );

    record(
        &page,
        &first,
        "approval",
        &[("date", &days_ago(45)), ("reason", "表现突出")],
    )
    .await;
    record(
        &page,
        &first,
        "upper_review",
        &[
            ("date", &days_ago(40)),
            ("decision", "approved"),
            ("organization", "镇妇联"),
        ],
    )
    .await;
    record(
        &page,
        &first,
        "recommended",
        &[
            ("date", &days_ago(30)),
            ("party_organization", "南塘村党支部"),
        ],
    )
    .await;
    record(
        &page,
        &first,
        "party_decision",
        &[("date", &days_ago(20)), ("decision", "activist")],
    )
    .await;
    until(
        &page,
        "all six steps done",
        "!!document.getElementById('nomination-complete') && !document.getElementById('step-form')",
    )
    .await;
    let shown = states(&page).await;
    assert!(shown.iter().all(|s| s.ends_with(":done")), "{shown:?}");
    let details = js(
        &page,
        "document.querySelector('#stepper li[data-step=\"party_decision\"]').textContent",
    )
    .await;
    assert!(
        details
            .as_str()
            .is_some_and(|d| d.contains("列为入党积极分子")),
        "{details}"
    );

    // Directly by the upper organization: not for 李娟, who holds no such
    // role; for 王磊, the league secretary, from 上级审核 on.
    goto(
        &page,
        "#/nominations/new",
        "document.getElementById('main').dataset.page === 'new-nomination'",
    )
    .await;
    submit_form(
        &page,
        "nomination-form",
        &[
            ("person", &li),
            ("organization", "women"),
            ("unit", &unit),
            ("direct", "true"),
        ],
    )
    .await;
    let problem = until(
        &page,
        "the direct refusal beside 推荐方式",
        "document.querySelector('#nomination-form label[data-field=\"direct\"] .field-problem')?.textContent",
    )
    .await;
    assert!(
        problem.as_str().is_some_and(|p| p.contains("李娟")),
        "{problem}"
    );
    let direct = nominate(
        &page,
        &[
            ("person", &wang),
            ("organization", "league"),
            ("unit", &unit),
            ("direct", "true"),
        ],
    )
    .await;
    let shown = states(&page).await;
    assert_eq!(
        shown,
        [
            "assembly:skipped",
            "inspection:skipped",
            "approval:skipped",
            "upper_review:next",
            "recommended:later",
            "party_decision:later"
        ],
    );
    record(
        &page,
        &direct,
        "upper_review",
        &[("date", &days_ago(25)), ("decision", "approved")],
    )
    .await;
    record(&page, &direct, "recommended", &[("date", &days_ago(15))]).await;
    form_of(&page, &direct, "party_decision").await;
    record(
        &page,
        &direct,
        "party_decision",
        &[("date", &days_ago(10)), ("decision", "development_target")],
    )
    .await;

    // Another device records 考察 dated before 民主推荐, insisting (the
    // paper says so): it arrives by sync, kept, and flagged in red.
    let third = nominate(
        &page,
        &[
            ("person", &li),
            ("organization", "union"),
            ("unit", &unit),
            ("direct", "false"),
        ],
    )
    .await;
    record(&page, &third, "assembly", &[("date", &days_ago(30))]).await;
    let tablet = scratch.replica_file("tablet.db");
    for args in [
        &["sync", "--server", &server.sync_url()][..],
        &[
            "step",
            &third,
            "inspection",
            "--date",
            &days_ago(40),
            "--force",
        ],
        &["sync", "--server", &server.sync_url()],
    ] {
        let out = qunjian(&tablet, &device, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    until(
        &page,
        "the forced step synced into the app",
        &format!("fetch('/api/nominations/{third}').then(r => r.json()).then(n => n.steps[1].state === 'done')"),
    )
    .await;
    goto(
        &page,
        "#/nominations",
        "document.getElementById('main').dataset.page === 'nominations'",
    )
    .await;
    goto(
        &page,
        &format!("#/nominations/{third}"),
        "!!document.querySelector('#stepper li[data-step=\"inspection\"].flagged .step-finding')",
    )
    .await;
    let flagged = js(
        &page,
        "document.getElementById('nomination-findings').textContent",
    )
    .await;
    assert!(
        flagged
            .as_str()
            .is_some_and(|f| f.contains("早于前一步「民主推荐(大会)」")),
        "{flagged}"
    );

    // The list: three, two at 党组织决定, one flagged; archived, one leaves
    // it until restored.
    goto(
        &page,
        "#/nominations",
        "document.getElementById('main').dataset.count === '3'",
    )
    .await;
    let current = js(
        &page,
        "[...document.querySelectorAll('#nominations-table tbody tr')].map(tr => tr.cells[5].textContent + '/' + tr.cells[7].textContent)",
    )
    .await;
    assert_eq!(
        current,
        json!(["党组织决定/—", "党组织决定/—", "考察/1 个问题"])
    );
    js(&page, &format!("location.hash = '#/nominations/{direct}'")).await;
    until(
        &page,
        "the archive button",
        &format!("document.getElementById('main').dataset.nomination === '{direct}' && !!document.getElementById('archive')"),
    )
    .await;
    js(
        &page,
        "document.getElementById('archive').click(); document.getElementById('archive').click()",
    )
    .await;
    until(
        &page,
        "the restore button",
        "!!document.getElementById('restore')",
    )
    .await;
    goto(
        &page,
        "#/nominations",
        "document.getElementById('main').dataset.count === '2'",
    )
    .await;
    js(&page, &format!("location.hash = '#/nominations/{direct}'")).await;
    until(
        &page,
        "the restore button",
        &format!("document.getElementById('main').dataset.nomination === '{direct}' && !!document.getElementById('restore')"),
    )
    .await;
    js(&page, "document.getElementById('restore').click()").await;
    until(&page, "restored", "!!document.getElementById('archive')").await;

    // 概览: this year's three by the step each has reached.
    goto(
        &page,
        "#/overview",
        "!!document.getElementById('nominations-overview')",
    )
    .await;
    let at_decision = js(
        &page,
        "Object.fromEntries([...document.querySelectorAll('#nominations-overview tr[data-org]')]
           .map(tr => [tr.dataset.org, tr.cells[tr.cells.length - 2].textContent + '/' + tr.cells[tr.cells.length - 1].textContent]))",
    )
    .await;
    assert_eq!(
        at_decision,
        json!({"union": "0/1", "league": "1/1", "women": "1/1", "all": "2/3"})
    );

    // Synced: the county's report counts the township's three.
    until(
        &page,
        "在线 and nothing waiting",
        "document.getElementById('sync-state').textContent === '在线' && \
         document.getElementById('sync-unsent').textContent === '待上传修改 0 条'",
    )
    .await;
    let county = eventually(WAIT, "the county's nominations report", async || {
        let body: Value = get_json_as(
            &format!("{}/api/reports/nominations?township={CODE}", server.http()),
            &server.admin_token(),
        )
        .await;
        let rows: Vec<String> = body["rows"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .filter(|r| r["township_code"] == CODE)
                    .map(|r| {
                        format!(
                            "{} {} {} {}/{}/{}",
                            r["year"],
                            r["organization"].as_str().unwrap_or(""),
                            r["nominated"],
                            r["assembly"],
                            r["upper_review"],
                            r["party_decision"]
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        if rows.len() == 3 { Ok(rows) } else { Err(rows) }
    })
    .await;
    assert_eq!(
        county,
        [
            format!("{year} 团组织 1 0/1/1"),
            format!("{year} 工会 1 1/0/0"),
            format!("{year} 妇女组织 1 1/1/1")
        ]
    );
    eprintln!("browser part took {:?}", started.elapsed());

    keep_screenshots(shots.path(), &["app-nomination.png"]);
    chromium.close().await;
}
