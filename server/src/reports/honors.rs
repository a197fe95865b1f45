//! `honors`: honors awarded, by township, title and level, for the year
//! asked (or every year up to `as_of`).

use std::collections::BTreeMap;

use qunjian_shared::schema::{HonorLevel, HonorTitle};
use rusqlite::{Connection, params};

use super::filters::Filters;
use super::source::{TownshipRef, name_of};
use super::{TOTAL_ZH, table};
use crate::db::DbError;
use crate::report_table::{Cell, ReportTable};

/// Build the table.
pub fn build(
    conn: &Connection,
    townships: &[TownshipRef],
    f: &Filters,
) -> Result<ReportTable, DbError> {
    let mut stmt = conn.prepare(
        "SELECT township, title, level, year, COUNT(*) FROM p_honors
         WHERE archived = 0 AND (?1 IS NULL OR township = ?1)
           AND (?2 IS NULL OR year = ?2) AND year <= ?3
         GROUP BY township, title, level, year",
    )?;
    let rows = stmt.query_map(params![f.township, f.year, f.as_of.year()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    let mut county: BTreeMap<(String, String, i64), i64> = BTreeMap::new();
    let mut out = Vec::new();
    for row in rows {
        let (code, title, level, year, n) = row?;
        *county
            .entry((title.clone(), level.clone(), year))
            .or_default() += n;
        out.push(cells(
            &name_of(townships, &code),
            &code,
            &title,
            &level,
            year,
            n,
        ));
    }
    for ((title, level, year), n) in county {
        out.push(cells(TOTAL_ZH, "", &title, &level, year, n));
    }
    Ok(table(
        "honors",
        "荣誉表彰",
        &[
            ("township", "乡镇"),
            ("township_code", "乡镇代码"),
            ("title", "称号"),
            ("level", "级别"),
            ("year", "年度"),
            ("count", "数量"),
        ],
        out,
    ))
}

fn cells(name: &str, code: &str, title: &str, level: &str, year: i64, n: i64) -> Vec<Cell> {
    vec![
        Cell::Text(name.to_string()),
        Cell::Text(code.to_string()),
        Cell::Text(
            HonorTitle::parse(title)
                .map_or(title, |t| t.label())
                .to_string(),
        ),
        Cell::Text(
            HonorLevel::parse(level)
                .map_or(level, |l| l.label())
                .to_string(),
        ),
        Cell::Int(year),
        Cell::Int(n),
    ]
}
