//! The table printed at the end: each figure next to its aim, in sections
//! that follow the benchmark's steps, and the cell formatting they share.

use std::time::Duration;

use crate::bare_automerge::Diagnosis;
use crate::build::{BuildMode, Built};
use crate::open::OpenRun;
use crate::replay::Replay;
use crate::sqlite::{Files, KvRows};
use crate::stats::{Latencies, median, mem_total_kb};
use crate::{
    ACTIVITIES, AIM_EDIT_P99, AIM_OPEN, EDITS, NOMINATIONS, OPEN_RUNS, PACE, PEOPLE, UNITS,
};

/// Everything the table shows.
pub struct Report<'a> {
    pub mode: BuildMode,
    pub built: &'a Built,
    pub files: Files,
    pub kv: KvRows,
    pub files_end: Files,
    pub kv_end: KvRows,
    pub replay: &'a Replay,
    pub runs: &'a [OpenRun],
    pub series: &'a [(&'static str, Latencies)],
    pub diag: &'a Diagnosis,
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn ms_text(d: Duration) -> String {
    format!("{:.1} ms", ms(d))
}

fn mb(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1_000_000.0)
}

fn kb_mb(kb: u64) -> String {
    if kb == 0 {
        "n/a".into()
    } else {
        format!("{:.1} MB", kb as f64 / 1024.0)
    }
}

fn met(ok: bool) -> &'static str {
    if ok { "yes" } else { "NO" }
}

const METRIC_W: usize = 46;
const FIGURE_W: usize = 28;

fn row(metric: &str, figure: &str, aim: &str, ok: &str) {
    println!("  {metric:<METRIC_W$} {figure:>FIGURE_W$}  {aim:<12} {ok}");
}

fn info(metric: &str, figure: &str) {
    row(metric, figure, "", "");
}

fn info_ms(metric: &str, d: Duration) {
    info(metric, &ms_text(d));
}

fn section(title: &str) {
    println!();
    println!("  {title}");
}

fn files_text(f: &Files) -> String {
    format!(
        "{} + {}",
        mb(f.db),
        f.wal
            .map_or("no wal".to_string(), |w| format!("{} wal", mb(w)))
    )
}

fn kv_text(k: &KvRows) -> String {
    format!(
        "{} snap {} + {} incr {}",
        k.snapshots.0,
        mb(k.snapshots.1),
        k.incrementals.0,
        mb(k.incrementals.1)
    )
}

/// The file's size and samod's rows in it, at one moment.
fn storage(title: &str, files: &Files, kv: &KvRows) {
    info(title, &mb(files.total()));
    info("  township.db + township.db-wal", &files_text(files));
    info("  samod_kv rows", &kv_text(kv));
}

fn latency_text(l: &Latencies) -> String {
    format!(
        "{:.2} / {:.2} / {:.1} ms",
        ms(l.pct(50)),
        ms(l.pct(99)),
        ms(l.max())
    )
}

pub fn report(r: &Report<'_>) {
    let b = r.built;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_total = mem_total_kb().map_or("n/a".to_string(), |kb| {
        format!("{:.1} GB", kb as f64 / 1024.0 / 1024.0)
    });

    println!();
    println!("== bench-document: one township document ({cores} cores, {mem_total} RAM) ==");
    println!(
        "township: {UNITS} units, {PEOPLE} people, {NOMINATIONS} nominations ({} steps), {ACTIVITIES} activities",
        b.steps
    );
    println!("build:    {}", r.mode.describe());
    println!(
        "          {} transactions in {:.1} s, {} storage compactions; close {:.0} ms",
        b.transactions,
        b.elapsed.as_secs_f64(),
        b.compactions,
        ms(b.close)
    );
    for (what, n, d) in &b.phases {
        println!(
            "          {what:<30} {n:>6} in {:>5.1} s ({:.2} ms each)",
            d.as_secs_f64(),
            ms(*d) / (*n).max(1) as f64
        );
    }

    println!();
    row("metric", "figure", "aim", "met");
    row(
        &"-".repeat(METRIC_W),
        &"-".repeat(FIGURE_W),
        &"-".repeat(12),
        "---",
    );
    section("size");
    info(
        "doc.save().len()",
        &format!("{} ({} B)", mb(b.save_len as u64), b.save_len),
    );
    info_ms("  doc.save() time, after build", b.save_time);
    storage("SQLite after build + close (db + wal)", &r.files, &r.kv);
    storage(
        "SQLite at the end of the benchmark",
        &r.files_end,
        &r.kv_end,
    );

    let med = |f: fn(&OpenRun) -> Duration| median(r.runs.iter().map(f).collect());
    let open_load = med(OpenRun::open_load);
    let total_open = med(OpenRun::total);
    section(&format!(
        "open in a fresh process (median of {OPEN_RUNS}, rows as after build)"
    ));
    info_ms("Replica::open(path)", med(|x| x.repo_open));
    info_ms("replica.township(url): read + load", med(|x| x.load));
    row(
        "open + load",
        &ms_text(open_load),
        "< 200 ms",
        met(open_load < AIM_OPEN),
    );
    info_ms(
        "township.document(): full typed hydrate",
        med(|x| x.hydrate),
    );
    row(
        "open + load + hydrate",
        &ms_text(total_open),
        "(< 200 ms)",
        met(total_open < AIM_OPEN),
    );
    let runs: Vec<String> = r
        .runs
        .iter()
        .map(|x| format!("{:.0}+{:.0}", ms(x.open_load()), ms(x.hydrate)))
        .collect();
    info("  runs, open+load + hydrate (ms)", &runs.join(" "));
    let rows: Vec<String> = r
        .runs
        .iter()
        .map(|x| format!("{}+{}", x.rows.0, x.rows.1))
        .collect();
    info("  rows at each run's start (snap+incr)", &rows.join(" "));

    let med_kb = |f: fn(&OpenRun) -> u64| median(r.runs.iter().map(f).collect());
    section("resident memory of that process (VmRSS, median)");
    info(
        "baseline, before opening",
        &kb_mb(med_kb(|x| x.rss_baseline_kb)),
    );
    info("after open + load", &kb_mb(med_kb(|x| x.rss_loaded_kb)));
    info(
        "after hydrate (typed document held)",
        &kb_mb(med_kb(|x| x.rss_hydrated_kb)),
    );
    info("peak (VmHWM)", &kb_mb(med_kb(|x| x.hwm_kb)));

    section(&format!(
        "one typed edit, {EDITS} each, p50 / p99 / max (paced: {} ms untimed pause between edits)",
        PACE.as_millis()
    ));
    for (label, l) in r.series {
        let headline = label.starts_with("update") && label.ends_with("paced");
        row(
            label,
            &latency_text(l),
            if headline {
                "p99 < 5 ms"
            } else {
                "(p99 < 5 ms)"
            },
            met(l.pct(99) < AIM_EDIT_P99),
        );
        info(
            "  edits over 5 ms: count, total",
            &format!("{}, {:.0} ms", l.over_aim, ms(l.over_aim_total)),
        );
        info(
            "  samod compactions during the edits",
            &l.compactions.to_string(),
        );
        info_ms("  close() afterwards (all durable)", l.close);
    }

    let p = r.replay;
    section(&format!(
        "where open time goes: samod's load replayed on the rows after build ({} snapshots, {} incrementals)",
        p.snapshots, p.incrementals
    ));
    info(
        "document: changes, ops (text chars in notes)",
        &format!("{}, {} ({})", p.changes, p.ops, r.built.note_chars),
    );
    info_ms("SQLite read of all rows", p.read);
    info_ms("load_incremental(each snapshot)", p.load_snapshots);
    info_ms("load_incremental(each incremental)", p.load_incrementals);
    info_ms(
        &format!("get_changes(&[]): all {} changes", p.changes),
        p.get_changes_all,
    );
    info_ms("doc.save() (compaction samod runs on open)", p.save);
    info_ms("sum", p.total());

    let d = r.diag;
    section("where edit and hydrate time goes (bare Automerge, no samod)");
    info(
        "doc.save() (each samod compaction)",
        &format!("{} ({})", ms_text(d.save_time), mb(d.save_len as u64)),
    );
    info_ms("Automerge::load(one snapshot), hash check", d.load_checked);
    info_ms("Automerge::load(one snapshot), DontCheck", d.load_unchecked);
    info(
        "update::<Unit> p50 / p99 / max",
        &latency_text(&d.bare_update),
    );
    info(
        "doc.get_changes(heads) after one edit",
        &format!("{:.3} ms", ms(d.get_changes)),
    );
    info(
        "edit::get::<Unit>: hydrate one record",
        &format!("{:.3} ms", ms(d.hydrate_unit)),
    );
    info(
        "ReadDoc::get(units, id): one map lookup",
        &format!("{:.1} us", d.get_record.as_secs_f64() * 1e6),
    );
    info(
        "ReadDoc::get(unit, field): one field",
        &format!("{:.1} us", d.get_field.as_secs_f64() * 1e6),
    );
    info_ms("TownshipDocument::hydrate (in process)", d.hydrate_all);
    info_ms("doc_json::to_json (AutoSerde, one pass)", d.to_json);
    println!();
    println!("aims are from the issue; they are reported, never asserted.");
}
