//! The app's pages of 人员, 活动, 荣誉 and 走访 in headless Chromium, over
//! the real `qunjian app` and a real county server on loopback: a person,
//! an activity, an honor and a visit added through the forms, a person
//! edited, refused entries showing their message at the field and saving
//! nothing, an activity archived and restored, the lists showing names
//! and words rather than ids and codes — and the county holding it all
//! once the header says nothing is waiting. Every wait polls with a
//! deadline.

mod common;

use std::time::Instant;

use chromiumoxide::Page;
use common::browser::*;
use common::*;
use serde_json::{Value, json};

const CODE: &str = "330101002";

/// `GET` (or another method with a JSON body) through the page, which
/// carries the app's cookie.
async fn fetch(page: &Page, method: &str, path: &str, body: Option<Value>) -> Value {
    let init = match body {
        Some(b) => {
            json!({"method": method, "headers": {"content-type": "application/json"}, "body": b.to_string()})
        }
        None => json!({"method": method}),
    };
    js(
        page,
        &format!("fetch({}, {init}).then(r => r.json())", json!(path)),
    )
    .await
}

/// The ids of the records the list shows.
async fn listed(page: &Page, kind: &str, archived_shown: bool) -> Vec<String> {
    let flag = if archived_shown { "1" } else { "0" };
    let v = until(
        page,
        &format!("the {kind} list"),
        &format!(
            "document.getElementById('main').dataset.page === '{kind}' && \
             document.getElementById('main').dataset.archivedShown === '{flag}' && \
             [...document.querySelectorAll('#records-table tbody tr')].map(tr => tr.dataset.id)"
        ),
    )
    .await;
    serde_json::from_value(v).expect("row ids")
}

/// The text of the list's row for `id`.
async fn row_text(page: &Page, id: &str) -> String {
    js(
        page,
        &format!("document.querySelector('#records-table tr[data-id=\"{id}\"]')?.textContent"),
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// Open the add form of `kind`.
async fn open_add_form(page: &Page, kind: &str) {
    goto(
        page,
        &format!("#/{kind}/new"),
        &format!(
            "document.getElementById('main').dataset.page === 'new-{kind}' && !!document.getElementById('record-form')"
        ),
    )
    .await;
}

/// Submit the open add form with `fields`; the new record's id, from the
/// page it lands on.
async fn submit_new(page: &Page, kind: &str, fields: &[(&str, &str)]) -> String {
    submit_form(page, "record-form", fields).await;
    let id = until(
        page,
        &format!("the new {kind} record's page"),
        &format!("location.hash.startsWith('#/{kind}/') && document.getElementById('main').dataset.record"),
    )
    .await;
    id.as_str().expect("an id").to_string()
}

/// Submit the open add form with `fields`, expect it refused with a
/// message at `field` containing `says`, and nothing of `kind` saved.
async fn refused_at(page: &Page, kind: &str, fields: &[(&str, &str)], field: &str, says: &str) {
    let before = fetch(page, "GET", &format!("/api/{kind}?all=1"), None).await;
    submit_form(page, "record-form", fields).await;
    let problem = until(
        page,
        &format!("the problem at {kind}'s {field}"),
        &format!(
            "document.querySelector('#record-form label[data-field=\"{field}\"] .field-problem')?.textContent"
        ),
    )
    .await;
    assert!(
        problem.as_str().is_some_and(|p| p.contains(says)),
        "{field}: {problem}"
    );
    let after = fetch(page, "GET", &format!("/api/{kind}?all=1"), None).await;
    assert_eq!(after, before, "a refused {kind} entry saved nothing");
    assert_eq!(
        js(page, "document.getElementById('main').dataset.page").await,
        json!(format!("new-{kind}")),
        "still on the form"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cadre_keeps_people_activities_honors_and_visits_in_the_browser() {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    add_township(&data, CODE, "城南镇");
    let token = township_token(&data, CODE);
    let server = ServerProcess::start(&data, free_port());
    let replica = scratch.replica_file("records.db");
    let (_app, url) = start_app(&replica);

    let today = chrono::Local::now().date_naive();
    let past = (today - chrono::Days::new(3))
        .format("%Y-%m-%d")
        .to_string();
    let future = (today + chrono::Days::new(10))
        .format("%Y-%m-%d")
        .to_string();
    let this_year = today.format("%Y").to_string();

    let shots = tempfile::tempdir().expect("screenshot dir");
    let chromium = Chromium::launch().await;
    let started = Instant::now();
    let page = chromium.open(&url).await;

    // First start, as a cadre does it: the server's address and the token.
    first_start(&page, &server.http(), &token).await;

    // Two units through the API (the unit pages have their own test).
    let mut units = Vec::new();
    for (name, kind) in [("南山村", "village"), ("城南社区", "community")] {
        let made = fetch(
            &page,
            "POST",
            "/api/units",
            Some(json!({"name": name, "kind": kind})),
        )
        .await;
        units.push(made["id"].as_str().expect("unit id").to_string());
    }
    let (village, community) = (units[0].clone(), units[1].clone());

    // 人员: an empty list says how to begin; a birth year to come is
    // refused at its field; then the person is added in the village.
    goto(
        &page,
        "#/people",
        "document.getElementById('main').dataset.page === 'people'",
    )
    .await;
    let empty = js(
        &page,
        "!document.getElementById('records-none').hidden && document.getElementById('records-none').textContent",
    )
    .await;
    assert!(
        empty.as_str().is_some_and(|t| t.contains("添加人员")),
        "{empty}"
    );
    js(&page, "document.getElementById('record-add').click()").await;
    until(
        &page,
        "the add form from the list's button",
        "document.getElementById('main').dataset.page === 'new-people'",
    )
    .await;
    let person_fields = [
        ("name", "李秀兰"),
        ("gender", "female"),
        ("unit", village.as_str()),
        ("party_stage", "masses"),
        ("roles", "womens_director,reserve_cadre"),
    ];
    let mut refused = person_fields.to_vec();
    refused.push(("birth_year", "2099"));
    refused_at(&page, "people", &refused, "birth_year", "出生年份").await;
    let mut good = person_fields.to_vec();
    good.push(("birth_year", "1992"));
    let person = submit_new(&page, "people", &good).await;
    // The person's page names the unit and links to it.
    let unit_link = until(
        &page,
        "the person's unit by name",
        &format!("document.querySelector('.facts a[href=\"#/units/{village}\"]')?.textContent"),
    )
    .await;
    assert_eq!(unit_link, json!("南山村"));

    // Edited: an activist now, in the community.
    submit_form(
        &page,
        "edit-form",
        &[("party_stage", "activist"), ("unit", community.as_str())],
    )
    .await;
    until(
        &page,
        "已保存 after the edit",
        "document.querySelector('#edit-form .saved')?.textContent === '已保存'",
    )
    .await;
    let saved = fetch(&page, "GET", &format!("/api/people/{person}"), None).await;
    assert_eq!(saved["fields"]["party_stage"], "activist", "{saved}");
    assert_eq!(saved["fields"]["unit"], json!(community), "{saved}");
    assert_eq!(saved["fields"]["birth_year"], 1992, "{saved}");

    // Two more people by the API, so the list has something to show.
    for (name, stage) in [("张伟", "member"), ("王芳", "probationary")] {
        fetch(
            &page,
            "POST",
            "/api/people",
            Some(json!({"name": name, "gender": "male", "birth_year": 1985, "unit": village, "party_stage": stage})),
        )
        .await;
    }
    js(&page, "location.hash = '#/people'").await;
    let people = listed(&page, "people", false).await;
    assert_eq!(people.len(), 3, "{people:?}");
    let row = row_text(&page, &person).await;
    for word in [
        "李秀兰",
        "女",
        "1992",
        "城南社区",
        "入党积极分子",
        "妇联主席/妇女主任",
    ] {
        assert!(row.contains(word), "{word} in {row}");
    }
    assert!(!row.contains(&community), "the unit by name, not id: {row}");
    screenshot(&page, shots.path(), "app-people.png").await;
    // The search keeps the rows that show the words.
    js(
        &page,
        "(() => { const s = document.getElementById('record-search'); s.value = '南山村'; s.dispatchEvent(new Event('input')); return true; })()",
    )
    .await;
    let shown = until(
        &page,
        "the search applied",
        "[...document.querySelectorAll('#records-table tbody tr:not([hidden])')].length === 2 && \
         [...document.querySelectorAll('#records-table tbody tr:not([hidden])')].map(tr => tr.dataset.id)",
    )
    .await;
    assert!(
        !shown.to_string().contains(&person),
        "李秀兰 moved to the community: {shown}"
    );

    // 活动: women above participants refused at the field; then saved.
    open_add_form(&page, "activities").await;
    let activity_fields = [
        ("title", "巾帼技能培训班"),
        ("kind", "training"),
        ("date", past.as_str()),
        ("participants", "30"),
        ("organizations", "women,league"),
        ("units", &format!("{village},{community}")),
        ("notes", "邀请县妇联讲师授课"),
    ];
    let mut refused = activity_fields.to_vec();
    refused.push(("women_participants", "45"));
    refused_at(
        &page,
        "activities",
        &refused,
        "women_participants",
        "女性参加人数",
    )
    .await;
    // The form with its refusal beside the field, for docs/APP.md.
    screenshot(&page, shots.path(), "app-activity.png").await;
    let mut good = activity_fields.to_vec();
    good.push(("women_participants", "24"));
    let activity = submit_new(&page, "activities", &good).await;
    let stored = fetch(&page, "GET", &format!("/api/activities/{activity}"), None).await;
    assert_eq!(stored["fields"]["notes"], "邀请县妇联讲师授课", "{stored}");
    assert_eq!(
        stored["fields"]["organizations"],
        json!(["league", "women"]),
        "{stored}"
    );
    fetch(
        &page,
        "POST",
        "/api/activities",
        Some(json!({"title": "青年志愿清洁日", "kind": "volunteer", "date": past, "organizations": ["league"], "units": [community], "participants": 18, "women_participants": 7})),
    )
    .await;
    js(&page, "location.hash = '#/activities'").await;
    let activities = listed(&page, "activities", false).await;
    assert_eq!(activities.len(), 2, "{activities:?}");
    let row = row_text(&page, &activity).await;
    for word in [
        "巾帼技能培训班",
        "培训",
        "妇女组织",
        "团组织",
        "南山村",
        "城南社区",
        "30",
        "24",
    ] {
        assert!(row.contains(word), "{word} in {row}");
    }

    // 荣誉 to the person; the list names her.
    open_add_form(&page, "honors").await;
    let honor = submit_new(
        &page,
        "honors",
        &[
            ("title", "march_eighth_red_banner"),
            ("level", "city"),
            ("year", this_year.as_str()),
            ("recipient_person", person.as_str()),
        ],
    )
    .await;
    js(&page, "location.hash = '#/honors'").await;
    assert_eq!(listed(&page, "honors", false).await, vec![honor.clone()]);
    let row = row_text(&page, &honor).await;
    for word in ["三八红旗手", "市级", this_year.as_str(), "李秀兰"] {
        assert!(row.contains(word), "{word} in {row}");
    }

    // 走访: a date to come refused at the field; then saved.
    open_add_form(&page, "visits").await;
    let visit_fields = [
        ("cadre", "陈明"),
        ("unit", village.as_str()),
        ("purpose", "指导妇女之家建设"),
    ];
    let mut refused = visit_fields.to_vec();
    refused.push(("date", future.as_str()));
    refused_at(&page, "visits", &refused, "date", "晚于").await;
    let mut good = visit_fields.to_vec();
    good.push(("date", past.as_str()));
    let visit = submit_new(&page, "visits", &good).await;
    js(&page, "location.hash = '#/visits'").await;
    assert_eq!(listed(&page, "visits", false).await, vec![visit.clone()]);
    let row = row_text(&page, &visit).await;
    for word in ["陈明", "南山村", past.as_str(), "指导妇女之家建设"] {
        assert!(row.contains(word), "{word} in {row}");
    }

    // 执委挂钩: an enterprise with a 妇工委 and no executive is named in
    // the summary; a link ending before it began is refused at the field;
    // then 陈明 is linked, and her visit there counts (1 of 2).
    let company = fetch(
        &page,
        "POST",
        "/api/units",
        Some(json!({
            "name": "南山纸业公司", "kind": "enterprise", "credit_code": "914403001922038216",
            "female_staff": 40,
            "women_org": {"formed": true, "form": "work_committee", "established": "2020-03-08"},
        })),
    )
    .await["id"]
        .as_str()
        .expect("company id")
        .to_string();
    goto(
        &page,
        "#/exec_links",
        "document.getElementById('main').dataset.page === 'exec_links'",
    )
    .await;
    let summary = js(
        &page,
        "document.getElementById('links-summary').textContent",
    )
    .await;
    assert!(
        summary.as_str().is_some_and(
            |s| s.contains("没有执委挂钩的两新妇工委 1 个") && s.contains("南山纸业公司")
        ),
        "{summary}"
    );
    open_add_form(&page, "exec_links").await;
    // Only 两新 units are offered.
    let offered = js(
        &page,
        "[...document.querySelectorAll('#record-form select[name=unit] option')].map(o => o.value).filter(v => v)",
    )
    .await;
    assert_eq!(offered, json!([company]));
    let link_fields = [
        ("executive", "陈明"),
        ("unit", company.as_str()),
        ("since", past.as_str()),
    ];
    let mut refused = link_fields.to_vec();
    refused.push(("until", "2000-01-01"));
    refused_at(&page, "exec_links", &refused, "until", "早于挂钩日期").await;
    // The refused end date is still in the form: cleared, the link saves.
    let mut good = link_fields.to_vec();
    good.push(("until", ""));
    let link = submit_new(&page, "exec_links", &good).await;
    fetch(
        &page,
        "POST",
        "/api/visits",
        Some(json!({"cadre": "陈明", "unit": company, "date": past})),
    )
    .await;
    goto(
        &page,
        "#/exec_links",
        "document.getElementById('main').dataset.page === 'exec_links'",
    )
    .await;
    assert_eq!(listed(&page, "exec_links", false).await, vec![link.clone()]);
    let row = row_text(&page, &link).await;
    for word in ["陈明", "南山纸业公司", past.as_str(), "1 / 2 次"] {
        assert!(row.contains(word), "{word} in {row}");
    }
    let summary = js(
        &page,
        "document.getElementById('links-summary').textContent",
    )
    .await;
    assert!(
        summary.as_str().is_some_and(
            |s| s.contains("未达到的 1 个") && s.contains("每个两新妇工委都有执委挂钩")
        ),
        "{summary}"
    );
    screenshot(&page, shots.path(), "app-exec-links.png").await;

    // The activity archived (a second click confirms): it leaves the list,
    // shows with 显示已归档, and comes back when restored.
    goto(
        &page,
        &format!("#/activities/{activity}"),
        &format!("document.getElementById('main').dataset.record === '{activity}'"),
    )
    .await;
    js(&page, "document.getElementById('archive').click()").await;
    let asks = js(&page, "document.getElementById('archive').textContent").await;
    assert_eq!(asks, json!("确认归档？再点一次"));
    assert_eq!(
        fetch(&page, "GET", &format!("/api/activities/{activity}"), None).await["archived"],
        false,
        "one click archives nothing"
    );
    js(&page, "document.getElementById('archive').click()").await;
    until(
        &page,
        "the activity archived",
        "document.getElementById('main').dataset.archived === '1' && !!document.getElementById('restore')",
    )
    .await;
    js(&page, "location.hash = '#/activities'").await;
    let shown = listed(&page, "activities", false).await;
    assert!(!shown.contains(&activity), "{shown:?}");
    js(
        &page,
        "(() => { const c = document.getElementById('show-archived'); c.checked = true; c.dispatchEvent(new Event('change')); return true; })()",
    )
    .await;
    let shown = listed(&page, "activities", true).await;
    assert!(shown.contains(&activity), "{shown:?}");
    assert!(
        row_text(&page, &activity).await.contains("已归档"),
        "the archived row says so"
    );
    js(
        &page,
        &format!("document.querySelector('#records-table tr[data-id=\"{activity}\"] a').click()"),
    )
    .await;
    until(
        &page,
        "the archived activity's page",
        &format!(
            "document.getElementById('main').dataset.record === '{activity}' && !!document.getElementById('restore')"
        ),
    )
    .await;
    js(&page, "document.getElementById('restore').click()").await;
    until(
        &page,
        "the activity restored",
        "document.getElementById('main').dataset.archived === '0' && !!document.getElementById('archive')",
    )
    .await;
    // The list as it was left, archived shown; then as it first opens.
    js(&page, "location.hash = '#/activities'").await;
    listed(&page, "activities", true).await;
    js(
        &page,
        "(() => { const c = document.getElementById('show-archived'); c.checked = false; c.dispatchEvent(new Event('change')); return true; })()",
    )
    .await;
    let shown = listed(&page, "activities", false).await;
    assert!(shown.contains(&activity), "restored: {shown:?}");

    // Everything reached the county once nothing waits to be uploaded.
    until(
        &page,
        "在线 and nothing waiting",
        "document.getElementById('sync-state').textContent === '在线' && \
         document.getElementById('sync-unsent').textContent === '待上传修改 0 条'",
    )
    .await;
    let county = eventually(WAIT, "the county has the records", async || {
        let doc = server.document(CODE).await.document;
        let p = &doc["people"][&person];
        let a = &doc["activities"][&activity];
        let ok = p["party_stage"] == "activist"
            && p["unit"] == json!(community)
            && a["women_participants"] == 24
            && a["archived"] != json!(true)
            && doc["honors"][&honor]["recipient_person"] == json!(person)
            && doc["visits"][&visit]["date"] == json!(past)
            && doc["exec_links"][&link]["unit"] == json!(company)
            && doc["people"].as_object().map(|m| m.len()) == Some(3);
        if ok { Ok(doc) } else { Err(doc) }
    })
    .await;
    assert_eq!(county["visits"][&visit]["cadre"], "陈明");
    eprintln!("browser part took {:?}", started.elapsed());

    keep_screenshots(
        shots.path(),
        &["app-people.png", "app-activity.png", "app-exec-links.png"],
    );
    chromium.close().await;
}
