//! A document as plain JSON, for people and tests to look at.
//!
//! Where concurrent writes left several values on one key, Automerge picks
//! the same winner on every replica, so two converged replicas produce the
//! same JSON byte for byte (the conflict itself is reported elsewhere).

use automerge::{AutoSerde, ChangeHash, ReadDoc};

/// The document's current state as a JSON value.
pub fn to_json(doc: &impl ReadDoc) -> serde_json::Value {
    // AutoSerde serializes straight from the document; to_value of an
    // in-memory structure cannot fail, Null is only a guard.
    serde_json::to_value(AutoSerde::from(doc)).unwrap_or(serde_json::Value::Null)
}

/// Heads as hex strings, sorted, the way the API and CLI show them.
pub fn heads_hex(heads: &[ChangeHash]) -> Vec<String> {
    let mut out: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
    out.sort();
    out
}
