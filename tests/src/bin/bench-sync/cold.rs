//! Scenario 3, cold start: the server restarted over T township documents
//! of realistic size. Measured: how long a brand-new device takes for its
//! first full sync of one document, and the server's memory once every
//! document has been touched by a device.

use std::path::Path;
use std::time::Duration;

use automerge::{Automerge, ChangeHash};
use futures::future::join_all;
use samod::DocumentId;
use tokio::time::Instant;

use crate::device::{Device, DocWatch};
use crate::fanin::{local_bases, parse_id};
use crate::records::{self, sorted_heads};
use crate::report::{Cell, Section};
use crate::server::{Kind, Role, Server, create_token, township_add};
use crate::{Params, Timeout, is_timeout, mb, township_code, township_name};

/// The township documents, for the second server to get the same ones.
pub struct Docs {
    pub full: Vec<Vec<u8>>,
}

pub struct Cold {
    pub changes_per_doc: usize,
    pub save_bytes: usize,
    pub disk_bytes: u64,
    pub startup: Duration,
    pub rss_idle_kb: u64,
    pub first_sync: Option<Duration>,
    pub all_touched: Option<Duration>,
    pub rss_after_kb: u64,
    pub hwm_after_kb: u64,
}

/// Build realistic townships on `bases`, a few at a time (one per core).
async fn build(bases: Vec<Vec<u8>>, units: usize) -> anyhow::Result<Vec<Automerge>> {
    let started = std::time::Instant::now();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut built = Vec::with_capacity(bases.len());
    for chunk in bases.chunks(cores).map(|c| c.to_vec()) {
        let offset = built.len();
        let jobs = chunk.into_iter().enumerate().map(|(i, bytes)| {
            tokio::task::spawn_blocking(move || {
                let base = Automerge::load(&bytes)?;
                let seed = 0xc01d + (offset + i) as u64;
                let built = records::realistic_township(&base, units, seed)?;
                anyhow::Ok((built.doc, built.transactions, built.records))
            })
        });
        for job in join_all(jobs).await {
            let (doc, transactions, records) = job??;
            if built.is_empty() {
                eprintln!("  one township: {records} records in {transactions} transactions");
            }
            built.push(doc);
        }
    }
    eprintln!(
        "  built {} townships of {units} units in {:.1} s",
        built.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(built)
}

pub async fn run(kind: Kind, p: &Params, docs: Option<Docs>) -> anyhow::Result<(Cold, Docs)> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let deadline = Instant::now() + p.setup_timeout;

    // Load the documents into the server through one device. On our server
    // it holds a county-admin token (it writes every township), and the two
    // fresh devices below county-viewer ones (they read every township).
    let mut ids: Vec<DocumentId> = Vec::new();
    let mut expected = Vec::new();
    let mut full = Vec::new();
    let mut loader_token = None;
    let mut reader_tokens = [None, None];
    if kind == Kind::Ours {
        for t in 0..p.townships {
            let url = township_add(&data, &township_code(t), &township_name(t)).await?;
            ids.push(parse_id(&url)?);
        }
        loader_token = Some(create_token(&data, &Role::CountyAdmin, "loader")?);
        for (i, slot) in reader_tokens.iter_mut().enumerate() {
            *slot = Some(create_token(
                &data,
                &Role::CountyViewer,
                &format!("reader-{i}"),
            )?);
        }
    }
    let [a_token, b_token] = reader_tokens;
    let mut loader = Device::new(loader_token.as_deref()).await;
    let server = match kind {
        Kind::Ours => {
            let server = Server::start(kind, &data).await?;
            loader.connect(&server.ws_url())?;
            loader.established(deadline).await?;
            let mut handles = Vec::new();
            for id in &ids {
                handles.push(loader.find(id, deadline).await?);
            }
            let bases = handles
                .iter()
                .map(|h| h.with_document(|d| d.save()))
                .collect();
            let built = build(bases, p.doc_units).await?;
            for (h, doc) in handles.iter().zip(built) {
                let heads = h.with_document(|d| d.get_heads());
                let changes = doc.get_changes(&heads);
                h.with_document(|d| d.apply_changes(changes))?;
                expected.push(sorted_heads(&doc));
                full.push(doc.save());
            }
            wait_server_has(&handles, &expected, deadline).await?;
            server
        }
        Kind::Js => {
            full = match docs {
                Some(d) => d.full,
                None => build(local_bases(p.townships)?, p.doc_units)
                    .await?
                    .iter()
                    .map(|d| d.save())
                    .collect(),
            };
            let server = Server::start(kind, &data).await?;
            loader.connect(&server.ws_url())?;
            let mut handles = Vec::new();
            for bytes in &full {
                let doc = Automerge::load(bytes)?;
                expected.push(sorted_heads(&doc));
                let h = loader
                    .repo
                    .create(doc)
                    .await
                    .map_err(|_| anyhow::anyhow!("samod stopped"))?;
                ids.push(h.document_id().clone());
                handles.push(h);
            }
            wait_server_has(&handles, &expected, deadline).await?;
            server
        }
    };
    let first = Automerge::load(&full[0])?;
    let changes_per_doc = first.get_changes(&[]).len();
    let save_bytes = full[0].len();
    drop(first);
    loader.stop().await;

    // Restart.
    server.stop().await?;
    let disk_bytes = dir_size(&data);
    let server = Server::start(kind, &data).await?;
    let startup = server.startup;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (rss_idle_kb, _) = server.rss_kb();
    let end = Instant::now() + p.timeout;

    // A brand-new device, one document.
    let t0 = Instant::now();
    let mut a = Device::new(a_token.as_deref()).await;
    a.connect(&server.ws_url())?;
    let first_sync = match fetch(&a, &ids[0], &expected[0], end).await {
        Ok(()) => Some(t0.elapsed()),
        Err(e) if is_timeout(&e) => None,
        Err(e) => return Err(e),
    };

    // Another, every document at once.
    let t1 = Instant::now();
    let mut b = Device::new(b_token.as_deref()).await;
    b.connect(&server.ws_url())?;
    let all = join_all(
        ids.iter()
            .zip(&expected)
            .map(|(id, heads)| fetch(&b, id, heads, end)),
    )
    .await;
    let all_touched = if all.iter().all(|r| r.is_ok()) {
        Some(t1.elapsed())
    } else {
        if let Some(Err(e)) = all.into_iter().find(|r| r.is_err())
            && !is_timeout(&e)
        {
            return Err(e);
        }
        None
    };
    let (rss_after_kb, hwm_after_kb) = server.rss_kb();
    a.stop().await;
    b.stop().await;
    if let Err(e) = server.stop().await {
        eprintln!("  warning: {e}");
    }
    Ok((
        Cold {
            changes_per_doc,
            save_bytes,
            disk_bytes,
            startup,
            rss_idle_kb,
            first_sync,
            all_touched,
            rss_after_kb,
            hwm_after_kb,
        },
        Docs { full },
    ))
}

/// Wait until the server says it holds each document's `expected` heads.
async fn wait_server_has(
    handles: &[samod::DocHandle],
    expected: &[Vec<ChangeHash>],
    deadline: Instant,
) -> anyhow::Result<()> {
    let waits = handles.iter().zip(expected).map(|(h, heads)| async move {
        DocWatch::new(h)
            .until(deadline, |w| w.peer_has(heads))
            .await
    });
    if join_all(waits).await.into_iter().all(|ok| ok) {
        Ok(())
    } else {
        Err(Timeout("loading the documents into the server".into()).into())
    }
}

/// Find a document and wait until it is complete.
async fn fetch(
    d: &Device,
    id: &DocumentId,
    heads: &[ChangeHash],
    end: Instant,
) -> anyhow::Result<()> {
    d.established(end).await?;
    let h = d.find(id, end).await?;
    if DocWatch::new(&h).until(end, |w| w.heads() == heads).await {
        Ok(())
    } else {
        Err(Timeout(format!("first sync of {id}")).into())
    }
}

fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Fill the section; hand the documents on for the next server.
pub fn report(s: &mut Section, kind: Kind, r: anyhow::Result<(Cold, Docs)>) -> Option<Docs> {
    let ours = kind == Kind::Ours;
    match r {
        Ok((c, docs)) => {
            let ms = |d: Option<Duration>| Cell::opt(d.map(|d| d.as_secs_f64() * 1000.0));
            s.set(
                "changes per document",
                0,
                ours,
                Cell::Value(c.changes_per_doc as f64),
            );
            s.set(
                "doc.save() of one document (MB)",
                2,
                ours,
                Cell::Value(c.save_bytes as f64 / 1e6),
            );
            s.set(
                "server data on disk (MB)",
                1,
                ours,
                Cell::Value(c.disk_bytes as f64 / 1e6),
            );
            s.set(
                "server start to listening (ms)",
                0,
                ours,
                ms(Some(c.startup)),
            );
            s.set(
                "server RSS after restart, idle (MB)",
                1,
                ours,
                mb(c.rss_idle_kb),
            );
            s.set(
                "new device's first full sync of one doc (ms)",
                0,
                ours,
                ms(c.first_sync),
            );
            s.set(
                "new device fetching all T docs at once (ms)",
                0,
                ours,
                ms(c.all_touched),
            );
            s.set(
                "server RSS, all T docs touched (MB)",
                1,
                ours,
                mb(c.rss_after_kb),
            );
            s.set("server peak RSS (MB)", 1, ours, mb(c.hwm_after_kb));
            Some(docs)
        }
        Err(e) => {
            eprintln!("  {}", crate::fanin::describe(&e));
            let cell = if is_timeout(&e) {
                Cell::Timeout
            } else {
                Cell::Failed
            };
            s.set(
                "new device's first full sync of one doc (ms)",
                0,
                ours,
                cell,
            );
            None
        }
    }
}
