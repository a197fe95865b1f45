use std::collections::HashSet;

use automerge::Automerge;

use crate::{
    DocumentId, StorageKey,
    actors::document::DocActorResult,
    io::{IoTaskId, StorageResult},
};

mod compaction_hash;
pub use compaction_hash::CompactionHash;

/// Qunjian patch: the document actor only ever appends, one incremental row
/// per change; it never compacts. Upstream wrote a full snapshot
/// (`doc.save()`) inside the actor whenever more than 10 rows were on disk,
/// and an earlier Qunjian patch made that rarer (by size), but a save still
/// ran on the actor: 1-3 s for a township with 100,000 changes, during
/// which nothing else happened to the document, sync included. Qunjian's
/// storage (`qunjian_shared::storage`, `compactor.rs`) now compacts in the
/// background: it reads a document's rows, saves them as one snapshot and
/// deletes the rows it covered in one transaction, off the actor. So this
/// state no longer tracks which keys are on disk (that set grew by one key
/// per change and was only needed to know what a compaction superseded).
#[derive(Debug)]
pub(super) struct OnDiskState {
    last_saved_heads: Option<Vec<automerge::ChangeHash>>,
    running_puts: HashSet<IoTaskId>,
}

impl OnDiskState {
    pub(super) fn new() -> Self {
        Self {
            last_saved_heads: None,
            running_puts: HashSet::new(),
        }
    }

    /// Qunjian patch: record what a load found, so the loaded history is not
    /// taken for unsaved changes (upstream re-saved the whole document on
    /// every open).
    pub(super) fn loaded(&mut self, heads: Vec<automerge::ChangeHash>) {
        if !heads.is_empty() {
            self.last_saved_heads = Some(heads);
        }
    }

    pub(super) fn save_new_changes(
        &mut self,
        out: &mut DocActorResult,
        doc_id: &DocumentId,
        doc: &Automerge,
    ) {
        // Most steps (every message, every finished write) bring no change:
        // comparing heads is cheap, whereas Automerge 0.12 builds the
        // changes `get_changes` returns from the document's operations.
        let heads = doc.get_heads();
        if self.last_saved_heads.as_ref() == Some(&heads) {
            return;
        }
        let new_changes = doc.get_changes(self.last_saved_heads.as_ref().unwrap_or(&Vec::new()));
        if new_changes.is_empty() {
            self.last_saved_heads = Some(heads);
            return;
        }
        for change in new_changes {
            let key = StorageKey::incremental_path(doc_id, change.hash());
            let put_id = out.put(key, change.raw_bytes().to_vec());
            self.running_puts.insert(put_id);
        }
        self.last_saved_heads = Some(heads);
    }

    pub(super) fn is_flushed(&self) -> bool {
        self.running_puts.is_empty()
    }

    pub(super) fn has_task(&self, task_id: IoTaskId) -> bool {
        self.running_puts.contains(&task_id)
    }

    pub(super) fn task_complete(&mut self, task_id: IoTaskId, result: StorageResult) {
        match result {
            StorageResult::Put => {
                if !self.running_puts.remove(&task_id) {
                    panic!("put complete for unknown task id: {:?}", task_id);
                }
            }
            _ => panic!("unexpected storage result"),
        }
    }
}
