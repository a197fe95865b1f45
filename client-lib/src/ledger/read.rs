//! A filled workbook, read with calamine into rows of strings keyed by field
//! code. Cells become text as a cadre sees them: whole numbers without
//! `.0`, Excel dates as `YYYY-MM-DD`.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Sheets, open_workbook_auto, open_workbook_auto_from_rs};
use chrono::{Duration, NaiveDate};

use super::columns::{SheetKind, is_example};
use super::{LedgerError, RowError};

/// A workbook's recognised sheets.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// The sheets that hold a kind of record, in import order.
    pub sheets: Vec<LedgerSheet>,
    /// Sheets whose names are not a record kind; not imported.
    pub unknown_sheets: Vec<String>,
}

/// One sheet of records.
#[derive(Debug, Clone)]
pub struct LedgerSheet {
    /// What it holds.
    pub kind: SheetKind,
    /// Its name in the workbook.
    pub name: String,
    /// Its non-empty data rows (the example row left out).
    pub rows: Vec<LedgerRow>,
    /// Problems with the sheet itself (a required column missing); when
    /// there are any, none of its rows are imported.
    pub errors: Vec<RowError>,
}

/// One data row: its cells as text, keyed by field code; empty cells absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    /// The sheet's name.
    pub sheet: String,
    /// The row as Excel numbers it.
    pub row: u32,
    /// Field code → trimmed text.
    pub cells: BTreeMap<String, String>,
}

impl LedgerRow {
    /// A row from `(field code, text)` pairs (tests, other front ends).
    pub fn new(sheet: &str, row: u32, cells: &[(&str, &str)]) -> LedgerRow {
        LedgerRow {
            sheet: sheet.to_string(),
            row,
            cells: cells
                .iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| (k.to_string(), v.trim().to_string()))
                .collect(),
        }
    }
}

/// Read a workbook (.xlsx, .xls or .ods).
pub fn read(path: &Path) -> Result<Ledger, LedgerError> {
    let fail = |reason: String| LedgerError::Read {
        path: path.display().to_string(),
        reason,
    };
    let workbook = open_workbook_auto(path).map_err(|e| fail(e.to_string()))?;
    sheets(workbook, fail)
}

/// Read a workbook from its bytes (a file uploaded to a web page, which
/// has no path); `name` says which file in an error.
pub fn read_bytes(bytes: &[u8], name: &str) -> Result<Ledger, LedgerError> {
    let fail = |reason: String| LedgerError::Read {
        path: name.to_string(),
        reason,
    };
    let workbook =
        open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| fail(e.to_string()))?;
    sheets(workbook, fail)
}

/// The recognised sheets of an open workbook.
fn sheets<RS: std::io::Read + std::io::Seek>(
    mut workbook: Sheets<RS>,
    fail: impl Fn(String) -> LedgerError,
) -> Result<Ledger, LedgerError> {
    let mut found: Vec<LedgerSheet> = Vec::new();
    let mut unknown_sheets = Vec::new();
    for name in workbook.sheet_names() {
        let Some(kind) = SheetKind::from_sheet_name(&name) else {
            unknown_sheets.push(name);
            continue;
        };
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| fail(format!("{name}: {e}")))?;
        let grid: Vec<Vec<String>> = range
            .rows()
            .map(|row| row.iter().map(cell_text).collect())
            .collect();
        // Rows as Excel numbers them, even when the used range starts lower.
        let first_row = range.start().map(|(r, _)| r + 1).unwrap_or(1);
        found.push(sheet(kind, &name, &grid, first_row));
    }
    found.sort_by_key(|s| s.kind);
    Ok(Ledger {
        sheets: found,
        unknown_sheets,
    })
}

/// A sheet from its grid of texts: the first row is the header.
fn sheet(kind: SheetKind, name: &str, grid: &[Vec<String>], first_row: u32) -> LedgerSheet {
    let mut errors = Vec::new();
    let header: Vec<Option<&'static str>> = grid
        .first()
        .map(|h| h.iter().map(|t| column_code(kind, t)).collect())
        .unwrap_or_default();
    for column in kind.columns().iter().filter(|c| c.required) {
        if !header.contains(&Some(column.code)) {
            errors.push(RowError {
                sheet: name.to_string(),
                row: first_row,
                column: column.zh.to_string(),
                message: format!("缺少“{}”这一列（表头在第 1 行）", column.zh),
            });
        }
    }
    let mut rows = Vec::new();
    for (i, cells) in grid.iter().enumerate().skip(1) {
        let mut map = BTreeMap::new();
        for (code, text) in header.iter().zip(cells) {
            if let Some(code) = code
                && !text.is_empty()
            {
                map.insert(code.to_string(), text.clone());
            }
        }
        if map.is_empty() {
            continue;
        }
        // The template's example row: some cell of it says 示例 (the
        // first column of a sheet may be a dropdown, which cannot).
        if map.values().any(|v| is_example(v)) {
            continue;
        }
        rows.push(LedgerRow {
            sheet: name.to_string(),
            row: first_row.saturating_add(u32::try_from(i).unwrap_or(u32::MAX)),
            cells: map,
        });
    }
    LedgerSheet {
        kind,
        name: name.to_string(),
        rows,
        errors,
    }
}

/// The field code a header names: its Chinese header or the code itself
/// (a trailing `*` marking a required column is ignored).
fn column_code(kind: SheetKind, header: &str) -> Option<&'static str> {
    let h = header.trim().trim_end_matches(['*', '＊']).trim();
    kind.columns()
        .iter()
        .find(|c| c.zh == h || c.code.eq_ignore_ascii_case(h))
        .map(|c| c.code)
}

/// A cell as the text a cadre sees.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(dt) => excel_date(dt.as_f64()).unwrap_or_else(|| float_text(dt.as_f64())),
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
    }
}

fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// An Excel serial date (1900 system) as `YYYY-MM-DD`.
fn excel_date(serial: f64) -> Option<String> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let day = base.checked_add_signed(Duration::days(serial.floor() as i64))?;
    Some(day.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledger_cells_read_as_a_cadre_sees_them() {
        assert_eq!(excel_date(46082.0).as_deref(), Some("2026-03-01"));
        assert_eq!(float_text(12.0), "12");
        assert_eq!(float_text(1.5), "1.5");
        assert_eq!(column_code(SheetKind::Units, " 单位名称* "), Some("name"));
        assert_eq!(
            column_code(SheetKind::Units, "credit_code"),
            Some("credit_code")
        );
        assert_eq!(column_code(SheetKind::Units, "备注"), None);
    }

    #[test]
    fn ledger_sheet_needs_its_required_columns_and_skips_the_example() {
        let grid = vec![
            vec!["单位名称".to_string(), "职工人数".to_string()],
            vec!["示例：城关村".to_string(), "3".to_string()],
            vec![String::new(), String::new()],
            vec!["某某纸业".to_string(), "20".to_string()],
        ];
        let s = sheet(SheetKind::Units, "单位", &grid, 1);
        assert_eq!(s.errors.len(), 1);
        assert_eq!(s.errors[0].column, "单位类型");
        assert_eq!(s.rows.len(), 1);
        assert_eq!(s.rows[0].row, 4);
        assert_eq!(s.rows[0].cells["employees"], "20");
    }

    #[test]
    fn ledger_reads_from_bytes_as_from_a_file() {
        let template = crate::ledger::template().expect("the template");
        let ledger = read_bytes(&template, "上传.xlsx").expect("the template reads back");
        assert_eq!(ledger.sheets.len(), SheetKind::ALL.len());
        // The example rows are skipped: a blank template holds no rows.
        assert!(
            ledger
                .sheets
                .iter()
                .all(|s| s.rows.is_empty() && s.errors.is_empty())
        );
        let Err(LedgerError::Read { path, .. }) = read_bytes(b"not a workbook", "上传.xlsx")
        else {
            panic!("garbage is not a workbook");
        };
        assert_eq!(path, "上传.xlsx");
    }
}
