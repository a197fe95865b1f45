//! Which changes of a document are in the file, so a server can hold a sync
//! message back until every change it names is committed.
//!
//! Why: a peer that hears the server's heads takes them as "the server has
//! these changes" (that is what `wait_synced`, `qunjian sync` and any
//! automerge-repo client go by). samod-core generates its reply as soon as
//! it has applied the changes, before the put it issued for them is
//! committed, so without a hold a device can be told "synced" one group
//! commit early, and for as long as the disk fails.
//!
//! How a head is known to be on disk: samod-core writes each change as a
//! row `<doc>/incremental/<change hash>`, and a compaction (`compactor.rs`)
//! a row `<doc>/snapshot/<hash of heads>` holding the whole document. A change
//! that is a head of the document now is on disk if its row is, or if it
//! is a head of a snapshot on disk (were it inside a snapshot without being
//! its head, a later change in that snapshot would depend on it, and it
//! would not be a head now). Its ancestors were queued before it, and the
//! writer commits in queue order, so they are on disk too.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard};

use automerge::{Automerge, ChangeHash};
use rusqlite::{Connection, OptionalExtension};
use tokio::sync::watch;

use super::writer::WriteOp;

/// Heads remembered per document before the memory is cleared (a check
/// then asks the file again): enough for every head a busy document shows
/// between two compactions, small enough not to grow for years.
const KNOWN_PER_DOC: usize = 4096;

/// What the storage knows is committed, shared by the handle, the writer
/// (which adds what it commits) and the readers (which look in the file).
#[derive(Debug)]
pub(crate) struct Durable {
    /// Changes seen committed, per document id.
    known: Mutex<HashMap<String, HashSet<ChangeHash>>>,
    /// The heads of each snapshot row read so far, by row key. A snapshot's
    /// key names its heads, so a row's heads never change.
    snapshot_heads: Mutex<HashMap<String, Vec<ChangeHash>>>,
    /// Counts commits, so a waiter checks again after each.
    commits: watch::Sender<u64>,
}

impl Durable {
    pub(crate) fn new() -> Self {
        Durable {
            known: Mutex::new(HashMap::new()),
            snapshot_heads: Mutex::new(HashMap::new()),
            commits: watch::Sender::new(0),
        }
    }

    /// A receiver that changes after every commit.
    pub(crate) fn commits(&self) -> watch::Receiver<u64> {
        self.commits.subscribe()
    }

    /// Called by the writer once `batch` is committed.
    pub(crate) fn committed(&self, batch: &[WriteOp]) {
        {
            let mut known = self.known();
            for op in batch {
                if let WriteOp::Put { key, .. } = op
                    && let Some((doc, hash)) = incremental(key)
                {
                    remember(&mut known, doc, [hash]);
                }
            }
        }
        self.commits.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Called by the compactor once the snapshot `key`, whose heads are
    /// `heads`, is committed, so a check never has to load it to learn
    /// them (a full load of a large document).
    /// `deleted` are the snapshot rows it replaced.
    pub(crate) fn snapshot_written(&self, key: String, heads: Vec<ChangeHash>, deleted: &[String]) {
        let mut cache = self.snapshot_heads();
        for old in deleted {
            cache.remove(old);
        }
        cache.insert(key, heads);
    }

    /// Whether every one of `heads` is known to be committed, without
    /// asking the file.
    pub(crate) fn known_all(&self, doc: &str, heads: &[ChangeHash]) -> bool {
        let known = self.known();
        heads.is_empty()
            || known
                .get(doc)
                .is_some_and(|set| heads.iter().all(|h| set.contains(h)))
    }

    /// Whether the file holds every one of `heads` of `doc` (see the module
    /// comment), remembering what it found.
    pub(crate) fn in_file(
        &self,
        conn: &Connection,
        doc: &str,
        heads: &[ChangeHash],
    ) -> rusqlite::Result<bool> {
        let mut missing: Vec<ChangeHash> = {
            let known = self.known();
            let set = known.get(doc);
            heads
                .iter()
                .filter(|h| !set.is_some_and(|s| s.contains(*h)))
                .copied()
                .collect()
        };
        let mut found = Vec::new();
        let mut row = conn.prepare_cached("SELECT 1 FROM samod_kv WHERE key = ?1")?;
        missing.retain(|h| {
            let hit = row
                .query_row([format!("{doc}/incremental/{h}")], |_| Ok(()))
                .optional();
            match hit {
                Ok(Some(())) => {
                    found.push(*h);
                    false
                }
                _ => true,
            }
        });
        if !missing.is_empty() {
            let snapshots = self.snapshot_heads_of(conn, doc)?;
            missing.retain(|h| {
                let hit = snapshots.contains(h);
                if hit {
                    found.push(*h);
                }
                !hit
            });
        }
        remember(&mut self.known(), doc, found);
        Ok(missing.is_empty())
    }

    /// The heads of every snapshot row of `doc` in the file, reading (and
    /// loading) only rows not read before.
    fn snapshot_heads_of(
        &self,
        conn: &Connection,
        doc: &str,
    ) -> rusqlite::Result<HashSet<ChangeHash>> {
        // Keys sort component-wise here: `/` sorts just below `0`, so this
        // range is exactly the `<doc>/snapshot/…` rows, on the primary key.
        let low = format!("{doc}/snapshot/");
        let high = format!("{doc}/snapshot0");
        let mut keys =
            conn.prepare_cached("SELECT key FROM samod_kv WHERE key > ?1 AND key < ?2")?;
        let keys: Vec<String> = keys
            .query_map([&low, &high], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut heads = HashSet::new();
        for key in keys {
            let cached = self.snapshot_heads().get(&key).cloned();
            let of_row = match cached {
                Some(of_row) => of_row,
                None => {
                    let value: Option<Vec<u8>> = conn
                        .query_row("SELECT value FROM samod_kv WHERE key = ?1", [&key], |r| {
                            r.get(0)
                        })
                        .optional()?;
                    let Some(value) = value else { continue };
                    let of_row = match Automerge::load(&value) {
                        Ok(doc) => doc.get_heads(),
                        Err(e) => {
                            // samod-core skips such a row when it loads the
                            // document too, so it vouches for nothing.
                            tracing::warn!(%key, error = %e, "snapshot row does not load");
                            Vec::new()
                        }
                    };
                    self.snapshot_heads().insert(key, of_row.clone());
                    of_row
                }
            };
            heads.extend(of_row);
        }
        Ok(heads)
    }

    fn known(&self) -> MutexGuard<'_, HashMap<String, HashSet<ChangeHash>>> {
        // Every update is a whole insert or clear: a poisoned map is whole.
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn snapshot_heads(&self) -> MutexGuard<'_, HashMap<String, Vec<ChangeHash>>> {
        self.snapshot_heads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }
}

/// Add `hashes` to what is known of `doc`, clearing the document's memory
/// first when it is full.
fn remember(
    known: &mut HashMap<String, HashSet<ChangeHash>>,
    doc: &str,
    hashes: impl IntoIterator<Item = ChangeHash>,
) {
    let mut hashes = hashes.into_iter().peekable();
    if hashes.peek().is_none() {
        return;
    }
    let set = known.entry(doc.to_string()).or_default();
    for h in hashes {
        if set.len() >= KNOWN_PER_DOC {
            set.clear();
        }
        set.insert(h);
    }
}

/// The document and change of an incremental row's key.
pub(crate) fn incremental(key: &str) -> Option<(&str, ChangeHash)> {
    let mut parts = key.split('/');
    let (doc, kind, hash) = (parts.next()?, parts.next()?, parts.next()?);
    if kind != "incremental" || parts.next().is_some() {
        return None;
    }
    Some((doc, ChangeHash::from_str(hash).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_incremental_key_names_its_document_and_change() {
        let hash = "f753eb5ee34fbf7b71e5914860d46608619d9d5726d8e2b6ce40077c09230bd5";
        let key = format!("4TxRVzbdC93LKZUk9iW4ZptmHwMx/incremental/{hash}");
        let (doc, change) = incremental(&key).expect("an incremental key");
        assert_eq!(doc, "4TxRVzbdC93LKZUk9iW4ZptmHwMx");
        assert_eq!(change.to_string(), hash);
        assert!(incremental(&format!("d/snapshot/{hash}")).is_none());
        assert!(incremental("d/incremental/not-hex").is_none());
        assert!(incremental(&format!("d/incremental/{hash}/x")).is_none());
    }

    #[test]
    fn a_full_memory_starts_again_rather_than_grow() {
        let mut known = HashMap::new();
        let hashes = (0..KNOWN_PER_DOC as u32 + 1).map(|i| {
            let mut bytes = [0u8; 32];
            bytes[..4].copy_from_slice(&i.to_be_bytes());
            ChangeHash(bytes)
        });
        remember(&mut known, "d", hashes);
        assert_eq!(known["d"].len(), 1);
    }
}
