//! Three devices edit the same township document offline through the typed
//! edit functions, sync now and then, and finally merge in a random order.
//! Whatever the operations and the order, they must end with the same
//! heads, the same typed records and the same list of conflicts, and no
//! sequence may panic.

use automerge::{ActorId, Automerge, AutomergeError, transaction::Transaction};
use proptest::prelude::*;
use qunjian_shared::conflicts::conflicts;
use qunjian_shared::edit::{self, EditError};
use qunjian_shared::schema::{
    Activity, ActivityKind, ApprovalStep, AssemblyStep, Date, InspectionStep, Nomination,
    PartyDecision, PartyDecisionStep, PartyStage, Person, RecommendedStep, RecommendingOrg,
    ReviewDecision, Role, Step, TownshipDocument, Unit, UnitKind, UpperReviewStep,
};
use qunjian_shared::{TownshipKind, TownshipMeta};

const UNITS: usize = 3;
const PEOPLE: usize = 3;
const NOMINATIONS: usize = 2;

/// What one device can do.
#[derive(Debug, Clone)]
enum Op {
    RenameUnit(usize, u8),
    SetEmployees(usize, u32),
    SetWomenChair(usize, u8),
    FormUnion(usize),
    ArchiveUnit(usize),
    RestoreUnit(usize),
    AddUnit(u8),
    AddRole(usize, usize),
    RemoveRole(usize, usize),
    SetStage(usize, usize),
    RecordStep(usize, usize, u8),
    EditNotes(u8),
    /// Pull everything another device has (a partial sync).
    SyncFrom(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..UNITS, any::<u8>()).prop_map(|(u, n)| Op::RenameUnit(u, n)),
        (0..UNITS, 0u32..500).prop_map(|(u, n)| Op::SetEmployees(u, n)),
        (0..UNITS, any::<u8>()).prop_map(|(u, n)| Op::SetWomenChair(u, n)),
        (0..UNITS).prop_map(Op::FormUnion),
        (0..UNITS).prop_map(Op::ArchiveUnit),
        (0..UNITS).prop_map(Op::RestoreUnit),
        any::<u8>().prop_map(Op::AddUnit),
        (0..PEOPLE, 0..Role::ALL.len()).prop_map(|(p, r)| Op::AddRole(p, r)),
        (0..PEOPLE, 0..Role::ALL.len()).prop_map(|(p, r)| Op::RemoveRole(p, r)),
        (0..PEOPLE, 0..PartyStage::ALL.len()).prop_map(|(p, s)| Op::SetStage(p, s)),
        (0..NOMINATIONS, 0..6usize, 1u8..28).prop_map(|(n, s, d)| Op::RecordStep(n, s, d)),
        any::<u8>().prop_map(Op::EditNotes),
        (0..3usize).prop_map(Op::SyncFrom),
    ]
}

struct Base {
    doc: Automerge,
    units: Vec<String>,
    people: Vec<String>,
    nominations: Vec<String>,
    activity: String,
}

fn tx<R>(
    doc: &mut Automerge,
    f: impl FnOnce(&mut Transaction<'_>) -> Result<R, EditError>,
) -> Result<R, EditError> {
    doc.transact(f)
        .map(|ok| ok.result)
        .map_err(|failure| failure.error)
}

fn base() -> Base {
    let meta =
        TownshipMeta::new("330825999", "测试镇", TownshipKind::Zhen, "330825").expect("meta");
    let mut doc = meta.new_document().expect("doc");
    let units: Vec<String> = (0..UNITS)
        .map(|i| {
            tx(&mut doc, |t| {
                edit::add(t, &Unit::new(format!("单位{i}"), UnitKind::Village))
            })
            .expect("unit")
        })
        .collect();
    let people: Vec<String> = (0..PEOPLE)
        .map(|i| tx(&mut doc, |t| edit::add(t, &Person::new(format!("人员{i}")))).expect("person"))
        .collect();
    let nominations = (0..NOMINATIONS)
        .map(|i| {
            tx(&mut doc, |t| {
                edit::nominate(
                    t,
                    &people[i],
                    RecommendingOrg::Women,
                    &units[i],
                    2026,
                    i == 1,
                )
            })
            .expect("nomination")
        })
        .collect();
    let date = Date::ymd(2026, 5, 4).expect("date");
    let activity = tx(&mut doc, |t| {
        edit::add(t, &Activity::new(ActivityKind::Training, "培训", date))
    })
    .expect("activity");
    Base {
        doc,
        units,
        people,
        nominations,
        activity,
    }
}

fn step(kind: usize, day: u8) -> Step {
    let date = Date::ymd(2026, 3, u32::from(day)).expect("valid day");
    match kind {
        0 => Step::Assembly(AssemblyStep {
            date,
            attendance: Some(30),
            votes_for: Some(u32::from(day)),
        }),
        1 => Step::Inspection(InspectionStep {
            date,
            inspector: Some(format!("考察人{day}")),
            summary: None,
        }),
        2 => Step::Approval(ApprovalStep { date, reason: None }),
        3 => Step::UpperReview(UpperReviewStep {
            date,
            organization: None,
            decision: ReviewDecision::Approved,
            comment: None,
        }),
        4 => Step::Recommended(RecommendedStep {
            date,
            party_organization: None,
        }),
        _ => Step::PartyDecision(PartyDecisionStep {
            date,
            decision: PartyDecision::Activist,
        }),
    }
}

/// Apply one op on device `me`. Refusals (a step out of order) are normal
/// outcomes, not failures; only panics and Automerge errors would be bugs.
fn apply(devices: &mut [Automerge], me: usize, op: &Op, base: &Base) -> Result<(), AutomergeError> {
    if let Op::SyncFrom(other) = op {
        if *other != me {
            let mut theirs = devices[*other].clone();
            devices[me].merge(&mut theirs)?;
        }
        return Ok(());
    }
    let doc = &mut devices[me];
    let unit = |u: &usize| base.units[*u].clone();
    let person = |p: &usize| base.people[*p].clone();
    let result = match op {
        Op::RenameUnit(u, n) => tx(doc, |t| {
            edit::update::<Unit>(t, &unit(u), |x| x.name = format!("名称{n}")).map(drop)
        }),
        Op::SetEmployees(u, n) => tx(doc, |t| {
            edit::update::<Unit>(t, &unit(u), |x| x.employees = Some(*n)).map(drop)
        }),
        Op::SetWomenChair(u, n) => tx(doc, |t| {
            edit::update::<Unit>(t, &unit(u), |x| {
                x.women_org.chair = Some(format!("主席{n}"))
            })
            .map(drop)
        }),
        Op::FormUnion(u) => tx(doc, |t| {
            edit::update::<Unit>(t, &unit(u), |x| x.union.formed = true).map(drop)
        }),
        Op::ArchiveUnit(u) => tx(doc, |t| edit::archive::<Unit>(t, &unit(u), true)),
        Op::RestoreUnit(u) => tx(doc, |t| edit::archive::<Unit>(t, &unit(u), false)),
        Op::AddUnit(n) => tx(doc, |t| {
            edit::add(t, &Unit::new(format!("新单位{n}"), UnitKind::Enterprise)).map(drop)
        }),
        Op::AddRole(p, r) => tx(doc, |t| {
            edit::update::<Person>(t, &person(p), |x| {
                x.roles.insert(Role::ALL[*r]);
            })
            .map(drop)
        }),
        Op::RemoveRole(p, r) => tx(doc, |t| {
            edit::update::<Person>(t, &person(p), |x| {
                x.roles.remove(&Role::ALL[*r]);
            })
            .map(drop)
        }),
        Op::SetStage(p, s) => tx(doc, |t| {
            edit::update::<Person>(t, &person(p), |x| x.party_stage = PartyStage::ALL[*s]).map(drop)
        }),
        Op::RecordStep(n, k, d) => tx(doc, |t| {
            edit::record_step(t, &base.nominations[*n], &step(*k, *d))
        }),
        Op::EditNotes(n) => tx(doc, |t| {
            edit::update::<Activity>(t, &base.activity, |a| {
                a.notes.splice(0, 0, format!("第{n}条;"))
            })
            .map(drop)
        }),
        Op::SyncFrom(_) => Ok(()),
    };
    match result {
        Ok(()) | Err(EditError::StepOutOfOrder { .. }) => Ok(()),
        Err(EditError::Automerge(e)) => Err(e),
        Err(other) => panic!("unexpected refusal {other}"),
    }
}

fn typed(doc: &Automerge) -> TownshipDocument {
    let (typed, unreadable) = TownshipDocument::hydrate(doc).expect("hydrate");
    assert!(unreadable.is_empty(), "unreadable records: {unreadable:?}");
    typed
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn three_devices_converge_to_one_typed_state(
        ops in proptest::collection::vec((0..3usize, op()), 0..40),
        merge_order in Just([0usize, 1, 2]).prop_shuffle(),
    ) {
        let base = base();
        let mut devices: Vec<Automerge> = (0..3u8)
            .map(|i| base.doc.fork().with_actor(ActorId::from(vec![i + 1; 16])))
            .collect();
        for (me, op) in &ops {
            apply(&mut devices, *me, op, &base).expect("automerge accepted the op");
        }
        // Merge in the shuffled order: first into one device, then out to all.
        let [first, second, third] = merge_order;
        for other in [second, third] {
            let mut theirs = devices[other].clone();
            devices[first].merge(&mut theirs).expect("merge");
        }
        for other in [second, third] {
            let mut all = devices[first].clone();
            devices[other].merge(&mut all).expect("merge");
        }
        let heads = devices[0].get_heads();
        let state = typed(&devices[0]);
        let listed = conflicts(&devices[0]);
        for d in &devices[1..] {
            prop_assert_eq!(d.get_heads(), heads.clone());
            prop_assert_eq!(typed(d), state.clone());
            prop_assert_eq!(conflicts(d), listed.clone());
        }
        // Nothing was deleted: every seeded record is still there.
        for id in &base.units {
            prop_assert!(state.units.contains_key(id));
        }
        for id in &base.nominations {
            let n: &Nomination = &state.nominations[id];
            prop_assert_eq!(n.year, 2026);
        }
    }
}
