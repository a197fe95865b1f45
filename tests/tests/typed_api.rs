//! The typed township API through a real county server: what one device
//! records, another reads back typed; 推优 steps in order; conflicts listed
//! and settled.

mod common;

use std::time::Duration;

use common::*;
use qunjian_client::schema::{
    ApprovalStep, AssemblyStep, Date, Gender, InspectionStep, Nomination, OrgKind, PartyDecision,
    PartyDecisionStep, Person, RecommendedStep, RecommendingOrg, ReviewDecision, Role, Step,
    StepName, Unit, UnitKind, UpperReviewStep,
};
use qunjian_client::{ClientError, Replica, Township};
use qunjian_shared::edit::EditError;

const SYNC: Duration = Duration::from_secs(30);

fn day(s: &str) -> Date {
    s.parse().expect("date")
}

async fn two_devices(scratch: &Scratch, code: &str) -> (ServerProcess, String, Replica, Replica) {
    let url = add_township(&scratch.data_dir(), code, "城关镇");
    let token = township_token(&scratch.data_dir(), code);
    let server = ServerProcess::start(&scratch.data_dir(), 0);
    let a = connected_replica(&scratch.replica_file("a"), &server.sync_url(), &url, &token).await;
    let b = connected_replica(&scratch.replica_file("b"), &server.sync_url(), &url, &token).await;
    (server, url, a, b)
}

/// Both replicas hold each other's changes (b's heads are the reference).
async fn settle(url: &str, a: &Replica, b: &Replica) {
    let b_heads = async || b.township(url).await.expect("b").heads();
    converge_with(b_heads, url, &[a, b], SYNC, Duration::from_millis(100)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_and_person_added_on_one_device_read_back_typed_on_another() {
    let scratch = Scratch::new();
    let (_server, url, a, b) = two_devices(&scratch, "330825301").await;
    let ta = a.township(&url).await.expect("township a");

    let mut enterprise = Unit::new("浙江龙游某纸业有限公司", UnitKind::Enterprise);
    enterprise.credit_code = Some("91330825MA2DGX1X2K".into());
    enterprise.employees = Some(120);
    enterprise.female_staff = Some(45);
    enterprise.youth = Some(20);
    enterprise.opened = Some(day("2019-05-01"));
    enterprise.union.formed = true;
    enterprise.union.established = Some(day("2020-03-01"));
    enterprise.union.female_workers_committee = Some(true);
    let unit_id = ta.add(&enterprise).expect("add unit");
    let mut person = Person::new("王丽");
    person.gender = Some(Gender::Female);
    person.birth_year = Some(1996);
    person.unit = Some(unit_id.clone());
    person.roles.insert(Role::LeagueSecretary);
    let person_id = ta.add(&person).expect("add person");

    settle(&url, &a, &b).await;
    let tb = b.township(&url).await.expect("township b");
    assert_eq!(
        tb.get::<Unit>(&unit_id).expect("read"),
        Some(enterprise.clone())
    );
    assert_eq!(tb.get::<Person>(&person_id).expect("read"), Some(person));
    assert_eq!(tb.units_of_kind(UnitKind::Enterprise).len(), 1);
    assert!(
        tb.units_lacking(OrgKind::League)
            .iter()
            .any(|(id, _)| *id == unit_id)
    );
    assert!(
        !tb.units_lacking(OrgKind::Union)
            .iter()
            .any(|(id, _)| *id == unit_id)
    );

    // An edit on B, archived on A: both land, nothing is deleted.
    tb.update::<Unit>(&unit_id, |u| u.league.formed = true)
        .expect("update");
    ta.archive::<Person>(&person_id).expect("archive");
    settle(&url, &a, &b).await;
    let seen_on_a = ta.get::<Unit>(&unit_id).expect("read").expect("unit");
    assert!(seen_on_a.league.formed);
    assert!(tb.list::<Person>().is_empty());
    assert_eq!(tb.list_all::<Person>().len(), 1);
    assert!(matches!(
        ta.update::<Unit>("no-such-id", |_| {}),
        Err(ClientError::Edit(EditError::NoSuchRecord { .. }))
    ));
    a.close().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nomination_steps_go_in_order_across_devices_and_direct_ones_skip_three() {
    let scratch = Scratch::new();
    let (_server, url, a, b) = two_devices(&scratch, "330825302").await;
    let ta = a.township(&url).await.expect("a");
    let village = ta
        .add(&Unit::new("泽随村", UnitKind::Village))
        .expect("unit");
    let person = ta.add(&Person::new("张敏")).expect("person");

    let n = ta
        .nominate(&person, RecommendingOrg::Women, &village, 2026, false)
        .expect("nominate");
    let err = ta
        .record_step(
            &n,
            Step::Inspection(InspectionStep {
                date: day("2026-03-02"),
                inspector: None,
                summary: None,
            }),
        )
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("民主推荐") && text.contains("assembly"),
        "{text}"
    );

    ta.record_step(
        &n,
        Step::Assembly(AssemblyStep {
            date: day("2026-03-01"),
            attendance: Some(40),
            votes_for: Some(35),
        }),
    )
    .expect("assembly");
    settle(&url, &a, &b).await;
    // The next step is recorded on the other device.
    let tb = b.township(&url).await.expect("b");
    tb.record_step(
        &n,
        Step::Inspection(InspectionStep {
            date: day("2026-03-05"),
            inspector: Some("李书记".into()),
            summary: None,
        }),
    )
    .expect("inspection on b");
    settle(&url, &a, &b).await;
    ta.record_step(
        &n,
        Step::Approval(ApprovalStep {
            date: day("2026-03-10"),
            reason: Some("表现突出".into()),
        }),
    )
    .expect("approval on a, after b's inspection arrived");
    let by_step = ta.nominations_by_step(2026);
    assert_eq!(
        by_step.get(&Some(StepName::Approval)).map(Vec::len),
        Some(1)
    );

    // Direct: starts at the upper review.
    let leader = ta.add(&Person::new("陈团书")).expect("person");
    let d = ta
        .nominate(&leader, RecommendingOrg::League, &village, 2026, true)
        .expect("direct");
    ta.record_step(
        &d,
        Step::UpperReview(UpperReviewStep {
            date: day("2026-04-01"),
            organization: Some("团县委".into()),
            decision: ReviewDecision::Approved,
            comment: None,
        }),
    )
    .expect("direct starts at upper review");
    let err = ta
        .record_step(
            &d,
            Step::PartyDecision(PartyDecisionStep {
                date: day("2026-04-03"),
                decision: PartyDecision::Activist,
            }),
        )
        .unwrap_err();
    assert!(err.to_string().contains("推荐"), "{err}");
    ta.record_step(
        &d,
        Step::Recommended(RecommendedStep {
            date: day("2026-04-02"),
            party_organization: None,
        }),
    )
    .expect("recommended");
    let nomination = ta.get::<Nomination>(&d).expect("read").expect("exists");
    assert!(nomination.steps_out_of_order().is_empty());
    assert_eq!(nomination.steps.latest(), Some(StepName::Recommended));

    let err = ta
        .nominate("nobody", RecommendingOrg::Union, &village, 2026, false)
        .unwrap_err();
    assert!(err.to_string().contains("nobody"), "{err}");
    a.close().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_edits_of_one_field_are_listed_and_settled() {
    let scratch = Scratch::new();
    let (server, url, a, b) = two_devices(&scratch, "330825303").await;
    let ta: Township = a.township(&url).await.expect("a");
    let unit = ta
        .add(&Unit::new("城北社区", UnitKind::Community))
        .expect("unit");
    settle(&url, &a, &b).await;
    let tb = b.township(&url).await.expect("b");

    a.disconnect();
    b.disconnect();
    ta.update::<Unit>(&unit, |u| u.women_org.chair = Some("刘芳".into()))
        .expect("a edits");
    tb.update::<Unit>(&unit, |u| u.women_org.chair = Some("刘芳芳".into()))
        .expect("b edits");
    tb.update::<Unit>(&unit, |u| u.employees = Some(12))
        .expect("b edits another field");
    a.connect(&server.sync_url()).expect("a back");
    b.connect(&server.sync_url()).expect("b back");
    settle(&url, &a, &b).await;

    let conflicts = ta.conflicts();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let c = &conflicts[0];
    assert_eq!(
        (c.map.as_str(), c.id.as_str(), c.field.as_str()),
        ("units", unit.as_str(), "women_org.chair")
    );
    assert_eq!(c.values.len(), 2);
    assert_eq!(
        tb.conflicts(),
        conflicts,
        "both devices see the same conflict"
    );
    // The other field merged without conflict.
    assert_eq!(
        ta.get::<Unit>(&unit)
            .expect("read")
            .expect("unit")
            .employees,
        Some(12)
    );

    ta.resolve(
        "units",
        &unit,
        "women_org.chair",
        &serde_json::json!("刘芳"),
    )
    .expect("resolve");
    settle(&url, &a, &b).await;
    assert!(tb.conflicts().is_empty());
    assert_eq!(
        tb.get::<Unit>(&unit)
            .expect("read")
            .expect("unit")
            .women_org
            .chair
            .as_deref(),
        Some("刘芳")
    );
    a.close().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chinese_note_is_typed_on_two_devices_and_both_edits_stay() {
    use qunjian_client::schema::{Activity, ActivityKind};
    let scratch = Scratch::new();
    let (server, url, a, b) = two_devices(&scratch, "330825304").await;
    let ta: Township = a.township(&url).await.expect("a");
    let id = ta
        .add(&Activity::new(
            ActivityKind::Study,
            "主题团日",
            day("2026-11-20"),
        ))
        .expect("activity");
    // Retyped through the typed API, as an app's text box does: Automerge
    // used to count code points where autosurgeon counts bytes, and the
    // second edit of a Chinese note failed ("index 3 is out of bounds").
    for note in ["学习", "学习二十大精神", "集中学习二十大精神"] {
        ta.update::<Activity>(&id, |x| x.notes.update(note))
            .unwrap_or_else(|e| panic!("typing {note:?}: {e}"));
    }
    settle(&url, &a, &b).await;
    let tb = b.township(&url).await.expect("b");

    a.disconnect();
    b.disconnect();
    ta.update::<Activity>(&id, |x| x.notes.update("集中学习二十大精神，共18人"))
        .expect("a types at the end");
    tb.update::<Activity>(&id, |x| x.notes.update("团支部集中学习二十大精神"))
        .expect("b types at the start");
    a.connect(&server.sync_url()).expect("a back");
    b.connect(&server.sync_url()).expect("b back");
    settle(&url, &a, &b).await;

    let merged = |t: &Township| {
        t.get::<Activity>(&id)
            .expect("read")
            .expect("activity")
            .notes
            .as_str()
            .to_string()
    };
    assert_eq!(merged(&ta), "团支部集中学习二十大精神，共18人");
    assert_eq!(merged(&tb), merged(&ta));
    a.close().await;
    b.close().await;
}
