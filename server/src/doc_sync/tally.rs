//! What one sync connection received, counted for the audit table: per
//! document, the changes accepted and ignored and their bytes; for the
//! connection, every byte and the messages `--sync-rate` held back.
//! Counting is cheap and in memory; `flush` turns it into `received` rows
//! once a minute and when the connection closes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use samod::DocumentId;

use crate::audit::{Actor, Audit, Entry, Event};
use crate::lock::lock;

/// The counts, shared by the reader and the write loop.
#[derive(Clone, Default)]
pub struct Tally(Arc<Mutex<TallyInner>>);

#[derive(Default)]
struct TallyInner {
    docs: HashMap<DocumentId, DocTally>,
    total_bytes: u64,
    /// Messages that waited for the connection's `--sync-rate` budget.
    throttled: u64,
}

struct DocTally {
    township: Option<String>,
    changes: u64,
    bytes: u64,
    ignored: u64,
}

impl Tally {
    /// Count `n` bytes received (any message, any document).
    pub fn bytes(&self, n: usize) {
        lock(&self.0).total_bytes += n as u64;
    }

    /// Count one message held back by the rate; the count so far.
    pub fn throttle(&self) -> u64 {
        let mut inner = lock(&self.0);
        inner.throttled += 1;
        inner.throttled
    }

    /// Messages held back by the rate so far.
    pub fn throttled(&self) -> u64 {
        lock(&self.0).throttled
    }

    /// Every byte received on the connection (all messages, all documents).
    pub fn total_bytes(&self) -> u64 {
        lock(&self.0).total_bytes
    }

    /// Count a sync message for `doc`: changes accepted, its bytes, and
    /// changes ignored (a read-only token's).
    pub fn add(
        &self,
        doc: DocumentId,
        township: Option<String>,
        changes: u64,
        bytes: usize,
        ignored: u64,
    ) {
        let mut inner = lock(&self.0);
        let entry = inner.docs.entry(doc).or_insert(DocTally {
            township,
            changes: 0,
            bytes: 0,
            ignored: 0,
        });
        entry.changes += changes;
        entry.bytes += bytes as u64;
        entry.ignored += ignored;
    }

    /// One `received` row per document that sent anything since the last
    /// flush.
    pub fn flush(&self, audit: &Audit, actor: &Actor) {
        let docs = std::mem::take(&mut lock(&self.0).docs);
        for (doc, t) in docs {
            if t.changes == 0 && t.ignored == 0 {
                continue;
            }
            let mut entry = Entry::new(Event::Received).by(actor.clone());
            entry.township = t.township;
            entry.document = Some(doc.to_string());
            entry.changes = t.changes;
            entry.bytes = t.bytes;
            if t.ignored > 0 {
                entry.detail = Some(format!(
                    "只读令牌，{} 个变更被忽略 (read-only: {} changes ignored)",
                    t.ignored, t.ignored
                ));
            }
            audit.record(entry);
        }
    }
}
