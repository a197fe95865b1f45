//! Add, get, list, update and archive any kind of record.

use std::collections::BTreeMap;

use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjId, ObjType, ROOT, ReadDoc, Value};
use autosurgeon::{hydrate_prop, reconcile_prop};

use super::EditError;
use crate::schema::{Record, new_id};

/// Add `record` under a new id (UUID v7) and return the id.
pub fn add<R: Record>(tx: &mut Transaction<'_>, record: &R) -> Result<String, EditError> {
    let id = new_id();
    let map = records_map::<R>(tx)?;
    put(tx, &map, &id, record)?;
    Ok(id)
}

/// The record with this id, archived or not; `None` if there is none.
pub fn get<R: Record, D: ReadDoc + autosurgeon::ReadDoc>(
    doc: &D,
    id: &str,
) -> Result<Option<R>, EditError> {
    let Some(map) = holding_copy(doc, R::MAP, id) else {
        return Ok(None);
    };
    hydrate_prop(doc, &map, id)
        .map(Some)
        .map_err(|e| EditError::Unreadable {
            id: id.to_string(),
            reason: e.to_string(),
        })
}

/// Every readable record of this kind, archived ones included.
pub fn list_all<R: Record, D: ReadDoc + autosurgeon::ReadDoc>(doc: &D) -> BTreeMap<String, R> {
    let mut unreadable = Vec::new();
    crate::schema::records::<R, D>(doc, &mut unreadable)
}

/// Change a record through `f`; only the fields `f` changed are written.
pub fn update<R: Record>(
    tx: &mut Transaction<'_>,
    id: &str,
    f: impl FnOnce(&mut R),
) -> Result<R, EditError> {
    let map = records_map::<R>(tx)?;
    let mut record: R = read(tx, &map, id)?;
    f(&mut record);
    put(tx, &map, id, &record)?;
    Ok(record)
}

/// Archive (or restore) a record with one scalar write, so archiving never
/// touches, and cannot fight with, an edit of any other field.
pub fn archive<R: Record>(
    tx: &mut Transaction<'_>,
    id: &str,
    archived: bool,
) -> Result<(), EditError> {
    let map = records_map::<R>(tx)?;
    let record = record_obj::<R>(tx, &map, id)?;
    tx.put(&record, "archived", archived)?;
    Ok(())
}

/// The root map of this record kind (the copy Automerge shows, when two
/// devices created it: see [`crate::schema::map_copies`]); created only if
/// the document lacks it (made before this kind existed, or by hand).
pub fn records_map<R: Record>(tx: &mut Transaction<'_>) -> Result<ObjId, EditError> {
    Ok(match tx.get(ROOT, R::MAP)? {
        Some((Value::Object(ObjType::Map), id)) => id,
        _ => tx.put_object(ROOT, R::MAP, ObjType::Map)?,
    })
}

/// The first copy of root map `name` that holds record `id`.
fn holding_copy<D: ReadDoc>(doc: &D, name: &str, id: &str) -> Option<ObjId> {
    crate::schema::map_copies(doc, name)
        .into_iter()
        .find(|map| matches!(ReadDoc::get(doc, map, id), Ok(Some(_))))
}

/// The record's own map object in `map` (the copy edits write to), or "no
/// such record". A record only another copy holds is first written into
/// `map` as it reads there, so the edit lands where readers look first.
pub(crate) fn record_obj<R: Record>(
    tx: &mut Transaction<'_>,
    map: &ObjId,
    id: &str,
) -> Result<ObjId, EditError> {
    let missing = || EditError::NoSuchRecord {
        kind: R::NAME_ZH,
        id: id.to_string(),
    };
    if let Some((Value::Object(ObjType::Map), obj)) = tx.get(map, id)? {
        return Ok(obj);
    }
    let other = holding_copy(tx, R::MAP, id).ok_or_else(missing)?;
    let record: R = hydrate_prop(tx, &other, id).map_err(|e| EditError::Unreadable {
        id: id.to_string(),
        reason: e.to_string(),
    })?;
    put(tx, map, id, &record)?;
    match tx.get(map, id)? {
        Some((Value::Object(ObjType::Map), obj)) => Ok(obj),
        _ => Err(missing()),
    }
}

/// Read one record inside a transaction, or say it does not exist.
pub(crate) fn read<R: Record>(
    tx: &mut Transaction<'_>,
    map: &ObjId,
    id: &str,
) -> Result<R, EditError> {
    record_obj::<R>(tx, map, id)?;
    hydrate_prop(tx, map, id).map_err(|e| EditError::Unreadable {
        id: id.to_string(),
        reason: e.to_string(),
    })
}

/// Reconcile one record into its map: only what differs is written.
pub(crate) fn put<R: Record>(
    tx: &mut Transaction<'_>,
    map: &ObjId,
    id: &str,
    record: &R,
) -> Result<(), EditError> {
    reconcile_prop(tx, map, id, record).map_err(|e| EditError::Unwritable {
        id: id.to_string(),
        reason: e.to_string(),
    })
}
