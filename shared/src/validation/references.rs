//! References to records that are not in the document.
//!
//! Records point to each other by id (a person's unit, a 推优's nominee, a
//! visit's unit, an honor's recipient, an activity's units, an enterprise's
//! park). Records are archived, never deleted, so a reference that does not
//! resolve is not "deleted data" but an id typed by hand, an import gone
//! wrong, or a record a newer app wrote that this one could not read. The
//! last case is not dangling: ids of unreadable records count as present
//! (they get their own [`FindingRule::Unreadable`] finding).
//!
//! A blank reference is not checked here; `required` reports it where the
//! field is required.

use std::collections::BTreeSet;

use super::finding::{Finding, FindingRule};
use super::names::{self, Subject, filled};
use crate::schema::{
    Activity, ExecLink, Honor, Nomination, Person, Record, TownshipDocument, Unit, Unreadable,
    Visit,
};

/// The ids present, per map: read records plus unreadable ones.
struct Present<'a> {
    doc: &'a TownshipDocument,
    unreadable: BTreeSet<(&'static str, &'a str)>,
}

impl Present<'_> {
    fn unit(&self, id: &str) -> bool {
        self.doc.units.contains_key(id) || self.unreadable.contains(&(Unit::MAP, id))
    }

    fn person(&self, id: &str) -> bool {
        self.doc.people.contains_key(id) || self.unreadable.contains(&(Person::MAP, id))
    }
}

/// A reference that is filled in, as written (ids are looked up exactly).
fn given(id: &str) -> Option<&str> {
    filled(id).map(|_| id)
}

/// Like [`given`], for an optional reference.
fn given_opt(id: &Option<String>) -> Option<&str> {
    id.as_deref().and_then(given)
}

/// What a reference field points to, for the message.
#[derive(Clone, Copy)]
enum Target {
    Unit,
    Person,
}

/// A finding for `field` of a record pointing to `target_id`, which is missing.
fn dangling(
    map: &'static str,
    id: &str,
    field: &str,
    s: &Subject,
    (what_zh, what_en): (&str, &str),
    target: Target,
    target_id: &str,
) -> Finding {
    let (kind_zh, kind_en) = match target {
        Target::Unit => ("单位", "unit"),
        Target::Person => ("人员", "person"),
    };
    Finding::new(
        map,
        id,
        field,
        FindingRule::DanglingReference,
        format!(
            "{}的{what_zh}指向不存在的{kind_zh}（编号 {target_id}）",
            s.zh
        ),
        format!(
            "{}: {what_en} refers to {kind_en} {target_id}, which is not in the document",
            s.en
        ),
    )
}

/// Every reference that resolves to no record, given the records that
/// exist but could not be read.
pub(super) fn check(doc: &TownshipDocument, unreadable: &[Unreadable]) -> Vec<Finding> {
    let present = Present {
        doc,
        unreadable: unreadable.iter().map(|u| (u.map, u.id.as_str())).collect(),
    };
    let mut out = Vec::new();

    for (id, u) in &doc.units {
        if let Some(parent) = given_opt(&u.parent).filter(|p| !present.unit(p)) {
            let what = ("上级单位（所在园区）", "parent unit (park)");
            out.push(dangling(
                Unit::MAP,
                id,
                "parent",
                &names::unit(id, u),
                what,
                Target::Unit,
                parent,
            ));
        }
    }

    for (id, p) in &doc.people {
        if let Some(unit) = given_opt(&p.unit).filter(|u| !present.unit(u)) {
            let s = names::person(id, p);
            out.push(dangling(
                Person::MAP,
                id,
                "unit",
                &s,
                ("所在单位", "unit"),
                Target::Unit,
                unit,
            ));
        }
    }

    for (id, n) in &doc.nominations {
        let s = names::nomination(doc, n);
        if let Some(person) = given(&n.person).filter(|p| !present.person(p)) {
            let what = ("被推荐人", "nominee");
            out.push(dangling(
                Nomination::MAP,
                id,
                "person",
                &s,
                what,
                Target::Person,
                person,
            ));
        }
        if let Some(unit) = given(&n.unit).filter(|u| !present.unit(u)) {
            let what = ("推荐单位", "unit");
            out.push(dangling(
                Nomination::MAP,
                id,
                "unit",
                &s,
                what,
                Target::Unit,
                unit,
            ));
        }
    }

    for (id, v) in &doc.visits {
        if let Some(unit) = given(&v.unit).filter(|u| !present.unit(u)) {
            let s = names::visit(doc, v);
            out.push(dangling(
                Visit::MAP,
                id,
                "unit",
                &s,
                ("走访单位", "unit visited"),
                Target::Unit,
                unit,
            ));
        }
    }

    for (id, l) in &doc.exec_links {
        if let Some(unit) = given(&l.unit).filter(|u| !present.unit(u)) {
            out.push(dangling(
                ExecLink::MAP,
                id,
                "unit",
                &names::exec_link(doc, l),
                ("挂钩单位", "linked unit"),
                Target::Unit,
                unit,
            ));
        }
    }

    for (id, h) in &doc.honors {
        let s = names::honor(h);
        if let Some(unit) = given_opt(&h.recipient_unit).filter(|u| !present.unit(u)) {
            let what = ("获奖单位", "recipient unit");
            out.push(dangling(
                Honor::MAP,
                id,
                "recipient_unit",
                &s,
                what,
                Target::Unit,
                unit,
            ));
        }
        if let Some(person) = given_opt(&h.recipient_person).filter(|p| !present.person(p)) {
            let what = ("获奖个人", "recipient person");
            out.push(dangling(
                Honor::MAP,
                id,
                "recipient_person",
                &s,
                what,
                Target::Person,
                person,
            ));
        }
    }

    for (id, a) in &doc.activities {
        let s = names::activity(id, a);
        for unit in a
            .units
            .iter()
            .filter_map(|u| given(u))
            .filter(|u| !present.unit(u))
        {
            let field = format!("units.{unit}");
            let what = ("参加单位", "a participating unit");
            out.push(dangling(
                Activity::MAP,
                id,
                &field,
                &s,
                what,
                Target::Unit,
                unit,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests;
