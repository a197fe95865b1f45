//! What the storage tells `/healthz`, since its trait cannot return errors.
//!
//! samod's `Storage` methods return plain values, so a failing disk would
//! otherwise be invisible: writes would just never resolve. The writer and
//! the readers record what happens here (lock-free counters plus one small
//! mutex for the message) and `SqliteStorage::health` takes a snapshot
//! without waiting for any SQLite call.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// A snapshot of the storage's state, cheap to take and serialisable as the
/// storage part of `/healthz`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StorageHealth {
    /// `false` while writes are failing (the writer is retrying a batch it
    /// could not commit). Read failures do not clear it: a failed read is
    /// answered as "not found" and reported in `last_error`/`read_errors`,
    /// but nothing is waiting on it, whereas a failed write holds every
    /// later write back.
    pub ok: bool,
    /// Writes (puts and deletes) accepted but not yet committed.
    pub pending_writes: usize,
    /// Consecutive failed attempts to commit the current batch; 0 when the
    /// last commit succeeded.
    pub failed_attempts: u64,
    /// The most recent error, from a write or a read. Kept after recovery so
    /// an operator can still see what went wrong; `ok` says whether it still
    /// matters.
    pub last_error: Option<String>,
    /// Transactions committed since the storage was opened. With group
    /// commit this grows much more slowly than the number of writes.
    pub commits: u64,
    /// Reads that failed since the storage was opened.
    pub read_errors: u64,
    /// Documents compacted in the background since the storage was opened
    /// (each: its rows folded into one snapshot).
    pub compactions: u64,
    /// Rows compactions left alone because they did not load (logged as
    /// warnings when found). Not 0 means a damaged row to look into.
    pub rows_not_loadable: u64,
}

/// The live state behind [`StorageHealth`], shared by the handle, the writer
/// thread and the reader threads.
#[derive(Debug)]
pub(crate) struct HealthState {
    ok: AtomicBool,
    pending_writes: AtomicUsize,
    failed_attempts: AtomicU64,
    commits: AtomicU64,
    read_errors: AtomicU64,
    compactions: AtomicU64,
    rows_not_loadable: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl HealthState {
    pub(crate) fn new() -> Self {
        HealthState {
            ok: AtomicBool::new(true),
            pending_writes: AtomicUsize::new(0),
            failed_attempts: AtomicU64::new(0),
            commits: AtomicU64::new(0),
            read_errors: AtomicU64::new(0),
            compactions: AtomicU64::new(0),
            rows_not_loadable: AtomicU64::new(0),
            last_error: Mutex::new(None),
        }
    }

    pub(crate) fn snapshot(&self) -> StorageHealth {
        StorageHealth {
            ok: self.ok.load(Ordering::SeqCst),
            pending_writes: self.pending_writes.load(Ordering::SeqCst),
            failed_attempts: self.failed_attempts.load(Ordering::SeqCst),
            last_error: self.lock_last_error().clone(),
            commits: self.commits.load(Ordering::SeqCst),
            read_errors: self.read_errors.load(Ordering::SeqCst),
            compactions: self.compactions.load(Ordering::SeqCst),
            rows_not_loadable: self.rows_not_loadable.load(Ordering::SeqCst),
        }
    }

    /// A write was queued.
    pub(crate) fn write_queued(&self) {
        self.pending_writes.fetch_add(1, Ordering::SeqCst);
    }

    /// `n` queued writes were committed, or given up on because the writer
    /// is gone.
    pub(crate) fn writes_done(&self, n: usize) {
        // Saturating: a miscount must never wrap around to a huge number.
        let _ = self
            .pending_writes
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |p| {
                Some(p.saturating_sub(n))
            });
    }

    /// A batch committed: writes are healthy again.
    pub(crate) fn commit_succeeded(&self) {
        self.commits.fetch_add(1, Ordering::SeqCst);
        self.failed_attempts.store(0, Ordering::SeqCst);
        self.ok.store(true, Ordering::SeqCst);
    }

    /// A batch failed to commit and will be retried.
    pub(crate) fn commit_failed(&self, error: String) {
        *self.lock_last_error() = Some(error);
        self.failed_attempts.fetch_add(1, Ordering::SeqCst);
        self.ok.store(false, Ordering::SeqCst);
    }

    /// A compaction committed, leaving `kept` rows it could not fold.
    pub(crate) fn compacted(&self, kept: usize) {
        self.compactions.fetch_add(1, Ordering::SeqCst);
        self.rows_not_loadable.store(kept as u64, Ordering::SeqCst);
    }

    /// A read failed; it was answered as "nothing there".
    pub(crate) fn read_failed(&self, error: String) {
        *self.lock_last_error() = Some(error);
        self.read_errors.fetch_add(1, Ordering::SeqCst);
    }

    fn lock_last_error(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        // A panic while holding this lock cannot leave the Option half
        // written, so a poisoned lock is still safe to use.
        self.last_error.lock().unwrap_or_else(|e| e.into_inner())
    }
}
