//! A report table as a CSV file that Excel on a county office's Windows PC
//! opens correctly.

use super::ExportContext;
use crate::report_table::{Cell, ReportTable};

/// The UTF-8 byte order mark. Excel on Windows reads a CSV without it in the
/// system's ANSI code page (GBK on a Chinese Windows), which garbles every
/// Chinese character; with it, Excel reads UTF-8. Other tools skip it.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// `table` as CSV, without its machine-id columns: a UTF-8 BOM, the title line (`<county> <title_zh>`,
/// `制表日期: …`, then each filter as `乡镇: 城关镇`, one per field), the
/// Chinese header line, then one line per row.
///
/// Cells read as a person reads them ([`Cell`]'s `Display`): a percent is
/// `85.0%`, a yes/no `是`/`否`, an empty cell empty. Fields holding commas,
/// quotes or line breaks are quoted, and lines end in CRLF, as RFC 4180 and
/// Excel expect. A text starting with `=`, `+`, `-` or `@` gets a leading
/// `'`, so Excel shows it instead of running it as a formula: the text comes
/// from whoever typed it on a township device.
pub fn to_csv(table: &ReportTable, ctx: &ExportContext) -> Vec<u8> {
    let table = &table.for_people();
    let mut out = UTF8_BOM.to_vec();
    // Writing into a Vec cannot fail (its `Write` never errors) and a
    // flexible writer accepts records of any length, so there is no error
    // for a caller to handle.
    write_records(table, ctx, &mut out).expect("CSV into a Vec<u8> cannot fail");
    out
}

fn write_records(
    table: &ReportTable,
    ctx: &ExportContext,
    out: &mut Vec<u8>,
) -> Result<(), ::csv::Error> {
    let mut writer = ::csv::WriterBuilder::new()
        // The title line has fewer fields than the table has columns.
        .flexible(true)
        .terminator(::csv::Terminator::CRLF)
        .from_writer(out);

    let title = std::iter::once(ctx.title(table)).chain(ctx.details());
    writer.write_record(title)?;
    writer.write_record(table.columns.iter().map(|c| c.header_zh.as_str()))?;
    for row in &table.rows {
        writer.write_record(table.cells(row).map(field))?;
    }
    writer.flush()?;
    Ok(())
}

/// One cell's CSV field.
fn field(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) if text.starts_with(['=', '+', '-', '@', '\t', '\r']) => {
            format!("'{text}")
        }
        other => other.to_string(),
    }
}
