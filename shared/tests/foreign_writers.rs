//! A record written the way JavaScript's automerge writes plain values
//! (strings as Text objects, numbers as signed integers) reads as the same
//! typed record Qunjian itself would write.

use automerge::transaction::Transactable;
use automerge::{AutomergeError, ObjType, ROOT, ReadDoc};
use qunjian_shared::schema::{Date, TownshipDocument, UnitKind};
use qunjian_shared::{TownshipKind, TownshipMeta};

#[test]
fn a_unit_written_with_javascript_defaults_reads_typed() {
    let meta = TownshipMeta::new("330825501", "庙下乡", TownshipKind::Xiang, "").expect("meta");
    let mut doc = meta.new_document().expect("doc");
    doc.transact::<_, _, AutomergeError>(|tx| {
        let units = tx.get(ROOT, "units")?.expect("units").1;
        let unit = tx.put_object(&units, "0190b3d6-0000-7000-8000-000000000001", ObjType::Map)?;
        let text = |tx: &mut automerge::transaction::Transaction<'_>,
                    obj: &automerge::ObjId,
                    key: &str,
                    value: &str| {
            let t = tx.put_object(obj, key, ObjType::Text)?;
            tx.splice_text(&t, 0, 0, value)
        };
        text(tx, &unit, "name", "浙江某竹木制品厂")?;
        text(tx, &unit, "kind", "enterprise")?;
        tx.put(&unit, "employees", 64i64)?;
        tx.put(&unit, "female_staff", 31.0f64)?;
        text(tx, &unit, "opened", "2018-09-01")?;
        tx.put(&unit, "archived", false)?;
        let union = tx.put_object(&unit, "union", ObjType::Map)?;
        tx.put(&union, "formed", true)?;
        text(tx, &union, "chair", "周建国")?;
        Ok(())
    })
    .map_err(|f| f.error)
    .expect("write like JavaScript");

    let (typed, unreadable) = TownshipDocument::hydrate(&doc).expect("hydrate");
    assert!(unreadable.is_empty(), "{unreadable:?}");
    let unit = typed.units.values().next().expect("one unit");
    assert_eq!(unit.name, "浙江某竹木制品厂");
    assert_eq!(unit.kind, UnitKind::Enterprise);
    assert_eq!(unit.employees, Some(64));
    assert_eq!(unit.female_staff, Some(31));
    assert_eq!(unit.opened, Date::ymd(2018, 9, 1));
    assert!(unit.union.formed);
    assert_eq!(unit.union.chair.as_deref(), Some("周建国"));
    assert!(doc.get(ROOT, "units").expect("read").is_some());
}
