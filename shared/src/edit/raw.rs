//! Raw writes (`qunjian set`, `resolve`) kept inside the schema.
//!
//! A raw value of the wrong type (text where a count belongs, a word that
//! is no enum value) would make its whole record unreadable: every app
//! would skip it, and the county's figures would lose it. So a raw write
//! is checked in its own transaction: the record it touched is read back
//! with its typed struct, and a record that no longer reads is refused,
//! which rolls the transaction back and leaves the document as it was.

use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjType, ROOT, ReadDoc, Value};
use autosurgeon::hydrate_prop;

use super::EditError;
use crate::meta::{RECORD_MAPS, TownshipMeta};
use crate::schema::{Activity, ExecLink, Honor, Nomination, Person, Record, Unit, Visit};

/// Put the JSON scalar `value` at `path` (keys separated by '/', missing
/// maps created), then refuse if the record (or `meta`) it lands in no
/// longer reads as its type. Only record fields and `meta` fields can be
/// written: `units/<id>/<field>[/...]` or `meta/<field>`.
pub fn set(
    tx: &mut Transaction<'_>,
    path: &str,
    value: &serde_json::Value,
) -> Result<(), EditError> {
    let bad = |why: &'static str| EditError::BadPath {
        path: path.to_string(),
        why,
    };
    if value.is_array() || value.is_object() {
        return Err(bad(
            "只能写入一个标量值（文字、数字、true/false、null），不能写列表或映射 (one scalar only)",
        ));
    }
    let keys: Vec<&str> = path.split('/').filter(|k| !k.is_empty()).collect();
    let Some((last, parents)) = keys.split_last() else {
        return Err(bad("路径为空：写成 units/<编号>/name 这样 (empty path)"));
    };
    match keys.first() {
        Some(&"meta") if keys.len() >= 2 => {}
        Some(root) if RECORD_MAPS.contains(root) && keys.len() >= 3 => {}
        Some(root) if RECORD_MAPS.contains(root) || *root == "meta" => {
            return Err(bad(
                "不能用一个值替换整张表或整条记录：路径要写到字段，如 units/<编号>/name (name a field)",
            ));
        }
        _ => {
            return Err(bad(
                "路径须以 meta 或记录表（units、people、nominations、activities、honors、visits）开头 (not a part of the schema)",
            ));
        }
    }
    let mut obj = ROOT;
    for key in parents {
        obj = match tx.get(&obj, *key)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => tx.put_object(&obj, *key, ObjType::Map)?,
        };
    }
    match value {
        serde_json::Value::String(s) => tx.put(&obj, *last, s.as_str())?,
        serde_json::Value::Bool(b) => tx.put(&obj, *last, *b)?,
        serde_json::Value::Number(n) => {
            // Signed, so a JavaScript app reads a plain number (schema/integer.rs).
            tx.put(&obj, *last, crate::schema::integer::from_json(n))?
        }
        // Null, and (refused above) lists and maps.
        _ => tx.put(&obj, *last, ())?,
    }
    match keys.as_slice() {
        ["meta", ..] => still_readable(tx, "meta", "", path),
        [map, id, ..] => still_readable(tx, map, id, path),
        _ => Ok(()),
    }
}

/// Refuse (so the caller's transaction rolls back) when record `id` of
/// `map` — or `meta` when `map` is `"meta"` — no longer reads as its type
/// after a raw write at `path`.
pub fn still_readable(
    tx: &Transaction<'_>,
    map: &str,
    id: &str,
    path: &str,
) -> Result<(), EditError> {
    let result = match map {
        "meta" => TownshipMeta::read(tx)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        crate::schema::TOWNSHIP_ORGS => crate::schema::TownshipOrgs::read(tx).map(|_| ()),
        Unit::MAP => readable::<Unit>(tx, id),
        Person::MAP => readable::<Person>(tx, id),
        Nomination::MAP => readable::<Nomination>(tx, id),
        Activity::MAP => readable::<Activity>(tx, id),
        Honor::MAP => readable::<Honor>(tx, id),
        Visit::MAP => readable::<Visit>(tx, id),
        ExecLink::MAP => readable::<ExecLink>(tx, id),
        _ => Ok(()),
    };
    result.map_err(|reason| EditError::DoesNotFit {
        path: path.to_string(),
        reason,
    })
}

fn readable<R: Record>(tx: &Transaction<'_>, id: &str) -> Result<(), String> {
    let map = match tx.get(ROOT, R::MAP) {
        Ok(Some((Value::Object(ObjType::Map), map))) => map,
        _ => return Err(format!("{} 表不存在", R::MAP)),
    };
    match tx.get(&map, id) {
        Ok(Some((Value::Object(ObjType::Map), _))) => {}
        _ => return Err(format!("{id} 不再是一条{}记录", R::NAME_ZH)),
    }
    hydrate_prop::<_, R, _, _>(tx, &map, id)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use automerge::Automerge;
    use automerge::transaction::Transaction;

    use super::*;
    use crate::edit::{add, get, resolve};
    use crate::schema::UnitKind;
    use crate::{TownshipKind, TownshipMeta};

    fn township() -> Automerge {
        TownshipMeta::new("330825101", "城关镇", TownshipKind::Zhen, "330825")
            .and_then(|m| m.new_document())
            .expect("a new township document")
    }

    /// Run `f` in a transaction kept only when it succeeds, as the client does.
    fn edit<R>(
        doc: &mut Automerge,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<R, EditError>,
    ) -> Result<R, EditError> {
        doc.transact(f)
            .map(|ok| ok.result)
            .map_err(|failure| failure.error)
    }

    #[test]
    fn a_value_that_does_not_fit_is_refused_and_nothing_is_written() {
        let mut doc = township();
        let mut unit = Unit::new("城关村", UnitKind::Village);
        unit.employees = Some(12);
        let id = edit(&mut doc, |tx| add(tx, &unit)).expect("add");
        let heads = doc.get_heads();

        let path = format!("units/{id}/employees");
        let err = edit(&mut doc, |tx| set(tx, &path, &serde_json::json!("许多")));
        assert!(matches!(err, Err(EditError::DoesNotFit { .. })), "{err:?}");
        let kind = format!("units/{id}/kind");
        let err = edit(&mut doc, |tx| {
            set(tx, &kind, &serde_json::json!("cooperative"))
        });
        assert!(matches!(err, Err(EditError::DoesNotFit { .. })), "{err:?}");
        let whole = format!("units/{id}");
        let err = edit(&mut doc, |tx| set(tx, &whole, &serde_json::json!(1)));
        assert!(matches!(err, Err(EditError::BadPath { .. })), "{err:?}");
        let err = edit(&mut doc, |tx| set(tx, "elsewhere/x", &serde_json::json!(1)));
        assert!(matches!(err, Err(EditError::BadPath { .. })), "{err:?}");
        assert_eq!(doc.get_heads(), heads, "a refused write left a change");

        edit(&mut doc, |tx| set(tx, &path, &serde_json::json!(15))).expect("a count fits");
        let read: Option<Unit> = get(&doc, &id).expect("readable");
        assert_eq!(read.and_then(|u| u.employees), Some(15));
    }

    #[test]
    fn resolve_refuses_a_field_that_is_not_in_conflict() {
        let mut doc = township();
        let id = edit(&mut doc, |tx| {
            add(tx, &Unit::new("城关村", UnitKind::Village))
        })
        .expect("add");
        let err = edit(&mut doc, |tx| {
            resolve(tx, "units", &id, "name", &serde_json::json!("城关社区"))
        });
        assert!(
            matches!(err, Err(EditError::NotInConflict { .. })),
            "{err:?}"
        );
        let read: Option<Unit> = get(&doc, &id).expect("readable");
        assert_eq!(read.map(|u| u.name).as_deref(), Some("城关村"));
    }

    #[test]
    fn resolve_settles_a_conflict_only_with_a_value_that_fits() {
        let mut doc = township();
        let id = edit(&mut doc, |tx| {
            add(tx, &Unit::new("城关村", UnitKind::Village))
        })
        .expect("add");
        let mut other = doc.fork();
        let path = format!("units/{id}/employees");
        edit(&mut doc, |tx| set(tx, &path, &serde_json::json!(12))).expect("one device");
        edit(&mut other, |tx| set(tx, &path, &serde_json::json!(13))).expect("the other");
        doc.merge(&mut other).expect("merge");
        assert_eq!(crate::conflicts::in_record(&doc, "units", &id).len(), 1);

        let err = edit(&mut doc, |tx| {
            resolve(tx, "units", &id, "employees", &serde_json::json!("十二"))
        });
        assert!(matches!(err, Err(EditError::DoesNotFit { .. })), "{err:?}");
        assert_eq!(crate::conflicts::in_record(&doc, "units", &id).len(), 1);
        edit(&mut doc, |tx| {
            resolve(tx, "units", &id, "employees", &serde_json::json!(12))
        })
        .expect("a count settles it");
        assert!(crate::conflicts::in_record(&doc, "units", &id).is_empty());
    }
}
