//! Tuning knobs of `SqliteStorage`, kept apart so callers can see every knob
//! and its default in one place.

use std::time::Duration;

use super::{CommitObserver, CompactionPolicy};

/// How a [`SqliteStorage`](super::SqliteStorage) writes and waits.
///
/// `StorageOptions::default()` is what production uses; the fields exist so
/// the benchmark can compare group commit against one transaction per write
/// and so tests can shorten timeouts.
#[derive(Debug, Clone)]
pub struct StorageOptions {
    /// Group whatever writes are queued together into one transaction (one
    /// fsync) instead of one transaction per write. Default `true`. With
    /// `synchronous=FULL` every commit costs an fsync, so this is the
    /// difference between hundreds and tens of thousands of writes a second.
    pub group_commit: bool,
    /// The most writes committed in one transaction. Default 512: large
    /// enough to amortise the fsync, small enough that one transaction never
    /// holds the write lock long enough to starve the admin CLI.
    pub max_batch: usize,
    /// How long a connection waits for a lock another process holds (the
    /// admin CLI, a backup) before the attempt fails. Default 5 s. A write
    /// that still fails is retried (see `StorageHealth`), not dropped.
    pub busy_timeout: Duration,
    /// Number of reader threads, each with its own connection. Default 2:
    /// WAL lets readers run beside the writer, and samod's loads are few and
    /// small compared with its writes.
    pub readers: usize,
    /// Told what every commit attempt took (the server's metrics). Default
    /// none.
    pub on_commit: Option<CommitObserver>,
    /// When to fold a document's rows into one snapshot, in the background
    /// (`compactor.rs`). Default `Some(CompactionPolicy::default())`;
    /// `None` never compacts (rows then grow by one per change).
    pub compaction: Option<CompactionPolicy>,
}

impl Default for StorageOptions {
    fn default() -> Self {
        StorageOptions {
            group_commit: true,
            max_batch: 512,
            busy_timeout: Duration::from_secs(5),
            readers: 2,
            on_commit: None,
            compaction: Some(CompactionPolicy::default()),
        }
    }
}
