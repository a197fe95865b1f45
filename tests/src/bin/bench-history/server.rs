//! The county server as a child process, with the storage's compaction
//! events read from its log as they happen: each "compacting a document"
//! (the compactor thread begins reading the rows) and "compacted a
//! document" (the snapshot row is committed and the rows it folded are
//! gone) is stamped with the time this process read it, so edits can be
//! sorted into those made while a compaction ran and those made while none
//! did.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::time::Instant;

const START_TIMEOUT: Duration = Duration::from_secs(300);
const STOP_TIMEOUT: Duration = Duration::from_secs(60);

/// A compaction: when its start and its end were seen in the log.
#[derive(Clone, Copy, Debug)]
pub struct Compaction {
    pub start: Instant,
    pub end: Option<Instant>,
}

pub struct Server {
    child: Child,
    pub pid: u32,
    pub port: u16,
    /// Spawn until the "listening" line.
    pub startup: Duration,
    pub compactions: Arc<Mutex<Vec<Compaction>>>,
}

impl Server {
    pub async fn start(data: &Path) -> anyhow::Result<Server> {
        let exe = std::env::current_exe()?;
        let bin = exe
            .parent()
            .context("the executable has no directory")?
            .join("county-server");
        let started = Instant::now();
        let mut child = Command::new(&bin)
            .arg("serve")
            .arg("--data-dir")
            .arg(data)
            .args(["--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn,qunjian_shared::storage::compactor=debug")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let mut out = BufReader::new(child.stdout.take().context("no stdout")?).lines();
        let line = match tokio::time::timeout(START_TIMEOUT, out.next_line()).await {
            Ok(Ok(Some(line))) => line,
            Ok(_) => bail!("the server exited before listening"),
            Err(_) => bail!("the server did not listen within {START_TIMEOUT:?}"),
        };
        let startup = started.elapsed();
        let port = line
            .trim()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .with_context(|| format!("the server printed {line:?}"))?;
        tokio::spawn(async move { while let Ok(Some(_)) = out.next_line().await {} });
        let compactions: Arc<Mutex<Vec<Compaction>>> = Arc::default();
        let seen = compactions.clone();
        let mut err = BufReader::new(child.stderr.take().context("no stderr")?).lines();
        tokio::spawn(async move {
            while let Ok(Some(line)) = err.next_line().await {
                let now = Instant::now();
                if line.contains("compacting a document") {
                    if let Ok(mut c) = seen.lock() {
                        c.push(Compaction {
                            start: now,
                            end: None,
                        });
                    }
                } else if line.contains("compacted a document") {
                    if let Ok(mut c) = seen.lock()
                        && let Some(last) = c.last_mut()
                    {
                        last.end.get_or_insert(now);
                    }
                } else if !line.contains("DEBUG") {
                    eprintln!("server: {line}");
                }
            }
        });
        Ok(Server {
            child,
            pid,
            port,
            startup,
            compactions,
        })
    }

    pub fn http(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn ws(&self) -> String {
        format!("ws://127.0.0.1:{}/sync", self.port)
    }

    pub fn compactions(&self) -> Vec<Compaction> {
        self.compactions
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default()
    }

    /// The first sample of `/metrics` whose line contains every one of
    /// `parts` (a name, a label).
    async fn metric(&self, admin: &str, parts: &[&str]) -> anyhow::Result<f64> {
        let text = reqwest::Client::new()
            .get(format!("{}/metrics", self.http()))
            .bearer_auth(admin)
            .send()
            .await?
            .text()
            .await?;
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .find(|l| parts.iter().all(|p| l.contains(p)))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("no {parts:?} in /metrics"))
    }

    /// The server's `sync_bytes` counter for `direction` ("in" or "out").
    pub async fn sync_bytes(&self, admin: &str, direction: &str) -> anyhow::Result<f64> {
        self.metric(
            admin,
            &["sync_bytes", &format!("direction=\"{direction}\"")],
        )
        .await
    }

    /// Sync connections open.
    pub async fn sync_connections(&self, admin: &str) -> anyhow::Result<f64> {
        self.metric(admin, &["qunjian_sync_connections_open"]).await
    }

    /// "RSS x MB (heap in use y MB)": the heap from the server's
    /// `process_heap_in_use_bytes` (glibc `mallinfo2`), so growth of data
    /// held can be told from memory the allocator keeps.
    pub async fn memory(&self, admin: &str) -> String {
        let heap = self
            .metric(admin, &["process_heap_in_use_bytes"])
            .await
            .map_or(f64::NAN, |b| b / 1e6);
        format!("RSS {:.1} MB (heap in use {heap:.1} MB)", self.rss_mb())
    }

    /// VmRSS in MB.
    pub fn rss_mb(&self) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.split_whitespace().next())
                    .and_then(|v| v.parse::<f64>().ok())
            })
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }

    /// SIGTERM, then wait (bounded).
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        match tokio::time::timeout(STOP_TIMEOUT, self.child.wait()).await {
            Ok(Ok(s)) if s.success() => Ok(()),
            Ok(Ok(s)) => bail!("the server exited with {s}"),
            Ok(Err(e)) => bail!("waiting for the server: {e}"),
            Err(_) => {
                let _ = self.child.kill().await;
                bail!("the server did not stop within {STOP_TIMEOUT:?}; killed")
            }
        }
    }
}
