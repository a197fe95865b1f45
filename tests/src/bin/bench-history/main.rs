//! A township document with a long history (issue 16, "Long histories"):
//! `--changes N` small edits (100,000 by default: years of a township's
//! work, one field of one of a few thousand units per change) stored in a
//! county server's data directory the way the server stores them, then:
//!
//! - the bytes the server's SQLite holds for it (samod rows and the file)
//!   against `Automerge::save()` of the same document;
//! - the time to open it: a fresh samod repo over the file loading it, and
//!   the real server starting on the directory;
//! - a new device's first sync of it through the real server: time, and
//!   bytes the server sent (its `/metrics` counter);
//! - an edit's latency until the server acknowledged it, while the server
//!   compacts the document (a full save of the whole history) and while it
//!   does not, p50/p99 (see `latency`).
//!
//! Run: `cargo run --release -p qunjian-tests --bin bench-history -- [--changes N] [--records R] [--cycles C]`
//! (build `county-server` in the same profile first). Figures are printed,
//! never asserted.

mod history;
mod latency;
#[path = "../bench-document/records.rs"]
#[allow(dead_code)]
mod records;
#[path = "../bench-document/rng.rs"]
mod rng;
mod server;
#[path = "../bench-document/sqlite.rs"]
#[allow(dead_code)]
mod sqlite;
#[path = "../bench-document/vocab.rs"]
#[allow(dead_code)]
mod vocab;

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use qunjian_client::{Backoff, Replica};
use samod::DocumentId;
use tokio::process::Command;
use tokio::time::Instant;

use crate::server::Server;
use crate::sqlite::{file_sizes, samod_rows};

const CODE: &str = "330825101";
const SYNC_TIMEOUT: Duration = Duration::from_secs(600);

struct Params {
    changes: usize,
    records: usize,
    batch: usize,
    cycles: usize,
}

fn parse() -> anyhow::Result<Option<Params>> {
    let mut p = Params {
        changes: 100_000,
        records: 2_000,
        batch: 500,
        cycles: 3,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = |i: usize| -> anyhow::Result<usize> {
            let v = args
                .get(i + 1)
                .with_context(|| format!("{} needs a number", args[i]))?;
            v.parse()
                .with_context(|| format!("{} takes a number, not {v:?}", args[i]))
        };
        match args[i].as_str() {
            "--changes" => p.changes = value(i)?,
            "--records" => p.records = value(i)?,
            "--batch" => p.batch = value(i)?,
            "--cycles" => p.cycles = value(i)?,
            "-h" | "--help" => {
                println!(
                    "usage: bench-history [--changes N (100000)] [--records R units (2000)] [--batch B changes stored at once (500)] [--cycles C compactions timed (3)]"
                );
                return Ok(None);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
        i += 2;
    }
    if p.records == 0 || p.batch == 0 {
        bail!("--records and --batch must be at least 1");
    }
    Ok(Some(p))
}

fn mb(bytes: f64) -> f64 {
    bytes / 1_048_576.0
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn q(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    ms(sorted[i])
}

/// `county-server township add`, and a device token for it; the server
/// binary sits next to this one.
async fn admin(data: &Path, args: &[&str]) -> anyhow::Result<String> {
    let exe = std::env::current_exe()?;
    let bin = exe.parent().context("no directory")?.join("county-server");
    let out = Command::new(&bin)
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .with_context(|| format!("running {}", bin.display()))?;
    if !out.status.success() {
        bail!(
            "county-server {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Fold the `-wal` file into the database, so the file size is what stays.
fn checkpoint(db: &Path) -> anyhow::Result<()> {
    let conn = rusqlite::Connection::open(db)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

async fn device(
    path: &Path,
    token: &str,
    ws: &str,
    url: &str,
) -> anyhow::Result<(Replica, Duration)> {
    let started = Instant::now();
    let replica = Replica::open_with_token(path, token).await?;
    replica.connect_with(
        ws,
        Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
        },
    )?;
    replica
        .wait_synced(url, SYNC_TIMEOUT)
        .await
        .context("first sync")?;
    Ok((replica, started.elapsed()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Some(p) = parse()? else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let db = qunjian_server::db::db_path(&data);
    let url = admin(
        &data,
        &[
            "township",
            "add",
            "--code",
            CODE,
            "--name",
            "城关镇",
            "--kind",
            "zhen",
        ],
    )
    .await?;
    let id: DocumentId = url
        .strip_prefix("automerge:")
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("township add printed {url:?}"))?;
    let token_a = admin(
        &data,
        &[
            "token",
            "create",
            "--role",
            "township",
            "--township",
            CODE,
            "--label",
            "A",
        ],
    )
    .await?;
    let token_b = admin(
        &data,
        &[
            "token",
            "create",
            "--role",
            "township",
            "--township",
            CODE,
            "--label",
            "B",
        ],
    )
    .await?;
    let token_c = admin(
        &data,
        &[
            "token",
            "create",
            "--role",
            "township",
            "--township",
            CODE,
            "--label",
            "C",
        ],
    )
    .await?;

    println!(
        "bench-history: {} units, {} small edits, stored {} changes at a time",
        p.records, p.changes, p.batch
    );
    let base = history::load_base(&data, &id).await?;
    let made = history::generate(&base, p.records, p.changes)?;
    println!(
        "made {} changes ({} units) in {:.1} s: {:.2} MB as changes, Automerge::save() {:.2} MB",
        made.changes.len(),
        made.units.len(),
        made.elapsed.as_secs_f64(),
        mb(made.change_bytes as f64),
        mb(made.saved_bytes as f64)
    );
    let stored = history::store(&data, &id, &made.changes, p.batch).await?;
    let kv = samod_rows(&db)?;
    checkpoint(&db)?;
    let files = file_sizes(&db)?;
    println!(
        "stored through samod + SqliteStorage in {:.1} s ({} batches, slowest {:.0} ms)",
        stored.elapsed.as_secs_f64(),
        stored.batches,
        ms(stored.slowest_batch)
    );
    println!(
        "on disk (whole server database, after a WAL checkpoint): {} snapshot rows {:.2} MB + {} incremental rows {:.2} MB (+ {} other rows {:.2} MB); file {:.2} MB (+ wal {:.2} MB)",
        kv.snapshots.0,
        mb(kv.snapshots.1 as f64),
        kv.incrementals.0,
        mb(kv.incrementals.1 as f64),
        kv.other.0,
        mb(kv.other.1 as f64),
        mb(files.db as f64),
        mb(files.wal.unwrap_or(0) as f64)
    );
    let kv_total = kv.snapshots.1 + kv.incrementals.1;
    println!(
        "storage / Automerge::save(): samod rows {:.2}x, file {:.2}x",
        kv_total as f64 / made.saved_bytes as f64,
        files.total() as f64 / made.saved_bytes as f64
    );

    let (open, n) = history::open_in_process(&data, &id).await?;
    println!(
        "open in a fresh samod repo (load from SQLite): {:.0} ms, {n} changes",
        ms(open)
    );

    let server = Server::start(&data).await?;
    println!(
        "server start to listening: {:.0} ms, RSS {:.1} MB",
        ms(server.startup),
        server.rss_mb()
    );
    let admin_token =
        std::fs::read_to_string(qunjian_server::auth::tokens::admin_token_path(&data))
            .context("reading the admin token")?
            .trim()
            .to_string();
    let out_before = server.sync_bytes(&admin_token, "out").await?;
    let in_before = server.sync_bytes(&admin_token, "in").await?;
    let (a, first) = device(&dir.path().join("a.db"), &token_a, &server.ws(), &url).await?;
    let out_after = server.sync_bytes(&admin_token, "out").await?;
    let in_after = server.sync_bytes(&admin_token, "in").await?;
    println!(
        "new device's first sync (server loads the document on demand): {:.0} ms, server sent {:.2} MB, received {:.3} MB; server {}",
        ms(first),
        mb(out_after - out_before),
        mb(in_after - in_before),
        server.memory(&admin_token).await
    );
    let out_before = server.sync_bytes(&admin_token, "out").await?;
    let (b, second) = device(&dir.path().join("b.db"), &token_b, &server.ws(), &url).await?;
    let out_after = server.sync_bytes(&admin_token, "out").await?;
    println!(
        "a second new device (document already loaded): {:.0} ms, server sent {:.2} MB",
        ms(second),
        mb(out_after - out_before)
    );
    let (c, _) = device(&dir.path().join("c.db"), &token_c, &server.ws(), &url).await?;

    println!(
        "edit latency, {} backlogs of {} changes from another device ...",
        p.cycles,
        latency::BACKLOG
    );
    let phase = latency::run(&server, &a, &b, &url, &made.units, p.cycles).await?;
    let [quiet, backlog, compacting] = latency::classify(&phase);
    for c in &phase.compactions {
        if let Some(end) = c.end {
            println!(
                "  compaction: {:.0} ms from start to snapshot committed",
                ms(end - c.start)
            );
        }
    }
    for (label, v) in [
        ("no compaction, no backlog", &quiet),
        ("backlog arriving, no compaction", &backlog),
        ("compaction running", &compacting),
    ] {
        println!(
            "  edit until acknowledged, {label}: n={} p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            v.len(),
            q(v, 0.5),
            q(v, 0.99),
            v.last().map_or(f64::NAN, |d| ms(*d))
        );
    }
    // A third device that stayed connected: it must hold everything.
    c.wait_synced(&url, SYNC_TIMEOUT)
        .await
        .context("C catching up")?;
    let kv = samod_rows(&db)?;
    println!(
        "after: {} snapshot rows {:.2} MB + {} incremental rows {:.2} MB; server {}",
        kv.snapshots.0,
        mb(kv.snapshots.1 as f64),
        kv.incrementals.0,
        mb(kv.incrementals.1 as f64),
        server.memory(&admin_token).await
    );
    for r in [a, b, c] {
        r.close().await;
    }
    // The server lets go of the devices' sync states once they closed;
    // what stays is the document and what the allocator keeps.
    let closed = Instant::now();
    while server.sync_connections(&admin_token).await? > 0.0 && closed.elapsed() < SYNC_TIMEOUT {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "devices closed ({:.1} s): server {}",
        closed.elapsed().as_secs_f64(),
        server.memory(&admin_token).await
    );
    // The server gives freed heap memory back once a minute
    // (`qunjian_server::heap`): what is resident after that is what it holds.
    tokio::time::sleep(qunjian_server::heap::TRIM_EVERY + Duration::from_secs(5)).await;
    println!(
        "a minute later (after the server's heap trim): server {}",
        server.memory(&admin_token).await
    );
    server.stop().await
}
