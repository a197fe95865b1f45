//! The data directory: one `serve` at a time, and its files (the personal
//! records, the admin token) readable by the server's user alone.
//!
//! `serve` holds an advisory lock on `<data-dir>/serve.lock` for its whole
//! life; the OS drops it when the process ends, however it ends (kill -9
//! too). The admin commands take no lock: they write through SQLite's own
//! locking while a server runs, as they always have.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The lock file `serve` holds; it names the holder's pid.
pub fn lock_path(data_dir: &Path) -> PathBuf {
    data_dir.join("serve.lock")
}

/// The files that must be the server's user's alone.
const PRIVATE_FILES: [&str; 4] = [
    "qunjian.db",
    "qunjian.db-wal",
    "qunjian.db-shm",
    "admin-token",
];

/// Create the data directory if it is missing, mode 0700: it holds
/// personal data and the admin token. An existing one keeps the mode its
/// owner chose (`serve` warns if others can open it).
pub fn create(data_dir: &Path) -> std::io::Result<()> {
    let created = !data_dir.exists();
    std::fs::create_dir_all(data_dir)?;
    #[cfg(unix)]
    if created {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// New files of this process (SQLite's `-wal` and `-shm` included) are its
/// user's alone, whatever umask it was started with. Call before any
/// thread is started.
pub fn private_umask() {
    #[cfg(unix)]
    // SAFETY: umask only sets the process's file-creation mask; it cannot
    // fail and touches no memory.
    unsafe {
        libc::umask(0o077);
    }
}

/// Say (WARN) if group or others may open the data directory, with the
/// command that fixes it.
pub fn warn_if_open(data_dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(data_dir) else {
            return;
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            let dir = data_dir.display();
            tracing::warn!(
                "数据目录 {dir} 的权限是 {mode:o}，同组或其他用户也能访问：请运行 chmod 700 {dir} \
                 (the data directory is open to group/others, mode {mode:o}; run chmod 700 {dir})"
            );
        }
    }
}

/// Set `qunjian.db`, its `-wal` and `-shm`, and `admin-token` to 0600
/// where they exist with a looser mode; returns each file changed, with
/// its old mode. SQLite gives a new `-wal` and `-shm` the mode of the
/// database, so the database must be private before it is opened.
pub fn make_files_private(data_dir: &Path) -> std::io::Result<Vec<(PathBuf, u32)>> {
    let mut changed = Vec::new();
    #[cfg(unix)]
    for name in PRIVATE_FILES {
        use std::os::unix::fs::PermissionsExt;
        let path = data_dir.join(name);
        let meta = match std::fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
            changed.push((path, mode));
        }
    }
    Ok(changed)
}

/// [`make_files_private`], saying (WARN) which files were open to others.
pub fn make_files_private_and_say(data_dir: &Path) -> std::io::Result<()> {
    for (path, mode) in make_files_private(data_dir)? {
        let path = path.display();
        tracing::warn!(
            "{path} 的权限原为 {mode:o}，同组或其他用户可读，已改为 600 \
             ({path} was mode {mode:o}, readable by group/others; changed to 0600)"
        );
    }
    Ok(())
}

/// `serve`'s hold on a data directory; released when dropped or when the
/// process ends.
#[derive(Debug)]
pub struct ServeLock {
    _file: File,
}

/// Why `serve` cannot have the data directory.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another `serve` holds it.
    #[error(
        "数据目录 {dir} 已有另一个 qunjian-server serve 在运行{zh}，同一目录只能运行一个 \
         (data directory {dir} is already served by another qunjian-server{en})",
        dir = .dir.display(),
        zh = .pid.map(|p| format!("（进程 {p}）")).unwrap_or_default(),
        en = .pid.map(|p| format!(", pid {p}")).unwrap_or_default(),
    )]
    Held {
        /// The data directory.
        dir: PathBuf,
        /// The holder's pid, as it wrote it in the lock file.
        pid: Option<u32>,
    },
    /// The lock file could not be opened, locked or written.
    #[error("cannot lock {path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Take the data directory for this process, or say who has it. The
/// directory must exist ([`create`]).
pub fn lock(data_dir: &Path) -> Result<ServeLock, LockError> {
    let path = lock_path(data_dir);
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(io)?;
    if !try_lock(&file).map_err(io)? {
        let mut held = String::new();
        let _ = file.read_to_string(&mut held);
        return Err(LockError::Held {
            dir: data_dir.to_path_buf(),
            pid: held.trim().parse().ok(),
        });
    }
    // The lock is ours: name ourselves for the next one who tries.
    file.set_len(0).map_err(io)?;
    file.write_all(format!("{}\n", std::process::id()).as_bytes())
        .map_err(io)?;
    Ok(ServeLock { _file: file })
}

/// An exclusive lock on `file` if nobody else holds one: `Ok(false)` if
/// somebody does. (`File::try_lock` is newer than the workspace's MSRV.)
#[cfg(unix)]
fn try_lock(file: &File) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a descriptor this File owns and keeps open; the lock
    // belongs to that open file and goes with it.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(err)
    }
}

/// Off Unix the directory is not locked (the server is built for Linux).
#[cfg(not(unix))]
fn try_lock(_file: &File) -> std::io::Result<bool> {
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_directory_is_refused_with_the_holders_pid() {
        let dir = tempfile::tempdir().expect("tempdir");
        let held = lock(dir.path()).expect("first lock");
        match lock(dir.path()) {
            Err(LockError::Held { dir: d, pid }) => {
                assert_eq!(d, dir.path());
                assert_eq!(pid, Some(std::process::id()));
            }
            other => panic!("second lock: {other:?}"),
        }
        drop(held);
        lock(dir.path()).expect("free again once dropped");
    }

    #[cfg(unix)]
    #[test]
    fn loose_files_are_made_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("qunjian.db");
        std::fs::write(&db, b"").expect("write");
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let changed = make_files_private(dir.path()).expect("chmod");
        assert_eq!(changed, vec![(db.clone(), 0o644)]);
        let mode = std::fs::metadata(&db).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(make_files_private(dir.path()).expect("again").is_empty());
    }
}
