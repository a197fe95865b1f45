//! Report tables as one Excel workbook, a sheet per table.
//!
//! Layout of each sheet, the way county statistical tables are printed:
//! row 1 the title (county and report, bold, merged across the table), row 2
//! the date and filters, row 3 the Chinese headers (bold, frozen so they stay
//! in view while scrolling), data from row 4.

use rust_xlsxwriter::{
    ColNum, Format, FormatAlign, FormatBorder, RowNum, Workbook, Worksheet, XlsxError,
};

use super::sheet_name::unique_sheet_name;
use super::{ExportContext, ExportError};
use crate::report_table::{Cell, ReportTable};

/// The zero-based row of the headers; data starts on the next.
const HEADER_ROW: RowNum = 2;

/// Column widths, in Excel's units (about one Latin digit each): never so
/// narrow that a header hides, never so wide that one long remark pushes
/// the rest off screen.
const MIN_WIDTH: f64 = 6.0;
const MAX_WIDTH: f64 = 50.0;

/// `tables` as an .xlsx file, without their machine-id columns: one worksheet per table, named after its
/// `title_zh` (cleaned by [`sheet_name`](super::sheet_name()), numbered when two titles
/// clash), in the order given.
///
/// Cells keep their type, so a cadre can sum and sort in Excel: counts and
/// quantities are numbers, a percent is its fraction with a `0.0%` format
/// (`0.85` shows as `85.0%`), yes/no is `是`/`否`, text is always text (never
/// read as a formula), and an empty cell or a non-finite number stays blank.
pub fn to_xlsx(tables: &[ReportTable], ctx: &ExportContext) -> Result<Vec<u8>, ExportError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let mut used_names = Vec::new();
    for table in tables {
        let table = &table.for_people();
        let name = unique_sheet_name(&table.title_zh, &mut used_names);
        let sheet = workbook.add_worksheet();
        write_sheet(sheet, &name, table, ctx, &formats).map_err(|source| ExportError::Sheet {
            sheet: name,
            source,
        })?;
    }
    workbook.save_to_buffer().map_err(ExportError::Workbook)
}

/// The few formats every sheet shares.
struct Formats {
    title: Format,
    header: Format,
    percent: Format,
    yes_no: Format,
}

impl Formats {
    fn new() -> Self {
        Self {
            title: Format::new()
                .set_bold()
                .set_font_size(14)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_border_bottom(FormatBorder::Thin),
            percent: Format::new().set_num_format("0.0%"),
            yes_no: Format::new().set_align(FormatAlign::Center),
        }
    }
}

fn write_sheet(
    sheet: &mut Worksheet,
    name: &str,
    table: &ReportTable,
    ctx: &ExportContext,
    formats: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(name)?;
    let last_col = col(table.columns.len().saturating_sub(1))?;

    // Rows 1 and 2: the title and the date with the filters, each across the
    // table's width so they read as headings of the whole table.
    let details = ctx.details().join("    ");
    write_across(sheet, 0, last_col, &ctx.title(table), &formats.title)?;
    write_across(sheet, 1, last_col, &details, &Format::new())?;
    sheet.set_row_height(0, 24)?;

    for (c, column) in table.columns.iter().enumerate() {
        sheet.write_string_with_format(HEADER_ROW, col(c)?, &column.header_zh, &formats.header)?;
    }
    sheet.set_freeze_panes(HEADER_ROW + 1, 0)?;

    for (r, row) in table.rows.iter().enumerate() {
        let r = RowNum::try_from(r)
            .ok()
            .and_then(|r| r.checked_add(HEADER_ROW + 1))
            .ok_or(XlsxError::RowColumnLimitError)?;
        for (c, cell) in table.cells(row).enumerate() {
            write_cell(sheet, r, col(c)?, cell, formats)?;
        }
    }

    for (c, column) in table.columns.iter().enumerate() {
        let widest = table
            .rows
            .iter()
            .filter_map(|row| table.cells(row).nth(c))
            .map(|cell| display_width(&cell.to_string()))
            .fold(display_width(&column.header_zh), usize::max);
        // Two units of padding so text does not touch the cell's border.
        let width = (widest as f64 + 2.0).clamp(MIN_WIDTH, MAX_WIDTH);
        sheet.set_column_width(col(c)?, width)?;
    }
    Ok(())
}

/// `text` in row `row` from column A to `last_col`, merged when that is more
/// than one cell (Excel refuses to merge a single cell).
fn write_across(
    sheet: &mut Worksheet,
    row: RowNum,
    last_col: ColNum,
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    if last_col == 0 {
        sheet.write_string_with_format(row, 0, text, format)?;
    } else {
        sheet.merge_range(row, 0, row, last_col, text, format)?;
    }
    Ok(())
}

fn write_cell(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    cell: &Cell,
    formats: &Formats,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => {}
        Cell::Text(text) => {
            sheet.write_string(row, col, text)?;
        }
        // Excel holds every number as an f64; counts in a county's reports
        // are far below 2^53, where that would lose precision.
        Cell::Int(n) => {
            sheet.write_number(row, col, *n as f64)?;
        }
        Cell::Number(x) if x.is_finite() => {
            sheet.write_number(row, col, *x)?;
        }
        Cell::Percent(x) if x.is_finite() => {
            sheet.write_number_with_format(row, col, *x, &formats.percent)?;
        }
        // NaN or infinity: Excel has no such number, so leave it blank as
        // CSV and JSON do.
        Cell::Number(_) | Cell::Percent(_) => {}
        Cell::Bool(_) => {
            sheet.write_string_with_format(row, col, cell.to_string(), &formats.yes_no)?;
        }
    }
    Ok(())
}

/// A column index as Excel's type; past Excel's 16,384 columns is an error.
fn col(index: usize) -> Result<ColNum, XlsxError> {
    ColNum::try_from(index).map_err(|_| XlsxError::RowColumnLimitError)
}

/// How wide `text` looks in Excel's units: a CJK character takes about two
/// Latin digits' room; a multi-line text is as wide as its longest line.
pub(crate) fn display_width(text: &str) -> usize {
    text.lines()
        .map(|line| line.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum())
        .max()
        .unwrap_or(0)
}

/// East Asian wide and full-width characters: Hangul Jamo, CJK radicals to
/// Yi (which holds the punctuation, kana and ideographs), Hangul syllables,
/// compatibility ideographs and forms, full-width forms, and the ideograph
/// extensions beyond the BMP.
fn is_wide(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{115F}'
        | '\u{2E80}'..='\u{A4CF}'
        | '\u{AC00}'..='\u{D7A3}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FF60}'
        | '\u{FFE0}'..='\u{FFE6}'
        | '\u{20000}'..='\u{3FFFD}')
}

#[cfg(test)]
mod tests {
    use super::display_width;

    #[test]
    fn cjk_counts_double() {
        assert_eq!(display_width("城关镇"), 6);
        assert_eq!(display_width("85.0%"), 5);
        assert_eq!(display_width("乡镇（街道）"), 12);
        assert_eq!(display_width("ab\n组建率"), 6);
        assert_eq!(display_width(""), 0);
    }
}
