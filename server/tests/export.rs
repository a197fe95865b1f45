//! A report table, built as a report would build it, exported as JSON, CSV
//! and Excel, and read back: the .xlsx through calamine, as another program
//! would open it.

use std::io::Cursor;

use calamine::{Data, Dimensions, Reader, Xlsx, open_workbook_from_rs};
use chrono::NaiveDate;
use qunjian_server::export::{
    ExportContext, ExportError, Place, content_disposition, sheet_name, to_csv, to_xlsx,
};
use qunjian_server::report_table::{Cell, Column, ReportTable};
use serde_json::json;

/// Two townships, with every kind of cell and the characters CSV must quote.
fn coverage() -> ReportTable {
    ReportTable {
        name: "coverage".into(),
        title_zh: "组建率与配备率".into(),
        columns: vec![
            Column::new("township", "乡镇"),
            Column::new("units", "单位数"),
            Column::new("formed", "已组建"),
            Column::new("formed_rate", "组建率"),
            Column::new("avg_members", "平均人数"),
            Column::new("note", "备注"),
            Column::new("contact", "联系人"),
        ],
        rows: vec![
            vec![
                Cell::from("城关镇"),
                Cell::Int(12),
                Cell::Bool(true),
                Cell::Percent(0.85),
                Cell::Number(3.5),
                Cell::from("含\"两新\", 企业"),
                Cell::Empty,
            ],
            vec![
                Cell::from("=HYPERLINK(\"x\")"),
                Cell::Int(-3),
                Cell::Bool(false),
                Cell::Percent(1.0),
                Cell::Number(f64::NAN),
                Cell::from("第一行\n第二行"),
                // A short row: the missing last cell reads as empty.
            ],
        ],
    }
}

fn context() -> ExportContext {
    ExportContext {
        county: Place {
            code: None,
            name: "某某县".into(),
        },
        township: None,
        generated: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default(),
        as_of: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default(),
        narrowed: Vec::new(),
        filters: vec![
            ("乡镇".into(), "城关镇".into()),
            ("类型".into(), "行政村".into()),
        ],
    }
}

#[test]
fn json_rows_are_objects_keyed_by_column() {
    let table = coverage();
    let expected_rows = json!([
        {"township": "城关镇", "units": 12, "formed": true, "formed_rate": 0.85,
         "avg_members": 3.5, "note": "含\"两新\", 企业", "contact": null},
        {"township": "=HYPERLINK(\"x\")", "units": -3, "formed": false, "formed_rate": 1.0,
         "avg_members": null, "note": "第一行\n第二行", "contact": null},
    ]);
    assert_eq!(table.rows_json(), expected_rows);

    let value = serde_json::to_value(&table).unwrap_or_default();
    assert_eq!(value["name"], "coverage");
    assert_eq!(value["title_zh"], "组建率与配备率");
    assert_eq!(
        value["columns"][3],
        json!({"key": "formed_rate", "header_zh": "组建率", "machine": false})
    );
    assert_eq!(value["rows"], expected_rows);
}

#[test]
fn percent_of_a_zero_whole_is_empty() {
    assert_eq!(Cell::percent_of(17, 20), Cell::Percent(0.85));
    assert_eq!(Cell::percent_of(0, 0), Cell::Empty);
    assert_eq!(Cell::percent_of(17, 20).to_string(), "85.0%");
}

#[test]
fn csv_has_bom_title_headers_and_quoting() {
    let bytes = to_csv(&coverage(), &context());
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap_or_default();
    let expected = concat!(
        "某某县 组建率与配备率,制表日期: 2026-11-24,乡镇: 城关镇,类型: 行政村\r\n",
        "乡镇,单位数,已组建,组建率,平均人数,备注,联系人\r\n",
        "城关镇,12,是,85.0%,3.5,\"含\"\"两新\"\", 企业\",\r\n",
        // The formula-like text is defused with a leading apostrophe; NaN is blank.
        "\"'=HYPERLINK(\"\"x\"\")\",-3,否,100.0%,,\"第一行\n第二行\",\r\n",
    );
    assert_eq!(text, expected);
}

#[test]
fn csv_parses_back_to_the_same_fields() {
    let bytes = to_csv(&coverage(), &context());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&bytes[3..]);
    let records: Vec<csv::StringRecord> = reader.records().filter_map(Result::ok).collect();
    assert_eq!(records.len(), 4);
    assert_eq!(&records[2][5], "含\"两新\", 企业");
    assert_eq!(&records[3][5], "第一行\n第二行");
    assert_eq!(records[3].len(), 7);
}

fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    match open_workbook_from_rs(Cursor::new(bytes)) {
        Ok(workbook) => workbook,
        Err(e) => panic!("calamine cannot open the export: {e}"),
    }
}

fn text(s: &str) -> Data {
    Data::String(s.to_owned())
}

#[test]
fn xlsx_reads_back_with_title_headers_and_typed_cells() {
    let bytes = match to_xlsx(&[coverage()], &context()) {
        Ok(bytes) => bytes,
        Err(e) => panic!("export failed: {e}"),
    };
    let mut workbook = open(bytes);
    assert_eq!(workbook.sheet_names(), vec!["组建率与配备率".to_owned()]);
    let sheet = match workbook.worksheet_range("组建率与配备率") {
        Ok(sheet) => sheet,
        Err(e) => panic!("no sheet: {e}"),
    };
    let at = |row: u32, col: u32| sheet.get_value((row, col)).cloned();

    // Row 1: the title; row 2: date and filters.
    assert_eq!(at(0, 0), Some(text("某某县 组建率与配备率")));
    assert_eq!(
        at(1, 0),
        Some(text("制表日期: 2026-11-24    乡镇: 城关镇    类型: 行政村"))
    );
    // Row 3: the Chinese headers.
    let headers: Vec<Option<Data>> = (0..7).map(|c| at(2, c)).collect();
    let expected: Vec<Option<Data>> = [
        "乡镇",
        "单位数",
        "已组建",
        "组建率",
        "平均人数",
        "备注",
        "联系人",
    ]
    .iter()
    .map(|h| Some(text(h)))
    .collect();
    assert_eq!(headers, expected);

    // Row 4 on: numbers are numbers, a percent is its fraction.
    assert_eq!(at(3, 0), Some(text("城关镇")));
    assert_eq!(at(3, 1), Some(Data::Float(12.0)));
    assert_eq!(at(3, 2), Some(text("是")));
    assert_eq!(at(3, 3), Some(Data::Float(0.85)));
    assert_eq!(at(3, 4), Some(Data::Float(3.5)));
    assert_eq!(at(3, 5), Some(text("含\"两新\", 企业")));
    assert_eq!(at(3, 6), Some(Data::Empty));
    // Text that looks like a formula stays text in Excel, unchanged.
    assert_eq!(at(4, 0), Some(text("=HYPERLINK(\"x\")")));
    assert_eq!(at(4, 1), Some(Data::Float(-3.0)));
    assert_eq!(at(4, 2), Some(text("否")));
    assert_eq!(at(4, 3), Some(Data::Float(1.0)));
    assert_eq!(at(4, 4), Some(Data::Empty), "NaN stays blank");
    assert_eq!(at(4, 5), Some(text("第一行\n第二行")));
    assert_eq!(sheet.end(), Some((4, 6)));

    // The title and the details rows span the table's seven columns.
    let merged = workbook
        .merge_cells_by_sheet_name("组建率与配备率")
        .unwrap_or_default();
    assert!(merged.contains(&Dimensions {
        start: (0, 0),
        end: (0, 6)
    }));
    assert!(merged.contains(&Dimensions {
        start: (1, 0),
        end: (1, 6)
    }));
}

#[test]
fn xlsx_has_one_sheet_per_table_with_valid_unique_names() {
    let mut clash = coverage();
    clash.name = "coverage_again".into();
    let mut odd = coverage();
    odd.title_zh = "组建率/配备率：2026[上半年]*?".into();
    let mut one_column = coverage();
    one_column.title_zh = "单列".into();
    one_column.columns.truncate(1);
    let tables = [coverage(), clash, odd, one_column];

    let bytes = match to_xlsx(&tables, &context()) {
        Ok(bytes) => bytes,
        Err(e) => panic!("export failed: {e}"),
    };
    let mut workbook = open(bytes);
    assert_eq!(
        workbook.sheet_names(),
        vec![
            "组建率与配备率",
            "组建率与配备率 (2)",
            "组建率配备率：2026上半年",
            "单列"
        ]
    );
    let single = workbook.worksheet_range("单列").unwrap_or_default();
    assert_eq!(single.get_value((0, 0)), Some(&text("某某县 单列")));
    assert_eq!(single.get_value((3, 0)), Some(&text("城关镇")));
    assert_eq!(
        single.end(),
        Some((4, 0)),
        "cells past the last column are left out"
    );
}

#[test]
fn xlsx_error_names_the_sheet() {
    let mut table = coverage();
    // Excel holds at most 32,767 characters in a cell.
    table.rows[0][5] = Cell::Text("长".repeat(40_000));
    match to_xlsx(&[table], &context()) {
        Err(ExportError::Sheet { sheet, .. }) => assert_eq!(sheet, "组建率与配备率"),
        other => panic!("expected a sheet error, got {:?}", other.map(|b| b.len())),
    }
}

#[test]
fn sheet_names_follow_excel_rules() {
    assert_eq!(sheet_name("组建率与配备率"), "组建率与配备率");
    assert_eq!(sheet_name("a[b]c:d*e?f/g\\h"), "abcdefgh");
    let long = "党组织覆盖情况".repeat(6); // 42 characters
    let name = sheet_name(&long);
    assert_eq!(name.chars().count(), 31);
    assert!(long.starts_with(&name));
    assert_eq!(sheet_name("  'x'  "), "x");
    assert_eq!(sheet_name("::"), "Sheet");
}

#[test]
fn content_disposition_for_a_chinese_name() {
    // Named for the date the figures stand on (as_of), not the day made.
    let (ascii, utf8) = context().file_names("coverage", "组建率与配备率", "csv");
    assert_eq!(ascii, "coverage-2026-06-30.csv");
    assert_eq!(utf8, "某某县组建率与配备率-截至2026-06-30.csv");
    assert_eq!(
        content_disposition(&ascii, &utf8),
        "attachment; filename=\"coverage-2026-06-30.csv\"; filename*=UTF-8''\
         %E6%9F%90%E6%9F%90%E5%8E%BF%E7%BB%84%E5%BB%BA%E7%8E%87%E4%B8%8E%E9%85%8D%E5%A4%87%E7%8E%87\
         -%E6%88%AA%E8%87%B32026-06-30.csv"
    );
    // Quotes, backslashes and non-ASCII never reach the quoted fallback.
    assert_eq!(
        content_disposition("a\"b\\c/d 城.csv", "a b.csv"),
        "attachment; filename=\"a_b_c_d _.csv\"; filename*=UTF-8''a%20b.csv"
    );
}

#[test]
fn machine_ids_stay_in_json_and_out_of_files() {
    let table = ReportTable {
        name: "coverage".into(),
        title_zh: "组建率与配备率".into(),
        columns: vec![
            Column::new("target", "指标"),
            Column::new("target_key", "指标代码"),
            Column::new("rate", "组建率"),
        ],
        rows: vec![vec![
            Cell::from("职工 50 人以上企业工会组建率"),
            Cell::from("union_formation_50"),
            Cell::Percent(0.85),
        ]],
    }
    .with_machine_ids(&["target_key"]);
    let value = serde_json::to_value(&table).unwrap_or_default();
    assert_eq!(value["columns"][1]["machine"], true);
    assert_eq!(value["rows"][0]["target_key"], "union_formation_50");

    let csv = String::from_utf8(to_csv(&table, &context())).unwrap_or_default();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(lines[1], "指标,组建率");
    assert_eq!(lines[2], "职工 50 人以上企业工会组建率,85.0%");

    let bytes = to_xlsx(&[table], &context()).unwrap_or_default();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    let sheet = book.worksheet_range("组建率与配备率").expect("sheet");
    assert_eq!(sheet.width(), 2);
    assert_eq!(
        sheet.get_value((2, 1)),
        Some(&Data::String("组建率".into()))
    );
    assert_eq!(sheet.get_value((3, 1)), Some(&Data::Float(0.85)));
}
