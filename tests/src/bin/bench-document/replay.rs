//! Where open time goes: samod's load of the document replayed step by step
//! on the rows in the file (read, `load_incremental`, `get_changes`, the
//! compaction), each step timed. The loaded document is handed on to
//! `bare_automerge` for the in-process measurements.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use automerge::{Automerge, ReadDoc};

use crate::sqlite::{RowKind, samod_kv};

/// What samod does when a replica opens the document: load every snapshot
/// and incremental row with `load_incremental`, then (its on-disk state
/// starts empty) `get_changes(&[])` of the whole history and, because that
/// is more than 10 changes, a compaction: `doc.save()` of everything.
pub struct Replay {
    pub snapshots: usize,
    pub incrementals: usize,
    pub read: Duration,
    pub load_snapshots: Duration,
    pub load_incrementals: Duration,
    pub changes: usize,
    pub ops: u64,
    pub get_changes_all: Duration,
    pub save: Duration,
}

impl Replay {
    pub fn total(&self) -> Duration {
        self.read + self.load_snapshots + self.load_incrementals + self.get_changes_all + self.save
    }
}

pub fn replay_samod_load(db: &Path) -> anyhow::Result<(Replay, Automerge)> {
    let t = Instant::now();
    let (mut snapshots, mut incrementals) = (Vec::new(), Vec::new());
    for (kind, value) in samod_kv::<Vec<u8>>(db, "value")? {
        match kind {
            RowKind::Snapshot => snapshots.push(value),
            RowKind::Incremental => incrementals.push(value),
            RowKind::Other => {}
        }
    }
    let read = t.elapsed();

    let mut doc = Automerge::new();
    let t = Instant::now();
    for chunk in &snapshots {
        doc.load_incremental(chunk)
            .context("loading a snapshot row")?;
    }
    let load_snapshots = t.elapsed();
    let t = Instant::now();
    for chunk in &incrementals {
        doc.load_incremental(chunk)
            .context("loading an incremental row")?;
    }
    let load_incrementals = t.elapsed();
    let t = Instant::now();
    let changes = doc.get_changes(&[]).len();
    let get_changes_all = t.elapsed();
    let ops = ReadDoc::stats(&doc).num_ops;
    let t = Instant::now();
    let saved = doc.save();
    let save = t.elapsed();
    drop(saved);
    Ok((
        Replay {
            snapshots: snapshots.len(),
            incrementals: incrementals.len(),
            read,
            load_snapshots,
            load_incrementals,
            changes,
            ops,
            get_changes_all,
            save,
        },
        doc,
    ))
}
