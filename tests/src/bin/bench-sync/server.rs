//! The two servers under test, started as child processes on loopback
//! ports: ours (`county-server serve`, the release binary next to this
//! one) and the reference JavaScript sync server
//! (`tests/interop/sync-server.mjs`). Both are killed when dropped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Context, bail};
pub use qunjian_server::auth::Role;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::Timeout;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Ours,
    Js,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Ours => "ours",
            Kind::Js => "reference JS",
        }
    }
}

/// How long a server gets to say where it listens.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a server gets to exit after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// The county server binary built next to this benchmark.
pub fn county_server_bin() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("finding this benchmark's executable")?;
    let bin = exe
        .parent()
        .context("the executable has no directory")?
        .join("county-server");
    if !bin.exists() {
        bail!(
            "{} does not exist: build it with `cargo build --release -p qunjian-tests --bin county-server`",
            bin.display()
        );
    }
    Ok(bin)
}

/// `tests/interop/sync-server.mjs`.
pub fn js_server_script() -> anyhow::Result<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("interop");
    let script = dir.join("sync-server.mjs");
    if !script.exists() {
        bail!("{} does not exist", script.display());
    }
    if !dir.join("node_modules").exists() {
        bail!("{} has no node_modules: run `npm ci` there", dir.display());
    }
    Ok(script)
}

/// A server process.
pub struct Server {
    pub kind: Kind,
    child: Child,
    pub pid: u32,
    pub port: u16,
    /// Wall time from spawn to the "listening" line.
    pub startup: Duration,
}

impl Server {
    /// Start a server of `kind` over `data_dir` on a free loopback port.
    pub async fn start(kind: Kind, data_dir: &Path) -> anyhow::Result<Server> {
        let started = std::time::Instant::now();
        let mut command = match kind {
            Kind::Ours => {
                let mut c = Command::new(county_server_bin()?);
                c.arg("serve")
                    .arg("--data-dir")
                    .arg(data_dir)
                    .args(["--listen", "127.0.0.1:0"])
                    // Every simulated device dials from 127.0.0.1: the
                    // per-address cap (64, sized for one township office)
                    // would turn most of them away.
                    .args(["--connections-per-address", "10000"])
                    .env(
                        "RUST_LOG",
                        std::env::var("SERVER_LOG").unwrap_or_else(|_| "warn".into()),
                    );
                c
            }
            Kind::Js => {
                std::fs::create_dir_all(data_dir)?;
                let mut c = Command::new("node");
                c.arg(js_server_script()?)
                    .args(["--port", "0", "--dir"])
                    .arg(data_dir);
                c
            }
        };
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting the {} server", kind.label()))?;
        let pid = child.id().context("the server exited at once")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let line = match tokio::time::timeout(START_TIMEOUT, lines.next_line()).await {
            Ok(Ok(Some(line))) => line,
            Ok(Ok(None)) => bail!("the {} server exited before listening", kind.label()),
            Ok(Err(e)) => bail!("reading the {} server's stdout: {e}", kind.label()),
            Err(_) => {
                return Err(Timeout(format!("{} server start", kind.label())).into());
            }
        };
        let startup = started.elapsed();
        // Whatever else it prints goes nowhere, and never blocks it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let port = match kind {
            // "qunjian-server listening on http://127.0.0.1:PORT"
            Kind::Ours => line.trim().rsplit(':').next().and_then(|p| p.parse().ok()),
            // "listening on PORT"
            Kind::Js => line
                .trim()
                .strip_prefix("listening on ")
                .and_then(|p| p.parse().ok()),
        }
        .with_context(|| format!("the {} server printed {line:?}", kind.label()))?;
        Ok(Server {
            kind,
            child,
            pid,
            port,
            startup,
        })
    }

    /// Where devices dial.
    pub fn ws_url(&self) -> String {
        match self.kind {
            Kind::Ours => format!("ws://127.0.0.1:{}/sync", self.port),
            Kind::Js => format!("ws://127.0.0.1:{}", self.port),
        }
    }

    /// User + system CPU seconds so far.
    pub fn cpu_seconds(&self) -> f64 {
        cpu_seconds(self.pid).unwrap_or(f64::NAN)
    }

    /// VmRSS and VmHWM, in KiB.
    pub fn rss_kb(&self) -> (u64, u64) {
        (
            status_kb(self.pid, "VmRSS:").unwrap_or(0),
            status_kb(self.pid, "VmHWM:").unwrap_or(0),
        )
    }

    /// SIGTERM, wait (bounded), then SIGKILL if it is still there.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        match tokio::time::timeout(STOP_TIMEOUT, self.child.wait()).await {
            Ok(Ok(status)) if status.success() => Ok(()),
            Ok(Ok(status)) => bail!("the {} server exited with {status}", self.kind.label()),
            Ok(Err(e)) => bail!("waiting for the {} server: {e}", self.kind.label()),
            Err(_) => {
                let _ = self.child.kill().await;
                bail!(
                    "the {} server did not stop within {STOP_TIMEOUT:?} of SIGTERM; killed",
                    self.kind.label()
                )
            }
        }
    }
}

/// Clock ticks per second (`getconf CLK_TCK`, 100 if that fails).
pub fn clock_ticks() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// utime + stime of a process, in seconds, from `/proc/<pid>/stat`.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; fields resume after its ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Field 3 (state) is fields[0]; utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / clock_ticks())
}

/// A `kB` field of `/proc/<pid>/status`.
pub fn status_kb(pid: u32, field: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// This process's CPU seconds (the load clients).
pub fn own_cpu_seconds() -> f64 {
    cpu_seconds(std::process::id()).unwrap_or(f64::NAN)
}

/// `county-server township add` over a data directory (the server must not
/// be needed: it works with or without one running); returns the URL.
pub async fn township_add(data_dir: &Path, code: &str, name: &str) -> anyhow::Result<String> {
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        Command::new(county_server_bin()?)
            .args(["township", "add", "--code", code, "--name", name])
            .args(["--kind", "zhen", "--county", "330825", "--data-dir"])
            .arg(data_dir)
            .env("RUST_LOG", "warn")
            .kill_on_drop(true)
            .output(),
    )
    .await
    .map_err(|_| Timeout("township add".into()))??;
    if !out.status.success() {
        bail!(
            "township add failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !url.starts_with("automerge:") {
        bail!("township add printed {url:?}");
    }
    Ok(url)
}

/// `n` new tokens of `role` in our server's data directory (as `token
/// create` does), labelled `<label>-<i>`; made before the server starts,
/// one transaction for all. Our server's devices each hold one.
pub fn create_tokens(
    data_dir: &Path,
    role: &Role,
    label: &str,
    n: usize,
) -> anyhow::Result<Vec<String>> {
    let mut conn = qunjian_server::schema::open(data_dir)
        .with_context(|| format!("opening the database in {}", data_dir.display()))?;
    let tx = conn.transaction()?;
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        let made = qunjian_server::auth::tokens::create(
            &tx,
            role.clone(),
            Some(&format!("{label}-{i}")),
            qunjian_server::auth::tokens::ActedBy::CommandLine,
        )
        .with_context(|| format!("creating a {} token", role.name()))?;
        tokens.push(made.token);
    }
    tx.commit()?;
    Ok(tokens)
}

/// One new token of `role` (see [`create_tokens`]).
pub fn create_token(data_dir: &Path, role: &Role, label: &str) -> anyhow::Result<String> {
    create_tokens(data_dir, role, label, 1)?
        .pop()
        .context("no token made")
}
