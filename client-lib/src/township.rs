//! The handle of one township document in the replica: raw Automerge
//! reads and transactions for now; the typed API is built on top of it.

use automerge::transaction::{CommitOptions, Transaction};
use automerge::{Automerge, AutomergeError};
use samod::DocHandle;

/// A township document held by a [`Replica`](crate::Replica).
///
/// Edits land in the local file and reach the server by themselves when a
/// connection exists. Reads and writes take the document's lock briefly;
/// from async code they are cheap enough to call directly for ordinary
/// edits, and belong on `spawn_blocking` for bulk work.
#[derive(Clone, Debug)]
pub struct TownshipDoc {
    handle: DocHandle,
}

impl TownshipDoc {
    pub(crate) fn new(handle: DocHandle) -> Self {
        TownshipDoc { handle }
    }

    /// The document's `automerge:` URL.
    pub fn url(&self) -> String {
        self.handle.url().to_string()
    }

    /// Read the document.
    pub fn read<R>(&self, f: impl FnOnce(&Automerge) -> R) -> R {
        self.handle.with_document(|doc| f(doc))
    }

    /// Make one change: `f` runs in a single Automerge transaction that is
    /// committed with `message` (so the history says what each change did),
    /// or rolled back if `f` fails.
    pub fn transact<R>(
        &self,
        message: &str,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<R, AutomergeError>,
    ) -> Result<R, AutomergeError> {
        self.handle.with_document(|doc| {
            doc.transact_with(|_| CommitOptions::default().with_message(message.to_string()), f)
                .map(|success| success.result)
                .map_err(|failure| failure.error)
        })
    }

    /// The document as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        self.read(qunjian_shared::doc_json::to_json)
    }

    /// Current heads, sorted hex.
    pub fn heads(&self) -> Vec<String> {
        self.read(|doc| qunjian_shared::doc_json::heads_hex(&doc.get_heads()))
    }

    /// The samod handle, for what this API does not cover yet.
    pub fn handle(&self) -> &DocHandle {
        &self.handle
    }
}
