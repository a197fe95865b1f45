//! `quality`: what looks wrong in the data — validation findings, fields
//! in conflict nobody has settled, credit codes used by more than one unit
//! across the county, and documents that could not be read at all.
//!
//! Archived records are out: an archived unit's missing field is nobody's
//! work any more. (Validation already skips them; conflicts do not, and a
//! record archived after its finding was projected is caught here too.)
//! The one exception is a conflict over `archived` itself — one device
//! archived a record while another restored it — which someone must settle.
//!
//! Each row says in words what kind of record and which field
//! (`record_kind`, `field_label`: 单位, 统一社会信用代码); the stored names
//! (`map`, `field`: `units`, `credit_code`) and the record's id stay in
//! machine-id columns for programs.

use qunjian_shared::field_words::{label, map_label};
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
            ("", "乡镇文档"),
            "",
            ("", ""),
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
            ("units", &map_label("units")),
            &id,
            ("credit_code", &label("units", "credit_code")),
            &message,
        ));
    }

    let mut findings = conn.prepare(
        "WITH archived (township, map, id) AS (
             SELECT township, 'units', id FROM p_units WHERE archived <> 0
             UNION ALL SELECT township, 'people', id FROM p_people WHERE archived <> 0
             UNION ALL SELECT township, 'nominations', id FROM p_nominations WHERE archived <> 0
             UNION ALL SELECT township, 'activities', id FROM p_activities WHERE archived <> 0
             UNION ALL SELECT township, 'honors', id FROM p_honors WHERE archived <> 0
             UNION ALL SELECT township, 'visits', id FROM p_visits WHERE archived <> 0)
         SELECT f.township, f.source, f.map, f.record_id, f.field, f.rule, f.message_zh
         FROM p_findings f
         WHERE (?1 IS NULL OR f.township = ?1)
           AND ((f.source = 'conflict' AND f.field = 'archived')
                OR NOT EXISTS (SELECT 1 FROM archived a
                               WHERE a.township = f.township AND a.map = f.map
                                 AND a.id = f.record_id))
         ORDER BY f.township, f.source DESC, f.map, f.record_id, f.field",
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
        let (kind_zh, field_zh) = (map_label(&map), label(&map, &field));
        out.push(cells(
            &name_of(townships, &code),
            &code,
            kind,
            (&map, &kind_zh),
            &id,
            (&field, &field_zh),
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
            ("record_kind", "记录类别"),
            ("map", "记录类别代码"),
            ("record_id", "记录编号"),
            ("field_label", "字段"),
            ("field", "字段代码"),
            ("message", "说明"),
        ],
        out,
    )
    .with_machine_ids(&["map", "record_id", "field"]))
}

/// One row; `map` and `field` as (stored name, words).
fn cells(
    name: &str,
    code: &str,
    kind: &str,
    map: (&str, &str),
    id: &str,
    field: (&str, &str),
    message: &str,
) -> Vec<Cell> {
    [
        name, code, kind, map.1, map.0, id, field.1, field.0, message,
    ]
    .into_iter()
    .map(|s| Cell::Text(s.to_string()))
    .collect()
}
