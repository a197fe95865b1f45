//! Settling a field where devices wrote different values concurrently:
//! one new write supersedes every value Automerge kept.

use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjId, ObjType, ROOT, ReadDoc, Value};

use super::EditError;

/// Write `value` over every value of one field. `map` and `id` name the
/// record (`"units"` and its id; `"meta"` and `""`), `field` its dotted path
/// as `conflicts::conflicts` gives it. A JSON object (a 推优 step recorded
/// twice) is written as a new map.
///
/// Only a field that is in conflict is settled (anything else is an edit,
/// for the typed calls); and the record must still read as its type
/// afterwards, or the write is refused and the transaction rolls back.
pub fn resolve(
    tx: &mut Transaction<'_>,
    map: &str,
    id: &str,
    field: &str,
    value: &serde_json::Value,
) -> Result<(), EditError> {
    let conflicted = if map == "meta" || map == crate::schema::TOWNSHIP_ORGS {
        crate::conflicts::conflicts(tx)
    } else {
        crate::conflicts::in_record(tx, map, id)
    };
    if !conflicted
        .iter()
        .any(|c| c.map == map && c.id == id && c.field == field)
    {
        return Err(EditError::NotInConflict {
            map: map.to_string(),
            id: id.to_string(),
            field: field.to_string(),
        });
    }
    let missing = || EditError::NoSuchField {
        map: map.to_string(),
        id: id.to_string(),
        field: field.to_string(),
    };
    let mut obj = child_map(tx, &ROOT, map).ok_or_else(missing)?;
    if !id.is_empty() {
        obj = child_map(tx, &obj, id).ok_or_else(missing)?;
    }
    let parts: Vec<&str> = field.split('.').filter(|p| !p.is_empty()).collect();
    let Some((last, parents)) = parts.split_last() else {
        return Err(missing());
    };
    for part in parents {
        obj = child_map(tx, &obj, part).ok_or_else(missing)?;
    }
    put_json(tx, &obj, last, value)?;
    let path = format!("{map}/{id}/{field}");
    super::still_readable(tx, map, id, &path)
}

fn child_map(tx: &Transaction<'_>, obj: &ObjId, key: &str) -> Option<ObjId> {
    match tx.get(obj, key) {
        Ok(Some((Value::Object(ObjType::Map), id))) => Some(id),
        _ => None,
    }
}

fn put_json(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    key: &str,
    value: &serde_json::Value,
) -> Result<(), EditError> {
    use serde_json::Value as J;
    match value {
        J::Null => tx.put(obj, key, ())?,
        J::Bool(b) => tx.put(obj, key, *b)?,
        J::String(s) => tx.put(obj, key, s.as_str())?,
        J::Number(n) => {
            // Signed, so a JavaScript app reads a plain number (schema/integer.rs).
            tx.put(obj, key, crate::schema::integer::from_json(n))?
        }
        J::Object(fields) => {
            let child = tx.put_object(obj, key, ObjType::Map)?;
            for (k, v) in fields {
                put_json(tx, &child, k, v)?;
            }
        }
        J::Array(items) => {
            let list = tx.put_object(obj, key, ObjType::List)?;
            for (i, v) in items.iter().enumerate() {
                match v {
                    J::String(s) => tx.insert(&list, i, s.as_str())?,
                    other => tx.insert(&list, i, other.to_string())?,
                }
            }
        }
    }
    Ok(())
}
