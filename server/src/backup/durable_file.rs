//! A backup file is whole or absent: it is written under a `.part` name
//! beside its final one, fsynced, renamed, and its directory fsynced, so a
//! crash or a full disk halfway leaves a `.part` file (which nothing reads
//! as a backup) and never half a backup under a backup's name.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// The suffix of a file still being written.
pub const PART: &str = ".part";

/// Where `target` is written before it is complete: `<target>.part`.
pub fn part_path(target: &Path) -> PathBuf {
    let mut name: OsString = target.file_name().unwrap_or_default().to_os_string();
    name.push(PART);
    target.with_file_name(name)
}

/// Create `path` empty, readable and writable by this user alone (a backup
/// holds personal records), replacing a stale one.
pub fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    make_private(path)?;
    Ok(file)
}

/// Mode 0600 for `path`, whatever it had (a stale file's, or the source's
/// after `std::fs::copy`).
pub fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Make what was written to `path` durable.
pub fn sync(path: &Path) -> std::io::Result<()> {
    File::open(path)?.sync_all()
}

/// Rename the complete `part` to `target` and make the rename durable.
pub fn publish(part: &Path, target: &Path) -> std::io::Result<()> {
    std::fs::rename(part, target)?;
    sync_dir(target)
}

/// fsync the directory holding `path`, so a rename or a new file in it
/// survives a power cut.
pub fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_file_sits_beside_its_target_and_becomes_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("qunjian-1.db");
        let part = part_path(&target);
        assert_eq!(part, dir.path().join("qunjian-1.db.part"));
        std::fs::write(&part, b"stale").expect("stale part");
        drop(create_private(&part).expect("create"));
        assert_eq!(
            std::fs::read(&part).expect("read"),
            b"",
            "a stale part is replaced"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&part).expect("stat").permissions().mode();
            assert_eq!(mode & 0o077, 0, "private: {mode:o}");
        }
        sync(&part).expect("sync");
        publish(&part, &target).expect("publish");
        assert!(target.exists() && !part.exists());
    }
}
