//! The per-minute row: the server's VmRSS and open descriptors read from
//! /proc, and the latencies the load recorded since the last row.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::server::status_kb;

/// What the load tasks record, drained once a minute.
#[derive(Default)]
pub struct Latencies {
    pub edits: Mutex<Vec<Duration>>,
    pub reports: Mutex<Vec<Duration>>,
    pub exports: Mutex<Vec<Duration>>,
    pub backups: Mutex<Vec<Duration>>,
    /// Device sessions begun (a connect, a first sync).
    pub sessions: AtomicU64,
    errors: AtomicU64,
}

impl Latencies {
    pub fn push(list: &Mutex<Vec<Duration>>, d: Duration) {
        if let Ok(mut l) = list.lock() {
            l.push(d);
        }
    }

    pub fn error(&self, what: &str, e: &anyhow::Error) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        eprintln!("{what}: {e:#}");
    }

    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }
}

fn drain(list: &Mutex<Vec<Duration>>) -> Vec<Duration> {
    let mut v = list
        .lock()
        .map(|mut l| std::mem::take(&mut *l))
        .unwrap_or_default();
    v.sort();
    v
}

/// The q-quantile of sorted durations, in ms (NaN when empty).
fn q(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

/// Entries in `/proc/<pid>/fd` (0 if unreadable).
pub fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

pub struct Minute {
    pub minute: u64,
    pub rss_mb: f64,
    /// The server's `process_heap_in_use_bytes` (NaN if not scraped).
    pub heap_mb: f64,
    pub fds: usize,
    pub sessions: u64,
    pub edits: (usize, f64, f64),
    pub reports: (usize, f64, f64),
    pub exports: (usize, f64, f64),
    pub backups: Vec<Duration>,
    pub errors: u64,
}

pub const HEADER: &str = "min  RSS MB  heap MB  fds  sessions | edits  p50 ms  p99 ms | reports  p50 ms  p99 ms | exports  p50 ms  p99 ms | backups (s)  errors";

/// The server's heap in use, from its `/metrics` (NaN if unanswered).
pub async fn heap_mb(http: &str, admin: &str) -> f64 {
    let scraped = async {
        reqwest::Client::new()
            .get(format!("{http}/metrics"))
            .bearer_auth(admin)
            .send()
            .await?
            .text()
            .await
    };
    let Ok(text) = scraped.await else {
        return f64::NAN;
    };
    text.lines()
        .find(|l| l.starts_with("process_heap_in_use_bytes "))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(f64::NAN, |b| b / 1e6)
}

pub fn take(minute: u64, pid: u32, heap_mb: f64, lat: &Latencies) -> Minute {
    let stat = |l: &Mutex<Vec<Duration>>| {
        let v = drain(l);
        (v.len(), q(&v, 0.5), q(&v, 0.99))
    };
    Minute {
        minute,
        rss_mb: status_kb(pid, "VmRSS:").unwrap_or(0) as f64 / 1024.0,
        heap_mb,
        fds: open_fds(pid),
        sessions: lat.sessions.swap(0, Ordering::Relaxed),
        edits: stat(&lat.edits),
        reports: stat(&lat.reports),
        exports: stat(&lat.exports),
        backups: drain(&lat.backups),
        errors: lat.errors(),
    }
}

impl Minute {
    fn backups_text(&self) -> String {
        if self.backups.is_empty() {
            "-".into()
        } else {
            self.backups
                .iter()
                .map(|d| format!("{:.1}", d.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(" ")
        }
    }

    pub fn line(&self) -> String {
        format!(
            "{:>3}  {:>6.1}  {:>7.1}  {:>3}  {:>8} | {:>5}  {:>6.1}  {:>6.1} | {:>7}  {:>6.1}  {:>6.1} | {:>7}  {:>6.1}  {:>6.1} | {:>11}  {:>6}",
            self.minute,
            self.rss_mb,
            self.heap_mb,
            self.fds,
            self.sessions,
            self.edits.0,
            self.edits.1,
            self.edits.2,
            self.reports.0,
            self.reports.1,
            self.reports.2,
            self.exports.0,
            self.exports.1,
            self.exports.2,
            self.backups_text(),
            self.errors
        )
    }
}

/// "p50 / p99" of a minute's (count, p50, p99), or "-" for a minute with
/// none (a quiet phase has no edits).
fn quantiles((n, p50, p99): (usize, f64, f64)) -> String {
    if n == 0 {
        "-".into()
    } else {
        format!("{p50:.1} / {p99:.1}")
    }
}

/// The rows as a Markdown table, for docs/BENCHMARKS.md.
pub fn markdown(rows: &[Minute]) {
    println!(
        "| min | RSS MB | heap MB | fds | sessions | edits | edit p50 / p99 ms | reports | report p50 / p99 ms | exports | export p50 / p99 ms | backups (s) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {:.1} | {:.1} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.minute,
            r.rss_mb,
            r.heap_mb,
            r.fds,
            r.sessions,
            r.edits.0,
            quantiles(r.edits),
            r.reports.0,
            quantiles(r.reports),
            r.exports.0,
            quantiles(r.exports),
            r.backups_text()
        );
    }
}
