//! `restore`: a backup into an empty data directory, checked first.
//!
//! Only into an empty (or new) directory: restoring over a live database
//! would throw away whatever it holds that the backup does not, and there
//! is no undo. The backup is copied in as `qunjian.db.part`, that copy is
//! verified (`check`), and only then renamed to `qunjian.db`; the serve
//! lock is held throughout, so no server starts on a half-restored
//! directory.
//!
//! A backup cannot know which of its tokens were revoked after it was
//! taken: they are active again once it is restored. So `restore` lists
//! every active token and revokes those named with `--revoke` (or, at a
//! terminal, those typed at its prompt), and says how to revoke later.
//!
//! Devices need nothing: a change a device made after the backup is still
//! on the device, and its next sync sends it to the restored server.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, params};

use super::check::{self, Verification};
use super::counts;
use super::durable_file;
use crate::auth::tokens::{self, ActedBy, TokenError, TokenRow};
use crate::{data_dir, db, schema};

/// A finished restore.
#[derive(Debug)]
pub struct Restored {
    /// What the backup held, as verified.
    pub verification: Verification,
    /// Tokens active once restored (after `--revoke`).
    pub active: Vec<TokenRow>,
    /// Tokens revoked by this restore.
    pub revoked: Vec<TokenRow>,
}

/// Why nothing was restored; the data directory is as it was.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// The directory holds files.
    #[error(
        "数据目录 {dir} 不是空的（有 {first} 等 {count} 项），恢复只写入空目录或新目录：\
         换一个 --data-dir，或先把它移走 (the data directory is not empty; restore only into an empty or new directory)",
        dir = .dir.display()
    )]
    NotEmpty {
        /// The directory.
        dir: PathBuf,
        /// One entry in it.
        first: String,
        /// How many entries.
        count: usize,
    },
    /// The path is a file.
    #[error("{0} 不是目录 (not a directory)")]
    NotADirectory(PathBuf),
    /// The backup failed verification.
    #[error("{}\n备份未通过检查，未恢复 (the backup failed verification; nothing restored)", .0.render().trim_end())]
    Unusable(Box<Verification>),
    /// A `--revoke` names no active token of the backup.
    #[error(
        "备份里没有标签或编号为“{0}”的有效令牌，未恢复：先不加 --revoke 恢复，它会列出所有有效令牌，再按编号吊销 \
         (no active token with that label or id in the backup; nothing restored. Restore without --revoke to see the tokens)"
    )]
    NoSuchToken(String),
    /// The data directory is locked by a server.
    #[error(transparent)]
    Locked(#[from] data_dir::LockError),
    /// A file operation failed.
    #[error("恢复失败 {path} (restore failed): {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The restored database could not be opened.
    #[error(transparent)]
    Db(#[from] db::DbError),
    /// A token could not be revoked.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// SQLite refused a query on the copy.
    #[error("恢复失败 (restore failed): {0}")]
    Sql(#[from] rusqlite::Error),
}

/// Restore `file` into `data_dir` (empty or missing), revoking each token
/// named in `revoke` (label or id). Blocking.
pub fn restore(file: &Path, data_dir: &Path, revoke: &[String]) -> Result<Restored, RestoreError> {
    refuse_unless_empty(data_dir)?;
    // A token named twice is revoked once.
    let mut names: Vec<&str> = revoke.iter().map(|n| n.trim()).collect();
    names.sort_unstable();
    names.dedup();
    // Checked before anything is created: a bad backup leaves no directory.
    let verification = check::verify(file);
    if !verification.ok() {
        return Err(RestoreError::Unusable(Box::new(verification)));
    }
    for name in &names {
        if !names_active_token(file, name)? {
            return Err(RestoreError::NoSuchToken(crate::text::clip(name)));
        }
    }
    let created = !data_dir.exists();
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RestoreError::Io { path, source }
    };
    data_dir::create(data_dir).map_err(io(data_dir))?;
    let placed = place(file, data_dir, verification);
    let (lock, verification) = match placed {
        Ok(done) => done,
        Err(e) => {
            // Leave the directory as it was: gone, or empty again (a lock
            // another process holds is not ours to remove).
            let ours = !matches!(e, RestoreError::Locked(_));
            if ours && created {
                let _ = std::fs::remove_dir_all(data_dir);
            } else if ours {
                let _ = std::fs::remove_file(data_dir::lock_path(data_dir));
            }
            return Err(e);
        }
    };

    let conn = schema::open(data_dir)?;
    conn.execute_batch(&format!("DROP TABLE IF EXISTS {}", counts::NOTE_TABLE))?;
    let mut revoked = Vec::new();
    for name in &names {
        revoked.push(tokens::revoke(&conn, name, ActedBy::CommandLine)?);
    }
    let active = active_tokens(&conn)?;
    drop(conn);
    drop(lock);
    Ok(Restored {
        verification,
        active,
        revoked,
    })
}

/// Copy `file` in as `qunjian.db.part`, verify the copy, rename it into
/// place; the serve lock is held from before the copy and returned.
fn place(
    file: &Path,
    data_dir: &Path,
    verified: Verification,
) -> Result<(data_dir::ServeLock, Verification), RestoreError> {
    let lock = data_dir::lock(data_dir)?;
    let target = db::db_path(data_dir);
    let part = durable_file::part_path(&target);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RestoreError::Io { path, source }
    };
    let copied = (|| {
        drop(durable_file::create_private(&part)?);
        std::fs::copy(file, &part)?;
        durable_file::make_private(&part)?;
        durable_file::sync(&part)
    })();
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&part);
        return Err(io(&part)(e));
    }
    // The copy is what will be served: check it, not only the original.
    let copy_check = check::verify(&part);
    if !copy_check.ok() {
        let _ = std::fs::remove_file(&part);
        return Err(RestoreError::Unusable(Box::new(copy_check)));
    }
    durable_file::publish(&part, &target).map_err(io(&target))?;
    let mut verification = copy_check;
    verification.path = verified.path;
    Ok((lock, verification))
}

fn refuse_unless_empty(dir: &Path) -> Result<(), RestoreError> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(RestoreError::NotADirectory(dir.to_path_buf()));
    }
    let entries: Vec<String> = std::fs::read_dir(dir)
        .map_err(|source| RestoreError::Io {
            path: dir.to_path_buf(),
            source,
        })?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    match entries.first() {
        None => Ok(()),
        Some(first) => Err(RestoreError::NotEmpty {
            dir: dir.to_path_buf(),
            first: crate::text::clip(first),
            count: entries.len(),
        }),
    }
}

/// Whether the backup has an active token with this label or id.
fn names_active_token(file: &Path, name: &str) -> Result<bool, RestoreError> {
    let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM tokens WHERE revoked_at IS NULL AND (label = ?1 OR id = ?1))",
        params![name.trim()],
        |r| r.get(0),
    )?)
}

fn active_tokens(conn: &Connection) -> Result<Vec<TokenRow>, RestoreError> {
    Ok(tokens::list(conn)?
        .into_iter()
        .filter(TokenRow::is_active)
        .collect())
}

/// The active tokens as a table, with what to do about them.
pub fn token_notice(active: &[TokenRow], data_dir: &Path) -> String {
    let mut out = String::from(
        "备份之后吊销的令牌，恢复后又变为有效（备份无从知道）。下面是恢复后所有有效的令牌，\
         请对照审计日志里的 token-revoked 记录或更新的备份，把已吊销的再吊销一次。\n\
         Tokens revoked after the backup are active again (the backup cannot know). \
         Every active token is listed; revoke again those revoked since.\n",
    );
    out.push_str("编号 (id)\t标签 (label)\t角色 (role)\t乡镇 (township)\t创建 (created)\t最后使用 (last used)\n");
    for t in active {
        let info = t.info();
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\n",
            info.id,
            info.label,
            info.role,
            info.township.as_deref().unwrap_or("-"),
            info.created_at,
            info.last_used_at.as_deref().unwrap_or("-"),
        ));
    }
    out.push_str(&format!(
        "吊销：qunjian-server token revoke <编号或标签> --data-dir {dir}，\
         或恢复时加 --revoke <编号或标签>（可重复）\n\
         to revoke: qunjian-server token revoke <id or label> --data-dir {dir}, \
         or restore with --revoke <id or label> (repeatable)\n",
        dir = data_dir.display()
    ));
    out
}

/// `qunjian-server restore FILE --data-dir D [--revoke ID]...`.
pub fn restore_command(file: &Path, data_dir: &Path, revoke: &[String]) -> anyhow::Result<()> {
    let restored = restore(file, data_dir, revoke)?;
    println!("{}", restored.verification.render().trim_end());
    println!(
        "已恢复到 {dir} (restored into {dir})",
        dir = data_dir.display()
    );
    for t in &restored.revoked {
        println!("已再次吊销令牌 {}（{}） (revoked again)", t.label, t.id);
    }
    print!("{}", token_notice(&restored.active, data_dir));
    if revoke.is_empty() && std::io::stdin().is_terminal() && !restored.active.is_empty() {
        prompt_revoke(data_dir)?;
    }
    println!(
        "启动服务器：qunjian-server serve --data-dir {dir}；设备下次同步时会把备份之后的修改重新发来 \
         (start the server; devices resend the changes made after the backup on their next sync)",
        dir = data_dir.display()
    );
    Ok(())
}

/// At a terminal: ask which tokens to revoke again.
fn prompt_revoke(data_dir: &Path) -> anyhow::Result<()> {
    print!(
        "要再次吊销的令牌编号或标签，用空格分隔，直接回车跳过 (ids or labels to revoke, Enter to skip): "
    );
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let names: Vec<&str> = line.split_whitespace().collect();
    if names.is_empty() {
        return Ok(());
    }
    let conn = schema::open(data_dir)?;
    for name in names {
        match tokens::revoke(&conn, name, ActedBy::CommandLine) {
            Ok(t) => println!("已再次吊销令牌 {}（{}） (revoked again)", t.label, t.id),
            Err(e) => eprintln!("错误: {e}"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    #[test]
    fn restore_refuses_before_touching_anything_and_revokes_each_named_token_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let live = dir.path().join("live");
        {
            let conn = schema::open(&live).expect("open");
            for label in ["平板", "丢失的平板"] {
                let role = Role::parse("county-viewer", None).expect("role");
                tokens::create(&conn, role, Some(label), ActedBy::CommandLine).expect("token");
            }
        }
        let file = dir.path().join("b.db");
        super::super::copy::take(&live, &file).expect("backup");

        let target = dir.path().join("restored");
        match restore(&file, &target, &["没有这个".to_string()]) {
            Err(RestoreError::NoSuchToken(name)) => assert_eq!(name, "没有这个"),
            other => panic!("{other:?}"),
        }
        assert!(!target.exists(), "nothing created for a refused restore");
        match restore(&file, &live, &[]) {
            Err(RestoreError::NotEmpty { count, .. }) => assert!(count >= 1),
            other => panic!("{other:?}"),
        }

        let twice = ["丢失的平板".to_string(), " 丢失的平板 ".to_string()];
        let restored = restore(&file, &target, &twice).expect("restore");
        assert!(restored.verification.ok());
        assert_eq!(restored.revoked.len(), 1);
        let labels: Vec<_> = restored.active.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["平板"]);
        let conn = schema::open(&target).expect("open restored");
        assert!(
            !counts::has_table(&conn, counts::NOTE_TABLE).expect("tables"),
            "a restored database does not claim to be a backup"
        );
        let notice = token_notice(&restored.active, &target);
        assert!(
            notice.contains("平板") && notice.contains("token revoke"),
            "{notice}"
        );
    }
}
