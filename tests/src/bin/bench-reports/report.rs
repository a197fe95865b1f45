//! The printed report: machine, county, projection, report latency,
//! exports, sizes, and the aims.

use crate::county::{County, Sizes};
use crate::projection::{Phases, ReadParts, summarize_phases};
use crate::reports::{ExportTiming, ReportTiming};
use crate::stats::{Summary, ms, summarize};
use crate::writer_wait::{Wait, WriterWait};
use crate::{AIM_PROJECTION, AIM_REPORT, Args};

pub struct Report<'a> {
    pub args: &'a Args,
    pub county: &'a County,
    pub runs: &'a [Phases],
    pub after_batch: &'a crate::incremental::AfterBatch,
    pub parts: &'a [ReadParts],
    pub timings: &'a [ReportTiming],
    pub exports: &'a ExportTiming,
    pub sizes: &'a Sizes,
    pub writer_wait: &'a WriterWait,
    pub load_start: String,
    pub load_end: String,
}

/// `/proc/loadavg`'s three averages.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get().to_string())
        .unwrap_or_else(|_| "?".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_else(|| "?".into());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "?".into());
    format!("{cpus} CPUs ({model}), {mem} RAM")
}

fn row(label: &str, s: &Summary) -> String {
    format!(
        "| {label} | {:.1} | {:.1} | {:.1} |",
        ms(s.median),
        ms(s.max),
        ms(s.min)
    )
}

/// A phase table: clone, read (labelled `read`), write, total.
fn phase_table(read: &str, write: &str, s: &crate::projection::PhaseSummary) {
    println!("| phase | median (ms) | max (ms) | min (ms) |");
    println!("|---|---:|---:|---:|");
    println!("{}", row("clone", &s.clone));
    println!("{}", row(read, &s.read));
    println!("{}", row(write, &s.write));
    println!("{}", row("**total**", &s.total));
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "**missed**" }
}

pub fn print(r: &Report<'_>) {
    let c = r.county;
    let m = &c.measured;
    println!();
    println!("## bench-reports");
    println!();
    println!("machine: {}", machine());
    println!(
        "load average (1/5/15 min): {} at start, {} at end",
        r.load_start, r.load_end
    );
    println!();
    println!(
        "county: {} townships, built and projected in {:.0} s (history of the first: {:?}, \
         of the others: Batched)",
        c.townships,
        c.wall.as_secs_f64(),
        r.args.history
    );
    println!(
        "one township: {} units, {} people, {} nominations ({} steps), {} activities, \
         {} honors, {} visits, {} archived; {} changes; built in {:.1} s \
         (median over the county {:.1} s); saved {:.2} MB, save + load {:.0} ms",
        m.units,
        m.people,
        m.nominations,
        m.steps,
        m.activities,
        m.honors,
        m.visits,
        m.archived,
        m.changes,
        m.elapsed.as_secs_f64(),
        summarize(c.build_times.clone()).median.as_secs_f64(),
        m.save_len as f64 / 1e6,
        ms(m.reload),
    );
    println!(
        "findings + conflicts over the county: {} + {}",
        c.findings, c.conflicts
    );

    let again = summarize_phases(r.runs);
    let first = summarize_phases(&c.initial);
    println!();
    println!(
        "### Projection of one township ({} runs re-projecting {}, county full)",
        r.runs.len(),
        c.measured_code
    );
    println!();
    phase_table(
        "`read::read` (hydrate + validate + conflicts)",
        "`write::replace` (SQL, one transaction)",
        &again,
    );
    let part =
        |f: fn(&ReadParts) -> std::time::Duration| summarize(r.parts.iter().map(f).collect());
    println!(
        "{}",
        row(
            "of `read`: `TownshipDocument::hydrate`",
            &part(|p| p.hydrate)
        )
    );
    println!(
        "{}",
        row(
            "of `read`: `validate_with_unreadable`",
            &part(|p| p.validate)
        )
    );
    println!(
        "{}",
        row("of `read`: `conflicts::conflicts`", &part(|p| p.conflicts))
    );
    println!(
        "{}",
        row(
            "of `read`: `spelling::unpadded` (dates not zero-padded)",
            &part(|p| p.unpadded)
        )
    );
    let batch = summarize_phases(&r.after_batch.runs);
    println!();
    println!(
        "after a device's batch of {} edits, from the version read last (`projection::incremental`):",
        crate::incremental::BATCH
    );
    println!();
    phase_table(
        "`incremental::project` (7 records + validate)",
        "`write::replace`",
        &batch,
    );
    println!(
        "\nkept between rounds for this township: {:.1} MB",
        r.after_batch.kept_mb
    );
    println!();
    println!(
        "first projection of each of the {} distinct documents (builders running alongside):",
        c.initial.len()
    );
    println!();
    phase_table("`read::read`", "`write::replace`", &first);

    println!();
    println!(
        "### Reports ({} runs each after one warm-up; p99 by nearest rank)",
        r.args.report_runs
    );
    println!();
    println!(
        "| report | county rows | county p50 (ms) | county p99 (ms) | township rows | \
         township p50 (ms) | township p99 (ms) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for t in r.timings {
        println!(
            "| {} | {} | {:.1} | {:.1} | {} | {:.1} | {:.1} |",
            t.name.as_str(),
            t.county_rows,
            ms(t.county.median),
            ms(t.county.p99),
            t.township_rows,
            ms(t.township.median),
            ms(t.township.p99),
        );
    }
    let e = r.exports;
    println!();
    println!("### Exports (county-wide tables, built beforehand)");
    println!();
    println!("| export | median (ms) | max (ms) | size |");
    println!("|---|---:|---:|---:|");
    println!(
        "| build all {} reports (not an export: for scale) | {:.1} | {:.1} | |",
        crate::ReportName::ALL.len(),
        ms(e.build_all.median),
        ms(e.build_all.max)
    );
    println!(
        "| `to_csv` of `{}` | {:.1} | {:.1} | {:.0} KiB |",
        e.csv_report.as_str(),
        ms(e.csv.median),
        ms(e.csv.max),
        e.csv_bytes as f64 / 1024.0
    );
    println!(
        "| `to_xlsx` of all reports | {:.1} | {:.1} | {:.0} KiB |",
        ms(e.xlsx.median),
        ms(e.xlsx.max),
        e.xlsx_bytes as f64 / 1024.0
    );

    let w = r.writer_wait;
    println!();
    println!("### The writer's wait while all reports are built (all.xlsx)");
    println!();
    println!(
        "| reports built on | export (ms) | writer probes | wait median (ms) | wait p99 (ms) | wait max (ms) |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let row = |label: &str, x: &Wait| {
        println!(
            "| {label} | {:.0} | {} | {:.2} | {:.1} | {:.1} |",
            ms(x.export),
            x.probes,
            ms(x.waits.median),
            ms(x.waits.p99),
            ms(x.waits.max)
        );
    };
    row("the writer connection (before)", &w.on_writer);
    row("a read connection (now)", &w.on_reader);
    println!(
        "\nlongest writer wait, read connection against writer: {:.3}x",
        ms(w.on_reader.waits.max) / ms(w.on_writer.waits.max).max(1e-9)
    );

    let s = r.sizes;
    println!();
    println!("### Projection tables");
    println!();
    println!("| table | rows |");
    println!("|---|---:|");
    for (t, n) in &s.rows {
        println!("| {t} | {n} |");
    }
    println!(
        "\ndatabase: {:.1} MB on disk after a checkpoint ({:.1} MB in pages)",
        s.file_bytes as f64 / 1e6,
        s.pages_bytes as f64 / 1e6
    );

    println!();
    println!("### Aims");
    println!();
    let batch = summarize_phases(&r.after_batch.runs);
    for (what, total) in [
        ("one township read in full", again.total),
        ("after a device's batch (what the server does)", batch.total),
    ] {
        println!(
            "- projection {what}, median total {:.0} ms (max {:.0} ms) against < {} ms: {}",
            ms(total.median),
            ms(total.max),
            AIM_PROJECTION.as_millis(),
            verdict(total.median < AIM_PROJECTION)
        );
    }
    let worst = r
        .timings
        .iter()
        .flat_map(|t| {
            [
                (t.name, "county", t.county),
                (t.name, "township", t.township),
            ]
        })
        .max_by_key(|(_, _, s)| s.p99);
    if let Some((name, scope, s)) = worst {
        let missed: Vec<String> = r
            .timings
            .iter()
            .filter(|t| t.county.p99 >= AIM_REPORT || t.township.p99 >= AIM_REPORT)
            .map(|t| t.name.as_str().to_string())
            .collect();
        println!(
            "- every report under {} ms: slowest p99 is {} ({scope}) at {:.1} ms: {}{}",
            AIM_REPORT.as_millis(),
            name.as_str(),
            ms(s.p99),
            verdict(missed.is_empty()),
            if missed.is_empty() {
                String::new()
            } else {
                format!(" ({})", missed.join(", "))
            }
        );
    }
}
