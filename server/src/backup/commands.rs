//! The flags and output of `qunjian-server backup`, `restore` and
//! `verify`; `cli` only dispatches to them.

use std::path::PathBuf;

use anyhow::Context;

use super::{check, copy, restore};

/// `qunjian-server backup --to FILE`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The backup file to write; must not exist.
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
    /// Directory holding qunjian.db.
    #[arg(long, default_value = "./qunjian-data")]
    pub data_dir: PathBuf,
}

impl BackupArgs {
    /// Take the backup and say what it holds.
    pub async fn run(self) -> anyhow::Result<()> {
        let taken = tokio::task::spawn_blocking(move || copy::take(&self.data_dir, &self.to))
            .await
            .context("backup task failed")??;
        println!("{}", taken.summary());
        Ok(())
    }
}

/// `qunjian-server restore FILE --data-dir D [--revoke ID]...`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup file.
    pub file: PathBuf,
    /// The data directory to restore into: empty or not yet there.
    #[arg(long)]
    pub data_dir: PathBuf,
    /// Revoke this token again once restored (its id or label, as the
    /// restore lists them); repeat for each. Use for tokens revoked after
    /// the backup was taken.
    #[arg(long, value_name = "ID")]
    pub revoke: Vec<String>,
}

impl RestoreArgs {
    /// Restore, list the tokens, revoke those named.
    pub async fn run(self) -> anyhow::Result<()> {
        tokio::task::spawn_blocking(move || {
            restore::restore_command(&self.file, &self.data_dir, &self.revoke)
        })
        .await
        .context("restore task failed")?
    }
}

/// `qunjian-server verify FILE`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The backup file to check (it is only read).
    pub file: PathBuf,
}

impl VerifyArgs {
    /// Check the file, print the report; an error (exit code 1) if it is
    /// not usable.
    pub async fn run(self) -> anyhow::Result<()> {
        let v = tokio::task::spawn_blocking(move || check::verify(&self.file))
            .await
            .context("verify task failed")?;
        print!("{}", v.render());
        if v.ok() {
            Ok(())
        } else {
            anyhow::bail!(
                "备份 {} 不可用 (the backup is not usable)",
                v.path.display()
            )
        }
    }
}
