//! Every record from the command line, through the real `qunjian` binary
//! on a real replica file: units, people, 推优 and its steps, activities,
//! honors and visits added, listed, shown, updated, archived and restored;
//! entries refused with what to fix and recorded with --force, which
//! `check` then lists; raw `set` and `resolve` kept inside the schema.
//!
//! A server hands the replica its township document once; everything after
//! runs offline, as on a township's tablet.

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::*;
use serde_json::Value;

/// 91330825MA2A0B1C2 with its check character, and the same with a wrong one.
const GOOD_CODE: &str = "91330825MA2A0B1C2M";
const BAD_CODE: &str = "91330825MA2A0B1C2N";

/// A replica holding a township's document, the server gone.
struct Ledger {
    _scratch: Scratch,
    replica: PathBuf,
    url: String,
}

fn ledger() -> Ledger {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let server = ServerProcess::start(&data, 0);
    let url = add_township(&data, "330825101", "城关镇");
    let token = township_token(&data, "330825101");
    let replica = scratch.replica_file("tablet");
    let first = qunjian(
        &replica,
        &[("QUNJIAN_TOKEN", &token)],
        &["sync", "--server", &server.sync_url()],
    );
    assert!(first.status.success(), "{}", text(&first.stderr));
    server.kill();
    Ledger {
        _scratch: scratch,
        replica,
        url,
    }
}

impl Ledger {
    fn run(&self, args: &[&str]) -> Output {
        qunjian(&self.replica, &[("QUNJIAN_DOC", &self.url)], args)
    }

    /// Run, expect success; stdout trimmed.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "qunjian {args:?} failed: {}",
            text(&out.stderr)
        );
        text(&out.stdout).trim().to_string()
    }

    /// Run, expect exit code 1 and nothing on stdout; stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "qunjian {args:?}: {stderr}");
        assert!(
            text(&out.stdout).trim().is_empty(),
            "qunjian {args:?} printed {}",
            text(&out.stdout)
        );
        let errors = stderr.lines().filter(|l| l.starts_with("错误: ")).count();
        assert_eq!(errors, 1, "one error line: {stderr}");
        stderr
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out}"))
    }

    /// The ids a `list --json` prints (`[[id, record], ...]`).
    fn ids(&self, noun: &str, all: bool) -> Vec<String> {
        let mut args = vec![noun, "list", "--json"];
        if all {
            args.push("--all");
        }
        let listed = self.json(&args);
        listed
            .as_array()
            .expect("a list")
            .iter()
            .map(|pair| pair[0].as_str().expect("an id").to_string())
            .collect()
    }

    /// `check --json`, which exits 1 when it finds anything.
    fn findings(&self) -> Vec<Value> {
        let out = self.run(&["check", "--json"]);
        let json: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("check --json: {e}: {}", text(&out.stderr)));
        json["findings"].as_array().cloned().unwrap_or_default()
    }

    /// Whether `check` lists `rule` for `field` of record `id`.
    fn flagged(&self, id: &str, field: &str, rule: &str) -> bool {
        self.findings()
            .iter()
            .any(|f| f["record"]["id"] == id && f["field"] == field && f["rule"] == rule)
    }
}

/// Archive hides a record from `list`, `--all` still shows it, restore
/// brings it back.
fn archive_and_restore(l: &Ledger, noun: &str, id: &str) {
    assert!(l.ids(noun, false).contains(&id.to_string()));
    let said = l.ok(&[noun, "archive", id]);
    assert!(said.contains("已归档"), "{said}");
    assert!(!l.ids(noun, false).contains(&id.to_string()), "{noun} {id}");
    assert!(l.ids(noun, true).contains(&id.to_string()), "{noun} {id}");
    assert_eq!(l.json(&[noun, "show", id, "--json"])["archived"], true);
    // The table and the fields a person reads say it too.
    let table = l.ok(&[noun, "list", "--all"]);
    assert!(table.starts_with("编号\t"), "{noun} list: {table}");
    let row = table.lines().find(|line| line.starts_with(id));
    assert!(
        row.is_some_and(|r| r.ends_with("\t(已归档)")),
        "{noun} list --all: {table}"
    );
    let shown = l.ok(&[noun, "show", id]);
    assert!(
        shown.starts_with(&format!("编号: {id}\n")),
        "{noun} show: {shown}"
    );
    assert!(shown.ends_with("\n已归档: 是"), "{noun} show: {shown}");
    let said = l.ok(&[noun, "restore", id]);
    assert!(said.contains("已恢复"), "{said}");
    assert!(l.ids(noun, false).contains(&id.to_string()), "{noun} {id}");
    let row = l.ok(&[noun, "list"]);
    assert!(
        row.lines()
            .any(|line| line.starts_with(id) && !line.contains("已归档")),
        "{noun} list: {row}"
    );
    assert!(!l.ok(&[noun, "show", id]).contains("已归档"), "{noun} {id}");
}

#[test]
fn units_and_people_from_add_to_restore() {
    let l = ledger();
    let park = l.ok(&["unit", "add", "--name", "城东工业园", "--kind", "工业园区"]);
    let paper = l.ok(&[
        "unit",
        "add",
        "--name",
        "某纸业公司",
        "--kind",
        "非公企业",
        "--credit-code",
        GOOD_CODE,
        "--employees",
        "120",
        "--female-staff",
        "45",
        "--youth",
        "30",
        "--opened",
        "2019-05-01",
        "--parent",
        &park[..30],
        "--party",
        "已建",
        "--party-form",
        "党支部",
        "--party-rating",
        "优秀",
        "--union-established",
        "2020-03-01",
        "--union-chair",
        "张伟",
    ]);
    let shown = l.json(&["unit", "show", &paper, "--json"]);
    assert_eq!(shown["id"], paper.as_str());
    assert_eq!(shown["kind"], "enterprise");
    assert_eq!(shown["parent"], park.as_str());
    assert_eq!(shown["youth"], 30);
    assert_eq!(shown["party_org"]["rating"], "excellent");
    assert_eq!(shown["party_org"]["form"], "branch");
    assert_eq!(shown["union"]["chair"], "张伟");

    // The listing says which organizations each unit has, in Chinese.
    let table = l.ok(&["unit", "list"]);
    let header = table.lines().next().unwrap_or_default();
    for column in ["党组织", "工会", "团组织", "妇女组织"] {
        assert!(header.contains(column), "{header}");
    }
    let row = table
        .lines()
        .find(|r| r.starts_with(&paper))
        .unwrap_or_else(|| panic!("{table}"));
    let cells: Vec<&str> = row.split('\t').collect();
    assert_eq!(cells[4..8], ["已建", "已建", "未建", "未建"], "{row}");

    // Update: only the flags given change; '' clears.
    let said = l.ok(&[
        "unit",
        "update",
        &paper[..32],
        "--employees",
        "130",
        "--women-form",
        "妇委会",
        "--women-chair",
        "刘芳",
        "--women-established",
        "2024-03-08",
        "--youth",
        "",
    ]);
    assert!(said.contains("已修改"), "{said}");
    let shown = l.json(&["unit", "show", &paper, "--json"]);
    assert_eq!(shown["employees"], 130);
    assert_eq!(shown["female_staff"], 45);
    assert_eq!(shown["women_org"]["form"], "committee");
    assert_eq!(shown["women_org"]["chair"], "刘芳");
    assert!(shown["youth"].is_null(), "{shown}");
    assert_eq!(shown["credit_code"], GOOD_CODE);
    let human = l.ok(&["unit", "show", &paper]);
    assert!(human.contains("妇女组织: 已建"), "{human}");
    archive_and_restore(&l, "unit", &paper);

    let person = l.ok(&[
        "person",
        "add",
        "--name",
        "李娟",
        "--gender",
        "女",
        "--birth-year",
        "1996",
        "--unit",
        &paper[..32],
        "--party-stage",
        "入党积极分子",
        "--roles",
        "团组织书记，后备干部",
    ]);
    let shown = l.json(&["person", "show", &person, "--json"]);
    assert_eq!(shown["gender"], "female");
    assert_eq!(shown["unit"], paper.as_str());
    assert_eq!(shown["party_stage"], "activist");
    assert_eq!(
        shown["roles"],
        serde_json::json!(["league_secretary", "reserve_cadre"])
    );
    l.ok(&[
        "person",
        "update",
        &person,
        "--party-stage",
        "development_target",
        "--roles",
        "",
    ]);
    let shown = l.json(&["person", "show", &person, "--json"]);
    assert_eq!(shown["party_stage"], "development_target");
    assert_eq!(shown["roles"], serde_json::json!([]));
    assert_eq!(shown["birth_year"], 1996);
    let table = l.ok(&["person", "list"]);
    assert!(
        table.contains("李娟\t女\t1996\t发展对象") && table.contains("某纸业公司"),
        "{table}"
    );
    archive_and_restore(&l, "person", &person);

    // An unknown enum value says which are allowed.
    let stderr = l.fails(&["unit", "add", "--name", "某合作社", "--kind", "合作社"]);
    assert!(stderr.contains("行政村"), "{stderr}");
}

#[test]
fn a_nomination_records_its_steps_in_order() {
    let l = ledger();
    let village = l.ok(&["unit", "add", "--name", "城关村", "--kind", "village"]);
    let person = l.ok(&["person", "add", "--name", "王芳", "--unit", &village]);
    let id = l.ok(&[
        "nominate",
        "--person",
        &person,
        "--org",
        "妇女组织",
        "--unit",
        &village,
        "--year",
        "2025",
    ]);
    assert_eq!(id.len(), 36, "an id: {id}");

    // A step before its predecessor is refused, naming the missing step.
    let stderr = l.fails(&["step", &id, "inspection", "--date", "2025-03-10"]);
    assert!(stderr.contains("民主推荐(大会)"), "{stderr}");
    assert!(
        l.json(&["nomination", "show", &id, "--json"])["steps"]
            .as_object()
            .is_some_and(|s| s.is_empty()),
        "nothing recorded"
    );

    l.ok(&[
        "step",
        &id,
        "assembly",
        "--date",
        "2025-03-01",
        "--attendance",
        "30",
        "--votes-for",
        "28",
    ]);
    // Chinese step names work too.
    l.ok(&[
        "step",
        &id,
        "考察",
        "--date",
        "2025-03-10",
        "--inspector",
        "赵敏",
    ]);
    l.ok(&[
        "step",
        &id,
        "approval",
        "--date",
        "2025-03-20",
        "--reason",
        "表现突出",
    ]);
    l.ok(&[
        "step",
        &id,
        "upper-review",
        "--date",
        "2025-04-01",
        "--decision",
        "同意",
        "--organization",
        "镇妇联",
    ]);
    l.ok(&["step", &id, "recommended", "--date", "2025-04-10"]);
    let said = l.ok(&[
        "step",
        &id[..30],
        "party-decision",
        "--date",
        "2025-05-01",
        "--decision",
        "列为入党积极分子",
    ]);
    assert!(said.contains("党组织决定"), "{said}");

    let shown = l.json(&["nomination", "show", &id, "--json"]);
    assert_eq!(shown["organization"], "women");
    assert_eq!(shown["steps"]["assembly"]["votes_for"], 28);
    assert_eq!(shown["steps"]["inspection"]["inspector"], "赵敏");
    assert_eq!(shown["steps"]["upper_review"]["decision"], "approved");
    assert_eq!(shown["steps"]["party_decision"]["decision"], "activist");
    let table = l.ok(&["nomination", "list", "--year", "2025"]);
    assert!(
        table.contains("王芳\t妇女组织\t城关村\t2025\t党组织决定"),
        "{table}"
    );
    assert!(
        !l.ok(&["nomination", "list", "--year", "2024"])
            .contains(&id)
    );
    archive_and_restore(&l, "nomination", &id);

    // A direct nomination is for league secretaries, women's directors and
    // above: 王芳 holds no such post, so it is refused unless forced ...
    let stderr = l.fails(&[
        "nominate", "--person", &person, "--org", "league", "--unit", &village, "--year", "2025",
        "--direct",
    ]);
    assert!(stderr.contains("直接推荐"), "{stderr}");
    // ... and once she is a league secretary it starts at the upper review.
    l.ok(&["person", "update", &person, "--roles", "league_secretary"]);
    let direct = l.ok(&[
        "nominate", "--person", &person, "--org", "league", "--unit", &village, "--year", "2025",
        "--direct",
    ]);
    l.ok(&[
        "step",
        &direct,
        "upper_review",
        "--date",
        "2025-04-01",
        "--decision",
        "approved",
    ]);
    assert_eq!(
        l.json(&["nomination", "show", &direct, "--json"])["steps"]["upper_review"]["date"],
        "2025-04-01"
    );
    let stderr = l.fails(&[
        "nominate", "--person", "nobody", "--org", "union", "--unit", &village, "--year", "2025",
    ]);
    assert!(stderr.contains("nobody"), "{stderr}");
}

#[test]
fn activities_honors_and_visits_from_add_to_restore() {
    let l = ledger();
    let village = l.ok(&["unit", "add", "--name", "城关村", "--kind", "village"]);
    let person = l.ok(&["person", "add", "--name", "陈静"]);

    let activity = l.ok(&[
        "activity",
        "add",
        "--kind",
        "培训",
        "--title",
        "妇女技能培训",
        "--date",
        "2025-03-08",
        "--orgs",
        "women,工会",
        "--units",
        &village,
        "--participants",
        "40",
        "--women-participants",
        "35",
        "--notes",
        "缝纫班",
    ]);
    let shown = l.json(&["activity", "show", &activity, "--json"]);
    assert_eq!(shown["kind"], "training");
    assert_eq!(
        shown["organizations"],
        serde_json::json!(["union", "women"])
    );
    assert_eq!(shown["units"], serde_json::json!([village]));
    assert_eq!(shown["notes"], "缝纫班");
    l.ok(&[
        "activity",
        "update",
        &activity,
        "--participants",
        "42",
        "--notes",
        "缝纫班第二期",
    ]);
    let shown = l.json(&["activity", "show", &activity, "--json"]);
    assert_eq!(shown["participants"], 42);
    assert_eq!(shown["women_participants"], 35);
    assert_eq!(shown["notes"], "缝纫班第二期");
    assert!(l.ok(&["activity", "list"]).contains("妇女技能培训"));
    archive_and_restore(&l, "activity", &activity);

    let honor = l.ok(&[
        "honor",
        "add",
        "--title",
        "三八红旗手",
        "--level",
        "县级",
        "--year",
        "2024",
        "--person",
        &person,
    ]);
    let shown = l.json(&["honor", "show", &honor, "--json"]);
    assert_eq!(shown["title"], "march_eighth_red_banner");
    assert_eq!(shown["recipient_person"], person.as_str());
    l.ok(&[
        "honor", "update", &honor, "--level", "city", "--unit", &village,
    ]);
    let shown = l.json(&["honor", "show", &honor, "--json"]);
    assert_eq!(shown["level"], "city");
    assert_eq!(shown["recipient_unit"], village.as_str());
    assert!(shown["recipient_person"].is_null(), "{shown}");
    let table = l.ok(&["honor", "list"]);
    assert!(table.contains("三八红旗手\t市级\t城关村"), "{table}");
    archive_and_restore(&l, "honor", &honor);

    let visit = l.ok(&[
        "visit",
        "add",
        "--cadre",
        "王书记",
        "--unit",
        &village,
        "--date",
        "2025-04-02",
        "--purpose",
        "指导妇联换届",
    ]);
    l.ok(&[
        "visit",
        "update",
        &visit,
        "--notes",
        "已召开妇代会",
        "--purpose",
        "",
    ]);
    let shown = l.json(&["visit", "show", &visit, "--json"]);
    assert_eq!(shown["notes"], "已召开妇代会");
    assert!(shown["purpose"].is_null(), "{shown}");
    assert!(l.ok(&["visit", "list"]).contains("王书记\t城关村"));
    archive_and_restore(&l, "visit", &visit);
}

/// An executive's link: added, updated, ended, listed, archived and
/// restored; a link to a village or ending before it began is refused at
/// the field, and forced in it is flagged.
#[test]
fn executive_links_from_add_to_restore_and_refused_at_the_field() {
    let l = ledger();
    let company = l.ok(&[
        "unit",
        "add",
        "--name",
        "某纸业公司",
        "--kind",
        "enterprise",
        "--credit-code",
        "914403001922038216",
    ]);
    let village = l.ok(&["unit", "add", "--name", "城关村", "--kind", "village"]);
    let link = l.ok(&[
        "link",
        "add",
        "--executive",
        " 刘芳 ",
        "--unit",
        &company,
        "--since",
        "2025-01-10",
        "--notes",
        "县妇联分配",
    ]);
    let shown = l.json(&["link", "show", &link, "--json"]);
    assert_eq!(shown["executive"], "刘芳", "trimmed: {shown}");
    assert_eq!(shown["unit"], company.as_str());
    assert!(shown["until"].is_null(), "{shown}");
    l.ok(&[
        "link",
        "update",
        &link,
        "--until",
        "2025-12-31",
        "--notes",
        "",
    ]);
    let shown = l.json(&["link", "show", &link, "--json"]);
    assert_eq!(shown["until"], "2025-12-31");
    assert!(shown["notes"].is_null(), "{shown}");
    let table = l.ok(&["link", "list"]);
    assert!(
        table.contains("刘芳	某纸业公司	2025-01-10	2025-12-31"),
        "{table}"
    );
    l.ok(&["link", "update", &link, "--until", ""]);
    assert!(l.json(&["link", "show", &link, "--json"])["until"].is_null());
    archive_and_restore(&l, "link", &link);

    let to_village = l.fails(&[
        "link",
        "add",
        "--executive",
        "王敏",
        "--unit",
        &village,
        "--since",
        "2025-01-10",
    ]);
    assert!(
        to_village.contains("unit: ") && to_village.contains("两新组织"),
        "{to_village}"
    );
    let backwards = l.fails(&["link", "update", &link, "--until", "2024-01-01"]);
    assert!(
        backwards.contains("until: ") && backwards.contains("早于挂钩日期"),
        "{backwards}"
    );
    let forced = l.ok(&[
        "link",
        "add",
        "--executive",
        "王敏",
        "--unit",
        &village,
        "--since",
        "2025-01-10",
        "--force",
    ]);
    assert!(l.flagged(&forced, "unit", "conflicting_fields"));
}

/// An entry with a problem is refused, one line per problem naming the
/// field, nothing written; --force records it and `check` lists it.
#[test]
fn entry_checks_refuse_and_force_records_what_check_then_lists() {
    let l = ledger();
    let refused_then_forced = |args: &[&str], field: &str| -> String {
        let before = l.run(&["show"]).stdout;
        let stderr = l.fails(args);
        assert!(
            stderr
                .lines()
                .any(|line| line.starts_with(&format!("{field}: "))),
            "{args:?}: a line for {field}: {stderr}"
        );
        assert!(stderr.contains("--force"), "{stderr}");
        assert_eq!(l.run(&["show"]).stdout, before, "{args:?} wrote something");
        let mut forced = args.to_vec();
        forced.push("--force");
        l.ok(&forced)
    };

    let code = refused_then_forced(
        &[
            "unit",
            "add",
            "--name",
            "某纸业",
            "--kind",
            "enterprise",
            "--credit-code",
            BAD_CODE,
        ],
        "credit_code",
    );
    assert!(l.flagged(&code, "credit_code", "bad_credit_code"));

    let staff = refused_then_forced(
        &[
            "unit",
            "add",
            "--name",
            "某电子厂",
            "--kind",
            "enterprise",
            "--employees",
            "20",
            "--female-staff",
            "25",
        ],
        "female_staff",
    );
    assert!(l.flagged(&staff, "female_staff", "count_above_employees"));
    // An update is refused only for what it brings: the forced count stays.
    l.ok(&["unit", "update", &staff, "--name", "某电子有限公司"]);
    let stderr = l.fails(&["unit", "update", &staff, "--opened", "2099-01-01"]);
    assert!(stderr.contains("opened: "), "{stderr}");

    let person = refused_then_forced(
        &["person", "add", "--name", "赵老", "--birth-year", "1890"],
        "birth_year",
    );
    assert!(l.flagged(&person, "birth_year", "implausible_year"));
    let future = l.fails(&["person", "update", &person, "--birth-year", "2999"]);
    assert!(future.contains("birth_year: "), "{future}");

    let activity = refused_then_forced(
        &[
            "activity",
            "add",
            "--kind",
            "event",
            "--title",
            "座谈会",
            "--date",
            "2025-03-08",
            "--participants",
            "10",
            "--women-participants",
            "12",
        ],
        "women_participants",
    );
    assert!(l.flagged(&activity, "women_participants", "count_above_participants"));

    let village = l.ok(&["unit", "add", "--name", "城关村", "--kind", "village"]);
    let visit = refused_then_forced(
        &[
            "visit",
            "add",
            "--cadre",
            "王书记",
            "--unit",
            &village,
            "--date",
            "2099-05-01",
        ],
        "date",
    );
    assert!(l.flagged(&visit, "date", "future_date"));

    let nominee = l.ok(&["person", "add", "--name", "王芳"]);
    let nomination = l.ok(&[
        "nominate", "--person", &nominee, "--org", "union", "--unit", &village, "--year", "2025",
    ]);
    l.ok(&["step", &nomination, "assembly", "--date", "2025-03-01"]);
    let forced = refused_then_forced(
        &["step", &nomination, "inspection", "--date", "2025-02-01"],
        "steps.inspection.date",
    );
    assert!(forced.contains("考察"), "{forced}");
    assert!(l.flagged(
        &nomination,
        "steps.inspection.date",
        "step_date_before_previous"
    ));

    // The plain `check` lists them too, and fails.
    let out = l.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let listed = text(&out.stdout);
    for rule in [
        "统一社会信用代码有误",
        "人数超过职工总数",
        "年份不合理",
        "推优步骤日期早于前一步",
    ] {
        assert!(listed.contains(rule), "{rule}: {listed}");
    }
}

#[test]
fn set_and_resolve_stay_inside_the_schema() {
    let l = ledger();
    let unit = l.ok(&[
        "unit",
        "add",
        "--name",
        "城关村",
        "--kind",
        "village",
        "--employees",
        "12",
    ]);

    // Text where a count belongs would make the unit unreadable: refused.
    let path = format!("units/{unit}/employees");
    let stderr = l.fails(&["set", &path, "\"许多\""]);
    assert!(stderr.contains("不符合文档结构"), "{stderr}");
    let stderr = l.fails(&["set", &format!("units/{unit}/kind"), "\"cooperative\""]);
    assert!(stderr.contains("不符合文档结构"), "{stderr}");
    let shown = l.json(&["unit", "show", &unit, "--json"]);
    assert_eq!(shown["employees"], 12);
    assert_eq!(shown["kind"], "village");
    assert!(l.ids("unit", false).contains(&unit));

    // A whole record, or a path outside the schema, is not a field.
    let stderr = l.fails(&["set", &format!("units/{unit}"), "1"]);
    assert!(stderr.contains("整条记录"), "{stderr}");
    l.fails(&["set", "elsewhere/x", "1"]);

    // A value that fits is written.
    l.ok(&["set", &path, "15"]);
    assert_eq!(l.json(&["unit", "show", &unit, "--json"])["employees"], 15);

    // Resolve settles conflicts only.
    let stderr = l.fails(&["resolve", "units", &unit, "name", "\"城关社区\""]);
    assert!(stderr.contains("没有冲突"), "{stderr}");
    assert_eq!(l.json(&["unit", "show", &unit, "--json"])["name"], "城关村");
}
