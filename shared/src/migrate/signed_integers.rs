//! Schema 1 → 2: every unsigned integer in the document's maps becomes a
//! signed integer of the same value.
//!
//! Schema 1 stored counts, years and `meta.schema` as `uint`, which
//! JavaScript's `@automerge/automerge` 3 reads as a `BigInt`: a web app's
//! `JSON.stringify(handle.doc())` threw on every township. A signed
//! integer reads as a plain number (see `schema/integer.rs`).
//!
//! The walk covers every map, not a list of known fields, so numbers in
//! fields added later or by other apps are converted too. It writes only
//! scalars into existing maps, and only where a `uint` is shown, so a second
//! run writes nothing. Two devices migrating concurrently write the same
//! `int` to the same keys: Automerge keeps both writes, but they are equal,
//! which `conflicts.rs` does not list as a disagreement. A key whose
//! concurrent values differ (a real conflict) is left alone: choosing a
//! value is a person's decision, not a migration's, and the `uint` still
//! reads.

use automerge::transaction::{Transactable, Transaction};
use automerge::{AutomergeError, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value, ValueRef};

/// The migration's change (see the module comment).
pub(super) fn apply(tx: &mut Transaction<'_>) -> Result<(), AutomergeError> {
    let mut maps = vec![ROOT];
    while let Some(obj) = maps.pop() {
        let mut unsigned: Vec<(String, u64, bool)> = Vec::new();
        for item in tx.map_range(&obj, ..) {
            match &item.value {
                ValueRef::Object(ObjType::Map) => maps.push(item.id()),
                ValueRef::Scalar(automerge::ScalarValueRef::Uint(n)) => {
                    unsigned.push((item.key.to_string(), *n, item.conflict))
                }
                _ => {}
            }
        }
        for (key, n, conflict) in unsigned {
            // Beyond i64 it cannot be signed; no field of ours gets there.
            let Ok(signed) = i64::try_from(n) else {
                continue;
            };
            if conflict && !all_equal_to(tx, &obj, &key, signed)? {
                continue;
            }
            tx.put(&obj, key, signed)?;
        }
    }
    Ok(())
}

/// Whether every concurrent value at `key` is the number `n`.
fn all_equal_to(
    tx: &Transaction<'_>,
    obj: &ObjId,
    key: &str,
    n: i64,
) -> Result<bool, AutomergeError> {
    Ok(tx.get_all(obj, key)?.iter().all(|(value, _)| match value {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Int(i) => *i == n,
            ScalarValue::Uint(u) => i64::try_from(*u) == Ok(n),
            _ => false,
        },
        Value::Object(_) => false,
    }))
}
