//! Sync over links that cut and crawl (issue 16): replicas dial a real
//! county server through a TCP proxy (`qunjian_tests::fault_proxy`) that
//! refuses, throttles, delays, drops and cuts connections at random from a
//! fixed seed, for a bounded period; then the links are clean and every
//! replica must converge with the server, every record once, nothing lost,
//! no panic. And a device offline for a long time catches up in a single
//! reconnect (the figures for thousands of changes: `bench-offline`).
//!
//! `FAULT_SEED=<n>` replays another seed.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use qunjian_client::schema::{Unit, UnitKind};
use qunjian_client::{Backoff, Replica, Township};
use qunjian_tests::fault_proxy::{FaultProxy, Plan};
use qunjian_tests::offline_sync::{Setup, offline_then_reconnect};

const A: &str = "330825101";
const B: &str = "330825102";
/// How long the replicas edit, with faults on throughout.
const EDIT_PERIOD: Duration = Duration::from_secs(8);
/// Faults stop when the edits are done, or after this at the latest.
const FAULTS_AT_MOST: Duration = Duration::from_secs(30);
/// Units each replica adds during that period.
const PER_REPLICA: usize = 40;
/// Units both replicas of township A keep editing.
const SHARED: usize = 4;
const CONVERGE: Duration = Duration::from_secs(30);

/// Panics anywhere in this test process (the replicas' tasks included).
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info)
        }));
    });
}

fn seed() -> u64 {
    std::env::var("FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_0016)
}

/// Reconnects sooner than a device would (it waits up to 15 s), so the test
/// stays short; the links are what is under test.
const BACKOFF: Backoff = Backoff {
    initial: Duration::from_millis(100),
    max: Duration::from_secs(2),
};

async fn replica(path: &Path, sync_url: &str, doc_url: &str, token: &str) -> Replica {
    let replica = Replica::open_with_token(path, token)
        .await
        .expect("open replica");
    replica.connect_with(sync_url, BACKOFF).expect("connect");
    replica
        .wait_synced(doc_url, Duration::from_secs(20))
        .await
        .expect("first sync");
    replica
}

/// What one replica did while the links were bad.
#[derive(Default)]
struct Edits {
    /// The units it added, with the values it left them with.
    added: Vec<(String, Unit)>,
    /// The last value it wrote to its own field of each shared unit, and to
    /// their `employees` (which the other replica writes too).
    shared_own: HashMap<String, u32>,
    shared_employees: HashMap<String, u32>,
}

/// Add `PER_REPLICA` units over `EDIT_PERIOD`, changing one of its own
/// earlier units every third step and a shared unit every fourth: its own
/// field (`own`) and `employees`, a field the other replica writes as well
/// (its values told apart by `tag`).
async fn edit(
    doc: Township,
    who: &'static str,
    tag: u32,
    shared: Vec<String>,
    own: fn(&mut Unit, u32),
) -> Edits {
    let mut edits = Edits::default();
    let mut tick = tokio::time::interval(EDIT_PERIOD / PER_REPLICA as u32);
    for i in 0..PER_REPLICA {
        tick.tick().await;
        // Each change is a transaction written to the replica's file: off
        // the runtime's workers, so the proxy and the sync keep running.
        tokio::task::block_in_place(|| step(&doc, who, tag, &shared, own, i, &mut edits));
    }
    edits
}

/// One step of [`edit`]: add unit `i`, and maybe change an earlier one
/// and a shared one.
fn step(
    doc: &Township,
    who: &str,
    tag: u32,
    shared: &[String],
    own: fn(&mut Unit, u32),
    i: usize,
    edits: &mut Edits,
) {
    let mut unit = Unit::new(format!("{who}单位{i:03}"), UnitKind::Enterprise);
    unit.employees = Some(i as u32);
    let id = doc.add(&unit).expect("add");
    edits.added.push((id, unit));
    if i % 3 == 2 {
        let (id, unit) = &mut edits.added[i / 2];
        let value = 1000 + i as u32;
        *unit = doc
            .update::<Unit>(id, |u| u.employees = Some(value))
            .expect("update own");
    }
    if !shared.is_empty() && i.is_multiple_of(4) {
        let id = &shared[(i / 4) % shared.len()];
        let value = i as u32;
        let employees = 10_000 * tag + value;
        doc.update::<Unit>(id, |u| {
            own(u, value);
            u.employees = Some(employees);
        })
        .expect("update shared");
        edits.shared_own.insert(id.clone(), value);
        edits.shared_employees.insert(id.clone(), employees);
    }
}

/// Units by id, from the server's JSON.
fn server_units(document: &serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    document["units"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// Every name once, and `count` units in all.
fn assert_each_name_once<'a>(whose: &str, names: impl Iterator<Item = &'a str>, count: usize) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for name in names {
        *seen.entry(name).or_default() += 1;
    }
    let doubled: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "{whose}: names held twice: {doubled:?}");
    assert_eq!(seen.values().sum::<usize>(), count, "{whose}: unit count");
}

/// Each added unit, on each replica and on the server, exactly as left.
async fn assert_all_there(
    server: &ServerProcess,
    code: &str,
    url: &str,
    replicas: &[(&str, &Replica)],
    added: &[&(String, Unit)],
    count: usize,
) {
    let snapshot = server.document(code).await;
    let on_server = server_units(&snapshot.document);
    assert_each_name_once(
        &format!("server {code}"),
        on_server.values().map(|u| u["name"].as_str().unwrap_or("")),
        count,
    );
    for (id, unit) in added {
        let there = on_server
            .get(id)
            .unwrap_or_else(|| panic!("server {code} lost {} ({id})", unit.name));
        assert_eq!(there["name"], unit.name.as_str(), "{id}");
        assert_eq!(there["employees"], unit.employees.unwrap_or(0), "{id}");
    }
    for (who, replica) in replicas {
        let doc = replica.township(url).await.expect("doc");
        let units = doc.list::<Unit>();
        assert_each_name_once(who, units.iter().map(|(_, u)| u.name.as_str()), count);
        let by_id: HashMap<_, _> = units.into_iter().collect();
        for (id, unit) in added {
            assert_eq!(by_id.get(id), Some(unit), "{who} on {}", unit.name);
        }
    }
}

fn assert_no_panic_in(log: &Path) {
    let text = std::fs::read_to_string(log).expect("read the server's log");
    assert!(!text.contains("panicked"), "the server panicked:\n{text}");
    assert_eq!(
        PANICS.load(Ordering::SeqCst),
        0,
        "a panic in the test process"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_over_cut_and_crawling_links_converge_with_every_record_once() {
    init_tracing();
    count_panics();
    let started = Instant::now();
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let url_a = add_township(&data, A, "城关镇");
    let url_b = add_township(&data, B, "湖镇镇");
    let (ta1, ta2, tb) = (
        township_token(&data, A),
        township_token(&data, A),
        township_token(&data, B),
    );
    let log = scratch.replica_file("server-log");
    let server = ServerProcess::start_logged(&data, 0, &[], &log);
    let proxy =
        FaultProxy::start(server.addr, Plan::new(seed(), Duration::ZERO)).expect("start the proxy");
    let via = proxy.sync_url();
    let a1 = replica(&scratch.replica_file("a1"), &via, &url_a, &ta1).await;
    let a2 = replica(&scratch.replica_file("a2"), &via, &url_a, &ta2).await;
    let b1 = replica(&scratch.replica_file("b1"), &via, &url_b, &tb).await;

    // The units both A replicas will edit exist before the faults begin.
    let doc_a1 = a1.township(&url_a).await.expect("doc");
    let shared: Vec<(String, Unit)> = (0..SHARED)
        .map(|k| {
            let unit = Unit::new(format!("共同单位{k}"), UnitKind::Village);
            (doc_a1.add(&unit).expect("add shared"), unit)
        })
        .collect();
    let a_heads = async || server.document(A).await.heads;
    converge_with(a_heads, &url_a, &[&a1, &a2], CONVERGE, POLL_EVERY).await;
    let shared_ids: Vec<String> = shared.iter().map(|(id, _)| id.clone()).collect();

    println!("set up in {:?}", started.elapsed());
    let editing = Instant::now();
    proxy.faults_for(FAULTS_AT_MOST);
    let doc_a2 = a2.township(&url_a).await.expect("doc");
    let doc_b1 = b1.township(&url_b).await.expect("doc");
    // Each replica edits on its own task, as three devices would.
    let e1 = tokio::spawn(edit(doc_a1, "甲一", 1, shared_ids.clone(), |u, v| {
        u.female_staff = Some(v)
    }));
    let e2 = tokio::spawn(edit(doc_a2, "甲二", 2, shared_ids.clone(), |u, v| {
        u.youth = Some(v)
    }));
    let eb = tokio::spawn(edit(doc_b1, "乙一", 3, Vec::new(), |_, _| {}));
    let (e1, e2, eb) = (
        e1.await.expect("a1 edits"),
        e2.await.expect("a2 edits"),
        eb.await.expect("b1 edits"),
    );
    proxy.end_faults();
    let faults = proxy.counts();
    println!(
        "seed {:#x}, edits took {:?}, faults: {faults}",
        seed(),
        editing.elapsed()
    );
    assert!(
        faults.drops + faults.cuts > 0 && faults.delays > 0,
        "the faults never struck: {faults}"
    );

    let converging = Instant::now();
    let a_heads = async || server.document(A).await.heads;
    converge_with(a_heads, &url_a, &[&a1, &a2], CONVERGE, POLL_EVERY).await;
    let b_heads = async || server.document(B).await.heads;
    converge_with(b_heads, &url_b, &[&b1], CONVERGE, POLL_EVERY).await;
    println!(
        "converged {:?} after the faults ended; {:?} in all; proxy: {}",
        converging.elapsed(),
        started.elapsed(),
        proxy.counts()
    );

    let added_a: Vec<_> = e1.added.iter().chain(&e2.added).collect();
    let count_a = 2 * PER_REPLICA + SHARED;
    assert_all_there(
        &server,
        A,
        &url_a,
        &[("a1", &a1), ("a2", &a2)],
        &added_a,
        count_a,
    )
    .await;
    let added_b: Vec<_> = eb.added.iter().collect();
    assert_all_there(&server, B, &url_b, &[("b1", &b1)], &added_b, PER_REPLICA).await;

    // The shared units: each replica's own field as it last wrote it, and
    // the field both wrote holds one of their last values.
    let doc = a2.township(&url_a).await.expect("doc");
    for (id, original) in &shared {
        let unit = doc.get::<Unit>(id).expect("read").expect("shared unit");
        assert_eq!(unit.name, original.name);
        assert_eq!(unit.female_staff, e1.shared_own.get(id).copied(), "{id}");
        assert_eq!(unit.youth, e2.shared_own.get(id).copied(), "{id}");
        let last = [e1.shared_employees.get(id), e2.shared_employees.get(id)];
        assert!(
            last.contains(&unit.employees.as_ref()),
            "{id}: employees {:?}, last written {last:?}",
            unit.employees
        );
    }

    a1.close().await;
    a2.close().await;
    b1.close().await;
    assert_no_panic_in(&log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_offline_for_long_catches_up_in_one_reconnect() {
    init_tracing();
    count_panics();
    const CHANGES: usize = 200;
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let url = add_township(&data, A, "城关镇");
    let online_token = township_token(&data, A);
    let offline_token = township_token(&data, A);
    let log = scratch.replica_file("server-log");
    let server = ServerProcess::start_logged(&data, 0, &[], &log);
    let replicas = scratch.replica_file("replicas");
    std::fs::create_dir_all(&replicas).expect("replicas dir");
    let outcome = offline_then_reconnect(Setup {
        server: server.addr,
        doc_url: url.clone(),
        online_token,
        offline_token,
        dir: &replicas,
        changes: CHANGES,
        timeout: CONVERGE,
    })
    .await
    .expect("the offline replica catches up");
    println!(
        "edits {:?} offline, {:?} online (synced in {:?})",
        outcome.offline_edit_time, outcome.online_edit_time, outcome.online_sync_time
    );
    println!(
        "{CHANGES} changes each side; reconnect {:?} over {} connection(s): \
         {} bytes up against {} bytes of offline changes, \
         {} bytes down against {} bytes of online changes; merged save() {} bytes",
        outcome.reconnect,
        outcome.link.connections,
        outcome.link.bytes_up,
        outcome.offline_change_bytes,
        outcome.link.bytes_down,
        outcome.online_change_bytes,
        outcome.doc_bytes,
    );
    assert_eq!(outcome.link.connections, 1, "caught up in one connection");

    let added: Vec<_> = outcome
        .online_units
        .iter()
        .chain(&outcome.offline_units)
        .collect();
    assert_eq!(added.len(), CHANGES, "half the changes add a unit");
    assert_all_there(
        &server,
        A,
        &url,
        &[("online", &outcome.online), ("offline", &outcome.offline)],
        &added,
        CHANGES,
    )
    .await;
    outcome.online.close().await;
    outcome.offline.close().await;
    assert_no_panic_in(&log);
}
