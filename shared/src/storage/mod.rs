//! Where samod keeps documents: one SQLite file per side (the county server,
//! each township device), shared with the tables other code keeps there.
//!
//! [`SqliteStorage`] implements samod's [`Storage`] (a key/value store with
//! prefix ranges) in one table, `samod_kv`. How it is put together, and why:
//!
//! - `sqlite.rs`: the SQL. WAL mode, `synchronous=FULL`, a busy timeout,
//!   and a range query that uses the primary key index.
//! - `writer.rs`: one writer thread with group commit, which retries a
//!   failed commit forever instead of dropping writes (the trait has no
//!   error channel).
//! - `reader.rs`: a few reader threads, so blocking SQLite reads never run
//!   on the async runtime.
//! - `compactor.rs`: a thread that folds a document's rows into one
//!   snapshot in the background, so samod's document actor never stops
//!   for a full `save()`.
//! - `durable.rs`: which changes of a document are in the file, so a
//!   server can hold a sync reply until the changes it names are (see
//!   [`SqliteStorage::holds`]).
//! - `health.rs`: what `/healthz` reports, since failures cannot be
//!   returned to samod.
//! - `observer.rs`: what each commit attempt took, for whoever counts it.
//! - `options.rs`, `error.rs`: the knobs, and what can go wrong when opening.

mod compactor;
mod durable;
mod error;
mod health;
mod observer;
mod options;
mod reader;
mod sqlite;
mod writer;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_compaction;
#[cfg(test)]
mod tests_durable;
#[cfg(test)]
mod tests_failures;
#[cfg(test)]
mod tests_samod;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use automerge::ChangeHash;
use crossbeam_channel::Sender;
use futures::channel::oneshot;
use samod::storage::{Storage, StorageKey};

pub use compactor::CompactionPolicy;
pub use error::StorageError;
pub use health::StorageHealth;
pub use observer::{CommitAttempt, CommitObserver};
pub use options::StorageOptions;

use durable::Durable;
use health::HealthState;
use reader::ReadJob;
use writer::WriteOp;

/// samod's [`Storage`] on a SQLite file, with group commit.
///
/// Cloning is cheap (an `Arc`): samod clones its storage into every document
/// actor, and all clones share one writer thread and one reader pool.
///
/// Writes (`put`, `delete`) resolve only once committed and fsynced. If a
/// commit fails they stay pending while the writer retries, and
/// [`health`](Self::health) reports it. Reads run on reader threads; a
/// failed read is logged, reported in `health().last_error`, and answered
/// as "not found" / empty.
///
/// Dropping the last clone lets the writer commit whatever is still queued
/// and exit, but does not wait for it: await [`flush`](Self::flush) before
/// the process exits.
#[derive(Clone)]
pub struct SqliteStorage {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writes: Sender<WriteOp>,
    reads: Sender<ReadJob>,
    health: Arc<HealthState>,
    durable: Arc<Durable>,
    /// Stops the compactor when the last handle goes (`None`: compaction
    /// off).
    _compactor: Option<compactor::StopOnDrop>,
}

impl SqliteStorage {
    /// Opens (creating if needed) the database at `path` with the default
    /// [`StorageOptions`]: group commit, 5 s busy timeout.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StorageError> {
        Self::open_with(path, StorageOptions::default())
    }

    /// Opens (creating if needed) the database at `path`, creating its
    /// directory and the `samod_kv` table if missing, switching the file to
    /// WAL mode, and starting the writer and reader threads.
    ///
    /// Fails if the directory or file cannot be created, the file is not a
    /// SQLite database, or WAL mode is unavailable. Other tables in the file
    /// are left alone.
    pub fn open_with(path: impl AsRef<Path>, opts: StorageOptions) -> Result<Self, StorageError> {
        let path = path.as_ref().to_path_buf();
        let health = Arc::new(HealthState::new());
        let durable = Arc::new(Durable::new());
        // The writer connection opens first: it creates the file, the table
        // and switches to WAL, which the reader connections then rely on.
        let conn = sqlite::open_writer(&path, opts.busy_timeout)?;
        let reads = reader::spawn_pool(&path, &opts, &health, &durable)?;
        let (writes, appended) = writer::spawn(
            conn,
            path.clone(),
            &opts,
            Arc::clone(&health),
            Arc::clone(&durable),
        )?;
        let compactor = match opts.compaction {
            Some(policy) => Some(compactor::spawn(
                sqlite::open_reader(&path, opts.busy_timeout)?,
                path.clone(),
                policy,
                writes.clone(),
                appended,
                Arc::clone(&health),
                Arc::clone(&durable),
            )?),
            None => None,
        };
        tracing::debug!(path = %path.display(), ?opts, "SQLite storage open");
        Ok(SqliteStorage {
            inner: Arc::new(Inner {
                path,
                writes,
                reads,
                health,
                durable,
                _compactor: compactor,
            }),
        })
    }

    /// A snapshot of the storage's health for `/healthz`. Never waits on
    /// SQLite.
    pub fn health(&self) -> StorageHealth {
        self.inner.health.snapshot()
    }

    /// Resolves once every write queued before this call is durable. Await
    /// it at shutdown, after the samod `Repo` has stopped. While writes are
    /// failing it stays pending like they do, so bound it with a timeout.
    pub fn flush(&self) -> impl Future<Output = ()> + Send + 'static {
        let (done, rx) = oneshot::channel();
        let sent = self.inner.writes.send(WriteOp::Barrier { done }).is_ok();
        if !sent {
            self.writer_gone("flush");
        }
        async move {
            if sent && rx.await.is_err() {
                tracing::error!("SQLite writer thread stopped before the flush completed");
            }
        }
    }

    /// Whether every one of `heads` of document `doc` (a document id, as in
    /// its keys), and so every change before them, is committed to the
    /// file. Answers from memory when it can, else on a reader thread; a
    /// failed read answers `false`.
    ///
    /// A server holds a sync message naming its heads until this is true
    /// (waiting on [`commits`](Self::commits) between checks), so that no
    /// peer hears of a change the file does not have.
    pub fn holds(
        &self,
        doc: &str,
        heads: Vec<ChangeHash>,
    ) -> impl Future<Output = bool> + Send + 'static {
        let known = self.inner.durable.known_all(doc, &heads);
        let asked = (!known).then(|| {
            let doc = doc.to_string();
            self.read(|reply| ReadJob::Holds { doc, heads, reply }, || false)
        });
        async move {
            match asked {
                None => true,
                Some(asked) => asked.await,
            }
        }
    }

    /// Changes after every commit: wait on it between [`holds`](Self::holds)
    /// checks. Mark it seen (`borrow_and_update`) before checking, so a
    /// commit between the check and the wait is not missed.
    pub fn commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.durable.commits()
    }

    /// The database file this storage was opened on.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Queues a write now (so writes reach the writer in call order, even
    /// if their futures are polled in another order) and returns a future
    /// that resolves once it is durable.
    fn write(
        &self,
        op: impl FnOnce(oneshot::Sender<()>) -> WriteOp,
    ) -> impl Future<Output = ()> + Send + 'static {
        let (done, rx) = oneshot::channel();
        self.inner.health.write_queued();
        let sent = self.inner.writes.send(op(done)).is_ok();
        if !sent {
            self.inner.health.writes_done(1);
            self.writer_gone("write");
        }
        async move {
            if sent && rx.await.is_err() {
                tracing::error!("SQLite writer thread stopped before confirming a write");
            }
        }
    }

    /// The writer thread cannot exit while a handle exists (it only stops
    /// when every sender is dropped), so this would be a bug, e.g. a panic
    /// in the thread. Report it loudly rather than panic here too.
    fn writer_gone(&self, what: &str) {
        tracing::error!(path = %self.inner.path.display(), what, "SQLite writer thread is gone; write NOT stored");
        self.inner
            .health
            .commit_failed(format!("writer thread is gone; a {what} was not stored"));
    }

    /// Sends a read to the reader pool; `fallback` answers if the pool is
    /// gone (which, like the writer, cannot happen while a handle exists).
    fn read<T: Send + 'static>(
        &self,
        job: impl FnOnce(oneshot::Sender<T>) -> ReadJob,
        fallback: fn() -> T,
    ) -> impl Future<Output = T> + Send + 'static {
        let (reply, rx) = oneshot::channel();
        // If the send fails the job, and with it `reply`, is dropped, so the
        // receiver below reports the failure.
        let _ = self.inner.reads.send(job(reply));
        async move {
            rx.await.unwrap_or_else(|_| {
                tracing::error!("SQLite reader threads are gone; answering 'not found'");
                fallback()
            })
        }
    }
}

/// Every row under `prefix` (a document's snapshots or incremental
/// changes), read on `conn` with the query the storage itself loads
/// documents with. For tools that must read a storage file without
/// opening it for writing, as [`SqliteStorage::open`] does: the server's
/// `verify` of a backup opens the file read-only.
pub fn read_range(
    conn: &rusqlite::Connection,
    prefix: &StorageKey,
) -> rusqlite::Result<HashMap<StorageKey, Vec<u8>>> {
    sqlite::load_range(conn, prefix)
}

impl Storage for SqliteStorage {
    fn load(&self, key: StorageKey) -> impl Future<Output = Option<Vec<u8>>> + Send {
        self.read(|reply| ReadJob::Load { key, reply }, || None)
    }

    fn load_range(
        &self,
        prefix: StorageKey,
    ) -> impl Future<Output = HashMap<StorageKey, Vec<u8>>> + Send {
        self.read(|reply| ReadJob::Range { prefix, reply }, HashMap::new)
    }

    fn put(&self, key: StorageKey, data: Vec<u8>) -> impl Future<Output = ()> + Send {
        let key = sqlite::key_text(&key);
        self.write(|done| WriteOp::Put {
            key,
            value: data,
            done,
        })
    }

    fn delete(&self, key: StorageKey) -> impl Future<Output = ()> + Send {
        let key = sqlite::key_text(&key);
        self.write(|done| WriteOp::Delete { key, done })
    }
}

impl fmt::Debug for SqliteStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStorage")
            .field("path", &self.inner.path)
            .field("health", &self.health())
            .finish()
    }
}
