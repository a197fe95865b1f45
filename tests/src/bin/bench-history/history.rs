//! Years of edits, made up front: a few thousand units added, then many
//! small typed edits (one field of one record per change, each its own
//! transaction with the client's commit message), by a dozen tablets in
//! turn, their timestamps spread over years. Then stored the way the
//! county server stores what devices send: applied a day's batch at a time
//! to the document in a samod repo over the server's own `SqliteStorage`
//! (same compaction policy, same rows), in the server's data directory.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use automerge::transaction::CommitOptions;
use automerge::{ActorId, Automerge, Change};
use qunjian_client::schema::Unit;
use qunjian_shared::SqliteStorage;
use qunjian_shared::edit;
use samod::{DocumentId, Repo};
use tokio::time::Instant;

use crate::records::gen_units;
use crate::rng::Rng;

/// Tablets that made the history, each for a stretch of changes in turn.
const TABLETS: usize = 12;
/// Units added per transaction while the township is first entered.
const ADD_BATCH: usize = 50;
/// 2019-01-01, and about a day between batches (so 100,000 changes in
/// batches of 500 span 200 days of busy work; timestamps only matter as
/// bytes in the changes).
const EPOCH: i64 = 1_546_300_800;
/// The longest a batch may take to be committed.
const BATCH_TIMEOUT: Duration = Duration::from_secs(600);

pub struct Generated {
    pub changes: Vec<Change>,
    pub units: Vec<String>,
    /// `Automerge::save()` of the whole document.
    pub saved_bytes: usize,
    /// Bytes of all changes, as stored one row each.
    pub change_bytes: usize,
    pub elapsed: Duration,
}

fn tablet(i: usize) -> ActorId {
    let mut bytes = [0u8; 16];
    bytes[0] = 0x7a;
    bytes[8..].copy_from_slice(&(i as u64).to_be_bytes());
    ActorId::from(bytes)
}

/// `edits` small changes on top of `base` (after the units are added).
pub fn generate(base: &Automerge, records: usize, edits: usize) -> anyhow::Result<Generated> {
    let started = std::time::Instant::now();
    let mut rng = Rng(0x4157_0a1e_5eed_0001);
    let mut doc = base.fork().with_actor(tablet(0));
    let before = doc.get_heads();
    let mut units = Vec::new();
    let all = gen_units(&mut rng, records)?;
    let mut time = EPOCH;
    for chunk in all.chunks(ADD_BATCH) {
        let ids = doc
            .transact_with(
                |_| {
                    CommitOptions::default()
                        .with_message("添加单位".to_string())
                        .with_time(time)
                },
                |tx| {
                    chunk
                        .iter()
                        .map(|u| edit::add(tx, u))
                        .collect::<Result<Vec<_>, _>>()
                },
            )
            .map_err(|f| anyhow!("adding units: {}", f.error))?
            .result;
        units.extend(ids);
    }
    let per_tablet = edits.div_ceil(TABLETS).max(1);
    for i in 0..edits {
        if i.is_multiple_of(per_tablet) {
            doc.set_actor(tablet(i / per_tablet));
        }
        time += 60 + rng.below(600) as i64;
        small_edit(&mut doc, &units, i, time, &mut rng)?;
    }
    let changes: Vec<Change> = doc.get_changes(&before);
    let change_bytes = changes.iter().map(|c| c.raw_bytes().len()).sum();
    let saved_bytes = doc.save().len();
    Ok(Generated {
        changes,
        units,
        saved_bytes,
        change_bytes,
        elapsed: started.elapsed(),
    })
}

/// The township document as `township add` stored it.
pub async fn load_base(data: &Path, id: &DocumentId) -> anyhow::Result<Automerge> {
    let storage = SqliteStorage::open(qunjian_server::db::db_path(data))?;
    let repo = Repo::build_tokio()
        .with_storage(storage.clone())
        .load()
        .await;
    let handle = repo
        .find(id.clone())
        .await
        .map_err(|_| anyhow!("samod stopped"))?
        .context("the township document is not in the data directory")?;
    let doc = handle.with_document(|d| d.fork());
    repo.stop().await;
    storage.flush().await;
    Ok(doc)
}

pub struct Stored {
    pub batches: usize,
    pub elapsed: Duration,
    /// The slowest batch until committed (a compaction's full save lands in one).
    pub slowest_batch: Duration,
}

/// Apply `changes` to document `id` in the server's storage, `batch` at a
/// time, each batch waited for until committed.
pub async fn store(
    data: &Path,
    id: &DocumentId,
    changes: &[Change],
    batch: usize,
) -> anyhow::Result<Stored> {
    let storage = SqliteStorage::open(qunjian_server::db::db_path(data))?;
    let repo = Repo::build_tokio()
        .with_storage(storage.clone())
        .load()
        .await;
    let handle = repo
        .find(id.clone())
        .await
        .map_err(|_| anyhow!("samod stopped"))?
        .context("the township document is not in the data directory")?;
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut batches = 0usize;
    let doc_key = id.to_string();
    let mut commits = storage.commits();
    for (n, chunk) in changes.chunks(batch.max(1)).enumerate() {
        let t = Instant::now();
        let heads = handle.with_document(|d| {
            d.apply_changes(chunk.iter().cloned())
                .map(|()| d.get_heads())
        })?;
        let deadline = t + BATCH_TIMEOUT;
        loop {
            commits.borrow_and_update();
            if storage.holds(&doc_key, heads.clone()).await {
                break;
            }
            if tokio::time::timeout_at(deadline, commits.changed())
                .await
                .is_err()
            {
                bail!("batch {n} not committed within {BATCH_TIMEOUT:?}");
            }
        }
        slowest = slowest.max(t.elapsed());
        batches += 1;
        if batches.is_multiple_of(20) {
            println!(
                "  stored {} of {} changes ({:.0} s)",
                (n + 1) * batch,
                changes.len(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    let elapsed = started.elapsed();
    repo.stop().await;
    storage.flush().await;
    Ok(Stored {
        batches,
        elapsed,
        slowest_batch: slowest,
    })
}

/// A fresh repo over the stored file: how long finding (loading) the
/// document takes, and its number of changes.
pub async fn open_in_process(data: &Path, id: &DocumentId) -> anyhow::Result<(Duration, usize)> {
    let storage = SqliteStorage::open(qunjian_server::db::db_path(data))?;
    let started = Instant::now();
    let repo = Repo::build_tokio()
        .with_storage(storage.clone())
        .load()
        .await;
    let handle = repo
        .find(id.clone())
        .await
        .map_err(|_| anyhow!("samod stopped"))?
        .context("the township document is not in the data directory")?;
    let elapsed = started.elapsed();
    let n = handle.with_document(|d| d.get_changes(&[]).len());
    repo.stop().await;
    storage.flush().await;
    Ok((elapsed, n))
}

/// One typed edit of one field of a random unit, in its own transaction
/// with the client's commit message (`Township::update`).
pub fn small_edit(
    doc: &mut Automerge,
    units: &[String],
    i: usize,
    time: i64,
    rng: &mut Rng,
) -> anyhow::Result<()> {
    let id = &units[rng.below(units.len())];
    let field = rng.below(4);
    let n = rng.below(5000) as u32;
    let renamed = format!("单位{}号（{}）", rng.below(9999), i % 7);
    doc.transact_with(
        |_| {
            CommitOptions::default()
                .with_message(format!("修改单位 {id}"))
                .with_time(time)
        },
        |tx| {
            edit::update::<Unit>(tx, id, |u| match field {
                0 => u.employees = Some(n),
                1 => u.female_staff = Some(n % 300),
                2 => u.youth = Some(n % 500),
                _ => u.name = renamed,
            })
        },
    )
    .map_err(|f| anyhow!("edit {i}: {}", f.error))?;
    Ok(())
}
