//! How a township document of realistic size behaves on a device: its size
//! in SQLite, how long a fresh process takes to open and hydrate it, how much
//! memory it holds, and how long one typed edit takes.
//!
//! Builds 500 units, 3,000 people, 2,000 nominations (1–6 steps each, in
//! order) and 10,000 activities through the client's typed API, closes the
//! replica, then measures:
//!
//! - open + load and full typed hydrate, each in a fresh child process (this
//!   binary run with `--open-run DB URL`), median of 5, with VmRSS;
//! - 1,000 `update::<Unit>` and 1,000 `add(&Person)`, both paced (an untimed
//!   5 ms pause between edits, as in an app, so samod's writes complete in
//!   between) and back-to-back, each followed by a timed `close()`;
//! - where the time goes: samod's load replayed step by step on the rows in
//!   the file, storage compactions counted from its debug events, and the same
//!   reads and edits on a bare Automerge document.
//!
//! Run: `cargo run --release -p qunjian-tests --bin bench-document -- [--build api|batched]`
//!
//! `--build api` (the default) writes every record in its own transaction
//! through `Township::add` / `nominate` / `record_step`, as an app would;
//! `--build batched` writes 250 records per transaction through
//! `qunjian_shared::edit`, for comparing a document with a short history.
//! Timing aims are printed next to the figures, never asserted.
//!
//! This file parses the arguments and runs the steps in order; each step is
//! its own module: `build` (with `records`, `vocab` and `rng` for the data),
//! `open`, `edits`, `replay` and `bare_automerge`, then `report`.

mod bare_automerge;
mod build;
mod compaction;
mod edits;
mod open;
mod records;
mod replay;
mod report;
mod rng;
mod sqlite;
mod stats;
mod vocab;

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::build::{BuildMode, build};
use crate::edits::{EditKind, time_edits};
use crate::open::{child_open, open_run};
use crate::report::{Report, ms, report};
use crate::rng::Rng;
use crate::sqlite::{file_sizes, samod_rows};

const UNITS: usize = 500;
const PEOPLE: usize = 3_000;
const NOMINATIONS: usize = 2_000;
const ACTIVITIES: usize = 10_000;
/// Fresh-process open runs; the median is reported.
const OPEN_RUNS: usize = 5;
/// Timed typed edits (and, separately, timed person adds).
const EDITS: usize = 1_000;
/// Aims stated in the issue.
const AIM_OPEN: Duration = Duration::from_millis(200);
const AIM_EDIT_P99: Duration = Duration::from_millis(5);
/// Untimed pause between paced edits.
const PACE: Duration = Duration::from_millis(5);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut mode = BuildMode::Api;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--open-run" => {
                let db = args.get(i + 1).context("--open-run needs DB and URL")?;
                let url = args.get(i + 2).context("--open-run needs DB and URL")?;
                return open_run(Path::new(db), url).await;
            }
            "--build" => {
                mode = match args.get(i + 1).map(String::as_str) {
                    Some("api") => BuildMode::Api,
                    Some("batched") => BuildMode::Batched,
                    other => bail!("--build takes api or batched, not {other:?}"),
                };
                i += 1;
            }
            "-h" | "--help" => {
                println!("usage: bench-document [--build api|batched]");
                return Ok(());
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
        i += 1;
    }
    run(mode).await
}

/// The whole benchmark.
async fn run(mode: BuildMode) -> anyhow::Result<()> {
    compaction::count_compactions()?;
    let dir = tempfile::tempdir().context("creating a temp dir")?;
    let db = dir.path().join("township.db");
    let mut rng = Rng(0x51ab_1e5e_ed00_d00d);

    println!("building the township in {} ...", db.display());
    let built = build(&db, mode, &mut rng).await?;
    println!(
        "built in {:.1} s (+ {:.0} ms close)",
        built.elapsed.as_secs_f64(),
        ms(built.close)
    );
    let files = file_sizes(&db)?;
    let kv = samod_rows(&db)?;

    println!("replaying samod's load step by step ...");
    let (replay, mut doc) = replay::replay_samod_load(&db)?;

    println!("opening in {OPEN_RUNS} fresh processes ...");
    let mut runs = Vec::with_capacity(OPEN_RUNS);
    for n in 0..OPEN_RUNS {
        let rows = samod_rows(&db)?;
        let mut r = child_open(&db, &built.url).await?;
        r.rows = (rows.snapshots.0, rows.incrementals.0);
        if r.units != UNITS || r.people != PEOPLE || r.nominations != NOMINATIONS {
            bail!(
                "run {n}: hydrated {} units, {} people, {} nominations; expected {UNITS}, {PEOPLE}, {NOMINATIONS}",
                r.units,
                r.people,
                r.nominations
            );
        }
        if r.activities != ACTIVITIES || r.unreadable != 0 {
            bail!(
                "run {n}: hydrated {} activities, {} unreadable records",
                r.activities,
                r.unreadable
            );
        }
        runs.push(r);
    }

    let mut series = Vec::new();
    for (kind, pace) in [
        (EditKind::UpdateUnit, Some(PACE)),
        (EditKind::UpdateUnit, None),
        (EditKind::AddPerson, Some(PACE)),
        (EditKind::AddPerson, None),
    ] {
        let label = match (kind, pace) {
            (EditKind::UpdateUnit, Some(_)) => "update::<Unit>, paced",
            (EditKind::UpdateUnit, None) => "update::<Unit>, back-to-back",
            (EditKind::AddPerson, Some(_)) => "add(&Person), paced",
            (EditKind::AddPerson, None) => "add(&Person), back-to-back",
        };
        println!("timing {EDITS} x {label} ...");
        let l = time_edits(&db, &built.url, &built.unit_ids, &mut rng, kind, pace).await?;
        series.push((label, l));
    }

    println!("diagnosing ...");
    let diag = bare_automerge::diagnose(&mut doc, &built.unit_ids, &mut rng)?;
    let files_end = file_sizes(&db)?;
    let kv_end = samod_rows(&db)?;

    report(&Report {
        mode,
        built: &built,
        files,
        kv,
        files_end,
        kv_end,
        replay: &replay,
        runs: &runs,
        series: &series,
        diag: &diag,
    });
    Ok(())
}
