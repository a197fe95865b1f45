//! Which devices sync which township documents: connected now (kept in
//! memory) and ever seen (the `doc_peers` table), for the `sync` report.
//!
//! samod publishes the whole connection state every time any part of it
//! changes — every message sent or received — so the table is written at
//! most once per `FLUSH` from what accumulated, never once per event.

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
fn pairs(conns: &[ConnectionInfo]) -> HashSet<(String, String)> {
    let mut out = HashSet::new();
    for c in conns {
        if let ConnectionState::Connected { their_peer_id } = &c.state {
            for doc in c.docs.keys() {
                out.insert((doc.to_string(), their_peer_id.to_string()));
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
    let mut current = pairs(&now);
    live.set(counts(&current));
    let mut seen = current.clone();
    let mut tick = tokio::time::interval(FLUSH);
    loop {
        tokio::select! {
            update = updates.next() => match update {
                Some(conns) => {
                    current = pairs(&conns);
                    live.set(counts(&current));
                    seen.extend(current.iter().cloned());
                }
                None => break,
            },
            _ = tick.tick() => {
                // Peers still connected count as seen at every flush.
                seen.extend(current.iter().cloned());
                flush(&db, std::mem::take(&mut seen)).await;
            }
            _ = stop.changed() => break,
        }
    }
    flush(&db, seen).await;
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
