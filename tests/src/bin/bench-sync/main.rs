//! Our county server against the reference JavaScript automerge-repo sync
//! server, same workloads, one table (issue 4, "Benchmark harness").
//!
//! Both servers run as child processes on loopback ports: ours is the
//! release `county-server serve` next to this binary, theirs is
//! `node tests/interop/sync-server.mjs`. The load clients are samod repos
//! in this process, one per simulated device (in-memory storage; see
//! `device.rs`), dialing through a WebSocket dialer that counts bytes.
//!
//! 1. fan-in: T townships x D devices, M offline edits each, all connect at once;
//! 2. steady state: C connected devices, R edits/s each, edit-to-peer latency;
//! 3. cold start: restart over T realistic townships, first full sync, RSS;
//! 4. ceiling: Automerge alone merging the fan-in's changes in one process.
//!
//! Run: `cargo run --release -p qunjian-tests --bin bench-sync -- [--help]`.
//! Figures are printed, never asserted; every wait is bounded, and a
//! scenario that runs out of time prints TIMEOUT.

mod ceiling;
mod cold;
mod device;
mod fanin;
/// `bench-document`'s record generators, shared rather than copied.
#[path = "../bench-document/records.rs"]
mod generate;
mod messages;
mod records;
mod report;
#[path = "../bench-document/rng.rs"]
mod rng;
mod server;
mod steady;
#[path = "../bench-document/vocab.rs"]
mod vocab;

use std::time::Duration;

use anyhow::{Context, bail};

use report::{Cell, Section};
use server::Kind;

/// A wait that ran out of time.
#[derive(Debug)]
pub struct Timeout(pub String);

impl std::fmt::Display for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "timed out: {}", self.0)
    }
}

impl std::error::Error for Timeout {}

pub fn is_timeout(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<Timeout>())
}

pub fn township_code(t: usize) -> String {
    format!("330825{:03}", 101 + t)
}

pub fn township_name(t: usize) -> String {
    format!("测试{}镇", t + 1)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Scenario {
    FanIn,
    Steady,
    Cold,
    Ceiling,
}

/// Everything the command line sets.
pub struct Params {
    pub townships: usize,
    pub devices: usize,
    pub edits: usize,
    pub connected: usize,
    pub rate: f64,
    pub seconds: u64,
    pub doc_units: usize,
    /// Bound on a measured phase.
    pub timeout: Duration,
    /// Bound on setting a scenario up (connecting, fetching, loading).
    pub setup_timeout: Duration,
    scenarios: Vec<Scenario>,
    servers: Vec<Kind>,
    build: bool,
}

const USAGE: &str = "usage: bench-sync [--quick] [--townships T] [--devices D] [--edits M]
                  [--connected C] [--rate R] [--seconds S] [--doc-units U]
                  [--timeout SECS] [--setup-timeout SECS]
                  [--scenarios fanin,steady,cold,ceiling] [--servers ours,js] [--no-build]

  --townships T   townships (fan-in, steady state, cold start; default 20)
  --devices D     devices per township in the fan-in (default 5)
  --edits M       offline edits per device in the fan-in (default 200)
  --connected C   connected devices in the steady state, spread over T (default 200)
  --rate R        edits per second per device in the steady state (default 1)
  --seconds S     length of the steady state (default 20)
  --doc-units U   cold-start township size: U units, 6U people, 4U nominations
                  (with steps), 20U activities (default 100; bench-document's is 500)
  --timeout       bound on each measured phase (default 300 s)
  --setup-timeout bound on each setup step (default 300 s)
  --quick         T=4 D=3 M=50 C=40 S=5 U=20
  --no-build      do not rebuild county-server first (it is built with
                  `cargo build --release -p qunjian-tests --bin county-server`)";

fn parse_args() -> anyhow::Result<Option<Params>> {
    let mut p = Params {
        townships: 20,
        devices: 5,
        edits: 200,
        connected: 200,
        rate: 1.0,
        seconds: 20,
        doc_units: 100,
        timeout: Duration::from_secs(300),
        setup_timeout: Duration::from_secs(300),
        scenarios: vec![
            Scenario::FanIn,
            Scenario::Steady,
            Scenario::Cold,
            Scenario::Ceiling,
        ],
        servers: vec![Kind::Ours, Kind::Js],
        build: true,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        let mut value = || -> anyhow::Result<&str> {
            i += 1;
            args.get(i)
                .map(String::as_str)
                .with_context(|| format!("{flag} needs a value"))
        };
        match flag {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            "--quick" => {
                (p.townships, p.devices, p.edits) = (4, 3, 50);
                (p.connected, p.seconds, p.doc_units) = (40, 5, 20);
            }
            "--townships" => p.townships = value()?.parse()?,
            "--devices" => p.devices = value()?.parse()?,
            "--edits" => p.edits = value()?.parse()?,
            "--connected" => p.connected = value()?.parse()?,
            "--rate" => p.rate = value()?.parse()?,
            "--seconds" => p.seconds = value()?.parse()?,
            "--doc-units" => p.doc_units = value()?.parse()?,
            "--timeout" => p.timeout = Duration::from_secs(value()?.parse()?),
            "--setup-timeout" => p.setup_timeout = Duration::from_secs(value()?.parse()?),
            "--no-build" => p.build = false,
            "--scenarios" => {
                p.scenarios = value()?
                    .split(',')
                    .map(|s| match s.trim() {
                        "fanin" | "fan-in" => Ok(Scenario::FanIn),
                        "steady" => Ok(Scenario::Steady),
                        "cold" => Ok(Scenario::Cold),
                        "ceiling" => Ok(Scenario::Ceiling),
                        other => bail!("unknown scenario {other:?}"),
                    })
                    .collect::<anyhow::Result<_>>()?;
            }
            "--servers" => {
                p.servers = value()?
                    .split(',')
                    .map(|s| match s.trim() {
                        "ours" => Ok(Kind::Ours),
                        "js" | "theirs" => Ok(Kind::Js),
                        other => bail!("unknown server {other:?}"),
                    })
                    .collect::<anyhow::Result<_>>()?;
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
        i += 1;
    }
    if p.townships == 0 || p.townships > 800 || p.devices < 2 || p.edits == 0 {
        bail!("need 1..=800 townships, at least 2 devices and 1 edit");
    }
    if p.connected < 2 * p.townships || p.rate <= 0.0 || p.doc_units == 0 {
        bail!("need at least 2 connected devices per township, a positive rate and doc size");
    }
    Ok(Some(p))
}

fn main() -> anyhow::Result<()> {
    let Some(p) = parse_args()? else {
        return Ok(());
    };
    if p.build && p.servers.contains(&Kind::Ours) {
        build_server()?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        tokio::select! {
            r = run(&p) => r,
            _ = interrupted() => {
                // Dropping `run` kills the servers it started.
                eprintln!("interrupted; servers stopped");
                Ok(())
            }
        }
    })?;
    // Devices still stopping in the background must not hold the exit up.
    runtime.shutdown_timeout(Duration::from_secs(5));
    Ok(())
}

async fn interrupted() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => {}
        _ = term.recv() => {}
    }
}

/// `cargo run --bin bench-sync` builds only this binary: build the server
/// too, so the figures are for the server as the sources stand.
fn build_server() -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let release = exe
        .parent()
        .and_then(|d| d.file_name())
        .is_some_and(|n| n == "release");
    let Ok(cargo) = std::env::var("CARGO") else {
        eprintln!("(not run by cargo: using county-server as built)");
        return Ok(());
    };
    let mut cmd = std::process::Command::new(cargo);
    cmd.args([
        "build",
        "-q",
        "-p",
        "qunjian-tests",
        "--bin",
        "county-server",
    ]);
    if release {
        cmd.arg("--release");
    }
    eprintln!("building county-server ...");
    let status = cmd.status().context("running cargo build")?;
    if !status.success() {
        eprintln!("warning: building county-server failed; using the binary as it is");
    }
    Ok(())
}

async fn run(p: &Params) -> anyhow::Result<()> {
    let ours_on = p.servers.contains(&Kind::Ours);
    let js_on = p.servers.contains(&Kind::Js);
    let mut sections = Vec::new();
    let mut footer = Vec::new();
    let mut workload = None;
    let mut fan_rates: [Option<f64>; 2] = [None, None];

    if p.scenarios.contains(&Scenario::FanIn) || p.scenarios.contains(&Scenario::Ceiling) {
        let mut s = Section::new(format!(
            "fan-in: {} townships x {} devices x {} offline edits",
            p.townships, p.devices, p.edits
        ));
        for kind in [Kind::Ours, Kind::Js] {
            let on = if kind == Kind::Ours { ours_on } else { js_on };
            if !on || !p.scenarios.contains(&Scenario::FanIn) {
                continue;
            }
            eprintln!("fan-in, {} server ...", kind.label());
            let ours = kind == Kind::Ours;
            match fanin::run(kind, p, workload.take()).await {
                Ok((f, w)) => {
                    workload = Some(w);
                    messages::print(kind.label(), &f.messages);
                    let rate = f.server_done.map(|d| f.changes as f64 / d.as_secs_f64());
                    fan_rates[usize::from(!ours)] = rate;
                    eprintln!(
                        "  setup {:.1} s; server done {:?}, devices done {:?}",
                        f.setup.as_secs_f64(),
                        f.server_done,
                        f.devices_done
                    );
                    s.set("changes", 0, ours, Cell::Value(f.changes as f64));
                    let secs = |d: Option<Duration>| Cell::opt(d.map(|d| d.as_secs_f64()));
                    s.set(
                        "time until the server holds all (s)",
                        2,
                        ours,
                        secs(f.server_done),
                    );
                    s.set(
                        "time until every device holds all (s)",
                        2,
                        ours,
                        secs(f.devices_done),
                    );
                    s.set("server throughput (changes/s)", 0, ours, Cell::opt(rate));
                    s.set("server CPU (s)", 2, ours, Cell::Value(f.server_cpu));
                    s.set(
                        "bytes on the wire, all devices (MB)",
                        2,
                        ours,
                        Cell::Value(f.wire_bytes as f64 / 1e6),
                    );
                    s.set("server peak RSS (MB)", 1, ours, mb(f.peak_rss_kb));
                    s.set(
                        "server copy verified by a fresh device",
                        0,
                        ours,
                        Cell::Text(format!("{}/{}", f.verified, p.townships)),
                    );
                    s.set("load clients' CPU (s)", 2, ours, Cell::Value(f.client_cpu));
                }
                Err(e) => {
                    eprintln!("  {}", fanin::describe(&e));
                    let cell = if is_timeout(&e) {
                        Cell::Timeout
                    } else {
                        Cell::Failed
                    };
                    s.set("time until the server holds all (s)", 2, ours, cell);
                }
            }
            report::print(std::slice::from_ref(&s));
        }
        sections.push(s);
    }

    if p.scenarios.contains(&Scenario::Steady) {
        let mut s = Section::new(format!(
            "steady state: {} connected devices over {} townships, {} edits/s each for {} s",
            p.connected, p.townships, p.rate, p.seconds
        ));
        for kind in p.servers.iter().copied() {
            eprintln!("steady state, {} server ...", kind.label());
            steady::report(&mut s, kind, steady::run(kind, p).await);
            report::print(std::slice::from_ref(&s));
        }
        sections.push(s);
    }

    if p.scenarios.contains(&Scenario::Cold) {
        let mut s = Section::new(format!(
            "cold start: {} townships of {} units, {} people, {} nominations, {} activities",
            p.townships,
            p.doc_units,
            p.doc_units * 6,
            p.doc_units * 4,
            p.doc_units * 20
        ));
        let mut docs = None;
        for kind in p.servers.iter().copied() {
            eprintln!("cold start, {} server ...", kind.label());
            let r = cold::run(kind, p, docs.take()).await;
            docs = cold::report(&mut s, kind, r);
            report::print(std::slice::from_ref(&s));
        }
        sections.push(s);
    }

    if p.scenarios.contains(&Scenario::Ceiling) {
        let w = match workload.take() {
            Some(w) => w,
            None => {
                let (t, d, m) = (p.townships, p.devices, p.edits);
                tokio::task::spawn_blocking(move || {
                    fanin::Workload::generate(fanin::local_bases(t)?, d, m)
                })
                .await??
            }
        };
        let c = tokio::task::spawn_blocking(move || ceiling::run(&w, 3)).await??;
        footer.push(format!(
            "ceiling: Automerge alone applies the same {} changes in {:.3} s = {:.0} changes/s \
             (one process, no network, no storage; median of 3)",
            c.changes,
            c.apply.as_secs_f64(),
            c.per_second()
        ));
        for (i, kind) in [Kind::Ours, Kind::Js].into_iter().enumerate() {
            if let Some(rate) = fan_rates[i] {
                footer.push(format!(
                    "  {} server's fan-in throughput = {:.1}% of the ceiling",
                    kind.label(),
                    100.0 * rate / c.per_second()
                ));
            }
        }
    }

    println!();
    println!("== bench-sync ==");
    report::print(&sections);
    for line in footer {
        println!("{line}");
    }
    println!();
    println!(
        "parameters: townships {}, devices {}, edits {}, connected {}, rate {}/s, seconds {}, \
         doc-units {}, timeout {} s",
        p.townships,
        p.devices,
        p.edits,
        p.connected,
        p.rate,
        p.seconds,
        p.doc_units,
        p.timeout.as_secs()
    );
    println!("machine: {}", machine());
    println!(
        "notes: CPU from /proc/<pid>/stat utime+stime at {} ticks/s; RSS from /proc/<pid>/status; \
         bytes are TCP payload counted by the devices' dialer (WebSocket frames + upgrade), both \
         directions; load clients are samod repos with in-memory storage in this process, on the \
         same cores as the server.",
        server::clock_ticks()
    );
    println!(
        "goals (issue 4): fan-in throughput >= 5x the reference's; p99 edit-to-peer latency < 50 ms \
         with 200 devices; server memory <= 1/3 of the reference's."
    );
    Ok(())
}

pub fn mb(kb: u64) -> Cell {
    if kb == 0 {
        Cell::Text("n/a".into())
    } else {
        Cell::Value(kb as f64 / 1024.0)
    }
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or("? GiB".into(), |kb| {
            format!("{:.1} GiB", kb as f64 / 1048576.0)
        });
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU".into(), |m| m.trim().to_string());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "nproc {cores}, {mem} RAM, {model}, load average {}, {}",
        load.join(" "),
        node_version()
    )
}

fn node_version() -> String {
    std::process::Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .map_or("node ?".into(), |o| {
            format!("node {}", String::from_utf8_lossy(&o.stdout).trim())
        })
}
