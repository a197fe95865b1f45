//! Fields where concurrent writes left more than one value.
//!
//! Automerge never drops a concurrent write: it keeps every value and shows
//! one (the same one on every replica). A ledger must not pretend the other
//! never happened, so these are listed for a person to settle. Conflicts
//! whose values are all equal (two devices typing the same thing, or the
//! same migration run twice) are no disagreement and are not listed.

use automerge::{ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value, ValueRef};
use serde::Serialize;

use crate::meta::RECORD_MAPS;

/// One value of a conflicted field and who wrote it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictValue {
    /// The value; a map or list shows as `{"object": "map"}`.
    pub value: serde_json::Value,
    /// The Automerge actor (device) that wrote it, hex.
    pub author: String,
}

/// A field with several values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// The record map (`units`, `people`, ... or `meta`).
    pub map: String,
    /// The record id (empty for `meta`).
    pub id: String,
    /// The field's path inside the record, dotted (`union.chair`); empty when
    /// the record itself was created twice under one id.
    pub field: String,
    /// The values, in Automerge's order: the one it shows (the winner) last.
    pub values: Vec<ConflictValue>,
}

/// Every conflicted field in the document.
///
/// The walk reads each map once with `map_range`, whose items say whether
/// the key holds more than one value, and asks for all the values only
/// there. Asking every key (`get_all` per field) cost seconds on a large
/// township, and nearly every field of a ledger has one value.
pub fn conflicts(doc: &impl ReadDoc) -> Vec<Conflict> {
    let mut out = Vec::new();
    // The two maps that are not records: the township's own description,
    // and its own organizations (a chair typed on two devices).
    for map in ["meta", crate::schema::TOWNSHIP_ORGS] {
        if let Ok(Some((Value::Object(ObjType::Map), obj))) = doc.get(ROOT, map) {
            walk(doc, &obj, map, "", "", &mut out);
        }
    }
    for map in RECORD_MAPS {
        let Ok(Some((Value::Object(ObjType::Map), records))) = doc.get(ROOT, *map) else {
            continue;
        };
        let items: Vec<(String, bool, Option<ObjId>)> = doc
            .map_range(&records, ..)
            .map(|item| {
                let child = matches!(item.value, ValueRef::Object(ObjType::Map)).then(|| item.id());
                (item.key.into_owned(), item.conflict, child)
            })
            .collect();
        for (id, conflict, record) in items {
            if conflict {
                check(doc, &records, &id, map, &id, "", &mut out);
            }
            if let Some(record) = record {
                walk(doc, &record, map, &id, "", &mut out);
            }
        }
    }
    out
}

/// The conflicted fields of one record (`map` is one of `RECORD_MAPS`), in
/// the order [`conflicts`] lists them: the record's own key first (created
/// twice under one id), then its fields. For a projection that re-reads
/// only the records a change touched.
pub fn in_record(doc: &impl ReadDoc, map: &str, id: &str) -> Vec<Conflict> {
    let mut out = Vec::new();
    let Ok(Some((Value::Object(ObjType::Map), records))) = doc.get(ROOT, map) else {
        return out;
    };
    check(doc, &records, id, map, id, "", &mut out);
    if let Ok(Some((Value::Object(ObjType::Map), record))) = doc.get(&records, id) {
        walk(doc, &record, map, id, "", &mut out);
    }
    out
}

fn walk(
    doc: &impl ReadDoc,
    obj: &ObjId,
    map: &str,
    id: &str,
    prefix: &str,
    out: &mut Vec<Conflict>,
) {
    let items: Vec<(String, bool, Option<ObjId>)> = doc
        .map_range(obj, ..)
        .map(|item| {
            let child = matches!(item.value, ValueRef::Object(ObjType::Map)).then(|| item.id());
            (item.key.into_owned(), item.conflict, child)
        })
        .collect();
    for (key, conflict, child) in items {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if conflict {
            check(doc, obj, &key, map, id, &path, out);
        }
        if let Some(child) = child {
            walk(doc, &child, map, id, &path, out);
        }
    }
}

fn check(
    doc: &impl ReadDoc,
    obj: &ObjId,
    key: &str,
    map: &str,
    id: &str,
    field: &str,
    out: &mut Vec<Conflict>,
) {
    let Ok(all) = doc.get_all(obj, key) else {
        return;
    };
    if all.len() < 2 {
        return;
    }
    let values: Vec<ConflictValue> = all
        .iter()
        .map(|(value, exid)| ConflictValue {
            value: value_json(doc, value, exid),
            author: author(exid),
        })
        .collect();
    let first = &values[0].value;
    let differ = values.iter().any(|v| &v.value != first) || first.get("object").is_some();
    if differ {
        out.push(Conflict {
            map: map.to_string(),
            id: id.to_string(),
            field: field.to_string(),
            values,
        });
    }
}

fn author(exid: &ObjId) -> String {
    match exid {
        ObjId::Id(_, actor, _) => actor.to_hex_string(),
        ObjId::Root => String::new(),
    }
}

fn value_json(doc: &impl ReadDoc, value: &Value<'_>, exid: &ObjId) -> serde_json::Value {
    match value {
        Value::Scalar(s) => scalar_json(s),
        Value::Object(ObjType::Text) => doc
            .text(exid)
            .map(serde_json::Value::String)
            .unwrap_or(serde_json::Value::Null),
        Value::Object(kind) => serde_json::json!({ "object": kind.to_string() }),
    }
}

/// A scalar as JSON.
pub fn scalar_json(s: &ScalarValue) -> serde_json::Value {
    use serde_json::Value as J;
    match s {
        ScalarValue::Str(v) => J::String(v.to_string()),
        ScalarValue::Int(v) => J::from(*v),
        ScalarValue::Uint(v) => J::from(*v),
        ScalarValue::F64(v) => J::from(*v),
        ScalarValue::Boolean(v) => J::Bool(*v),
        ScalarValue::Null => J::Null,
        ScalarValue::Counter(c) => J::from(i64::from(c)),
        ScalarValue::Timestamp(t) => J::from(*t),
        other => J::String(other.to_string()),
    }
}

/// What a conflict says to a person, in Chinese and English: the record by
/// its name (`单位「城关村」`), the field, and every value, so the county's
/// 数据质量 and a device's 数据检查 can find it without an id.
pub fn describe(doc: &crate::schema::TownshipDocument, c: &Conflict) -> (String, String) {
    let (who_zh, who_en) = match crate::validation::names::subject(doc, &c.map, &c.id) {
        Some(s) => (s.zh, s.en),
        None if c.map == "meta" => ("乡镇信息".to_string(), "The township's meta".to_string()),
        None if c.map == crate::schema::TOWNSHIP_ORGS => (
            "乡镇本级组织".to_string(),
            "The township's own organizations".to_string(),
        ),
        None => (
            format!("{}（编号 {}）", crate::field_words::map_label(&c.map), c.id),
            format!("{} {}", c.map, c.id),
        ),
    };
    // Values as a cadre reads them (行政村, not `village`; a unit by its
    // name), and the field by its label, not its stored path.
    let name_of = |map: &str, id: &str| -> Option<String> {
        match map {
            "units" => doc.units.get(id).map(|u| u.name.clone()),
            "people" => doc.people.get(id).map(|p| p.name.clone()),
            _ => None,
        }
    };
    let words: Vec<String> = c
        .values
        .iter()
        .map(|v| crate::field_words::shown(&name_of, &c.map, &c.field, &v.value))
        .collect();
    let words = words.join(" / ");
    let stored: Vec<String> = c.values.iter().map(|v| v.value.to_string()).collect();
    let stored = stored.join(" / ");
    let n = c.values.len();
    if c.field.is_empty() {
        (
            format!("{who_zh}在同一编号下被创建了 {n} 次，未解决: {words}"),
            format!("{who_en} was created {n} times under one id: {stored}"),
        )
    } else {
        (
            format!(
                "{who_zh}的「{}」有 {n} 个并发值未解决: {words}",
                crate::field_words::label(&c.map, &c.field)
            ),
            format!(
                "{who_en}: field {} has {n} concurrent values: {stored}",
                c.field
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::{TownshipKind, TownshipMeta};
    use automerge::transaction::Transactable;

    fn fork_and_write(value_a: &str, value_b: &str) -> automerge::Automerge {
        let meta = TownshipMeta::new("1", "镇", TownshipKind::Zhen, "").unwrap();
        let mut a = meta.new_document().unwrap();
        a.transact::<_, _, automerge::AutomergeError>(|tx| {
            let units = tx.get(ROOT, "units")?.unwrap().1;
            let u = tx.put_object(&units, "u1", ObjType::Map)?;
            tx.put(&u, "name", "村")?;
            Ok(())
        })
        .unwrap();
        let mut b = a.fork();
        for (doc, value) in [(&mut a, value_a), (&mut b, value_b)] {
            doc.transact::<_, _, automerge::AutomergeError>(|tx| {
                let units = tx.get(ROOT, "units")?.unwrap().1;
                let u = tx.get(&units, "u1")?.unwrap().1;
                tx.put(&u, "name", value)?;
                Ok(())
            })
            .unwrap();
        }
        a.merge(&mut b).unwrap();
        a
    }

    #[test]
    fn different_concurrent_values_are_listed_with_their_authors() {
        let doc = fork_and_write("城关村", "城关社区");
        let found = conflicts(&doc);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (
                found[0].map.as_str(),
                found[0].id.as_str(),
                found[0].field.as_str()
            ),
            ("units", "u1", "name")
        );
        let mut values: Vec<_> = found[0].values.iter().map(|v| v.value.clone()).collect();
        values.sort_by_key(|v| v.to_string());
        assert_eq!(
            values,
            vec![serde_json::json!("城关村"), serde_json::json!("城关社区")]
        );
        assert_ne!(found[0].values[0].author, found[0].values[1].author);
    }

    #[test]
    fn equal_concurrent_values_are_no_conflict() {
        let doc = fork_and_write("城关村", "城关村");
        assert!(conflicts(&doc).is_empty());
    }

    #[test]
    fn a_conflict_names_its_record_and_every_value() {
        use crate::schema::{TownshipDocument, Unit, UnitKind};
        let mut doc = TownshipDocument {
            meta: TownshipMeta::new("1", "镇", TownshipKind::Zhen, "").unwrap(),
            units: Default::default(),
            people: Default::default(),
            nominations: Default::default(),
            activities: Default::default(),
            honors: Default::default(),
            visits: Default::default(),
            exec_links: Default::default(),
            township_orgs: Default::default(),
        };
        doc.units
            .insert("u1".into(), Unit::new("城关村", UnitKind::Village));
        let value = |v: &str| ConflictValue {
            value: serde_json::json!(v),
            author: "aa".into(),
        };
        let c = Conflict {
            map: "units".into(),
            id: "u1".into(),
            field: "name".into(),
            values: vec![value("城关村委会"), value("城关村村委")],
        };
        let (zh, en) = describe(&doc, &c);
        assert_eq!(
            zh,
            "单位「城关村」的「单位名称」有 2 个并发值未解决: 城关村委会 / 城关村村委"
        );
        assert!(en.starts_with("Unit \"城关村\": field name"), "{en}");
        let gone = Conflict {
            id: "u9".into(),
            ..c
        };
        assert!(describe(&doc, &gone).0.starts_with("单位（编号 u9）"));
    }
}
