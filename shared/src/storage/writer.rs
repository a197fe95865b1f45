//! The one writer thread, and group commit.
//!
//! Why one thread: SQLite allows one writer at a time anyway, and with
//! `synchronous=FULL` each commit costs an fsync (milliseconds). If every
//! `put` ran its own transaction, a burst of changes (a township syncing a
//! day of edits) would cost one fsync each. Instead every write goes through
//! a channel to this thread, which blocks for the first one, takes whatever
//! else has queued meanwhile (up to `max_batch`), applies them in order in
//! ONE transaction and commits once; only then are the callers' futures
//! resolved, so "resolved" still means "durable".
//!
//! Why retry forever: samod's `Storage::put` cannot return an error, and a
//! write samod believes stored but which is not is silent data loss. So a
//! failed commit is rolled back, logged, reported through `HealthState`, and
//! the same batch is retried with exponential backoff until it succeeds. The
//! futures stay pending meanwhile, which is the honest answer. A write SQLite
//! keeps refusing (say, a trigger some admin added) therefore holds back
//! every write queued behind it until the cause is removed; committing the
//! others around it would reorder writes samod issued in sequence, and
//! `/healthz` shows the stall (`ok: false`, `last_error`, `pending_writes`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use futures::channel::oneshot;
use rusqlite::Connection;

use super::compactor::Appended;
use super::durable::{Durable, incremental};
use super::health::HealthState;
use super::sqlite::{DELETE, UPSERT};
use super::{CommitAttempt, CommitObserver, StorageError, StorageOptions};

/// First wait after a failed commit; doubled after each further failure.
const INITIAL_BACKOFF: Duration = Duration::from_millis(50);
/// Longest wait between attempts: short enough that recovery (space freed,
/// lock released) is noticed within seconds.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// One request to the writer thread. `done` is resolved after the commit
/// that made the write durable (or, for a barrier, after everything queued
/// before it was committed).
pub(crate) enum WriteOp {
    Put {
        key: String,
        value: Vec<u8>,
        done: oneshot::Sender<()>,
    },
    Delete {
        key: String,
        done: oneshot::Sender<()>,
    },
    /// The compactor's fold of a document: put `snapshot` under `key` and
    /// delete the `superseded` rows it holds, in the same transaction, so
    /// no moment of the file lacks them both.
    Compact {
        key: String,
        snapshot: Vec<u8>,
        superseded: Vec<String>,
        done: oneshot::Sender<()>,
    },
    /// `SqliteStorage::flush`: writes nothing, but the channel is FIFO and a
    /// batch is committed before its ops are resolved, so when a barrier
    /// resolves everything sent before it is durable.
    Barrier { done: oneshot::Sender<()> },
}

impl WriteOp {
    fn is_write(&self) -> bool {
        !matches!(self, WriteOp::Barrier { .. })
    }

    fn key(&self) -> Option<&str> {
        match self {
            WriteOp::Put { key, .. }
            | WriteOp::Delete { key, .. }
            | WriteOp::Compact { key, .. } => Some(key),
            WriteOp::Barrier { .. } => None,
        }
    }

    fn resolve(self) {
        let done = match self {
            WriteOp::Put { done, .. }
            | WriteOp::Delete { done, .. }
            | WriteOp::Compact { done, .. }
            | WriteOp::Barrier { done } => done,
        };
        // The caller may have dropped its future; the write is durable anyway.
        let _ = done.send(());
    }
}

/// Starts the writer thread on `conn` and returns the channel to feed it.
/// The thread exits once every sender is dropped and the queue is drained:
/// crossbeam delivers messages sent before the disconnect, so dropping the
/// last `SqliteStorage` still commits everything it queued.
pub(crate) fn spawn(
    conn: Connection,
    path: PathBuf,
    opts: &StorageOptions,
    health: Arc<HealthState>,
    durable: Arc<Durable>,
) -> Result<(Sender<WriteOp>, Receiver<Appended>), StorageError> {
    let (tx, rx) = crossbeam_channel::unbounded();
    let (appended_tx, appended) = crossbeam_channel::unbounded();
    let writer = Writer {
        conn,
        path: path.clone(),
        rx,
        health,
        durable,
        appended: appended_tx,
        observer: opts.on_commit.clone(),
        batch_limit: if opts.group_commit {
            opts.max_batch.max(1)
        } else {
            1
        },
    };
    std::thread::Builder::new()
        .name("qunjian-sqlite-writer".into())
        .spawn(move || writer.run())
        .map_err(|source| StorageError::Thread { path, source })?;
    Ok((tx, appended))
}

struct Writer {
    conn: Connection,
    path: PathBuf,
    rx: Receiver<WriteOp>,
    health: Arc<HealthState>,
    /// Told what each commit made durable, for sync replies held on it.
    durable: Arc<Durable>,
    /// Told what each attempt took.
    observer: Option<CommitObserver>,
    /// Tells the compactor what each commit appended. Nobody may listen
    /// (compaction off): sends then fail, which is fine.
    appended: Sender<Appended>,
    batch_limit: usize,
}

impl Writer {
    fn run(self) {
        let mut batch = Vec::with_capacity(self.batch_limit);
        while let Ok(first) = self.rx.recv() {
            batch.push(first);
            while batch.len() < self.batch_limit {
                match self.rx.try_recv() {
                    Ok(op) => batch.push(op),
                    Err(_) => break,
                }
            }
            let writes = batch.iter().filter(|op| op.is_write()).count();
            if writes > 0 {
                self.commit_with_retry(&batch, writes);
                self.durable.committed(&batch);
                self.tell_compactor(&batch);
            }
            // Count them done before waking the callers, so a caller that
            // looks at `health()` right after its put sees it committed.
            self.health.writes_done(writes);
            for op in batch.drain(..) {
                op.resolve();
            }
        }
        tracing::debug!(path = %self.path.display(), "SQLite writer drained its queue and exits");
    }

    /// The incremental rows `batch` added, summed per document.
    fn tell_compactor(&self, batch: &[WriteOp]) {
        let mut per_doc: HashMap<&str, (u64, u64)> = HashMap::new();
        for op in batch {
            if let WriteOp::Put { key, value, .. } = op
                && let Some((doc, _)) = incremental(key)
            {
                let e = per_doc.entry(doc).or_default();
                e.0 += value.len() as u64;
                e.1 += 1;
            }
        }
        for (doc, (bytes, rows)) in per_doc {
            let _ = self.appended.send(Appended {
                doc: doc.to_string(),
                bytes,
                rows,
            });
        }
    }

    /// Returns only once `batch` is committed.
    fn commit_with_retry(&self, batch: &[WriteOp], writes: usize) {
        let mut backoff = INITIAL_BACKOFF;
        let mut attempt: u64 = 1;
        loop {
            let started = std::time::Instant::now();
            let result = self.try_commit(batch);
            let took = started.elapsed();
            if let Some(observer) = &self.observer {
                observer.tell(match result {
                    Ok(()) => CommitAttempt::Committed { writes, took },
                    Err(_) => CommitAttempt::Failed { writes, took },
                });
            }
            match result {
                Ok(()) => {
                    if attempt > 1 {
                        tracing::info!(
                            path = %self.path.display(),
                            keys = writes,
                            attempts = attempt,
                            "SQLite commit succeeded after retrying; storage healthy again"
                        );
                    }
                    self.health.commit_succeeded();
                    return;
                }
                Err(e) => {
                    self.rollback();
                    let first_key = batch.iter().find_map(WriteOp::key).unwrap_or("");
                    tracing::error!(
                        path = %self.path.display(),
                        keys = writes,
                        first_key,
                        attempt,
                        retry_in_ms = backoff.as_millis() as u64,
                        error = %e,
                        "SQLite commit failed; rolled back, the same batch will be retried"
                    );
                    self.health
                        .commit_failed(format!("commit of {writes} key(s) failed: {e}"));
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    attempt += 1;
                }
            }
        }
    }

    /// One transaction for the whole batch, applied in queue order so a put
    /// followed by a delete of the same key ends deleted.
    fn try_commit(&self, batch: &[WriteOp]) -> rusqlite::Result<()> {
        // IMMEDIATE takes the write lock up front (waiting up to the busy
        // timeout) instead of failing halfway through the batch.
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        {
            let mut put = self.conn.prepare_cached(UPSERT)?;
            let mut delete = self.conn.prepare_cached(DELETE)?;
            for op in batch {
                match op {
                    WriteOp::Put { key, value, .. } => {
                        put.execute(rusqlite::params![key, value])?;
                    }
                    WriteOp::Delete { key, .. } => {
                        delete.execute([key])?;
                    }
                    WriteOp::Compact {
                        key,
                        snapshot,
                        superseded,
                        ..
                    } => {
                        put.execute(rusqlite::params![key, snapshot])?;
                        for old in superseded {
                            delete.execute([old])?;
                        }
                    }
                    WriteOp::Barrier { .. } => {}
                }
            }
        }
        self.conn.execute_batch("COMMIT")
    }

    /// After a failure the transaction may still be open (a failed COMMIT
    /// under SQLITE_BUSY leaves it so) or already rolled back by SQLite
    /// (disk full); only roll back what is still open.
    fn rollback(&self) {
        if !self.conn.is_autocommit()
            && let Err(e) = self.conn.execute_batch("ROLLBACK")
        {
            tracing::error!(path = %self.path.display(), error = %e, "SQLite rollback failed");
        }
    }
}
