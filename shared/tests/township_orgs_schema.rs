//! `township_orgs` in the published contract: what the code writes
//! validates against `shared/schema/township.schema.json`, every key it
//! writes is declared there, a document without it still validates (and
//! reads), and a wrong type is refused by the schema and the Rust reader
//! alike.

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT, ReadDoc};
use jsonschema::Validator;
use qunjian_shared::doc_json::to_json;
use qunjian_shared::edit;
use qunjian_shared::schema::{TOWNSHIP_ORGS, TownshipDocument, TownshipOrgs};
use qunjian_shared::{TownshipKind, TownshipMeta};
use serde_json::Value;

const SCHEMA: &str = include_str!("../schema/township.schema.json");

fn schema() -> Value {
    serde_json::from_str(SCHEMA).expect("township.schema.json is JSON")
}

fn validator() -> Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema())
        .expect("the schema compiles")
}

fn errors(doc: &Automerge) -> Vec<String> {
    validator()
        .iter_errors(&to_json(doc))
        .map(|e| format!("at '{}': {e}", e.instance_path))
        .collect()
}

fn new_township() -> Automerge {
    TownshipMeta::new("330825101", "城关镇", TownshipKind::Zhen, "330825")
        .and_then(|m| m.new_document())
        .expect("a new document")
}

#[test]
fn what_the_code_writes_validates_and_every_key_is_declared() {
    let mut doc = new_township();
    assert_eq!(errors(&doc), Vec::<String>::new(), "a new document");
    let mut tx = doc.transaction();
    edit::update_township_orgs(&mut tx, |o| {
        o.federation.formed = true;
        o.federation.established = Some("2020-05-01".parse().expect("date"));
        o.federation.chair = Some("张敏".into());
        o.federation.chair_full_time = Some(true);
        o.league_committee.secretary = Some("王强".into());
        o.league_committee.secretary_full_time = Some(false);
        o.union_federation.chair = Some("赵磊".into());
        o.union_federation.chair_full_time = Some(true);
    })
    .expect("edit");
    tx.commit();
    assert_eq!(errors(&doc), Vec::<String>::new(), "a filled-in document");

    let json = to_json(&doc);
    let defs = &schema()["$defs"];
    let orgs = json[TOWNSHIP_ORGS].as_object().expect("township_orgs");
    let declared = |def: &str, key: &str| defs[def]["properties"].get(key).is_some();
    for (key, value) in orgs {
        assert!(declared("TownshipOrgs", key), "township_orgs/{key}");
        let def = match key.as_str() {
            "federation" => "TownshipFederation",
            "league_committee" => "TownshipLeagueCommittee",
            "union_federation" => "TownshipUnionFederation",
            other => panic!("undeclared township_orgs/{other}"),
        };
        for field in value.as_object().expect("a map").keys() {
            assert!(declared(def, field), "township_orgs/{key}/{field}");
        }
    }
    // Only booleans, strings and null: plain JSON in JavaScript too.
    for value in orgs
        .values()
        .flat_map(|o| o.as_object().expect("map").values())
    {
        assert!(
            value.is_boolean() || value.is_string() || value.is_null(),
            "{value}"
        );
    }
}

#[test]
fn a_document_without_township_orgs_validates_and_reads() {
    let mut doc = new_township();
    let mut tx = doc.transaction();
    tx.delete(ROOT, TOWNSHIP_ORGS).expect("delete");
    tx.commit();
    assert_eq!(errors(&doc), Vec::<String>::new());
    let (typed, unreadable) = TownshipDocument::hydrate(&doc).expect("hydrate");
    assert_eq!(typed.township_orgs, TownshipOrgs::default());
    assert!(unreadable.is_empty(), "{unreadable:?}");
}

#[test]
fn a_wrong_type_is_refused_by_the_schema_and_the_reader() {
    let mut doc = new_township();
    let mut tx = doc.transaction();
    let (_, orgs) = ReadDoc::get(&tx, ROOT, TOWNSHIP_ORGS)
        .expect("get")
        .expect("township_orgs");
    let (_, federation) = ReadDoc::get(&tx, &orgs, "federation")
        .expect("get")
        .expect("federation");
    tx.put(&federation, "chair_full_time", "是").expect("put");
    tx.commit();
    assert!(!errors(&doc).is_empty(), "the schema refuses a string");
    let (_, unreadable) = TownshipDocument::hydrate(&doc).expect("hydrate");
    assert!(
        unreadable.iter().any(|u| u.map == TOWNSHIP_ORGS),
        "{unreadable:?}"
    );
    // Replaced whole by a scalar: refused too.
    let mut doc = new_township();
    let mut tx = doc.transaction();
    tx.put(ROOT, TOWNSHIP_ORGS, "none").expect("put");
    tx.commit();
    assert!(!errors(&doc).is_empty());
}
