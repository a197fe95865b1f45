//! A set stored as a map of `value → true`.
//!
//! An Automerge list merges concurrent inserts by keeping both, so two
//! devices adding the same role would leave it twice; a map keyed by the
//! value merges them into one, and a removal on one device and an add on
//! another resolve to "present" (the add wins), which is what a ledger wants.

use std::collections::BTreeSet;

use autosurgeon::reconcile::MapReconciler;
use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};

/// A set of values (enum codes or record ids) stored as `{value: true}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Set<T: Ord>(pub BTreeSet<T>);

impl<T: Ord> Default for Set<T> {
    fn default() -> Self {
        Set(BTreeSet::new())
    }
}

impl<T: Ord> Set<T> {
    /// An empty set.
    pub fn new() -> Self {
        Set(BTreeSet::new())
    }

    /// Whether `v` is in the set.
    pub fn contains(&self, v: &T) -> bool {
        self.0.contains(v)
    }

    /// Add `v`.
    pub fn insert(&mut self, v: T) -> bool {
        self.0.insert(v)
    }

    /// Remove `v`.
    pub fn remove(&mut self, v: &T) -> bool {
        self.0.remove(v)
    }

    /// The values, in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.0.iter()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Ord> FromIterator<T> for Set<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Set(iter.into_iter().collect())
    }
}

impl<T> Hydrate for Set<T>
where
    T: Ord + std::str::FromStr,
{
    fn hydrate_map<D: autosurgeon::ReadDoc>(
        doc: &D,
        obj: &automerge::ObjId,
    ) -> Result<Self, HydrateError> {
        let mut out = BTreeSet::new();
        for item in doc.map_range(obj, ..) {
            let present = matches!(
                item.value,
                automerge::ValueRef::Scalar(automerge::ScalarValueRef::Boolean(true))
            );
            if !present {
                continue;
            }
            let value = item
                .key
                .parse::<T>()
                .map_err(|_| HydrateError::unexpected("a known value", item.key.to_string()))?;
            out.insert(value);
        }
        Ok(Set(out))
    }
}

impl<T> Reconcile for Set<T>
where
    T: Ord + AsRef<str>,
{
    type Key<'a> = autosurgeon::reconcile::NoKey;

    fn reconcile<R: Reconciler>(&self, mut r: R) -> Result<(), R::Error> {
        let mut map = r.map()?;
        // Remove what is no longer in the set; put what is.
        let stale: Vec<String> = map
            .entries()
            .map(|(k, _)| k.to_string())
            .filter(|k| !self.0.iter().any(|v| v.as_ref() == k))
            .collect();
        for key in stale {
            map.delete(&key)?;
        }
        for v in &self.0 {
            map.put(v.as_ref(), true)?;
        }
        Ok(())
    }
}
