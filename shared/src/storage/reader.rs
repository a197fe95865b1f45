//! The reader threads: SQLite calls are blocking, and samod awaits
//! `load`/`load_range` on the async runtime, so reads run on a small pool of
//! plain threads (each with its own connection; WAL lets them read while
//! the writer writes) and answer through a oneshot channel.
//!
//! A failed read cannot be reported to samod (the trait has no error), so
//! it is logged, counted in `HealthState` and answered as "nothing there".
//! That does not lose data: samod only deletes keys it has loaded, and it
//! fetches a document it cannot find locally from its peers.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use automerge::ChangeHash;
use crossbeam_channel::{Receiver, Sender};
use futures::channel::oneshot;
use rusqlite::Connection;
use samod::storage::StorageKey;

use super::durable::Durable;
use super::health::HealthState;
use super::{StorageError, StorageOptions, sqlite};

/// One read request and where to send its answer.
pub(crate) enum ReadJob {
    Load {
        key: StorageKey,
        reply: oneshot::Sender<Option<Vec<u8>>>,
    },
    Range {
        prefix: StorageKey,
        reply: oneshot::Sender<HashMap<StorageKey, Vec<u8>>>,
    },
    /// Whether the file holds these heads of a document (`durable.rs`).
    Holds {
        doc: String,
        heads: Vec<ChangeHash>,
        reply: oneshot::Sender<bool>,
    },
}

/// Opens `opts.readers` connections (at least one) and starts one thread on
/// each, all fed by the returned channel. The threads exit when it is
/// dropped.
pub(crate) fn spawn_pool(
    path: &Path,
    opts: &StorageOptions,
    health: &Arc<HealthState>,
    durable: &Arc<Durable>,
) -> Result<Sender<ReadJob>, StorageError> {
    let (tx, rx) = crossbeam_channel::unbounded();
    for i in 0..opts.readers.max(1) {
        let conn = sqlite::open_reader(path, opts.busy_timeout)?;
        let rx = rx.clone();
        let health = Arc::clone(health);
        let durable = Arc::clone(durable);
        std::thread::Builder::new()
            .name(format!("qunjian-sqlite-reader-{i}"))
            .spawn(move || run(conn, rx, health, durable))
            .map_err(|source| StorageError::Thread {
                path: path.to_path_buf(),
                source,
            })?;
    }
    Ok(tx)
}

fn run(conn: Connection, rx: Receiver<ReadJob>, health: Arc<HealthState>, durable: Arc<Durable>) {
    while let Ok(job) = rx.recv() {
        match job {
            ReadJob::Load { key, reply } => {
                let value = sqlite::load(&conn, &key).unwrap_or_else(|e| {
                    tracing::error!(%key, error = %e, "SQLite load failed; answering 'not found'");
                    health.read_failed(format!("load of {key} failed: {e}"));
                    None
                });
                // The caller may have stopped waiting; nothing to do then.
                let _ = reply.send(value);
            }
            ReadJob::Range { prefix, reply } => {
                let values = sqlite::load_range(&conn, &prefix).unwrap_or_else(|e| {
                    tracing::error!(%prefix, error = %e, "SQLite load_range failed; answering 'empty'");
                    health.read_failed(format!("load_range of '{prefix}' failed: {e}"));
                    HashMap::new()
                });
                let _ = reply.send(values);
            }
            ReadJob::Holds { doc, heads, reply } => {
                // A failed read proves nothing: answer "not yet", and the
                // caller asks again after the next commit.
                let holds = durable.in_file(&conn, &doc, &heads).unwrap_or_else(|e| {
                    tracing::error!(%doc, error = %e, "SQLite read of stored heads failed");
                    health.read_failed(format!("read of stored heads of {doc} failed: {e}"));
                    false
                });
                let _ = reply.send(holds);
            }
        }
    }
}
