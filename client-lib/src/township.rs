//! The handle of one township document in the replica.
//!
//! Every typed call (in `records`, `nominations`, `queries`, `conflicts`)
//! is one Automerge transaction with a commit message saying what it did,
//! and writes only the record it touches: a record is reconciled into its
//! own map, never the whole document, so an edit costs what the record
//! costs and concurrent edits of other records never interfere.

use automerge::transaction::{CommitOptions, Transaction};
use automerge::{Automerge, AutomergeError};
use qunjian_shared::schema::{TownshipDocument, Unreadable};
use samod::DocHandle;

use crate::ClientError;

/// A township document held by a [`Replica`](crate::Replica).
///
/// Edits land in the local file and reach the server by themselves when a
/// connection exists. Calls take the document's lock briefly; from async
/// code they are cheap enough to call directly for ordinary edits, and
/// belong on `spawn_blocking` for bulk work.
#[derive(Clone, Debug)]
pub struct Township {
    handle: DocHandle,
}

/// A change's message, and the time on this PC's clock: the time is what
/// lets a cadre tell two conflicting values apart (`conflicts_with_writers`).
fn commit_options(message: &str) -> CommitOptions {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    CommitOptions::default()
        .with_message(message.to_string())
        .with_time(now)
}

impl Township {
    pub(crate) fn new(handle: DocHandle) -> Self {
        Township { handle }
    }

    /// The document's `automerge:` URL.
    pub fn url(&self) -> String {
        self.handle.url().to_string()
    }

    /// Read the raw Automerge document.
    pub fn read<R>(&self, f: impl FnOnce(&Automerge) -> R) -> R {
        self.handle.with_document(|doc| f(doc))
    }

    /// Make one raw change: `f` runs in a single Automerge transaction that
    /// is committed with `message`, or rolled back if `f` fails.
    pub fn transact<R>(
        &self,
        message: &str,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<R, AutomergeError>,
    ) -> Result<R, AutomergeError> {
        self.handle.with_document(|doc| {
            doc.transact_with(|_| commit_options(message), f)
                .map(|success| success.result)
                .map_err(|failure| failure.error)
        })
    }

    /// One transaction whose body may refuse with a [`ClientError`]; a
    /// refusal rolls back everything the body wrote.
    pub(crate) fn transact_checked<R>(
        &self,
        message: &str,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<R, ClientError>,
    ) -> Result<R, ClientError> {
        self.handle.with_document(|doc| {
            doc.transact_with(|_| commit_options(message), f)
                .map(|success| success.result)
                .map_err(|failure| failure.error)
        })
    }

    /// The whole document, typed, and the records that could not be read.
    pub fn document(&self) -> Result<(TownshipDocument, Vec<Unreadable>), ClientError> {
        Ok(self.read(TownshipDocument::hydrate)?)
    }

    /// The document as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        self.read(qunjian_shared::doc_json::to_json)
    }

    /// Current heads, sorted hex.
    pub fn heads(&self) -> Vec<String> {
        self.read(|doc| qunjian_shared::doc_json::heads_hex(&doc.get_heads()))
    }

    /// The samod handle, for what this API does not cover.
    pub fn handle(&self) -> &DocHandle {
        &self.handle
    }
}

impl Township {
    /// What looks wrong in the document as of `today`: missing fields, bad
    /// credit codes, counts that do not add up, future dates, 推优 steps out
    /// of order, references to records that do not exist, records that
    /// cannot be read, dates written without zero padding. Each finding
    /// names the record and field in Chinese and English.
    pub fn validate(
        &self,
        today: qunjian_shared::schema::Date,
    ) -> Result<Vec<qunjian_shared::validation::Finding>, ClientError> {
        use qunjian_shared::validation::{sort_findings, spelling, validate_with_unreadable};
        let (doc, unreadable) = self.document()?;
        let mut found = validate_with_unreadable(&doc, &unreadable, today);
        found.extend(spelling::findings(&doc, &self.read(spelling::unpadded)));
        sort_findings(&mut found);
        Ok(found)
    }
}
