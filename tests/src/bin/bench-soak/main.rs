//! A soak of the county server: one real `county-server serve` process
//! over real SQLite files for `--minutes N`, while simulated devices
//! (real replicas, each its own SQLite file) connect, edit and drop again,
//! a county office reads reports and downloads exports over HTTP, and
//! `county-server backup` copies the data directory every few minutes.
//!
//! Every minute it prints the server's resident memory (VmRSS) and open file
//! descriptors (from /proc) and the p50/p99 latencies of that minute: an
//! edit until the server acknowledged it (durably: `wait_synced`), a report
//! (`GET /api/reports/..`) and an export (`GET /api/export/..`). What a soak
//! shows is the shape of those columns over time: flat once warm, or
//! growing. Figures are printed, never asserted.
//!
//! Run: `cargo run --release -p qunjian-tests --bin bench-soak -- --minutes 30`
//! (build `county-server` in the same profile first: it is started from
//! the directory of this binary).
//!
//! Modules: `devices` (the device sessions), `office` (reports, exports and
//! backups), `sample` (the per-minute table); the server process is
//! `bench-sync`'s.

mod devices;
mod office;
#[path = "../bench-document/records.rs"]
#[allow(dead_code)]
mod records;
#[path = "../bench-document/rng.rs"]
mod rng;
mod sample;
#[path = "../bench-sync/server.rs"]
#[allow(dead_code)]
mod server;
#[path = "../bench-document/vocab.rs"]
#[allow(dead_code)]
mod vocab;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::time::Instant;

use crate::sample::{Latencies, Minute};
use crate::server::{Kind, Role, Server, create_tokens, township_add};

/// A bounded wait that ran out (the server process helpers name theirs so).
#[derive(Debug)]
pub struct Timeout(pub String);

impl std::fmt::Display for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "timed out: {}", self.0)
    }
}

impl std::error::Error for Timeout {}

/// What the command line chose.
#[derive(Clone, Debug)]
pub struct Params {
    pub minutes: u64,
    pub townships: usize,
    /// Devices per township, each with its own token and replica file.
    pub devices: usize,
    /// Units each township starts with (so reports have rows to count).
    pub units: usize,
    pub backup_every: Duration,
    /// Minutes after which devices stop editing but go on connecting,
    /// syncing and reinstalling: the rest of the run is the same traffic
    /// without new changes, so the heap should stop growing (a leak
    /// would not). `None`: edits all the way.
    pub edit_minutes: Option<u64>,
}

fn parse() -> anyhow::Result<Option<Params>> {
    let mut p = Params {
        minutes: 2,
        townships: 2,
        devices: 3,
        units: 60,
        backup_every: Duration::from_secs(180),
        edit_minutes: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = |i: usize| -> anyhow::Result<u64> {
            let v = args
                .get(i + 1)
                .with_context(|| format!("{} needs a number", args[i]))?;
            v.parse()
                .with_context(|| format!("{} takes a number, not {v:?}", args[i]))
        };
        match args[i].as_str() {
            "--minutes" => p.minutes = value(i)?,
            "--townships" => p.townships = value(i)? as usize,
            "--devices" => p.devices = value(i)? as usize,
            "--units" => p.units = value(i)? as usize,
            "--backup-every-minutes" => p.backup_every = Duration::from_secs(value(i)? * 60),
            "--edit-minutes" => p.edit_minutes = Some(value(i)?),
            "-h" | "--help" => {
                println!(
                    "usage: bench-soak [--minutes N (2)] [--townships T (2)] [--devices D per township (3)]\n\
                     \x20                 [--units U per township (60)] [--backup-every-minutes M (3)]\n\
                     \x20                 [--edit-minutes E (all): devices stop editing after E minutes, sessions go on]"
                );
                return Ok(None);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
        i += 2;
    }
    if p.minutes == 0 || p.townships == 0 || p.devices == 0 || p.backup_every.is_zero() {
        bail!("--minutes, --townships, --devices and --backup-every-minutes must be at least 1");
    }
    Ok(Some(p))
}

pub fn township_code(t: usize) -> String {
    format!("330825{:03}", 101 + t)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Some(p) = parse()? else {
        return Ok(());
    };
    let dir = tempfile::tempdir().context("creating a temp dir")?;
    let data = dir.path().join("data");
    let mut townships = Vec::new();
    for t in 0..p.townships {
        let code = township_code(t);
        let url = township_add(&data, &code, &format!("测试{}镇", t + 1)).await?;
        let tokens = create_tokens(
            &data,
            &Role::Township(code.clone()),
            &format!("soak-{code}"),
            p.devices,
        )?;
        townships.push(devices::Township { code, url, tokens });
    }
    let server = Server::start(Kind::Ours, &data).await?;
    let admin = std::fs::read_to_string(qunjian_server::auth::tokens::admin_token_path(&data))
        .context("reading the admin token the first start wrote")?
        .trim()
        .to_string();
    let http = format!("http://127.0.0.1:{}", server.port);
    let ws = server.ws_url();
    println!(
        "bench-soak: server pid {} on {http}, {} townships x {} devices, {} units each, {} min (edits for {}), backup every {} s",
        server.pid,
        p.townships,
        p.devices,
        p.units,
        p.minutes,
        p.edit_minutes
            .map_or("all of them".to_string(), |m| format!("{m} min")),
        p.backup_every.as_secs()
    );

    let seed_started = Instant::now();
    let unit_ids = devices::seed(dir.path(), &ws, &townships, p.units).await?;
    println!(
        "seeded {} units per township in {:.1} s",
        p.units,
        seed_started.elapsed().as_secs_f64()
    );

    let lat = Arc::new(Latencies::default());
    let start = Instant::now();
    let end = start + Duration::from_secs(p.minutes * 60);
    let edits_end = p
        .edit_minutes
        .map_or(end, |m| (start + Duration::from_secs(m * 60)).min(end));
    let mut tasks = tokio::task::JoinSet::new();
    for (t, township) in townships.iter().enumerate() {
        for d in 0..p.devices {
            let dev = devices::DeviceLoop {
                dir: dir.path().to_path_buf(),
                ws: ws.clone(),
                url: township.url.clone(),
                token: township.tokens[d].clone(),
                units: unit_ids[t].clone(),
                seed: (t * 1000 + d + 1) as u64,
                name: format!("t{t}d{d}"),
            };
            tasks.spawn(dev.run(edits_end, end, lat.clone()));
        }
    }
    let codes: Vec<String> = townships.iter().map(|t| t.code.clone()).collect();
    tasks.spawn(office::reports(
        http.clone(),
        admin.clone(),
        codes.clone(),
        end,
        lat.clone(),
    ));
    tasks.spawn(office::exports(
        http.clone(),
        admin.clone(),
        codes,
        end,
        lat.clone(),
    ));
    tasks.spawn(office::backups(
        data.clone(),
        dir.path().join("backups"),
        p.backup_every,
        end,
        lat.clone(),
    ));

    // One row a minute until the end, then the table again in Markdown.
    let mut rows: Vec<Minute> = Vec::new();
    println!("{}", sample::HEADER);
    for m in 1..=p.minutes {
        tokio::time::sleep_until(start + Duration::from_secs(m * 60)).await;
        let heap = sample::heap_mb(&http, &admin).await;
        let row = sample::take(m, server.pid, heap, &lat);
        println!("{}", row.line());
        rows.push(row);
    }
    let mut failed = 0;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                failed += 1;
                eprintln!("a load task failed: {e:#}");
            }
            Err(e) => {
                failed += 1;
                eprintln!("a load task panicked: {e}");
            }
        }
    }
    let errors = lat.errors();
    let fds_end = sample::open_fds(server.pid);
    let (rss_end, hwm) = server.rss_kb();
    let stopped = server.stop().await;
    println!();
    sample::markdown(&rows);
    println!(
        "\nafter the load stopped: {fds_end} fds, VmRSS {:.1} MB (peak {:.1} MB); {} request errors; {failed} load tasks failed; server stop: {}",
        rss_end as f64 / 1024.0,
        hwm as f64 / 1024.0,
        errors,
        match &stopped {
            Ok(()) => "clean (exit 0 on SIGTERM)".to_string(),
            Err(e) => format!("{e:#}"),
        }
    );
    stopped
}
