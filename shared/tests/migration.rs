//! The migration framework, proven with a test migration (schema 1 → 2:
//! mark every organization with a founding date as formed): running it
//! twice changes nothing, and two devices migrating the same document
//! concurrently, from different histories, merge to one result. The real
//! migrations of `MIGRATIONS` are tested in `signed_integers.rs`.

use automerge::transaction::{Transactable, Transaction};
use automerge::{ActorId, Automerge, AutomergeError, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use qunjian_shared::conflicts::conflicts;
use qunjian_shared::edit;
use qunjian_shared::migrate::{MigrateError, Migration, migrate};
use qunjian_shared::schema::{Date, TownshipDocument, Unit, UnitKind};
use qunjian_shared::{TownshipKind, TownshipMeta};

const ORGS: &[&str] = &["party_org", "union", "league", "women_org", "womens_home"];

fn backfill_formed(tx: &mut Transaction<'_>) -> Result<(), AutomergeError> {
    let Some((Value::Object(ObjType::Map), units)) = tx.get(ROOT, "units")? else {
        return Ok(());
    };
    for id in tx.keys(&units).collect::<Vec<_>>() {
        let Some((Value::Object(ObjType::Map), unit)) = tx.get(&units, id.as_str())? else {
            continue;
        };
        for org in ORGS {
            let Some((Value::Object(ObjType::Map), obj)) = tx.get(&unit, *org)? else {
                continue;
            };
            let dated = matches!(tx.get(&obj, "established")?, Some((Value::Scalar(s), _)) if matches!(s.as_ref(), ScalarValue::Str(_)));
            let formed = matches!(tx.get(&obj, "formed")?, Some((Value::Scalar(s), _)) if matches!(s.as_ref(), ScalarValue::Boolean(true)));
            // Idempotent: write only what is not already so.
            if dated && !formed {
                tx.put(&obj, "formed", true)?;
            }
        }
    }
    Ok(())
}

const TEST_MIGRATIONS: &[Migration] = &[Migration {
    from: 1,
    description: "有成立日期的组织标记为已建立",
    apply: backfill_formed,
}];

fn schema_of(doc: &Automerge) -> u64 {
    TownshipMeta::read(doc).expect("meta").schema
}

/// A schema-1 document whose union has a date but no `formed` flag.
fn old_document() -> (Automerge, String) {
    let mut meta = TownshipMeta::new("330825401", "模环乡", TownshipKind::Xiang, "").expect("meta");
    meta.schema = 1;
    let mut doc = meta.new_document().expect("doc");
    let mut unit = Unit::new("浙江某机械有限公司", UnitKind::Enterprise);
    unit.union.established = Some(Date::ymd(2021, 6, 1).expect("date"));
    let id = doc
        .transact(|tx| edit::add(tx, &unit))
        .map(|ok| ok.result)
        .map_err(|f| f.error)
        .expect("add");
    (doc, id)
}

#[test]
fn migrating_twice_is_the_same_as_once() {
    let (mut doc, id) = old_document();
    assert_eq!(
        migrate(&mut doc, TEST_MIGRATIONS, 2).expect("migrate"),
        vec![1]
    );
    assert_eq!(schema_of(&doc), 2);
    let heads = doc.get_heads();
    assert!(
        migrate(&mut doc, TEST_MIGRATIONS, 2)
            .expect("again")
            .is_empty()
    );
    assert_eq!(doc.get_heads(), heads, "a second run wrote nothing");
    let (typed, _) = TownshipDocument::hydrate(&doc).expect("hydrate");
    assert!(typed.units[&id].union.formed);
}

#[test]
fn two_devices_migrating_concurrently_converge() {
    let (doc, id) = old_document();
    let mut a = doc.fork().with_actor(ActorId::from(vec![0xA; 16]));
    let mut b = doc.fork().with_actor(ActorId::from(vec![0xB; 16]));
    // B has an edit of its own first, so the two migrations differ in history.
    b.transact(|tx| edit::update::<Unit>(tx, &id, |u| u.employees = Some(88)))
        .map_err(|f| f.error)
        .expect("edit on b");
    migrate(&mut a, TEST_MIGRATIONS, 2).expect("a migrates");
    migrate(&mut b, TEST_MIGRATIONS, 2).expect("b migrates");

    let mut b2 = b.clone();
    a.merge(&mut b2).expect("merge into a");
    let mut a2 = a.clone();
    b.merge(&mut a2).expect("merge into b");

    assert_eq!(a.get_heads(), b.get_heads());
    let (ta, _) = TownshipDocument::hydrate(&a).expect("hydrate a");
    let (tb, _) = TownshipDocument::hydrate(&b).expect("hydrate b");
    assert_eq!(ta, tb);
    assert_eq!(schema_of(&a), 2);
    assert!(ta.units[&id].union.formed);
    assert_eq!(ta.units[&id].employees, Some(88));
    assert!(
        conflicts(&a).is_empty(),
        "equal writes are no conflict: {:?}",
        conflicts(&a)
    );
    let heads = a.get_heads();
    assert!(
        migrate(&mut a, TEST_MIGRATIONS, 2)
            .expect("merged")
            .is_empty()
    );
    assert_eq!(a.get_heads(), heads);
}

#[test]
fn a_newer_document_or_a_gap_is_refused_clearly() {
    let (mut doc, _) = old_document();
    migrate(&mut doc, TEST_MIGRATIONS, 2).expect("to 2");
    let err = migrate(&mut doc, TEST_MIGRATIONS, 1).unwrap_err();
    assert!(matches!(
        err,
        MigrateError::TooNew {
            found: 2,
            supported: 1
        }
    ));
    assert!(err.to_string().contains("update the app"));
    let err = migrate(&mut doc, TEST_MIGRATIONS, 3).unwrap_err();
    assert!(matches!(err, MigrateError::Missing(2)));
}
