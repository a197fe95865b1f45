//! The county office's load: reports read over HTTP, exports downloaded,
//! and `county-server backup` run every few minutes while everything else
//! goes on. Each request is timed from send until the whole body arrived.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use qunjian_server::reports::ReportName;
use tokio::time::Instant;

use crate::rng::Rng;
use crate::sample::Latencies;
use crate::server::county_server_bin;

/// Longest any one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest a backup may take.
const BACKUP_TIMEOUT: Duration = Duration::from_secs(300);
/// Pause between two report requests, and between two exports.
const REPORT_PACE: Duration = Duration::from_millis(1000);
const EXPORT_PACE: Duration = Duration::from_millis(4000);
/// Backups kept on disk (the oldest is deleted), so a long soak stays bounded.
const BACKUPS_KEPT: usize = 2;

async fn get(client: &reqwest::Client, url: &str, admin: &str) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let response = client
        .get(url)
        .bearer_auth(admin)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .with_context(|| format!("GET {url}"))?;
    if !status.is_success() {
        bail!("GET {url}: {status} {}", String::from_utf8_lossy(&body));
    }
    Ok(started.elapsed())
}

/// `?township=` for one township in three requests, the county otherwise.
fn scope(rng: &mut Rng, codes: &[String]) -> String {
    match rng.below(3) {
        0 => format!("?township={}", codes[rng.below(codes.len())]),
        _ => String::new(),
    }
}

pub async fn reports(
    http: String,
    admin: String,
    codes: Vec<String>,
    end: Instant,
    lat: Arc<Latencies>,
) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let mut rng = Rng(0x0ff1_ce01);
    while Instant::now() < end {
        let name = ReportName::ALL[rng.below(ReportName::ALL.len())];
        let url = format!(
            "{http}/api/reports/{}{}",
            name.as_str(),
            scope(&mut rng, &codes)
        );
        match get(&client, &url, &admin).await {
            Ok(d) => Latencies::push(&lat.reports, d),
            Err(e) => lat.error("report", &e),
        }
        tokio::time::sleep_until((Instant::now() + REPORT_PACE).min(end)).await;
    }
    Ok(())
}

pub async fn exports(
    http: String,
    admin: String,
    codes: Vec<String>,
    end: Instant,
    lat: Arc<Latencies>,
) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let mut rng = Rng(0x0ff1_ce02);
    while Instant::now() < end {
        let file = match rng.below(3) {
            0 => "all.xlsx".to_string(),
            1 => format!(
                "{}.xlsx",
                ReportName::ALL[rng.below(ReportName::ALL.len())].as_str()
            ),
            _ => format!(
                "{}.csv",
                ReportName::ALL[rng.below(ReportName::ALL.len())].as_str()
            ),
        };
        let url = format!("{http}/api/export/{file}{}", scope(&mut rng, &codes));
        match get(&client, &url, &admin).await {
            Ok(d) => Latencies::push(&lat.exports, d),
            Err(e) => lat.error("export", &e),
        }
        tokio::time::sleep_until((Instant::now() + EXPORT_PACE).min(end)).await;
    }
    Ok(())
}

/// `county-server backup --to FILE --data-dir D` every `every`, the first
/// one `every` after the start.
pub async fn backups(
    data: PathBuf,
    to_dir: PathBuf,
    every: Duration,
    end: Instant,
    lat: Arc<Latencies>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(&to_dir)?;
    let bin = county_server_bin()?;
    let mut n = 0usize;
    loop {
        let next = Instant::now() + every;
        if next >= end {
            return Ok(());
        }
        tokio::time::sleep_until(next).await;
        n += 1;
        let file = to_dir.join(format!("backup-{n}.db"));
        let started = Instant::now();
        let run = tokio::process::Command::new(&bin)
            .arg("backup")
            .arg("--to")
            .arg(&file)
            .arg("--data-dir")
            .arg(&data)
            .env("RUST_LOG", "warn")
            .kill_on_drop(true)
            .output();
        match tokio::time::timeout(BACKUP_TIMEOUT, run).await {
            Ok(Ok(out)) if out.status.success() => Latencies::push(&lat.backups, started.elapsed()),
            Ok(Ok(out)) => lat.error(
                "backup",
                &anyhow::anyhow!("{}: {}", out.status, String::from_utf8_lossy(&out.stderr)),
            ),
            Ok(Err(e)) => lat.error("backup", &e.into()),
            Err(_) => lat.error("backup", &anyhow::anyhow!("took over {BACKUP_TIMEOUT:?}")),
        }
        if n > BACKUPS_KEPT {
            let _ = std::fs::remove_file(to_dir.join(format!("backup-{}.db", n - BACKUPS_KEPT)));
        }
    }
}
