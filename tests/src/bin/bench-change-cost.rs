//! Where one edit's time goes on the server as a township's history grows:
//! the Automerge calls a sync server makes for each small change a device
//! sends, timed one by one on bare documents in this process (no samod, no
//! SQLite, no network), at several history lengths.
//!
//! For each change: the device generates its sync message; the server
//! receives it (`receive_sync_message`; and, to separate the sync
//! protocol's share, the same change is applied to another copy with
//! `apply_changes`, and to a third as bytes with `load_incremental`, the
//! call `receive_sync_message` makes), gets the new change for storage
//! (`get_changes(old heads)`, what samod-core writes as an incremental
//! row), and generates its reply to the device and a message to a second
//! peer (`generate_sync_message`). The soak shows edit latency growing with
//! history (3.6 ms at 60 changes, 8 ms at 5,000, 34 ms at 100,000); this
//! says which call grows. Figures are printed, never asserted.
//!
//! Run: `cargo run --release -p qunjian-tests --bin bench-change-cost --
//! [--changes 1000,10000,50000,100000] [--edits 100]`

#[path = "bench-document/rng.rs"]
mod rng;

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use automerge::sync::{Message, State, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, Automerge, ChangeHash, ObjType, ROOT};

use crate::rng::Rng;

/// A township's units: 2,000 maps of a few fields, as bench-history makes.
const UNITS: usize = 2000;

struct Params {
    sizes: Vec<usize>,
    edits: usize,
}

fn parse() -> anyhow::Result<Option<Params>> {
    let mut p = Params {
        sizes: vec![1_000, 10_000, 50_000, 100_000],
        edits: 100,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args
            .get(i + 1)
            .with_context(|| format!("{} needs a value", args[i]))?;
        match args[i].as_str() {
            "--changes" => {
                p.sizes = value
                    .split(',')
                    .map(|v| v.trim().parse::<usize>())
                    .collect::<Result<_, _>>()
                    .with_context(|| format!("--changes takes numbers, not {value:?}"))?;
            }
            "--edits" => {
                p.edits = value
                    .parse()
                    .with_context(|| format!("--edits takes a number, not {value:?}"))?;
            }
            "-h" | "--help" => {
                println!(
                    "usage: bench-change-cost [--changes N,N,.. (1000,10000,50000,100000)] [--edits E (100)]"
                );
                return Ok(None);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
        i += 2;
    }
    if p.edits == 0 || p.sizes.is_empty() || p.sizes.contains(&0) {
        bail!("--changes and --edits must be at least 1");
    }
    Ok(Some(p))
}

/// A document of `changes` changes from 12 devices: one change makes the
/// units, each other sets one field of one unit.
fn history(changes: usize, rng: &mut Rng) -> anyhow::Result<(Automerge, Vec<automerge::ObjId>)> {
    let mut doc = AutoCommit::new().with_actor(ActorId::from(b"county-seed".as_slice()));
    let units = doc.put_object(ROOT, "units", ObjType::Map)?;
    let mut ids = Vec::with_capacity(UNITS);
    for u in 0..UNITS {
        let unit = doc.put_object(&units, format!("u{u:05}"), ObjType::Map)?;
        doc.put(&unit, "name", format!("单位{u}"))?;
        doc.put(&unit, "employees", 0_i64)?;
        ids.push(unit);
    }
    doc.commit();
    let mut docs: Vec<AutoCommit> = (0..12u8)
        .map(|d| doc.fork().with_actor(ActorId::from([b't', d].as_slice())))
        .collect();
    let mut merged = doc;
    // Devices edit in turns of 500 and merge, as a township's tablets would.
    let mut made = 1;
    while made < changes {
        let d = made / 500 % docs.len();
        let device = &mut docs[d];
        device.merge(&mut merged)?;
        for _ in 0..500.min(changes - made) {
            let unit = &ids[rng.below(UNITS)];
            device.put(unit, "employees", rng.below(5000) as i64)?;
            device.commit();
            made += 1;
        }
        merged.merge(device)?;
    }
    Ok((merged.document().clone(), ids))
}

/// Sync `a` and `b` until neither has anything to send.
fn sync(
    a: &mut Automerge,
    sa: &mut State,
    b: &mut Automerge,
    sb: &mut State,
) -> anyhow::Result<()> {
    for _ in 0..100 {
        let m1 = a.generate_sync_message(sa);
        let m2 = b.generate_sync_message(sb);
        if m1.is_none() && m2.is_none() {
            return Ok(());
        }
        if let Some(m) = m1 {
            b.receive_sync_message(sb, Message::decode(&m.encode())?)?;
        }
        if let Some(m) = m2 {
            a.receive_sync_message(sa, Message::decode(&m.encode())?)?;
        }
    }
    bail!("sync did not settle in 100 rounds")
}

#[derive(Default)]
struct Times {
    receive: Vec<Duration>,
    apply: Vec<Duration>,
    load_incremental: Vec<Duration>,
    get_changes: Vec<Duration>,
    reply: Vec<Duration>,
    other_peer: Vec<Duration>,
}

fn pct(v: &mut [Duration], q: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1;
    v[i].as_secs_f64() * 1000.0
}

fn main() -> anyhow::Result<()> {
    let Some(p) = parse()? else {
        return Ok(());
    };
    println!(
        "bench-change-cost: per small change a device sends, the server's Automerge calls, p50 / p99 ms over {} changes",
        p.edits
    );
    println!(
        "{:>8}  {:>9}  {:>18}  {:>18}  {:>18}  {:>18}  {:>18}  {:>18}",
        "changes",
        "build s",
        "receive",
        "apply_changes",
        "load_incremental",
        "get_changes",
        "reply to device",
        "message to peer"
    );
    for &size in &p.sizes {
        let mut rng = Rng(0x5eed_cafe);
        let started = Instant::now();
        let (mut server, ids) = history(size, &mut rng)?;
        let build = started.elapsed();
        let mut device = server
            .fork()
            .with_actor(ActorId::from(b"device-a".as_slice()));
        let mut peer = server
            .fork()
            .with_actor(ActorId::from(b"device-b".as_slice()));
        // The same changes applied directly, without the sync protocol.
        let mut applier = server
            .fork()
            .with_actor(ActorId::from(b"applier".as_slice()));
        // ... and as bytes, the way `receive_sync_message` takes them in.
        let mut loader = server
            .fork()
            .with_actor(ActorId::from(b"loader".as_slice()));
        let (mut s_dev, mut dev_s) = (State::new(), State::new());
        let (mut s_peer, mut peer_s) = (State::new(), State::new());
        sync(&mut server, &mut s_dev, &mut device, &mut dev_s)?;
        sync(&mut server, &mut s_peer, &mut peer, &mut peer_s)?;
        let mut t = Times::default();
        for _ in 0..p.edits {
            let unit = &ids[rng.below(UNITS)];
            let mut tx = device.transaction();
            tx.put(unit, "employees", rng.below(5000) as i64)?;
            tx.commit();
            let msg = device
                .generate_sync_message(&mut dev_s)
                .context("the device has a change to send")?;
            let msg = Message::decode(&msg.encode())?;
            let before: Vec<ChangeHash> = server.get_heads();

            let t0 = Instant::now();
            server.receive_sync_message(&mut s_dev, msg)?;
            t.receive.push(t0.elapsed());

            let t0 = Instant::now();
            let new = server.get_changes(&before);
            t.get_changes.push(t0.elapsed());
            if new.len() != 1 {
                bail!("expected one new change on the server, got {}", new.len());
            }
            let bytes: Vec<u8> = new.iter().flat_map(|c| c.raw_bytes().to_vec()).collect();
            let t0 = Instant::now();
            applier.apply_changes(new)?;
            t.apply.push(t0.elapsed());
            let t0 = Instant::now();
            loader.load_incremental(&bytes)?;
            t.load_incremental.push(t0.elapsed());

            let t0 = Instant::now();
            let reply = server.generate_sync_message(&mut s_dev);
            t.reply.push(t0.elapsed());
            let t0 = Instant::now();
            let to_peer = server.generate_sync_message(&mut s_peer);
            t.other_peer.push(t0.elapsed());

            // Let both peers answer, so the next change starts from an
            // up-to-date sync state, as on a live connection.
            if let Some(m) = reply {
                device.receive_sync_message(&mut dev_s, Message::decode(&m.encode())?)?;
            }
            if let Some(m) = to_peer {
                peer.receive_sync_message(&mut peer_s, Message::decode(&m.encode())?)?;
            }
            sync(&mut server, &mut s_dev, &mut device, &mut dev_s)?;
            sync(&mut server, &mut s_peer, &mut peer, &mut peer_s)?;
        }
        let cell = |v: &mut Vec<Duration>| format!("{:.2} / {:.2}", pct(v, 0.5), pct(v, 0.99));
        println!(
            "{:>8}  {:>9.1}  {:>18}  {:>18}  {:>18}  {:>18}  {:>18}  {:>18}",
            size,
            build.as_secs_f64(),
            cell(&mut t.receive),
            cell(&mut t.apply),
            cell(&mut t.load_incremental),
            cell(&mut t.get_changes),
            cell(&mut t.reply),
            cell(&mut t.other_peer),
        );
    }
    Ok(())
}
