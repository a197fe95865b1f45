//! Excel ledgers (台账) through the real `qunjian` binary: the template it
//! writes, a filled workbook imported with refused rows named by sheet, row
//! and column, `--dry-run` changing nothing, a second import adding nothing,
//! and the county seeing the records after `qunjian sync`.

mod common;

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// A cell of a test workbook.
enum Cell<'a> {
    S(&'a str),
    N(f64),
    D(u16, u8, u8),
    E,
}
use Cell::*;

type Sheet<'a> = (&'a str, &'a [&'a str], Vec<Vec<Cell<'a>>>);

fn workbook(path: &Path, sheets: &[Sheet<'_>]) {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (name, headers, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        for (c, h) in headers.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    S(s) => {
                        ws.write_string(r, c, *s).unwrap();
                    }
                    N(n) => {
                        ws.write_number(r, c, *n).unwrap();
                    }
                    D(y, m, d) => {
                        let day = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                        ws.write_datetime_with_format(r, c, &day, &date).unwrap();
                    }
                    E => {}
                }
            }
        }
    }
    wb.save(path).unwrap();
}

/// 91330825MA2A0B1C2 with its check character, and the same with a wrong one.
const GOOD_CODE: &str = "91330825MA2A0B1C2M";
const BAD_CODE: &str = "91330825MA2A0B1C2N";

const UNIT_HEADERS: &[&str] = &[
    "单位名称",
    "单位类型",
    "统一社会信用代码",
    "职工人数",
    "女性固定职工",
    "成立日期",
];
const PERSON_HEADERS: &[&str] = &["姓名", "性别", "出生年份", "所属单位", "政治面貌", "职务"];
const HONOR_HEADERS: &[&str] = &["荣誉称号", "级别", "年度", "获奖单位", "获奖人"];
const VISIT_HEADERS: &[&str] = &["走访干部", "走访单位", "日期", "事由"];

fn filled(path: &Path) {
    workbook(
        path,
        &[
            (
                "单位",
                UNIT_HEADERS,
                vec![
                    vec![S("城关村"), S("行政村"), E, E, E, D(2026, 3, 1)],
                    vec![
                        S("某某纸业"),
                        S("enterprise"),
                        S(GOOD_CODE),
                        N(20.0),
                        N(12.0),
                        S("2025-06-01"),
                    ],
                    vec![S("坏日期社区"), S("社区"), E, E, E, S("2026-13-01")],
                    vec![S("未知类型"), S("村委会")],
                    vec![S("错码企业"), S("非公企业"), S(BAD_CODE)],
                    vec![E, S("社区"), E, N(5.0)],
                    vec![S("女工多"), S("非公企业"), E, N(10.0), N(20.0)],
                ],
            ),
            (
                "人员",
                PERSON_HEADERS,
                vec![
                    vec![
                        S("李桂英"),
                        S("女"),
                        N(1990.0),
                        S("城关村"),
                        S("正式党员"),
                        S("妇联主席/妇女主任"),
                    ],
                    vec![S("王强"), S("male"), N(1985.0), S("某某纸业")],
                    vec![S("张三"), E, E, S("不存在的单位")],
                ],
            ),
            (
                "荣誉",
                HONOR_HEADERS,
                vec![
                    vec![S("巾帼文明岗"), S("市级"), N(2025.0), S("城关村")],
                    vec![S("三八红旗手"), S("county"), N(2026.0), E, S("李桂英")],
                    vec![S("劳动模范"), S("县级"), N(2026.0), S("城关村")],
                ],
            ),
            (
                "走访",
                VISIT_HEADERS,
                vec![
                    vec![
                        S("王丽"),
                        S("某某纸业"),
                        D(2026, 4, 10),
                        S("指导妇工委换届"),
                    ],
                    vec![S("王丽"), S("不存在的单位"), S("2026-04-11")],
                ],
            ),
        ],
    );
}

fn json(replica: &Path, env: &[(&str, &str)]) -> serde_json::Value {
    let shown = qunjian(replica, env, &["show"]);
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    serde_json::from_slice(&shown.stdout).expect("show prints JSON")
}

fn count(doc: &serde_json::Value, map: &str) -> usize {
    doc[map].as_object().map_or(0, |m| m.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_template_import_dry_run_reimport_and_sync() {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let server = ServerProcess::start(&data, 0);
    let url = add_township(&data, "330825101", "城关镇");
    let token = township_token(&data, "330825101");
    let replica = scratch.replica_file("tablet");
    let sync_url = server.sync_url();
    let env = [
        ("QUNJIAN_TOKEN", token.as_str()),
        ("QUNJIAN_DOC", url.as_str()),
    ];
    let first = qunjian(&replica, &env, &["sync", "--server", &sync_url]);
    assert!(first.status.success(), "{}", text(&first.stderr));

    // The template: sheets, Chinese headers, an example row.
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("台账模板.xlsx");
    let t = template.to_str().unwrap();
    let made = qunjian(&replica, &[], &["template", "-o", t]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let mut wb: Xlsx<_> = open_workbook(&template).expect("calamine reads the template");
    let names = wb.sheet_names();
    for sheet in ["单位", "人员", "活动", "荣誉", "走访"] {
        assert!(names.iter().any(|n| n == sheet), "{names:?}");
    }
    let units = wb.worksheet_range("单位").unwrap();
    let header: Vec<String> = units
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        header,
        [
            "单位名称*",
            "单位类型*",
            "统一社会信用代码",
            "职工人数",
            "女性固定职工",
            "28岁以下青年",
            "成立日期"
        ]
    );
    assert_eq!(
        units.get((1, 0)),
        Some(&Data::String("示例：城关村".into()))
    );
    let people = wb.worksheet_range("人员").unwrap();
    assert_eq!(people.get((0, 0)), Some(&Data::String("姓名*".into())));
    // The template as it is imports nothing: its example rows are skipped.
    let blank = qunjian(&replica, &env, &["import", t]);
    assert!(
        blank.status.success(),
        "{}{}",
        text(&blank.stdout),
        text(&blank.stderr)
    );
    assert!(
        text(&blank.stdout)
            .trim_end()
            .ends_with("新增 0，更新 0，拒绝 0"),
        "{}",
        text(&blank.stdout)
    );

    let ledger = dir.path().join("台账.xlsx");
    filled(&ledger);
    let l = ledger.to_str().unwrap();

    // --dry-run: what would happen, nothing changed.
    let dry = qunjian(&replica, &env, &["import", l, "--dry-run"]);
    let out = text(&dry.stdout);
    assert_eq!(dry.status.code(), Some(1), "{out}{}", text(&dry.stderr));
    assert!(out.trim_end().ends_with("新增 7，更新 0，拒绝 8"), "{out}");
    assert!(out.contains("将新增: 单位, 第 2 行: 城关村"), "{out}");
    assert!(out.contains("预览"), "{out}");
    assert_eq!(count(&json(&replica, &env), "units"), 0);

    // The import: refused rows named by sheet, row and column, in Chinese.
    let imported = qunjian(&replica, &env, &["import", l]);
    let out = text(&imported.stdout);
    assert_eq!(imported.status.code(), Some(1), "{out}");
    assert!(out.trim_end().ends_with("新增 7，更新 0，拒绝 8"), "{out}");
    for expected in [
        "拒绝: 单位, 第 4 行, 成立日期: “2026-13-01”不是日期",
        "拒绝: 单位, 第 5 行, 单位类型: 未知的单位类型“村委会”",
        "拒绝: 单位, 第 6 行, 统一社会信用代码: 统一社会信用代码校验位（第 18 位）应为“M”，实为“N”",
        "拒绝: 单位, 第 7 行, 单位名称: 单位名称不能为空",
        "拒绝: 单位, 第 8 行, 女性固定职工: 女性固定职工（20）多于职工人数（10）",
        "拒绝: 人员, 第 4 行, 所属单位: 找不到名为“不存在的单位”的单位",
        "拒绝: 荣誉, 第 4 行, 荣誉称号: 未知的荣誉称号“劳动模范”",
        "拒绝: 走访, 第 3 行, 走访单位: 找不到名为“不存在的单位”的单位",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    assert!(
        text(&imported.stderr).contains("其余通过检查的行已导入"),
        "{}",
        text(&imported.stderr)
    );
    let doc = json(&replica, &env);
    assert_eq!(count(&doc, "units"), 2);
    assert_eq!(count(&doc, "people"), 2);
    let unit_id = |name: &str| {
        doc["units"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(_, u)| u["name"] == name)
            .map(|(id, _)| id.clone())
            .unwrap()
    };
    let village = unit_id("城关村");
    let paper = unit_id("某某纸业");
    assert_eq!(doc["units"][&village]["kind"], "village");
    assert_eq!(doc["units"][&village]["opened"], "2026-03-01");
    assert_eq!(doc["units"][&paper]["employees"], 20);
    assert_eq!(doc["units"][&paper]["opened"], "2025-06-01");
    let li = doc["people"]
        .as_object()
        .unwrap()
        .values()
        .find(|p| p["name"] == "李桂英")
        .unwrap();
    assert_eq!(li["unit"], village.as_str());
    assert_eq!(li["party_stage"], "member");
    assert_eq!(li["birth_year"], 1990);
    let li_id = doc["people"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, p)| p["name"] == "李桂英")
        .map(|(id, _)| id.clone())
        .unwrap();
    let honors: Vec<&serde_json::Value> = doc["honors"].as_object().unwrap().values().collect();
    assert_eq!(honors.len(), 2, "{honors:?}");
    assert!(honors.iter().any(|h| h["title"] == "womens_civilized_post"
        && h["level"] == "city"
        && h["year"] == 2025
        && h["recipient_unit"] == village.as_str()));
    assert!(honors.iter().any(
        |h| h["title"] == "march_eighth_red_banner" && h["recipient_person"] == li_id.as_str()
    ));
    let visits: Vec<&serde_json::Value> = doc["visits"].as_object().unwrap().values().collect();
    assert_eq!(visits.len(), 1, "{visits:?}");
    assert_eq!(visits[0]["unit"], paper.as_str());
    assert_eq!(visits[0]["date"], "2026-04-10");
    assert_eq!(visits[0]["purpose"], "指导妇工委换届");

    // The same file again adds nothing.
    let again = qunjian(&replica, &env, &["import", l]);
    let out = text(&again.stdout);
    assert!(out.trim_end().ends_with("新增 0，更新 0，拒绝 8"), "{out}");
    assert!(out.contains("未变: 7 行"), "{out}");
    let doc = json(&replica, &env);
    assert_eq!((count(&doc, "units"), count(&doc, "people")), (2, 2));
    assert_eq!((count(&doc, "honors"), count(&doc, "visits")), (2, 1));

    // A corrected ledger: the unit matched by its credit code (renamed),
    // the person by name and birth year; updated, not added.
    let fixed = dir.path().join("台账2.xlsx");
    workbook(
        &fixed,
        &[
            (
                "单位",
                UNIT_HEADERS,
                vec![vec![
                    S("某某纸业有限公司"),
                    S("非公企业"),
                    S(GOOD_CODE),
                    N(25.0),
                ]],
            ),
            (
                "人员",
                PERSON_HEADERS,
                vec![vec![S("王强"), E, N(1985.0), E, S("入党积极分子")]],
            ),
        ],
    );
    let update = qunjian(&replica, &env, &["import", fixed.to_str().unwrap()]);
    let out = text(&update.stdout);
    assert!(update.status.success(), "{out}{}", text(&update.stderr));
    assert!(out.trim_end().ends_with("新增 0，更新 2，拒绝 0"), "{out}");
    let doc = json(&replica, &env);
    assert_eq!((count(&doc, "units"), count(&doc, "people")), (2, 2));
    assert_eq!(doc["units"][&paper]["name"], "某某纸业有限公司");
    assert_eq!(doc["units"][&paper]["employees"], 25);
    assert_eq!(doc["units"][&paper]["female_staff"], 12);

    // The county sees the imported records after a sync.
    let synced = qunjian(&replica, &env, &["sync", "--server", &sync_url]);
    assert!(synced.status.success(), "{}", text(&synced.stderr));
    let county = server.document("330825101").await;
    assert_eq!(county.document["units"][&village]["name"], "城关村");
    assert_eq!(county.document["units"][&paper]["employees"], 25);
    assert_eq!(
        county.document["people"].as_object().map(|m| m.len()),
        Some(2)
    );
}
