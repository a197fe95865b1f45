//! Scenario 1, fan-in: T townships x D devices, each device with M edits
//! made offline, all connecting at once. Timed until every device and the
//! server hold every change.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use automerge::{Automerge, Change, ChangeHash};
use futures::future::join_all;
use samod::DocumentId;
use tokio::time::Instant;

use crate::device::{Device, DocWatch};
use crate::records::{self, sorted_heads};
use crate::server::{
    Kind, Role, Server, create_token, create_tokens, own_cpu_seconds, township_add,
};
use crate::{Params, Timeout, is_timeout, township_code, township_name};

/// The same changes for both servers: per township its base document and,
/// per device, the changes that device made offline on top of it.
pub struct Workload {
    pub bases: Vec<Vec<u8>>,
    pub changes: Vec<Vec<Vec<Change>>>,
    /// Heads once every device's changes are merged, sorted.
    pub union: Vec<Vec<ChangeHash>>,
    pub total_changes: usize,
}

impl Workload {
    /// Generate every device's edits (typed edits through `gen`) on `bases`.
    pub fn generate(bases: Vec<Vec<u8>>, devices: usize, edits: usize) -> anyhow::Result<Workload> {
        // One township per thread, as many threads as cores.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let next = std::sync::atomic::AtomicUsize::new(0);
        type Made = anyhow::Result<(Vec<Vec<Change>>, Vec<ChangeHash>)>;
        let slots: Vec<std::sync::Mutex<Option<Made>>> =
            bases.iter().map(|_| std::sync::Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            for _ in 0..cores.min(bases.len()) {
                scope.spawn(|| {
                    loop {
                        let t = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(bytes) = bases.get(t) else { return };
                        let made = township_changes(t, bytes, devices, edits);
                        *slots[t].lock().unwrap_or_else(|e| e.into_inner()) = Some(made);
                    }
                });
            }
        });
        let mut changes = Vec::with_capacity(bases.len());
        let mut union = Vec::with_capacity(bases.len());
        for slot in slots {
            let made = slot
                .into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .context("a township was not generated")??;
            changes.push(made.0);
            union.push(made.1);
        }
        let total_changes = changes.iter().flatten().map(Vec::len).sum();
        Ok(Workload {
            bases,
            changes,
            union,
            total_changes,
        })
    }
}

/// Township `t`'s devices' changes, and the heads once all are merged.
fn township_changes(
    t: usize,
    bytes: &[u8],
    devices: usize,
    edits: usize,
) -> anyhow::Result<(Vec<Vec<Change>>, Vec<ChangeHash>)> {
    let base = Automerge::load(bytes).context("loading a base document")?;
    let mut per_device = Vec::with_capacity(devices);
    let mut merged = base.clone();
    for d in 0..devices {
        let seed = (t as u64) << 32 | d as u64;
        let c = records::device_changes(&base, records::actor(1, t, d), edits, seed)?;
        merged.apply_changes(c.clone())?;
        per_device.push(c);
    }
    Ok((per_device, sorted_heads(&merged)))
}

/// Fresh township documents made locally, for a run without our server
/// (whose `township add` documents are used otherwise).
pub fn local_bases(townships: usize) -> anyhow::Result<Vec<Vec<u8>>> {
    (0..townships)
        .map(|t| {
            let meta = qunjian_shared::TownshipMeta::new(
                &township_code(t),
                &township_name(t),
                qunjian_shared::TownshipKind::Zhen,
                "330825",
            )?;
            Ok(meta.new_document()?.save())
        })
        .collect()
}

/// What one server did.
pub struct FanIn {
    pub changes: usize,
    /// Until the last device heard from the server that it holds everything.
    pub server_done: Option<Duration>,
    /// Until the last device held everything.
    pub devices_done: Option<Duration>,
    pub server_cpu: f64,
    pub client_cpu: f64,
    pub wire_bytes: u64,
    pub peak_rss_kb: u64,
    /// Townships whose server copy a fresh device found complete, of T.
    pub verified: usize,
    pub setup: Duration,
    /// The wire by message type during the measured phase.
    pub messages: std::collections::BTreeMap<(&'static str, String), crate::messages::Counts>,
}

struct Township {
    id: DocumentId,
    devices: Vec<Device>,
    handles: Vec<samod::DocHandle>,
}

/// Run the fan-in against a fresh server of `kind`. For ours, `workload`
/// is generated here on the documents `township add` made (so pass
/// `None`); the JavaScript server gets the same workload (or, alone, one
/// on local documents).
pub async fn run(
    kind: Kind,
    p: &Params,
    workload: Option<Workload>,
) -> anyhow::Result<(FanIn, Workload)> {
    let setup_start = std::time::Instant::now();
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let deadline = Instant::now() + p.setup_timeout;

    // Townships on the server, every device holding the base document.
    // On our server every device holds a token of its township, and the
    // fresh device verifying the server's copies a county-viewer one.
    let mut townships = Vec::with_capacity(p.townships);
    let server;
    let verifier;
    let workload = match kind {
        Kind::Ours => {
            let mut ids = Vec::new();
            let mut tokens = Vec::new();
            for t in 0..p.townships {
                let code = township_code(t);
                let url = township_add(&data, &code, &township_name(t)).await?;
                ids.push(parse_id(&url)?);
                tokens.push(create_tokens(
                    &data,
                    &Role::Township(code.clone()),
                    &code,
                    p.devices,
                )?);
            }
            verifier = Some(create_token(&data, &Role::CountyViewer, "verifier")?);
            server = Server::start(kind, &data).await?;
            for (id, tokens) in ids.into_iter().zip(tokens) {
                let tokens = tokens.into_iter().map(Some).collect();
                townships.push(join_township(&server, id, tokens, deadline).await?);
            }
            let bases = townships
                .iter()
                .map(|t| t.handles[0].with_document(|d| d.save()))
                .collect();
            let t = std::time::Instant::now();
            let (devices, edits) = (p.devices, p.edits);
            let w = tokio::task::spawn_blocking(move || Workload::generate(bases, devices, edits))
                .await??;
            eprintln!(
                "  generated {} offline edits in {:.1} s",
                w.total_changes,
                t.elapsed().as_secs_f64()
            );
            w
        }
        Kind::Js => {
            let w = match workload {
                Some(w) => w,
                None => {
                    let (townships, devices, edits) = (p.townships, p.devices, p.edits);
                    tokio::task::spawn_blocking(move || {
                        Workload::generate(local_bases(townships)?, devices, edits)
                    })
                    .await??
                }
            };
            verifier = None;
            server = Server::start(kind, &data).await?;
            for base in &w.bases {
                let mut first = Device::new(None).await;
                let doc = Automerge::load(base)?;
                let heads = sorted_heads(&doc);
                let handle = first
                    .repo
                    .create(doc)
                    .await
                    .map_err(|_| anyhow::anyhow!("samod stopped"))?;
                first.connect(&server.ws_url())?;
                let mut watch = DocWatch::new(&handle);
                if !watch.until(deadline, |w| w.peer_has(&heads)).await {
                    return Err(Timeout("the JS server taking a new document".into()).into());
                }
                let id = handle.document_id().clone();
                let mut t = join_township(&server, id, vec![None; p.devices - 1], deadline).await?;
                t.devices.insert(0, first);
                t.handles.insert(0, handle);
                townships.push(t);
            }
            w
        }
    };

    // Offline: every device makes its edits.
    for t in &mut townships {
        for d in &mut t.devices {
            d.disconnect();
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for (t, township) in townships.iter().enumerate() {
        for (d, handle) in township.handles.iter().enumerate() {
            let changes = workload.changes[t][d].clone();
            handle.with_document(|doc| doc.apply_changes(changes))?;
        }
    }
    // Let the devices' local bookkeeping and the server settle.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let setup = setup_start.elapsed();

    // All at once.
    let cpu0 = server.cpu_seconds();
    let client_cpu0 = own_cpu_seconds();
    let wire0: u64 = townships
        .iter()
        .flat_map(|t| &t.devices)
        .map(|d| d.wire.total())
        .sum();
    crate::messages::reset();
    let go = Instant::now();
    let end = go + p.timeout;
    let mut watchers = Vec::new();
    let dev_count = Arc::new(AtomicUsize::new(0));
    let srv_count = Arc::new(AtomicUsize::new(0));
    for (t, township) in townships.iter().enumerate() {
        for handle in &township.handles {
            let mut watch = DocWatch::new(handle);
            let union = workload.union[t].clone();
            let (dev_n, srv_n) = (dev_count.clone(), srv_count.clone());
            watchers.push(tokio::spawn(async move {
                let (mut dev, mut srv) = (None, None);
                watch
                    .until(end, |w| {
                        if dev.is_none() && w.heads() == union {
                            dev = Some(go.elapsed());
                            dev_n.fetch_add(1, Ordering::Relaxed);
                        }
                        if srv.is_none() && w.peer_has(&union) {
                            srv = Some(go.elapsed());
                            srv_n.fetch_add(1, Ordering::Relaxed);
                        }
                        dev.is_some() && srv.is_some()
                    })
                    .await;
                (dev, srv)
            }));
        }
    }
    for township in &mut townships {
        for d in &mut township.devices {
            d.connect(&server.ws_url())?;
        }
    }
    let total = watchers.len();
    let progress = {
        let (dev_n, srv_n) = (dev_count.clone(), srv_count.clone());
        let pid = server.pid;
        tokio::spawn(async move {
            let cpu0 = crate::server::cpu_seconds(pid).unwrap_or(0.0);
            loop {
                tokio::time::sleep(Duration::from_secs(10)).await;
                eprintln!(
                    "  {:>4.0} s: {}/{total} devices hold all, {}/{total} heard the server does; server CPU {:.1} s",
                    go.elapsed().as_secs_f64(),
                    dev_n.load(Ordering::Relaxed),
                    srv_n.load(Ordering::Relaxed),
                    crate::server::cpu_seconds(pid).unwrap_or(0.0) - cpu0,
                );
            }
        })
    };
    let mut devices_done = Some(Duration::ZERO);
    let mut server_done = Some(Duration::ZERO);
    let finished = join_all(watchers).await;
    progress.abort();
    for w in finished {
        let (dev, srv) = w?;
        devices_done = devices_done.zip(dev).map(|(a, b)| a.max(b));
        server_done = server_done.zip(srv).map(|(a, b)| a.max(b));
    }
    let server_cpu = server.cpu_seconds() - cpu0;
    let client_cpu = own_cpu_seconds() - client_cpu0;
    let wire_bytes = townships
        .iter()
        .flat_map(|t| &t.devices)
        .map(|d| d.wire.total())
        .sum::<u64>()
        - wire0;
    let messages = crate::messages::take();
    let (_, peak_rss_kb) = server.rss_kb();

    // Does the server hold it all? Ask with a device that has nothing.
    let verified = if server_done.is_some() {
        verify(
            &server,
            verifier.as_deref(),
            &townships,
            &workload.union,
            p.setup_timeout,
        )
        .await
    } else {
        0
    };

    let stops = townships
        .into_iter()
        .flat_map(|t| t.devices)
        .map(|d| d.stop());
    join_all(stops).await;
    if let Err(e) = server.stop().await {
        eprintln!("  warning: {e}");
    }
    Ok((
        FanIn {
            changes: workload.total_changes,
            server_done,
            devices_done,
            server_cpu,
            client_cpu,
            wire_bytes,
            peak_rss_kb,
            verified,
            setup,
            messages,
        },
        workload,
    ))
}

pub fn parse_id(url: &str) -> anyhow::Result<DocumentId> {
    let url: samod::AutomergeUrl = url
        .parse()
        .map_err(|_| anyhow::anyhow!("bad document URL {url}"))?;
    Ok(url.document_id().clone())
}

/// One device per token (`None`: no token) connects to the server and
/// fetches document `id`.
async fn join_township(
    server: &Server,
    id: DocumentId,
    tokens: Vec<Option<String>>,
    deadline: Instant,
) -> anyhow::Result<Township> {
    let n = tokens.len();
    let joins = tokens.into_iter().map(|token| {
        let id = id.clone();
        let url = server.ws_url();
        async move {
            let mut device = Device::new(token.as_deref()).await;
            device.connect(&url)?;
            device.established(deadline).await?;
            let handle = device.find(&id, deadline).await?;
            anyhow::Ok((device, handle))
        }
    });
    let mut devices = Vec::with_capacity(n);
    let mut handles = Vec::with_capacity(n);
    for joined in join_all(joins).await {
        let (d, h) = joined?;
        devices.push(d);
        handles.push(h);
    }
    Ok(Township {
        id,
        devices,
        handles,
    })
}

async fn verify(
    server: &Server,
    token: Option<&str>,
    townships: &[Township],
    union: &[Vec<ChangeHash>],
    timeout: Duration,
) -> usize {
    let deadline = Instant::now() + timeout;
    let mut fresh = Device::new(token).await;
    if fresh.connect(&server.ws_url()).is_err() || fresh.established(deadline).await.is_err() {
        fresh.stop().await;
        return 0;
    }
    let checks = townships.iter().zip(union).map(|(t, union)| {
        let fresh = &fresh;
        async move {
            let Ok(handle) = fresh.find(&t.id, deadline).await else {
                return false;
            };
            DocWatch::new(&handle)
                .until(deadline, |w| w.heads() == *union)
                .await
        }
    });
    let ok = join_all(checks).await.into_iter().filter(|ok| *ok).count();
    fresh.stop().await;
    ok
}

/// For the caller: whether an error is a timeout.
pub fn describe(e: &anyhow::Error) -> String {
    if is_timeout(e) {
        format!("TIMEOUT ({e})")
    } else {
        format!("FAILED ({e:#})")
    }
}
