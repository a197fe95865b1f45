//! The one shape every report produces: a titled table of typed cells.
//!
//! Reports compute a [`ReportTable`]; the HTTP API sends it as JSON
//! (`GET /api/reports/{name}`) and `export` writes the same table as
//! CSV or Excel. Keeping the cells typed (an integer stays an integer, a rate
//! stays a fraction) until the very end is what lets each format render them
//! its own way: JSON as plain numbers, CSV as `85.0%`, Excel as a number with
//! a percent format that still sums and sorts.

use std::fmt;

use serde::Serialize;
use serde::ser::SerializeStruct;
use serde_json::{Map, Value};

/// A report's result: named, titled in Chinese, with typed columns and rows.
///
/// Serializes as `{"name", "title_zh", "columns": [{"key", "header_zh",
/// "machine"}], "rows": [{key: value}]}`: rows become objects keyed by
/// [`Column::key`], so a JSON reader never has to match positions to columns.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportTable {
    /// Short English name, e.g. `coverage`: the URL segment, and the stem of
    /// the exported file's ASCII name.
    pub name: String,
    /// The Chinese title, e.g. `组建率与配备率`: the title row and the sheet name.
    pub title_zh: String,
    /// The columns, in display order.
    pub columns: Vec<Column>,
    /// The rows; each should have `columns.len()` cells. A short row is read
    /// as ending in [`Cell::Empty`]s and cells past the last column are
    /// ignored, so a slip in a report shows as a blank, not a panic.
    pub rows: Vec<Vec<Cell>>,
}

/// One column: the key JSON uses and the header a cadre reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    /// JSON key, English snake_case, e.g. `township_name`.
    pub key: String,
    /// Header in exported files, e.g. `乡镇`.
    pub header_zh: String,
    /// A stable id for programs (`union_formation_50`, `units`, a record's
    /// id), next to a column that says the same in words: pages hide it and
    /// exported files leave it out, so a cadre reads only words.
    pub machine: bool,
}

/// One typed value in a report.
///
/// In JSON a cell is its bare value (`Empty` is `null`, `Percent` the
/// fraction `0.85`); see [`Cell`]'s `Display` for how a person reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    /// No value (not applicable, or not reported).
    Empty,
    /// Text, e.g. a township's name.
    Text(String),
    /// A count.
    Int(i64),
    /// A measured or averaged quantity.
    Number(f64),
    /// A rate as a fraction: `0.85` is 85 %.
    Percent(f64),
    /// Yes or no, shown as 是/否.
    Bool(bool),
}

impl Column {
    /// A column with JSON key `key` and Chinese header `header_zh`.
    pub fn new(key: impl Into<String>, header_zh: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            header_zh: header_zh.into(),
            machine: false,
        }
    }
}

impl ReportTable {
    /// The table with the columns named in `keys` marked as machine ids
    /// ([`Column::machine`]).
    pub fn with_machine_ids(mut self, keys: &[&str]) -> Self {
        for column in &mut self.columns {
            if keys.contains(&column.key.as_str()) {
                column.machine = true;
            }
        }
        self
    }

    /// The table as a person reads it: without its machine-id columns
    /// (the exported files' view).
    pub fn for_people(&self) -> ReportTable {
        let keep: Vec<bool> = self.columns.iter().map(|c| !c.machine).collect();
        let pick = |cells: Vec<Cell>| -> Vec<Cell> {
            cells
                .into_iter()
                .zip(&keep)
                .filter_map(|(cell, keep)| keep.then_some(cell))
                .collect()
        };
        ReportTable {
            name: self.name.clone(),
            title_zh: self.title_zh.clone(),
            columns: self
                .columns
                .iter()
                .filter(|c| !c.machine)
                .cloned()
                .collect(),
            rows: self
                .rows
                .iter()
                .map(|row| pick(self.cells(row).cloned().collect()))
                .collect(),
        }
    }

    /// Rows as JSON objects keyed by column key (Percent as a number 0..1,
    /// Empty as null, a non-finite number as null).
    pub fn rows_json(&self) -> Value {
        let rows = self
            .rows
            .iter()
            .map(|row| {
                let object: Map<String, Value> = self
                    .columns
                    .iter()
                    .zip(self.cells(row))
                    .map(|(column, cell)| (column.key.clone(), cell.to_json()))
                    .collect();
                Value::Object(object)
            })
            .collect();
        Value::Array(rows)
    }

    /// Exactly `columns.len()` cells of `row`: [`Cell::Empty`] past a short
    /// row's end, and cells past the last column left out.
    pub fn cells<'a>(&self, row: &'a [Cell]) -> impl Iterator<Item = &'a Cell> + use<'a> {
        const EMPTY: &Cell = &Cell::Empty;
        row.iter()
            .chain(std::iter::repeat(EMPTY))
            .take(self.columns.len())
    }
}

impl Serialize for ReportTable {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // By hand because rows are stored positionally (cheap to build, easy
        // to export) but sent keyed (easy to read); `rows_json` is the one
        // place that turns one into the other.
        let mut table = serializer.serialize_struct("ReportTable", 4)?;
        table.serialize_field("name", &self.name)?;
        table.serialize_field("title_zh", &self.title_zh)?;
        table.serialize_field("columns", &self.columns)?;
        table.serialize_field("rows", &self.rows_json())?;
        table.end()
    }
}

impl Cell {
    /// `part / whole` as a [`Cell::Percent`], or [`Cell::Empty`] when `whole`
    /// is 0: a township with no enterprises has no 组建率, not a 0 % one.
    pub fn percent_of(part: i64, whole: i64) -> Cell {
        if whole == 0 {
            Cell::Empty
        } else {
            Cell::Percent(part as f64 / whole as f64)
        }
    }

    /// The cell as a JSON value; `NaN` and infinities, which JSON cannot
    /// hold, become `null` like an empty cell.
    pub fn to_json(&self) -> Value {
        match self {
            Cell::Empty => Value::Null,
            Cell::Text(text) => Value::String(text.clone()),
            Cell::Int(n) => Value::from(*n),
            Cell::Number(x) | Cell::Percent(x) => {
                serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number)
            }
            Cell::Bool(b) => Value::Bool(*b),
        }
    }
}

/// How a person reads the cell: `85.0%`, `是`/`否`, empty for
/// [`Cell::Empty`] and for a non-finite number.
impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Empty => Ok(()),
            Cell::Text(text) => f.write_str(text),
            Cell::Int(n) => write!(f, "{n}"),
            Cell::Number(x) if x.is_finite() => write!(f, "{x}"),
            Cell::Percent(x) if x.is_finite() => write!(f, "{:.1}%", x * 100.0),
            Cell::Number(_) | Cell::Percent(_) => Ok(()),
            Cell::Bool(true) => f.write_str("是"),
            Cell::Bool(false) => f.write_str("否"),
        }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_owned())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl From<bool> for Cell {
    fn from(b: bool) -> Self {
        Cell::Bool(b)
    }
}

/// `None` is [`Cell::Empty`]: a field nobody filled in.
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(value: Option<T>) -> Self {
        value.map_or(Cell::Empty, Into::into)
    }
}
