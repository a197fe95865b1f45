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

/// A county or a township: whose figures a file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Its administrative code, when known (a county not yet named has none).
    pub code: Option<String>,
    /// Its name, e.g. `龙游县` or `城关镇`.
    pub name: String,
}

/// What the title rows of an exported file say, and what its name says:
/// whose numbers, as of when, and which slice of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportContext {
    /// The county, e.g. `龙游县`.
    pub county: Place,
    /// The township, when the figures are one township's.
    pub township: Option<Place>,
    /// The day the table was made (制表日期).
    pub generated: NaiveDate,
    /// The day the figures stand on (截至).
    pub as_of: NaiveDate,
    /// The other filters that narrow the figures, as they go into the file
    /// names: (ASCII, Chinese), e.g. `("union", "工会")`, `("2025", "2025年度")`.
    pub narrowed: Vec<(String, String)>,
    /// The filters applied, as (Chinese label, value), e.g. `("乡镇", "城关镇")`.
    pub filters: Vec<(String, String)>,
}

impl ExportContext {
    /// The title line: `<county><township> <title_zh>`, e.g.
    /// `龙游县 组建率与配备率` or `龙游县城关镇 组建率与配备率`.
    pub fn title(&self, table: &ReportTable) -> String {
        let township = self.township.as_ref().map_or("", |t| t.name.as_str());
        format!("{}{township} {}", self.county.name, table.title_zh)
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

    /// The download's two file names for `ext` (without the dot), named for
    /// what the file holds: the township's figures by the township, the
    /// county's by the county, then any other filter, then the date they
    /// stand on (not the day of the download):
    /// `龙游县组建率与配备率-截至2026-06-30.xlsx`,
    /// `城关镇推优入党情况-工会-截至2026-06-30.xlsx`; and an ASCII one for
    /// clients that know nothing better, with the code in place of the name:
    /// `coverage-330825-2026-06-30.xlsx`, `nominations-330825101-union-2026-06-30.xlsx`
    /// (no code while the county has none). Pass both to [`content_disposition`].
    pub fn file_names(&self, ascii_stem: &str, zh_stem: &str, ext: &str) -> (String, String) {
        let place = self.township.as_ref().unwrap_or(&self.county);
        let as_of = self.as_of;
        let mut ascii = vec![ascii_stem.to_string()];
        ascii.extend(place.code.clone());
        ascii.extend(self.narrowed.iter().map(|(a, _)| a.clone()));
        ascii.push(as_of.to_string());
        let mut zh = vec![format!("{}{zh_stem}", place.name)];
        zh.extend(self.narrowed.iter().map(|(_, z)| z.clone()));
        zh.push(format!("截至{as_of}"));
        (
            format!("{}.{ext}", ascii.join("-")),
            format!("{}.{ext}", zh.join("-")),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(township: Option<Place>, narrowed: &[(&str, &str)]) -> ExportContext {
        let day = |s: &str| s.parse::<NaiveDate>().expect("date");
        ExportContext {
            county: Place {
                code: Some("330825".into()),
                name: "龙游县".into(),
            },
            township,
            generated: day("2026-11-24"),
            as_of: day("2026-06-30"),
            narrowed: narrowed
                .iter()
                .map(|(a, z)| (a.to_string(), z.to_string()))
                .collect(),
            filters: Vec::new(),
        }
    }

    #[test]
    fn files_are_named_for_whose_figures_and_as_of() {
        let county = ctx(None, &[]);
        assert_eq!(
            county.file_names("coverage", "组建率与配备率", "xlsx"),
            (
                "coverage-330825-2026-06-30.xlsx".to_string(),
                "龙游县组建率与配备率-截至2026-06-30.xlsx".to_string()
            )
        );
        let town = ctx(
            Some(Place {
                code: Some("330825101".into()),
                name: "城关镇".into(),
            }),
            &[("2025", "2025年度"), ("union", "工会")],
        );
        assert_eq!(
            town.file_names("nominations", "推优入党情况", "csv"),
            (
                "nominations-330825101-2025-union-2026-06-30.csv".to_string(),
                "城关镇推优入党情况-2025年度-工会-截至2026-06-30.csv".to_string()
            )
        );
        let unnamed = ExportContext {
            county: Place {
                code: None,
                name: "本县".into(),
            },
            ..ctx(None, &[])
        };
        assert_eq!(
            unnamed.file_names("gaps", "应建未建", "csv").0,
            "gaps-2026-06-30.csv"
        );
    }
}
