//! `visits`: guidance visits against the visit rule — every 两新
//! organization with a 妇女工作委员会 should be visited by its linked county
//! women's executive at least `visits_per_year` times a year (seed 004).
//! One row per such organization, then the visits to every other unit
//! summed per township.

use std::collections::{BTreeMap, BTreeSet};

use qunjian_shared::rules::{Rules, counts_on};
use qunjian_shared::schema::{Formed, WomenOrgForm};
use rusqlite::{Connection, params};

use super::filters::Filters;
use super::source::{TownshipRef, UnitRow};
use super::{TOTAL_ZH, table};
use crate::db::DbError;
use crate::report_table::{Cell, ReportTable};

/// Build the table for `f.year`, or the year of `as_of` when none is given.
pub fn build(
    conn: &Connection,
    townships: &[TownshipRef],
    units: &[UnitRow],
    f: &Filters,
    rules: &Rules,
) -> Result<ReportTable, DbError> {
    let year = f.year.unwrap_or_else(|| f.as_of.year());
    let mut stmt = conn.prepare(
        "SELECT township, unit_id, cadre FROM p_visits
         WHERE archived = 0 AND (?1 IS NULL OR township = ?1)
           AND substr(date, 1, 4) = ?2 AND date <= ?3",
    )?;
    let rows = stmt.query_map(
        params![f.township, year.to_string(), f.as_of.to_string()],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        },
    )?;
    // (township, unit) -> (visits, cadres)
    let mut visits: BTreeMap<(String, String), (i64, BTreeSet<String>)> = BTreeMap::new();
    for row in rows {
        let (township, unit, cadre) = row?;
        let v = visits.entry((township, unit)).or_default();
        v.0 += 1;
        v.1.insert(cadre);
    }
    let need = i64::from(rules.visits.visits_per_year);
    let mut out = Vec::new();
    let (mut linked, mut met_count) = (0i64, 0i64);
    for t in townships {
        let mut other = 0i64;
        let mut linked_ids = BTreeSet::new();
        for u in units.iter().filter(|u| u.township == t.code) {
            let w = &u.unit.women_org;
            let is_linked = counts_on(&u.unit, f.as_of)
                && u.unit.kind.is_liangxin()
                && w.form == Some(WomenOrgForm::WorkCommittee)
                && w.is_formed()
                && w.established.is_none_or(|d| f.counts(d));
            if !is_linked {
                continue;
            }
            linked_ids.insert(u.id.clone());
            let (n, cadres) = visits
                .get(&(t.code.clone(), u.id.clone()))
                .cloned()
                .unwrap_or_default();
            let met = n >= need;
            linked += 1;
            met_count += i64::from(met);
            out.push(vec![
                Cell::Text(t.name.clone()),
                Cell::Text(t.code.clone()),
                Cell::Text(u.unit.name.clone()),
                Cell::Int(year.into()),
                Cell::Int(n),
                Cell::Text(cadres.into_iter().collect::<Vec<_>>().join("、")),
                Cell::Int(need),
                Cell::Bool(met),
            ]);
        }
        for ((township, unit), (n, _)) in &visits {
            if township == &t.code && !linked_ids.contains(unit) {
                other += n;
            }
        }
        if other > 0 {
            out.push(vec![
                Cell::Text(t.name.clone()),
                Cell::Text(t.code.clone()),
                Cell::Text("其他单位".into()),
                Cell::Int(year.into()),
                Cell::Int(other),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
            ]);
        }
    }
    // Drawn for one township, the total is that township's, named for it
    // (`reports::build` leaves out every 全县合计 row then).
    let total = match (&f.township, townships) {
        (Some(code), [t]) if &t.code == code => (format!("{}合计", t.name), t.code.clone()),
        _ => (TOTAL_ZH.to_string(), String::new()),
    };
    out.push(vec![
        Cell::Text(total.0),
        Cell::Text(total.1),
        Cell::Text(format!(
            "两新妇工委 {linked} 个，达到走访要求 {met_count} 个"
        )),
        Cell::Int(year.into()),
        Cell::Int(visits.values().map(|v| v.0).sum()),
        Cell::Empty,
        Cell::Int(need * linked),
        Cell::Bool(met_count == linked),
    ]);
    Ok(table(
        "visits",
        "联系走访情况",
        &[
            ("township", "乡镇"),
            ("township_code", "乡镇代码"),
            ("unit", "单位"),
            ("year", "年度"),
            ("visits", "走访次数"),
            ("cadres", "走访干部"),
            ("required", "应走访次数"),
            ("met", "是否达到"),
        ],
        out,
    ))
}
