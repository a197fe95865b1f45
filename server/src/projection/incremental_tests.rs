//! The incremental projection equals a full read, round after round of
//! random edits: typed adds and updates, archiving, concurrent writes
//! merged into conflicts, records another app wrote wrong, records
//! deleted, nested maps and Text, the meta, and root keys the projection
//! does not read.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT, ReadDoc, Value};
use qunjian_shared::schema::{Activity, ActivityKind, Date, Person, Unit, UnitKind};
use qunjian_shared::{TownshipKind, TownshipMeta, edit};

use super::incremental::{How, project};
use super::read;

const CODE: &str = "330825101";
const ROUNDS: usize = 120;

fn today() -> Date {
    Date::ymd(2026, 11, 24).expect("date")
}

/// xorshift64*: the same edits on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

fn ids(doc: &Automerge, map: &str) -> Vec<String> {
    match doc.get(ROOT, map) {
        Ok(Some((Value::Object(ObjType::Map), obj))) => doc.keys(&obj).collect(),
        _ => Vec::new(),
    }
}

fn map_obj(doc: &Automerge, map: &str) -> automerge::ObjId {
    match doc.get(ROOT, map) {
        Ok(Some((Value::Object(ObjType::Map), obj))) => obj,
        other => panic!("no {map} map: {other:?}"),
    }
}

/// One random edit; `true` when it touched the meta (a full read is due).
fn edit_once(doc: &mut Automerge, rng: &mut Rng, round: usize) -> bool {
    // Typed edits need records that read; raw ones take any key.
    let units: Vec<String> = edit::list_all::<Unit, _>(&*doc).into_keys().collect();
    let people: Vec<String> = edit::list_all::<Person, _>(&*doc).into_keys().collect();
    let all_units = ids(doc, "units");
    let activities: Vec<String> = edit::list_all::<Activity, _>(&*doc).into_keys().collect();
    let pick = |rng: &mut Rng, v: &[String]| v.get(rng.below(v.len().max(1))).cloned();
    match rng.below(11) {
        0 => {
            let mut tx = doc.transaction();
            let mut unit = Unit::new(format!("单位{round}"), UnitKind::Village);
            // Some without a credit code, some with a wrong one: findings.
            if round.is_multiple_of(3) {
                unit.credit_code = Some("91330825MA2DGX1X2K".into());
            }
            edit::add(&mut tx, &unit).expect("add unit");
            tx.commit();
        }
        1 => {
            let mut tx = doc.transaction();
            let mut person = Person::new(format!("人员{round}"));
            person.unit = pick(rng, &units);
            edit::add(&mut tx, &person).expect("add person");
            let mut activity = Activity::new(ActivityKind::Study, "学习", today());
            activity.units.insert(pick(rng, &units).unwrap_or_default());
            edit::add(&mut tx, &activity).expect("add activity");
            tx.commit();
        }
        2 if !units.is_empty() => {
            let id = pick(rng, &units).unwrap_or_default();
            let mut tx = doc.transaction();
            edit::update::<Unit>(&mut tx, &id, |u| u.name = format!("改名{round}"))
                .expect("update");
            tx.commit();
        }
        3 if !people.is_empty() => {
            let id = pick(rng, &people).unwrap_or_default();
            let mut tx = doc.transaction();
            edit::archive::<Person>(&mut tx, &id, round.is_multiple_of(2)).expect("archive");
            tx.commit();
        }
        4 if !units.is_empty() => {
            // Two devices rename the same unit at once.
            let id = pick(rng, &units).unwrap_or_default();
            let mut other = doc.fork();
            for (d, name) in [(&mut *doc, "甲村"), (&mut other, "乙村")] {
                let mut tx = d.transaction();
                edit::update::<Unit>(&mut tx, &id, |u| u.name = name.into()).expect("update");
                tx.commit();
            }
            doc.merge(&mut other).expect("merge");
        }
        5 => {
            // Another app writes a unit whose kind is not one of ours.
            let units = map_obj(doc, "units");
            let mut tx = doc.transaction();
            let bad = tx
                .put_object(&units, format!("bad-{round}"), ObjType::Map)
                .expect("put");
            tx.put(&bad, "name", "外来").expect("put");
            tx.put(&bad, "kind", 42_u64).expect("put");
            tx.commit();
        }
        6 if !all_units.is_empty() => {
            // Deleted outright (our apps archive; another might not).
            let id = pick(rng, &all_units).unwrap_or_default();
            let units = map_obj(doc, "units");
            let mut tx = doc.transaction();
            tx.delete(&units, id.as_str()).expect("delete");
            tx.commit();
        }
        7 => {
            let meta = map_obj(doc, "meta");
            let mut tx = doc.transaction();
            tx.put(&meta, "name", format!("城关镇{round}"))
                .expect("meta");
            tx.commit();
            return true;
        }
        10 if !activities.is_empty() => {
            // A note typed into: operations on a Text inside the record.
            let id = pick(rng, &activities).unwrap_or_default();
            let mut tx = doc.transaction();
            edit::update::<Activity>(&mut tx, &id, |a| {
                let typed = format!("{}备注{round}", a.notes.as_str());
                a.notes.update(typed);
            })
            .expect("update notes");
            tx.commit();
        }
        8 => {
            let mut tx = doc.transaction();
            tx.put(ROOT, "other_app", round as u64).expect("root");
            tx.commit();
        }
        _ => {
            // Two devices create a record under the same id at once.
            let units = map_obj(doc, "units");
            let id = format!("twice-{round}");
            let mut other = doc.fork();
            for (d, name) in [(&mut *doc, "一"), (&mut other, "二")] {
                let mut tx = d.transaction();
                let u = tx
                    .put_object(&units, id.as_str(), ObjType::Map)
                    .expect("put");
                tx.put(&u, "name", name).expect("put");
                tx.put(&u, "kind", "village").expect("put");
                tx.commit();
            }
            doc.merge(&mut other).expect("merge");
        }
    }
    false
}

#[test]
fn reading_only_the_changes_gives_what_a_full_read_gives() {
    let mut doc = TownshipMeta::new(CODE, "城关镇", TownshipKind::Zhen, "330825")
        .and_then(|meta| meta.new_document())
        .expect("township");
    let mut rng = Rng(0x5eed_0001_2026_1124);
    for round in 0..5 {
        edit_once(&mut doc, &mut rng, round);
    }
    let (_, mut known, how) = project(CODE, &doc, today(), None).expect("first read");
    assert_eq!(how, How::Full);
    let (mut incremental_rounds, mut conflicted) = (0, 0);
    for round in 5..ROUNDS {
        let meta = edit_once(&mut doc, &mut rng, round);
        let (projected, next, how) =
            project(CODE, &doc, today(), Some(known)).expect("incremental read");
        let full = read::read(CODE, &doc, today()).expect("full read");
        assert_eq!(projected, full, "round {round} ({how:?})");
        match how {
            How::Records(_) => incremental_rounds += 1,
            How::Full => assert!(meta, "round {round}: a full read without a meta edit"),
        }
        conflicted += usize::from(!full.conflicts.is_empty());
        known = next;
    }
    assert!(incremental_rounds > ROUNDS / 2, "{incremental_rounds}");
    assert!(conflicted > 0, "the edits made conflicts");
}

#[test]
fn nothing_changed_reads_nothing() {
    let doc = TownshipMeta::new(CODE, "城关镇", TownshipKind::Zhen, "330825")
        .and_then(|meta| meta.new_document())
        .expect("township");
    let (first, known, _) = project(CODE, &doc, today(), None).expect("read");
    let (again, _, how) = project(CODE, &doc, today(), Some(known)).expect("again");
    assert_eq!(how, How::Records(0));
    assert_eq!(first, again);
}
