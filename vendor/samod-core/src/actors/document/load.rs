use std::collections::HashMap;

use crate::{
    DocumentId, StorageKey,
    io::{IoTask, IoTaskId, StorageResult, StorageTask},
};

/// Qunjian patch: a document loads with ONE range read of `<doc id>/…`,
/// split into snapshots and incrementals here. Upstream issued two reads
/// (`<doc>/snapshot` and `<doc>/incremental`) that a storage may answer at
/// different moments; the storage now compacts in the background (it writes
/// a snapshot and deletes the rows it covers in one transaction), and a
/// load whose snapshot read came before such a commit and whose incremental
/// read came after it would miss the changes moved into the new snapshot.
/// One read sees the rows either all before or all after the commit.
#[derive(Debug)]
enum LoadState {
    Idle,
    /// Beginning a fresh load
    Initial,
    /// The range read is dispatched, waiting for its result
    WaitingForResult { task_id: IoTaskId },
    /// Have the document's rows, ready to complete
    Complete {
        snapshots: HashMap<StorageKey, Vec<u8>>,
        incrementals: HashMap<StorageKey, Vec<u8>>,
    },
}

#[derive(Debug)]
pub(crate) struct Load {
    doc_id: DocumentId,
    state: LoadState,
}

pub(crate) struct LoadComplete {
    pub(crate) snapshots: HashMap<StorageKey, Vec<u8>>,
    pub(crate) incrementals: HashMap<StorageKey, Vec<u8>>,
}

impl Load {
    /// Create a new Load operation for the given document ID
    pub(crate) fn new(doc_id: DocumentId) -> Self {
        Self {
            doc_id,
            state: LoadState::Idle,
        }
    }

    pub(crate) fn begin(&mut self) {
        if matches!(self.state, LoadState::Idle) {
            self.state = LoadState::Initial;
        }
    }

    pub(crate) fn has_task(&self, task_id: IoTaskId) -> bool {
        matches!(self.state, LoadState::WaitingForResult { task_id: t } if t == task_id)
    }

    /// Progress the load operation, returning any IO tasks that need to be dispatched
    pub(crate) fn step(&mut self) -> Vec<IoTask<StorageTask>> {
        match &self.state {
            LoadState::Idle => Vec::new(),
            LoadState::Initial => {
                let task = IoTask::new(StorageTask::LoadRange {
                    prefix: StorageKey::document_prefix(&self.doc_id),
                });
                self.state = LoadState::WaitingForResult {
                    task_id: task.task_id,
                };
                vec![task]
            }
            LoadState::WaitingForResult { .. } | LoadState::Complete { .. } => Vec::new(),
        }
    }

    pub fn take_complete(&mut self) -> Option<LoadComplete> {
        if let LoadState::Complete {
            snapshots,
            incrementals,
        } = &mut self.state
        {
            let result = LoadComplete {
                snapshots: std::mem::take(snapshots),
                incrementals: std::mem::take(incrementals),
            };
            self.state = LoadState::Idle;
            Some(result)
        } else {
            None
        }
    }

    /// Handle the result of an IO operation
    pub fn handle_result(&mut self, task_id: IoTaskId, result: StorageResult) {
        match &self.state {
            LoadState::WaitingForResult { task_id: expected } if *expected == task_id => {
                let StorageResult::LoadRange { values } = result else {
                    panic!("unexpected storage result in load");
                };
                let snapshot_prefix = StorageKey::snapshot_prefix(&self.doc_id);
                let incremental_prefix = StorageKey::incremental_prefix(&self.doc_id);
                let mut snapshots = HashMap::new();
                let mut incrementals = HashMap::new();
                for (key, value) in values {
                    if snapshot_prefix.is_prefix_of(&key) {
                        snapshots.insert(key, value);
                    } else if incremental_prefix.is_prefix_of(&key) {
                        incrementals.insert(key, value);
                    }
                }
                self.state = LoadState::Complete {
                    snapshots,
                    incrementals,
                };
            }
            LoadState::WaitingForResult { .. } => panic!("unknown task ID in load"),
            _ => panic!("unexpected io complete"),
        }
    }
}
