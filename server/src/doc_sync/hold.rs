//! Acknowledged means durable: each message the server sends a peer is
//! held until the server's file holds every change the message says the
//! server has.
//!
//! A sync message names its sender's heads, and a peer takes those as
//! "the server has these" (`wait_synced`, `qunjian sync`, automerge-repo's
//! synced state). samod-core replies as soon as it has applied a change,
//! before the put it issued is committed: without this hold, a device could
//! be told its change is on the server one group commit early, or for as
//! long as the disk fails. Holding here, at the socket, leaves samod's
//! protocol untouched: to samod a held message is a slow network, and the
//! messages after it wait behind it, in order.

use std::time::{Duration, Instant};

use automerge::ChangeHash;
use futures::{Stream, StreamExt};
use qunjian_shared::storage::SqliteStorage;
use samod::DocumentId;

use super::frame::{self, Kind};

/// After this long on hold with storage healthy, say so in the log: a
/// message that should have been released by now points at a bug.
const HELD_TOO_LONG: Duration = Duration::from_secs(10);

/// Checks again this often without a commit, so a held message whose
/// changes are already in the file (another process wrote them, or a
/// commit's news was missed) is not held for good.
const RECHECK: Duration = Duration::from_secs(1);

/// What an outgoing message says the server has: a document and its heads.
pub fn claim(message: &[u8]) -> Option<(DocumentId, Vec<ChangeHash>)> {
    let header = frame::read(message).ok()?;
    if !matches!(header.kind, Kind::Sync | Kind::Request) {
        return None;
    }
    let heads = frame::heads_in(header.data?)?;
    if heads.is_empty() {
        return None;
    }
    Some((header.document?, heads))
}

/// Waits for the server's storage to hold what messages claim.
#[derive(Clone)]
pub struct Hold {
    storage: SqliteStorage,
}

impl Hold {
    pub fn new(storage: SqliteStorage) -> Self {
        Hold { storage }
    }

    /// `messages`, each let through once the file holds what it claims, in
    /// their order: a held message holds back those behind it. Polling the
    /// stream drives the wait, so whoever reads it can do other work (pings)
    /// in between without losing its place.
    pub fn release(self, messages: impl Stream<Item = Vec<u8>>) -> impl Stream<Item = Vec<u8>> {
        messages.then(move |message| {
            let hold = self.clone();
            async move {
                hold.until_durable(&message).await;
                message
            }
        })
    }

    /// Resolves once the file holds everything `message` claims (at once
    /// for a message that claims nothing). While storage fails it stays
    /// pending, like the writes it waits for.
    async fn until_durable(&self, message: &[u8]) {
        let Some((doc, heads)) = claim(message) else {
            return;
        };
        let doc = doc.to_string();
        let start = Instant::now();
        let mut warned = false;
        let mut commits = self.storage.commits();
        loop {
            commits.borrow_and_update();
            if self.storage.holds(&doc, heads.clone()).await {
                return;
            }
            tokio::select! {
                changed = commits.changed() => {
                    if changed.is_err() {
                        // The storage is gone (the server is stopping):
                        // nothing more will be committed or sent.
                        std::future::pending::<()>().await;
                    }
                }
                _ = tokio::time::sleep(RECHECK) => {}
            }
            let health = self.storage.health();
            if !warned && start.elapsed() > HELD_TOO_LONG && health.ok && health.pending_writes == 0
            {
                warned = true;
                tracing::warn!(
                    %doc,
                    heads = ?heads,
                    "a sync message is still held for changes storage does not report; it waits on"
                );
            }
        }
    }
}
