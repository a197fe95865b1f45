//! Reading values the way other automerge-repo apps write them.
//!
//! The document is a public contract, and JavaScript's `@automerge/automerge`
//! writes a plain number as a signed integer and (since 3.0) a plain string
//! as a Text object unless told otherwise. Rejecting those would make a
//! whole record unreadable because another app used the library's
//! defaults, so fields accept them: text from a scalar string or a Text
//! object, counts from an unsigned or a non-negative signed integer (or an
//! integral float). What we write ourselves stays canonical: scalar
//! strings, and signed integers (`integer.rs`; schema 1 wrote unsigned
//! ones, which older documents and other apps may still hold).

use automerge::{ObjType, ScalarValue, Value};
use autosurgeon::{HydrateError, Prop, ReadDoc, Text};

/// A field type that can be read leniently.
pub trait Lenient: Sized {
    /// Read from what is stored at the key (`None`: nothing).
    fn from_stored<D: ReadDoc>(
        doc: &D,
        stored: Option<(Value<'_>, automerge::ObjId)>,
    ) -> Result<Self, HydrateError>;
}

/// Field hydrator for `#[autosurgeon(hydrate = "lenient::value")]`.
pub fn value<D: ReadDoc, T: Lenient>(
    doc: &D,
    obj: &automerge::ObjId,
    prop: Prop<'_>,
) -> Result<T, HydrateError> {
    let stored = doc.get(obj, &prop)?;
    T::from_stored(doc, stored)
}

fn describe(stored: &Option<(Value<'_>, automerge::ObjId)>) -> String {
    match stored {
        None => "nothing".into(),
        Some((Value::Scalar(s), _)) => format!("{s}"),
        Some((Value::Object(kind), _)) => format!("a {kind}"),
    }
}

impl Lenient for String {
    fn from_stored<D: ReadDoc>(
        doc: &D,
        stored: Option<(Value<'_>, automerge::ObjId)>,
    ) -> Result<Self, HydrateError> {
        match &stored {
            Some((Value::Scalar(s), _)) => {
                if let ScalarValue::Str(v) = s.as_ref() {
                    return Ok(v.to_string());
                }
            }
            Some((Value::Object(ObjType::Text), id)) => return Ok(doc.text(id)?),
            _ => {}
        }
        Err(HydrateError::unexpected("text", describe(&stored)))
    }
}

impl Lenient for Text {
    fn from_stored<D: ReadDoc>(
        doc: &D,
        stored: Option<(Value<'_>, automerge::ObjId)>,
    ) -> Result<Self, HydrateError> {
        if let Some((Value::Object(ObjType::Text), id)) = &stored {
            return <Text as autosurgeon::Hydrate>::hydrate_text(doc, id);
        }
        String::from_stored(doc, stored).map(Text::with_value)
    }
}

macro_rules! lenient_count {
    ($($t:ty),+) => {$(
        impl Lenient for $t {
            fn from_stored<D: ReadDoc>(
                _doc: &D,
                stored: Option<(Value<'_>, automerge::ObjId)>,
            ) -> Result<Self, HydrateError> {
                let n: Option<u64> = match &stored {
                    Some((Value::Scalar(s), _)) => match s.as_ref() {
                        ScalarValue::Uint(u) => Some(*u),
                        ScalarValue::Int(i) => u64::try_from(*i).ok(),
                        ScalarValue::F64(f) if f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64 => {
                            Some(*f as u64)
                        }
                        _ => None,
                    },
                    _ => None,
                };
                n.and_then(|n| <$t>::try_from(n).ok()).ok_or_else(|| {
                    HydrateError::unexpected(
                        concat!("a count that fits ", stringify!($t)),
                        describe(&stored),
                    )
                })
            }
        }
    )+};
}
lenient_count!(u16, u32);

impl<T: Lenient> Lenient for Option<T> {
    fn from_stored<D: ReadDoc>(
        doc: &D,
        stored: Option<(Value<'_>, automerge::ObjId)>,
    ) -> Result<Self, HydrateError> {
        match &stored {
            None => Ok(None),
            Some((Value::Scalar(s), _)) if matches!(s.as_ref(), ScalarValue::Null) => Ok(None),
            _ => T::from_stored(doc, stored).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{Automerge, ROOT};

    #[test]
    fn text_objects_and_signed_numbers_read_like_our_own_values() {
        let mut doc = Automerge::new();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            let t = tx.put_object(ROOT, "name", ObjType::Text)?;
            tx.splice_text(&t, 0, 0, "城关村")?;
            tx.put(ROOT, "plain", "城关村")?;
            tx.put(ROOT, "signed", 42i64)?;
            tx.put(ROOT, "negative", -1i64)?;
            tx.put(ROOT, "float", 7.0f64)?;
            tx.put(ROOT, "nothing", ())?;
            Ok(())
        })
        .unwrap();
        let s: String = value(&doc, &ROOT, "name".into()).unwrap();
        assert_eq!(s, "城关村");
        let t: Text = value(&doc, &ROOT, "plain".into()).unwrap();
        assert_eq!(t.as_str(), "城关村");
        let n: u32 = value(&doc, &ROOT, "signed".into()).unwrap();
        assert_eq!(n, 42);
        let f: Option<u16> = value(&doc, &ROOT, "float".into()).unwrap();
        assert_eq!(f, Some(7));
        let none: Option<u32> = value(&doc, &ROOT, "nothing".into()).unwrap();
        assert_eq!(none, None);
        assert!(value::<_, u32>(&doc, &ROOT, "negative".into()).is_err());
        assert!(value::<_, String>(&doc, &ROOT, "signed".into()).is_err());
    }
}
