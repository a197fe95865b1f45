//! Required fields: what a record cannot do without.
//!
//! The typed schema already insists a field exists; this rule insists it
//! says something, since a ledger row with a blank name or a 推优 with no
//! nominee counts in the reports but cannot be followed up. Beyond blanks:
//! a women's organization recorded as formed must say its form, because the
//! form (妇工委 or 联络员, 妇联 or 妇代会) is what decides which requirement
//! it meets; and an honor goes to exactly one recipient, a unit or a person.

use super::finding::{Finding, FindingRule};
use super::names::{self, filled, filled_opt};
use crate::schema::{
    Activity, ExecLink, Formed, Honor, Nomination, Person, Record, TownshipDocument, Unit, Visit,
};

/// Blank required fields, women's organizations without a form, honors
/// without exactly one recipient.
pub(super) fn check(doc: &TownshipDocument) -> Vec<Finding> {
    let mut out = Vec::new();
    let missing = |map, id: &str, field: &str, zh: String, en: String| {
        Finding::new(map, id, field, FindingRule::MissingField, zh, en)
    };

    for (id, u) in &doc.units {
        let s = names::unit(id, u);
        if filled(&u.name).is_none() {
            out.push(missing(
                Unit::MAP,
                id,
                "name",
                format!("{}没有填写单位名称", s.zh),
                format!("{} has no name", s.en),
            ));
        }
        if u.women_org.is_formed() && u.women_org.form.is_none() {
            out.push(missing(
                Unit::MAP,
                id,
                "women_org.form",
                format!(
                    "{}已建妇女组织，但没有填写组织形式（妇联、妇代会、妇委会、妇工委或联络员）",
                    s.zh
                ),
                format!(
                    "{} has a women's organization but not its form \
                     (federation, congress, committee, work committee or liaison)",
                    s.en
                ),
            ));
        }
    }

    for (id, p) in &doc.people {
        if filled(&p.name).is_none() {
            let s = names::person(id, p);
            out.push(missing(
                Person::MAP,
                id,
                "name",
                format!("{}没有填写姓名", s.zh),
                format!("{} has no name", s.en),
            ));
        }
    }

    for (id, n) in &doc.nominations {
        let s = names::nomination(doc, n);
        if filled(&n.person).is_none() {
            out.push(missing(
                Nomination::MAP,
                id,
                "person",
                format!("{}没有填写被推荐人", s.zh),
                format!("{} has no nominee (person)", s.en),
            ));
        }
        if filled(&n.unit).is_none() {
            out.push(missing(
                Nomination::MAP,
                id,
                "unit",
                format!("{}没有填写推荐组织所在单位", s.zh),
                format!("{} has no unit for the recommending organization", s.en),
            ));
        }
    }

    for (id, v) in &doc.visits {
        let s = names::visit(doc, v);
        if filled(&v.cadre).is_none() {
            out.push(missing(
                Visit::MAP,
                id,
                "cadre",
                format!("{}没有填写走访干部", s.zh),
                format!("{} has no visiting cadre", s.en),
            ));
        }
        if filled(&v.unit).is_none() {
            out.push(missing(
                Visit::MAP,
                id,
                "unit",
                format!("{}没有填写走访单位", s.zh),
                format!("{} has no unit visited", s.en),
            ));
        }
    }

    for (id, l) in &doc.exec_links {
        let s = names::exec_link(doc, l);
        if filled(&l.executive).is_none() {
            out.push(missing(
                ExecLink::MAP,
                id,
                "executive",
                format!("{}没有填写执委姓名", s.zh),
                format!("{} has no executive's name", s.en),
            ));
        }
        if filled(&l.unit).is_none() {
            out.push(missing(
                ExecLink::MAP,
                id,
                "unit",
                format!("{}没有填写挂钩单位", s.zh),
                format!("{} has no linked unit", s.en),
            ));
        }
    }

    for (id, a) in &doc.activities {
        if filled(&a.title).is_none() {
            let s = names::activity(id, a);
            out.push(missing(
                Activity::MAP,
                id,
                "title",
                format!("{}没有填写标题", s.zh),
                format!("{} has no title", s.en),
            ));
        }
    }

    for (id, h) in &doc.honors {
        let s = names::honor(h);
        match (
            filled_opt(&h.recipient_unit),
            filled_opt(&h.recipient_person),
        ) {
            (None, None) => out.push(missing(
                Honor::MAP,
                id,
                "",
                format!("{}没有填写获得者：请填写获奖单位或获奖个人", s.zh),
                format!(
                    "{} has no recipient: give the unit or the person honored",
                    s.en
                ),
            )),
            (Some(_), Some(_)) => out.push(Finding::new(
                Honor::MAP,
                id,
                "",
                FindingRule::ConflictingFields,
                format!("{}同时填写了获奖单位和获奖个人，只能填写其中一个", s.zh),
                format!(
                    "{} names both a unit and a person as recipient: keep only one",
                    s.en
                ),
            )),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests;
