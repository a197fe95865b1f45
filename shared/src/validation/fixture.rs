//! Small township documents built by hand for the validation tests: one
//! clean document touching every kind of record, and helpers to break it.

use std::collections::BTreeMap;

use crate::schema::{
    Activity, ActivityKind, ApprovalStep, AssemblyStep, Date, ExecLink, Honor, HonorLevel,
    HonorTitle, InspectionStep, Nomination, Person, RecommendingOrg, Steps, TownshipDocument, Unit,
    UnitKind, Visit, WomenOrgForm,
};
use crate::{TownshipKind, TownshipMeta};

/// "Today" in every test.
pub fn today() -> Date {
    date("2025-06-30")
}

/// A date from `YYYY-MM-DD`.
pub fn date(s: &str) -> Date {
    s.parse().unwrap()
}

/// A document with no records.
pub fn empty() -> TownshipDocument {
    TownshipDocument {
        meta: TownshipMeta::new("330825101", "城关镇", TownshipKind::Zhen, "330825").unwrap(),
        units: BTreeMap::new(),
        people: BTreeMap::new(),
        nominations: BTreeMap::new(),
        activities: BTreeMap::new(),
        honors: BTreeMap::new(),
        visits: BTreeMap::new(),
        exec_links: BTreeMap::new(),
        township_orgs: Default::default(),
    }
}

/// A 推优 with no steps.
pub fn nomination(person: &str, unit: &str) -> Nomination {
    Nomination {
        person: person.to_string(),
        organization: RecommendingOrg::Women,
        unit: unit.to_string(),
        year: 2025,
        direct: false,
        steps: Steps::default(),
        archived: false,
    }
}

/// A county-level 三八红旗手 for 2025, with no recipient.
pub fn honor() -> Honor {
    Honor {
        title: HonorTitle::MarchEighthRedBanner,
        level: HonorLevel::County,
        year: 2025,
        recipient_unit: None,
        recipient_person: None,
        archived: false,
    }
}

/// A visit.
pub fn visit(cadre: &str, unit: &str, on: &str) -> Visit {
    Visit {
        cadre: cadre.to_string(),
        unit: unit.to_string(),
        date: date(on),
        purpose: None,
        notes: None,
        archived: false,
    }
}

/// Every kind of record, every rule satisfied, one record archived.
pub fn clean() -> TownshipDocument {
    let mut doc = empty();

    let mut park = Unit::new("城东工业园区", UnitKind::Park);
    park.opened = Some(date("2010-05-01"));
    doc.units.insert("park".into(), park);

    let mut ent = Unit::new("浙江龙游某某纸业有限公司", UnitKind::Enterprise);
    ent.parent = Some("park".into());
    ent.credit_code = Some("914403001922038216".into());
    ent.employees = Some(120);
    ent.female_staff = Some(45);
    ent.youth = Some(30);
    ent.opened = Some(date("2015-03-01"));
    ent.union.formed = true;
    ent.union.established = Some(date("2016-01-10"));
    ent.women_org.formed = true;
    ent.women_org.form = Some(WomenOrgForm::WorkCommittee);
    ent.women_org.established = Some(date("2020-03-08"));
    doc.units.insert("ent".into(), ent);

    let mut village = Unit::new("城关村", UnitKind::Village);
    village.party_org.established = Some(date("1998-07-01"));
    village.womens_home.formed = true;
    village.women_org.form = Some(WomenOrgForm::Federation);
    village.women_org.established = Some(date("2017-04-01"));
    doc.units.insert("village".into(), village);

    let mut old = Unit::new("原城关供销社", UnitKind::SocialOrg);
    old.credit_code = Some("51610700305332460K".into());
    old.archived = true;
    doc.units.insert("old".into(), old);

    let mut li = Person::new("李娟");
    li.unit = Some("ent".into());
    doc.people.insert("li".into(), li);

    let mut n = nomination("li", "ent");
    n.steps.assembly = Some(AssemblyStep {
        date: date("2025-03-01"),
        attendance: Some(40),
        votes_for: Some(38),
    });
    n.steps.inspection = Some(InspectionStep {
        date: date("2025-03-15"),
        inspector: None,
        summary: None,
    });
    n.steps.approval = Some(ApprovalStep {
        date: date("2025-04-01"),
        reason: None,
    });
    doc.nominations.insert("n1".into(), n);

    let mut a = Activity::new(ActivityKind::Training, "巾帼创业培训", date("2025-03-08"));
    a.units.insert("village".into());
    a.units.insert("ent".into());
    a.participants = 60;
    a.women_participants = 52;
    doc.activities.insert("a1".into(), a);

    let mut h = honor();
    h.recipient_person = Some("li".into());
    doc.honors.insert("h1".into(), h);

    doc.visits
        .insert("v1".into(), visit("王书记", "ent", "2025-06-30"));
    doc.exec_links
        .insert("l1".into(), link("刘芳", "ent", "2025-01-10"));
    doc
}

/// A link of executive `who` to `unit` since `since`, lasting.
pub fn link(who: &str, unit: &str, since: &str) -> ExecLink {
    ExecLink {
        executive: who.to_string(),
        unit: unit.to_string(),
        since: date(since),
        until: None,
        notes: None,
        archived: false,
    }
}
