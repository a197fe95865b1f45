//! The storage: how long each group commit (transaction and fsync) took,
//! how many failed, how many writes they made durable, and, read from its
//! health when scraped, the writes waiting and whether writes work at all.
//! The commit figures come from the writer thread through a
//! `CommitObserver`; the histogram's buckets span a fast SSD's fsync
//! (a fraction of a millisecond) to a busy disk's (seconds). The disk's
//! free space and the database's size are read when scraped, since a full
//! disk is the likeliest reason for commits to fail.

use std::path::Path;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use qunjian_shared::{CommitAttempt, CommitObserver, StorageHealth};

/// The storage's figures.
#[derive(Debug, Clone)]
pub struct Storage {
    commit_seconds: Histogram,
    failures: Counter,
    writes: Counter,
    pending: Gauge,
    ok: Gauge,
    disk_free: Gauge,
    disk_size: Gauge,
    database: Gauge,
    compactions: Counter,
    not_loadable: Gauge,
}

/// The data directory's file system and the database's files, at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskStats {
    /// Bytes free for the server's user on the data directory's file system.
    pub free_bytes: u64,
    /// That file system's size in bytes.
    pub size_bytes: u64,
    /// `qunjian.db` and its `-wal`, in bytes.
    pub database_bytes: u64,
}

impl DiskStats {
    /// Read them for the database at `db_path`; `None` if the file system
    /// cannot be asked.
    pub fn read(db_path: &Path) -> Option<DiskStats> {
        use std::os::unix::ffi::OsStrExt;
        let dir = db_path.parent()?;
        let c_dir = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
        // SAFETY: statvfs writes only into the zeroed struct passed, and
        // reads the NUL-terminated path.
        let mut fs: libc::statvfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::statvfs(c_dir.as_ptr(), &mut fs) } != 0 {
            return None;
        }
        // The field types differ between platforms (32 bits on some).
        #[allow(clippy::unnecessary_cast)]
        let (block, avail, blocks) = (fs.f_frsize as u64, fs.f_bavail as u64, fs.f_blocks as u64);
        let size_of = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
        let mut wal = db_path.as_os_str().to_owned();
        wal.push("-wal");
        Some(DiskStats {
            free_bytes: avail.saturating_mul(block),
            size_bytes: blocks.saturating_mul(block),
            database_bytes: size_of(db_path) + size_of(Path::new(&wal)),
        })
    }
}

impl Storage {
    pub(super) fn register(registry: &mut Registry) -> Self {
        let s = Storage {
            // 0.25 ms … about 8 s.
            commit_seconds: Histogram::new(exponential_buckets(0.000_25, 2.0, 16)),
            failures: Counter::default(),
            writes: Counter::default(),
            pending: Gauge::default(),
            ok: Gauge::default(),
            disk_free: Gauge::default(),
            disk_size: Gauge::default(),
            database: Gauge::default(),
            compactions: Counter::default(),
            not_loadable: Gauge::default(),
        };
        registry.register_with_unit(
            "storage_commit",
            "Time of each successful group commit (transaction and fsync)",
            Unit::Seconds,
            s.commit_seconds.clone(),
        );
        registry.register(
            "storage_commit_failures",
            "Commit attempts that failed and will be retried (disk full, I/O error, lock held too long)",
            s.failures.clone(),
        );
        registry.register(
            "storage_writes",
            "Writes (document rows put or deleted) made durable",
            s.writes.clone(),
        );
        registry.register(
            "storage_pending_writes",
            "Writes accepted but not yet durable",
            s.pending.clone(),
        );
        registry.register(
            "storage_ok",
            "1 while writes commit, 0 while they fail and are retried (then /healthz answers 503)",
            s.ok.clone(),
        );
        registry.register_with_unit(
            "data_dir_free",
            "Space free for the server on the data directory's file system",
            Unit::Bytes,
            s.disk_free.clone(),
        );
        registry.register_with_unit(
            "data_dir_size",
            "Size of the data directory's file system",
            Unit::Bytes,
            s.disk_size.clone(),
        );
        registry.register_with_unit(
            "database",
            "Size of qunjian.db and its write-ahead log",
            Unit::Bytes,
            s.database.clone(),
        );
        registry.register(
            "storage_compactions",
            "Documents whose rows were folded into one snapshot, in the background",
            s.compactions.clone(),
        );
        registry.register(
            "storage_rows_not_loadable",
            "Rows the last compaction kept because they did not load (not 0: a damaged row, see the log)",
            s.not_loadable.clone(),
        );
        s
    }

    /// What the storage's writer thread calls after each attempt.
    pub fn observer(&self) -> CommitObserver {
        let s = self.clone();
        CommitObserver::new(move |attempt| match attempt {
            CommitAttempt::Committed { writes, took } => {
                s.commit_seconds.observe(took.as_secs_f64());
                s.writes.inc_by(writes as u64);
            }
            CommitAttempt::Failed { .. } => {
                s.failures.inc();
            }
        })
    }

    pub(super) fn set_disk(&self, disk: &DiskStats) {
        let i = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.disk_free.set(i(disk.free_bytes));
        self.disk_size.set(i(disk.size_bytes));
        self.database.set(i(disk.database_bytes));
    }

    pub(super) fn set_health(&self, health: &StorageHealth) {
        self.pending
            .set(i64::try_from(health.pending_writes).unwrap_or(i64::MAX));
        self.ok.set(i64::from(health.ok));
        // The storage counts; the counter only ever catches up with it.
        self.compactions
            .inc_by(health.compactions.saturating_sub(self.compactions.get()));
        self.not_loadable
            .set(i64::try_from(health.rows_not_loadable).unwrap_or(i64::MAX));
    }
}
