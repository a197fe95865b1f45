//! The published contract of a township document — `shared/schema/township.schema.json`
//! and `docs/SCHEMA.md` — held against the code that writes and reads documents.
//!
//! - Documents built through the client's code path (`TownshipMeta::new_document`,
//!   then `autosurgeon::reconcile_prop` of each record into its map) validate,
//!   for fully populated and minimal records and every value of every enum.
//! - The complete example at the end of SCHEMA.md validates, and the Rust
//!   reader reads every record of it.
//! - Wrong documents are rejected, and the Rust reader refuses the same records.
//! - Field by field, removing a key, nulling it or giving it the wrong type is
//!   accepted by the schema exactly when the Rust reader accepts it, so the
//!   schema's `required` lists and nullability cannot drift from the types.
//! - Each enum in the schema lists exactly the Rust enum's values and labels,
//!   in order, and SCHEMA.md has a table row for each.

use std::collections::BTreeSet;

use automerge::transaction::{Transactable, Transaction};
use automerge::{Automerge, AutomergeError, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use autosurgeon::Text;
use jsonschema::Validator;
use qunjian_shared::doc_json::to_json;
use qunjian_shared::meta::RECORD_MAPS;
use qunjian_shared::schema::{
    Activity, ActivityKind, ApprovalStep, AssemblyStep, Date, EnumValues, ExecLink, Gender, Honor,
    HonorLevel, HonorTitle, InspectionStep, League, Nomination, OrgKind, PartyDecision,
    PartyDecisionStep, PartyOrg, PartyOrgForm, PartyRating, PartyStage, Person, RecommendedStep,
    RecommendingOrg, Record, ReviewDecision, Role, Set, StepName, Steps, TownshipDocument, Union,
    Unit, UnitKind, UpperReviewStep, Visit, WomenOrg, WomenOrgForm, WomensHome, new_id,
};
use qunjian_shared::{SCHEMA_VERSION, TownshipKind, TownshipMeta};
use serde_json::{Map, Value as Json, json};

const SCHEMA: &str = include_str!("../schema/township.schema.json");
const SCHEMA_MD: &str = include_str!("../../docs/SCHEMA.md");

// ---------------------------------------------------------------------------
// The schema and validation

fn schema() -> Json {
    serde_json::from_str(SCHEMA).expect("shared/schema/township.schema.json is not JSON")
}

/// A draft 2020-12 validator that also asserts `format` (so `2023-02-29` is
/// refused as a date, as the Rust reader refuses it).
fn validator() -> Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema())
        .expect("township.schema.json does not compile as a draft 2020-12 schema")
}

/// Every validation error, one a line, with where it is.
fn errors(validator: &Validator, doc: &Json) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| {
            format!(
                "at '{}': {} (schema: {})",
                e.instance_path, e, e.schema_path
            )
        })
        .collect()
}

fn assert_valid(validator: &Validator, what: &str, doc: &Json) {
    let errors = errors(validator, doc);
    assert!(
        errors.is_empty(),
        "{what} does not match township.schema.json ({} errors):\n  {}\n\nthe document:\n{}",
        errors.len(),
        errors.join("\n  "),
        serde_json::to_string_pretty(doc).unwrap()
    );
}

// ---------------------------------------------------------------------------
// Building documents through the client's code path

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

fn new_doc(kind: TownshipKind) -> Automerge {
    TownshipMeta::new("330825101", "城关镇", kind, "330825")
        .unwrap()
        .new_document()
        .unwrap()
}

fn records_map(tx: &Transaction<'_>, map: &str) -> ObjId {
    match tx.get(ROOT, map).unwrap() {
        Some((Value::Object(ObjType::Map), obj)) => obj,
        other => panic!("new_document made no '{map}' map: {other:?}"),
    }
}

/// Add a record the way the client does (`edit::records::put`): reconcile it
/// under its id into its record map, in one transaction.
fn put<R: Record>(doc: &mut Automerge, record: &R) -> String {
    let id = new_id();
    doc.transact::<_, _, autosurgeon::ReconcileError>(|tx| {
        let map = records_map(tx, R::MAP);
        autosurgeon::reconcile_prop(tx, &map, id.as_str(), record)
    })
    .unwrap_or_else(|f| panic!("reconciling a {} failed: {}", R::NAME_ZH, f.error));
    id
}

/// Record one step under its own key in `steps`, the way `edit::record_step` does.
fn put_step<S: autosurgeon::Reconcile>(
    doc: &mut Automerge,
    nomination: &str,
    step: StepName,
    s: &S,
) {
    doc.transact::<_, _, autosurgeon::ReconcileError>(|tx| {
        let map = records_map(tx, Nomination::MAP);
        let Some((Value::Object(ObjType::Map), record)) = tx.get(&map, nomination)? else {
            panic!("no nomination {nomination}");
        };
        let Some((Value::Object(ObjType::Map), steps)) = tx.get(&record, "steps")? else {
            panic!("nomination {nomination} has no steps map");
        };
        autosurgeon::reconcile_prop(tx, &steps, step.as_str(), s)
    })
    .unwrap_or_else(|f| panic!("recording step {step} failed: {}", f.error));
}

fn cycle<T: Clone>(all: &[T], i: usize) -> T {
    all[i % all.len()].clone()
}

/// A document with fully populated records, and every value of every enum
/// somewhere (each loop runs over an enum's `ALL`, so a new variant is
/// covered without touching this test).
fn full_document() -> Automerge {
    let mut doc = new_doc(TownshipKind::Zhen);

    let park = put(&mut doc, &Unit::new("城东工业园区", UnitKind::Park));
    let mut units = Vec::new();
    let n_units = UnitKind::ALL
        .len()
        .max(PartyOrgForm::ALL.len())
        .max(PartyRating::ALL.len())
        .max(WomenOrgForm::ALL.len());
    for i in 0..n_units {
        let kind = cycle(UnitKind::ALL, i);
        let unit = Unit {
            name: format!("单位{i}"),
            kind,
            parent: Some(park.clone()),
            credit_code: Some("91330825MA2B3C4D52".into()),
            employees: Some(120 + i as u32),
            female_staff: Some(45),
            youth: Some(18),
            opened: Some(date("2012-05-20")),
            archived: i == 1,
            party_org: PartyOrg {
                formed: true,
                form: Some(cycle(PartyOrgForm::ALL, i)),
                rating: Some(cycle(PartyRating::ALL, i)),
                established: Some(date("2013-07-01")),
            },
            union: Union {
                formed: true,
                established: Some(date("2014-03-01")),
                independent: Some(i % 2 == 0),
                chair: Some("赵建国".into()),
                female_workers_committee: Some(true),
            },
            league: League {
                formed: true,
                established: Some(date("2015-05-04")),
                secretary: Some("王磊".into()),
            },
            women_org: WomenOrg {
                formed: true,
                form: Some(cycle(WomenOrgForm::ALL, i)),
                established: Some(date("2016-03-08")),
                chair: Some("李秀英".into()),
                chair_full_time: Some(i % 2 == 1),
                chair_on_committees: Some(i % 2 == 0),
            },
            womens_home: WomensHome {
                formed: true,
                established: Some(date("2016-03-08")),
            },
        };
        units.push(put(&mut doc, &unit));
    }

    let mut people = Vec::new();
    for i in 0..PartyStage::ALL.len().max(Gender::ALL.len()) {
        let person = Person {
            name: format!("人员{i}"),
            gender: Some(cycle(Gender::ALL, i)),
            birth_year: Some(1990 + i as u16),
            unit: Some(cycle(&units, i)),
            party_stage: cycle(PartyStage::ALL, i),
            roles: if i == 0 {
                Role::ALL.iter().copied().collect()
            } else {
                [cycle(Role::ALL, i)].into_iter().collect()
            },
            archived: i == 2,
        };
        people.push(put(&mut doc, &person));
    }

    let n_nominations = RecommendingOrg::ALL
        .len()
        .max(ReviewDecision::ALL.len())
        .max(PartyDecision::ALL.len());
    for i in 0..n_nominations {
        let nomination = Nomination {
            person: cycle(&people, i),
            organization: cycle(RecommendingOrg::ALL, i),
            unit: cycle(&units, i),
            year: 2024,
            direct: i == 1,
            steps: Steps {
                assembly: Some(AssemblyStep {
                    date: date("2024-03-15"),
                    attendance: Some(36),
                    votes_for: Some(33),
                }),
                inspection: Some(InspectionStep {
                    date: date("2024-04-02"),
                    inspector: Some("张伟".into()),
                    summary: Some("工作积极，群众公认".into()),
                }),
                approval: Some(ApprovalStep {
                    date: date("2024-04-20"),
                    reason: Some("表现突出".into()),
                }),
                upper_review: Some(UpperReviewStep {
                    date: date("2024-05-06"),
                    organization: Some("团县委".into()),
                    decision: cycle(ReviewDecision::ALL, i),
                    comment: Some("同意推荐".into()),
                }),
                recommended: Some(RecommendedStep {
                    date: date("2024-05-20"),
                    party_organization: Some("城关镇党委".into()),
                }),
                party_decision: Some(PartyDecisionStep {
                    date: date("2024-06-28"),
                    decision: cycle(PartyDecision::ALL, i),
                }),
            },
            archived: i == 2,
        };
        put(&mut doc, &nomination);
    }

    // A nomination whose steps are recorded one by one, each under its own key.
    let stepwise = put(
        &mut doc,
        &Nomination {
            person: people[0].clone(),
            organization: RecommendingOrg::Women,
            unit: units[0].clone(),
            year: 2025,
            direct: false,
            steps: Steps::default(),
            archived: false,
        },
    );
    let assembly = AssemblyStep {
        date: date("2025-03-10"),
        attendance: Some(20),
        votes_for: Some(19),
    };
    put_step(&mut doc, &stepwise, StepName::Assembly, &assembly);
    let inspection = InspectionStep {
        date: date("2025-03-20"),
        inspector: None,
        summary: None,
    };
    put_step(&mut doc, &stepwise, StepName::Inspection, &inspection);

    for (i, kind) in ActivityKind::ALL.iter().enumerate() {
        let activity = Activity {
            organizations: OrgKind::ALL.iter().copied().collect(),
            kind: *kind,
            title: format!("活动{i}"),
            date: date("2024-03-08"),
            units: units.iter().take(2).cloned().collect(),
            participants: 40,
            women_participants: 32,
            notes: Text::with_value("会后座谈，收集意见 12 条"),
            archived: i == 1,
        };
        put(&mut doc, &activity);
    }

    for i in 0..HonorTitle::ALL.len().max(HonorLevel::ALL.len()) {
        let to_unit = i % 2 == 0;
        let honor = Honor {
            title: cycle(HonorTitle::ALL, i),
            level: cycle(HonorLevel::ALL, i),
            year: 2023,
            recipient_unit: to_unit.then(|| cycle(&units, i)),
            recipient_person: (!to_unit).then(|| cycle(&people, i)),
            archived: i == 1,
        };
        put(&mut doc, &honor);
    }

    let visit = Visit {
        cadre: "县妇联 刘芳".into(),
        unit: units[0].clone(),
        date: date("2024-05-10"),
        purpose: Some("指导妇委会换届".into()),
        notes: Some("已召开妇女大会".into()),
        archived: false,
    };
    put(&mut doc, &visit);
    let link = ExecLink {
        executive: "刘芳".into(),
        unit: units[0].clone(),
        since: date("2024-01-15"),
        until: Some(date("2025-12-31")),
        notes: Some("县妇联分配".into()),
        archived: false,
    };
    put(&mut doc, &link);
    doc
}

/// A document whose records carry only what their types require.
fn minimal_document() -> Automerge {
    let mut doc = new_doc(TownshipKind::Xiang);
    let unit = put(&mut doc, &Unit::new("西山村", UnitKind::Village));
    let person = put(&mut doc, &Person::new("张三"));
    let nomination = put(
        &mut doc,
        &Nomination {
            person: person.clone(),
            organization: RecommendingOrg::Union,
            unit: unit.clone(),
            year: 2024,
            direct: true,
            steps: Steps::default(),
            archived: false,
        },
    );
    // Steps with only their required fields, as a direct nomination records them.
    let review = UpperReviewStep {
        date: date("2024-05-06"),
        organization: None,
        decision: ReviewDecision::Approved,
        comment: None,
    };
    put_step(&mut doc, &nomination, StepName::UpperReview, &review);
    let recommended = RecommendedStep {
        date: date("2024-05-20"),
        party_organization: None,
    };
    put_step(&mut doc, &nomination, StepName::Recommended, &recommended);
    let decision = PartyDecisionStep {
        date: date("2024-06-28"),
        decision: PartyDecision::KeepCultivating,
    };
    put_step(&mut doc, &nomination, StepName::PartyDecision, &decision);
    put(
        &mut doc,
        &Activity::new(ActivityKind::Study, "学习会", date("2024-01-05")),
    );
    put(
        &mut doc,
        &Honor {
            title: HonorTitle::MostBeautifulFamily,
            level: HonorLevel::County,
            year: 2024,
            recipient_unit: None,
            recipient_person: None,
            archived: false,
        },
    );
    put(
        &mut doc,
        &Visit {
            cadre: "李四".into(),
            unit,
            date: date("2024-02-01"),
            purpose: None,
            notes: None,
            archived: false,
        },
    );
    put(
        &mut doc,
        &ExecLink {
            executive: "李四".into(),
            unit: String::new(),
            since: date("2024-01-01"),
            until: None,
            notes: None,
            archived: false,
        },
    );
    doc
}

// ---------------------------------------------------------------------------
// Reading JSON back the way another app would have written it

/// Write a JSON document into a fresh Automerge document the way a careful
/// foreign app writes it: strings as scalar strings except activity notes
/// (Text), non-negative integers as unsigned, maps as maps.
fn doc_from_json(json: &Json) -> Automerge {
    let mut doc = Automerge::new();
    doc.transact::<_, _, AutomergeError>(|tx| {
        let root = json.as_object().expect("a document is a JSON object");
        let mut path = Vec::new();
        for (key, value) in root {
            write_json(tx, &ROOT, key, value, &mut path)?;
        }
        Ok(())
    })
    .unwrap();
    doc
}

fn write_json(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    key: &str,
    value: &Json,
    path: &mut Vec<String>,
) -> Result<(), AutomergeError> {
    path.push(key.to_string());
    let is_text = path.len() == 3 && path[0] == "activities" && path[2] == "notes";
    match value {
        Json::Null => tx.put(obj, key, ScalarValue::Null)?,
        Json::Bool(b) => tx.put(obj, key, *b)?,
        Json::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => tx.put(obj, key, u)?,
            (None, Some(i)) => tx.put(obj, key, i)?,
            _ => tx.put(obj, key, n.as_f64().unwrap())?,
        },
        Json::String(s) if is_text => {
            let text = tx.put_object(obj, key, ObjType::Text)?;
            tx.splice_text(&text, 0, 0, s)?;
        }
        Json::String(s) => tx.put(obj, key, s.as_str())?,
        Json::Array(_) => panic!("a township document has no lists (at {})", path.join(".")),
        Json::Object(map) => {
            let child = tx.put_object(obj, key, ObjType::Map)?;
            for (k, v) in map {
                write_json(tx, &child, k, v, path)?;
            }
        }
    }
    path.pop();
    Ok(())
}

/// What the Rust reader makes of a JSON document: the records it could not
/// read, as `map/id: why`.
fn rust_unreadable(json: &Json) -> Vec<String> {
    let doc = doc_from_json(json);
    let (_, unreadable) = TownshipDocument::hydrate(&doc).expect("meta unreadable");
    unreadable
        .into_iter()
        .map(|u| format!("{}/{}: {}", u.map, u.id, u.error))
        .collect()
}

// ---------------------------------------------------------------------------
// Documents built by the code validate

#[test]
fn the_schema_is_a_valid_draft_2020_12_schema() {
    let schema = schema();
    assert_eq!(
        schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "the schema must declare draft 2020-12"
    );
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!(
            "township.schema.json fails the draft 2020-12 meta-schema: {e} at {}",
            e.instance_path
        );
    }
    validator();
}

#[test]
fn documents_written_by_the_client_code_path_validate() {
    let validator = validator();
    for kind in township_kinds() {
        let doc = new_doc(kind);
        assert_valid(
            &validator,
            &format!("a new {kind} document"),
            &to_json(&doc),
        );
    }

    let full = full_document();
    let full_json = to_json(&full);
    assert_valid(&validator, "the fully populated document", &full_json);
    let (typed, unreadable) = TownshipDocument::hydrate(&full).unwrap();
    assert!(unreadable.is_empty(), "{unreadable:?}");
    assert!(
        typed.units.len() > UnitKind::ALL.len(),
        "records went missing"
    );

    let minimal = minimal_document();
    let minimal_json = to_json(&minimal);
    assert_valid(&validator, "the document of minimal records", &minimal_json);
    let (typed, unreadable) = TownshipDocument::hydrate(&minimal).unwrap();
    assert!(unreadable.is_empty(), "{unreadable:?}");
    assert_eq!(typed.visits.len(), 1);

    // What another app writes from this JSON reads back the same in Rust.
    for (what, json) in [("full", &full_json), ("minimal", &minimal_json)] {
        assert_eq!(
            &to_json(&doc_from_json(json)),
            json,
            "{what}: JSON round trip"
        );
        assert!(rust_unreadable(json).is_empty(), "{what}");
    }
}

#[test]
fn set_values_are_stored_as_maps_of_true_and_absent_options_as_null() {
    let json = to_json(&full_document());
    let person = json["people"]
        .as_object()
        .unwrap()
        .values()
        .find(|p| p["roles"].as_object().unwrap().len() == Role::ALL.len())
        .expect("the person holding every role");
    for role in Role::ALL {
        assert_eq!(person["roles"][role.as_str()], json!(true));
    }
    let minimal = to_json(&minimal_document());
    let unit = minimal["units"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert_eq!(unit["credit_code"], Json::Null);
    assert_eq!(unit["union"]["formed"], json!(false));
    assert_eq!(unit["union"]["chair"], Json::Null);
    let nomination = minimal["nominations"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert_eq!(nomination["steps"]["assembly"], Json::Null);
    assert_eq!(
        nomination["steps"]["party_decision"]["decision"],
        "keep_cultivating"
    );
}

// ---------------------------------------------------------------------------
// The example in SCHEMA.md

/// The last ```json block of SCHEMA.md: the complete example document.
fn schema_md_example() -> Json {
    let start = SCHEMA_MD
        .rfind("```json")
        .expect("docs/SCHEMA.md has no ```json block");
    let body = &SCHEMA_MD[start + "```json".len()..];
    let end = body
        .find("```")
        .expect("the last ```json block is not closed");
    serde_json::from_str(&body[..end])
        .unwrap_or_else(|e| panic!("the example at the end of docs/SCHEMA.md is not JSON: {e}"))
}

#[test]
fn the_example_in_schema_md_validates_and_reads() {
    let example = schema_md_example();
    assert_valid(&validator(), "the example in docs/SCHEMA.md", &example);

    let unreadable = rust_unreadable(&example);
    assert!(
        unreadable.is_empty(),
        "the Rust reader refuses: {unreadable:?}"
    );
    let (doc, _) = TownshipDocument::hydrate(&doc_from_json(&example)).unwrap();
    // What the example is there to show (docs/SCHEMA.md, "A complete example").
    assert_eq!(doc.meta.schema, SCHEMA_VERSION);
    assert!(doc.units.values().any(|u| u.kind == UnitKind::Village));
    assert!(doc.units.values().any(|u| u.kind == UnitKind::Enterprise
        && u.credit_code.is_some()
        && u.party_org.formed
        && u.union.formed
        && u.league.formed
        && u.women_org.formed));
    assert!(!doc.people.is_empty());
    assert!(
        doc.nominations
            .values()
            .any(|n| StepName::ALL.iter().filter(|s| n.steps.has(**s)).count() == 3)
    );
    assert!(!doc.activities.is_empty() && !doc.honors.is_empty() && !doc.visits.is_empty());
    assert!(
        doc.activities
            .values()
            .any(|a| !a.notes.as_str().is_empty())
    );
}

// ---------------------------------------------------------------------------
// Wrong documents are rejected, and the Rust reader refuses them too

/// The first record id of `map` in `doc`.
fn first_id(doc: &Json, map: &str) -> String {
    doc[map].as_object().unwrap().keys().next().unwrap().clone()
}

#[test]
fn wrong_documents_are_rejected() {
    let validator = validator();
    let base = schema_md_example();
    let unit = first_id(&base, "units");
    let person = first_id(&base, "people");
    let activity = first_id(&base, "activities");
    let nomination = first_id(&base, "nominations");

    type Edit = Box<dyn Fn(&mut Json)>;
    // (what, edit, the instance path an error must point at, whether the Rust reader refuses the record too)
    let cases: Vec<(&str, Edit, String, bool)> = vec![
        (
            "an unknown unit kind",
            Box::new({
                let unit = unit.clone();
                move |d: &mut Json| d["units"][&unit]["kind"] = json!("town")
            }),
            format!("/units/{unit}/kind"),
            true,
        ),
        (
            "a date written 2024/3/8",
            Box::new({
                let activity = activity.clone();
                move |d: &mut Json| d["activities"][&activity]["date"] = json!("2024/3/8")
            }),
            format!("/activities/{activity}/date"),
            true,
        ),
        (
            "a date that does not exist (2023-02-29)",
            Box::new({
                let nomination = nomination.clone();
                move |d: &mut Json| {
                    d["nominations"][&nomination]["steps"]["assembly"]["date"] = json!("2023-02-29")
                }
            }),
            format!("/nominations/{nomination}/steps/assembly/date"),
            true,
        ),
        (
            "a unit without name",
            Box::new({
                let unit = unit.clone();
                move |d: &mut Json| {
                    d["units"][&unit].as_object_mut().unwrap().remove("name");
                }
            }),
            format!("/units/{unit}"),
            true,
        ),
        (
            "an unknown role in a set",
            Box::new({
                let person = person.clone();
                move |d: &mut Json| d["people"][&person]["roles"]["mayor"] = json!(true)
            }),
            format!("/people/{person}/roles"),
            true,
        ),
        (
            "a count written as a string",
            Box::new({
                let unit = unit.clone();
                move |d: &mut Json| d["units"][&unit]["employees"] = json!("120")
            }),
            format!("/units/{unit}/employees"),
            true,
        ),
        (
            "a negative count",
            Box::new({
                let activity = activity.clone();
                move |d: &mut Json| d["activities"][&activity]["participants"] = json!(-1)
            }),
            format!("/activities/{activity}/participants"),
            true,
        ),
        (
            "an organization map replaced by null",
            Box::new({
                let unit = unit.clone();
                move |d: &mut Json| d["units"][&unit]["union"] = Json::Null
            }),
            format!("/units/{unit}/union"),
            true,
        ),
        (
            "an unknown party decision",
            Box::new({
                let nomination = nomination.clone();
                move |d: &mut Json| {
                    d["nominations"][&nomination]["steps"]["party_decision"] =
                        json!({"date": "2024-06-28", "decision": "rejected"})
                }
            }),
            format!("/nominations/{nomination}/steps/party_decision/decision"),
            true,
        ),
        (
            "a newer schema version",
            Box::new(|d: &mut Json| d["meta"]["schema"] = json!(SCHEMA_VERSION + 1)),
            "/meta/schema".to_string(),
            false,
        ),
        (
            "an unknown township kind",
            Box::new(|d: &mut Json| d["meta"]["township_kind"] = json!("village")),
            "/meta/township_kind".to_string(),
            false,
        ),
        (
            "a document without its people map",
            Box::new(|d: &mut Json| {
                d.as_object_mut().unwrap().remove("people");
            }),
            String::new(),
            false,
        ),
    ];

    let mut failures = Vec::new();
    for (what, edit, path, rust_refuses) in &cases {
        let mut doc = base.clone();
        edit(&mut doc);
        let errors: Vec<_> = validator.iter_errors(&doc).collect();
        if errors.is_empty() {
            failures.push(format!("{what}: accepted by the schema"));
            continue;
        }
        // The error is at the wrong value, or (for a value inside an `anyOf`,
        // e.g. a step that may be null) at the nearest enclosing value inside
        // the same record.
        let points_at = |at: &str| {
            at == path.as_str()
                || (path.starts_with(&format!("{at}/")) && at.matches('/').count() >= 3)
        };
        if !errors.iter().any(|e| points_at(e.instance_path.as_str())) {
            failures.push(format!(
                "{what}: no error at '{path}', only: {:?}",
                errors
                    .iter()
                    .map(|e| format!("{} {}", e.instance_path, e))
                    .collect::<Vec<_>>()
            ));
        }
        if *rust_refuses && rust_unreadable(&doc).is_empty() {
            failures.push(format!("{what}: rejected by the schema but read by Rust"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn unknown_extra_fields_are_allowed_for_newer_apps() {
    let validator = validator();
    let mut doc = schema_md_example();
    let unit = first_id(&doc, "units");
    let nomination = first_id(&doc, "nominations");
    doc["units"][&unit]["wechat_group"] = json!("东门村妇女群");
    doc["units"][&unit]["union"]["members"] = json!(58);
    doc["nominations"][&nomination]["steps"]["publicity"] = json!({"date": "2024-07-01"});
    doc["meta"]["app"] = json!("qunjian-web 2.1");
    doc["trainings"] = json!({});
    assert_valid(&validator, "a document with fields from a newer app", &doc);
    assert!(
        rust_unreadable(&doc).is_empty(),
        "the Rust reader must ignore unknown fields too"
    );

    // And a Rust edit of the record keeps them: reconciling a struct writes
    // its own fields and leaves other keys alone.
    let mut am = doc_from_json(&doc);
    am.transact::<_, _, autosurgeon::ReconcileError>(|tx| {
        let map = records_map(tx, Unit::MAP);
        let mut record: Unit = autosurgeon::hydrate_prop(&*tx, &map, unit.as_str()).unwrap();
        record.name = "东门村（改）".into();
        record.union.formed = true;
        autosurgeon::reconcile_prop(tx, &map, unit.as_str(), &record)
    })
    .unwrap();
    let after = to_json(&am);
    assert_eq!(after["units"][&unit]["name"], "东门村（改）");
    assert_eq!(after["units"][&unit]["wechat_group"], "东门村妇女群");
    assert_eq!(after["units"][&unit]["union"]["members"], 58);
}

// ---------------------------------------------------------------------------
// Field by field: the schema accepts a change exactly when the Rust reader does

/// The sets in a record: their members are data, not fields.
fn is_set(map: &str, key: &str) -> bool {
    matches!(
        (map, key),
        ("people", "roles") | ("activities", "organizations" | "units")
    )
}

/// A value of another JSON type than `v`.
fn wrong_type(v: &Json) -> Json {
    match v {
        Json::String(_) => json!(12345),
        Json::Number(_) => json!("12"),
        Json::Bool(_) => json!("yes"),
        Json::Object(_) => json!("x"),
        Json::Null | Json::Array(_) => json!(12345),
    }
}

/// Every field path (keys from the record down) inside a record, sets'
/// members left out.
fn field_paths(
    map: &str,
    value: &Map<String, Json>,
    prefix: &[String],
    out: &mut Vec<Vec<String>>,
) {
    for (key, v) in value {
        let mut path = prefix.to_vec();
        path.push(key.clone());
        out.push(path.clone());
        if let Json::Object(inner) = v
            && !(prefix.is_empty() && is_set(map, key))
        {
            field_paths(map, inner, &path, out);
        }
    }
}

/// A change to one field, given the map that holds it.
type FieldChange<'a> = Box<dyn Fn(&mut Map<String, Json>) + 'a>;

fn parent_mut<'a>(record: &'a mut Json, path: &[String]) -> &'a mut Map<String, Json> {
    let mut at = record;
    for key in &path[..path.len() - 1] {
        at = &mut at[key];
    }
    at.as_object_mut().unwrap()
}

#[test]
fn the_schema_accepts_a_field_change_exactly_when_the_rust_reader_does() {
    let validator = validator();
    let full = to_json(&full_document());
    let mut empty = full.clone();
    for map in RECORD_MAPS {
        empty[*map] = json!({});
    }

    let mut disagreements = Vec::new();
    let mut probes = 0;
    for map in RECORD_MAPS {
        // The fully populated record of this kind with the most fields set.
        let (id, record) = full[*map]
            .as_object()
            .unwrap()
            .iter()
            .max_by_key(|(_, r)| serde_json::to_string(r).unwrap().len())
            .map(|(id, r)| (id.clone(), r.clone()))
            .unwrap();
        let mut paths = Vec::new();
        field_paths(map, record.as_object().unwrap(), &[], &mut paths);
        for path in paths {
            let current = path.iter().fold(&record, |v, k| &v[k]).clone();
            let variants: [(&str, FieldChange); 4] = [
                (
                    "removed",
                    Box::new(|m| {
                        m.remove(path.last().unwrap());
                    }),
                ),
                (
                    "null",
                    Box::new(|m| {
                        m.insert(path.last().unwrap().clone(), Json::Null);
                    }),
                ),
                (
                    "wrong type",
                    Box::new(|m| {
                        m.insert(path.last().unwrap().clone(), wrong_type(&current));
                    }),
                ),
                (
                    "unknown sibling added",
                    Box::new(|m| {
                        m.insert("x_future_field".into(), json!("v"));
                    }),
                ),
            ];
            for (change, apply) in &variants {
                let mut changed = record.clone();
                apply(parent_mut(&mut changed, &path));
                let mut doc = empty.clone();
                doc[*map][&id] = changed;
                let schema_ok = validator.is_valid(&doc);
                let rust_ok = rust_unreadable(&doc).is_empty();
                probes += 1;
                if schema_ok != rust_ok {
                    disagreements.push(format!(
                        "{map}/…/{}: {change}: schema {}, Rust reader {}",
                        path.join("/"),
                        if schema_ok { "accepts" } else { "refuses" },
                        if rust_ok { "accepts" } else { "refuses" },
                    ));
                }
            }
        }
    }
    assert!(
        probes > 100,
        "only {probes} probes: the full document lost fields"
    );
    assert!(
        disagreements.is_empty(),
        "township.schema.json and the Rust types disagree ({}):\n  {}",
        disagreements.len(),
        disagreements.join("\n  ")
    );
}

// ---------------------------------------------------------------------------
// Drift guards: enums, steps, version, record maps

/// Every township kind. The match is exhaustive, so a new variant does not
/// compile until it is listed here (and then the schema test below fails
/// until the schema lists it too).
fn township_kinds() -> Vec<TownshipKind> {
    let all = [
        TownshipKind::Xiang,
        TownshipKind::Zhen,
        TownshipKind::Jiedao,
    ];
    for kind in all {
        match kind {
            TownshipKind::Xiang | TownshipKind::Zhen | TownshipKind::Jiedao => {}
        }
    }
    all.to_vec()
}

fn values_of<E: EnumValues>() -> Vec<(String, String)> {
    E::values()
        .into_iter()
        .map(|(v, l)| (v.to_string(), l.to_string()))
        .collect()
}

/// `(name in $defs, (stored string, Chinese label) in declaration order)` of every enum.
fn rust_enums() -> Vec<(&'static str, Vec<(String, String)>)> {
    vec![
        (
            "TownshipKind",
            township_kinds()
                .into_iter()
                .map(|k| (k.as_str().to_string(), k.label().to_string()))
                .collect(),
        ),
        ("UnitKind", values_of::<UnitKind>()),
        ("PartyOrgForm", values_of::<PartyOrgForm>()),
        ("PartyRating", values_of::<PartyRating>()),
        ("WomenOrgForm", values_of::<WomenOrgForm>()),
        ("OrgKind", values_of::<OrgKind>()),
        ("Gender", values_of::<Gender>()),
        ("PartyStage", values_of::<PartyStage>()),
        ("Role", values_of::<Role>()),
        ("RecommendingOrg", values_of::<RecommendingOrg>()),
        ("StepName", values_of::<StepName>()),
        ("ReviewDecision", values_of::<ReviewDecision>()),
        ("PartyDecision", values_of::<PartyDecision>()),
        ("ActivityKind", values_of::<ActivityKind>()),
        ("HonorTitle", values_of::<HonorTitle>()),
        ("HonorLevel", values_of::<HonorLevel>()),
    ]
}

#[test]
fn each_schema_enum_lists_exactly_the_rust_values_and_labels() {
    let schema = schema();
    let defs = schema["$defs"].as_object().unwrap();
    let mut failures = Vec::new();
    let enums = rust_enums();
    for (name, values) in &enums {
        let Some(def) = defs.get(*name) else {
            failures.push(format!("$defs/{name} is missing"));
            continue;
        };
        let listed: Vec<String> = def["enum"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().unwrap_or("<not a string>").to_string())
                    .collect()
            })
            .unwrap_or_default();
        let rust: Vec<String> = values.iter().map(|(v, _)| v.clone()).collect();
        if listed != rust {
            failures.push(format!(
                "$defs/{name}/enum is {listed:?}; the Rust enum has {rust:?}"
            ));
        }
        let labels: Vec<(String, String)> = def["x-labels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let mut sorted = values.clone();
        sorted.sort();
        if labels != sorted {
            failures.push(format!(
                "$defs/{name}/x-labels is {labels:?}; the Rust labels are {sorted:?}"
            ));
        }
        for (value, label) in values {
            let row = format!("| `{value}` | {label} |");
            if !SCHEMA_MD.contains(&row) {
                failures.push(format!("docs/SCHEMA.md has no row '{row}' for {name}"));
            }
        }
    }
    // No enum in the schema escapes this guard.
    let guarded: BTreeSet<&str> = enums.iter().map(|(n, _)| *n).collect();
    for (name, def) in defs {
        if def.get("enum").is_some() && !guarded.contains(name.as_str()) {
            failures.push(format!(
                "$defs/{name} is an enum this test does not compare with Rust"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn steps_are_keyed_by_the_step_names() {
    let schema = schema();
    let keys: BTreeSet<String> = schema["$defs"]["Steps"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let names: BTreeSet<String> = StepName::ALL
        .iter()
        .map(|s| s.as_str().to_string())
        .collect();
    assert_eq!(
        keys, names,
        "$defs/Steps/properties must be the StepName values"
    );
    // And the Rust Steps struct writes exactly those keys.
    let json = to_json(&minimal_document());
    let nomination = json["nominations"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    let written: BTreeSet<String> = nomination["steps"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(written, names);
}

#[test]
fn the_schema_describes_this_version_and_these_record_maps() {
    let schema = schema();
    assert_eq!(
        schema["$defs"]["Meta"]["properties"]["schema"]["const"],
        json!(SCHEMA_VERSION),
        "meta.schema in township.schema.json is not SCHEMA_VERSION: update the schema and docs/SCHEMA.md"
    );
    assert!(
        SCHEMA_MD.contains(&format!("\"schema\": {SCHEMA_VERSION},")),
        "docs/SCHEMA.md's example is not at schema {SCHEMA_VERSION}"
    );
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let expected: BTreeSet<&str> = RECORD_MAPS.iter().copied().chain(["meta"]).collect();
    assert_eq!(
        required, expected,
        "the root must require meta and every record map"
    );
    let props = schema["properties"].as_object().unwrap();
    for map in RECORD_MAPS {
        assert!(
            props[*map]["additionalProperties"]["$ref"].is_string(),
            "{map}"
        );
    }
    // Every key the code writes into a record, an organization or a step is
    // declared in the schema (extra keys are allowed, so an undeclared new
    // Rust field would otherwise pass unnoticed).
    let full = to_json(&full_document());
    let defs = &schema["$defs"];
    let mut undeclared = Vec::new();
    let mut check = |def: &str, value: &Json, at: String| {
        for key in value.as_object().unwrap().keys() {
            if defs[def]["properties"].get(key).is_none() {
                undeclared.push(format!("{at}/{key} (not in $defs/{def})"));
            }
        }
    };
    let kinds = [
        ("units", "Unit"),
        ("people", "Person"),
        ("nominations", "Nomination"),
        ("activities", "Activity"),
        ("honors", "Honor"),
        ("visits", "Visit"),
        ("exec_links", "ExecLink"),
    ];
    check("Meta", &full["meta"], "meta".into());
    for (map, def) in kinds {
        for (id, record) in full[map].as_object().unwrap() {
            check(def, record, format!("{map}/{id}"));
            if map == "units" {
                for (key, org) in [
                    ("party_org", "PartyOrg"),
                    ("union", "Union"),
                    ("league", "League"),
                    ("women_org", "WomenOrg"),
                    ("womens_home", "WomensHome"),
                ] {
                    check(org, &record[key], format!("{map}/{id}/{key}"));
                }
            }
            if map == "nominations" {
                for (key, step) in record["steps"].as_object().unwrap() {
                    if !step.is_null() {
                        let def = format!("{}Step", pascal(key));
                        check(&def, step, format!("{map}/{id}/steps/{key}"));
                    }
                }
            }
        }
    }
    assert!(
        undeclared.is_empty(),
        "fields the code writes but the schema does not declare:\n  {}",
        undeclared.join("\n  ")
    );
}

fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn a_record_of_each_kind_uses_its_own_map() {
    // The record maps the schema names are the ones the types use.
    let maps: BTreeSet<&str> = [
        Unit::MAP,
        Person::MAP,
        Nomination::MAP,
        Activity::MAP,
        Honor::MAP,
        Visit::MAP,
        ExecLink::MAP,
    ]
    .into_iter()
    .collect();
    assert_eq!(maps, RECORD_MAPS.iter().copied().collect());
    // Sets serialize as value → true, never as lists.
    let set: Set<Role> = [Role::UnionChair].into_iter().collect();
    let mut doc = Automerge::new();
    doc.transact::<_, _, autosurgeon::ReconcileError>(|tx| {
        autosurgeon::reconcile_prop(tx, ROOT, "roles", &set)
    })
    .unwrap();
    assert_eq!(to_json(&doc), json!({"roles": {"union_chair": true}}));
}
