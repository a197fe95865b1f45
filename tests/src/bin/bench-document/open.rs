//! Open + load + hydrate in a fresh child process (this binary run with
//! `--open-run DB URL`), so each run starts cold and its memory is its own.
//! The child prints one tagged JSON line; the parent reads it back.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use qunjian_client::Replica;

use crate::stats::proc_status_kb;

/// A child process that takes longer than this is reported as failed.
const CHILD_TIMEOUT: Duration = Duration::from_secs(120);
/// Prefix of the one line a child prints for the parent.
const CHILD_TAG: &str = "OPEN-RUN ";

#[derive(Default)]
pub struct OpenRun {
    pub repo_open: Duration,
    pub load: Duration,
    pub hydrate: Duration,
    pub rss_baseline_kb: u64,
    pub rss_loaded_kb: u64,
    pub rss_hydrated_kb: u64,
    pub hwm_kb: u64,
    pub units: usize,
    pub people: usize,
    pub nominations: usize,
    pub activities: usize,
    pub unreadable: usize,
    /// Snapshot and incremental rows in the file when the run started.
    pub rows: (usize, usize),
}

impl OpenRun {
    pub fn open_load(&self) -> Duration {
        self.repo_open + self.load
    }
    pub fn total(&self) -> Duration {
        self.repo_open + self.load + self.hydrate
    }
}

/// The child side: open, load and hydrate once, print one JSON line.
pub async fn open_run(db: &Path, url: &str) -> anyhow::Result<()> {
    let baseline = proc_status_kb("VmRSS:");
    let t = Instant::now();
    let replica = Replica::open(db)
        .await
        .with_context(|| format!("opening {}", db.display()))?;
    let repo_open = t.elapsed();
    let t = Instant::now();
    let township = replica.township(url).await?;
    let load = t.elapsed();
    let loaded = proc_status_kb("VmRSS:");
    let t = Instant::now();
    let (doc, unreadable) = township.document()?;
    let hydrate = t.elapsed();
    let hydrated = proc_status_kb("VmRSS:");
    let hwm = proc_status_kb("VmHWM:");
    let line = serde_json::json!({
        "repo_open_us": repo_open.as_micros() as u64,
        "load_us": load.as_micros() as u64,
        "hydrate_us": hydrate.as_micros() as u64,
        "rss_baseline_kb": baseline,
        "rss_loaded_kb": loaded,
        "rss_hydrated_kb": hydrated,
        "hwm_kb": hwm,
        "units": doc.units.len(),
        "people": doc.people.len(),
        "nominations": doc.nominations.len(),
        "activities": doc.activities.len(),
        "unreadable": unreadable.len(),
    });
    println!("{CHILD_TAG}{line}");
    drop(doc);
    replica.close().await;
    Ok(())
}

pub async fn child_open(db: &Path, url: &str) -> anyhow::Result<OpenRun> {
    let exe = std::env::current_exe().context("finding this benchmark's executable")?;
    let child = tokio::process::Command::new(exe)
        .arg("--open-run")
        .arg(db)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(CHILD_TIMEOUT, child)
        .await
        .context("an open run took longer than the timeout")?
        .context("running an open run")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "open run failed ({}): {}{}",
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(CHILD_TAG))
        .with_context(|| format!("open run printed no result: {stdout}"))?;
    let v: serde_json::Value = serde_json::from_str(line).context("parsing an open run")?;
    let num = |k: &str| -> anyhow::Result<u64> {
        v.get(k)
            .and_then(serde_json::Value::as_u64)
            .with_context(|| format!("open run result lacks {k}: {line}"))
    };
    Ok(OpenRun {
        repo_open: Duration::from_micros(num("repo_open_us")?),
        load: Duration::from_micros(num("load_us")?),
        hydrate: Duration::from_micros(num("hydrate_us")?),
        rss_baseline_kb: num("rss_baseline_kb")?,
        rss_loaded_kb: num("rss_loaded_kb")?,
        rss_hydrated_kb: num("rss_hydrated_kb")?,
        hwm_kb: num("hwm_kb")?,
        units: num("units")? as usize,
        people: num("people")? as usize,
        nominations: num("nominations")? as usize,
        activities: num("activities")? as usize,
        unreadable: num("unreadable")? as usize,
        rows: (0, 0),
    })
}
