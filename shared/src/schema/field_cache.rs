//! Reading a record's fields in one pass instead of one seek each.
//!
//! autosurgeon's derived `Hydrate` asks the document for every field with
//! its own `get`. In automerge 0.12 each `get` seeks into the document's op
//! columns from the top and decodes from the start of a slab, which costs
//! about 15 µs whatever the map's size: a township of 16,000 records with
//! nine fields each spent three seconds there. One `map_range` over the
//! record yields all its fields for the price of one seek, so
//! [`FieldCache`] answers `get` on a map from that pass and passes every
//! other read to the document unchanged. The derived code, and so every
//! rule about missing and lenient fields, stays exactly as it is.

use std::cell::RefCell;
use std::ops::RangeBounds;
use std::rc::Rc;

use automerge::{self as am, AutomergeError, ObjId, ObjType, Prop, Value};
use autosurgeon::ReadDoc;

/// One field of a map: its key, winning value and that value's id.
type Field = (String, Value<'static>, ObjId);

/// How many maps are remembered. Hydration goes depth first (a record,
/// then its nested maps, then back), so a few are enough.
const REMEMBERED: usize = 8;

/// A `ReadDoc` over `doc` that reads each map's fields once.
pub struct FieldCache<'a, D> {
    doc: &'a D,
    maps: RefCell<Vec<(ObjId, Rc<[Field]>)>>,
}

impl<'a, D: ReadDoc> FieldCache<'a, D> {
    /// Read through to `doc`.
    pub fn new(doc: &'a D) -> Self {
        FieldCache {
            doc,
            maps: RefCell::new(Vec::with_capacity(REMEMBERED)),
        }
    }

    /// The fields of `obj`, remembered or read now; `None` when `obj` is
    /// not a map.
    fn fields(&self, obj: &ObjId) -> Option<Rc<[Field]>> {
        if let Some((_, fields)) = self.maps.borrow().iter().find(|(id, _)| id == obj) {
            return Some(fields.clone());
        }
        if !matches!(
            self.doc.object_type(obj),
            Some(ObjType::Map | ObjType::Table)
        ) {
            return None;
        }
        let fields: Rc<[Field]> = self
            .doc
            .map_range(obj, ..)
            .map(|item| {
                let id = item.id();
                (item.key.into_owned(), item.value.into_value(), id)
            })
            .collect();
        let mut maps = self.maps.borrow_mut();
        if maps.len() == REMEMBERED {
            maps.remove(0);
        }
        maps.push((obj.clone(), fields.clone()));
        Some(fields)
    }
}

impl<D: ReadDoc> ReadDoc for FieldCache<'_, D> {
    type Parents<'b>
        = D::Parents<'b>
    where
        Self: 'b;

    fn get_heads(&self) -> Vec<am::ChangeHash> {
        self.doc.get_heads()
    }

    fn get<P: Into<Prop>>(
        &self,
        obj: &ObjId,
        prop: P,
    ) -> Result<Option<(Value<'_>, ObjId)>, AutomergeError> {
        let prop = prop.into();
        if let Prop::Map(key) = &prop
            && let Some(fields) = self.fields(obj)
        {
            return Ok(fields
                .iter()
                .find(|(k, _, _)| k == key)
                .map(|(_, value, id)| (value.clone(), id.clone())));
        }
        // Lists, and anything the document should judge itself.
        self.doc.get(obj, prop)
    }

    fn object_type<O: AsRef<ObjId>>(&self, obj: O) -> Option<ObjType> {
        self.doc.object_type(obj)
    }

    fn map_range<'b, O, R>(&'b self, obj: O, range: R) -> am::iter::MapRange<'b>
    where
        R: RangeBounds<String> + 'b,
        O: AsRef<ObjId>,
        R: RangeBounds<String>,
    {
        self.doc.map_range(obj, range)
    }

    fn list_range<O: AsRef<ObjId>, R: RangeBounds<usize>>(
        &self,
        obj: O,
        range: R,
    ) -> am::iter::ListRange<'_> {
        self.doc.list_range(obj, range)
    }

    fn length<O: AsRef<ObjId>>(&self, obj: O) -> usize {
        self.doc.length(obj)
    }

    fn text<O: AsRef<ObjId>>(&self, obj: O) -> Result<String, AutomergeError> {
        self.doc.text(obj)
    }

    fn parents<O: AsRef<ObjId>>(&self, obj: O) -> Result<Self::Parents<'_>, AutomergeError> {
        self.doc.parents(obj)
    }

    fn is_empty(&self) -> bool {
        self.doc.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use am::transaction::Transactable;
    use am::{AutoCommit, ROOT, ScalarValue};

    /// A document with what hydration meets: scalars of several types, a
    /// Text, nested maps, a list, a deleted key and a concurrent write
    /// merged into a conflict.
    fn document() -> AutoCommit {
        let mut a = AutoCommit::new();
        let records = a.put_object(ROOT, "activities", ObjType::Map).unwrap();
        for i in 0..20u64 {
            let r = a
                .put_object(&records, format!("r{i:02}"), ObjType::Map)
                .unwrap();
            a.put(&r, "title", format!("活动 {i}")).unwrap();
            a.put(&r, "participants", ScalarValue::Uint(i)).unwrap();
            a.put(&r, "signed", ScalarValue::Int(-(i as i64))).unwrap();
            a.put(&r, "archived", i % 3 == 0).unwrap();
            let notes = a.put_object(&r, "notes", ObjType::Text).unwrap();
            a.splice_text(&notes, 0, 0, "备注").unwrap();
            let units = a.put_object(&r, "units", ObjType::Map).unwrap();
            a.put(&units, "u1", true).unwrap();
            let list = a.put_object(&r, "list", ObjType::List).unwrap();
            a.insert(&list, 0, "x").unwrap();
            a.put(&r, "gone", "soon").unwrap();
            a.delete(&r, "gone").unwrap();
        }
        let mut b = a.fork().with_actor(am::ActorId::random());
        let r0 = match am::ReadDoc::get(&a, &records, "r00").unwrap() {
            Some((_, id)) => id,
            None => panic!("r00 missing"),
        };
        a.put(&r0, "title", "甲").unwrap();
        b.put(&r0, "title", "乙").unwrap();
        a.merge(&mut b).unwrap();
        a
    }

    /// Every object id in the document, depth first.
    fn objects(doc: &AutoCommit, obj: &ObjId, out: &mut Vec<ObjId>) {
        out.push(obj.clone());
        let children: Vec<ObjId> = match am::ReadDoc::object_type(doc, obj) {
            Ok(ObjType::Map | ObjType::Table) => am::ReadDoc::map_range(doc, obj, ..)
                .filter(|i| matches!(i.value, am::ValueRef::Object(_)))
                .map(|i| i.id())
                .collect(),
            Ok(ObjType::List) => am::ReadDoc::list_range(doc, obj, ..)
                .filter(|i| matches!(i.value, am::ValueRef::Object(_)))
                .map(|i| i.id())
                .collect(),
            _ => Vec::new(),
        };
        for c in children {
            objects(doc, &c, out);
        }
    }

    #[test]
    fn every_get_answers_as_the_document_does() {
        let doc = document();
        let cached = FieldCache::new(&doc);
        let mut all = Vec::new();
        objects(&doc, &ROOT, &mut all);
        assert!(all.len() > 60, "the walk found the nested objects");
        let keys = [
            "title",
            "participants",
            "signed",
            "archived",
            "notes",
            "units",
            "u1",
            "list",
            "gone",
            "missing",
            "activities",
            "r00",
            "r19",
        ];
        // Twice, so the second round reads from remembered maps.
        for _ in 0..2 {
            for obj in &all {
                for key in keys {
                    let direct = ReadDoc::get(&doc, obj, key).map_err(|e| e.to_string());
                    let through = cached.get(obj, key).map_err(|e| e.to_string());
                    assert_eq!(through, direct, "{obj:?}.{key}");
                }
                let direct = ReadDoc::get(&doc, obj, 0usize).map_err(|e| e.to_string());
                let through = cached.get(obj, 0usize).map_err(|e| e.to_string());
                assert_eq!(through, direct, "{obj:?}[0]");
            }
        }
    }

    #[test]
    fn a_conflicted_field_shows_the_winner_get_shows() {
        let doc = document();
        let records = match ReadDoc::get(&doc, &ROOT, "activities").unwrap() {
            Some((_, id)) => id,
            None => panic!("no activities"),
        };
        let r0 = match ReadDoc::get(&doc, &records, "r00").unwrap() {
            Some((_, id)) => id,
            None => panic!("no r00"),
        };
        assert_eq!(am::ReadDoc::get_all(&doc, &r0, "title").unwrap().len(), 2);
        let cached = FieldCache::new(&doc);
        let winner = cached
            .get(&r0, "title")
            .unwrap()
            .map(|(v, _)| v.to_string());
        let direct = ReadDoc::get(&doc, &r0, "title")
            .unwrap()
            .map(|(v, _)| v.to_string());
        assert!(winner.is_some());
        assert_eq!(winner, direct);
    }
}
