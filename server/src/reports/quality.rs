//! `quality`: what looks wrong in the data — validation findings, fields
//! in conflict nobody has settled, credit codes used by more than one unit
//! across the county, and documents that could not be read at all.

use qunjian_shared::validation::FindingRule;
use rusqlite::Connection;

use super::filters::Filters;
use super::source::{TownshipRef, name_of};
use super::table;
use crate::db::DbError;
use crate::report_table::{Cell, ReportTable};

/// Build the table.
pub fn build(
    conn: &Connection,
    townships: &[TownshipRef],
    f: &Filters,
) -> Result<ReportTable, DbError> {
    let mut out = Vec::new();

    let mut failed = conn.prepare(
        "SELECT township, error, error_at FROM p_state
         WHERE error IS NOT NULL AND (?1 IS NULL OR township = ?1) ORDER BY township",
    )?;
    let rows = failed.query_map([&f.township], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    for row in rows {
        let (code, error, at) = row?;
        let message = format!(
            "乡镇文档无法读取，统计数据停留在上一次成功读取时（{}）: {error}",
            at.unwrap_or_default()
        );
        out.push(cells(
            &name_of(townships, &code),
            &code,
            "文档无法读取",
            "",
            "",
            "",
            &message,
        ));
    }

    // A credit code identifies one legal entity; two live units sharing one
    // are the same enterprise entered twice, or a typo.
    let mut dups = conn.prepare(
        "SELECT u.township, u.id, u.name, u.credit_code,
                (SELECT COUNT(*) FROM p_units v WHERE v.credit_code = u.credit_code AND v.archived = 0)
         FROM p_units u
         WHERE u.archived = 0 AND u.credit_code IS NOT NULL AND u.credit_code <> ''
           AND (?1 IS NULL OR u.township = ?1)
           AND (SELECT COUNT(*) FROM p_units v
                WHERE v.credit_code = u.credit_code AND v.archived = 0) > 1
         ORDER BY u.credit_code, u.township, u.id",
    )?;
    let rows = dups.query_map([&f.township], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    for row in rows {
        let (code, id, name, credit, n) = row?;
        let message =
            format!("单位「{name}」的统一社会信用代码 {credit} 在全县共有 {n} 个单位使用");
        out.push(cells(
            &name_of(townships, &code),
            &code,
            "信用代码重复",
            "units",
            &id,
            "credit_code",
            &message,
        ));
    }

    let mut findings = conn.prepare(
        "SELECT township, source, map, record_id, field, rule, message_zh FROM p_findings
         WHERE (?1 IS NULL OR township = ?1)
         ORDER BY township, source DESC, map, record_id, field",
    )?;
    let rows = findings.query_map([&f.township], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    for row in rows {
        let (code, source, map, id, field, rule, message) = row?;
        let kind = if source == "conflict" {
            "并发修改冲突"
        } else {
            FindingRule::parse(&rule).map_or("校验问题", |r| r.label())
        };
        out.push(cells(
            &name_of(townships, &code),
            &code,
            kind,
            &map,
            &id,
            &field,
            &message,
        ));
    }
    Ok(table(
        "quality",
        "数据质量",
        &[
            ("township", "乡镇"),
            ("township_code", "乡镇代码"),
            ("problem", "问题类型"),
            ("map", "记录类别"),
            ("record_id", "记录编号"),
            ("field", "字段"),
            ("message", "说明"),
        ],
        out,
    ))
}

fn cells(
    name: &str,
    code: &str,
    kind: &str,
    map: &str,
    id: &str,
    field: &str,
    message: &str,
) -> Vec<Cell> {
    [name, code, kind, map, id, field, message]
        .into_iter()
        .map(|s| Cell::Text(s.to_string()))
        .collect()
}
