//! `serve --backup-dir DIR --backup-every 24h --backup-keep 14`: backups
//! taken by the server itself, on a timer, with the oldest removed.
//!
//! Each is the same online copy as `qunjian-server backup` (`copy`), run on
//! the blocking pool so sync never waits for it. A failed backup is logged
//! as an error and tried again at the next tick; it never stops the
//! server. The next backup is due one interval after the newest one in the
//! directory, so a server restarted every night still backs up once a day
//! (and one with no backup yet takes one at once).

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;

use super::copy::{self, Taken};
use super::{interval, rotation};

/// When and where to back up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// The directory backups are written to; created if missing.
    pub dir: PathBuf,
    /// Time between backups.
    pub every: Duration,
    /// How many backups to keep; older ones are deleted.
    pub keep: usize,
}

/// The `serve` flags of a [`Schedule`].
#[derive(Debug, Clone, clap::Args)]
pub struct ScheduleArgs {
    /// Take backups here while serving (one file each, named by its UTC
    /// time, e.g. qunjian-20260301T020000Z.db). None unless given.
    #[arg(long, value_name = "DIR", env = "QUNJIAN_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Time between backups: 30m, 6h, 24h, 1d.
    #[arg(long, value_name = "INTERVAL", default_value = "24h", value_parser = interval::parse, env = "QUNJIAN_BACKUP_EVERY")]
    pub backup_every: Duration,
    /// Backups to keep in --backup-dir; older ones are deleted.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 14,
        env = "QUNJIAN_BACKUP_KEEP"
    )]
    pub backup_keep: usize,
}

impl ScheduleArgs {
    /// The schedule, if `--backup-dir` was given.
    pub fn schedule(&self) -> anyhow::Result<Option<Schedule>> {
        let Some(dir) = &self.backup_dir else {
            return Ok(None);
        };
        if self.backup_keep == 0 {
            anyhow::bail!("--backup-keep 至少为 1 (keep at least one backup)");
        }
        Ok(Some(Schedule {
            dir: dir.clone(),
            every: self.backup_every,
            keep: self.backup_keep,
        }))
    }
}

/// Back `data_dir` up on `schedule` until `stop` turns true.
pub async fn run(schedule: Schedule, data_dir: PathBuf, mut stop: watch::Receiver<bool>) {
    tracing::info!(
        dir = %schedule.dir.display(),
        every = ?schedule.every,
        keep = schedule.keep,
        "scheduled backups on"
    );
    let mut wait = first_wait(&schedule);
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            () = tokio::time::sleep(wait) => {}
        }
        let next = tokio::time::Instant::now() + schedule.every;
        let task = {
            let schedule = schedule.clone();
            let data_dir = data_dir.clone();
            tokio::task::spawn_blocking(move || once(&schedule, &data_dir))
        };
        // A stop does not wait for a backup in progress to be logged: the
        // copy finishes on its thread (or leaves a `.part` if the process
        // ends first, removed at the next rotation).
        let outcome = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            outcome = task => outcome,
        };
        match outcome {
            Ok(Ok((taken, removed))) => {
                tracing::info!(
                    file = %taken.path.display(),
                    bytes = taken.bytes,
                    townships = taken.counts.townships,
                    documents = taken.counts.documents,
                    ms = taken.elapsed.as_millis() as u64,
                    removed = removed.len(),
                    "定时备份完成 (scheduled backup written)"
                );
            }
            Ok(Err(e)) => tracing::error!(
                dir = %schedule.dir.display(),
                "定时备份失败，下次按时重试 (scheduled backup failed; retried at the next tick): {e:#}"
            ),
            Err(e) => tracing::error!("定时备份任务异常结束 (scheduled backup task died): {e}"),
        }
        wait = next.saturating_duration_since(tokio::time::Instant::now());
    }
}

/// One interval after the newest backup in the directory; at once if
/// there is none (or it is older than that).
fn first_wait(schedule: &Schedule) -> Duration {
    let names = file_names(&schedule.dir).unwrap_or_default();
    let Some(newest) = rotation::newest(names.iter().map(String::as_str)) else {
        return Duration::ZERO;
    };
    let since = (Utc::now() - newest).to_std().unwrap_or(Duration::ZERO);
    schedule.every.saturating_sub(since)
}

/// Take one backup into the directory and rotate; the backup and the
/// files removed.
pub fn once(schedule: &Schedule, data_dir: &Path) -> anyhow::Result<(Taken, Vec<PathBuf>)> {
    use anyhow::Context;
    crate::data_dir::create(&schedule.dir)
        .with_context(|| format!("无法建立备份目录 {}", schedule.dir.display()))?;
    let target = schedule.dir.join(rotation::file_name(Utc::now()));
    let taken = copy::take(data_dir, &target)?;
    let names = file_names(&schedule.dir)
        .with_context(|| format!("无法列出备份目录 {}", schedule.dir.display()))?;
    let mut removed = Vec::new();
    for name in rotation::to_remove(&names, schedule.keep) {
        let path = schedule.dir.join(&name);
        match std::fs::remove_file(&path) {
            Ok(()) => removed.push(path),
            Err(e) => tracing::warn!(
                file = %path.display(),
                "无法删除旧备份 (cannot remove an old backup): {e}"
            ),
        }
    }
    Ok((taken, removed))
}

fn file_names(dir: &Path) -> std::io::Result<Vec<String>> {
    Ok(std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backups_rotate_and_the_next_is_due_after_the_newest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        drop(crate::schema::open(&data).expect("db"));
        let schedule = Schedule {
            dir: dir.path().join("backups"),
            every: Duration::from_secs(3600),
            keep: 2,
        };
        assert_eq!(first_wait(&schedule), Duration::ZERO, "none yet: at once");
        // Three older backups by name, then one taken now.
        std::fs::create_dir_all(&schedule.dir).expect("dir");
        for h in 1..=3 {
            let at = Utc::now() - chrono::Duration::hours(24 * h);
            std::fs::write(schedule.dir.join(rotation::file_name(at)), b"old").expect("old");
        }
        let (taken, removed) = once(&schedule, &data).expect("backup");
        assert_eq!(removed.len(), 2);
        let mut left = file_names(&schedule.dir).expect("list");
        left.sort();
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(
            left.iter().any(|n| schedule.dir.join(n) == taken.path),
            "the new one is kept"
        );
        let wait = first_wait(&schedule);
        assert!(
            wait > Duration::from_secs(3500) && wait <= Duration::from_secs(3600),
            "{wait:?}"
        );
    }

    #[test]
    fn a_backup_dir_in_the_way_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        drop(crate::schema::open(&data).expect("db"));
        let in_the_way = dir.path().join("a-file");
        std::fs::write(&in_the_way, b"x").expect("file");
        let schedule = Schedule {
            dir: in_the_way,
            every: Duration::from_secs(1),
            keep: 1,
        };
        let err = once(&schedule, &data).expect_err("a file is not a directory");
        assert!(err.to_string().contains("备份目录"), "{err:#}");
    }
}
