//! Issue 15, the server's side: the county named once with `qunjian-server
//! county set` (bad input refused, nothing stored) and shown by a running
//! server at once on `/api/me`, `/api/rules`, every report and every
//! export; files named for whose figures they hold and the date they stand
//! on; a township token's reports and files with no 全县合计 rows; report
//! cells in words, with machine ids only in columns marked as such; and
//! 数据质量 without archived records, naming a conflict's unit.

mod common;
#[allow(dead_code)]
mod reports_fixture;

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use common::*;
use reports_fixture::*;
use serde_json::{Value, json};

/// Every report, by its URL name.
const REPORTS: [&str; 9] = [
    "coverage",
    "gaps",
    "nominations",
    "activities",
    "honors",
    "visits",
    "exec_links",
    "quality",
    "sync",
];

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// `qunjian-server county …` on `data`: (success, stdout, stderr).
fn county_cli(data: &Path, args: &[&str]) -> (bool, String, String) {
    let mut all = vec!["county"];
    all.extend_from_slice(args);
    let out = admin_cli(data, &all);
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

/// A download: its `Content-Disposition` file names (ASCII, UTF-8 decoded)
/// and its body.
struct Download {
    ascii: String,
    utf8: String,
    body: Vec<u8>,
}

async fn download(url: &str, token: &str) -> Download {
    let response = get_as(url, token).await;
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .expect("an ASCII header")
        .to_string();
    let ascii = disposition
        .split("filename=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no filename in {disposition}"))
        .to_string();
    let encoded = disposition
        .split("filename*=UTF-8''")
        .nth(1)
        .unwrap_or_else(|| panic!("no filename* in {disposition}"));
    let body = response.bytes().await.expect("body").to_vec();
    Download {
        ascii,
        utf8: percent_decode(encoded),
        body,
    }
}

/// RFC 5987's `%XX` decoded (the server encodes every non-ASCII byte so).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("a %XX escape"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8 file name")
}

/// Every cell of every sheet of an .xlsx, as text.
fn xlsx_cells(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    let mut book: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an xlsx calamine reads");
    let names = book.sheet_names().to_vec();
    names
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("sheet");
            let rows = range
                .rows()
                .map(|row| {
                    row.iter()
                        .map(|c| match c {
                            Data::Empty => String::new(),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (name, rows)
        })
        .collect()
}

/// The lower-case Latin words of `text` of three letters or more: in a
/// cell a cadre reads, such a word is a stored name (`units`,
/// `credit_code`, `union_formation_50`) where a word belongs.
fn latin_words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_lowercase() || c == '_'))
        .filter(|w| w.trim_matches('_').len() >= 3)
        .map(str::to_string)
        .collect()
}

/// Every cell of a report a person reads (columns not marked `machine`)
/// that holds a stored name instead of words.
fn raw_codes(body: &Value) -> Vec<String> {
    let shown: Vec<String> = body["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .filter(|c| c["machine"] == false)
        .map(|c| s(&c["key"]))
        .collect();
    let mut out = Vec::new();
    for row in body["rows"].as_array().expect("rows") {
        for key in &shown {
            let cell = s(&row[key]);
            if !latin_words(&cell).is_empty() {
                out.push(format!("{}.{key} = {cell}", s(&body["name"])));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_county_named_once_shows_everywhere_and_files_are_named_for_what_they_hold() {
    let county = county().await;
    let data = county.scratch.data_dir();
    let http = county.server.http();
    let admin = county.server.admin_token();
    let viewer = token(&data, "county-viewer", None);
    let a_token = township_token(&data, A);

    // Not named yet: 本县, no code.
    let me: Value = get_json_as(&format!("{http}/api/me"), &viewer).await;
    assert_eq!(me["county"], json!({"code": null, "name": "本县"}));
    assert_eq!(me["role"], "county-viewer", "the other fields stay: {me}");
    let (ok, shown, _) = county_cli(&data, &["show"]);
    assert!(ok);
    assert_eq!(shown.trim(), "-\t本县");

    // Bad input: refused, saying what to fix, and nothing stored.
    let long = "县".repeat(31);
    for (code, name, needle) in [
        ("3308", "龙游县", "6 位数字"),
        ("33082５", "龙游县", "6 位数字"),
        ("330825", "  ", "不能为空"),
        ("330825", long.as_str(), "最多 30 个字"),
        ("330825", "龙游/县", "文件名"),
    ] {
        let (ok, _, err) = county_cli(&data, &["set", "--code", code, "--name", name]);
        assert!(!ok, "{code} {name} accepted");
        assert!(err.contains(needle), "{code} {name}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert_eq!(county_cli(&data, &["show"]).1.trim(), "-\t本县");

    // Named while the server runs: the next answer shows it.
    let (ok, _, said) = county_cli(&data, &["set", "--code", "330825", "--name", "龙游县"]);
    assert!(ok, "{said}");
    assert!(said.contains("龙游县"), "{said}");
    assert!(
        !said.contains("注意"),
        "every township is under 330825: {said}"
    );
    assert_eq!(county_cli(&data, &["show"]).1.trim(), "330825\t龙游县");
    let (_, json_out, _) = county_cli(&data, &["show", "--json"]);
    let shown: Value = serde_json::from_str(&json_out).expect("county show --json");
    let named = json!({"code": "330825", "name": "龙游县"});
    assert_eq!(shown, named);
    for t in [&admin, &viewer, &a_token] {
        let me: Value = get_json_as(&format!("{http}/api/me"), t).await;
        assert_eq!(me["county"], named, "{me}");
    }
    let me: Value = get_json_as(&format!("{http}/api/me"), &a_token).await;
    assert_eq!(me["township"]["code"], A, "the township stays: {me}");
    let rules: Value = get_json_as(&format!("{http}/api/rules"), &a_token).await;
    assert_eq!(
        (&rules["county_name"], &rules["county_code"]),
        (&json!("龙游县"), &json!("330825"))
    );
    let audit: Value = get_json_as(&format!("{http}/api/audit?event=county-set"), &admin).await;
    assert!(
        audit[0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("330825 龙游县")),
        "{audit}"
    );

    // Every report's JSON names the county, and no cell a person reads
    // holds a stored name.
    let q = format!("as_of={AS_OF}");
    let mut raw = Vec::new();
    for name in REPORTS {
        let body = county.report(name, &q).await;
        assert_eq!(body["county"], "龙游县", "{name}");
        raw.extend(raw_codes(&body));
    }
    assert_eq!(raw, Vec::<String>::new());
    let coverage = county.report("coverage", &q).await;
    let key_column = coverage["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .find(|c| c["key"] == "target_key")
        .cloned();
    assert_eq!(key_column.map(|c| c["machine"].clone()), Some(json!(true)));

    // 应建未建's 已逾期 is a boolean meaning overdue: X3's deadline
    // (2019-01-01) passed, X2's (2026-07-30) has not.
    let gaps = county.rows("gaps", &q).await;
    let overdue = |unit: &str| {
        gaps.iter()
            .find(|r| r["unit"] == unit)
            .map(|r| r["overdue"].clone())
    };
    assert_eq!(overdue("城关X3公司"), Some(json!(true)));
    assert_eq!(overdue("城关X2公司"), Some(json!(false)));

    // CSV: the title line and the file's names, for the county as of AS_OF.
    let csv = download(&format!("{http}/api/export/coverage.csv?{q}"), &admin).await;
    assert_eq!(csv.ascii, format!("coverage-330825-{AS_OF}.csv"));
    assert_eq!(csv.utf8, format!("龙游县组建率与配备率-截至{AS_OF}.csv"));
    let csv_text = String::from_utf8(csv.body[3..].to_vec()).expect("UTF-8");
    assert!(csv_text.starts_with("龙游县 组建率与配备率,"), "{csv_text}");
    assert!(!csv_text.contains("union_formation"), "{csv_text}");

    // Excel: the title row, read back, and the name.
    let xlsx = download(&format!("{http}/api/export/coverage.xlsx?{q}"), &viewer).await;
    assert_eq!(xlsx.ascii, format!("coverage-330825-{AS_OF}.xlsx"));
    assert_eq!(xlsx.utf8, format!("龙游县组建率与配备率-截至{AS_OF}.xlsx"));
    let sheets = xlsx_cells(&xlsx.body);
    assert_eq!(sheets[0].1[0][0], "龙游县 组建率与配备率");

    // The whole workbook: every sheet titled for the county, no stored name
    // in any cell.
    let all = download(&format!("{http}/api/export/all.xlsx?{q}"), &admin).await;
    assert_eq!(all.utf8, format!("龙游县群团组织统计报表-截至{AS_OF}.xlsx"));
    let sheets = xlsx_cells(&all.body);
    assert_eq!(sheets.len(), REPORTS.len());
    for (sheet, rows) in &sheets {
        assert!(rows[0][0].starts_with("龙游县 "), "{sheet}: {:?}", rows[0]);
        for row in &rows[2..] {
            for cell in row {
                assert!(latin_words(cell).is_empty(), "{sheet}: {cell} in {row:?}");
            }
        }
    }

    // Without as_of a year's file stands on its 31 December, and says so.
    let y2025 = download(&format!("{http}/api/export/honors.csv?year=2025"), &admin).await;
    assert_eq!(y2025.utf8, "龙游县荣誉表彰-2025年度-截至2025-12-31.csv");
    assert_eq!(y2025.ascii, "honors-330825-2025-2025-12-31.csv");

    // One township's file is named for the township, by a county token
    // asking for it or a township token asking for nothing.
    for (t, query) in [(&admin, format!("{q}&township={A}")), (&a_token, q.clone())] {
        let file = download(&format!("{http}/api/export/coverage.xlsx?{query}"), t).await;
        assert_eq!(file.ascii, format!("coverage-{A}-{AS_OF}.xlsx"));
        assert_eq!(file.utf8, format!("城关镇组建率与配备率-截至{AS_OF}.xlsx"));
        let sheets = xlsx_cells(&file.body);
        assert_eq!(sheets[0].1[0][0], "龙游县城关镇 组建率与配备率");
    }
    let union = download(
        &format!("{http}/api/export/nominations.csv?{q}&organization=union"),
        &a_token,
    )
    .await;
    assert_eq!(
        union.utf8,
        format!("城关镇推优入党情况-工会-截至{AS_OF}.csv")
    );
    assert_eq!(union.ascii, format!("nominations-{A}-union-{AS_OF}.csv"));

    // A township token: no 全县合计 in any report, CSV or the workbook;
    // its own rows only (visits: its own total, named for it).
    for name in REPORTS {
        let body = get_json_as::<Value>(&format!("{http}/api/reports/{name}?{q}"), &a_token).await;
        assert_eq!(body["county"], "龙游县");
        for row in body["rows"].as_array().expect("rows") {
            assert_ne!(row["township"], "全县合计", "{name}: {row}");
            assert_eq!(row["township_code"], A, "{name}: {row}");
        }
        let csv = download(&format!("{http}/api/export/{name}.csv?{q}"), &a_token).await;
        let text = String::from_utf8(csv.body).expect("UTF-8");
        assert!(!text.contains("全县合计"), "{name}: {text}");
    }
    let visits = get_json_as::<Value>(&format!("{http}/api/reports/visits?{q}"), &a_token).await;
    let last = visits["rows"].as_array().and_then(|r| r.last()).cloned();
    assert_eq!(
        last.map(|r| r["township"].clone()),
        Some(json!("城关镇合计"))
    );
    let all = download(&format!("{http}/api/export/all.xlsx?{q}"), &a_token).await;
    assert_eq!(all.utf8, format!("城关镇群团组织统计报表-截至{AS_OF}.xlsx"));
    for (sheet, rows) in xlsx_cells(&all.body) {
        assert!(
            rows.iter().flatten().all(|c| c != "全县合计"),
            "{sheet}: {rows:?}"
        );
    }
    // The county's own view keeps its totals.
    let rows = county.rows("coverage", &q).await;
    assert!(rows.iter().any(|r| r["township"] == "全县合计"));

    // Named again: the new name wins at once; a township outside the code
    // is pointed out.
    let (ok, _, said) = county_cli(&data, &["set", "--code", "330803", "--name", "衢江区"]);
    assert!(ok);
    assert!(said.contains("注意") && said.contains(A), "{said}");
    assert_eq!(county.report("gaps", &q).await["county"], "衢江区");
    county.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_rules_file_names_the_county_until_county_set_does() {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    add_township(&data, A, "城关镇");
    let rules = scratch.replica_file("rules").with_extension("toml");
    std::fs::write(
        &rules,
        "county_name = \"龙游县\"\ncounty_code = \"330825\"\n",
    )
    .expect("rules");
    let rules_arg = rules.to_str().expect("path");
    let server = ServerProcess::start_with(&data, 0, &["--rules", rules_arg]);
    let me: Value = get_json_as(&format!("{}/api/me", server.http()), &server.admin_token()).await;
    assert_eq!(me["county"], json!({"code": "330825", "name": "龙游县"}));
    let (_, shown, said) = county_cli(&data, &["show", "--rules", rules_arg]);
    assert_eq!(shown.trim(), "330825\t龙游县");
    assert!(said.contains("规则文件"), "{said}");

    let (ok, _, _) = county_cli(&data, &["set", "--code", "330803", "--name", "衢江区"]);
    assert!(ok);
    let me: Value = get_json_as(&format!("{}/api/me", server.http()), &server.admin_token()).await;
    assert_eq!(me["county"], json!({"code": "330803", "name": "衢江区"}));
    let (_, shown, said) = county_cli(&data, &["show", "--rules", rules_arg]);
    assert_eq!(shown.trim(), "330803\t衢江区");
    assert!(said.contains("龙游县 不起作用"), "{said}");

    // A rules file whose code is not a county's stops the server at start.
    std::fs::write(&rules, "county_code = \"3308\"\n").expect("rules");
    let out = admin_cli(
        &data,
        &["serve", "--listen", "127.0.0.1:0", "--rules", rules_arg],
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("county_code") && err.contains("6 位数字"),
        "{err}"
    );
    server.terminate();
}
