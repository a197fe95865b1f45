//! How fast the county server projects a township and answers reports.
//!
//! Builds a county of 20 townships, each the size `bench-document` uses
//! (500 units, 3,000 people, 2,000 nominations with their steps, 10,000
//! activities with a Text note) plus 150 honors and a few hundred guidance
//! visits, each under its own `meta.township_code` and generator seed, on
//! bare Automerge documents through `qunjian_shared::edit`. Building and
//! reading a document takes a minute of CPU, so only `--distinct` (4)
//! documents are built and read; township i's rows are document
//! i % distinct's, filed under its own code (same counts and shapes, so the
//! same work for SQL). Rows go into one temp data dir (`schema::open`, the
//! server's own database), then:
//!
//! 1. one township is projected again `--runs` times, timing the three
//!    phases the server goes through: clone of the document, `read::read`
//!    (hydrate + validate + conflicts) and `write::replace` (SQL);
//!    and after a device's batch of 7 edits, incrementally (`incremental.rs`);
//! 2. every report is built `--report-runs` times county-wide and filtered
//!    to one township; one report is exported to CSV and all of them to
//!    one xlsx workbook;
//! 3. the writer connection's wait while all reports are built, with the
//!    reports on the writer and on a read connection (`writer_wait.rs`);
//! 4. rows in the projection tables and the database's size are counted.
//!
//! Aims (issue 5): projection under 300 ms per township, every report under
//! 100 ms. Printed next to the figures, never asserted.
//!
//! Run: `cargo run --release -p qunjian-tests --bin bench-reports -- [--townships 20]
//! [--runs 5] [--report-runs 20] [--history per-record|batched] [--distinct 4]`
//!
//! The data generators are `bench-document`'s own files (`rng`, `vocab`,
//! `records`), included by path so both benchmarks build the same township.

#[path = "../bench-document/records.rs"]
mod records;
#[path = "../bench-document/rng.rs"]
mod rng;
#[path = "../bench-document/vocab.rs"]
mod vocab;

mod build;
mod county;
mod extra;
mod incremental;
mod projection;
mod report;
mod reports;
mod stats;
mod writer_wait;

use std::time::Duration;

use anyhow::{Context, bail};
use qunjian_server::reports::ReportName;
use qunjian_shared::schema::Date;

use crate::build::History;

/// The sizes `records.rs` generates (the same as `bench-document`'s).
const UNITS: usize = 500;
const PEOPLE: usize = 3_000;
const NOMINATIONS: usize = 2_000;
const ACTIVITIES: usize = 10_000;

/// Aims stated in the issue.
pub const AIM_PROJECTION: Duration = Duration::from_millis(300);
pub const AIM_REPORT: Duration = Duration::from_millis(100);

pub struct Args {
    pub townships: usize,
    pub runs: usize,
    pub report_runs: usize,
    pub history: History,
    /// Distinct documents built; township i is filed from document
    /// i % distinct (all 20 by default would take ~15 min on a busy 2-core machine).
    pub distinct: usize,
}

fn parse_args() -> anyhow::Result<Option<Args>> {
    let mut args = Args {
        townships: 20,
        runs: 5,
        report_runs: 20,
        history: History::PerRecord,
        distinct: 4,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let value = || argv.get(i + 1).context("missing value after an option");
        match argv[i].as_str() {
            "--townships" => args.townships = value()?.parse().context("--townships")?,
            "--runs" => args.runs = value()?.parse().context("--runs")?,
            "--report-runs" => args.report_runs = value()?.parse().context("--report-runs")?,
            "--distinct" => args.distinct = value()?.parse().context("--distinct")?,
            "--history" => {
                args.history = match value()?.as_str() {
                    "per-record" => History::PerRecord,
                    "batched" => History::Batched,
                    other => bail!("--history takes per-record or batched, not {other:?}"),
                }
            }
            "-h" | "--help" => {
                println!(
                    "usage: bench-reports [--townships 20] [--runs 5] [--report-runs 20] \
                     [--history per-record|batched] [--distinct 4]"
                );
                return Ok(None);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
        i += 2;
    }
    if args.townships == 0 || args.runs == 0 || args.report_runs == 0 || args.distinct == 0 {
        bail!("--townships, --runs, --report-runs and --distinct must be at least 1");
    }
    Ok(Some(args))
}

fn main() -> anyhow::Result<()> {
    let Some(args) = parse_args()? else {
        return Ok(());
    };
    // A fixed "today" (the day these figures were first taken), so every
    // run validates and filters the same way.
    let today = Date::ymd(2026, 11, 24).context("date")?;
    let load_start = report::loadavg();

    let dir = tempfile::tempdir().context("creating a temp dir")?;
    println!(
        "building {} townships ({:?} history) into {} ...",
        args.townships,
        args.history,
        dir.path().display()
    );
    let county = county::build_county(dir.path(), &args, today)?;

    println!(
        "projecting {} again {} times ...",
        county.measured_code, args.runs
    );
    let mut runs = Vec::with_capacity(args.runs);
    for _ in 0..args.runs {
        let (phases, _) = projection::project(
            &county.conn,
            &county.measured_code,
            &county.measured.doc,
            today,
        )?;
        runs.push(phases);
    }

    println!("projecting after a device's batch, {} times ...", args.runs);
    let after_batch = incremental::time(
        &county.conn,
        &county.measured_code,
        &county.measured.doc,
        today,
        args.runs,
    )?;

    println!("timing read::read's parts ...");
    let mut parts = Vec::with_capacity(args.runs);
    for _ in 0..args.runs {
        parts.push(projection::read_parts(&county.measured.doc, today)?);
    }

    println!(
        "timing {} reports x {} runs ...",
        ReportName::ALL.len(),
        args.report_runs
    );
    let timings =
        reports::time_reports(&county.conn, today, &county.measured_code, args.report_runs)?;
    let csv_report = timings
        .iter()
        .max_by_key(|t| t.county_rows)
        .map(|t| t.name)
        .unwrap_or(ReportName::Coverage);
    println!("timing exports ...");
    let exports = reports::time_exports(&county.conn, today, csv_report, args.runs)?;
    println!("timing the writer's wait during a county-wide export ...");
    let writer_wait = writer_wait::measure(dir.path(), today)?;
    let sizes = county::sizes(&county.conn, dir.path())?;

    report::print(&report::Report {
        args: &args,
        county: &county,
        runs: &runs,
        after_batch: &after_batch,
        parts: &parts,
        timings: &timings,
        exports: &exports,
        sizes: &sizes,
        writer_wait: &writer_wait,
        load_start,
        load_end: report::loadavg(),
    });
    Ok(())
}
