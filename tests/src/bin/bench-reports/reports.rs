//! Timing every report, county-wide and for one township, and the exports.

use std::collections::HashMap;
use std::time::Instant;

use qunjian_server::export::{ExportContext, Place, to_csv, to_xlsx};
use qunjian_server::reports::{self, Filters, ReportName};
use qunjian_shared::Rules;
use qunjian_shared::schema::Date;
use rusqlite::Connection;

use crate::stats::{Summary, summarize};

/// One report's latency.
pub struct ReportTiming {
    pub name: ReportName,
    pub county: Summary,
    pub county_rows: usize,
    pub township: Summary,
    pub township_rows: usize,
}

/// Every report, `runs` times each (after one untimed warm-up), with no
/// filter and filtered to `township`.
pub fn time_reports(
    conn: &Connection,
    today: Date,
    township: &str,
    runs: usize,
) -> anyhow::Result<Vec<ReportTiming>> {
    let rules = Rules::default();
    let connected = HashMap::new();
    let county = filters(today, None);
    let one = filters(today, Some(township));
    let mut out = Vec::new();
    for &name in ReportName::ALL {
        let time = |f: &Filters| -> anyhow::Result<(Summary, usize)> {
            let rows = reports::build(name, conn, f, &rules, &connected)?
                .rows
                .len();
            let mut v = Vec::with_capacity(runs);
            for _ in 0..runs {
                let t = Instant::now();
                let table = reports::build(name, conn, f, &rules, &connected)?;
                v.push(t.elapsed());
                drop(table);
            }
            Ok((summarize(v), rows))
        };
        let (county_s, county_rows) = time(&county)?;
        let (township_s, township_rows) = time(&one)?;
        out.push(ReportTiming {
            name,
            county: county_s,
            county_rows,
            township: township_s,
            township_rows,
        });
    }
    Ok(out)
}

/// Export timings: one report to CSV, every report to one workbook.
pub struct ExportTiming {
    pub csv_report: ReportName,
    pub csv: Summary,
    pub csv_bytes: usize,
    pub xlsx: Summary,
    pub xlsx_bytes: usize,
    /// Building all eight tables that go into the workbook, once.
    pub build_all: Summary,
}

/// Time the exports of county-wide tables (built once, outside the timing).
pub fn time_exports(
    conn: &Connection,
    today: Date,
    csv_report: ReportName,
    runs: usize,
) -> anyhow::Result<ExportTiming> {
    let rules = Rules::default();
    let connected = HashMap::new();
    let f = filters(today, None);
    let ctx = ExportContext {
        county: Place {
            code: Some("330825".to_string()),
            name: "某某县".to_string(),
        },
        township: None,
        generated: today.0,
        as_of: f.as_of.0,
        narrowed: f.narrowed(),
        filters: f.describe(None),
    };
    let mut build_all = Vec::with_capacity(runs);
    let mut tables = Vec::new();
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        tables = ReportName::ALL
            .iter()
            .map(|&name| reports::build(name, conn, &f, &rules, &connected))
            .collect::<Result<Vec<_>, _>>()?;
        build_all.push(t.elapsed());
    }
    let index = ReportName::ALL
        .iter()
        .position(|&n| n == csv_report)
        .unwrap_or(0);
    let table = &tables[index];
    let mut csv = Vec::with_capacity(runs);
    let mut csv_bytes = 0;
    for _ in 0..runs {
        let t = Instant::now();
        csv_bytes = to_csv(table, &ctx).len();
        csv.push(t.elapsed());
    }
    let mut xlsx = Vec::with_capacity(runs);
    let mut xlsx_bytes = 0;
    for _ in 0..runs {
        let t = Instant::now();
        xlsx_bytes = to_xlsx(&tables, &ctx)?.len();
        xlsx.push(t.elapsed());
    }
    Ok(ExportTiming {
        csv_report,
        csv: summarize(csv),
        csv_bytes,
        xlsx: summarize(xlsx),
        xlsx_bytes,
        build_all: summarize(build_all),
    })
}

fn filters(today: Date, township: Option<&str>) -> Filters {
    Filters {
        township: township.map(str::to_string),
        year: None,
        organization: None,
        as_of: today,
    }
}
