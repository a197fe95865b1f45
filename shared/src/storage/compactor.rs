//! Compaction in the background: a document's rows folded into one
//! snapshot, off samod's document actor.
//!
//! Why here: samod-core writes one incremental row per change. Folding
//! them into a snapshot bounds how many rows a load reads and how big the
//! file grows, but it costs a full `Automerge::save()`, 1-3 s for a
//! township with 100,000 changes. Upstream samod-core ran that save inside
//! the document's actor, so nothing else happened to the document (sync
//! included) while it ran. Our vendored samod-core only appends, and this
//! thread compacts instead, on its own connection, while the actor goes on.
//!
//! How it stays safe without talking to samod:
//! - It reads every row of the document in ONE statement (a consistent
//!   snapshot of the file), loads them into a fresh `Automerge`, and saves
//!   that as `<doc>/snapshot/<hash of heads>`, the key samod-core uses.
//! - It then asks the writer to put the snapshot and delete exactly the
//!   rows it read and found inside it, in one transaction. Rows committed
//!   after its read are not deleted; a row that did not load (or a change
//!   whose dependencies are missing, which `save()` would leave out) is
//!   kept. So every change in the file before the commit is in the file
//!   after it.
//! - samod-core loads a document with one range read too (a vendored
//!   patch), so a load sees the rows from before the commit or from after
//!   it, never half of each.
//!
//! When: the writer tells this thread how many incremental bytes and rows
//! each commit added per document, and a document is compacted once its
//! incrementals outweigh its snapshot (at least `min_incremental_bytes`) or
//! number more than `max_rows`: write amplification stays about 2x and a
//! load reads a bounded number of rows. On open the thread counts what the
//! file already holds, so a document left with many rows is compacted too.

use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use automerge::{Automerge, ChangeHash, LoadOptions, OnPartialLoad, VerificationMode};
use crossbeam_channel::{Receiver, Sender, select};
use futures::channel::oneshot;
use rusqlite::Connection;
use samod::storage::StorageKey;
use sha2::Digest;

use super::durable::Durable;
use super::health::HealthState;
use super::writer::WriteOp;
use super::{StorageError, sqlite};

/// When a document is due (see the module comment). `Default` is what
/// production uses; tests lower it to compact small documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactionPolicy {
    /// Incremental bytes a document may hold before it is compacted, when
    /// its snapshot is smaller than this. Default 64 KiB.
    pub min_incremental_bytes: u64,
    /// Incremental rows a document may hold before it is compacted, however
    /// small they are. Default 4096.
    pub max_rows: u64,
}

impl Default for CompactionPolicy {
    fn default() -> Self {
        CompactionPolicy {
            min_incremental_bytes: 64 * 1024,
            max_rows: 4096,
        }
    }
}

/// What the file holds of one document, as far as this thread knows.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DocRows {
    pub snapshot_bytes: u64,
    pub incremental_bytes: u64,
    pub incremental_rows: u64,
}

impl CompactionPolicy {
    /// Whether a document holding `rows` should be compacted now.
    pub(crate) fn due(&self, rows: &DocRows) -> bool {
        rows.incremental_rows > 0
            && (rows.incremental_bytes > rows.snapshot_bytes.max(self.min_incremental_bytes)
                || rows.incremental_rows > self.max_rows)
    }
}

/// Incremental rows one commit added to one document, told by the writer.
#[derive(Debug)]
pub(crate) struct Appended {
    pub doc: String,
    pub bytes: u64,
    pub rows: u64,
}

/// Ends the compactor thread when dropped (with the storage's last handle),
/// which then lets go of its writer channel so the writer can drain and exit.
#[derive(Debug)]
pub(crate) struct StopOnDrop(#[allow(dead_code)] Sender<()>);

/// Starts the compactor thread on `conn` (a reader connection). Returns
/// where the writer tells it what it appended, and the guard that stops it.
pub(crate) fn spawn(
    conn: Connection,
    path: PathBuf,
    policy: CompactionPolicy,
    writes: Sender<WriteOp>,
    appended: Receiver<Appended>,
    health: Arc<HealthState>,
    durable: Arc<Durable>,
) -> Result<StopOnDrop, StorageError> {
    let (stop_tx, stop) = crossbeam_channel::bounded::<()>(0);
    let compactor = Compactor {
        conn,
        path: path.clone(),
        policy,
        writes,
        appended,
        stop,
        health,
        durable,
        docs: HashMap::new(),
    };
    std::thread::Builder::new()
        .name("qunjian-sqlite-compactor".into())
        .spawn(move || compactor.run())
        .map_err(|source| StorageError::Thread { path, source })?;
    Ok(StopOnDrop(stop_tx))
}

struct Compactor {
    conn: Connection,
    path: PathBuf,
    policy: CompactionPolicy,
    writes: Sender<WriteOp>,
    appended: Receiver<Appended>,
    stop: Receiver<()>,
    health: Arc<HealthState>,
    durable: Arc<Durable>,
    docs: HashMap<String, DocRows>,
}

impl Compactor {
    fn run(mut self) {
        match count_rows(&self.conn) {
            Ok(docs) => self.docs = docs,
            Err(e) => {
                // Not fatal: documents are still compacted once they grow.
                tracing::warn!(path = %self.path.display(), error = %e, "could not count stored rows for compaction");
            }
        }
        loop {
            while let Some(doc) = self.next_due() {
                if self.stopped() {
                    return;
                }
                self.compact(&doc);
            }
            select! {
                recv(self.stop) -> _ => return,
                recv(self.appended) -> msg => match msg {
                    Ok(a) => self.note(a),
                    Err(_) => return,
                },
            }
            while let Ok(a) = self.appended.try_recv() {
                self.note(a);
            }
        }
    }

    fn stopped(&self) -> bool {
        // `bounded(0)` never holds a message: only a disconnect (the guard
        // dropped) ends the wait.
        matches!(
            self.stop.try_recv(),
            Err(crossbeam_channel::TryRecvError::Disconnected)
        )
    }

    fn note(&mut self, a: Appended) {
        let rows = self.docs.entry(a.doc).or_default();
        rows.incremental_bytes += a.bytes;
        rows.incremental_rows += a.rows;
    }

    fn next_due(&self) -> Option<String> {
        self.docs
            .iter()
            .find(|(_, rows)| self.policy.due(rows))
            .map(|(doc, _)| doc.clone())
    }

    /// Compacts `doc`, or leaves it as it is if that fails (logged; it is
    /// tried again after its next writes).
    fn compact(&mut self, doc: &str) {
        tracing::debug!(doc, "compacting a document's rows");
        let started = Instant::now();
        let outcome = self.try_compact(doc);
        let took_ms = started.elapsed().as_millis() as u64;
        match outcome {
            Ok(Some(done)) => {
                self.health.compacted(done.kept);
                // Info: a township compacts every few thousand changes, a
                // few times a day for a county, and an operator may want to
                // see them (and how long they take) next to sync.
                tracing::info!(
                    doc,
                    rows = done.folded,
                    kept = done.kept,
                    before = done.bytes_before,
                    after = done.rows.snapshot_bytes,
                    took_ms,
                    "compacted a document's rows into one snapshot"
                );
                self.docs.insert(doc.to_string(), done.rows);
            }
            Ok(None) => {
                // Nothing to fold (the counts were stale): count afresh.
                self.docs.remove(doc);
            }
            Err(e) => {
                tracing::warn!(doc, error = %e, "compaction failed; the rows stay as they are");
                // Forget the counts: the document is tried again once its
                // new writes make it due, not in a tight loop.
                self.docs.remove(doc);
            }
        }
    }

    fn try_compact(&self, doc: &str) -> Result<Option<Compacted>, CompactError> {
        let prefix = StorageKey::from_parts([doc]).map_err(|_| CompactError::BadKey)?;
        let stored = sqlite::load_range(&self.conn, &prefix)?;
        let plan = fold(doc, stored);
        if plan.superseded.is_empty() {
            return Ok(None);
        }
        let Folded {
            key,
            snapshot,
            heads,
            superseded,
            kept,
            bytes_before,
        } = plan;
        if self.stopped() {
            // The storage closed while we folded: write nothing after the
            // last handle is gone.
            return Ok(None);
        }
        let folded = superseded.len();
        let old_snapshots: Vec<String> = superseded
            .iter()
            .filter(|k| k.split('/').nth(1) == Some("snapshot"))
            .cloned()
            .collect();
        let (done, rx) = oneshot::channel();
        self.health.write_queued();
        let snapshot_bytes = snapshot.len() as u64;
        let op = WriteOp::Compact {
            key: key.clone(),
            snapshot,
            superseded,
            done,
        };
        if self.writes.send(op).is_err() {
            self.health.writes_done(1);
            return Err(CompactError::WriterGone);
        }
        // The writer retries until it commits, like every write.
        futures::executor::block_on(rx).map_err(|_| CompactError::WriterGone)?;
        self.durable.snapshot_written(key, heads, &old_snapshots);
        Ok(Some(Compacted {
            folded,
            kept,
            bytes_before,
            // Kept rows (they did not load) do not count towards the next
            // compaction, or a document with many of them would be due
            // again at once, and forever.
            rows: DocRows {
                snapshot_bytes,
                ..DocRows::default()
            },
        }))
    }
}

struct Compacted {
    folded: usize,
    kept: usize,
    bytes_before: u64,
    rows: DocRows,
}

#[derive(Debug, thiserror::Error)]
enum CompactError {
    #[error("reading the rows: {0}")]
    Read(#[from] rusqlite::Error),
    #[error("the document id is not a storage key")]
    BadKey,
    #[error("the writer thread is gone")]
    WriterGone,
}

/// What a compaction writes: the snapshot and the rows it replaces.
#[derive(Debug)]
pub(crate) struct Folded {
    pub key: String,
    pub snapshot: Vec<u8>,
    pub heads: Vec<ChangeHash>,
    /// Rows whose every change is in `snapshot`.
    pub superseded: Vec<String>,
    /// Rows left alone (they did not load, or their change's dependencies
    /// are missing).
    pub kept: usize,
    pub bytes_before: u64,
}

/// Folds `stored` (every row of document `doc`) into one snapshot. Pure:
/// no IO, so the safety rules are tested on plain rows.
///
/// A row is superseded only if everything in it is in the snapshot: an
/// incremental row if the change its key names is in the document, a
/// snapshot row if it loaded whole (the first into the empty document,
/// which fails loudly; any further one on its own, strictly, and merged).
pub(crate) fn fold(doc: &str, stored: HashMap<StorageKey, Vec<u8>>) -> Folded {
    let mut am = Automerge::new();
    let mut superseded = Vec::new();
    let mut kept = 0;
    let mut bytes_before = 0u64;
    let mut changes: Vec<(String, Option<ChangeHash>, Vec<u8>)> = Vec::new();
    for (key, value) in stored {
        let text = sqlite::key_text(&key);
        bytes_before += value.len() as u64;
        match row_kind(&key) {
            RowKind::Snapshot => {
                if load_snapshot(&mut am, &value) {
                    superseded.push(text);
                } else {
                    tracing::warn!(key = %text, "a snapshot row does not load; compaction keeps it");
                    kept += 1;
                }
            }
            RowKind::Incremental(hash) => changes.push((text, hash, value)),
            RowKind::Other => kept += 1,
        }
    }
    // One call for every change: Automerge applies them as one batch (one
    // call per row is quadratic). A damaged row ends the joined load early,
    // so rows whose change did not arrive are tried one by one after.
    let joined: Vec<u8> = changes
        .iter()
        .flat_map(|(_, _, v)| v.iter().copied())
        .collect();
    let _ = am.load_incremental(&joined);
    drop(joined);
    let arrived = |am: &Automerge, hash: &Option<ChangeHash>| {
        hash.is_some_and(|h| crate::history::has_change(am, &h))
    };
    for (text, hash, value) in &changes {
        if !arrived(&am, hash) && am.load_incremental(value).is_err() {
            tracing::warn!(key = %text, "a stored row does not load; compaction keeps it");
        }
    }
    for (text, hash, _) in changes {
        // A change with missing dependencies waits in Automerge's queue and
        // `save()` leaves it out: keep its row.
        if arrived(&am, &hash) {
            superseded.push(text);
        } else {
            kept += 1;
        }
    }
    let snapshot = am.save();
    let heads = am.get_heads();
    let key = format!("{doc}/snapshot/{}", compaction_hash(&heads));
    superseded.retain(|k| *k != key);
    Folded {
        key,
        snapshot,
        heads,
        superseded,
        kept,
        bytes_before,
    }
}

/// Loads a snapshot row into `am`; `true` if all of it is there.
fn load_snapshot(am: &mut Automerge, value: &[u8]) -> bool {
    if am.is_empty() {
        // The empty document's path is `Automerge::load`, which fails on a
        // damaged document chunk rather than keep part of it.
        return am.load_incremental(value).is_ok();
    }
    let strict = LoadOptions::new()
        .on_partial_load(OnPartialLoad::Error)
        .verification_mode(VerificationMode::Check);
    match Automerge::load_with_options(value, strict) {
        Ok(mut other) => am.merge(&mut other).is_ok(),
        Err(_) => false,
    }
}

enum RowKind {
    Snapshot,
    /// The change hash the key names, if it parses.
    Incremental(Option<ChangeHash>),
    Other,
}

fn row_kind(key: &StorageKey) -> RowKind {
    let text = key.to_string();
    let mut parts = text.split('/');
    let (_, kind, last) = (parts.next(), parts.next(), parts.next());
    match (kind, last, parts.next()) {
        (Some("snapshot"), Some(_), None) => RowKind::Snapshot,
        (Some("incremental"), Some(h), None) => RowKind::Incremental(ChangeHash::from_str(h).ok()),
        _ => RowKind::Other,
    }
}

/// samod-core's `CompactionHash`: SHA-256 over the heads' bytes, in hex, so
/// our snapshot keys look like the ones it wrote.
fn compaction_hash(heads: &[ChangeHash]) -> String {
    let mut hasher = sha2::Sha256::new();
    for h in heads {
        hasher.update(h.as_ref());
    }
    hex::encode(hasher.finalize())
}

/// Per document, what the file holds now: read once when the storage
/// opens. `length(value)` comes from the row header, so this reads no
/// values.
fn count_rows(conn: &Connection) -> rusqlite::Result<HashMap<String, DocRows>> {
    let mut stmt = conn.prepare("SELECT key, length(value) FROM samod_kv")?;
    let mut rows = stmt.query([])?;
    let mut docs: HashMap<String, DocRows> = HashMap::new();
    while let Some(row) = rows.next()? {
        let Ok(key) = row.get::<_, String>(0) else {
            continue;
        };
        let len = row.get::<_, Option<i64>>(1)?.unwrap_or(0).max(0) as u64;
        let mut parts = key.split('/');
        let (Some(doc), Some(kind)) = (parts.next(), parts.next()) else {
            continue;
        };
        let entry = docs.entry(doc.to_string()).or_default();
        match kind {
            "snapshot" => entry.snapshot_bytes += len,
            "incremental" => {
                entry.incremental_bytes += len;
                entry.incremental_rows += 1;
            }
            _ => {}
        }
    }
    Ok(docs)
}
