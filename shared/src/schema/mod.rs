//! The township document's shape, typed.
//!
//! ```text
//! { meta, units: {id: Unit}, people: {id: Person}, nominations: {id: Nomination},
//!   activities: {id: Activity}, honors: {id: Honor}, visits: {id: Visit},
//!   exec_links: {id: ExecLink}, township_orgs: TownshipOrgs }
//! ```
//!
//! Records live in maps keyed by ids made on the device (UUID v7), so two
//! offline devices never collide and concurrent inserts merge without any
//! ordering question. Records are archived, never deleted. Names, codes and
//! enums are scalar strings; the shape is published in `docs/SCHEMA.md` and
//! `shared/schema/township.schema.json` for apps in other languages.

mod activity;
mod date;
mod exec_link;
mod field_cache;
mod honor;
pub mod integer;
pub mod lenient;
mod nomination;
mod organizations;
mod person;
mod set;
pub mod string_enum;
mod township_orgs;
mod unit;
mod visit;

use std::collections::BTreeMap;

use automerge::{ObjType, ROOT, ReadDoc, Value};
use autosurgeon::{Hydrate, Reconcile};
use serde::{Serialize, de::DeserializeOwned};

pub use activity::{Activity, ActivityKind};
pub use date::{BadDate, Date};
pub use exec_link::{ExecLink, same_name};
pub use honor::{Honor, HonorLevel, HonorTitle};
pub use nomination::{
    ApprovalStep, AssemblyStep, InspectionStep, Nomination, PartyDecision, PartyDecisionStep,
    RecommendedStep, RecommendingOrg, ReviewDecision, Step, StepName, Steps, UpperReviewStep,
};
pub use organizations::{
    Formed, League, OrgKind, PartyOrg, PartyOrgForm, PartyRating, Union, WomenOrg, WomenOrgForm,
    WomensHome,
};
pub use person::{Gender, PartyStage, Person, Role};
pub use set::Set;
pub use township_orgs::{
    TOWNSHIP_ORGS, TownshipFederation, TownshipLeagueCommittee, TownshipOrgs,
    TownshipUnionFederation,
};
pub use unit::{Unit, UnitKind};
pub use visit::Visit;

use crate::meta::TownshipMeta;

/// A kind of record kept in its own map at the document's root.
pub trait Record: Hydrate + Reconcile + Clone + Serialize + DeserializeOwned {
    /// The root key of its map (`units`, `people`, ...).
    const MAP: &'static str;
    /// Its name in Chinese, for messages.
    const NAME_ZH: &'static str;
    /// Whether it is archived.
    fn archived(&self) -> bool;
    /// Archive or restore it.
    fn set_archived(&mut self, archived: bool);
}

/// An enum whose values are published in the schema.
pub trait EnumValues {
    /// `(stored string, Chinese meaning)` for every value.
    fn values() -> Vec<(&'static str, &'static str)>;
}

/// A string that is not one of an enum's values.
#[derive(Debug, Clone, thiserror::Error)]
#[error("'{value}' is not a valid {kind}: use one of {allowed}")]
pub struct UnknownValue {
    /// The enum.
    pub kind: &'static str,
    /// What was given.
    pub value: String,
    /// The values allowed, comma-separated.
    pub allowed: String,
}

/// A new record id: a UUID v7, so ids sort by creation time and never collide
/// between devices.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The whole document, typed. Built for reading (reports, validation,
/// tests); edits go record by record through the client's API.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TownshipDocument {
    /// `meta`.
    pub meta: TownshipMeta,
    /// `units`.
    pub units: BTreeMap<String, Unit>,
    /// `people`.
    pub people: BTreeMap<String, Person>,
    /// `nominations`.
    pub nominations: BTreeMap<String, Nomination>,
    /// `activities`.
    pub activities: BTreeMap<String, Activity>,
    /// `honors`.
    pub honors: BTreeMap<String, Honor>,
    /// `visits`.
    pub visits: BTreeMap<String, Visit>,
    /// `exec_links`: county women's executives linked to 两新 committees.
    pub exec_links: BTreeMap<String, ExecLink>,
    /// `township_orgs`: the township's own 妇联, 团委 and 总工会 (all
    /// unrecorded when a document made before them has none).
    pub township_orgs: TownshipOrgs,
}

/// A record that could not be read as its type (written by a newer app, or
/// by hand): reported, skipped, and left untouched in the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    /// The map (`units`, ...).
    pub map: &'static str,
    /// The record's id.
    pub id: String,
    /// Why.
    pub error: String,
}

impl TownshipDocument {
    /// Read the document. A record that does not fit its type does not
    /// spoil the rest: it is left out and listed in the second value.
    pub fn hydrate<D: ReadDoc + autosurgeon::ReadDoc>(
        doc: &D,
    ) -> Result<(Self, Vec<Unreadable>), crate::MetaError> {
        let meta = TownshipMeta::read(doc)?;
        let mut unreadable = Vec::new();
        let out = TownshipDocument {
            meta,
            units: records(doc, &mut unreadable),
            people: records(doc, &mut unreadable),
            nominations: records(doc, &mut unreadable),
            activities: records(doc, &mut unreadable),
            honors: records(doc, &mut unreadable),
            visits: records(doc, &mut unreadable),
            exec_links: records(doc, &mut unreadable),
            township_orgs: township_orgs(doc, &mut unreadable),
        };
        Ok((out, unreadable))
    }
}

impl TownshipDocument {
    /// Read record `id` of map `map` again, as [`TownshipDocument::hydrate`]
    /// would: replaced, removed when it is gone, or moved to `unreadable`
    /// when it no longer fits its type. `false` when `map` is not a record
    /// map. For a projection that re-reads only what a change touched.
    pub fn refresh<D: ReadDoc + autosurgeon::ReadDoc>(
        &mut self,
        doc: &D,
        unreadable: &mut Vec<Unreadable>,
        map: &str,
        id: &str,
    ) -> bool {
        unreadable.retain(|u| !(u.map == map && (u.id == id || map == TOWNSHIP_ORGS)));
        match map {
            Unit::MAP => refresh(doc, &mut self.units, unreadable, id),
            Person::MAP => refresh(doc, &mut self.people, unreadable, id),
            Nomination::MAP => refresh(doc, &mut self.nominations, unreadable, id),
            Activity::MAP => refresh(doc, &mut self.activities, unreadable, id),
            Honor::MAP => refresh(doc, &mut self.honors, unreadable, id),
            Visit::MAP => refresh(doc, &mut self.visits, unreadable, id),
            ExecLink::MAP => refresh(doc, &mut self.exec_links, unreadable, id),
            TOWNSHIP_ORGS => self.township_orgs = township_orgs(doc, unreadable),
            _ => return false,
        }
        true
    }
}

/// The township's own organizations; when no copy of the map can be read,
/// nothing recorded, and the map listed as unreadable (id empty).
fn township_orgs<D: ReadDoc + autosurgeon::ReadDoc>(
    doc: &D,
    unreadable: &mut Vec<Unreadable>,
) -> TownshipOrgs {
    TownshipOrgs::read(doc).unwrap_or_else(|error| {
        unreadable.push(Unreadable {
            map: TOWNSHIP_ORGS,
            id: String::new(),
            error,
        });
        TownshipOrgs::default()
    })
}

fn refresh<R: Record, D: ReadDoc + autosurgeon::ReadDoc>(
    doc: &D,
    records: &mut BTreeMap<String, R>,
    unreadable: &mut Vec<Unreadable>,
    id: &str,
) {
    records.remove(id);
    // The first copy of the map that holds the record, as `records` would
    // read it.
    let Some((map, found)) =
        map_copies(doc, R::MAP)
            .into_iter()
            .find_map(|map| match ReadDoc::get(doc, &map, id) {
                Ok(Some((value, obj))) => Some((map, (value, obj))),
                _ => None,
            })
    else {
        return;
    };
    let hydrated = match found {
        (Value::Object(ObjType::Map | ObjType::Table), obj) => {
            R::hydrate_map(&field_cache::FieldCache::new(doc), &obj)
        }
        _ => autosurgeon::hydrate_prop::<_, R, _, _>(doc, &map, id),
    };
    match hydrated {
        Ok(record) => {
            records.insert(id.to_string(), record);
        }
        Err(e) => unreadable.push(Unreadable {
            map: R::MAP,
            id: id.to_string(),
            error: e.to_string(),
        }),
    }
}

/// Every copy of the root map `name`, the one `get` returns first.
///
/// A document made before a record map existed gets it from the first
/// device that adds such a record; two offline devices doing so make two
/// maps under one key, and Automerge shows one. Records of the other copy
/// are still records someone entered, so readers take every copy, the
/// winner's record first where both hold one id (edits write into the
/// winner, so an edited record's newest version is there).
pub fn map_copies<D: ReadDoc>(doc: &D, name: &str) -> Vec<automerge::ObjId> {
    let winner = match ReadDoc::get(doc, ROOT, name) {
        Ok(Some((Value::Object(ObjType::Map), map))) => map,
        _ => return Vec::new(),
    };
    let mut out = vec![winner];
    if let Ok(all) = ReadDoc::get_all(doc, ROOT, name) {
        for (value, map) in all {
            if matches!(value, Value::Object(ObjType::Map)) && !out.contains(&map) {
                out.push(map);
            }
        }
    }
    out
}

/// Every record of one kind, by id.
pub fn records<R: Record, D: ReadDoc + autosurgeon::ReadDoc>(
    doc: &D,
    unreadable: &mut Vec<Unreadable>,
) -> BTreeMap<String, R> {
    let mut out = BTreeMap::new();
    for map in map_copies(doc, R::MAP) {
        read_copy(doc, &map, &mut out, unreadable);
    }
    out
}

/// The records of one copy of a record map, those not read already.
fn read_copy<R: Record, D: ReadDoc + autosurgeon::ReadDoc>(
    doc: &D,
    map: &automerge::ObjId,
    out: &mut BTreeMap<String, R>,
    unreadable: &mut Vec<Unreadable>,
) {
    // One pass over the collection, then each record from its own object
    // with its fields read in one pass too (see `field_cache`): a `get` per
    // id and per field was most of a projection's time. map_range yields
    // the same winner per key that `get` would.
    let entries: Vec<(String, Option<automerge::ObjId>)> = ReadDoc::map_range(doc, map, ..)
        .filter(|item| !out.contains_key(item.key.as_ref()))
        .filter(|item| {
            !unreadable
                .iter()
                .any(|u| u.map == R::MAP && u.id == item.key.as_ref())
        })
        .map(|item| {
            let record = matches!(
                item.value,
                automerge::ValueRef::Object(ObjType::Map | ObjType::Table)
            )
            .then(|| item.id());
            (item.key.into_owned(), record)
        })
        .collect();
    let cached = field_cache::FieldCache::new(doc);
    for (id, record) in entries {
        let hydrated = match &record {
            Some(obj) => R::hydrate_map(&cached, obj),
            // Not a map: let autosurgeon say what it found instead.
            None => autosurgeon::hydrate_prop::<_, R, _, _>(doc, map, id.as_str()),
        };
        match hydrated {
            Ok(record) => {
                out.insert(id, record);
            }
            Err(e) => unreadable.push(Unreadable {
                map: R::MAP,
                id,
                error: e.to_string(),
            }),
        }
    }
}
