//! Which devices sync which township documents: connected now (kept in
//! memory) and ever seen (the `doc_peers` table), for the `sync` report.
//!
//! samod can publish the whole connection state every time any part of it
//! changes — every message sent or received — as a fresh copy of every
//! connection's state for each subscriber. Following that stream with 200
//! devices cost a core and, when the reader fell behind, gigabytes of queued
//! copies. So the state is read once per `SAMPLE` and the subscription
//! dropped at once; the table is written once per `FLUSH`. Devices that
//! synced are also noted by their sessions as their messages arrive
//! (`Seen`), so one whose whole session is shorter than `SAMPLE` is not
//! missed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::params;
use samod::{ConnectionInfo, ConnectionState, Repo};
use tokio::sync::watch;

use crate::clock;
use crate::db::Db;
use crate::lock::lock;

/// Connected devices per document id, as this task last saw them (the
/// `sync` report shows it).
pub type ConnectedNow = HashMap<String, usize>;

/// The server's own table, created with the others.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS doc_peers (
    document_id TEXT NOT NULL,
    peer_id     TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    PRIMARY KEY (document_id, peer_id)
) WITHOUT ROWID;
";

/// The least time between two readings of the connection state.
const SAMPLE: Duration = Duration::from_millis(250);

/// How often what was seen is written down.
const FLUSH: Duration = Duration::from_secs(2);

/// Connected devices per document, as last seen; cheap to clone and read.
#[derive(Clone, Default)]
pub struct Live(Arc<Mutex<ConnectedNow>>);

impl Live {
    /// A copy of the current counts, by document id.
    pub fn snapshot(&self) -> ConnectedNow {
        lock(&self.0).clone()
    }

    fn set(&self, now: ConnectedNow) {
        *lock(&self.0) = now;
    }
}

/// (document id, peer id) pairs noted by sync sessions as messages arrive.
#[derive(Clone, Default)]
pub struct Seen(Arc<Mutex<HashSet<(String, String)>>>);

impl Seen {
    /// A peer sent something about a document it may read.
    pub fn note(&self, document: &samod::DocumentId, peer: &str) {
        lock(&self.0).insert((document.to_string(), peer.to_string()));
    }

    fn take(&self) -> HashSet<(String, String)> {
        std::mem::take(&mut *lock(&self.0))
    }
}

/// (document id, peer id) of every connected peer syncing a document.
/// samod lists a document on a connection as soon as it is offered; only
/// one the peer has sent something about is one it syncs.
fn pairs(conns: &[ConnectionInfo]) -> HashSet<(String, String)> {
    let mut out = HashSet::new();
    for c in conns {
        if let ConnectionState::Connected { their_peer_id } = &c.state {
            for (doc, state) in &c.docs {
                if state.last_received.is_some() || state.their_heads.is_some() {
                    out.insert((doc.to_string(), their_peer_id.to_string()));
                }
            }
        }
    }
    out
}

fn counts(pairs: &HashSet<(String, String)>) -> ConnectedNow {
    let mut out = HashMap::new();
    for (doc, _) in pairs {
        *out.entry(doc.clone()).or_insert(0) += 1;
    }
    out
}

/// Sample samod's connection state until `stop`.
pub async fn run(repo: Repo, db: Db, live: Live, noted: Seen, mut stop: watch::Receiver<bool>) {
    let mut seen = HashSet::new();
    let mut sample = tokio::time::interval(SAMPLE);
    sample.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut flush_at = tokio::time::Instant::now() + FLUSH;
    loop {
        tokio::select! {
            _ = sample.tick() => {}
            _ = stop.changed() => break,
        }
        // The update stream is dropped here: samod forgets a subscriber
        // whose receiver is gone at its next connection event.
        let (now, _) = repo.connected_peers();
        let current = pairs(&now);
        live.set(counts(&current));
        seen.extend(current);
        if tokio::time::Instant::now() >= flush_at {
            flush_at = tokio::time::Instant::now() + FLUSH;
            seen.extend(noted.take());
            flush(&db, std::mem::take(&mut seen)).await;
        }
    }
    seen.extend(noted.take());
    flush(&db, seen).await;
}

async fn flush(db: &Db, seen: HashSet<(String, String)>) {
    if seen.is_empty() {
        return;
    }
    let at = clock::now();
    let written = db
        .call(move |conn| {
            let tx = conn.unchecked_transaction()?;
            {
                let mut stmt = tx.prepare(
                    "INSERT INTO doc_peers (document_id, peer_id, first_seen, last_seen)
                     VALUES (?1, ?2, ?3, ?3)
                     ON CONFLICT (document_id, peer_id) DO UPDATE SET last_seen = excluded.last_seen",
                )?;
                for (doc, peer) in &seen {
                    stmt.execute(params![doc, peer, at])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await;
    if let Err(e) = written {
        tracing::error!("cannot record which devices synced: {e}");
    }
}
