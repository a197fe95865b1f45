//! The township's own 妇联, 团委 and 总工会 (`township_orgs`): read and
//! edit them, field by field.
//!
//! A document made before `township_orgs` existed has none. The first edit
//! creates it, inside the edit's own transaction and only when absent,
//! with every field written (see [`TownshipOrgs::put_empty`]). Two offline
//! devices making that first edit both create one; the merged document then
//! holds two copies under one key. Reading merges them (the winner's values
//! first, the other's where the winner has none), and the next edit writes
//! the merged values into the winning copy, so nothing either device
//! recorded is lost or hidden.

use automerge::transaction::Transaction;
use automerge::{ObjType, ROOT, ReadDoc, Value};
use autosurgeon::reconcile_prop;

use super::EditError;
use crate::schema::{TOWNSHIP_ORGS, TownshipOrgs};

/// The township's own organizations as recorded (nothing recorded when the
/// document has no `township_orgs`).
pub fn township_orgs<D: ReadDoc + autosurgeon::ReadDoc>(
    doc: &D,
) -> Result<TownshipOrgs, EditError> {
    TownshipOrgs::read(doc).map_err(|reason| EditError::Unreadable {
        id: TOWNSHIP_ORGS.to_string(),
        reason,
    })
}

/// Change the township's own organizations through `f`; only the fields `f`
/// changed are written (into the existing maps, so a concurrent edit of
/// another field on another device merges with this one).
pub fn update_township_orgs(
    tx: &mut Transaction<'_>,
    f: impl FnOnce(&mut TownshipOrgs),
) -> Result<TownshipOrgs, EditError> {
    // Read before creating: a document whose only copy is unreadable must
    // refuse the edit, not paper over the copy with an empty one.
    let mut orgs = township_orgs(tx)?;
    if !matches!(
        ReadDoc::get(tx, ROOT, TOWNSHIP_ORGS)?,
        Some((Value::Object(ObjType::Map), _))
    ) {
        TownshipOrgs::put_empty(tx)?;
    }
    f(&mut orgs);
    reconcile_prop(tx, ROOT, TOWNSHIP_ORGS, &orgs).map_err(|e| EditError::Unwritable {
        id: TOWNSHIP_ORGS.to_string(),
        reason: e.to_string(),
    })?;
    Ok(orgs)
}

#[cfg(test)]
mod tests {
    use automerge::Automerge;
    use automerge::transaction::Transactable;

    use super::*;
    use crate::schema::Date;
    use crate::{TownshipKind, TownshipMeta};

    fn new_township() -> Automerge {
        TownshipMeta::new("330825101", "城关镇", TownshipKind::Zhen, "330825")
            .and_then(|m| m.new_document())
            .expect("a new document")
    }

    /// A document as made before `township_orgs` existed.
    fn old_township() -> Automerge {
        let mut doc = new_township();
        let mut tx = doc.transaction();
        tx.delete(ROOT, TOWNSHIP_ORGS).expect("delete");
        tx.commit();
        doc
    }

    fn edit(doc: &mut Automerge, f: impl FnOnce(&mut TownshipOrgs)) -> TownshipOrgs {
        let mut tx = doc.transaction();
        let out = update_township_orgs(&mut tx, f).expect("edit");
        tx.commit();
        out
    }

    fn fork(doc: &mut Automerge) -> Automerge {
        doc.fork()
    }

    #[test]
    fn a_new_document_has_the_maps_with_every_field_written() {
        let doc = new_township();
        assert_eq!(township_orgs(&doc).expect("read"), TownshipOrgs::default());
        let (_, fed) = ReadDoc::get(&doc, ROOT, TOWNSHIP_ORGS)
            .expect("get")
            .expect("township_orgs");
        let (_, fed) = ReadDoc::get(&doc, &fed, "federation")
            .expect("get")
            .expect("federation");
        let keys: Vec<String> = doc.keys(&fed).collect();
        assert_eq!(
            keys,
            ["chair", "chair_full_time", "established", "formed"],
            "every field present, so no first edit writes a null over another device's value"
        );
        // Reconciling the empty value again writes nothing.
        let mut again = doc.clone();
        let heads = again.get_heads();
        edit(&mut again, |_| {});
        assert_eq!(again.get_heads(), heads, "an edit that changes nothing");
    }

    #[test]
    fn an_old_document_reads_as_nothing_recorded_and_gets_the_map_on_first_edit() {
        let mut doc = old_township();
        assert!(
            ReadDoc::get(&doc, ROOT, TOWNSHIP_ORGS)
                .expect("get")
                .is_none()
        );
        assert_eq!(township_orgs(&doc).expect("read"), TownshipOrgs::default());
        edit(&mut doc, |o| {
            o.federation.formed = true;
            o.federation.chair = Some("张敏".into());
        });
        let read = township_orgs(&doc).expect("read");
        assert!(read.federation.formed);
        assert_eq!(read.federation.chair.as_deref(), Some("张敏"));
        assert_eq!(read.league_committee, Default::default());
    }

    #[test]
    fn two_devices_editing_different_fields_merge_field_by_field() {
        let mut a = new_township();
        let mut b = fork(&mut a);
        edit(&mut a, |o| o.federation.chair = Some("张敏".into()));
        edit(&mut b, |o| o.federation.chair_full_time = Some(true));
        edit(&mut b, |o| {
            o.union_federation.established = Some(Date::ymd(2019, 5, 1).expect("date"))
        });
        a.merge(&mut b).expect("merge");
        let read = township_orgs(&a).expect("read");
        assert_eq!(read.federation.chair.as_deref(), Some("张敏"));
        assert_eq!(read.federation.chair_full_time, Some(true));
        assert_eq!(
            read.union_federation.established,
            Some(Date::ymd(2019, 5, 1).expect("date"))
        );
    }

    #[test]
    fn two_chairs_typed_on_two_devices_are_a_conflict_named_and_settled_by_resolve() {
        let mut a = new_township();
        let mut b = fork(&mut a);
        edit(&mut a, |o| o.federation.chair = Some("张敏".into()));
        edit(&mut b, |o| o.federation.chair = Some("李娟".into()));
        a.merge(&mut b).expect("merge");
        let found = crate::conflicts::conflicts(&a);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].map.as_str(), found[0].field.as_str()),
            (TOWNSHIP_ORGS, "federation.chair")
        );
        let (typed, _) = crate::schema::TownshipDocument::hydrate(&a).expect("read");
        let (zh, _) = crate::conflicts::describe(&typed, &found[0]);
        assert!(zh.starts_with("乡镇本级组织的「乡镇妇联 · 主席」"), "{zh}");

        let mut tx = a.transaction();
        crate::edit::resolve(
            &mut tx,
            TOWNSHIP_ORGS,
            "",
            "federation.chair",
            &"李娟".into(),
        )
        .expect("settled");
        tx.commit();
        assert_eq!(crate::conflicts::conflicts(&a), vec![]);
        let read = township_orgs(&a).expect("read");
        assert_eq!(read.federation.chair.as_deref(), Some("李娟"));
    }

    #[test]
    fn two_devices_creating_the_map_on_an_old_document_lose_nothing() {
        let mut a = old_township();
        let mut b = fork(&mut a);
        edit(&mut a, |o| o.federation.chair = Some("张敏".into()));
        edit(&mut b, |o| {
            o.federation.formed = true;
            o.federation.chair_full_time = Some(true);
        });
        a.merge(&mut b).expect("merge");
        b.merge(&mut a).expect("merge");
        assert_eq!(
            ReadDoc::get_all(&a, ROOT, TOWNSHIP_ORGS)
                .expect("get_all")
                .len(),
            2,
            "both devices created a copy"
        );
        let read = township_orgs(&a).expect("read");
        assert!(read.federation.formed);
        assert_eq!(read.federation.chair.as_deref(), Some("张敏"));
        assert_eq!(read.federation.chair_full_time, Some(true));
        assert_eq!(
            township_orgs(&b).expect("read"),
            read,
            "every replica reads the same"
        );
        // The next edit writes the merged values into the copy that shows.
        edit(&mut b, |o| {
            o.league_committee.secretary = Some("王强".into())
        });
        let (_, shown) = ReadDoc::get(&b, ROOT, TOWNSHIP_ORGS)
            .expect("get")
            .expect("township_orgs");
        let shown =
            <TownshipOrgs as autosurgeon::Hydrate>::hydrate_map(&b, &shown).expect("hydrate");
        assert_eq!(shown.federation.chair.as_deref(), Some("张敏"));
        assert_eq!(shown.federation.chair_full_time, Some(true));
        assert_eq!(shown.league_committee.secretary.as_deref(), Some("王强"));
    }

    #[test]
    fn an_unreadable_copy_refuses_the_edit_and_writes_nothing() {
        let mut doc = old_township();
        let mut tx = doc.transaction();
        let orgs = tx
            .put_object(ROOT, TOWNSHIP_ORGS, ObjType::Map)
            .expect("put");
        let fed = tx
            .put_object(&orgs, "federation", ObjType::Map)
            .expect("put");
        tx.put(&fed, "chair_full_time", "yes").expect("put");
        tx.commit();
        let heads = doc.get_heads();
        let mut tx = doc.transaction();
        let err = update_township_orgs(&mut tx, |o| o.federation.formed = true).unwrap_err();
        tx.rollback();
        assert!(matches!(err, EditError::Unreadable { .. }), "{err}");
        assert_eq!(doc.get_heads(), heads);
    }
}
