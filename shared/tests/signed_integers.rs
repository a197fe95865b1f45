//! Schema 2: every whole number in a township document is a signed integer,
//! because JavaScript's automerge 3 reads an unsigned one as a `BigInt`
//! (and `JSON.stringify` of the document then throws).
//!
//! - Every way our code writes a number (a new document, records added and
//!   updated, 推优 steps, a raw `set`, a conflict resolved) writes `int`.
//! - A schema-1 document (numbers `uint`) migrates to `int` and reads the
//!   same before and after; a second run writes nothing.
//! - Two devices migrating concurrently converge with no conflict listed;
//!   an `int` and a `uint` of the same number are no conflict either; a real
//!   conflict (two different numbers) is left for a person.
//! - The limit of a rewriting migration: a number edited on one device
//!   after it migrated, before it saw another device's migration, conflicts
//!   with that migration's rewrite. Both values are kept and listed.

use automerge::transaction::Transactable;
use automerge::{
    ActorId, Automerge, AutomergeError, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value,
};
use qunjian_shared::conflicts::conflicts;
use qunjian_shared::edit;
use qunjian_shared::migrate::{MIGRATIONS, migrate};
use qunjian_shared::schema::{
    Activity, ActivityKind, AssemblyStep, Date, Honor, HonorLevel, HonorTitle, Person,
    RecommendingOrg, Step, TownshipDocument, Unit, UnitKind,
};
use qunjian_shared::{SCHEMA_VERSION, TownshipKind, TownshipMeta};
use serde_json::json;

fn date(s: &str) -> Date {
    s.parse().expect("date")
}

/// Run `f` in one transaction of `doc`.
fn change<T>(
    doc: &mut Automerge,
    f: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<T, edit::EditError>,
) -> T {
    doc.transact(f)
        .map(|ok| ok.result)
        .map_err(|f| f.error)
        .expect("change")
}

/// Where the document holds an unsigned integer (every concurrent value,
/// not only the one shown), as dotted paths.
fn unsigned(doc: &Automerge) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo: Vec<(ObjId, String)> = vec![(ROOT, String::new())];
    while let Some((obj, path)) = todo.pop() {
        for key in doc.keys(&obj).collect::<Vec<_>>() {
            let here = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            for (value, id) in doc.get_all(&obj, key.as_str()).expect("get_all") {
                match value {
                    Value::Object(ObjType::Map) => todo.push((id, here.clone())),
                    Value::Scalar(s) if matches!(s.as_ref(), ScalarValue::Uint(_)) => {
                        out.push(here.clone())
                    }
                    _ => {}
                }
            }
        }
    }
    out.sort();
    out
}

/// A township with every numeric field of every record kind filled, written
/// through the edit functions the client uses, plus a number a raw `set`
/// writes into a field this version does not know. Returns the document
/// and the unit's id.
fn township() -> (Automerge, String) {
    let meta = TownshipMeta::new("330825401", "模环乡", TownshipKind::Xiang, "").expect("meta");
    let mut doc = meta.new_document().expect("doc");
    let mut unit = Unit::new("浙江某机械有限公司", UnitKind::Enterprise);
    unit.employees = Some(120);
    unit.female_staff = Some(45);
    unit.youth = Some(30);
    let unit_id = change(&mut doc, |tx| edit::add(tx, &unit));
    let mut person = Person::new("王小红");
    person.birth_year = Some(1996);
    person.unit = Some(unit_id.clone());
    let person_id = change(&mut doc, |tx| edit::add(tx, &person));
    let nomination = change(&mut doc, |tx| {
        edit::nominate(
            tx,
            &person_id,
            RecommendingOrg::League,
            &unit_id,
            2025,
            false,
        )
    });
    change(&mut doc, |tx| {
        edit::record_step(
            tx,
            &nomination,
            &Step::Assembly(AssemblyStep {
                date: date("2025-03-01"),
                attendance: Some(28),
                votes_for: Some(25),
            }),
        )
    });
    let mut activity = Activity::new(ActivityKind::Training, "女职工培训", date("2025-03-08"));
    activity.participants = 40;
    activity.women_participants = 31;
    change(&mut doc, |tx| edit::add(tx, &activity));
    let honor = Honor {
        title: HonorTitle::WomensCivilizedPost,
        level: HonorLevel::County,
        year: 2024,
        recipient_unit: Some(unit_id.clone()),
        recipient_person: None,
        archived: false,
    };
    change(&mut doc, |tx| edit::add(tx, &honor));
    change(&mut doc, |tx| {
        edit::set(tx, &format!("units/{unit_id}/x_app_visits"), &json!(3))
    });
    change(&mut doc, |tx| {
        edit::update::<Unit>(tx, &unit_id, |u| u.employees = Some(121)).map(|_| ())
    });
    (doc, unit_id)
}

/// Turn `doc` into what schema 1 wrote: every non-negative integer
/// unsigned, `meta.schema` 1.
fn as_schema_1(doc: &mut Automerge) {
    doc.transact::<_, _, AutomergeError>(|tx| {
        let mut todo = vec![ROOT];
        while let Some(obj) = todo.pop() {
            for key in tx.keys(&obj).collect::<Vec<_>>() {
                match tx.get(&obj, key.as_str())? {
                    Some((Value::Object(ObjType::Map), id)) => todo.push(id),
                    Some((Value::Scalar(s), _)) => {
                        if let ScalarValue::Int(i) = s.as_ref()
                            && *i >= 0
                        {
                            tx.put(&obj, key.as_str(), *i as u64)?;
                        }
                    }
                    _ => {}
                }
            }
        }
        let Some((Value::Object(ObjType::Map), meta)) = tx.get(ROOT, "meta")? else {
            panic!("no meta");
        };
        tx.put(&meta, "schema", 1u64)?;
        Ok(())
    })
    .expect("write schema 1");
}

fn typed(doc: &Automerge) -> TownshipDocument {
    let (typed, unreadable) = TownshipDocument::hydrate(doc).expect("hydrate");
    assert!(unreadable.is_empty(), "{unreadable:?}");
    typed
}

#[test]
fn every_number_we_write_is_signed() {
    let (mut doc, unit) = township();
    // A conflict on a count, settled through `edit::resolve`.
    let mut other = doc.fork().with_actor(ActorId::from(vec![0xB; 16]));
    change(&mut doc, |tx| {
        edit::set(tx, &format!("units/{unit}/youth"), &json!(31))
    });
    change(&mut other, |tx| {
        edit::set(tx, &format!("units/{unit}/youth"), &json!(32))
    });
    doc.merge(&mut other).expect("merge");
    assert_eq!(conflicts(&doc).len(), 1, "the two youth counts conflict");
    change(&mut doc, |tx| {
        edit::resolve(tx, "units", &unit, "youth", &json!(32))
    });
    assert!(conflicts(&doc).is_empty());

    assert_eq!(unsigned(&doc), Vec::<String>::new());
    let typed = typed(&doc);
    assert_eq!(typed.meta.schema, SCHEMA_VERSION);
    assert_eq!(typed.units[&unit].youth, Some(32));
    assert_eq!(typed.units[&unit].employees, Some(121));
    let heads = doc.get_heads();
    assert!(
        migrate(&mut doc, MIGRATIONS, SCHEMA_VERSION)
            .expect("migrate")
            .is_empty()
    );
    assert_eq!(doc.get_heads(), heads, "a new document needs no migration");
}

#[test]
fn a_schema_1_document_migrates_to_signed_numbers_and_reads_the_same() {
    let (mut doc, unit) = township();
    let mut before = typed(&doc);
    as_schema_1(&mut doc);
    let old = unsigned(&doc);
    for path in [
        "meta.schema",
        "units.{unit}.employees",
        "units.{unit}.x_app_visits",
    ] {
        let path = path.replace("{unit}", &unit);
        assert!(old.contains(&path), "{path} is not a uint in {old:?}");
    }
    // Schema 1 reads as it always did (lenient.rs takes both kinds).
    before.meta.schema = 1;
    assert_eq!(typed(&doc), before);

    assert_eq!(
        migrate(&mut doc, MIGRATIONS, SCHEMA_VERSION).expect("migrate"),
        vec![1]
    );
    assert_eq!(unsigned(&doc), Vec::<String>::new());
    before.meta.schema = 2;
    assert_eq!(typed(&doc), before, "the migration changed no value");
    assert_eq!(
        doc.get(unit_obj(&doc, &unit), "x_app_visits")
            .expect("get")
            .map(|(v, _)| v.to_string()),
        Some("3".to_string()),
        "a field of another app is converted too"
    );
    let heads = doc.get_heads();
    assert!(
        migrate(&mut doc, MIGRATIONS, SCHEMA_VERSION)
            .expect("again")
            .is_empty()
    );
    assert_eq!(doc.get_heads(), heads, "a second run writes nothing");
}

fn unit_obj(doc: &Automerge, unit: &str) -> ObjId {
    let Some((_, units)) = doc.get(ROOT, "units").expect("units") else {
        panic!("no units");
    };
    let Some((_, obj)) = doc.get(&units, unit).expect("unit") else {
        panic!("no unit {unit}");
    };
    obj
}

#[test]
fn two_devices_migrating_concurrently_converge_with_no_conflict() {
    let (mut doc, unit) = township();
    as_schema_1(&mut doc);
    let mut a = doc.fork().with_actor(ActorId::from(vec![0xA; 16]));
    let mut b = doc.fork().with_actor(ActorId::from(vec![0xB; 16]));
    // B edits first, so the two migrations start from different histories.
    change(&mut b, |tx| {
        edit::update::<Unit>(tx, &unit, |u| u.union.chair = Some("李桂英".into())).map(|_| ())
    });
    migrate(&mut a, MIGRATIONS, SCHEMA_VERSION).expect("a migrates");
    migrate(&mut b, MIGRATIONS, SCHEMA_VERSION).expect("b migrates");
    a.merge(&mut b.clone()).expect("merge into a");
    b.merge(&mut a.clone()).expect("merge into b");

    assert_eq!(a.get_heads(), b.get_heads());
    assert_eq!(typed(&a), typed(&b));
    assert_eq!(typed(&a).meta.schema, 2);
    assert_eq!(
        typed(&a).units[&unit].union.chair.as_deref(),
        Some("李桂英")
    );
    assert_eq!(typed(&a).units[&unit].female_staff, Some(45));
    assert_eq!(unsigned(&a), Vec::<String>::new());
    assert!(
        conflicts(&a).is_empty(),
        "equal writes are no conflict: {:?}",
        conflicts(&a)
    );
    let heads = a.get_heads();
    assert!(
        migrate(&mut a, MIGRATIONS, SCHEMA_VERSION)
            .expect("merged")
            .is_empty()
    );
    assert_eq!(a.get_heads(), heads);
}

#[test]
fn an_int_and_a_uint_of_the_same_number_are_no_conflict() {
    let (mut doc, unit) = township();
    let mut old = doc.fork().with_actor(ActorId::from(vec![0xC; 16]));
    // A device of schema 1 (or a JS app using `new Uint`) and one of ours
    // write the same count concurrently.
    change(&mut doc, |tx| {
        edit::update::<Unit>(tx, &unit, |u| u.employees = Some(200)).map(|_| ())
    });
    let obj = unit_obj(&old, &unit);
    old.transact::<_, _, AutomergeError>(|tx| tx.put(&obj, "employees", 200u64))
        .expect("old write");
    doc.merge(&mut old).expect("merge");
    assert_eq!(doc.get_all(&obj, "employees").expect("get_all").len(), 2);
    assert!(conflicts(&doc).is_empty(), "{:?}", conflicts(&doc));
    assert_eq!(typed(&doc).units[&unit].employees, Some(200));
}

#[test]
fn a_real_conflict_is_left_for_a_person() {
    let (mut doc, unit) = township();
    as_schema_1(&mut doc);
    let obj = unit_obj(&doc, &unit);
    let mut other = doc.fork().with_actor(ActorId::from(vec![0xD; 16]));
    doc.transact::<_, _, AutomergeError>(|tx| tx.put(&obj, "employees", 5u64))
        .expect("write 5");
    other
        .transact::<_, _, AutomergeError>(|tx| tx.put(&obj, "employees", 7u64))
        .expect("write 7");
    doc.merge(&mut other).expect("merge");
    migrate(&mut doc, MIGRATIONS, SCHEMA_VERSION).expect("migrate");

    let found = conflicts(&doc);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "employees");
    let mut values: Vec<_> = found[0].values.iter().map(|v| v.value.clone()).collect();
    values.sort_by_key(|v| v.as_u64());
    assert_eq!(values, vec![json!(5), json!(7)]);
    // Everything else is signed now.
    let employees = format!("units.{unit}.employees");
    assert!(
        unsigned(&doc).iter().all(|p| *p == employees),
        "{:?}",
        unsigned(&doc)
    );
}

#[test]
fn a_number_edited_after_migrating_conflicts_with_another_migration_and_is_listed() {
    let (mut doc, unit) = township();
    as_schema_1(&mut doc);
    let mut a = doc.fork().with_actor(ActorId::from(vec![0xA; 16]));
    let mut b = doc.fork().with_actor(ActorId::from(vec![0xB; 16]));
    migrate(&mut a, MIGRATIONS, SCHEMA_VERSION).expect("a migrates");
    migrate(&mut b, MIGRATIONS, SCHEMA_VERSION).expect("b migrates");
    change(&mut b, |tx| {
        edit::update::<Unit>(tx, &unit, |u| u.female_staff = Some(46)).map(|_| ())
    });
    a.merge(&mut b).expect("merge");
    let found = conflicts(&a);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "female_staff");
    let mut values: Vec<_> = found[0].values.iter().map(|v| v.value.clone()).collect();
    values.sort_by_key(|v| v.as_u64());
    assert_eq!(values, vec![json!(45), json!(46)], "nothing is lost");
    assert_eq!(unsigned(&a), Vec::<String>::new());
}
