//! Projecting again by re-reading only the records a change touched.
//!
//! A full read of a large township (16,000 records) takes most of a
//! second, and a busy township is projected again after every batch of
//! edits. Most batches touch a handful of records. So the projector keeps
//! the last version it read, in memory. From the changes made since, it
//! finds which records they touch: each operation's object, walked up to
//! its record. It re-reads those records and their conflicts only, then
//! validates the whole typed document again, because rules span records.
//! Anything it cannot place falls back to a full read: the meta, the
//! township's own organizations, a collection replaced, or a batch too big
//! to be worth it. The result equals
//! a full read of the same version; `tests.rs` checks that over random
//! edits.
//!
//! Pure: plain data and a document in, plain data out.

use qunjian_shared::history::has_change;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use automerge::{Automerge, ChangeHash, ObjId, Prop, ReadDoc, legacy};
use qunjian_shared::conflicts::{self, Conflict};
use qunjian_shared::doc_json::heads_hex;
use qunjian_shared::meta::RECORD_MAPS;
use qunjian_shared::schema::{Date, TOWNSHIP_ORGS, TownshipDocument, Unreadable};
use qunjian_shared::validation::spelling::{self, Unpadded};
use qunjian_shared::validation::{Finding, sort_findings, validate_with_unreadable};

use super::read::{self, Projected, ReadError};

/// Past this many changes since the last read, a full read is cheaper than
/// walking each operation to its record.
const MAX_CHANGES: usize = 2_000;

/// A township as last read, kept between projections.
#[derive(Debug, Clone)]
pub struct Known {
    heads: Vec<ChangeHash>,
    doc: TownshipDocument,
    unreadable: Vec<Unreadable>,
    /// `meta`'s conflicts, then each record's, by (map's place in
    /// `RECORD_MAPS`, id): the order a full read lists them in.
    meta_conflicts: Vec<Conflict>,
    record_conflicts: BTreeMap<(usize, String), Vec<Conflict>>,
    /// Each record's dates written in a short form, kept like its
    /// conflicts; their findings are made from the typed document on each
    /// projection, so they name records as a full read does.
    record_unpadded: BTreeMap<(usize, String), Vec<Unpadded>>,
}

impl Known {
    /// Every finding of this version: the typed rules', then the dates
    /// written short, in their one order.
    fn findings(&self, today: Date) -> Vec<Finding> {
        let mut findings = validate_with_unreadable(&self.doc, &self.unreadable, today);
        let unpadded: Vec<Unpadded> = self.record_unpadded.values().flatten().cloned().collect();
        findings.extend(spelling::findings(&self.doc, &unpadded));
        sort_findings(&mut findings);
        findings
    }

    /// The projection of this version.
    fn projected(&self, township: &str, findings: Vec<Finding>) -> Projected {
        let mut conflicts = self.meta_conflicts.clone();
        conflicts.extend(self.record_conflicts.values().flatten().cloned());
        Projected {
            township: township.to_string(),
            heads: heads_hex(&self.heads),
            doc: self.doc.clone(),
            findings,
            conflicts,
        }
    }
}

/// How the projection was made, for the log and the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Every record read.
    Full,
    /// Only these many records read again.
    Records(usize),
}

/// Project `doc`, reusing `known` where it can; the projection and what to
/// keep for next time.
pub fn project(
    township: &str,
    doc: &Automerge,
    today: Date,
    known: Option<Known>,
) -> Result<(Projected, Known, How), ReadError> {
    if let Some(known) = known
        && let Some(touched) = touched_records(doc, &known.heads)
    {
        let count = touched.len();
        let mut known = known;
        for (map, id) in &touched {
            known.doc.refresh(doc, &mut known.unreadable, map, id);
            let Some(rank) = RECORD_MAPS.iter().position(|m| m == map) else {
                continue;
            };
            let found = conflicts::in_record(doc, map, id);
            if found.is_empty() {
                known.record_conflicts.remove(&(rank, id.clone()));
            } else {
                known.record_conflicts.insert((rank, id.clone()), found);
            }
            let short = spelling::in_record(doc, RECORD_MAPS[rank], id);
            if short.is_empty() {
                known.record_unpadded.remove(&(rank, id.clone()));
            } else {
                known.record_unpadded.insert((rank, id.clone()), short);
            }
        }
        known.heads = doc.get_heads();
        let findings = known.findings(today);
        return Ok((
            known.projected(township, findings),
            known,
            How::Records(count),
        ));
    }
    let (projected, unreadable) = read::read_with_unreadable(township, doc, today)?;
    let mut meta_conflicts = Vec::new();
    let mut record_conflicts: BTreeMap<(usize, String), Vec<Conflict>> = BTreeMap::new();
    for c in &projected.conflicts {
        match RECORD_MAPS.iter().position(|m| *m == c.map) {
            Some(rank) => record_conflicts
                .entry((rank, c.id.clone()))
                .or_default()
                .push(c.clone()),
            None => meta_conflicts.push(c.clone()),
        }
    }
    let mut record_unpadded: BTreeMap<(usize, String), Vec<Unpadded>> = BTreeMap::new();
    for short in spelling::unpadded(doc) {
        if let Some(rank) = RECORD_MAPS.iter().position(|m| *m == short.map) {
            record_unpadded
                .entry((rank, short.id.clone()))
                .or_default()
                .push(short);
        }
    }
    let known = Known {
        heads: doc.get_heads(),
        doc: projected.doc.clone(),
        unreadable,
        meta_conflicts,
        record_conflicts,
        record_unpadded,
    };
    Ok((projected, known, How::Full))
}

/// The (map, id) of every record the changes since `since` touch, or
/// `None` when a full read is needed.
fn touched_records(doc: &Automerge, since: &[ChangeHash]) -> Option<BTreeSet<(String, String)>> {
    if !since.iter().all(|h| has_change(doc, h)) {
        return None;
    }
    let changes = doc.get_changes(since);
    if changes.len() > MAX_CHANGES {
        return None;
    }
    let mut touched = BTreeSet::new();
    // Each object's record, found once: a batch usually edits many fields
    // of few records.
    let mut records_of: HashMap<ObjId, Option<(String, String)>> = HashMap::new();
    for change in &changes {
        for op in change.decode().operations {
            let record = match op.obj {
                legacy::ObjectId::Root => match &op.key {
                    // A record map, the meta or the township's own
                    // organizations put anew: read it all.
                    legacy::Key::Map(key)
                        if key == "meta"
                            || key == TOWNSHIP_ORGS
                            || RECORD_MAPS.contains(&&**key) =>
                    {
                        return None;
                    }
                    // Root keys the projection does not read.
                    _ => continue,
                },
                legacy::ObjectId::Id(legacy::OpId(counter, actor)) => {
                    // The index is a hint automerge checks; 0 is looked up.
                    let obj = ObjId::Id(counter, actor, 0);
                    match records_of.get(&obj) {
                        Some(found) => found.clone(),
                        None => {
                            let found = record_of(doc, &obj, &op.key)?;
                            records_of.insert(obj, found.clone());
                            found
                        }
                    }
                }
            };
            if let Some(record) = record {
                touched.insert(record);
            }
        }
    }
    Some(touched)
}

/// Which record an operation on `obj` (at `key`) changes: `Some(None)` when
/// it is outside every record map, `None` when the projection must read
/// everything (the meta changed, or the object cannot be placed).
fn record_of(doc: &Automerge, obj: &ObjId, key: &legacy::Key) -> Option<Option<(String, String)>> {
    let mut path: Vec<Prop> = doc.parents(obj).ok()?.map(|p| p.prop).collect();
    path.reverse();
    let map = match path.first() {
        Some(Prop::Map(map)) => map.clone(),
        _ => return None,
    };
    // The meta, or the township's own organizations (edited seldom, and
    // not a record map): read everything.
    if map == "meta" || map == TOWNSHIP_ORGS {
        return None;
    }
    if !RECORD_MAPS.contains(&map.as_str()) {
        return Some(None);
    }
    let id = match (path.get(1), key) {
        (Some(Prop::Map(id)), _) => id.clone(),
        // An operation on the record map itself: its key is the record.
        (None, legacy::Key::Map(id)) => id.to_string(),
        _ => return None,
    };
    Some(Some((map, id)))
}
