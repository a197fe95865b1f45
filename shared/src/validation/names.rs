//! How a finding names its record, so a cadre can find it in the ledger:
//! by its name where it has one (a unit, a person, an activity's title),
//! otherwise by what identifies it (a 推优 by nominee and year, a visit by
//! cadre, unit and date), and by id only when nothing else is filled in.
//!
//! Each subject comes in Chinese and English; the English one starts with
//! a capital because messages begin with it.

use crate::schema::{
    Activity, ExecLink, Honor, Nomination, Person, RecommendingOrg, StepName, TownshipDocument,
    Unit, UnitKind, Visit,
};

/// A record's name for messages, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// e.g. 单位「城关村」.
    pub zh: String,
    /// e.g. Unit "城关村".
    pub en: String,
}

/// The record `id` of `map` (`units`, `people`, …) named as a message
/// names it; `None` when there is no such record (or it cannot be read).
pub fn subject(doc: &TownshipDocument, map: &str, id: &str) -> Option<Subject> {
    match map {
        "units" => doc.units.get(id).map(|u| unit(id, u)),
        "people" => doc.people.get(id).map(|p| person(id, p)),
        "nominations" => doc.nominations.get(id).map(|n| nomination(doc, n)),
        "activities" => doc.activities.get(id).map(|a| activity(id, a)),
        "honors" => doc.honors.get(id).map(honor),
        "visits" => doc.visits.get(id).map(|v| visit(doc, v)),
        "exec_links" => doc.exec_links.get(id).map(|l| exec_link(doc, l)),
        _ => None,
    }
}

/// Whether the record `id` of `map` is archived (no such record: no).
pub fn archived(doc: &TownshipDocument, map: &str, id: &str) -> bool {
    use crate::schema::Record;
    fn of<R: Record>(records: &std::collections::BTreeMap<String, R>, id: &str) -> bool {
        records.get(id).is_some_and(Record::archived)
    }
    match map {
        "units" => of(&doc.units, id),
        "people" => of(&doc.people, id),
        "nominations" => of(&doc.nominations, id),
        "activities" => of(&doc.activities, id),
        "honors" => of(&doc.honors, id),
        "visits" => of(&doc.visits, id),
        "exec_links" => of(&doc.exec_links, id),
        _ => false,
    }
}

/// Some(trimmed text) when the text has anything but spaces in it.
pub(super) fn filled(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty()).then_some(t)
}

/// Like [`filled`], for an optional field.
pub(super) fn filled_opt(s: &Option<String>) -> Option<&str> {
    s.as_deref().and_then(filled)
}

/// A unit.
pub(super) fn unit(id: &str, u: &Unit) -> Subject {
    match filled(&u.name) {
        Some(name) => Subject {
            zh: format!("单位「{name}」"),
            en: format!("Unit \"{name}\""),
        },
        None => Subject {
            zh: format!("单位（编号 {id}）"),
            en: format!("Unit {id}"),
        },
    }
}

/// A person.
pub(super) fn person(id: &str, p: &Person) -> Subject {
    match filled(&p.name) {
        Some(name) => Subject {
            zh: format!("人员「{name}」"),
            en: format!("Person \"{name}\""),
        },
        None => Subject {
            zh: format!("人员（编号 {id}）"),
            en: format!("Person {id}"),
        },
    }
}

/// The unit a record points to, named inside someone else's message:
/// (`城关村`, `"城关村"`), or by id when it is missing or unnamed.
fn unit_ref(doc: &TownshipDocument, id: &str) -> (String, String) {
    if filled(id).is_none() {
        return ("未填单位".to_string(), "no unit".to_string());
    }
    match doc.units.get(id).and_then(|u| filled(&u.name)) {
        Some(name) => (name.to_string(), format!("\"{name}\"")),
        None => (format!("单位编号 {id}"), format!("unit {id}")),
    }
}

/// The person a record points to, like [`unit_ref`].
fn person_ref(doc: &TownshipDocument, id: &str) -> (String, String) {
    if filled(id).is_none() {
        return ("未填被推荐人".to_string(), "no nominee".to_string());
    }
    match doc.people.get(id).and_then(|p| filled(&p.name)) {
        Some(name) => (name.to_string(), format!("\"{name}\"")),
        None => (format!("人员编号 {id}"), format!("person {id}")),
    }
}

/// A 推优 record: nominee, year, recommending organization.
pub(super) fn nomination(doc: &TownshipDocument, n: &Nomination) -> Subject {
    let (who_zh, who_en) = person_ref(doc, &n.person);
    Subject {
        zh: format!(
            "推优记录（{who_zh}，{} 年，{}）",
            n.year,
            n.organization.label()
        ),
        en: format!(
            "Nomination of {who_en} ({}, by the {})",
            n.year,
            org_en(n.organization)
        ),
    }
}

/// An activity, by title and date.
pub(super) fn activity(id: &str, a: &Activity) -> Subject {
    match filled(&a.title) {
        Some(title) => Subject {
            zh: format!("活动「{title}」（{}）", a.date),
            en: format!("Activity \"{title}\" ({})", a.date),
        },
        None => Subject {
            zh: format!("活动（编号 {id}，{}）", a.date),
            en: format!("Activity {id} ({})", a.date),
        },
    }
}

/// An honor, by title, year and level.
pub(super) fn honor(h: &Honor) -> Subject {
    Subject {
        zh: format!(
            "荣誉「{}」（{} 年，{}）",
            h.title.label(),
            h.year,
            h.level.label()
        ),
        en: format!(
            "Honor \"{}\" ({}, {} level)",
            h.title.label(),
            h.year,
            h.level.as_str()
        ),
    }
}

/// A visit, by cadre, unit and date.
pub(super) fn visit(doc: &TownshipDocument, v: &Visit) -> Subject {
    let (unit_zh, unit_en) = unit_ref(doc, &v.unit);
    let (cadre_zh, cadre_en) = match filled(&v.cadre) {
        Some(c) => (c.to_string(), c.to_string()),
        None => ("未填干部".to_string(), "no cadre".to_string()),
    };
    Subject {
        zh: format!("走访记录（{cadre_zh} → {unit_zh}，{}）", v.date),
        en: format!("Visit ({cadre_en} to {unit_en}, {})", v.date),
    }
}

/// An executive's link, by executive and unit.
pub(super) fn exec_link(doc: &TownshipDocument, l: &ExecLink) -> Subject {
    let (unit_zh, unit_en) = unit_ref(doc, &l.unit);
    let (who_zh, who_en) = match filled(&l.executive) {
        Some(c) => (c.to_string(), c.to_string()),
        None => ("未填执委".to_string(), "no executive".to_string()),
    };
    Subject {
        zh: format!("执委挂钩（{who_zh} → {unit_zh}）"),
        en: format!("Executive link ({who_en} to {unit_en})"),
    }
}

/// The recommending organization in English.
fn org_en(o: RecommendingOrg) -> &'static str {
    match o {
        RecommendingOrg::Union => "union",
        RecommendingOrg::League => "Youth League",
        RecommendingOrg::Women => "women's organization",
    }
}

/// A 推优 step in English.
pub(super) fn step_en(s: StepName) -> &'static str {
    match s {
        StepName::Assembly => "members' assembly",
        StepName::Inspection => "inspection",
        StepName::Approval => "approval",
        StepName::UpperReview => "upper-level review",
        StepName::Recommended => "recommendation to the party organization",
        StepName::PartyDecision => "party decision",
    }
}

/// A unit kind in English, with its article.
pub(super) fn kind_en(k: UnitKind) -> &'static str {
    match k {
        UnitKind::Village => "a village",
        UnitKind::Community => "a community",
        UnitKind::Enterprise => "a non-public enterprise",
        UnitKind::SocialOrg => "a social organization",
        UnitKind::Agency => "an agency",
        UnitKind::Institution => "a public institution",
        UnitKind::Park => "an industrial park",
    }
}
