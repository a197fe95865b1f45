//! The blank ledger a township fills in: one sheet per record kind, Chinese
//! headers (each with a note giving the field code and whether it must be
//! filled), a dropdown of Chinese labels on every enum column, and one
//! example row, which `import` skips because its name starts with `示例`.

use std::path::Path;

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, ExcelDateTime, Format, Note, Workbook, Worksheet,
    XlsxError,
};

use super::LedgerError;
use super::columns::{Column, ColumnType, SheetKind};

/// Rows that get the dropdowns and date format (the header is row 1).
const LAST_ROW: u32 = 2000;

/// The template as .xlsx bytes.
pub fn template() -> Result<Vec<u8>, LedgerError> {
    build()
        .and_then(|mut wb| wb.save_to_buffer())
        .map_err(|e| LedgerError::Write(e.to_string()))
}

/// Write the template to `path`.
pub fn write_template(path: &Path) -> Result<(), LedgerError> {
    let bytes = template()?;
    std::fs::write(path, bytes).map_err(|e| LedgerError::Write(format!("{}: {e}", path.display())))
}

fn build() -> Result<Workbook, XlsxError> {
    let mut wb = Workbook::new();
    for kind in SheetKind::ALL {
        let ws = wb.add_worksheet();
        sheet(ws, *kind)?;
    }
    let help = wb.add_worksheet();
    help.set_name("填写说明")?;
    help.set_column_width(0, 100)?;
    for (i, line) in HELP.iter().enumerate() {
        help.write_string(u32::try_from(i).unwrap_or(0), 0, *line)?;
    }
    Ok(wb)
}

const HELP: &[&str] = &[
    "填写说明",
    "1. 每个工作表一类记录：单位、人员、活动、荣誉、走访。第 1 行是表头，请勿修改；从第 3 行起填写，第 2 行是示例（有单元格以“示例”开头的行不会导入，可保留或删除）。",
    "2. 带 * 的列必须填写。下拉列表中的选项可直接选择；也可填写英文代码（如 village）。",
    "3. 日期可用 Excel 日期，或写成 2026-03-01 这样的文字。",
    "4. 人员的“所属单位”、活动的“参与单位”、荣誉的“获奖单位”、走访的“走访单位”填写单位名称，须是已有单位或本表“单位”工作表中的单位；荣誉的“获奖人”填写人员姓名。荣誉的获奖单位和获奖人填且只填一个。",
    "5. “职务”“组织”“参与单位”可填写多个，用“、”分隔。",
    "6. 导入：qunjian import 台账.xlsx（先用 --dry-run 预览）。同一文件重复导入不会重复添加：单位按统一社会信用代码、否则按名称和类型匹配；人员按姓名和出生年份匹配；活动按名称和日期匹配；荣誉按称号、级别、年度和获奖者匹配；走访按干部、单位和日期匹配。匹配到的记录会被更新。",
];

fn sheet(ws: &mut Worksheet, kind: SheetKind) -> Result<(), XlsxError> {
    ws.set_name(kind.sheet_name())?;
    let header = Format::new().set_bold().set_background_color(0xDDEBF7);
    let example = Format::new().set_font_color(0x7F7F7F);
    let example_date = Format::new()
        .set_font_color(0x7F7F7F)
        .set_num_format("yyyy-mm-dd");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (i, column) in kind.columns().iter().enumerate() {
        let c = u16::try_from(i).unwrap_or(u16::MAX);
        let title = if column.required {
            format!("{}*", column.zh)
        } else {
            column.zh.to_string()
        };
        ws.write_string_with_format(0, c, &title, &header)?;
        ws.insert_note(0, c, &Note::new(note(column)).add_author_prefix(false))?;
        ws.set_column_width(c, (column.zh.chars().count() as f64 * 2.4).max(12.0))?;
        match column.kind {
            ColumnType::Enum(values) | ColumnType::EnumList(values) => {
                let labels: Vec<&str> = values().iter().map(|(_, zh)| *zh).collect();
                let mut dv = DataValidation::new()
                    .allow_list_strings(&labels)?
                    .set_input_title(column.zh)?
                    .set_input_message(format!("可选：{}", labels.join("、")))?;
                if matches!(column.kind, ColumnType::EnumList(_)) {
                    // Several values, separated by 、: a warning only.
                    dv = dv.set_error_style(DataValidationErrorStyle::Information);
                }
                ws.add_data_validation(1, c, LAST_ROW, c, &dv)?;
            }
            ColumnType::Date => {
                ws.set_column_format(c, &date)?;
            }
            _ => {}
        }
        // The example row.
        match column.kind {
            ColumnType::Count | ColumnType::Year => match column.example.parse::<f64>() {
                Ok(n) => ws.write_number_with_format(1, c, n, &example)?,
                Err(_) => ws.write_string_with_format(1, c, column.example, &example)?,
            },
            ColumnType::Date => match example_day(column.example) {
                Some(day) => ws.write_datetime_with_format(1, c, &day, &example_date)?,
                None => ws.write_string_with_format(1, c, column.example, &example)?,
            },
            _ if column.example.is_empty() => ws,
            _ => ws.write_string_with_format(1, c, column.example, &example)?,
        };
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

fn example_day(text: &str) -> Option<ExcelDateTime> {
    let mut parts = text.split('-').map(str::parse::<u16>);
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    ExcelDateTime::from_ymd(y, u8::try_from(m).ok()?, u8::try_from(d).ok()?).ok()
}

fn note(column: &Column) -> String {
    let must = if column.required { "必填" } else { "选填" };
    let what = match column.kind {
        ColumnType::Text => "文字".to_string(),
        ColumnType::Count => "0 或正整数".to_string(),
        ColumnType::Year => "四位年份，如 1990".to_string(),
        ColumnType::Date => "Excel 日期，或 2026-03-01".to_string(),
        ColumnType::Enum(values) => format!(
            "从下拉列表选择：{}",
            values()
                .iter()
                .map(|(_, zh)| *zh)
                .collect::<Vec<_>>()
                .join("、")
        ),
        ColumnType::EnumList(values) => format!(
            "可填多个，用“、”分隔：{}",
            values()
                .iter()
                .map(|(_, zh)| *zh)
                .collect::<Vec<_>>()
                .join("、")
        ),
    };
    format!("{}（字段 {}）\n{must}。{what}", column.zh, column.code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledger_template_reads_back_with_no_rows_and_no_errors() {
        let path = std::env::temp_dir().join(format!(
            "qunjian-ledger-template-{}.xlsx",
            std::process::id()
        ));
        write_template(&path).unwrap();
        let ledger = super::super::read(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        let kinds: Vec<SheetKind> = ledger.sheets.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, SheetKind::ALL);
        assert_eq!(ledger.unknown_sheets, ["填写说明"]);
        for sheet in &ledger.sheets {
            assert!(sheet.errors.is_empty(), "{:?}", sheet.errors);
            assert!(sheet.rows.is_empty(), "the example row is skipped");
        }
    }

    #[test]
    fn ledger_template_examples_pass_their_own_checks() {
        use super::super::{LedgerRow, activity_row, person_row, unit_row};
        let row = |kind: SheetKind| {
            let cells: Vec<(&str, &str)> =
                kind.columns().iter().map(|c| (c.code, c.example)).collect();
            LedgerRow::new(kind.sheet_name(), 2, &cells)
        };
        unit_row(&row(SheetKind::Units)).unwrap();
        person_row(&row(SheetKind::People), 2026).unwrap();
        activity_row(&row(SheetKind::Activities)).unwrap();
    }
}
