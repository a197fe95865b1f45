//! Whether a document holds a change, asked the cheap way.
//!
//! Automerge 0.12 answers `get_change_by_hash` by rebuilding the change
//! from the document's operations, which walks them: milliseconds for a
//! township with years of history, and a loop over many hashes becomes
//! quadratic (a backup check of 100,000 stored changes would take hours).
//! The change graph knows every change's metadata, so asking for that
//! answers "is it here" without touching the operations.

use automerge::{Automerge, ChangeHash};

/// Whether `doc` holds the change `hash` (applied, not waiting in the
/// queue for a missing dependency).
pub fn has_change(doc: &Automerge, hash: &ChangeHash) -> bool {
    doc.get_change_meta_by_hash(hash).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT};

    #[test]
    fn a_change_is_there_once_applied_and_not_before() {
        let mut a = AutoCommit::new();
        a.put(ROOT, "x", 1).unwrap();
        let first = a.commit().unwrap();
        a.put(ROOT, "x", 2).unwrap();
        let second = a.commit().unwrap();
        let changes = a.get_changes(&[]);

        let mut b = Automerge::new();
        assert!(!has_change(&b, &first));
        // The second alone waits for the first: not held yet.
        b.apply_changes([changes[1].clone()]).unwrap();
        assert!(!has_change(&b, &second));
        b.apply_changes([changes[0].clone()]).unwrap();
        assert!(has_change(&b, &first) && has_change(&b, &second));
    }
}
