//! Report tables as files a cadre downloads: CSV and Excel.
//!
//! Both formats open with the same two lines of context — the county and the
//! report's title, then the date and the filters — because an exported file
//! leaves the system: printed, forwarded over WeChat, pasted into a 县委
//! report, it must still say where its numbers came from. Then the Chinese
//! headers, then the rows.
//!
//! `csv` writes one table; `xlsx` writes one sheet per table (with
//! `sheet_name` keeping titles within Excel's rules); `disposition` names the
//! download for the browser.

mod csv;
mod disposition;
mod sheet_name;
mod xlsx;

use chrono::NaiveDate;

pub use self::csv::to_csv;
pub use self::disposition::content_disposition;
pub use self::sheet_name::sheet_name;
pub use self::xlsx::to_xlsx;

use crate::report_table::ReportTable;

/// What the title rows of an exported file say: whose numbers, when, and
/// which slice of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportContext {
    /// The county's name, e.g. `某某县`.
    pub county: String,
    /// The day the table was made (制表日期).
    pub generated: NaiveDate,
    /// The filters applied, as (Chinese label, value), e.g. `("乡镇", "城关镇")`.
    pub filters: Vec<(String, String)>,
}

impl ExportContext {
    /// The title line: `<county> <title_zh>`.
    pub fn title(&self, table: &ReportTable) -> String {
        format!("{} {}", self.county, table.title_zh)
    }

    /// The second line's parts: `制表日期: 2026-11-24`, then each filter as
    /// `乡镇: 城关镇`.
    pub fn details(&self) -> Vec<String> {
        std::iter::once(format!("制表日期: {}", self.generated))
            .chain(
                self.filters
                    .iter()
                    .map(|(label, value)| format!("{label}: {value}")),
            )
            .collect()
    }

    /// The download's two file names for `ext` (without the dot): an ASCII one,
    /// `coverage-2026-11-24.csv`, for clients that know nothing better, and
    /// the one a cadre should see, `某某县组建率与配备率-2026-11-24.csv`.
    /// Pass both to [`content_disposition`].
    pub fn file_names(&self, ascii_stem: &str, zh_stem: &str, ext: &str) -> (String, String) {
        let date = self.generated;
        (
            format!("{ascii_stem}-{date}.{ext}"),
            format!("{}{zh_stem}-{date}.{ext}", self.county),
        )
    }
}

/// Why an Excel export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Excel refused something in the report's sheet, e.g. a text longer than
    /// a cell holds (32,767 characters) or more rows than a sheet has.
    #[error("报表「{sheet}」无法写入 Excel: {source}")]
    Sheet {
        /// The sheet's name.
        sheet: String,
        /// What rust_xlsxwriter reported.
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
    /// The workbook could not be assembled into an .xlsx file.
    #[error("无法生成 Excel 文件: {0}")]
    Workbook(#[source] rust_xlsxwriter::XlsxError),
}
