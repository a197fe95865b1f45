//! Bytes on the wire by message type and direction, as the devices see
//! them. The fan-in moves about twice the reference server's bytes with the
//! same clients; this says which messages carry the difference: changes,
//! bloom filters, heads, or just more messages.

use std::collections::BTreeMap;
use std::sync::Mutex;

use qunjian_client::Direction;
use qunjian_server::doc_sync::frame;

/// What one kind of message added up to.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub messages: u64,
    pub bytes: u64,
    /// Of which the sync message's change chunks (`sync` and `request`).
    pub change_bytes: u64,
    /// Of which bloom filters (the `have` summaries).
    pub bloom_bytes: u64,
    /// Sync messages that carried no change.
    pub empty_syncs: u64,
    /// Sync messages whose changes were the whole document (Automerge's v2
    /// rule: more than a third of the document missing). Counted after the
    /// run, so loading them costs the measured phase nothing.
    pub whole_documents: u64,
}

type Key = (&'static str, String);

static TALLY: Mutex<BTreeMap<Key, Counts>> = Mutex::new(BTreeMap::new());

/// Change chunks of the sync messages, kept to be inspected by `take`.
static CHUNKS: Mutex<Vec<(Key, Vec<u8>)>> = Mutex::new(Vec::new());

fn lock() -> std::sync::MutexGuard<'static, BTreeMap<Key, Counts>> {
    TALLY.lock().unwrap_or_else(|e| e.into_inner())
}

/// The tap for `qunjian_client::ws_transport_tapped`.
pub fn tap(direction: Direction, bytes: &[u8]) {
    let way = match direction {
        Direction::Sent => "device → server",
        Direction::Received => "server → device",
    };
    let mut add = Counts {
        messages: 1,
        bytes: bytes.len() as u64,
        ..Counts::default()
    };
    let mut chunks = Vec::new();
    let kind = match frame::read(bytes) {
        Ok(header) => {
            if let Some(data) = header.data
                && matches!(header.kind, frame::Kind::Sync | frame::Kind::Request)
                && let Ok(m) = automerge::sync::Message::decode(data)
            {
                add.change_bytes = m.changes.iter().map(|c| c.len() as u64).sum();
                add.bloom_bytes = m.have.iter().map(|h| h.bloom.to_bytes().len() as u64).sum();
                add.empty_syncs = u64::from(m.changes.is_empty());
                if m.changes.len() == 1 {
                    chunks.extend(m.changes.iter().map(<[u8]>::to_vec));
                }
            }
            format!("{:?}", header.kind)
        }
        Err(_) => "undecodable".to_string(),
    };
    if !chunks.is_empty() {
        let key = (way, kind.clone());
        let mut kept = CHUNKS.lock().unwrap_or_else(|e| e.into_inner());
        kept.extend(chunks.into_iter().map(|c| (key.clone(), c)));
    }
    let mut tally = lock();
    let c = tally.entry((way, kind)).or_default();
    c.messages += add.messages;
    c.bytes += add.bytes;
    c.change_bytes += add.change_bytes;
    c.bloom_bytes += add.bloom_bytes;
    c.empty_syncs += add.empty_syncs;
}

/// Forget what was counted (before a measured phase).
pub fn reset() {
    lock().clear();
    CHUNKS.lock().unwrap_or_else(|e| e.into_inner()).clear();
}

/// What was counted since the last reset. A chunk is the whole document
/// when it loads on its own and holds the township's `meta`, which every
/// device had before the run and so is never sent as a missing change.
pub fn take() -> BTreeMap<Key, Counts> {
    let mut counts = std::mem::take(&mut *lock());
    let chunks = std::mem::take(&mut *CHUNKS.lock().unwrap_or_else(|e| e.into_inner()));
    for (key, chunk) in chunks {
        let whole = automerge::Automerge::load(&chunk).is_ok_and(|doc| {
            automerge::ReadDoc::get(&doc, automerge::ROOT, "meta").is_ok_and(|m| m.is_some())
        });
        if whole && let Some(c) = counts.get_mut(&key) {
            c.whole_documents += 1;
        }
    }
    counts
}

/// A table of `take()`'s counts for one server.
pub fn print(server: &str, counts: &BTreeMap<Key, Counts>) {
    let mb = |b: u64| b as f64 / 1e6;
    println!("\nmessages on the wire during the fan-in, {server} server:\n");
    println!(
        "| direction | type | messages | MB | of which changes (MB) | of which bloom filters (MB) | syncs without changes | whole documents |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for ((way, kind), c) in counts {
        println!(
            "| {way} | {kind} | {} | {:.2} | {:.2} | {:.2} | {} | {} |",
            c.messages,
            mb(c.bytes),
            mb(c.change_bytes),
            mb(c.bloom_bytes),
            c.empty_syncs,
            c.whole_documents
        );
    }
}
