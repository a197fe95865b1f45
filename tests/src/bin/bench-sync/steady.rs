//! Scenario 2, steady state: C connected devices spread over T townships,
//! each making R edits a second for S seconds. Latency is measured from
//! just before a device's edit to each other device of the same township
//! seeing that change (its `DocHandle::changes()` stream fired and the
//! change, found by its hash, is in the document).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use automerge::{Automerge, ChangeHash, ReadDoc};
use futures::StreamExt;
use futures::future::join_all;
use qunjian_client::schema::Unit;
use samod::{DocHandle, DocumentId};
use tokio::time::Instant;

use crate::device::{Device, DocWatch};
use crate::fanin::{local_bases, parse_id};
use crate::records::{self, sorted_heads};
use crate::report::{Cell, Section};
use crate::server::{Kind, Role, Server, create_tokens, own_cpu_seconds, township_add};
use crate::{Params, Timeout, is_timeout, mb, township_code, township_name};

/// The lag probe's timer (see `Steady::client_lag`).
const LAG_TICK: Duration = Duration::from_millis(10);

/// How long after the period stragglers may still arrive.
const GRACE: Duration = Duration::from_secs(10);

pub struct Steady {
    pub edits: usize,
    /// Every (edit, other device) pair seen, sorted.
    pub latencies: Vec<Duration>,
    /// Pairs not seen by the end of the grace period.
    pub missing: usize,
    pub server_cpu: f64,
    pub client_cpu: f64,
    /// How late a 10 ms timer in the load clients' runtime fired, sorted:
    /// the delay any observation in this process carries on top of the
    /// server's. Large values mean the load clients, not the server, set
    /// the latency.
    pub client_lag: Vec<Duration>,
    pub rss_kb: u64,
    pub hwm_kb: u64,
}

struct Pending {
    hash: ChangeHash,
    author: usize,
    sent: Instant,
    seen: Vec<bool>,
    remaining: usize,
}

#[derive(Default)]
struct Shared {
    /// Per township: edits not yet seen by every other device.
    pending: Vec<Mutex<Vec<Pending>>>,
    latencies: Mutex<Vec<Duration>>,
}

pub async fn run(kind: Kind, p: &Params) -> anyhow::Result<Steady> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let deadline = Instant::now() + p.setup_timeout;
    let t_count = p.townships;

    // Townships, and their document ids.
    let mut ids: Vec<Option<DocumentId>> = vec![None; t_count];
    let mut creators: Vec<(Device, DocHandle)> = Vec::new();
    // On our server device i holds a token of township i % T.
    let mut tokens: Vec<Option<String>> = vec![None; p.connected];
    let server = match kind {
        Kind::Ours => {
            for (t, slot) in ids.iter_mut().enumerate() {
                let code = township_code(t);
                let url = township_add(&data, &code, &township_name(t)).await?;
                *slot = Some(parse_id(&url)?);
                let members = (t..p.connected).step_by(t_count);
                let made =
                    create_tokens(&data, &Role::Township(code.clone()), &code, members.len())?;
                for (i, token) in members.zip(made) {
                    tokens[i] = Some(token);
                }
            }
            Server::start(kind, &data).await?
        }
        Kind::Js => {
            let server = Server::start(kind, &data).await?;
            for (t, bytes) in local_bases(t_count)?.iter().enumerate() {
                let mut d = Device::new(None).await;
                let doc = Automerge::load(bytes)?;
                let heads = sorted_heads(&doc);
                let h = d
                    .repo
                    .create(doc)
                    .await
                    .map_err(|_| anyhow::anyhow!("samod stopped"))?;
                d.connect(&server.ws_url())?;
                if !DocWatch::new(&h)
                    .until(deadline, |w| w.peer_has(&heads))
                    .await
                {
                    return Err(Timeout("the JS server taking a new document".into()).into());
                }
                ids[t] = Some(h.document_id().clone());
                creators.push((d, h));
            }
            server
        }
    };
    let ids: Vec<DocumentId> = ids
        .into_iter()
        .map(|i| i.context("no id"))
        .collect::<Result<_, _>>()?;

    // Device i belongs to township i % T; creators are their township's first.
    let mut creators = creators.into_iter();
    let joins = tokens.into_iter().enumerate().map(|(i, token)| {
        let id = ids[i % t_count].clone();
        let url = server.ws_url();
        let made = if kind == Kind::Js && i < t_count {
            creators.next()
        } else {
            None
        };
        async move {
            if let Some(made) = made {
                return anyhow::Ok(made);
            }
            let mut d = Device::new(token.as_deref()).await;
            d.connect(&url)?;
            d.established(deadline).await?;
            let h = d.find(&id, deadline).await?;
            anyhow::Ok((d, h))
        }
    });
    let mut devices = Vec::with_capacity(p.connected);
    for joined in join_all(joins).await {
        devices.push(joined?);
    }
    // Members of township t, by position in `devices`.
    let members: Vec<Vec<usize>> = (0..t_count)
        .map(|t| (0..p.connected).filter(|i| i % t_count == t).collect())
        .collect();

    // Warm-up (untimed): each device adds the unit it will keep editing,
    // then everyone waits until their township has all of them.
    let mut own = Vec::with_capacity(devices.len());
    for (i, (_, h)) in devices.iter().enumerate() {
        let mut rng = records::seeded(0x5eed_0000 + i as u64);
        let unit = records::random_unit(&mut rng)?;
        own.push(h.with_document(|doc| records::add(doc, &unit))?);
    }
    for (t, m) in members.iter().enumerate() {
        let ids: Vec<String> = m.iter().map(|&j| own[j].clone()).collect();
        for &i in m {
            let h = &devices[i].1;
            let all_in =
                |_: &DocWatch| h.with_document(|d| ids.iter().all(|id| records::has_unit(d, id)));
            if !DocWatch::new(h).until(deadline, all_in).await {
                return Err(Timeout(format!("warm-up of township {t}")).into());
            }
        }
    }

    // The measured period.
    let shared = Arc::new(Shared {
        pending: (0..t_count).map(|_| Mutex::new(Vec::new())).collect(),
        latencies: Mutex::new(Vec::new()),
    });
    let cpu0 = server.cpu_seconds();
    let client_cpu0 = own_cpu_seconds();
    let start = Instant::now();
    let end = start + Duration::from_secs(p.seconds);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let period = Duration::from_secs_f64(1.0 / p.rate);
    let lag_probe = {
        let stop = stop_rx.clone();
        tokio::spawn(async move {
            let mut lags = Vec::new();
            while !*stop.borrow() {
                let asked = Instant::now();
                tokio::time::sleep(LAG_TICK).await;
                lags.push(asked.elapsed().saturating_sub(LAG_TICK));
            }
            lags
        })
    };

    let mut observers = Vec::new();
    let mut editors = Vec::new();
    for (i, (_, h)) in devices.iter().enumerate() {
        let t = i % t_count;
        let k = i / t_count; // index within the township
        let size = members[t].len();
        // Observer.
        {
            let h = h.clone();
            let shared = shared.clone();
            let mut stop = stop_rx.clone();
            observers.push(tokio::spawn(async move {
                let mut changes = Box::pin(h.changes());
                loop {
                    let stopping = *stop.borrow();
                    tokio::select! {
                        _ = changes.next() => {}
                        _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                        _ = stop.changed(), if !stopping => {}
                    }
                    let now = Instant::now();
                    let mut pending = shared.pending[t].lock().unwrap_or_else(|e| e.into_inner());
                    let mut seen = Vec::new();
                    h.with_document(|doc| {
                        for p in pending.iter_mut() {
                            if p.author != k
                                && !p.seen[k]
                                && doc.get_change_by_hash(&p.hash).is_some()
                            {
                                p.seen[k] = true;
                                p.remaining -= 1;
                                seen.push(now - p.sent);
                            }
                        }
                    });
                    pending.retain(|p| p.remaining > 0);
                    let nothing_left = pending.is_empty();
                    drop(pending);
                    shared
                        .latencies
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .extend(seen);
                    if stopping && nothing_left {
                        return;
                    }
                }
            }));
        }
        // Editor.
        let h = h.clone();
        let shared = shared.clone();
        let id = own[i].clone();
        let mut rng = records::seeded(0xed17_0000 + i as u64);
        let offset = period.mul_f64(rng.below(1000) as f64 / 1000.0);
        editors.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(start + offset, period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut made = 0usize;
            loop {
                tick.tick().await;
                if Instant::now() >= end {
                    return anyhow::Ok(made);
                }
                let sent = Instant::now();
                let sent_ms = (sent - start).as_millis() as u32;
                let seq = made as u32;
                let hash = h.with_document(|doc| {
                    records::update::<Unit>(doc, &id, |u| {
                        u.employees = Some(seq);
                        u.youth = Some(sent_ms);
                    })?;
                    doc.get_last_local_change()
                        .map(|c| c.hash())
                        .context("no local change after an edit")
                })?;
                made += 1;
                shared.pending[t]
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(Pending {
                        hash,
                        author: k,
                        sent,
                        seen: vec![false; size],
                        remaining: size - 1,
                    });
            }
        }));
    }
    let mut edits = 0;
    for e in join_all(editors).await {
        edits += e??;
    }
    let server_cpu = server.cpu_seconds() - cpu0;
    let client_cpu = own_cpu_seconds() - client_cpu0;
    let (rss_kb, hwm_kb) = server.rss_kb();
    let _ = stop_tx.send(true);
    let mut client_lag = lag_probe.await.unwrap_or_default();
    client_lag.sort();
    let _ = tokio::time::timeout(GRACE, join_all(observers)).await;
    let missing = shared
        .pending
        .iter()
        .map(|p| {
            p.lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .map(|p| p.remaining)
                .sum::<usize>()
        })
        .sum();
    let mut latencies =
        std::mem::take(&mut *shared.latencies.lock().unwrap_or_else(|e| e.into_inner()));
    latencies.sort();

    join_all(devices.into_iter().map(|(d, _)| d.stop())).await;
    if let Err(e) = server.stop().await {
        eprintln!("  warning: {e}");
    }
    Ok(Steady {
        edits,
        latencies,
        missing,
        server_cpu,
        client_cpu,
        client_lag,
        rss_kb,
        hwm_kb,
    })
}

fn ms_text(d: Option<Duration>) -> String {
    d.map_or("n/a".into(), |d| format!("{:.1}", d.as_secs_f64() * 1000.0))
}

/// Nearest-rank percentile of a sorted slice.
fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

pub fn report(s: &mut Section, kind: Kind, r: anyhow::Result<Steady>) {
    let ours = kind == Kind::Ours;
    match r {
        Ok(r) => {
            let ms = |d: Option<Duration>| {
                d.map_or(Cell::Text("n/a".into()), |d| {
                    Cell::Value(d.as_secs_f64() * 1000.0)
                })
            };
            s.set("edits made", 0, ours, Cell::Value(r.edits as f64));
            s.set(
                "edit-to-peer latency p50 (ms)",
                1,
                ours,
                ms(percentile(&r.latencies, 50.0)),
            );
            s.set(
                "edit-to-peer latency p99 (ms)",
                1,
                ours,
                ms(percentile(&r.latencies, 99.0)),
            );
            s.set(
                "edit-to-peer latency max (ms)",
                1,
                ours,
                ms(r.latencies.last().copied()),
            );
            s.set(
                "deliveries seen / not seen",
                0,
                ours,
                Cell::Text(format!("{} / {}", r.latencies.len(), r.missing)),
            );
            s.set(
                "server CPU during the period (s)",
                2,
                ours,
                Cell::Value(r.server_cpu),
            );
            s.set("server RSS at the end (MB)", 1, ours, mb(r.rss_kb));
            s.set("server peak RSS (MB)", 1, ours, mb(r.hwm_kb));
            s.set("load clients' CPU (s)", 2, ours, Cell::Value(r.client_cpu));
            s.set(
                "load clients' timer lag p50 / p99 (ms)",
                0,
                ours,
                Cell::Text(format!(
                    "{} / {}",
                    ms_text(percentile(&r.client_lag, 50.0)),
                    ms_text(percentile(&r.client_lag, 99.0))
                )),
            );
        }
        Err(e) => {
            eprintln!("  {}", crate::fanin::describe(&e));
            let cell = if is_timeout(&e) {
                Cell::Timeout
            } else {
                Cell::Failed
            };
            s.set("edit-to-peer latency p99 (ms)", 1, ours, cell);
        }
    }
}
