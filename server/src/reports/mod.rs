//! The county's reports. Each file is one report: it reads plain rows
//! (`source`) and computes a [`ReportTable`], which the API sends as JSON and
//! `export` writes as CSV or Excel. The arithmetic is in pure functions over
//! those rows and the [`Rules`]; only `source` and the small SQL reports
//! touch the database.

pub mod activities;
pub mod coverage;
pub mod exec_links;
pub mod filters;
pub mod funnel;
pub mod gaps;
pub mod honors;
pub mod nominations;
pub mod overview;
pub mod quality;
pub mod source;
pub mod sync;
pub mod units;
pub mod visits;

use qunjian_shared::rules::Rules;
use qunjian_shared::schema::{OrgKind, RecommendingOrg};
use rusqlite::Connection;

pub use crate::peers::ConnectedNow;
pub use filters::{FilterError, FilterQuery, Filters};

use crate::db::DbError;
use crate::report_table::{Cell, Column, ReportTable};

/// The name of the county-wide total row.
pub const TOTAL_ZH: &str = "全县合计";

qunjian_shared::text_enum! {
    /// A report, by the name in its URL, in the order the dashboard and the
    /// workbook show them.
    ReportName {
        Coverage = "coverage" "组建率与配备率",
        Gaps = "gaps" "应建未建",
        Nominations = "nominations" "推优入党情况",
        Activities = "activities" "活动开展情况",
        Honors = "honors" "荣誉表彰",
        Visits = "visits" "联系走访情况",
        ExecLinks = "exec_links" "执委挂钩联系",
        Quality = "quality" "数据质量",
        Sync = "sync" "同步情况",
    }
}

impl ReportName {
    /// Every URL name, for an error message.
    pub fn names() -> String {
        ReportName::ALL
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Compute report `name` for `f`.
///
/// Drawn for one township (a township token always is), a report has no
/// 全县合计 rows: summed over one township they are that township's own
/// rows again, mislabelled as the county's, and the 推优 totals would be
/// measured against the county's quotas. A report whose township rows have
/// no total of their own (`visits`) gives the township's total instead.
pub fn build(
    name: ReportName,
    conn: &Connection,
    f: &Filters,
    rules: &Rules,
    connected: &ConnectedNow,
) -> Result<ReportTable, DbError> {
    let mut table = build_all(name, conn, f, rules, connected)?;
    if f.township.is_some() {
        let total = Cell::Text(TOTAL_ZH.to_string());
        table.rows.retain(|row| row.first() != Some(&total));
    }
    Ok(table)
}

fn build_all(
    name: ReportName,
    conn: &Connection,
    f: &Filters,
    rules: &Rules,
    connected: &ConnectedNow,
) -> Result<ReportTable, DbError> {
    let townships = source::townships(conn, f)?;
    Ok(match name {
        ReportName::Coverage => coverage::build(
            &townships,
            &source::units(conn, f)?,
            &source::people(conn, f)?,
            &source::township_orgs(conn, f)?,
            f,
            rules,
        ),
        ReportName::Gaps => gaps::build(&townships, &source::units(conn, f)?, f, rules),
        ReportName::Nominations => {
            let org = f.organization.and_then(recommending);
            // Party organizations and 妇女之家 recommend no one: asked for
            // them, the report is empty, not every organization's figures.
            let rows = match (f.organization, org) {
                (Some(_), None) => Vec::new(),
                _ => source::nominations(conn, f)?,
            };
            nominations::build(&townships, &rows, org, rules)
        }
        ReportName::Activities => activities::build(&townships, &source::activities(conn, f)?, f),
        ReportName::Honors => honors::build(conn, &townships, f)?,
        ReportName::Visits => visits::build(conn, &townships, &source::units(conn, f)?, f, rules)?,
        ReportName::ExecLinks => exec_links::build(conn, &townships, f, rules)?,
        ReportName::Quality => quality::build(conn, &townships, f)?,
        ReportName::Sync => sync::build(conn, f, connected)?,
    })
}

/// The recommending organization an organization filter means, if any.
fn recommending(o: OrgKind) -> Option<RecommendingOrg> {
    match o {
        OrgKind::Union => Some(RecommendingOrg::Union),
        OrgKind::League => Some(RecommendingOrg::League),
        OrgKind::Women => Some(RecommendingOrg::Women),
        OrgKind::Party | OrgKind::WomensHome => None,
    }
}

/// A table from `(key, 中文表头)` pairs and rows.
pub fn table(
    name: &str,
    title_zh: &str,
    columns: &[(&str, &str)],
    rows: Vec<Vec<Cell>>,
) -> ReportTable {
    ReportTable {
        name: name.to_string(),
        title_zh: title_zh.to_string(),
        columns: columns.iter().map(|(k, h)| Column::new(*k, *h)).collect(),
        rows,
    }
}
