//! Issue 12, the read/sync half: the township's 应建未建 and rates computed
//! offline by `qunjian gaps` / `qunjian coverage` equal the county server's
//! reports for that township, under the county's rules fetched on `sync`
//! (the built-in defaults before, and said so); `qunjian status` tells an
//! unreachable server and unsent changes; `sync` counts what it sent and
//! received. Every step through the real binaries on loopback. Issue 14:
//! the two targets with a figure only since (women among reserve cadres,
//! village 妇代会 chairs on the two committees) agree too, one chair's seat
//! recorded by `qunjian unit update --women-chair-on-committees`.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use qunjian_client::schema::{Date, Gender, Person, Role, Unit, UnitKind, WomenOrgForm};
use serde_json::Value;

const CODE: &str = "330825101";
const AS_OF: &str = "2026-06-30";
const WAIT: Duration = Duration::from_secs(30);

fn day(s: &str) -> Date {
    s.parse().expect("date")
}

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

/// `qunjian … --json`, parsed.
fn ok_json(replica: &Path, env: &[(&str, &str)], args: &[&str]) -> Value {
    let out = ok(replica, env, args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("qunjian {args:?}: bad JSON {e}: {out}"))
}

/// A report's rows for the township, as the county admin sees them.
async fn county_rows(server: &ServerProcess, name: &str) -> Vec<Value> {
    let body: Value = get_json_as(
        &format!(
            "{}/api/reports/{name}?township={CODE}&as_of={AS_OF}",
            server.http()
        ),
        &server.admin_token(),
    )
    .await;
    body["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("{name}: no rows in {body}"))
        .iter()
        // Only the township's own rows (drawn for one township, a report has no 全县合计).
        .filter(|r| r["township_code"] == CODE)
        .cloned()
        .collect()
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

/// The units of the comparison: several kinds, with and without their
/// organizations, one overdue, one not yet due, one decided by the county's
/// own union threshold (20 here, 25 built in), one archived. Both villages
/// have a 妇代会: 城关村's chair sits on the two committees; 东山村's is
/// recorded as not sitting on them by the CLI, later.
fn units() -> Vec<Unit> {
    let mut paper = Unit::new("甲纸业公司", UnitKind::Enterprise);
    paper.employees = Some(120);
    paper.female_staff = Some(45);
    paper.opened = Some(day("2020-01-01"));
    paper.union.formed = true;
    paper.union.established = Some(day("2021-05-01"));
    paper.union.female_workers_committee = Some(true);

    // 22 employees: a union is due under the county's 20, not under 25.
    let mut machines = Unit::new("乙机械公司", UnitKind::Enterprise);
    machines.employees = Some(22);
    machines.female_staff = Some(0);
    machines.opened = Some(day("2025-01-01"));

    let mut tech = Unit::new("丙科技公司", UnitKind::Enterprise);
    tech.employees = Some(60);
    tech.female_staff = Some(5);
    tech.opened = Some(day("2026-03-01"));

    let mut village = Unit::new("城关村", UnitKind::Village);
    village.womens_home.formed = true;
    village.women_org.formed = true;
    village.women_org.form = Some(WomenOrgForm::Congress);
    village.women_org.chair_on_committees = Some(true);

    let mut bare_village = Unit::new("东山村", UnitKind::Village);
    bare_village.women_org.formed = true;
    bare_village.women_org.form = Some(WomenOrgForm::Congress);

    let mut agency = Unit::new("城关镇人民政府", UnitKind::Agency);
    agency.female_staff = Some(12);

    let mut social = Unit::new("丁社会组织", UnitKind::SocialOrg);
    social.party_org.formed = true;
    social.youth = Some(5);
    social.female_staff = Some(31);
    social.league.formed = true;
    social.women_org.formed = true;
    social.women_org.form = Some(WomenOrgForm::WorkCommittee);

    let mut closed = Unit::new("戊已关停公司", UnitKind::Enterprise);
    closed.employees = Some(300);
    closed.archived = true;

    vec![
        paper,
        machines,
        tech,
        village,
        bare_village,
        agency,
        social,
        closed,
    ]
}

/// Reserve cadres: 1 woman of 4 (one of unknown gender, counted), exactly
/// the county's 25 %; an archived woman and a woman who is not a reserve
/// cadre are not in the figure.
fn people() -> Vec<Person> {
    let cadre = |name: &str, gender: Option<Gender>| {
        let mut p = Person::new(name);
        p.gender = gender;
        p.roles.insert(Role::ReserveCadre);
        p
    };
    let mut left = cadre("钱已离任", Some(Gender::Female));
    left.archived = true;
    let mut director = Person::new("孙主任");
    director.gender = Some(Gender::Female);
    director.roles.insert(Role::WomensDirector);
    vec![
        cadre("赵后备", Some(Gender::Female)),
        cadre("周后备", Some(Gender::Male)),
        cadre("吴后备", Some(Gender::Male)),
        cadre("郑后备", None),
        left,
        director,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_figures_equal_the_county_reports_under_its_rules() {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let rules = data.with_file_name("rules.toml");
    std::fs::write(
        &rules,
        "county_name = \"龙游县\"\n[thresholds]\nunion_employees = 20\n[targets]\nunion_formation_50 = 80\nwomen_reserve_cadres = 25\n",
    )
    .expect("write rules");
    let rules_flag = rules.to_str().expect("utf-8 path");
    let server = ServerProcess::start_with(&data, 0, &["--rules", rules_flag]);
    let url = add_township(&data, CODE, "城关镇");
    let token = township_token(&data, CODE);

    // GET /api/rules: the county's file, to a township token; none without one.
    let county_rules: Value = get_json_as(&format!("{}/api/rules", server.http()), &token).await;
    assert_eq!(county_rules["thresholds"]["union_employees"], 20);
    assert_eq!(county_rules["targets"]["union_formation_50"], 80.0);
    assert_eq!(county_rules["county_name"], "龙游县");
    let anonymous = reqwest::get(format!("{}/api/rules", server.http()))
        .await
        .expect("GET /api/rules");
    assert_eq!(anonymous.status(), 401);
    let refusal: Value = anonymous.json().await.expect("a JSON error");
    assert!(refusal["error"].is_string(), "{refusal}");

    // The township's units, written through the library (which never
    // fetches rules) and synced.
    let replica_file = scratch.replica_file("tablet");
    let replica = connected_replica(&replica_file, &server.sync_url(), &url, &token).await;
    let township = replica.township(&url).await.expect("township");
    let mut east = String::new();
    for unit in units() {
        let id = township.add(&unit).expect("add unit");
        if unit.name == "东山村" {
            east = id;
        }
    }
    for person in people() {
        township.add(&person).expect("add person");
    }
    replica.wait_synced(&url, WAIT).await.expect("synced");
    replica.close().await;

    // Before any `qunjian sync`: the built-in rules, and said so.
    let doc_env = [("QUNJIAN_DOC", url.as_str())];
    let before = ok_json(
        &replica_file,
        &doc_env,
        &["gaps", "--json", "--as-of", AS_OF],
    );
    assert_eq!(before["rules"]["source"], "built_in", "{before}");
    let units_listed = |body: &Value| -> Vec<String> {
        body["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["unit"].as_str().expect("unit").to_string())
            .collect()
    };
    assert!(
        !units_listed(&before).contains(&"乙机械公司".to_string()),
        "22 employees need no union under the built-in 25: {before}"
    );
    let human = ok(&replica_file, &doc_env, &["gaps", "--as-of", AS_OF]);
    assert!(human.starts_with("规则: 内置默认"), "{human}");

    // 东山村's chair does not sit on the two committees, said offline.
    ok(
        &replica_file,
        &doc_env,
        &["unit", "update", &east, "--women-chair-on-committees", "否"],
    );
    let shown = ok_json(&replica_file, &doc_env, &["unit", "show", &east, "--json"]);
    assert_eq!(shown["women_org"]["chair_on_committees"], false, "{shown}");

    // `qunjian sync` fetches the county's rules.
    let sync_env = [("QUNJIAN_TOKEN", token.as_str())];
    let synced = ok(
        &replica_file,
        &sync_env,
        &["--doc", &url, "sync", "--server", &server.sync_url()],
    );
    assert!(synced.contains("已同步："), "{synced}");
    projected(&server).await;
    let county_gaps = county_rows(&server, "gaps").await;
    let county_coverage = county_rows(&server, "coverage").await;
    server.terminate();

    // Offline: the county's rules, and exactly the county's rows.
    let gaps = ok_json(&replica_file, &[], &["gaps", "--json", "--as-of", AS_OF]);
    assert_eq!(gaps["rules"]["source"], "county", "{gaps}");
    assert_eq!(gaps["rows"].as_array().expect("rows"), &county_gaps);
    let machines = county_gaps
        .iter()
        .find(|r| r["unit"] == "乙机械公司")
        .expect("乙机械公司 lacks a union under the county's 20");
    assert_eq!(machines["missing"], "工会");
    assert_eq!(machines["overdue"], true);
    assert!(
        county_gaps.len() >= 4,
        "the fixture has gaps of several kinds: {county_gaps:#?}"
    );

    let coverage = ok_json(
        &replica_file,
        &[],
        &["coverage", "--json", "--as-of", AS_OF],
    );
    assert_eq!(coverage["rules"]["source"], "county", "{coverage}");
    assert_eq!(coverage["rows"].as_array().expect("rows"), &county_coverage);
    let u50 = county_coverage
        .iter()
        .find(|r| r["target_key"] == "union_formation_50")
        .expect("union_formation_50");
    assert_eq!(u50["target_rate"], 0.8);
    let row = |key: &str| {
        county_coverage
            .iter()
            .find(|r| r["target_key"] == key)
            .unwrap_or_else(|| panic!("no {key} in {county_coverage:#?}"))
            .clone()
    };
    // 1 woman of 4 reserve cadres = 25 %, met against the county's 25 %.
    let reserve = row("women_reserve_cadres");
    assert_eq!(
        (&reserve["required"], &reserve["formed"], &reserve["met"]),
        (&Value::from(4), &Value::from(1), &Value::from(true)),
        "{reserve}"
    );
    assert_eq!(reserve["target_rate"], 0.25);
    // 1 of the 2 妇代会 chairs on the two committees: 50 % < 100 %.
    let chairs = row("congress_chair_on_committees");
    assert_eq!(
        (&chairs["required"], &chairs["formed"], &chairs["met"]),
        (&Value::from(2), &Value::from(1), &Value::from(false)),
        "{chairs}"
    );
    assert_eq!(chairs["rate"], 0.5);

    let human = ok(&replica_file, &[], &["gaps", "--as-of", AS_OF]);
    assert!(human.starts_with("规则: 县里下发 ("), "{human}");
    assert!(
        human.contains("乙机械公司") && human.contains("已逾期"),
        "{human}"
    );
    let human = ok(&replica_file, &[], &["coverage", "--as-of", AS_OF]);
    assert!(human.starts_with("规则: 县里下发 ("), "{human}");
    assert!(
        human.contains("未达标") && human.contains("80.0%"),
        "{human}"
    );
}

/// The numbers in `已同步：发送 N 条修改，接收 M 条，用时 …` (the last line).
fn summary(stdout: &str) -> (usize, usize) {
    let last = stdout.trim_end().lines().last().unwrap_or_default();
    let number_after = |word: &str| -> usize {
        let rest = last
            .split_once(word)
            .unwrap_or_else(|| panic!("no {word:?} in {last:?}"))
            .1
            .trim_start();
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits
            .parse()
            .unwrap_or_else(|_| panic!("no count after {word:?} in {last:?}"))
    };
    assert!(
        last.starts_with("已同步：") && last.contains("用时") && last.ends_with("秒"),
        "{last:?}"
    );
    (number_after("发送"), number_after("接收"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_tells_unsent_changes_and_sync_counts_them() {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let port = free_port();
    let server = ServerProcess::start(&data, port);
    let url = add_township(&data, CODE, "城关镇");
    let token = township_token(&data, CODE);
    let tablet = scratch.replica_file("tablet");
    let with_token = [("QUNJIAN_TOKEN", token.as_str())];

    let first = ok(
        &tablet,
        &with_token,
        &["sync", "--server", &server.sync_url()],
    );
    assert_eq!(summary(&first).0, 0, "nothing local to send: {first}");

    // Two edits offline, with the server down.
    server.terminate();
    for name in ["城关村", "东山村"] {
        ok(
            &tablet,
            &[],
            &["unit", "add", "--name", name, "--kind", "village"],
        );
    }
    let status = ok_json(&tablet, &[], &["status", "--json"]);
    assert_eq!(status["reachable"], false, "{status}");
    assert_eq!(status["unsent_changes"], 2, "{status}");
    assert_eq!(status["all_sent"], false, "{status}");
    assert!(status["last_sync"].is_string(), "{status}");
    let human = ok(&tablet, &[], &["status"]);
    assert!(
        human.contains("无法连接") && human.contains("2 条尚未上传"),
        "{human}"
    );

    // Back online: the two edits are sent, and status says so.
    let server = ServerProcess::start(&data, port);
    let second = ok(&tablet, &with_token, &["sync"]);
    assert_eq!(summary(&second), (2, 0), "{second}");
    let status = ok_json(&tablet, &[], &["status", "--json"]);
    assert_eq!(status["reachable"], true, "{status}");
    assert_eq!(status["unsent_changes"], 0, "{status}");
    assert_eq!(status["all_sent"], true, "{status}");
    let human = ok(&tablet, &[], &["status"]);
    assert!(
        human.contains("可以连接") && human.contains("已同步"),
        "{human}"
    );

    // Another device's three edits are received as three.
    let phone = connected_replica(
        &scratch.replica_file("phone"),
        &server.sync_url(),
        &url,
        &token,
    )
    .await;
    let township = phone.township(&url).await.expect("township");
    for name in ["甲公司", "乙公司", "丙公司"] {
        let mut unit = Unit::new(name, UnitKind::Enterprise);
        unit.employees = Some(30);
        township.add(&unit).expect("add");
    }
    phone.wait_synced(&url, WAIT).await.expect("phone synced");
    phone.close().await;
    let third = ok(&tablet, &with_token, &["sync"]);
    assert_eq!(summary(&third), (0, 3), "{third}");
}
