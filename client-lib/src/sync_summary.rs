//! One sync as a tool or a screen runs it: connect, wait until both sides
//! hold the same changes, note what the county now holds and when, fetch
//! the county's rules — telling a plain callback how far it has got, and
//! ending with how many changes went each way.
//!
//! The counts come from the document's history, not from the protocol:
//! sent are the local changes that were not ancestors of the server's
//! heads noted at the last sync; received are the changes that are new
//! since this replica's heads before the sync.

use qunjian_shared::history::has_change;
use std::time::{Duration, Instant};

use automerge::ChangeHash;

use crate::{ClientError, Replica, SyncStatus};

/// How long the rules fetch after a sync may take; its failure only
/// leaves the cached rules in effect.
pub const RULES_WAIT: Duration = Duration::from_secs(10);

/// How far a sync has got, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncProgress {
    /// No connection to the server yet.
    Connecting,
    /// Connected; the server does not hold every local change yet.
    Sending,
    /// The server holds ours; some of the server's are still coming.
    Receiving,
    /// Both sides hold the same changes; noting and fetching the rules.
    Finishing,
}

impl SyncProgress {
    fn of(status: &SyncStatus) -> SyncProgress {
        if !status.connected {
            SyncProgress::Connecting
        } else if !status.server_has_ours {
            SyncProgress::Sending
        } else if !status.we_have_servers {
            SyncProgress::Receiving
        } else {
            SyncProgress::Finishing
        }
    }
}

/// What [`Replica::sync_once`] did.
#[derive(Debug)]
pub struct SyncSummary {
    /// Local changes the server was not known to hold before.
    pub sent: usize,
    /// Changes that came from the server.
    pub received: usize,
    /// From the start to synced (the rules fetch included).
    pub elapsed: Duration,
    /// Where the document stands now.
    pub status: SyncStatus,
    /// Why the county's rules could not be fetched; the cached ones (or
    /// the built-in defaults) stay in effect.
    pub rules_error: Option<ClientError>,
}

/// The changes a document holds beyond some earlier heads, by origin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangesSince {
    /// Made through this handle of the document (its actor): edits here.
    pub made_here: usize,
    /// Made elsewhere and received (from the server, or a bundle).
    pub from_elsewhere: usize,
    /// The heads counted up to, sorted hex: the next count starts there,
    /// so a change arriving just after this one is counted next time.
    pub heads: Vec<String>,
}

/// The changes in `doc` that are not ancestors of `heads` (sorted hex, as
/// [`Township::heads`](crate::Township::heads) gives them; heads the
/// document does not hold are ignored), split by whether this document's
/// actor made them. A replica that stays connected receives and sends
/// between syncs, so what moved since the last sync is this, not what
/// moved during the next one.
pub fn changes_since(doc: &automerge::Automerge, heads: &[String]) -> ChangesSince {
    let heads: Vec<ChangeHash> = heads
        .iter()
        .filter_map(|h| h.parse::<ChangeHash>().ok())
        .filter(|h| has_change(doc, h))
        .collect();
    let me = doc.get_actor();
    let mut since = ChangesSince {
        heads: qunjian_shared::doc_json::heads_hex(&doc.get_heads()),
        ..ChangesSince::default()
    };
    for change in doc.get_changes_meta(&heads) {
        if change.actor.as_ref() == me {
            since.made_here += 1;
        } else {
            since.from_elsewhere += 1;
        }
    }
    since
}

impl crate::Township {
    /// [`changes_since`] for this document.
    pub fn changes_since(&self, heads: &[String]) -> ChangesSince {
        self.read(|doc| changes_since(doc, heads))
    }
}

impl Replica {
    /// Sync the document at `url` with the server at `server` (a ws:// or
    /// wss:// address) until both hold the same changes, or `timeout`
    /// passes (then the error says where it stood). On success the replica
    /// remembers the document, the server, the server's heads and the
    /// time, and fetches the county's rules ([`Replica::rules`]).
    /// `progress` hears each stage as it is reached.
    pub async fn sync_once(
        &self,
        url: &str,
        server: &str,
        timeout: Duration,
        mut progress: impl FnMut(SyncProgress) + Send,
    ) -> Result<SyncSummary, ClientError> {
        let started = Instant::now();
        let id = crate::bundle::document_id(url)?;
        // What the replica held before; a document it never held is all new.
        let (before, sent) = if self.has_stored(&id).await {
            let township = self.township(url).await?;
            let known = self.server_heads(url)?;
            (
                township.read(|doc| doc.get_heads()),
                crate::status::unsent(&township, known.as_deref()),
            )
        } else {
            (Vec::<ChangeHash>::new(), 0)
        };
        progress(SyncProgress::Connecting);
        self.connect(server)?;
        let mut last = SyncProgress::Connecting;
        let status = self
            .wait_synced_observing(url, timeout, |status| {
                let now = SyncProgress::of(status);
                if now != last {
                    last = now;
                    progress(now);
                }
            })
            .await?;
        if last != SyncProgress::Finishing {
            progress(SyncProgress::Finishing);
        }
        let township = self.township(url).await?;
        let received = township.read(|doc| {
            let before: Vec<ChangeHash> = before
                .iter()
                .filter(|h| has_change(doc, h))
                .copied()
                .collect();
            doc.get_changes_meta(&before).len()
        });
        self.remember(url, server)?;
        // What the county holds, for bundles and `status`; failing to note
        // it costs only a larger bundle and an over-count of unsent changes.
        if let Err(e) = self.remember_server_heads(url).await {
            tracing::warn!("cannot note the server's heads: {e}");
        }
        self.note_synced(url)?;
        let rules_error = self.fetch_rules(server, RULES_WAIT).await.err();
        Ok(SyncSummary {
            sent,
            received,
            elapsed: started.elapsed(),
            status,
            rules_error,
        })
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, Automerge, ROOT};

    use super::*;

    fn edit(doc: &mut Automerge, key: &str) {
        let mut tx = doc.transaction();
        tx.put(ROOT, key, 1).unwrap();
        tx.commit();
    }

    #[test]
    fn changes_since_splits_edits_here_from_changes_received() {
        let mut here = Automerge::new().with_actor(ActorId::from(b"here".as_slice()));
        edit(&mut here, "a");
        let mut there = here.fork().with_actor(ActorId::from(b"there".as_slice()));
        let before = qunjian_shared::doc_json::heads_hex(&here.get_heads());
        edit(&mut here, "b");
        edit(&mut there, "c");
        edit(&mut there, "d");
        here.merge(&mut there).unwrap();
        let since = changes_since(&here, &before);
        assert_eq!((since.made_here, since.from_elsewhere), (1, 2));
        assert_eq!(
            since.heads,
            qunjian_shared::doc_json::heads_hex(&here.get_heads())
        );
        // Counting from where it ended finds nothing new.
        let again = changes_since(&here, &since.heads);
        assert_eq!((again.made_here, again.from_elsewhere), (0, 0));
        // Heads it does not hold count as none: everything is since.
        let unknown = vec!["00".repeat(32)];
        let all = changes_since(&here, &unknown);
        assert_eq!((all.made_here, all.from_elsewhere), (2, 2));
    }
}
