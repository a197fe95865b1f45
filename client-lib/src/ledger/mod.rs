//! Excel ledgers (台账): townships keep their records in workbooks, and
//! nobody will retype them.
//!
//! - [`write_template`] / [`template`]: a workbook with one sheet per record
//!   kind ([`SheetKind`]), Chinese headers (each with a note giving the
//!   field's code), every enum as a dropdown of its Chinese labels, and one
//!   example row (a cell of it starts with `示例`, so importing it skips it).
//! - [`read`] / [`read_bytes`]: a filled workbook (calamine) as rows of strings, keyed by
//!   field code; a column is found by its Chinese header or its code.
//! - [`unit_row`], [`person_row`], [`activity_row`], [`honor_row`],
//!   [`visit_row`]: pure parsing of one row
//!   into a typed record, or every [`RowError`] in it.
//! - [`import`]: apply the rows to a [`Township`](crate::Township), one
//!   transaction per sheet, matching existing records so that importing the
//!   same file twice adds nothing; `dry_run` says what would happen and
//!   changes nothing.
//!
//! See `docs/LEDGER.md` for the cadre's side of it.

mod columns;
mod import;
mod read;
mod rows;
mod template;

pub use columns::SheetKind;
pub use import::{ImportReport, RowOutcome, import};
pub use read::{Ledger, LedgerRow, LedgerSheet, read, read_bytes};
pub use rows::{
    ActivityRow, HonorRow, PersonRow, VisitRow, activity_row, honor_row, person_row, unit_row,
    visit_row,
};
pub use template::{template, write_template};

/// One refused cell (or row): where it is and what is wrong, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The sheet's name as in the workbook.
    pub sheet: String,
    /// The row as Excel numbers it (the header is row 1).
    pub row: u32,
    /// The column's Chinese header (empty when the whole row is meant).
    pub column: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "{}, 第 {} 行: {}", self.sheet, self.row, self.message)
        } else {
            write!(
                f,
                "{}, 第 {} 行, {}: {}",
                self.sheet, self.row, self.column, self.message
            )
        }
    }
}

/// A workbook that could not be written or read at all (as opposed to rows
/// in it that are refused, which are [`RowError`]s).
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// Writing the template failed.
    #[error("无法写出模板 (cannot write the template): {0}")]
    Write(String),
    /// The file is not a workbook that can be read.
    #[error("无法读取台账 {path} (cannot read the workbook): {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The township document refused the change.
    #[error(transparent)]
    Client(Box<crate::ClientError>),
}

impl From<crate::ClientError> for LedgerError {
    fn from(e: crate::ClientError) -> Self {
        LedgerError::Client(Box::new(e))
    }
}
