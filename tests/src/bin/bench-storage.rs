//! Measures what group commit buys: N concurrent samod-style puts into a
//! fresh `SqliteStorage`, once with group commit (the default) and once with
//! one transaction (one fsync) per put, and prints both side by side.
//!
//! Run: `cargo run --release -p qunjian-tests --bin bench-storage -- [--n 10000] [--value-size 1024]`
//! Results and their reading are in docs/BENCHMARKS.md.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::future::join_all;
use qunjian_shared::{SqliteStorage, StorageOptions};
use samod::storage::{Storage, StorageKey};

/// Beyond this a run is reported as slow (the issue asked to say so).
const SLOW: Duration = Duration::from_secs(120);
/// samod writes one key per change, spread over many documents.
const DOCUMENTS: usize = 100;

struct Args {
    n: usize,
    value_size: usize,
}

struct Outcome {
    label: &'static str,
    wall: Duration,
    commits: u64,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

impl Outcome {
    fn puts_per_sec(&self, n: usize) -> f64 {
        n as f64 / self.wall.as_secs_f64()
    }
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        n: 10_000,
        value_size: 1024,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| -> anyhow::Result<usize> {
            let v = it.next().with_context(|| format!("{name} needs a value"))?;
            v.parse()
                .with_context(|| format!("{name}: {v:?} is not a number"))
        };
        match flag.as_str() {
            "--n" => args.n = value("--n")?,
            "--value-size" => args.value_size = value("--value-size")?,
            "-h" | "--help" => {
                println!("usage: bench-storage [--n PUTS (10000)] [--value-size BYTES (1024)]");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
    }
    if args.n == 0 {
        bail!("--n must be at least 1");
    }
    Ok(args)
}

/// xorshift64*: deterministic pseudo-random bytes without a `rand` dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// Keys shaped like samod's: `<bs58 document id>/incremental/<hex change hash>`.
fn workload(args: &Args) -> anyhow::Result<Vec<(StorageKey, Vec<u8>)>> {
    const BS58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    const HEX: &[u8] = b"0123456789abcdef";
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let docs: Vec<String> = (0..DOCUMENTS).map(|_| rng.string(BS58, 28)).collect();
    (0..args.n)
        .map(|i| {
            let parts = [
                docs[i % DOCUMENTS].clone(),
                "incremental".to_string(),
                rng.string(HEX, 64),
            ];
            let key = StorageKey::from_parts(parts).context("building a storage key")?;
            Ok((key, rng.bytes(args.value_size)))
        })
        .collect()
}

async fn run(
    label: &'static str,
    group_commit: bool,
    work: &[(StorageKey, Vec<u8>)],
) -> anyhow::Result<Outcome> {
    let dir = tempfile::tempdir().context("creating a temp dir")?;
    let opts = StorageOptions {
        group_commit,
        ..StorageOptions::default()
    };
    let storage = SqliteStorage::open_with(dir.path().join("bench.db"), opts)?;
    println!("running {label}: {} concurrent puts ...", work.len());

    let start = Instant::now();
    let tasks = work.iter().cloned().map(|(key, value)| {
        let storage = storage.clone();
        tokio::spawn(async move {
            let t = Instant::now();
            storage.put(key, value).await;
            t.elapsed()
        })
    });
    let mut latencies = Vec::with_capacity(work.len());
    for result in join_all(tasks).await {
        latencies.push(result.context("a put task panicked")?);
    }
    storage.flush().await;
    let wall = start.elapsed();

    let health = storage.health();
    if !health.ok {
        bail!("storage unhealthy after {label}: {health:?}");
    }
    let empty = StorageKey::from_parts(std::iter::empty::<&str>())?;
    let stored = storage.load_range(empty).await.len();
    if stored != work.len() {
        bail!("{label}: {stored} keys stored, expected {}", work.len());
    }
    if wall > SLOW {
        println!(
            "note: {label} took {:.0} s, more than {} s, on this machine",
            wall.as_secs_f64(),
            SLOW.as_secs()
        );
    }

    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
    Ok(Outcome {
        label,
        wall,
        commits: health.commits,
        p50: pct(0.50),
        p99: pct(0.99),
        max: pct(1.0),
    })
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let work = workload(&args)?;
    println!(
        "bench-storage: {} puts of {} B values, keys like {}, {} CPUs",
        args.n,
        args.value_size,
        work[0].0,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let group = run("group commit", true, &work).await?;
    let single = run("one tx per put", false, &work).await?;

    println!();
    println!(
        "| {:<15} | {:>9} | {:>10} | {:>8} | {:>11} | {:>11} | {:>11} |",
        "mode", "wall (s)", "puts/s", "commits", "p50 (ms)", "p99 (ms)", "max (ms)"
    );
    println!(
        "|{:-<17}|{:->11}|{:->12}|{:->10}|{:->13}|{:->13}|{:->13}|",
        "", "", "", "", "", "", ""
    );
    for o in [&group, &single] {
        println!(
            "| {:<15} | {:>9.2} | {:>10.0} | {:>8} | {:>11} | {:>11} | {:>11} |",
            o.label,
            o.wall.as_secs_f64(),
            o.puts_per_sec(args.n),
            o.commits,
            ms(o.p50),
            ms(o.p99),
            ms(o.max)
        );
    }
    println!();
    println!(
        "group commit / one tx per put: {:.1}x the throughput, {:.1} puts per commit",
        group.puts_per_sec(args.n) / single.puts_per_sec(args.n),
        args.n as f64 / group.commits.max(1) as f64
    );
    Ok(())
}
