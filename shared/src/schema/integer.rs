//! How we write whole numbers (counts, years, `meta.schema`): as Automerge
//! signed integers (`int`), never unsigned (`uint`).
//!
//! JavaScript's `@automerge/automerge` 3 reads a `uint` as a `BigInt`, which
//! `JSON.stringify` refuses and arithmetic will not mix with numbers, so a
//! single `uint` anywhere breaks the first line of most web apps
//! (`JSON.stringify(handle.doc())`). A signed integer reads as a plain JS
//! number. Reading stays lenient (`lenient.rs` accepts `uint` too), for
//! documents written before schema 2 and for other writers.
//!
//! Fields use it as `#[autosurgeon(reconcile = "integer::reconcile")]`
//! (autosurgeon's own `u16`/`u32` impls write `uint`); code that puts a
//! number by hand uses [`scalar`] or [`from_json`].

use automerge::ScalarValue;
use autosurgeon::Reconciler;

/// A whole-number field: its value as a signed integer, `None` for absent.
pub trait WholeNumber {
    /// The value, or `None` when the field holds nothing.
    fn signed(&self) -> Option<i64>;
}

macro_rules! whole_number {
    ($($t:ty),+) => {$(
        impl WholeNumber for $t {
            fn signed(&self) -> Option<i64> {
                Some(i64::from(*self))
            }
        }
    )+};
}
whole_number!(u16, u32);

impl<T: WholeNumber> WholeNumber for Option<T> {
    fn signed(&self) -> Option<i64> {
        self.as_ref().and_then(T::signed)
    }
}

/// Field reconciler: a signed integer, or `null` for an absent option.
pub fn reconcile<T: WholeNumber, R: Reconciler>(value: &T, mut r: R) -> Result<(), R::Error> {
    match value.signed() {
        Some(n) => r.i64(n),
        None => r.none(),
    }
}

/// A non-negative number as we store it: `int`, or `uint` only beyond
/// `i64::MAX` (no field of ours gets there; it keeps the value rather than
/// wrapping it).
pub fn scalar(n: u64) -> ScalarValue {
    match i64::try_from(n) {
        Ok(i) => ScalarValue::Int(i),
        Err(_) => ScalarValue::Uint(n),
    }
}

/// A JSON number as we store it: integers signed (see [`scalar`]),
/// fractions as `f64`.
pub fn from_json(n: &serde_json::Number) -> ScalarValue {
    if let Some(i) = n.as_i64() {
        ScalarValue::Int(i)
    } else if let Some(u) = n.as_u64() {
        scalar(u)
    } else {
        match n.as_f64() {
            Some(f) => ScalarValue::F64(f),
            // Not reachable without serde_json's arbitrary precision.
            None => ScalarValue::Str(n.to_string().into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_signed_unless_they_do_not_fit() {
        assert_eq!(scalar(7), ScalarValue::Int(7));
        assert_eq!(scalar(u64::MAX), ScalarValue::Uint(u64::MAX));
        assert_eq!(from_json(&7u64.into()), ScalarValue::Int(7));
        assert_eq!(from_json(&(-3i64).into()), ScalarValue::Int(-3));
        let half = serde_json::Number::from_f64(0.5).unwrap();
        assert_eq!(from_json(&half), ScalarValue::F64(0.5));
        assert_eq!(Some(3u16).signed(), Some(3));
        assert_eq!(None::<u32>.signed(), None);
    }
}
