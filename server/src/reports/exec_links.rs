//! `exec_links`: county women's executives and the 两新 women's committees
//! they are linked to, against the visit rule (1–3 committees each, at
//! least 2 visits a year to each; the numbers are the county's rules).
//!
//! One row per link in force on `as_of`, with its executive's count of
//! links repeated on each of her rows; an executive the rules list with no
//! link gets a row of her own, and each committee with no executive one
//! too. The figures are the county's (`rules::exec_link_figures`) even
//! when the report is asked for one township, since an executive's links
//! span townships; the rows are then that township's.

use qunjian_shared::rules::{ExecLinkFigures, LinkIn, Rules, UnitIn, VisitIn, exec_link_figures};
use qunjian_shared::schema::{Date, ExecLink};
use rusqlite::Connection;

use super::filters::Filters;
use super::source::{self, TownshipRef, UnitRow};
use super::{TOTAL_ZH, table};
use crate::db::DbError;
use crate::report_table::{Cell, ReportTable};

/// What the executive cell says of a committee no one is linked to.
pub const NO_EXECUTIVE_ZH: &str = "（无执委挂钩）";

/// Build the table as of `f.as_of`.
pub fn build(
    conn: &Connection,
    townships: &[TownshipRef],
    f: &Filters,
    rules: &Rules,
) -> Result<ReportTable, DbError> {
    let county = Filters {
        township: None,
        ..f.clone()
    };
    let all_townships = source::townships(conn, &county)?;
    let units = source::units(conn, &county)?;
    let links = links(conn)?;
    let visits = visits(conn, f.as_of)?;
    let figures = exec_link_figures(
        &links
            .iter()
            .map(|(township, id, link)| LinkIn { township, id, link })
            .collect::<Vec<_>>(),
        &visits
            .iter()
            .map(|(township, unit, cadre, date)| VisitIn {
                township,
                unit,
                cadre,
                date: *date,
            })
            .collect::<Vec<_>>(),
        &units
            .iter()
            .map(|u| UnitIn {
                township: &u.township,
                id: &u.id,
                unit: &u.unit,
            })
            .collect::<Vec<_>>(),
        &rules.visits,
        f.as_of,
    );
    Ok(render(
        &figures,
        townships,
        &all_townships,
        &units,
        f,
        rules,
    ))
}

/// The table from the figures; only the rows of `townships` (all of them
/// unless one was asked for).
fn render(
    figures: &ExecLinkFigures,
    townships: &[TownshipRef],
    all_townships: &[TownshipRef],
    units: &[UnitRow],
    f: &Filters,
    rules: &Rules,
) -> ReportTable {
    let v = &rules.visits;
    let range = format!("{}–{} 个", v.linked_min, v.linked_max);
    let need = i64::from(v.visits_per_year);
    let year = i64::from(f.as_of.year());
    let wanted = |code: &str| townships.iter().any(|t| t.code == code);
    let unit_name = |township: &str, id: &str| {
        units
            .iter()
            .find(|u| u.township == township && u.id == id)
            .map_or_else(
                || format!("单位编号 {id}"),
                |u| u.unit.name.trim().to_string(),
            )
    };
    let executive = |name: &str| figures.executives.iter().find(|e| e.name == name);
    let mut out = Vec::new();
    for l in figures.links.iter().filter(|l| wanted(&l.township)) {
        let e = executive(&l.executive);
        out.push(vec![
            Cell::Text(source::name_of(all_townships, &l.township)),
            Cell::Text(l.township.clone()),
            Cell::Text(l.executive.clone()),
            e.map_or(Cell::Empty, |e| Cell::Int(e.links.into())),
            Cell::Text(range.clone()),
            e.map_or(Cell::Empty, |e| Cell::Bool(e.in_range)),
            Cell::Text(unit_name(&l.township, &l.unit)),
            Cell::Text(l.since.to_string()),
            Cell::Int(year),
            Cell::Int(l.visits.into()),
            Cell::Int(need),
            Cell::Bool(l.met),
        ]);
    }
    // An executive with no link has no township; she is the county's.
    if f.township.is_none() {
        for e in figures.executives.iter().filter(|e| e.links == 0) {
            out.push(vec![
                Cell::Empty,
                Cell::Empty,
                Cell::Text(e.name.clone()),
                Cell::Int(0),
                Cell::Text(range.clone()),
                Cell::Bool(e.in_range),
                Cell::Empty,
                Cell::Empty,
                Cell::Int(year),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
            ]);
        }
    }
    for u in figures.unlinked.iter().filter(|u| wanted(&u.township)) {
        out.push(vec![
            Cell::Text(source::name_of(all_townships, &u.township)),
            Cell::Text(u.township.clone()),
            Cell::Text(NO_EXECUTIVE_ZH.into()),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Text(unit_name(&u.township, &u.unit)),
            Cell::Empty,
            Cell::Int(year),
            Cell::Empty,
            Cell::Int(need),
            Cell::Bool(false),
        ]);
    }
    // The total of the rows shown: asked for one township, its links and
    // committees, and the executives linked there.
    let links: Vec<_> = figures
        .links
        .iter()
        .filter(|l| wanted(&l.township))
        .collect();
    let unlinked = figures
        .unlinked
        .iter()
        .filter(|u| wanted(&u.township))
        .count();
    let executives: Vec<_> = figures
        .executives
        .iter()
        .filter(|e| f.township.is_none() || links.iter().any(|l| l.executive == e.name))
        .collect();
    let in_range = executives.iter().filter(|e| e.in_range).count();
    let met = links.iter().filter(|l| l.met).count();
    let total = |n: usize| Cell::Int(i64::try_from(n).unwrap_or(i64::MAX));
    // Drawn for one township, the total is that township's, named for it
    // (`reports::build` leaves out every 全县合计 row then).
    let (total_name, total_code) = match (&f.township, townships) {
        (Some(code), [t]) if &t.code == code => (format!("{}合计", t.name), t.code.clone()),
        _ => (TOTAL_ZH.to_string(), String::new()),
    };
    out.push(vec![
        Cell::Text(total_name),
        Cell::Text(total_code),
        Cell::Text(format!(
            "执委 {} 人，挂钩数符合 {in_range} 人",
            executives.len()
        )),
        total(links.len()),
        Cell::Text(range),
        Cell::Bool(in_range == executives.len()),
        Cell::Text(format!(
            "挂钩 {} 个，走访达标 {met} 个；无执委挂钩的两新妇工委 {unlinked} 个",
            links.len(),
        )),
        Cell::Empty,
        Cell::Int(year),
        total(links.iter().map(|l| l.visits as usize).sum()),
        Cell::Int(need),
        Cell::Bool(met == links.len() && unlinked == 0),
    ]);
    table(
        "exec_links",
        "执委挂钩联系",
        &[
            ("township", "乡镇"),
            ("township_code", "乡镇代码"),
            ("executive", "县妇联执委"),
            ("links", "挂钩组织数"),
            ("links_required", "要求挂钩数"),
            ("links_in_range", "挂钩数符合"),
            ("unit", "挂钩单位"),
            ("since", "挂钩日期"),
            ("year", "年度"),
            ("visits", "本年走访次数"),
            ("required", "应走访次数"),
            ("met", "走访达标"),
        ],
        out,
    )
}

/// Every link of every township (an executive's links span townships).
fn links(conn: &Connection) -> Result<Vec<(String, String, ExecLink)>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT township, id, executive, unit_id, since, until, archived FROM p_exec_links
         ORDER BY township, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, bool>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (township, id, executive, unit, since, until, archived) = row?;
        // The projection wrote these dates from typed ones.
        let Ok(since) = since.parse::<Date>() else {
            continue;
        };
        let until = until.and_then(|u| u.parse::<Date>().ok());
        out.push((
            township,
            id,
            ExecLink {
                executive,
                unit,
                since,
                until,
                notes: None,
                archived,
            },
        ));
    }
    Ok(out)
}

/// Every visit of `as_of`'s year up to `as_of`, not archived.
fn visits(conn: &Connection, as_of: Date) -> Result<Vec<(String, String, String, Date)>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT township, unit_id, cadre, date FROM p_visits
         WHERE archived = 0 AND substr(date, 1, 4) = ?1 AND date <= ?2",
    )?;
    let rows = stmt.query_map([as_of.year().to_string(), as_of.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (township, unit, cadre, date) = row?;
        if let Ok(date) = date.parse::<Date>() {
            out.push((township, unit, cadre, date));
        }
    }
    Ok(out)
}
