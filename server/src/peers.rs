//! Which devices sync which township documents: connected now (kept in
//! memory) and ever seen (the `doc_peers` table), for the `sync` report.
//!
//! samod publishes the whole connection state every time any part of it
//! changes — every message sent or received. Reading every one of those
//! cost half the server's CPU under load (200 devices), so only the latest
//! state is read, at most once per `SAMPLE`, and the table is written once
//! per `FLUSH`. A device whose whole session is shorter than `SAMPLE` can be
//! missed; a `qunjian sync` takes longer than that.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use rusqlite::params;
use samod::{ConnectionInfo, ConnectionState, Repo};
use tokio::sync::watch;

use crate::db::Db;
use crate::reports::ConnectedNow;
use crate::townships;

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
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set(&self, now: ConnectedNow) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = now;
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

/// Follow samod's connection state until `stop`.
pub async fn run(repo: Repo, db: Db, live: Live, mut stop: watch::Receiver<bool>) {
    let (now, mut updates) = repo.connected_peers();
    let mut seen = pairs(&now);
    live.set(counts(&seen));
    let mut latest: Option<Vec<ConnectionInfo>> = None;
    let mut sample = tokio::time::interval(SAMPLE);
    let mut flush_at = tokio::time::Instant::now() + FLUSH;
    loop {
        tokio::select! {
            update = updates.next() => match update {
                // Newer states replace older ones unread.
                Some(conns) => latest = Some(conns),
                None => break,
            },
            _ = sample.tick() => {
                if let Some(conns) = latest.take() {
                    let current = pairs(&conns);
                    live.set(counts(&current));
                    seen.extend(current);
                }
                if tokio::time::Instant::now() >= flush_at {
                    flush_at += FLUSH;
                    // Peers still connected count as seen at every flush.
                    for key in live_pairs(&repo) {
                        seen.insert(key);
                    }
                    flush(&db, std::mem::take(&mut seen)).await;
                }
            }
            _ = stop.changed() => break,
        }
    }
    flush(&db, seen).await;
}

/// The connected pairs right now (a one-off reading; its update stream is
/// dropped at once, and samod forgets it at its next connection event).
fn live_pairs(repo: &Repo) -> HashSet<(String, String)> {
    pairs(&repo.connected_peers().0)
}

async fn flush(db: &Db, seen: HashSet<(String, String)>) {
    if seen.is_empty() {
        return;
    }
    let at = townships::now();
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
