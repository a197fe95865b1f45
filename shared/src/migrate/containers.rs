//! Root maps a newer schema adds (`exec_links`, `township_orgs`), created
//! in documents made before them.
//!
//! A map created on two devices is two maps under one key, one hiding the
//! other (readers merge the copies, see `schema::map_copies`, but an app of
//! another language would not). So the county server, the one writer
//! every device syncs with, creates them in each document it holds when it
//! starts; devices that sync afterwards write into the server's map. This
//! is not a versioned migration: devices never run it.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Automerge, AutomergeError, ObjType, ROOT, ReadDoc, Value};

use crate::meta::RECORD_MAPS;
use crate::schema::{TOWNSHIP_ORGS, TownshipOrgs};

/// The root maps `doc` lacks.
pub fn missing(doc: &Automerge) -> Vec<&'static str> {
    RECORD_MAPS
        .iter()
        .copied()
        .chain([TOWNSHIP_ORGS])
        .filter(|name| {
            !matches!(
                ReadDoc::get(doc, ROOT, *name),
                Ok(Some((Value::Object(ObjType::Map), _)))
            )
        })
        .collect()
}

/// Create every root map `doc` lacks, in one commit; returns their names
/// (empty, and nothing written, when none was missing).
pub fn create_missing(doc: &mut Automerge) -> Result<Vec<&'static str>, AutomergeError> {
    let missing = missing(doc);
    if missing.is_empty() {
        return Ok(missing);
    }
    let message = format!("县服务器建立新的数据表：{}", missing.join("、"));
    doc.transact_with::<_, _, AutomergeError, _>(
        |_| CommitOptions::default().with_message(message),
        |tx| {
            for name in &missing {
                if *name == TOWNSHIP_ORGS {
                    TownshipOrgs::put_empty(tx)?;
                } else {
                    tx.put_object(ROOT, *name, ObjType::Map)?;
                }
            }
            Ok(())
        },
    )
    .map_err(|failure| failure.error)?;
    Ok(missing)
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;

    use super::*;
    use crate::schema::{Date, ExecLink, Record};
    use crate::{TownshipKind, TownshipMeta};

    fn old_document() -> Automerge {
        let mut doc = TownshipMeta::new("330825101", "城关镇", TownshipKind::Zhen, "330825")
            .unwrap()
            .new_document()
            .unwrap();
        let mut tx = doc.transaction();
        tx.delete(ROOT, ExecLink::MAP).unwrap();
        tx.delete(ROOT, TOWNSHIP_ORGS).unwrap();
        tx.commit();
        doc
    }

    #[test]
    fn a_new_document_lacks_nothing_and_gets_no_commit() {
        let mut doc = TownshipMeta::new("330825101", "城关镇", TownshipKind::Zhen, "330825")
            .unwrap()
            .new_document()
            .unwrap();
        let heads = doc.get_heads();
        assert_eq!(create_missing(&mut doc).unwrap(), Vec::<&str>::new());
        assert_eq!(doc.get_heads(), heads);
    }

    #[test]
    fn an_old_document_gets_the_maps_once() {
        let mut doc = old_document();
        assert_eq!(missing(&doc), vec![ExecLink::MAP, TOWNSHIP_ORGS]);
        assert_eq!(
            create_missing(&mut doc).unwrap(),
            vec![ExecLink::MAP, TOWNSHIP_ORGS]
        );
        assert!(missing(&doc).is_empty());
        let heads = doc.get_heads();
        assert!(create_missing(&mut doc).unwrap().is_empty());
        assert_eq!(doc.get_heads(), heads);
    }

    #[test]
    fn links_two_offline_devices_add_to_an_old_document_are_both_read_and_editable() {
        use crate::edit::{add, list_all, update};
        let mut a = old_document();
        let mut b = a.fork();
        let link = |who: &str| ExecLink {
            executive: who.into(),
            unit: "u".into(),
            since: Date::ymd(2026, 3, 1).unwrap(),
            until: None,
            notes: None,
            archived: false,
        };
        let mut tx = a.transaction();
        let on_a = add(&mut tx, &link("张丽")).unwrap();
        tx.commit();
        let mut tx = b.transaction();
        let on_b = add(&mut tx, &link("李芳")).unwrap();
        tx.commit();
        a.merge(&mut b).unwrap();
        let both = list_all::<ExecLink, _>(&a);
        assert_eq!(both.len(), 2, "{both:?}");
        // Whichever copy lost, its link can be edited, and reads as edited.
        for id in [&on_a, &on_b] {
            let mut tx = a.transaction();
            update::<ExecLink>(&mut tx, id, |l| l.notes = Some("已培训".into())).unwrap();
            tx.commit();
        }
        let edited = list_all::<ExecLink, _>(&a);
        assert_eq!(edited.len(), 2);
        assert!(
            edited
                .values()
                .all(|l| l.notes.as_deref() == Some("已培训"))
        );
    }
}
